package io.nvent;

import java.util.List;

/**
 * What publishing a named event did.
 *
 * @param startedRuns runs started by event triggers
 * @param resolvedAwaits awaits of waiting runs it resolved
 * @param replayed {@code false} if this call delivered the event; {@code true} if an earlier publish with the same
 *     idempotency key had ({@link FlowService#publishEvent(String, Object, EventOptions)}), and this one delivered
 *     nothing and answers what the earlier one did (since 0.2)
 * @since 0.1
 */
public record EventDelivery(List<String> startedRuns, int resolvedAwaits, boolean replayed) {

    /**
     * Copies the run ids, so the record stays immutable.
     *
     * @param startedRuns runs started by event triggers
     * @param resolvedAwaits awaits of waiting runs it resolved
     * @param replayed whether an earlier publish with the same idempotency key delivered the event
     * @throws NullPointerException if {@code startedRuns} or an id is {@code null}
     * @since 0.2
     */
    public EventDelivery {
        startedRuns = List.copyOf(startedRuns);
    }

    /**
     * What a publish that delivered the event did.
     *
     * @param startedRuns runs started by event triggers
     * @param resolvedAwaits awaits of waiting runs it resolved
     * @throws NullPointerException if {@code startedRuns} or an id is {@code null}
     */
    public EventDelivery(List<String> startedRuns, int resolvedAwaits) {
        this(startedRuns, resolvedAwaits, false);
    }

    /**
     * This delivery as a repeated publish answers it.
     *
     * @return the same runs and awaits, {@link #replayed()}
     * @since 0.2
     */
    public EventDelivery asReplayed() {
        return new EventDelivery(startedRuns, resolvedAwaits, true);
    }
}

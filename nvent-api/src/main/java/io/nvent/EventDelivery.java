package io.nvent;

import java.util.List;

/**
 * What publishing a named event did.
 *
 * @param startedRuns runs started by event triggers
 * @param resolvedAwaits awaits of waiting runs it resolved
 * @since 0.1
 */
public record EventDelivery(List<String> startedRuns, int resolvedAwaits) {

    /**
     * Copies the run ids, so the record stays immutable.
     *
     * @param startedRuns runs started by event triggers
     * @param resolvedAwaits awaits of waiting runs it resolved
     * @throws NullPointerException if {@code startedRuns} or an id is {@code null}
     */
    public EventDelivery {
        startedRuns = List.copyOf(startedRuns);
    }
}

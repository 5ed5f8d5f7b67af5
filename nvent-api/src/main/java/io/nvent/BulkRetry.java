package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which failed runs {@link FlowService#retryFailed(BulkRetry)} retries: the runs of one flow that
 * failed finally, optionally only those whose failed step has a given name and those started within
 * a window, taken in the run list's order (newest first) from a position on, at most {@code limit}
 * of them per call.
 *
 * <pre>{@code
 * BulkRetry retry = BulkRetry.ofFlow("order").withStep("charge")
 *         .startedWithin(outageStart, outageEnd);
 * BulkResult page;
 * do {
 *     page = flows.retryFailed(retry);
 *     retry = page.next().map(retry::startingAfter).orElse(null);
 * } while (retry != null);
 * }</pre>
 *
 * @param flow the flow whose runs are retried
 * @param step only runs whose failed step has this name, if present (every failed step otherwise)
 * @param from only runs started at or after this instant, if present
 * @param to only runs started before this instant, if present
 * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
 * @param after only runs listed after this position, if present: the {@link BulkResult#next()} of
 *     the previous call
 * @since 0.2
 */
public record BulkRetry(String flow, Optional<String> step, Optional<Instant> from, Optional<Instant> to,
                        int limit, Optional<RunPosition> after) {

    /** The most runs one call works through, and how many it works through unless told otherwise. */
    public static final int MAX_LIMIT = 500;

    /**
     * Checks the selection.
     *
     * @param flow the flow whose runs are retried
     * @param step only runs whose failed step has this name, if present
     * @param from only runs started at or after this instant, if present
     * @param to only runs started before this instant, if present
     * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
     * @param after only runs listed after this position, if present
     * @throws NullPointerException if {@code flow} or an {@code Optional} is {@code null}
     * @throws IllegalArgumentException if {@code flow} or {@code step} is blank, {@code limit} is outside 1
     *     to {@value #MAX_LIMIT}, or {@code to} is not after {@code from}
     */
    public BulkRetry {
        BulkChecks.requireFlow(flow);
        Objects.requireNonNull(step, "step");
        if (step.filter(String::isBlank).isPresent()) {
            throw new IllegalArgumentException("step must not be blank");
        }
        BulkChecks.requireWindow(from, to);
        BulkChecks.requireLimit(limit, MAX_LIMIT);
        Objects.requireNonNull(after, "after");
    }

    /**
     * Every failed run of a flow, {@value #MAX_LIMIT} per call.
     *
     * @param flow the flow
     * @return a selection with no other filter
     */
    public static BulkRetry ofFlow(String flow) {
        return new BulkRetry(flow, Optional.empty(), Optional.empty(), Optional.empty(), MAX_LIMIT, Optional.empty());
    }

    /**
     * This selection restricted to runs whose failed step has this name.
     *
     * @param stepName the step's name
     * @return a copy that retries only that step
     */
    public BulkRetry withStep(String stepName) {
        return new BulkRetry(flow, Optional.of(stepName), from, to, limit, after);
    }

    /**
     * This selection restricted to runs started within {@code [start, end)}.
     *
     * @param start the earliest start taken
     * @param end the first start no longer taken, after {@code start}
     * @return a copy with that window
     */
    public BulkRetry startedWithin(Instant start, Instant end) {
        return new BulkRetry(flow, step, Optional.of(start), Optional.of(end), limit, after);
    }

    /**
     * This selection working through at most {@code newLimit} runs per call.
     *
     * @param newLimit 1 to {@value #MAX_LIMIT}
     * @return a copy with that limit
     */
    public BulkRetry withLimit(int newLimit) {
        return new BulkRetry(flow, step, from, to, newLimit, after);
    }

    /**
     * This selection going on after a position, the {@link BulkResult#next()} of the previous call.
     *
     * @param position the position; runs at or before it are left out
     * @return a copy that goes on after it
     */
    public BulkRetry startingAfter(RunPosition position) {
        return new BulkRetry(flow, step, from, to, limit, Optional.of(position));
    }
}

package io.nvent;

import java.util.Objects;

/**
 * The runs below one run, at any depth (its children, the runs they started, and so on down), counted by how far they
 * got: what {@link FlowService#descendants(String)} answers, and what the console's <em>Runs below</em> panel sums up.
 * A descendant deleted since it ended is not counted, nor are the runs below it; nor is a run more than
 * {@link io.nvent.spi.FlowStore#DESCENDANT_DEPTH_LIMIT} generations below, which {@code depthLimitReached} says.
 *
 * @param runId the run whose descendants are counted (it is not counted itself)
 * @param total every run below it that is stored
 * @param underWay those not ended: running, awaiting, stalled or compensating
 * @param completed those in {@link RunStatus#COMPLETED}
 * @param failed those in {@link RunStatus#FAILED}
 * @param canceled those in {@link RunStatus#CANCELED}
 * @param depthLimitReached whether the walk down stopped at
 *     {@link io.nvent.spi.FlowStore#DESCENDANT_DEPTH_LIMIT} generations with runs below it left uncounted
 * @since 0.2
 */
public record DescendantRuns(String runId, long total, long underWay, long completed, long failed, long canceled,
                             boolean depthLimitReached) {

    /**
     * Checks the values.
     *
     * @param runId the run whose descendants are counted
     * @param total every run below it
     * @param underWay those not ended
     * @param completed completed ones
     * @param failed failed ones
     * @param canceled canceled ones
     * @param depthLimitReached whether runs deeper than the limit were left uncounted
     * @throws IllegalArgumentException if a count is negative, or they do not add up to {@code total}
     */
    public DescendantRuns {
        Objects.requireNonNull(runId, "runId");
        if (total < 0 || underWay < 0 || completed < 0 || failed < 0 || canceled < 0
                || underWay + completed + failed + canceled != total) {
            throw new IllegalArgumentException("descendant run counts must not be negative and must add up to the"
                    + " total, were total " + total + ", under way " + underWay + ", completed " + completed
                    + ", failed " + failed + ", canceled " + canceled + " (run " + runId + ")");
        }
    }
}

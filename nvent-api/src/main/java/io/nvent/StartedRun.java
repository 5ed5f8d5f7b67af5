package io.nvent;

import java.util.Objects;

/**
 * What {@link FlowService#start(String, Object, StartOptions)} (or, for a child run,
 * {@link StepContext#startFlow(String, Object, StartOptions)}) did.
 *
 * @param runId the run's id
 * @param created {@code true} if this call created the run; {@code false} if an earlier start with
 *     the same idempotency key had (the run may since have ended)
 * @since 0.1
 */
public record StartedRun(String runId, boolean created) {

    /**
     * Checks the run id.
     *
     * @param runId the run's id
     * @param created {@code true} if this call created the run; {@code false} if an earlier start with
     *     the same idempotency key had (the run may since have ended)
     * @throws NullPointerException if {@code runId} is {@code null}
     */
    public StartedRun {
        Objects.requireNonNull(runId, "runId");
    }
}

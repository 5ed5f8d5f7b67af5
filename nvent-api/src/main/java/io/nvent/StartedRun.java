package io.nvent;

import java.util.Objects;

/**
 * What {@link FlowService#start(String, Object, StartOptions)} (or, for a child run,
 * {@link StepContext#startFlow(String, Object, StartOptions)}) did; since 0.2 also what
 * {@link FlowService#restart(String, RestartOptions)} and
 * {@link FlowService#rerunFrom(String, String, RestartOptions)} did.
 *
 * @param runId the run's id: the started run, or the new run of a restart or rerun
 * @param created {@code true} if this call created the run; {@code false} if an earlier call with the
 *     same idempotency key had (a start; for a restart or rerun, the same restart or rerun), and the run
 *     may since have ended
 * @since 0.1
 */
public record StartedRun(String runId, boolean created) {

    /**
     * Checks the run id.
     *
     * @param runId the run's id: the started run, or the new run of a restart or rerun
     * @param created {@code true} if this call created the run; {@code false} if an earlier call with the
     *     same idempotency key had (a start; for a restart or rerun, the same restart or rerun), and the run
     *     may since have ended
     * @throws NullPointerException if {@code runId} is {@code null}
     */
    public StartedRun {
        Objects.requireNonNull(runId, "runId");
    }
}

package io.nvent;

import java.util.Objects;

/**
 * What {@link FlowService#start(String, Object, StartOptions)} (or, for a child run,
 * {@link StepContext#startFlow(String, Object, StartOptions)}) did; since 0.2 also what
 * {@link FlowService#restart(String, RestartOptions)} and
 * {@link FlowService#rerunFrom(String, String, RestartOptions)} did, and what each flow of a
 * {@link TriggerService#fire(String, String, StartOptions) fire} did.
 *
 * <p>Three outcomes: the call created the run ({@code created}); an earlier call with the same idempotency key had
 * (neither {@code created} nor {@code folded}: a replay); or, for a fire of a debounced trigger ({@link Debounce}),
 * the fire was folded into the key's pending run, which an earlier fire opened and which starts with this fire's
 * payload ({@code folded}: a new fire, not a replay).
 *
 * @param runId the run's id: the started run, or the new run of a restart or rerun
 * @param created {@code true} if this call created the run; {@code false} if an earlier call with the
 *     same idempotency key had (a start; for a restart or rerun, the same restart or rerun), and the run
 *     may since have ended, or if the fire was {@code folded}
 * @param folded {@code true} if this call was a debounced trigger's fire folded into the pending run an earlier fire
 *     opened (never with {@code created}); since 0.2
 * @since 0.1
 */
public record StartedRun(String runId, boolean created, boolean folded) {

    /**
     * Checks the run id and that a run this call created was folded into none.
     *
     * @param runId the run's id: the started run, or the new run of a restart or rerun
     * @param created {@code true} if this call created the run; {@code false} if an earlier call with the
     *     same idempotency key had, or if the fire was {@code folded}
     * @param folded {@code true} if this call was a debounced trigger's fire folded into a pending run
     * @throws NullPointerException if {@code runId} is {@code null}
     * @throws IllegalArgumentException if both {@code created} and {@code folded} are {@code true}
     * @since 0.2
     */
    public StartedRun {
        Objects.requireNonNull(runId, "runId");
        if (created && folded) {
            throw new IllegalArgumentException("NVENT-0255 run '" + runId + "' cannot be both created by this call"
                    + " and folded into as a pending run an earlier fire opened: give at most one of created, folded");
        }
    }

    /**
     * A run created by this call, or one an earlier call with the same idempotency key created (not folded).
     *
     * @param runId the run's id: the started run, or the new run of a restart or rerun
     * @param created {@code true} if this call created the run; {@code false} if an earlier call with the
     *     same idempotency key had
     * @throws NullPointerException if {@code runId} is {@code null}
     */
    public StartedRun(String runId, boolean created) {
        this(runId, created, false);
    }

    /**
     * A debounced trigger's fire folded into the pending run an earlier fire opened.
     *
     * @param runId the pending run's id
     * @return {@code new StartedRun(runId, false, true)}
     * @throws NullPointerException if {@code runId} is {@code null}
     * @since 0.2
     */
    public static StartedRun foldedInto(String runId) {
        return new StartedRun(runId, false, true);
    }

    /**
     * {@return whether an earlier call with the same idempotency key created the run: neither {@link #created()} nor
     * {@link #folded()}}
     *
     * @since 0.2
     */
    public boolean replayed() {
        return !created && !folded;
    }
}

package io.nvent;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Lifecycle of a run, with the transitions the engine may make. This table is the single place
 * the run state machine is defined; stores reject any other transition.
 *
 * <pre>
 *   RUNNING  -> AWAITING, COMPLETED, FAILED, CANCELED, STALLED, COMPENSATING
 *   AWAITING -> RUNNING, COMPLETED, FAILED, CANCELED, STALLED, COMPENSATING
 *   STALLED  -> RUNNING, FAILED, CANCELED, COMPENSATING
 *   COMPENSATING -> FAILED, CANCELED, STALLED, RUNNING   (RUNNING: only where the stall rules take a
 *                                   stalled step up again)
 *   FAILED   -> RUNNING, AWAITING, COMPENSATING   (only when an operator retries the failed step:
 *                                   AWAITING if the step waits for its timed-out await again,
 *                                   COMPENSATING if it is a failed compensation)
 *   COMPLETED, CANCELED: final
 * </pre>
 *
 * <p>COMPLETED, FAILED and CANCELED are <em>terminal</em>: the run has ended and nothing happens
 * to it on its own.
 *
 * @since 0.1
 */
public enum RunStatus {
    /** Steps are queued or executing. */
    RUNNING,
    /** Nothing executes; the run waits for time, a webhook or an event. */
    AWAITING,
    /** Every scheduled step completed. */
    COMPLETED,
    /** A step failed finally. */
    FAILED,
    /** Canceled by a user or a step. */
    CANCELED,
    /** A step made no progress within the stall timeout. */
    STALLED,
    /**
     * A step failed for good and the steps the run completed are being undone, newest first, by the
     * compensation steps they name ({@link FlowStep#compensation()}); the run then fails. Not terminal.
     *
     * @since 0.2
     */
    COMPENSATING;

    private static final Map<RunStatus, Set<RunStatus>> ALLOWED = Map.of(
            RUNNING, EnumSet.of(AWAITING, COMPLETED, FAILED, CANCELED, STALLED, COMPENSATING),
            AWAITING, EnumSet.of(RUNNING, COMPLETED, FAILED, CANCELED, STALLED, COMPENSATING),
            STALLED, EnumSet.of(RUNNING, FAILED, CANCELED, COMPENSATING),
            COMPENSATING, EnumSet.of(FAILED, CANCELED, STALLED, RUNNING),
            COMPLETED, EnumSet.noneOf(RunStatus.class),
            // a retried step runs, or waits for its await again; a retried compensation goes on compensating
            FAILED, EnumSet.of(RUNNING, AWAITING, COMPENSATING),
            CANCELED, EnumSet.noneOf(RunStatus.class));

    /**
     * Whether the run has ended: completed, failed or canceled.
     *
     * @return {@code true} for {@link #COMPLETED}, {@link #FAILED} and {@link #CANCELED}
     */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELED;
    }

    /**
     * Whether a run in this status is active in the narrow sense of a bulk cancel's default selection
     * ({@link BulkCancel#ACTIVE}): running or awaiting. It is <em>not</em> "the run has not ended": a
     * {@link #STALLED} or {@link #COMPENSATING} run is not active, yet it is under way: it has not ended, it may
     * still run steps, and, as a running or awaiting run, it is not deletable ({@link FlowService#deleteRun} refuses
     * it: cancel it first), while {@link FlowService#restart} takes it, canceling it first (a compensating run's
     * compensation stops there). For "under way" use {@code !isTerminal()}.
     *
     * @return {@code true} for {@link #RUNNING} and {@link #AWAITING} only
     */
    public boolean isActive() {
        return this == RUNNING || this == AWAITING;
    }

    /**
     * Whether the state machine allows moving from this status to {@code next}.
     *
     * @param next the status to move to
     * @return {@code true} if the table above allows it
     */
    public boolean canTransitionTo(RunStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    /**
     * Lower-case name used on the wire ({@code "running"}).
     *
     * @return the lower-case name
     */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

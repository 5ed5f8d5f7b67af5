package io.nvent;

/**
 * Status of one step within one run.
 *
 * @since 0.1
 */
public enum StepStatus {
    /** Scheduled on its queue, not yet started. */
    QUEUED,
    /** An attempt is executing. */
    RUNNING,
    /** An attempt failed and another is scheduled. */
    RETRYING,
    /** Waiting for an await to resolve. */
    AWAITING,
    /** Finished successfully. */
    COMPLETED,
    /** Failed on its last attempt. */
    FAILED,
    /**
     * Will not run: its run ended (canceled, or failed in another step) while the step was queued,
     * retrying or awaiting ({@link RunInfo} reports it so; retrying the failed step of such a run
     * schedules the step again). Also stored for a step whose running attempt stopped after its run
     * was canceled, or whose execution was lost once its run was canceled, with a {@link
     * EventType#STEP_CANCELED} entry saying which.
     */
    CANCELED;

    /**
     * Whether the step can change no more.
     *
     * @return {@code true} for {@link #COMPLETED}, {@link #FAILED} and {@link #CANCELED}
     */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELED;
    }

    /**
     * Lower-case name used on the wire.
     *
     * @return the lower-case name
     */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.nvent;

/**
 * A change was asked of a run that its state machine does not allow (e.g. emitting into a
 * completed run). See {@link RunStatus}.
 *
 * @since 0.1
 */
public class IllegalRunTransitionException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #from()}. */
    private final RunStatus from;

    /**
     * A refused change, with a message (NVENT-0203) that names the run, its status and the change.
     *
     * @param runId the run
     * @param from its status when the change was refused
     * @param attempted the change in words, completing "cannot …", e.g. {@code "receive event 'paid'"}
     */
    public IllegalRunTransitionException(String runId, RunStatus from, String attempted) {
        super("NVENT-0203 run '" + runId + "' is " + from.wireName() + " and cannot " + attempted);
        this.runId = runId;
        this.from = from;
    }

    /** {@return the run whose change was refused} */
    public String runId() {
        return runId;
    }

    /** {@return the run's status when the change was refused} */
    public RunStatus from() {
        return from;
    }
}

package io.nvent;

/**
 * A change was asked of a run that its state machine does not allow (e.g. emitting into a
 * completed run). See {@link RunStatus}.
 *
 * @since 0.1
 */
public class IllegalRunTransitionException extends NventException {

    private static final long serialVersionUID = 1L;
    private final String runId;
    private final RunStatus from;

    public IllegalRunTransitionException(String runId, RunStatus from, String attempted) {
        super("NVENT-0203 run '" + runId + "' is " + from.wireName() + " and cannot " + attempted);
        this.runId = runId;
        this.from = from;
    }

    /** The run. */
    public String runId() {
        return runId;
    }

    /** Its status when the change was refused. */
    public RunStatus from() {
        return from;
    }
}

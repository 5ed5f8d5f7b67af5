package io.nvent;

/**
 * The await no longer waits: it was resolved already, or it timed out or was canceled.
 *
 * @since 0.1
 */
public class AwaitClosedException extends NventException {

    private static final long serialVersionUID = 1L;
    private final AwaitStatus status;

    public AwaitClosedException(String awaitId, String runId, AwaitStatus status) {
        super("NVENT-0207 await " + awaitId + " of run '" + runId + "' is " + status.wireName()
                + " and cannot be resolved");
        this.status = status;
    }

    /** Why it is closed. */
    public AwaitStatus status() {
        return status;
    }
}

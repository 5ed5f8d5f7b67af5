package io.nvent;

/**
 * The await no longer waits: it was resolved already, or it timed out or was canceled.
 *
 * @since 0.1
 */
public class AwaitClosedException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #status()}. */
    private final AwaitStatus status;

    /**
     * A refused resolution, with a message (NVENT-0207) naming the await, its run and its status.
     *
     * @param awaitId the await
     * @param runId its run
     * @param status why it is closed: {@link AwaitStatus#RESOLVED}, {@link AwaitStatus#TIMED_OUT} or
     *     {@link AwaitStatus#CANCELED}
     */
    public AwaitClosedException(String awaitId, String runId, AwaitStatus status) {
        super("NVENT-0207 await " + awaitId + " of run '" + runId + "' is " + status.wireName()
                + " and cannot be resolved");
        this.status = status;
    }

    /**
     * A refused resolution of an await whose run ended, with a message (NVENT-0212) saying so: the
     * await was closed as {@link AwaitStatus#CANCELED} and nothing of the run resumes.
     *
     * @param awaitId the await
     * @param runId its run
     * @param runStatus how the run ended
     * @since 0.2
     */
    public AwaitClosedException(String awaitId, String runId, RunStatus runStatus) {
        super("NVENT-0212 await " + awaitId + " of run '" + runId + "' cannot be resolved: the run is "
                + runStatus.wireName() + " (ended), so nothing waits for it any more");
        this.status = AwaitStatus.CANCELED;
    }

    /** {@return why the await is closed; the REST API answers 409 for resolved, 410 otherwise} */
    public AwaitStatus status() {
        return status;
    }
}

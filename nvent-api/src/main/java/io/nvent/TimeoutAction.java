package io.nvent;

/**
 * What happens when an await times out.
 *
 * @since 0.1
 */
public enum TimeoutAction {
    /** The step fails and so does the run. */
    FAIL,
    /** The run goes on as if the await had resolved, without trigger data. */
    CONTINUE,
    /**
     * The await is registered again (webhook awaits get a new URL) with the same timeout, up to
     * {@code timeoutRetries} times ({@link AwaitBefore#timeoutRetries()},
     * {@link AwaitAfter#timeoutRetries()}; default {@code nvent.await.timeout-retries}, 3); the
     * timeout after that fails the step and the run, as {@link #FAIL} does, so an await nobody
     * answers cannot keep a run open for ever. An operator's retry of the failed step starts the
     * count afresh.
     */
    RETRY
}

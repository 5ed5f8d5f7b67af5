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
    /** The await is registered again (webhook awaits get a new URL) with the same timeout. */
    RETRY
}

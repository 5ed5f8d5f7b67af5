package io.nvent;

/**
 * A run was changed by someone else between read and write, more often than the store retries.
 * Repeating the call usually succeeds.
 *
 * @since 0.1
 */
public class ConcurrentRunModificationException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A conflict the store gave up on, with a message (NVENT-0205) naming the run.
     *
     * @param runId the run
     * @param attempts how many times the store tried
     */
    public ConcurrentRunModificationException(String runId, int attempts) {
        super("NVENT-0205 run '" + runId + "' was modified concurrently; gave up after " + attempts + " attempts");
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}

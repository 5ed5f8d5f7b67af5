package io.nvent;

/**
 * Root of every exception nvent throws. Applications catch it; they should not extend it.
 *
 * @since 0.1
 */
public class NventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An exception whose message should start with its stable id, e.g. {@code "NVENT-0201 …"}.
     *
     * @param message what happened and, where known, what to do
     */
    public NventException(String message) {
        super(message);
    }

    /**
     * An exception caused by another.
     *
     * @param message what happened and, where known, what to do
     * @param cause the underlying failure
     */
    public NventException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether repeating the same call may succeed (e.g. a conflict or an unavailable backend).
     *
     * @return {@code false} here; subclasses for transient failures say {@code true}
     */
    public boolean isRetryable() {
        return false;
    }
}

package io.nvent;

/**
 * Root of every exception nvent throws. Applications catch it; they should not extend it.
 *
 * @since 0.1
 */
public class NventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NventException(String message) {
        super(message);
    }

    public NventException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether repeating the same call may succeed (e.g. a conflict or an unavailable backend). */
    public boolean isRetryable() {
        return false;
    }
}

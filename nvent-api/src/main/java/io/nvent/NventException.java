package io.nvent;

/**
 * Root of every exception nvent throws. Applications catch it; they should not extend it.
 *
 * <p>It and its subclasses are EJB application exceptions: thrown through a session bean (a
 * {@code @Stateless} service calling {@link FlowService}), they reach the caller as themselves, not
 * wrapped in an {@code EJBException}, and the bean instance is kept; the container's transaction
 * is still rolled back, as for the system exception they were before. Without an EJB container the
 * annotation is not there at run time and changes nothing.
 *
 * @since 0.1
 */
// Not a compile-time dependency of the applications: the JVM skips annotations whose type it cannot load.
@jakarta.ejb.ApplicationException(inherited = true, rollback = true)
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

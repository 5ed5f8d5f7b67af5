package io.nvent;

/**
 * Thrown by a step that knows retrying cannot help (its input is invalid, a partner answered
 * {@code 4xx}, a business rule refuses): its step fails finally at once, without spending the
 * attempts and backoff its {@link FlowStep#maxAttempts()} leaves, and its run fails as after its last
 * attempt. The {@code step.failed} entry says so ({@code "retryable":false} and the exception's type).
 * An operator's retry of the step ({@link FlowService#retryStep}) runs it again with fresh attempts.
 *
 * <p>It counts also as the cause of what the step throws (wrapped by an interceptor, say), at any
 * depth. For exceptions of libraries, which a step cannot make extend this one, see
 * {@link FlowStep#noRetryFor()}. An attempt that exceeds its timeout is retried as before.
 *
 * <pre>{@code
 * if (order.lines().isEmpty()) {
 *     throw new NonRetryableStepException("order " + order.id() + " has no lines");
 * }
 * }</pre>
 *
 * @since 0.2
 */
public class NonRetryableStepException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure that no retry can mend.
     *
     * @param message what is wrong, as the run's history and the console show it
     */
    public NonRetryableStepException(String message) {
        super(message);
    }

    /**
     * A failure that no retry can mend, caused by another.
     *
     * @param message what is wrong, as the run's history and the console show it
     * @param cause the underlying failure
     */
    public NonRetryableStepException(String message, Throwable cause) {
        super(message, cause);
    }
}

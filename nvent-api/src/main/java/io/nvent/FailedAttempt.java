package io.nvent;

import java.time.Duration;
import java.util.Objects;

/**
 * A failed attempt of a step, as a {@link RetryDecider} is asked about it. The decision is taken where the
 * attempt failed, so the exception is the attempt's own, in this JVM.
 *
 * @param runId the run the step belongs to
 * @param flow the flow's name
 * @param step the step's name
 * @param attempt the attempt that failed, 1 for the first
 * @param maxAttempts the step's attempts in all; {@code attempt} is below it (the last attempt is not asked
 *     about)
 * @param error why the attempt failed: what the step threw, or a {@link java.util.concurrent.TimeoutException}
 *     when it exceeded its timeout
 * @param declaredDelay the delay before the next attempt that the step's declared backoff gives (list, jitter
 *     and all)
 * @since 0.2
 */
public record FailedAttempt(String runId, String flow, String step, int attempt, int maxAttempts, Throwable error,
                            Duration declaredDelay) {

    /**
     * Checks the values.
     *
     * @param runId the run the step belongs to
     * @param flow the flow's name
     * @param step the step's name
     * @param attempt the attempt that failed, 1 for the first
     * @param maxAttempts the step's attempts in all
     * @param error why the attempt failed
     * @param declaredDelay the delay the step's declared backoff gives before the next attempt
     * @throws NullPointerException if a value is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is below 1 or not below {@code maxAttempts}, or
     *     {@code declaredDelay} is negative ({@code NVENT-0294})
     */
    public FailedAttempt {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(declaredDelay, "declaredDelay");
        if (attempt < 1 || attempt >= maxAttempts) {
            throw new IllegalArgumentException("NVENT-0294 a failed attempt asked about is from 1 to one below"
                    + " maxAttempts (the last is not asked about), was attempt " + attempt + " of " + maxAttempts);
        }
        if (declaredDelay.isNegative()) {
            throw new IllegalArgumentException("NVENT-0294 a failed attempt's declared delay must not be negative,"
                    + " was " + declaredDelay);
        }
    }

    /**
     * The type of the exception the attempt failed with.
     *
     * @return the exception's class name, e.g. {@code java.net.ConnectException}
     */
    public String errorType() {
        return error.getClass().getName();
    }

    /**
     * What the attempt failed with, as the step's history records it.
     *
     * @return the exception's message, or its class name when it has none
     */
    public String message() {
        return error.getMessage() == null ? errorType() : error.getMessage();
    }
}

package io.nvent.spi;

import io.nvent.RetryPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * A job to enqueue.
 *
 * @param queue queue name
 * @param jobId id, unique per queue: enqueuing an id the queue already holds is a no-op
 * @param name job name (for flow steps, the step name)
 * @param payload JSON payload handed to the handler
 * @param delay time before the job becomes available ({@link Duration#ZERO} for none)
 * @param priority higher runs first among available jobs
 * @param retry attempts and backoff
 * @param timeout time one attempt may take before it counts as failed
 * @since 0.1
 */
public record JobRequest(String queue, String jobId, String name, String payload, Duration delay, int priority,
                         RetryPolicy retry, Duration timeout) {

    /**
     * Checks that every object component is given and the durations are in range.
     *
     * @param queue queue name
     * @param jobId id, unique per queue: enqueuing an id the queue already holds is a no-op
     * @param name job name (for flow steps, the step name)
     * @param payload JSON payload handed to the handler
     * @param delay time before the job becomes available ({@link Duration#ZERO} for none)
     * @param priority higher runs first among available jobs
     * @param retry attempts and backoff
     * @param timeout time one attempt may take before it counts as failed
     * @throws NullPointerException if an object component is {@code null}
     * @throws IllegalArgumentException if {@code delay} is negative or {@code timeout} is not positive
     */
    public JobRequest {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(timeout, "timeout");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    /**
     * A job with no delay, priority 0, no retry and a 5 minute timeout.
     *
     * @param queue queue name
     * @param jobId id, unique per queue
     * @param name job name
     * @param payload JSON payload
     * @return the job
     */
    public static JobRequest of(String queue, String jobId, String name, String payload) {
        return new JobRequest(queue, jobId, name, payload, Duration.ZERO, 0, RetryPolicy.NO_RETRY,
                Duration.ofMinutes(5));
    }

    /**
     * This job with a delay.
     *
     * @param newDelay time before the job becomes available, not negative
     * @return a copy with that delay
     */
    public JobRequest withDelay(Duration newDelay) {
        return new JobRequest(queue, jobId, name, payload, newDelay, priority, retry, timeout);
    }

    /**
     * This job with a retry policy.
     *
     * @param newRetry attempts and backoff
     * @return a copy with that policy
     */
    public JobRequest withRetry(RetryPolicy newRetry) {
        return new JobRequest(queue, jobId, name, payload, delay, priority, newRetry, timeout);
    }

    /**
     * This job with an attempt timeout.
     *
     * @param newTimeout time one attempt may take, positive
     * @return a copy with that timeout
     */
    public JobRequest withTimeout(Duration newTimeout) {
        return new JobRequest(queue, jobId, name, payload, delay, priority, retry, newTimeout);
    }

    /**
     * This job with a priority.
     *
     * @param newPriority higher runs first among available jobs
     * @return a copy with that priority
     */
    public JobRequest withPriority(int newPriority) {
        return new JobRequest(queue, jobId, name, payload, delay, newPriority, retry, timeout);
    }
}

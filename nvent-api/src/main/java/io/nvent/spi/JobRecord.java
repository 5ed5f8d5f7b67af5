package io.nvent.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a queue knows about one job, for the job inspector.
 *
 * @param queue queue name
 * @param jobId job id
 * @param name job name
 * @param state current state
 * @param payload JSON payload
 * @param maxAttempts attempts allowed
 * @param createdAt enqueue time
 * @param availableAt when it is (or was) due
 * @param attempts attempts so far, oldest first
 * @since 0.1
 */
public record JobRecord(String queue, String jobId, String name, JobState state, String payload, int maxAttempts,
                        Instant createdAt, Instant availableAt, List<JobAttempt> attempts) {

    /**
     * Checks that every object component is given and copies the attempts, so the record stays
     * immutable.
     *
     * @param queue queue name
     * @param jobId job id
     * @param name job name
     * @param state current state
     * @param payload JSON payload
     * @param maxAttempts attempts allowed
     * @param createdAt enqueue time
     * @param availableAt when it is (or was) due
     * @param attempts attempts so far, oldest first
     * @throws NullPointerException if an object component or an attempt is {@code null}
     */
    public JobRecord {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(availableAt, "availableAt");
        attempts = List.copyOf(attempts);
    }

    /**
     * Error of the most recent failed attempt.
     *
     * @return the error of the latest attempt that has one; empty if no attempt failed
     */
    public Optional<String> lastError() {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (attempts.get(i).error().isPresent()) {
                return attempts.get(i).error();
            }
        }
        return Optional.empty();
    }
}

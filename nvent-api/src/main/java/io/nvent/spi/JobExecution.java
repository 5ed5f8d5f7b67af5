package io.nvent.spi;

import java.util.Objects;

/**
 * One attempt of a job, as handed to a {@link JobHandler}.
 *
 * @param queue queue name
 * @param jobId job id
 * @param name job name
 * @param payload JSON payload
 * @param attempt 1-based attempt number
 * @param maxAttempts attempts the job's retry policy allows
 * @param redelivered whether this attempt may have run before: the queue hands it out again after
 *     losing track of an earlier delivery (its instance died, its commit was lost). A queue that
 *     cannot tell says {@code true} when in doubt; a first delivery is {@code false}
 * @since 0.1
 */
public record JobExecution(String queue, String jobId, String name, String payload, int attempt, int maxAttempts,
                           boolean redelivered) {

    /**
     * Checks that every object component is given.
     *
     * @param queue queue name
     * @param jobId job id
     * @param name job name
     * @param payload JSON payload
     * @param attempt 1-based attempt number
     * @param maxAttempts attempts the job's retry policy allows
     * @param redelivered whether this attempt may have run before: the queue hands it out again after
     *     losing track of an earlier delivery (its instance died, its commit was lost). A queue that
     *     cannot tell says {@code true} when in doubt; a first delivery is {@code false}
     * @throws NullPointerException if {@code queue}, {@code jobId}, {@code name} or {@code payload} is
     *     {@code null}
     */
    public JobExecution {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
    }

    /**
     * A first delivery of an attempt.
     *
     * @param queue queue name
     * @param jobId job id
     * @param name job name
     * @param payload JSON payload
     * @param attempt 1-based attempt number
     * @param maxAttempts attempts the job's retry policy allows
     */
    public JobExecution(String queue, String jobId, String name, String payload, int attempt, int maxAttempts) {
        this(queue, jobId, name, payload, attempt, maxAttempts, false);
    }

    /**
     * Whether no attempt follows this one if it fails.
     *
     * @return {@code true} if {@code attempt} has reached {@code maxAttempts}: a failure now sends the
     *     job to the dead-letter state
     */
    public boolean isLastAttempt() {
        return attempt >= maxAttempts;
    }
}

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
 * @since 0.1
 */
public record JobExecution(String queue, String jobId, String name, String payload, int attempt, int maxAttempts) {

    public JobExecution {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
    }

    /** Whether no attempt follows this one if it fails. */
    public boolean isLastAttempt() {
        return attempt >= maxAttempts;
    }
}

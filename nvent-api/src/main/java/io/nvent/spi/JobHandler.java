package io.nvent.spi;

import java.time.Instant;
import java.util.Optional;

/**
 * Executes the jobs of a queue. The queue owns retries: it calls {@link #handle}, and when an
 * attempt throws or times out it tells the handler through {@link #onAttemptFailed} whether and
 * when the next attempt happens.
 *
 * @since 0.1
 */
public interface JobHandler {

    /**
     * Executes one attempt. Returning normally completes the job.
     *
     * @throws Exception the attempt failed
     */
    void handle(JobExecution job) throws Exception;

    /**
     * Reports a failed attempt.
     *
     * @param job the attempt that failed
     * @param error why (a {@link java.util.concurrent.TimeoutException} when it timed out)
     * @param nextAttemptAt when the next attempt is due; empty when the job failed finally and
     *     went to the dead-letter state
     */
    void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt);
}

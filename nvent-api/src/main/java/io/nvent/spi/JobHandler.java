package io.nvent.spi;

import java.time.Instant;
import java.util.List;
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
     * @param job the attempt to execute
     * @throws Exception the attempt failed
     */
    void handle(JobExecution job) throws Exception;

    /**
     * Announces jobs a queue claimed together, before it calls {@link #handle} for any of them, so
     * that the handler can prepare them at once (the engine reads their runs with one query rather
     * than one per job). Called on the queue's claiming thread; only queues that claim in batches
     * call it, and it must not be needed for correctness: a queue logs what it throws and goes on.
     * The default does nothing.
     *
     * @param claimed the attempts about to start, in the order the queue starts them
     * @since 0.1
     */
    default void prepare(List<JobExecution> claimed) {
    }

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

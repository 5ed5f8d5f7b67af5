package io.nvent.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Executes the jobs of a queue. The queue owns retries: it calls {@link #handle}, and when an
 * attempt throws or times out it asks the handler whether another attempt can help, and after how long
 * ({@link #retryDelay}, or {@link #isRetryable} for a queue written before it), and tells it through {@link #onAttemptFailed} whether and when the next
 * attempt happens.
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
     * Whether a failed attempt's job is worth another attempt. A queue asks when an attempt throws or
     * times out and the job has attempts left, before it schedules the next one: {@code false} fails
     * the job finally now, as if its attempts were used up, with no backoff: it goes to the
     * dead-letter state (so that {@link JobQueue#retry} runs it again with fresh attempts), and
     * {@link #onAttemptFailed} is told so with an empty {@code nextAttemptAt}. The engine answers
     * {@code false} for a step's {@link io.nvent.NonRetryableStepException} and the types of its
     * {@link io.nvent.FlowStep#noRetryFor()}.
     *
     * <p>A queue that does not ask (one written for 0.1) retries the job as before; the engine then
     * fails the step when that next attempt comes, without running it, so a step fails once either
     * way. Called on the thread that ends the attempt; it must not throw, and should not block.
     *
     * @param job the attempt that failed
     * @param error why it failed, as {@link #onAttemptFailed} will be told
     * @return {@code true} (the default) to retry the job as its retry policy says; {@code false}
     *     to fail it finally now
     * @since 0.2
     */
    default boolean isRetryable(JobExecution job, Throwable error) {
        return true;
    }

    /**
     * The delay before a failed attempt's next attempt, or none to fail the job finally now. A queue asks when
     * an attempt throws or times out and the job has attempts left, in place of {@link #isRetryable}, and
     * schedules the next attempt after the delay returned, or fails the job finally (to the dead-letter state,
     * {@link #onAttemptFailed} told with an empty {@code nextAttemptAt}) when it is empty. The engine answers
     * with a step's {@link io.nvent.RetryDecider}'s delay, up to {@link io.nvent.RetryDecision#LONGEST_DELAY} or
     * {@code declaredDelay} when that is longer.
     *
     * <p>The default answers {@code declaredDelay} if {@link #isRetryable} says the job is worth another
     * attempt, else none. A queue that does not ask (one written before) retries the job after its retry
     * policy's delay, as before: a step's decider then decides nothing. Called on the thread that ends the
     * attempt; it must not throw, and should not block.
     *
     * @param job the attempt that failed
     * @param error why it failed, as {@link #onAttemptFailed} will be told
     * @param declaredDelay the delay the job's {@link io.nvent.RetryPolicy} gives before its next attempt
     *     ({@link io.nvent.RetryPolicy#delayBefore(int, java.util.random.RandomGenerator)})
     * @return the delay before the next attempt (zero or more); empty to fail the job finally now
     * @since 0.2
     */
    default Optional<Duration> retryDelay(JobExecution job, Throwable error, Duration declaredDelay) {
        return isRetryable(job, error) ? Optional.of(declaredDelay) : Optional.empty();
    }

    /**
     * Tells, on the thread that offered it, that a job {@link JobQueue#continueWith} took does not run in that
     * worker's slot after all: as the offering attempt ended, the queue was paused, shutting down or at a limit, or
     * its slot had run enough continuations in a row, so the adapter enqueues the job instead (or drops it, as a job
     * of that id is in the queue already, or with the rollback of the offering attempt, whose job comes again). Its
     * attempt then comes as any queued job's, maybe on this very thread. The engine forgets that the job was to
     * continue: a stop that cuts its attempt short leaves it to the queue, which keeps the job, instead of queueing a
     * recovery job beside it. An adapter that does not call it (one written before) leaves such an attempt taken
     * for a continuation: a stop then queues a recovery job beside the job the queue keeps, and whichever comes
     * second finds the step taken. Called on the worker's thread; it
     * must not throw, and should not block. The default does nothing.
     *
     * @param job the job offered to continue with, which goes through the queue instead
     * @since 0.2
     */
    default void notContinued(JobRequest job) {
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

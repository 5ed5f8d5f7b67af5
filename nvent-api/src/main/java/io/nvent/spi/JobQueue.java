package io.nvent.spi;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A job queue with workers, retries and a dead-letter state.
 *
 * <p>Contract (checked by the shared queue contract test):
 * <ul>
 *   <li>{@link #enqueue} is idempotent on (queue, job id).</li>
 *   <li>A job is not handed to a worker before its delay has passed; among available jobs,
 *       higher priority first.</li>
 *   <li>At most {@code concurrency} jobs of a queue execute at once.</li>
 *   <li>An attempt that throws, or exceeds the job's timeout, is retried after the retry policy's
 *       delay until the attempts are used up; then the job is {@link JobState#FAILED} (dead
 *       letter). Each failed attempt is reported to {@link JobHandler#onAttemptFailed}.</li>
 *   <li>A paused queue starts no new attempts; jobs enqueued meanwhile wait.</li>
 *   <li>Delivery is at least once: a handler must tolerate seeing a job again after a crash.</li>
 *   <li>When a JTA transaction is active, enqueued jobs become visible only if it commits.</li>
 * </ul>
 *
 * @since 0.1
 */
public interface JobQueue {

    /** Adds a job; a job id the queue already holds is ignored. Returns once the job is durable. */
    void enqueue(JobRequest request);

    /**
     * Adds a job like {@link #enqueue}, without making the caller wait for it to become durable
     * where the adapter can do so (e.g. by committing it with the next group of enqueues); the
     * returned stage completes when it is durable, or exceptionally when it could not be added.
     * A caller that does not wait for the stage must be able to recover a job lost in a crash
     * before that point (the engine does: a queued step whose job is missing is enqueued again).
     *
     * <p>The default enqueues synchronously and returns a completed stage.
     */
    default CompletionStage<Void> enqueueAsync(JobRequest request) {
        try {
            enqueue(request);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts workers for a queue.
     *
     * @param queue queue name
     * @param concurrency maximum attempts executing at once (&ge; 1)
     * @param handler executes the jobs
     */
    void registerWorker(String queue, int concurrency, JobHandler handler);

    /** Stops starting attempts on a queue. */
    void pause(String queue);

    /** Resumes a paused queue. */
    void resume(String queue);

    /** Whether the queue is paused. */
    boolean isPaused(String queue);

    /** Names of the queues this adapter knows. */
    Set<String> queues();

    /** Job counts of a queue. */
    JobCounts counts(String queue);

    /** Jobs of a queue in a state, newest first. */
    List<JobRecord> jobs(String queue, JobState state, int offset, int limit);

    /** One job. */
    Optional<JobRecord> job(String queue, String jobId);

    /**
     * Makes a failed job available again with a fresh set of attempts.
     *
     * @return {@code false} if the job does not exist or is not failed
     */
    boolean retry(String queue, String jobId);

    /** Retries every failed job of a queue; returns how many. */
    int redrive(String queue);

    /** Stops workers and releases resources. Jobs not yet executed stay queued where durable. */
    void close();
}

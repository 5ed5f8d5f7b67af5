package io.nvent.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 *   <li>At most {@code concurrency} jobs of a queue execute at once; after {@link #resizeWorkers},
 *       at most that many new ones start while more run.</li>
 *   <li>An attempt that throws, or exceeds the job's timeout, is retried after the retry policy's
 *       delay until the attempts are used up; then the job is {@link JobState#FAILED} (dead
 *       letter). Each failed attempt is reported to {@link JobHandler#onAttemptFailed}.</li>
 *   <li>A failed attempt the handler says is not worth a retry ({@link JobHandler#isRetryable}
 *       {@code false}) fails its job finally at once, as its last attempt would (since 0.2).</li>
 *   <li>A paused queue starts no new attempts; jobs enqueued meanwhile wait.</li>
 *   <li>A queue with a {@link RateLimit} starts no more attempts in any span than it allows.</li>
 *   <li>Delivery is at least once: a handler must tolerate seeing a job again after a crash.</li>
 *   <li>When a JTA transaction is active, enqueued jobs become visible only if it commits.</li>
 *   <li>A call that fails because the broker or database cannot be reached throws
 *       {@link AdapterUnavailableException} (or another retryable {@link io.nvent.NventException}).</li>
 * </ul>
 *
 * @since 0.1
 */
public interface JobQueue {

    /**
     * Adds a job; a job id the queue already holds is ignored. Returns once the job is durable.
     *
     * @param request the job
     */
    void enqueue(JobRequest request);

    /**
     * Adds a job like {@link #enqueue}, without making the caller wait for it to become durable
     * where the adapter can do so (e.g. by committing it with the next group of enqueues); the
     * returned stage completes when it is durable, or exceptionally when it could not be added.
     * A caller that does not wait for the stage must be able to recover a job lost in a crash
     * before that point (the engine does: a queued step whose job is missing is enqueued again).
     *
     * <p>The default enqueues synchronously and returns a completed stage.
     *
     * @param request the job
     * @return completes once the job is durable (or was already held), exceptionally if it could not
     *     be added
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
     * Offers the job that continues the one the calling thread executes, to run in the same worker
     * slot right after it, without storing it first: a flow hands a run to its next step without a
     * round trip through the queue's storage, and the worker goes on with the run it knows.
     *
     * <p>Only for a caller that keeps its own durable record that the job is due, and enqueues it
     * again should it be lost (the engine does: a queued step whose job is missing is enqueued
     * again, a step whose instance died is recovered by its lease). A job taken here is not in the
     * queue until it ends: if this instance stops first, nothing of it is left here.
     *
     * <p>An adapter takes the job only while the calling thread runs a job of the same queue for
     * it and has offered no other job yet, when the job has no delay and no lower priority than the
     * running one, and while the queue is neither paused nor shutting down. A continued job runs
     * as the first attempt of a job just claimed, with its timeout: if it fails, it is stored like
     * any failed attempt (due again after its backoff, or dead); once it ended it is stored, or
     * counted, like any other. A job taken here that the adapter enqueues after all (the queue paused, shutting
     * down or at a limit as the offering attempt ended), or drops as one of that id is queued already, is reported
     * to the handler on the offering thread before it can run ({@link JobHandler#notContinued}).
     *
     * <p>The default takes nothing.
     *
     * @param next the job to continue with
     * @return whether the adapter took the job; if not, the caller enqueues it
     */
    default boolean continueWith(JobRequest next) {
        return false;
    }

    /**
     * Starts workers for a queue.
     *
     * <p>With {@code concurrency} 0 this instance takes no job of the queue (a worker pool on other
     * instances does): the adapter knows the queue as it would with workers (lists, counts, pauses,
     * retries and redrives its jobs, takes enqueues to it) but starts no worker, and
     * {@link #continueWith} takes none of its jobs here; workers registered for the queue before, on
     * the same adapter (engines of one process sharing it), keep running. An adapter written before 0
     * was allowed may refuse it with an {@link IllegalArgumentException}; the engine then leaves the
     * queue unregistered here (since 0.2).
     *
     * @param queue queue name
     * @param concurrency maximum attempts executing at once on this instance (&ge; 0)
     * @param handler executes the jobs
     */
    void registerWorker(String queue, int concurrency, JobHandler handler);

    /**
     * Limits how fast this instance's workers of a queue start attempts; empty lifts the limit. Set
     * before {@link #registerWorker}, it holds from the first attempt; set later, it holds for the
     * jobs workers take from then on (a worker already waiting for one may start it unlimited). Jobs held back wait in the queue, in its order, and are counted as waiting. A job a
     * handler offers to {@link #continueWith} on a limited queue is refused, so that it goes through
     * the queue and the limit like any other.
     *
     * <p>The default supports no limit: it throws for one and accepts lifting it.
     *
     * @param queue queue name
     * @param limit the limit, or empty for none
     * @throws UnsupportedOperationException if the adapter cannot limit rates
     * @since 0.1
     */
    default void limitRate(String queue, Optional<RateLimit> limit) {
        if (limit.isPresent()) {
            throw new UnsupportedOperationException("NVENT-0242 queue adapter " + getClass().getName()
                    + " cannot limit the rate of queue " + queue + "; remove its rate limit setting");
        }
    }

    /**
     * The rate limit of a queue on this instance, if it has one.
     *
     * @param queue queue name
     * @return the limit set by {@link #limitRate}; empty if none (always, by default)
     */
    default Optional<RateLimit> rateLimit(String queue) {
        return Optional.empty();
    }

    /**
     * How long from now until the rate limit lets this instance start the next attempt of a queue:
     * zero when it allows one now (a worker holding a start for the next job it receives counts as
     * allowing one), or the queue has no limit (the default); at most the limit's span.
     *
     * @param queue queue name
     * @return zero or more; never negative
     */
    default Duration untilRateLimitAllows(String queue) {
        return Duration.ZERO;
    }

    /**
     * The instances whose workers run a job of a queue right now, as far as the adapter can see other
     * instances' work (a lease on a shared table): asked for a queue that this instance leaves to others
     * (no worker here, see {@link #registerWorker}), to tell an operator which instances take it. An
     * instance that takes the queue but runs none of its jobs at the moment is not among them.
     *
     * <p>The default cannot tell ({@code Optional.empty()}).
     *
     * @param queue queue name
     * @return the instances' ids; empty when the adapter cannot tell, an empty set when it sees none
     * @since 0.2
     */
    default Optional<Set<String>> instancesRunning(String queue) {
        return Optional.empty();
    }

    /**
     * Whether this adapter can change a queue's workers on this instance while they run
     * ({@link #resizeWorkers}), so that an operator may set a queue's workers at run time. The
     * default: no.
     *
     * @return {@code true} if {@link #resizeWorkers} works
     * @since 0.2
     */
    default boolean resizesWorkers() {
        return false;
    }

    /**
     * Sets how many attempts of a queue this instance's workers run at once from now on, replacing the
     * concurrency given to {@link #registerWorker}; called again with that concurrency to go back.
     * Growing starts workers; shrinking lets the attempts under way finish (nothing is interrupted,
     * lost or run twice) and starts no new one until fewer than {@code workers} run. With 0 this
     * instance starts no attempt of the queue and {@link #continueWith} takes none of its jobs, as
     * if it were paused here; enqueues, counts and the other operations are unchanged. A queue this
     * instance registered no workers for (concurrency 0, or not registered) is left as it is.
     *
     * <p>The default cannot ({@link #resizesWorkers} {@code false}): it throws.
     *
     * @param queue queue name
     * @param workers attempts at most at once on this instance from now on (&ge; 0)
     * @throws UnsupportedOperationException if the adapter cannot change workers while they run
     * @throws IllegalArgumentException if {@code workers} is negative
     * @since 0.2
     */
    default void resizeWorkers(String queue, int workers) {
        throw new UnsupportedOperationException("NVENT-1104 queue adapter " + getClass().getName()
                + " cannot change the workers of queue " + queue + " while they run; change"
                + " nvent.queue." + queue + ".concurrency and restart instead");
    }

    /**
     * Registers a queue this instance takes, with no worker running yet: an operator set its workers to 0
     * at run time ({@link #resizeWorkers}) before this instance started, so not one of its jobs may run
     * here until a later {@link #resizeWorkers} starts workers. Unlike {@link #registerWorker} with 0 (a
     * queue left to other instances), the queue is taken here: a later {@link #resizeWorkers} starts its
     * workers. Called only on an adapter that {@link #resizesWorkers resizes workers}.
     *
     * <p>The default registers one worker and sets the workers to 0 at once, so one attempt may start in
     * between; an adapter that resizes workers should start none.
     *
     * @param queue queue name
     * @param handler executes the jobs, once workers start
     * @since 0.2
     */
    default void registerIdleWorker(String queue, JobHandler handler) {
        registerWorker(queue, 1, handler);
        resizeWorkers(queue, 0);
    }

    /**
     * Stops starting attempts on a queue; attempts under way run to their end. A pause made here, in code, is as
     * much an operator's surprise as any: an adapter that keeps who paused ({@link #pauseChanges}) records it as
     * made by code on this instance ({@link QueueChange#inCode}) at its clock's time.
     *
     * @param queue queue name
     */
    void pause(String queue);

    /**
     * Pauses a queue as {@link #pause(String)} does, recording who paused it, when and why: what
     * {@link #pauseChanges} answers of it until it is resumed. Pausing a paused queue keeps the first pause's change,
     * as the pause it reports is still that one. The engine pauses through this with the operator's change it records
     * in the scheduling store.
     *
     * <p>The default pauses the queue and keeps nothing of the change.
     *
     * @param queue queue name
     * @param change who paused it, when and why
     * @since 0.2
     */
    default void pause(String queue, QueueChange change) {
        pause(queue);
    }

    /**
     * Who paused each of {@code queues} that is paused, when and why, as this adapter keeps it: the change given to
     * {@link #pause(String, QueueChange)}, a code pause's ({@link #pause(String)}), or what an adapter whose pauses
     * live outside it learns of one made there (PostgreSQL: a pause written in SQL, since when). A read: it changes
     * nothing. The engine asks this only of queues paused with no change in its scheduling store.
     *
     * <p>The default keeps none: empty.
     *
     * @param queues queue names
     * @return the change of each paused one the adapter knows of; a paused queue missing: unknown
     * @since 0.2
     */
    default Map<String, QueueChange> pauseChanges(Set<String> queues) {
        return Map.of();
    }

    /**
     * Resumes a paused queue; nothing happens if it is not paused.
     *
     * @param queue queue name
     */
    void resume(String queue);

    /**
     * Whether the queue is paused.
     *
     * @param queue queue name
     * @return {@code true} after {@link #pause} until {@link #resume}
     */
    boolean isPaused(String queue);

    /**
     * Which of the queues are paused, read at once: what {@link #isPaused} answers of each. The engine asks
     * this of every queue it reports on (the health check, a list of queues, a metrics scrape), so that an
     * adapter whose pauses cost a round trip answers in one.
     *
     * <p>The default asks {@link #isPaused} of each queue.
     *
     * @param queues queue names
     * @return the paused ones among them
     * @since 0.2
     */
    default Set<String> pausedQueues(Set<String> queues) {
        return queues.stream().filter(this::isPaused).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * Names of the queues this adapter knows.
     *
     * @return the queue names; empty if it knows none
     */
    Set<String> queues();

    /**
     * Job counts of a queue.
     *
     * @param queue queue name
     * @return the number of jobs in each state
     */
    JobCounts counts(String queue);

    /**
     * When the job that has waited longest among a queue's {@link JobState#WAITING} jobs (ready to
     * run now, not delayed to a later time) became ready: when it was enqueued, or, for a job
     * enqueued with a delay or waiting again after a retry's backoff or a redrive, when that time
     * came. Whatever its priority: a low-priority job held back behind higher ones is the one that
     * has waited longest. An operator alerts on how long work has waited, not only on how much
     * waits. It is the same view of the queue as {@link #counts}.
     *
     * <p>The default does not know ({@code Optional.empty()}), so adapters written before it keep
     * compiling; an adapter that knows answers empty only for a queue with no waiting job.
     *
     * @param queue queue name
     * @return when the oldest waiting job became ready; empty when no job waits, or when the
     *     adapter cannot tell
     * @since 0.2
     */
    default Optional<Instant> oldestWaitingSince(String queue) {
        return Optional.empty();
    }

    /**
     * Jobs of a queue in a state, newest first, a page at a time. A page far into the list costs what
     * its offset skips; {@link #jobsAfter} pages the same list by position.
     *
     * @param queue queue name
     * @param state the state listed
     * @param offset jobs skipped from the newest, 0 or more
     * @param limit the most jobs returned
     * @return up to {@code limit} jobs; empty past the last page
     */
    List<JobRecord> jobs(String queue, JobState state, int offset, int limit);

    /**
     * Jobs of a queue in a state, newest first, a page at a time, each page going on after the last job
     * of the one before ({@link JobPage#next}): a deep page costs what one page does, where an offset
     * ({@link #jobs}) reads every job it skips, and a job that stays in the state is listed once, neither
     * skipped nor repeated, while jobs arrive or leave the state between pages. A job enqueued after the
     * first page was read is not listed on later ones (it is newer than all of them); one entering the
     * state meanwhile is listed on a later page if it is older than the page last read.
     *
     * <p>A position is the adapter's own (where its order puts the last job of a page) and holds only
     * for the same adapter and store; it may outlive the job it followed (discarded, purged).
     *
     * <p>The default, for an adapter written before it, pages by offset through {@link #jobs}: its
     * positions are offsets, each page costs what it skips, and a job may be skipped or repeated when
     * newer jobs enter or leave the state between pages, as with offsets.
     *
     * @param queue queue name
     * @param state the state listed
     * @param after where the previous page ended ({@link JobPage#next}); empty for the first page
     * @param limit the most jobs returned (&ge; 1)
     * @return up to {@code limit} jobs, newest first, and where the next page starts
     * @throws IllegalArgumentException if {@code after} is no position of this adapter's
     * @since 0.2
     */
    default JobPage jobsAfter(String queue, JobState state, Optional<String> after, int limit) {
        int offset = after.map(position -> {
            try {
                int skipped = position.startsWith("o") ? Integer.parseInt(position.substring(1)) : -1;
                if (skipped >= 0) {
                    return skipped;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new IllegalArgumentException("NVENT-0285 '" + position + "' is no position in the job list of"
                    + " queue adapter " + getClass().getName() + " (it pages by offset: o and the jobs skipped, as"
                    + " the last page's next gave it); list the first page again");
        }).orElse(0);
        List<JobRecord> page = jobs(queue, state, offset, limit);
        return new JobPage(page, page.size() < limit || page.isEmpty() || offset > Integer.MAX_VALUE - limit
                ? Optional.empty() : Optional.of("o" + (offset + limit)));
    }

    /**
     * One job, with its attempts.
     *
     * <p>An adapter may be unable to show a job it holds while the job's delay has not passed: the
     * JMS queue finds a job another instance enqueued on its broker, which shows no message before
     * it is due (nor one a worker has taken). Empty therefore proves a job missing only once any
     * delay it could have been given has passed; a caller that queues a job again when its
     * predecessor is missing waits that long (the engine: until a failed attempt's next attempt is
     * due, plus a lease). Likewise a completed job may be known only where it ran.
     *
     * @param queue queue name
     * @param jobId job id
     * @return the job in any state; empty if the queue does not hold it (never enqueued, or removed),
     *     or cannot show it (see above)
     */
    Optional<JobRecord> job(String queue, String jobId);

    /**
     * Makes a failed job available again with a fresh set of attempts.
     *
     * @param queue queue name
     * @param jobId job id
     * @return {@code false} if the job does not exist or is not failed
     */
    boolean retry(String queue, String jobId);

    /**
     * Retries every failed job of a queue, as {@link #retry} does one.
     *
     * @param queue queue name
     * @return how many jobs were made available again
     */
    int redrive(String queue);

    /**
     * Removes a failed job (a dead letter) for good, e.g. one an operator has dealt with another
     * way: it is no longer counted, listed or found, and no redrive runs it. Jobs in any other state
     * are left alone, so that nothing a run waits for can be lost this way. Whether a later enqueue
     * may use the id again is the adapter's to say: one that lets its broker drop duplicate ids
     * (nvent's JMS queue) may ignore it for as long as the broker remembers the id. The engine never
     * enqueues an id again after a discard: a retried step gets a job id of its own.
     *
     * @param queue queue name
     * @param jobId job id
     * @return {@code false} if the job does not exist or is not failed
     */
    boolean discard(String queue, String jobId);

    /**
     * Stops workers and releases resources. Jobs not yet executed stay queued where durable.
     *
     * <p>An adapter that interrupts the attempts still running as it closes should take the jobs their
     * handlers enqueue until they returned (or it gave up waiting for them): an attempt of a continuation
     * ({@link #continueWith}) leaves nothing in the queue, and the engine enqueues its job again as its handler
     * returns; refused, the step waits for the engine's lost-job check.
     */
    void close();

    /**
     * What keeps this queue from taking or running jobs right now, if anything, in words for an
     * operator, e.g. "workers of queue order cannot reach the broker since …: …". Answered from
     * what the queue observed, without a round trip to its broker or database: readiness probes ask
     * often. The default knows of nothing.
     *
     * @return the problem in words; empty when the queue works as far as it knows
     */
    default Optional<String> problem() {
        return Optional.empty();
    }
}

package io.nvent.postgres.internal;

import io.nvent.postgres.PgQueueException;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RateLimit;
import io.nvent.spi.StartWindow;
import io.nvent.spi.JobState;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.Interrupts;
import io.nvent.spi.internal.RetryDelays;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The workers of one queue on this instance: a pump thread that claims jobs and records
 * completions, and up to {@code concurrency} worker threads that run the handler.
 *
 * <p>The pump claims up to the free worker slots plus a prefetch: at most {@code concurrency}
 * handlers run at once (the worker threads), and up to {@code prefetch} more claimed jobs wait in
 * the executor's queue, so the workers go from one job to the next without waiting for a round
 * trip, and the next claim overlaps the jobs running. Each round is one statement that both
 * records the attempts completed since the last round and claims the next jobs. It claims when
 * jobs may be available ({@link #signal}: a notification, a timer for a delayed job, the fallback
 * poll) and keeps claiming while rounds come back full; a round that finds fewer jobs than it
 * asked for means the queue is drained until the next signal. Completed attempts wait at most
 * {@link #LINGER_NANOS} for a round, so a burst of completions costs one update. Claimed jobs
 * that had not started when the queue was paused are handed back unchanged.
 *
 * <p>A handler may offer a continuation ({@link #offerContinuation}): the job runs in the same slot
 * once the handler's attempt ended, with no row until it ends itself; completed continuations are
 * inserted by the next round, a failed one at once.
 */
public final class QueueWorker {

    private static final System.Logger LOG = ExitSafeLogger.of(QueueWorker.class);
    /** Longest a completed attempt waits to be recorded when no claim round is due anyway. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /**
     * While a backlog is worked off, how long the pump waits for more slots to free up before it
     * claims for the ones free so far. Claiming at the first free slot would alternate rounds of 1
     * and concurrency - 1 jobs; waiting a moment fills rounds, and a round costs about as much for
     * 16 jobs as for one.
     */
    static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * Continuations one slot runs back to back; the next one goes through the queue, so a run of
     * many steps cannot hold a slot past the jobs waiting in the queue's order for ever.
     */
    static final int MAX_CONTINUATIONS = 100;
    /** The attempt each worker thread runs, so that its handler can offer the job to continue with. */
    private static final ThreadLocal<Attempt> RUNNING = new ThreadLocal<>();

    /** The order jobs are claimed in: priority descending, then id (enqueue order). */
    private static final Comparator<ClaimedJob> CLAIM_ORDER = Comparator.comparingInt(ClaimedJob::priority).reversed()
            .thenComparingLong(ClaimedJob::id);

    private final String queue;
    private final WorkerContext context;
    private final HeldConnection connection;
    private final ThreadPoolExecutor workers;
    private final Thread pump;
    /** Claimed attempts not yet recorded as ended (their leases are renewed). */
    private final Map<Long, Attempt> attempts = new ConcurrentHashMap<>();
    /** Continuations running (they have no row, hence no lease): shutdown interrupts them. */
    private final Set<Attempt> continuing = ConcurrentHashMap.newKeySet();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // guarded by lock
    private JobHandler handler;
    private volatile int concurrency;
    /** Worker slots plus prefetch: the most claimed jobs not yet ended. */
    private int capacity;
    /**
     * The starts within the rate limit's span; {@code null} without a limit. Changed holding the lock;
     * volatile for the worker threads offering continuations.
     */
    private volatile StartWindow startWindow;
    /** Claimed jobs not yet ended: running or waiting for a worker thread. */
    private int inFlight;
    private volatile boolean paused;
    /** Claimed jobs that must not start (the queue was paused): to be handed back by the pump. */
    private List<Attempt> handBack = new ArrayList<>();
    private boolean more = true;
    private boolean dueStale = true;
    private long wakeups;
    private List<Finished> finished = new ArrayList<>();
    /** Continuations that completed, to be inserted by the next round. */
    private List<ContinuedJob> continued = new ArrayList<>();
    private long firstFinishedAt;
    /** The last round claimed every slot it asked for: more jobs are waiting. */
    private boolean backlog;
    /** When the first slot freed up since the last claim; 0 when none did. */
    private long firstFreedAt;
    /**
     * The last job of the last full round, in claim order: while a backlog drains, the next round
     * claims only after it, seeking past the index entries of jobs claimed before (dead until
     * vacuumed) instead of stepping over them every round.
     */
    private ClaimedJob seekAfter;
    /** Jobs may have become available before {@link #seekAfter}: the next round looks at the whole queue. */
    private boolean rescan = true;
    /** Highest priority signalled since the current round began. */
    private int signalledPriority = Integer.MIN_VALUE;
    private boolean claiming = true;
    /**
     * The pump runs a statement (a round, a hand-back) whose rows this worker's books do not show
     * yet, or no longer: {@link #counts} cannot tell which of its jobs the rows it read show changed.
     */
    private boolean roundRunning;
    /** Rounds begun plus rounds ended: {@link #counts} knows by it whether one overlapped its read. */
    private long roundEdges;
    /** Completions recorded and jobs claimed (or handed back) by the rounds begun so far. */
    private long roundDoneTotal;
    private long roundClaimsTotal;
    /** Those of the running round. */
    private int roundDone;
    private int roundClaims;
    private boolean stopping;
    private Instant pendingWakeAt;
    private int failedRounds;
    private long lastFailureLog;
    /** Since when, and why, rounds fail; read by readiness probes without taking the lock. */
    private volatile Instant failingSince;
    private volatile String failure;
    // pump thread only: statistics for the shutdown log
    private long rounds;
    private long claimedTotal;
    private long recordedTotal;
    private long roundNanos;

    public QueueWorker(String queue, int concurrency, JobHandler handler, boolean paused, Optional<RateLimit> rateLimit,
                       WorkerContext context) {
        this.queue = queue;
        this.startWindow = rateLimit.map(StartWindow::new).orElse(null);
        this.context = context;
        this.handler = handler;
        this.concurrency = concurrency;
        // 0: its workers set to 0 at run time before it started; it claims nothing until resized.
        this.capacity = concurrency == 0 ? 0 : concurrency + context.prefetch(concurrency);
        this.paused = paused;
        this.connection = new HeldConnection(context.dataSource(), context.asyncCommit());
        this.workers = new ThreadPoolExecutor(Math.max(1, concurrency), Math.max(1, concurrency), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), context.threads());
        this.workers.allowCoreThreadTimeOut(true);
        this.pump = context.threads().newThread(this::pump);
        this.pump.start();
    }

    public String queue() {
        return queue;
    }

    /** Replaces the handler and the concurrency (a second registration of the same queue). */
    public void update(int newConcurrency, JobHandler newHandler) {
        lock.lock();
        try {
            handler = newHandler;
            resize(newConcurrency);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the concurrency while the workers run (an operator's override): attempts under way end
     * as they would, new ones start only while fewer than {@code newConcurrency} run. With 0 nothing is
     * claimed, and the jobs claimed ahead are handed back, as a pause does.
     */
    public void resize(int newConcurrency) {
        lock.lock();
        try {
            // A pool keeps a thread at least; with 0 no job reaches it (run() hands back any claimed before).
            int threads = Math.max(1, newConcurrency);
            if (threads > workers.getMaximumPoolSize()) {
                workers.setMaximumPoolSize(threads);
                workers.setCorePoolSize(threads);
            } else {
                workers.setCorePoolSize(threads);
                workers.setMaximumPoolSize(threads);
            }
            concurrency = newConcurrency;
            capacity = newConcurrency == 0 ? 0 : newConcurrency + context.prefetch(newConcurrency);
            if (newConcurrency == 0) {
                handBackWaiting();
            }
            more = true;
            rescan = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Limits the starts of this worker's attempts from its next claim on; empty lifts the limit. */
    public void limitRate(Optional<RateLimit> limit) {
        lock.lock();
        try {
            startWindow = limit.map(StartWindow::new).orElse(null);
            more = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How long until the rate limit lets this worker start an attempt; zero without one. */
    public Duration untilRateLimitAllows() {
        StartWindow window = startWindow;
        return window == null ? Duration.ZERO : Duration.ofNanos(window.nanosUntilNextStart(System.nanoTime()));
    }

    /**
     * The most claimed jobs not yet ended; called holding the lock. Under a rate limit no prefetch: a
     * start is counted when its job is claimed, so a claimed job must start at once.
     */
    private int capacity() {
        return startWindow == null ? capacity : concurrency;
    }

    /** Takes a pause or resume (own or another instance's) into account. */
    public void setPaused(boolean value) {
        lock.lock();
        try {
            paused = value;
            if (value) {
                handBackWaiting();
            } else {
                more = true;
                dueStale = true;
                rescan = true;
                wakeups++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Prefetched jobs waiting for a thread must not start now: the pump hands them back; holding the lock. */
    private void handBackWaiting() {
        List<Runnable> waiting = new ArrayList<>();
        workers.getQueue().drainTo(waiting);
        for (Runnable task : waiting) {
            Run run = (Run) task;
            handBack.add(run.attempt());
            releaseStart(run.window());
        }
    }

    /** Whether as many attempts run as the concurrency allows, or more (after it shrank): none may continue. */
    private boolean full() {
        return workers.getActiveCount() > concurrency;
    }

    /**
     * Jobs may be available: claim at the next chance.
     *
     * @param lookUpDue also look up when the next delayed job is due once the queue is drained
     * @param priority highest priority among them; {@link Wakeups#RESCAN} when they are not new
     *     jobs (they may sit anywhere in claim order)
     */
    public void signal(boolean lookUpDue, int priority) {
        lock.lock();
        try {
            more = true;
            dueStale |= lookUpDue;
            // New jobs of no higher priority come after the seek position (ids only grow); others may not.
            signalledPriority = Math.max(signalledPriority, priority);
            if (seekAfter != null && priority > seekAfter.priority()) {
                rescan = true;
            }
            wakeups++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Signals at a time (a delayed job or a retry becomes due). */
    public void wakeAt(Instant due) {
        long delay = Duration.between(context.clock().instant(), due).toNanos();
        if (delay <= 0) {
            signal(true, Wakeups.RESCAN);
            return;
        }
        lock.lock();
        try {
            if (pendingWakeAt != null && !pendingWakeAt.isAfter(due) || stopping) {
                return;
            }
            pendingWakeAt = due;
        } finally {
            lock.unlock();
        }
        try {
            context.timer().schedule(() -> {
                lock.lock();
                try {
                    if (due.equals(pendingWakeAt)) {
                        pendingWakeAt = null;
                    }
                } finally {
                    lock.unlock();
                }
                signal(true, Wakeups.RESCAN);
            }, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // shutting down: nothing left to wake
        }
    }

    /** Leases of the attempts this worker holds, to renew them. */
    public List<Lease> leases() {
        return attempts.values().stream().map(Attempt::lease).toList();
    }

    /**
     * Takes the job to run in the calling worker thread's slot once its attempt ends, without a
     * row until it ends (see {@link io.nvent.spi.JobQueue#continueWith}).
     */
    public boolean offerContinuation(JobRequest next) {
        Attempt running = RUNNING.get();
        return running != null && running.worker() == this && next.delay().isZero()
                && next.priority() >= running.job.priority() && !paused && !full() && startWindow == null && isClaiming()
                && running.offer(next);
    }

    // ---------------------------------------------------------------- pump

    private void pump() {
        long nextPoll = System.nanoTime();
        long pollNanos = context.pollInterval().toNanos();
        while (!Thread.currentThread().isInterrupted()) {
            int limit = 0;
            List<Attempt> returned = List.of();
            long seen = 0;
            ClaimedJob after = null;
            List<Finished> done = List.of();
            List<ContinuedJob> ran = List.of();
            StartWindow window = null;
            lock.lock();
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (now - nextPoll >= 0) {
                        more = true;
                        dueStale = true;
                        rescan = true;
                        nextPoll = now + pollNanos;
                    }
                    if (!handBack.isEmpty()) {
                        returned = handBack;
                        handBack = new ArrayList<>();
                        break;
                    }
                    int freeStarts = startWindow == null ? Integer.MAX_VALUE : startWindow.free(now);
                    boolean wouldClaim = claiming && !paused && more && inFlight < capacity();
                    boolean canClaim = wouldClaim && freeStarts > 0;
                    // Gather freed slots into a full round, unless a full round's worth is free already.
                    boolean gathering = canClaim && backlog && capacity() - inFlight < concurrency
                            && now - firstFreedAt < GATHER_NANOS;
                    boolean claim = canClaim && !gathering;
                    boolean flush = hasUnrecorded()
                            && (claim || !claiming || now - firstFinishedAt >= LINGER_NANOS);
                    if (claim || flush) {
                        limit = claim ? Math.min(capacity() - inFlight, freeStarts) : 0;
                        if (limit > 0 && startWindow != null) {
                            window = startWindow;
                            window.reserve(limit, now);
                        }
                        break;
                    }
                    if (stopping && !hasUnrecorded()) {
                        connection.close();
                        return;
                    }
                    long wait = nextPoll - now;
                    if (hasUnrecorded()) {
                        wait = Math.min(wait, firstFinishedAt + LINGER_NANOS - now);
                    }
                    if (gathering) {
                        wait = Math.min(wait, firstFreedAt + GATHER_NANOS - now);
                    }
                    if (wouldClaim && freeStarts == 0) {
                        wait = Math.min(wait, startWindow.nanosUntilFree(now));
                    }
                    changed.awaitNanos(Math.max(wait, 10_000));
                }
                roundRunning = true;
                if (returned.isEmpty()) {
                    seen = wakeups;
                    after = limit > 0 && !rescan ? seekAfter : null;
                    if (limit > 0) {
                        rescan = false;
                        signalledPriority = Integer.MIN_VALUE;
                    }
                    done = finished;
                    finished = new ArrayList<>();
                    ran = continued;
                    continued = new ArrayList<>();
                    firstFinishedAt = 0;
                }
                roundEdges++;
                roundDone = done.size();
                roundClaims = returned.isEmpty() ? limit : returned.size();
                roundDoneTotal += roundDone;
                roundClaimsTotal += roundClaims;
            } catch (InterruptedException e) {
                // Only close() interrupts the pump, after the final flush had its chance.
                connection.close();
                return;
            } finally {
                lock.unlock();
            }
            try {
                if (!returned.isEmpty()) {
                    handBack(returned);
                } else {
                    long claimedBefore = claimedTotal;
                    round(done, ran, limit, seen, after, window);
                    if (window != null) {
                        // Starts were reserved for the whole limit; the jobs not found start nothing.
                        window.release(limit - (int) (claimedTotal - claimedBefore));
                    }
                }
            } finally {
                lock.lock();
                try {
                    roundRunning = false;
                    roundEdges++;
                } finally {
                    lock.unlock();
                }
            }
        }
        connection.close();
    }

    /**
     * The queue's counts with this worker's own jobs as they are, not as their rows say: a job
     * claimed ahead (the prefetch) that has not started waits, and an attempt that completed and
     * waits for the next round to record it is completed; a continuation, which has no row while it
     * runs, is active. So {@code active} counts the attempts executing now, never more than the
     * concurrency on this instance (the rows alone said up to the concurrency plus the prefetch, plus
     * the completions not recorded yet). Another instance's claimed jobs count as their rows say.
     *
     * <p>The rows are read without the lock, so enqueues, completions and freed slots never wait for
     * the database; when a round of the pump began or ended meanwhile, the rows may show its jobs
     * either way, and the rows are read again (twice at most). If a round still overlaps the third
     * read, its jobs count as completed and waiting, as if it had committed: {@code active} may then
     * count fewer attempts than execute, never more.
     *
     * @param stored the queue's counts as the rows say
     */
    public JobCounts counts(Supplier<JobCounts> stored) {
        for (int read = 1; ; read++) {
            long edges;
            long doneBefore;
            long claimsBefore;
            lock.lock();
            try {
                edges = roundEdges;
                doneBefore = roundDoneTotal - (roundRunning ? roundDone : 0);
                claimsBefore = roundClaimsTotal - (roundRunning ? roundClaims : 0);
            } finally {
                lock.unlock();
            }
            JobCounts rows = stored.get();
            lock.lock();
            try {
                long notStarted = attempts.values().stream().filter(Attempt::isClaimed).count();
                if (edges == roundEdges && !roundRunning) {
                    return adjusted(rows, notStarted, finished.size(), 0);
                }
                if (read == 3) {
                    return adjusted(rows, notStarted, finished.size() + roundDoneTotal - doneBefore,
                            roundClaimsTotal - claimsBefore);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The rows' counts with this worker's own jobs moved out of {@code active}, never more than it
     * holds; called holding the lock.
     *
     * @param notStarted claimed attempts that have not started: waiting
     * @param unrecorded completed attempts whose rows may still say active
     * @param claimedMeanwhile jobs that rounds overlapping the read claimed or handed back: waiting
     */
    private JobCounts adjusted(JobCounts rows, long notStarted, long unrecorded, long claimedMeanwhile) {
        long active = rows.active();
        long waiting = Math.min(active, notStarted);
        active -= waiting;
        long completed = Math.min(active, unrecorded);
        active -= completed;
        long claimed = Math.min(active, claimedMeanwhile);
        active -= claimed;
        return new JobCounts(rows.waiting() + waiting + claimed, rows.delayed(), active + continuing.size(),
                rows.completed() + completed, rows.failed());
    }

    /** Whether completed attempts wait for a round to record them; called holding the lock. */
    private boolean hasUnrecorded() {
        return !finished.isEmpty() || !continued.isEmpty();
    }

    private void round(List<Finished> done, List<ContinuedJob> ran, int limit, long seen, ClaimedJob after,
                       StartWindow window) {
        Instant now = context.clock().instant();
        List<ClaimedJob> claimed;
        long started = System.nanoTime();
        try {
            if (!ran.isEmpty()) {
                context.store().insertContinued(connection.get(), ran);
                // Inserted (committed on its own): a failure of the claim below must not insert them again.
                recordedTotal += ran.size();
                ran = List.of();
            }
            claimed = context.store().flushAndClaim(connection.get(), queue, done, limit, Optional.ofNullable(after),
                    now, context.instanceId(), now.plus(context.leaseDuration()));
            rounds++;
            roundNanos += System.nanoTime() - started;
            claimedTotal += claimed.size();
            recordedTotal += done.size();
        } catch (SQLException | RuntimeException e) {
            connection.discard();
            if (isStopping()) {
                // Shutting down without the database: the leases run out and the jobs run again.
                LOG.log(Level.WARNING, "NVENT-0805 could not record " + (done.size() + ran.size()) + " completed"
                        + " attempt(s) of queue " + queue + " at shutdown (" + e + "); claimed jobs run again once their"
                        + " leases expire, continued ones leave no row");
                lock.lock();
                try {
                    finished.clear();
                    continued.clear();
                } finally {
                    lock.unlock();
                }
                return;
            }
            roundFailed(done, ran, e);
            return;
        }
        done.forEach(f -> attempts.remove(f.lease().id()));
        boolean lookUpDue = false;
        lock.lock();
        try {
            failedRounds = 0;
            failingSince = null;
            if (limit > 0 && claimed.size() == limit) {
                backlog = true;
                seekAfter = claimed.stream().max(CLAIM_ORDER).orElseThrow();
                // A job signalled while the round ran may sort before the new seek position.
                rescan |= signalledPriority > seekAfter.priority();
            } else if (limit > 0 && after != null) {
                // The part after the seek position is drained; what about the rest? Look at once.
                backlog = false;
                seekAfter = null;
                rescan = true;
            } else if (limit > 0) {
                backlog = false;
                seekAfter = null;
                if (wakeups == seen) {
                    more = false;
                    lookUpDue = dueStale;
                    dueStale = false;
                }
            }
            inFlight += claimed.size();
            // Slots freed while the round ran count from now.
            firstFreedAt = inFlight < capacity() ? System.nanoTime() : 0;
        } finally {
            lock.unlock();
        }
        dispatch(claimed, window);
        if (lookUpDue) {
            lookUpNextDue();
        }
    }

    private boolean isStopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    private void roundFailed(List<Finished> done, List<ContinuedJob> ran, Exception e) {
        long now = System.nanoTime();
        lock.lock();
        try {
            // Completed attempts stay held (and their leases renewed) until a round records them.
            done.addAll(finished);
            finished = done;
            if (!ran.isEmpty()) {
                List<ContinuedJob> all = new ArrayList<>(ran);
                all.addAll(continued);
                continued = all;
            }
            if (hasUnrecorded() && firstFinishedAt == 0) {
                firstFinishedAt = now;
            }
            failedRounds++;
            failure = String.valueOf(e);
            if (failingSince == null) {
                failingSince = context.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            }
            if (failedRounds == 1 || now - lastFailureLog > TimeUnit.SECONDS.toNanos(30)) {
                lastFailureLog = now;
                LOG.log(Level.WARNING, "NVENT-0805 workers of queue " + queue + " cannot reach the database ("
                        + e + "); retrying with backoff, " + (finished.size() + continued.size()) + " completions pending");
            }
            long backoff = Math.min(MAX_RETRY_NANOS, TimeUnit.MILLISECONDS.toNanos(50) << Math.min(failedRounds, 10));
            long until = now + backoff;
            while (!stopping && System.nanoTime() - until < 0) {
                changed.awaitNanos(until - System.nanoTime());
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Why the workers cannot take jobs, while their rounds fail. */
    public Optional<String> problem() {
        Instant since = failingSince;
        return since == null ? Optional.empty()
                : Optional.of("workers of queue " + queue + " cannot reach the database since " + since + ": " + failure);
    }

    private void lookUpNextDue() {
        try {
            context.store().nextDue(connection.get(), queue, context.clock().instant()).ifPresent(this::wakeAt);
        } catch (SQLException e) {
            connection.discard();
            lock.lock();
            try {
                dueStale = true;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Hands claimed jobs to the worker threads.
     *
     * @param window where their starts are reserved under the rate limit; {@code null} without one
     */
    private void dispatch(List<ClaimedJob> claimed, StartWindow window) {
        if (claimed.isEmpty()) {
            return;
        }
        JobHandler current;
        lock.lock();
        try {
            current = handler;
        } finally {
            lock.unlock();
        }
        // The claim returns rows unordered; start them in queue order.
        List<ClaimedJob> ordered = new ArrayList<>(claimed);
        ordered.sort(CLAIM_ORDER);
        List<Attempt> claimedAttempts = new ArrayList<>(ordered.size());
        for (ClaimedJob job : ordered) {
            Attempt attempt = new Attempt(job, this);
            // Held from here on: their leases are renewed while the handler prepares them.
            attempts.put(job.id(), attempt);
            claimedAttempts.add(attempt);
        }
        prepare(ordered, current);
        for (Attempt attempt : claimedAttempts) {
            try {
                workers.execute(new Run(attempt, current, window));
            } catch (RejectedExecutionException closing) {
                // Claimed while shutting down: stop() hands the job back.
                releaseStart(window);
                releaseSlot();
            }
        }
    }

    /** Lets the handler prepare a batch of claimed jobs at once; what it throws only costs the preparation. */
    private void prepare(List<ClaimedJob> ordered, JobHandler current) {
        if (ordered.size() < 2) {
            return;
        }
        try {
            current.prepare(ordered.stream().map(ClaimedJob::execution).toList());
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "the handler of queue " + queue + " could not prepare " + ordered.size()
                    + " claimed jobs; they run unprepared: " + e);
        }
    }

    // ---------------------------------------------------------------- attempts

    /** A claimed job for a worker thread; a class of its own so a pause can find the ones not started. */
    private record Run(Attempt attempt, JobHandler handler, StartWindow window) implements Runnable {
        @Override
        public void run() {
            attempt.worker().run(attempt, handler, window);
        }
    }

    /** A start reserved under the rate limit that will not happen. */
    private static void releaseStart(StartWindow window) {
        if (window != null) {
            window.release(1);
        }
    }

    private void run(Attempt attempt, JobHandler current, StartWindow window) {
        Thread.interrupted();
        if (paused || concurrency == 0) {
            releaseStart(window);
            lock.lock();
            try {
                handBack.add(attempt);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return;
        }
        if (!attempt.start(Thread.currentThread(), Jdbc.micros(context.clock().instant()))) {
            releaseStart(window);
            releaseSlot();
            return;
        }
        if (window != null) {
            // Counted from now, not from the claim: a job claimed while the server was still starting
            // may start long after its claim.
            window.started(System.nanoTime());
        }
        Optional<JobRequest> next = execute(attempt, current);
        for (int continuations = 1; next.isPresent(); continuations++) {
            if (continuations > MAX_CONTINUATIONS || paused || full() || !isClaiming()) {
                notContinued(current, next.get());
                context.enqueue().accept(next.get());
                releaseSlot();
                return;
            }
            Attempt continuation = new Attempt(ClaimedJob.continuing(next.get()), this);
            continuation.start(Thread.currentThread(), Jdbc.micros(context.clock().instant()));
            continuing.add(continuation);
            try {
                next = execute(continuation, current);
            } finally {
                continuing.remove(continuation);
            }
        }
    }

    /** Tells the handler that a job it offered to continue with goes through the queue instead. */
    private void notContinued(JobHandler current, JobRequest offered) {
        try {
            current.notContinued(offered);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "handler of queue " + queue + " failed on hearing that job "
                    + offered.jobId() + " goes through the queue, not on in its worker", e);
        }
    }

    /**
     * Runs a started attempt and records its outcome. Frees the slot, unless the handler offered a
     * job to continue with, which this returns.
     */
    private Optional<JobRequest> execute(Attempt attempt, JobHandler current) {
        ClaimedJob job = attempt.job;
        var watchdog = context.timer().schedule(() -> timeOut(attempt, current), job.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        Throwable failure = null;
        RUNNING.set(attempt);
        try {
            current.handle(job.execution());
        } catch (Exception | Error e) {
            failure = e;
        } finally {
            RUNNING.remove();
        }
        watchdog.cancel(false);
        Optional<JobRequest> next = attempt.continuation();
        boolean releasesSlot = next.isEmpty();
        if (!attempt.finish()) {
            if (releasesSlot) {
                releaseSlot();
            }
        } else if (failure == null) {
            completed(attempt, releasesSlot);
        } else {
            try {
                if (cutShortByShutdown(failure)) {
                    handBackCutShort(attempt, failure);
                } else {
                    fail(attempt, current, failure);
                }
            } finally {
                if (releasesSlot) {
                    releaseSlot();
                }
            }
        }
        return next;
    }

    /**
     * Whether an attempt that failed on its own, not given up by {@link #stop}, failed because it was
     * interrupted while the queue shuts down: whoever interrupted it (a container stopping the
     * threads it manages), a shutdown is no failure of the job. Called on the attempt's thread.
     */
    private boolean cutShortByShutdown(Throwable failure) {
        return !isClaiming() && Interrupts.showsInterrupt(failure);
    }

    /**
     * Ends an attempt the shutdown cut short as no attempt, as {@link #stop} does for the ones still
     * running when the grace ran out: the handler hears of no failure, and the job is handed back at
     * once, waiting again with its attempt not used up (a continuation has no row: its owner enqueues
     * it again). If that fails its lease runs out and it runs again then, its attempt not counted either.
     */
    private void handBackCutShort(Attempt attempt, Throwable failure) {
        // The shutdown's interrupt, not the next job's: the database work below must not fail on it.
        Thread.interrupted();
        JobExecution execution = attempt.job.execution();
        String what = "job " + execution.jobId() + " attempt " + execution.attempt() + " of queue " + queue;
        if (!attempt.job.isStored()) {
            LOG.log(Level.INFO, "NVENT-0819 continued " + what + " was cut short by the shutdown (" + failure
                    + "); it counts as no attempt, and its owner enqueues it again");
            return;
        }
        try {
            context.store().releaseAtShutdown(List.of(attempt.lease()), context.instanceId(), context.clock().instant());
            LOG.log(Level.INFO, "NVENT-0819 " + what + " was cut short by the shutdown (" + failure
                    + "); it counts as no attempt and is handed back to the queue");
            context.wakeOthers().accept(queue, context.clock().millis());
        } catch (PgQueueException | AdapterUnavailableException e) {
            LOG.log(Level.WARNING, "NVENT-0819 " + what + " was cut short by the shutdown (" + failure + ") and could"
                    + " not be handed back; it runs again, as the same attempt, once its lease expires", e);
        } finally {
            attempts.remove(attempt.job.id());
        }
    }

    private void completed(Attempt attempt, boolean releasesSlot) {
        long ended = Jdbc.micros(context.clock().instant());
        lock.lock();
        try {
            boolean first = !hasUnrecorded();
            if (first) {
                firstFinishedAt = System.nanoTime();
            }
            if (attempt.job.isStored()) {
                finished.add(new Finished(attempt.lease(), ended));
            } else {
                continued.add(new ContinuedJob(attempt.job, JobState.COMPLETED, attempt.startedMicros(), ended, ended,
                        Optional.empty()));
            }
            if (releasesSlot) {
                slotFreed();
            } else if (first) {
                // No slot freed to wake the pump: wake it to start the linger clock of this completion.
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isClaiming() {
        lock.lock();
        try {
            return claiming && !stopping;
        } finally {
            lock.unlock();
        }
    }

    private void releaseSlot() {
        lock.lock();
        try {
            slotFreed();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts a slot free and wakes the pump if that changes what it does; called holding the lock.
     * While a backlog drains, the pump gathers slots for up to {@link #GATHER_NANOS} after the first
     * one freed: it needs waking for the first (to start that clock) and the last (to claim at
     * once), not for each one in between. Fewer wake-ups, fewer context switches per job.
     */
    private void slotFreed() {
        boolean first = firstFreedAt == 0;
        if (first) {
            firstFreedAt = System.nanoTime();
        }
        inFlight--;
        if (first || capacity() - inFlight == concurrency || !backlog || stopping || !claiming) {
            changed.signalAll();
        }
    }

    /**
     * Hands back claimed jobs that never started (the queue was paused meanwhile) as if they had not
     * been claimed. If that fails their leases run out and they run again then.
     */
    private void handBack(List<Attempt> returned) {
        List<Attempt> untouched = returned.stream().filter(Attempt::withdraw).toList();
        try {
            if (!untouched.isEmpty()) {
                context.store().unclaim(untouched.stream().map(Attempt::lease).toList(), context.instanceId());
                context.wakeOthers().accept(queue, context.clock().millis());
            }
        } catch (PgQueueException | AdapterUnavailableException e) {
            LOG.log(Level.WARNING, "NVENT-0807 could not hand back " + untouched.size() + " job(s) of paused queue "
                    + queue + "; they run again once their leases expire", e);
        } finally {
            returned.forEach(a -> attempts.remove(a.lease().id()));
            lock.lock();
            try {
                returned.forEach(a -> slotFreed());
            } finally {
                lock.unlock();
            }
        }
    }

    private void timeOut(Attempt attempt, JobHandler current) {
        if (attempt.timeOut()) {
            JobExecution execution = attempt.job.execution();
            TimeoutException timedOut = new TimeoutException("job " + execution.jobId() + " attempt "
                    + execution.attempt() + " exceeded its timeout of " + attempt.job.timeout().toMillis() + " ms");
            context.maintenance().execute(() -> fail(attempt, current, timedOut));
        }
    }

    /**
     * Ends a failed attempt: tells the handler first (so it records attempt n before attempt n + 1
     * can start anywhere), then makes the job due again after its backoff, or dead.
     */
    private void fail(Attempt attempt, JobHandler current, Throwable error) {
        ClaimedJob job = attempt.job;
        JobExecution execution = job.execution();
        Instant now = context.clock().instant();
        Optional<Instant> next = RetryDelays.next(current, execution, error, job.retry(),
                java.util.concurrent.ThreadLocalRandom.current(), broken -> LOG.log(Level.WARNING, "NVENT-0855 retryDelay"
                        + " of queue " + queue + " threw for job " + execution.jobId() + "; its retry policy's delay"
                        + " applies", broken)).map(now::plus);
        boolean again = next.isPresent();
        try {
            current.onAttemptFailed(execution, error, next);
        } catch (io.nvent.NventException unavailable) {
            // E.g. the store away (the engine's health reports it): no stack trace for every such job.
            LOG.log(Level.WARNING, "NVENT-0806 failure handler of queue " + queue + " failed for job "
                    + execution.jobId() + ": " + unavailable.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NVENT-0806 failure handler of queue " + queue + " failed for job "
                    + execution.jobId(), e);
        } catch (Error e) {
            // Past the attempt's own catch: let through, it would leave the attempt held (its lease renewed
            // and counted active for ever). The failure is recorded; the worker thread goes on.
            LOG.log(Level.WARNING, "NVENT-0854 failure handler of queue " + queue + " threw an error for job "
                    + execution.jobId() + "; the attempt's failure is recorded and the worker goes on", e);
        }
        String text = Errors.describe(error, context.maxErrorLength());
        if (job.isStored()) {
            failStored(attempt, again, next.orElse(now), now, text);
        } else {
            failContinued(attempt, again, next.orElse(now), now, text);
        }
        if (next.isPresent()) {
            wakeAt(next.get());
            context.wakeOthers().accept(queue, next.get().toEpochMilli());
        }
    }

    private void failStored(Attempt attempt, boolean again, Instant availableAt, Instant now, String error) {
        JobExecution execution = attempt.job.execution();
        try {
            boolean recorded = context.store().fail(attempt.lease(), again, availableAt, now, error);
            if (!recorded) {
                LOG.log(Level.DEBUG, () -> "attempt " + execution.attempt() + " of job " + execution.jobId()
                        + " was no longer this instance's (lease expired); its failure is not recorded");
            }
        } catch (PgQueueException | AdapterUnavailableException e) {
            // The lease runs out and the job runs again: at least once, attempt not counted.
            LOG.log(Level.WARNING, "NVENT-0807 could not record failed attempt " + execution.attempt() + " of job "
                    + execution.jobId() + " in queue " + queue + "; it runs again once its lease expires", e);
        } finally {
            attempts.remove(attempt.job.id());
        }
    }

    /** A continuation that failed gets its row now: due again after its backoff, or dead. */
    private void failContinued(Attempt attempt, boolean again, Instant availableAt, Instant now, String error) {
        JobExecution execution = attempt.job.execution();
        ContinuedJob ended = new ContinuedJob(attempt.job, again ? JobState.WAITING : JobState.FAILED,
                attempt.startedMicros(), Jdbc.micros(now), Jdbc.micros(availableAt), Optional.of(error));
        try {
            context.store().insertContinued(List.of(ended));
        } catch (PgQueueException | AdapterUnavailableException e) {
            // The caller of continueWith keeps the job's due state and enqueues it again (the engine's sweep).
            LOG.log(Level.WARNING, "NVENT-0809 could not store failed attempt 1 of continued job " + execution.jobId()
                    + " in queue " + queue + "; it is not in the queue until its owner enqueues it again", e);
        }
    }

    // ---------------------------------------------------------------- shutdown

    /** Stops claiming; running attempts go on. */
    public void stopClaiming() {
        lock.lock();
        try {
            claiming = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        workers.shutdown();
    }

    /** Waits for running attempts until a deadline ({@link System#nanoTime()}); true if none is left. */
    public boolean awaitIdle(long deadline) throws InterruptedException {
        return workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /**
     * Gives up the attempts still running (interrupting them), records the completed ones, stops
     * the pump and returns the leases of the jobs given up, for the caller to hand back once the
     * interrupted handlers returned ({@link #awaitInterrupted}).
     */
    public List<Lease> stop() {
        List<Lease> abandoned = new ArrayList<>();
        for (Attempt attempt : attempts.values()) {
            if (attempt.abandon()) {
                abandoned.add(attempt.lease());
            }
        }
        // A continuation has no row to hand back: its owner queues it again (the engine's sweep).
        continuing.forEach(Attempt::abandon);
        lock.lock();
        try {
            stopping = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            pump.join(TimeUnit.SECONDS.toMillis(5));
            if (pump.isAlive()) {
                pump.interrupt();
                pump.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.DEBUG, () -> "queue " + queue + ": " + rounds + " rounds, " + claimedTotal + " claimed, "
                + recordedTotal + " completions recorded, " + (rounds == 0 ? 0 : roundNanos / rounds / 1000)
                + " µs per round");
        return abandoned;
    }

    /**
     * Waits until a deadline ({@link System#nanoTime()}) for the handlers {@link #stop} interrupted to
     * return. The engine hands a step back to its run when the handler returns: a job handed back
     * before that is claimed elsewhere while the step still runs here, and its start is refused there.
     * Warns about the handlers that did not return by the deadline.
     */
    public void awaitInterrupted(long deadline) {
        try {
            if (awaitIdle(deadline)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.WARNING, "NVENT-0808 " + workers.getActiveCount() + " handler(s) of queue " + queue
                + " ignored the interrupt and still run; their jobs are handed back and may run twice");
    }
}

package io.nvent.cdi.internal.memory;

import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.Worker;
import io.nvent.spi.Adapter;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.QueueChange;
import io.nvent.spi.RateLimit;
import io.nvent.spi.StartWindow;
import io.nvent.spi.internal.RetryDelays;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Random;
import java.util.random.RandomGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The zero-setup queue: jobs in memory (lost on restart), with the full queue contract — delays,
 * priorities, per-queue concurrency, retries with backoff, attempt timeouts, a dead-letter state,
 * pause/resume and job records. When a JTA transaction is active, jobs are enqueued only when it
 * commits.
 *
 * <p>How it works: each queue has as many long-lived worker threads as its concurrency; a worker
 * takes the next ready job itself ({@link ReadyJobs}: per-priority deques, each locked for one
 * operation) and runs it on its own thread, so the concurrency limit holds by construction and a
 * job costs no hand-over between threads while work is waiting. Idle workers wait on the queue's
 * condition and are woken one per job made ready. Delays, backoffs and attempt timeouts share one
 * timer thread ({@link QueueTimer}); counts are per-state atomic counters; a job's own fields
 * change under the job's lock, which nothing else contends for. The hot path keeps to primitives
 * built on {@code Unsafe} (atomics, field updaters, monitors, {@code ConcurrentHashMap}): the
 * VarHandle-based concurrent classes cost about twice the CPU until the JIT has compiled them, and
 * a queue is judged from its first jobs.
 */
@ApplicationScoped
@Adapter("memory")
public class MemoryJobQueue implements JobQueue {

    private static final System.Logger LOG = System.getLogger(MemoryJobQueue.class.getName());
    /** Completed job records kept per queue for the inspector; older ones are forgotten. */
    private static final int KEEP_COMPLETED = 1000;
    private static final JobState[] STATES = JobState.values();
    private static final JobAttempt[] NO_ATTEMPTS = {};
    /** Held by a worker's current-attempt slot while the timeout check takes the attempt over. */
    private static final Attempt TIMING_OUT = new Attempt(null, null, null, 0);
    /**
     * Continuations one worker runs back to back; the next one goes through the ready jobs, so a
     * run of many steps cannot hold a worker past the jobs waiting in the queue's order for ever.
     */
    static final int MAX_CONTINUATIONS = 100;
    /** The worker whose handler runs on this thread, so that the handler can offer a continuation. */
    private static final ThreadLocal<JobWorker> RUNNING = new ThreadLocal<>();
    private static final AtomicReferenceFieldUpdater<JobWorker, Attempt> CURRENT =
            AtomicReferenceFieldUpdater.newUpdater(JobWorker.class, Attempt.class, "current");

    private final Map<String, QueueState> queues = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private Clock clock;
    private ThreadFactory threadFactory;
    private QueueTimer timer;
    /** Where delays and backoffs wait, if not on {@link #timer}: the timers of a clock a test moves. */
    private Optional<ClockTimers> delays = Optional.empty();
    /** Where the jitter of retry delays comes from; thread-safe. */
    private RandomGenerator jitter = new Random();

    /** For CDI. */
    protected MemoryJobQueue() {
    }

    @Inject
    public MemoryJobQueue(Clock clock, @Worker ThreadFactory threadFactory) {
        this.clock = clock;
        this.threadFactory = threadFactory;
        this.timer = new QueueTimer(Threads.daemonThreads("nvent-queue-timer"), this::timeOutOverdueAttempts);
        MemoryTransactions.lookUp();
    }

    /**
     * A queue whose delayed jobs and retry backoffs wait for {@code delays} (timers following
     * {@code clock}, which a test moves) instead of for real time. Attempt timeouts stay in real time:
     * they bound how long a step's code runs, which the test's clock does not speed up. A rate limit
     * ({@link #limitRate}) keeps no start window here, which would count in real time: the engine keeps
     * the limit on the test's clock and queues a step it holds back again for the time the limit allows.
     */
    public MemoryJobQueue(Clock clock, ThreadFactory threadFactory, ClockTimers delays) {
        this(clock, threadFactory);
        this.delays = Optional.of(delays);
    }

    /**
     * A queue as {@link #MemoryJobQueue(Clock, ThreadFactory, ClockTimers)} (or on real time, without
     * {@code delays}) whose retry delays are spread by their jitter as {@code jitter} draws, a seeded
     * one in tests.
     *
     * @param jitter used by the worker threads at once: thread-safe, as {@link Random} is
     */
    public MemoryJobQueue(Clock clock, ThreadFactory threadFactory, Optional<ClockTimers> delays,
                          RandomGenerator jitter) {
        this(clock, threadFactory);
        this.delays = delays;
        this.jitter = jitter;
    }

    /**
     * Runs {@code action} once the clock shows {@code due}: on the clock's timers, or in real time after
     * as long as the clock has still to go. The time a job's record shows it available at, and not a delay
     * counted from when the timer happens to be planned: a clock a test moves may have passed it by then
     * (the timer then runs at once), and a delayed job or retry must not come due later than it says.
     */
    private void at(Instant due, Runnable action) {
        if (delays.isPresent()) {
            delays.get().at(due, action);
        } else {
            timer.schedule(timer.after(Duration.between(clock.instant(), due)), action);
        }
    }

    /** A job and its history. Its mutable fields change under its own lock. */
    private final class Job {
        final QueueState queue;
        final JobRequest request;
        final long seq = sequence.incrementAndGet();
        final Instant createdAt;
        volatile JobState state;
        Instant availableAt;
        /** The failed attempts, oldest first; replaced, never changed, so a record can share it. */
        JobAttempt[] failed = NO_ATTEMPTS;
        /** Start of the attempt running or completed, {@code null} if none; kept apart from {@link #failed}
         *  so that a job that succeeds at once costs no attempt objects until someone reads its record. */
        Instant startedAt;
        /** End of the completed attempt. */
        Instant completedAt;
        /** Failed attempts before the latest {@link #retry}: the current round numbers from 1 again. */
        int attemptBase;
        /**
         * Whether its next attempt runs in the worker that took it to continue with ({@link JobQueue#continueWith})
         * rather than from the queue; cleared as that attempt starts. Not so for one that went into the queue
         * instead, nor for its retries: a close cutting those short puts them back.
         */
        boolean continued;

        Job(QueueState queue, JobRequest request, Instant now) {
            this.queue = queue;
            this.request = request;
            this.createdAt = now;
            this.availableAt = request.delay().isZero() ? now : now.plus(request.delay());
            this.state = request.delay().isZero() ? JobState.WAITING : JobState.DELAYED;
        }

        /** Moves the job to another state; called holding the job's lock. */
        void moveTo(JobState next) {
            queue.inState[state.ordinal()].decrementAndGet();
            queue.inState[next.ordinal()].incrementAndGet();
            state = next;
        }

        /** Number of the next (or running) attempt in the current round; called holding the job's lock. */
        int attemptNumber() {
            return failed.length - attemptBase + 1;
        }

        /** Records the running attempt as failed; called holding the job's lock. */
        void attemptFailed(Instant now, String error) {
            JobAttempt[] grown = Arrays.copyOf(failed, failed.length + 1);
            grown[failed.length] = new JobAttempt(attemptNumber(), startedAt, Optional.of(now), Optional.of(error));
            failed = grown;
            startedAt = null;
        }

        synchronized JobRecord toRecord() {
            List<JobAttempt> attempts = Arrays.asList(failed);
            if (startedAt != null) {
                attempts = new ArrayList<>(attempts);
                attempts.add(new JobAttempt(attemptNumber(), startedAt, Optional.ofNullable(completedAt),
                        Optional.empty()));
            }
            return new JobRecord(queue.name, request.jobId(), request.name(), state, request.payload(),
                    request.retry().maxAttempts(), createdAt, availableAt, attempts);
        }
    }

    /** One running attempt, as its worker and the timeout check see it. */
    private record Attempt(Job job, JobExecution execution, JobHandler handler, long deadline) {
    }

    /** A worker thread of a queue: runs one attempt at a time, as long as its slot is within the concurrency. */
    private final class JobWorker implements Runnable {
        final QueueState queue;
        final int slot;
        /** The attempt running now; taken over ({@link #CURRENT} CAS) by whoever ends it: the worker or the
         *  timeout check. */
        volatile Attempt current;
        volatile boolean stopped;
        Thread thread;
        /** The job the running handler offered to continue with; this worker's thread only. */
        JobRequest continuation;

        JobWorker(QueueState queue, int slot) {
            this.queue = queue;
            this.slot = slot;
        }

        boolean mayRun() {
            return !stopped && slot < queue.concurrency;
        }

        boolean belongsTo(MemoryJobQueue owner) {
            return MemoryJobQueue.this == owner;
        }

        /** Takes the job to run once the running attempt ends, if it may continue this one. */
        boolean takeContinuation(JobRequest next) {
            Attempt running = current;
            if (continuation != null || running == null || running == TIMING_OUT || !next.delay().isZero()
                    || next.priority() < running.job().request.priority() || queue.paused || !mayRun()
                    || queue.overLimit() || queue.startWindow != null) {
                return false;
            }
            continuation = next;
            return true;
        }

        @Override
        public void run() {
            while (true) {
                Job job = queue.take(this);
                if (job != null) {
                    try {
                        executeLogged(job);
                        runContinuations();
                    } finally {
                        queue.ended();
                    }
                } else if (queue.retire(this)) {
                    return;
                }
            }
        }

        private void executeLogged(Job job) {
            try {
                execute(this, job);
            } catch (RuntimeException | Error e) {
                // Thrown past the handler (e.g. by a failure report): the worker stays, its slot must not go empty.
                LOG.log(System.Logger.Level.ERROR, "NVENT-0503 worker of queue " + queue.name
                        + " failed after job " + job.request.jobId(), e);
            }
        }

        /** Tells the handler that a job it offered to continue with goes through the queue instead. */
        private void notContinued(JobRequest offered) {
            try {
                queue.handler.notContinued(offered);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "handler of queue " + queue.name + " failed on hearing that job "
                        + offered.jobId() + " goes through the queue, not on in its worker", e);
            }
        }

        /** Runs the jobs the handlers offered to continue with, one after the other. */
        private void runContinuations() {
            for (int continued = 1; continuation != null; continued++) {
                Job job = new Job(queue, continuation, clock.instant());
                continuation = null;
                if (queue.jobs.putIfAbsent(job.request.jobId(), job) != null) {
                    notContinued(job.request);
                    return;
                }
                queue.inState[job.state.ordinal()].incrementAndGet();
                if (continued > MAX_CONTINUATIONS || queue.paused || !mayRun() || queue.overLimit()
                        || queue.startWindow != null) {
                    notContinued(job.request);
                    queue.offer(job);
                    return;
                }
                job.continued = true;
                executeLogged(job);
            }
        }
    }

    private final class QueueState {
        final String name;
        final Map<String, Job> jobs = new ConcurrentHashMap<>();
        final ReadyJobs<Job> ready = new ReadyJobs<>();
        /** Jobs per state; completed ones stay counted after their records are pruned. */
        final AtomicLong[] inState = new AtomicLong[STATES.length];
        /** The latest completed jobs, whose records are kept: a ring, the oldest overwritten; guarded by itself. */
        final Job[] lastCompleted = new Job[KEEP_COMPLETED];
        int nextCompleted;
        /** Guards the worker slots and idle workers' waiting; never held while a job runs. */
        final ReentrantLock lock = new ReentrantLock();
        final Condition jobReady = lock.newCondition();
        /** Slot i holds the worker i, which runs while i &lt; concurrency. Replaced, never changed. */
        volatile JobWorker[] workers = new JobWorker[0];
        volatile JobHandler handler;
        volatile int concurrency;
        volatile boolean paused;
        /** Who paused the queue, when and why, while {@link #paused}; changed under {@code this}. */
        volatile QueueChange pauseChange;
        /** The starts within the rate limit's span; {@code null} without a limit, or on a clock a test moves. */
        volatile StartWindow startWindow;
        /** The rate limit set for the queue, if any. */
        volatile Optional<RateLimit> limit = Optional.empty();
        /** Workers waiting for a job; changed holding the lock. */
        volatile int idle;
        /**
         * Workers running an attempt (or its continuations): a worker starts one only while fewer than the
         * concurrency run, so that after it shrank no new attempt starts until fewer than the new count run.
         */
        final AtomicInteger busy = new AtomicInteger();
        /** Whether its workers were stopped (the queue closed): a resize starts none until a registration. */
        volatile boolean stopped;

        QueueState(String name) {
            this.name = name;
            Arrays.setAll(inState, i -> new AtomicLong());
        }

        /** Makes a waiting job available to the workers. */
        void offer(Job job) {
            ready.add(job.request.priority(), job);
            if (idle > 0 && !paused) {
                lock.lock();
                try {
                    jobReady.signal();
                } finally {
                    lock.unlock();
                }
            }
        }

        /** The next job a worker may start, or {@code null} once it should stop. */
        Job take(JobWorker worker) {
            Job job = poll(worker);
            if (job != null) {
                return job;
            }
            lock.lock();
            try {
                // Counted as idle before looking again: an offer either sees the count or is seen here.
                idle++;
                try {
                    while (worker.mayRun()) {
                        job = poll(worker);
                        if (job != null) {
                            return job;
                        }
                        awaitJobOrFreeStart();
                    }
                    return null;
                } finally {
                    idle--;
                }
            } finally {
                lock.unlock();
            }
        }

        /** Waits, holding the lock, for a job to be offered, or for the rate limit to allow a start. */
        private void awaitJobOrFreeStart() {
            StartWindow window = startWindow;
            long untilFree = window == null ? 0 : window.nanosUntilFree(System.nanoTime());
            if (untilFree <= 0) {
                jobReady.awaitUninterruptibly();
                return;
            }
            try {
                jobReady.awaitNanos(untilFree);
            } catch (InterruptedException e) {
                // Only stop() interrupts a waiting worker, and mayRun() tells the worker so.
            }
        }

        private Job poll(JobWorker worker) {
            if (paused || !worker.mayRun() || !reserve()) {
                return null;
            }
            Job job = ready.poll();
            StartWindow window = startWindow;
            if (job != null && (paused || window != null && !window.tryTake(System.nanoTime()))) {
                // Paused meanwhile: the pause wins, as if it had come before the job was taken.
                // Or the rate limit allows no start now: the job waits in its place.
                ready.putBack(job.request.priority(), job);
                job = null;
            }
            if (job == null) {
                busy.decrementAndGet();
                return null;
            }
            // An interrupt meant for an earlier attempt or for waiting must not hit this one.
            Thread.interrupted();
            return job;
        }

        /** Counts a worker as running an attempt if fewer than the concurrency run. */
        private boolean reserve() {
            while (true) {
                int now = busy.get();
                if (now >= concurrency) {
                    return false;
                }
                if (busy.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
        }

        /** Whether more attempts run than the concurrency allows (after it shrank): none may continue. */
        boolean overLimit() {
            return busy.get() > concurrency;
        }

        /** A worker's attempt (and continuations) ended: wakes the workers that waited for fewer to run. */
        void ended() {
            if (busy.getAndDecrement() >= concurrency && idle > 0) {
                wakeAll();
            }
        }

        /** Whether a worker that found nothing to do leaves: decided holding the lock, as slots change. */
        boolean retire(JobWorker worker) {
            lock.lock();
            try {
                if (worker.mayRun()) {
                    return false;
                }
                JobWorker[] slots = workers;
                if (worker.slot < slots.length && slots[worker.slot] == worker) {
                    JobWorker[] fewer = slots.clone();
                    fewer[worker.slot] = null;
                    workers = fewer;
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void wakeAll() {
            lock.lock();
            try {
                jobReady.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Stops every worker, interrupting the attempts they run. */
        void stop() {
            lock.lock();
            try {
                for (JobWorker worker : workers) {
                    if (worker != null) {
                        worker.stopped = true;
                        worker.thread.interrupt();
                    }
                }
                workers = new JobWorker[0];
                stopped = true;
                jobReady.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private QueueState queue(String name) {
        QueueState q = queues.get(name);
        return q != null ? q : queues.computeIfAbsent(name, QueueState::new);
    }

    @Override
    public void enqueue(JobRequest request) {
        MemoryTransactions.afterCommit(() -> add(request));
    }

    private void add(JobRequest request) {
        QueueState q = queue(request.queue());
        Job job = new Job(q, request, clock.instant());
        if (q.jobs.putIfAbsent(request.jobId(), job) != null) {
            return;
        }
        q.inState[job.state.ordinal()].incrementAndGet();
        if (job.state == JobState.WAITING) {
            q.offer(job);
        } else {
            at(job.availableAt, () -> makeReady(job));
        }
    }

    /** A delayed job's time has come. */
    private void makeReady(Job job) {
        synchronized (job) {
            if (job.state != JobState.DELAYED) {
                return;
            }
            job.moveTo(JobState.WAITING);
        }
        job.queue.offer(job);
    }

    private void execute(JobWorker worker, Job job) {
        boolean continued = job.continued;
        job.continued = false;
        Attempt attempt = start(job, worker.queue.handler);
        worker.current = attempt;
        timer.watch(attempt.deadline());
        Throwable failure = null;
        RUNNING.set(worker);
        try {
            attempt.handler().handle(attempt.execution());
        } catch (Exception | Error e) {
            failure = e;
        } finally {
            RUNNING.remove();
        }
        if (!CURRENT.compareAndSet(worker, attempt, null)) {
            // The timeout check failed this attempt and interrupted us: once it is done, the interrupt is stale.
            while (worker.current == TIMING_OUT) {
                Thread.yield();
            }
            Thread.interrupted();
            return;
        }
        if (failure == null) {
            complete(job);
        } else if (worker.stopped && continued) {
            forget(job);
        } else if (worker.stopped) {
            putBack(job);
        } else {
            fail(attempt, failure);
        }
    }

    /**
     * The job of an attempt the queue's close interrupted goes back to waiting, as if it had not
     * started: whatever the step made of the interrupt, a shutdown is no failure of the job, and
     * counted as one it would take a retry or fail the job for good. It is not reported to the
     * handler either.
     */
    private void putBack(Job job) {
        synchronized (job) {
            job.startedAt = null;
            job.moveTo(JobState.WAITING);
        }
        job.queue.offer(job);
        LOG.log(System.Logger.Level.DEBUG, () -> "job " + job.request.jobId() + " of queue " + job.queue.name
                + " was interrupted by the queue's close; it waits again, no attempt counted");
    }

    /**
     * A continuation the queue's close cut short leaves nothing here, as {@link JobQueue#continueWith} says: the
     * caller that offered it keeps its own record that the job is due, and queues it again (the engine does so as it
     * hands the step back). Kept, it would run beside the job queued in its place after a restart.
     */
    private void forget(Job job) {
        synchronized (job) {
            if (job.queue.jobs.remove(job.request.jobId(), job)) {
                job.queue.inState[job.state.ordinal()].decrementAndGet();
            }
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "continued job " + job.request.jobId() + " of queue " + job.queue.name
                + " was interrupted by the queue's close; it is not kept, its owner queues it again");
    }

    private Attempt start(Job job, JobHandler handler) {
        Instant now = clock.instant();
        JobRequest request = job.request;
        int attempt;
        synchronized (job) {
            job.moveTo(JobState.ACTIVE);
            attempt = job.attemptNumber();
            job.startedAt = now;
        }
        JobExecution execution = new JobExecution(job.queue.name, request.jobId(), request.name(), request.payload(),
                attempt, request.retry().maxAttempts());
        return new Attempt(job, execution, handler, timer.after(request.timeout()));
    }

    private void complete(Job job) {
        Instant now = clock.instant();
        synchronized (job) {
            job.completedAt = now;
            job.moveTo(JobState.COMPLETED);
        }
        QueueState q = job.queue;
        Job forgotten;
        synchronized (q.lastCompleted) {
            forgotten = q.lastCompleted[q.nextCompleted];
            q.lastCompleted[q.nextCompleted] = job;
            q.nextCompleted = (q.nextCompleted + 1) % KEEP_COMPLETED;
        }
        if (forgotten != null) {
            q.jobs.remove(forgotten.request.jobId(), forgotten);
        }
    }

    private void fail(Attempt attempt, Throwable error) {
        Job job = attempt.job();
        JobExecution execution = attempt.execution();
        Instant now = clock.instant();
        Optional<Instant> nextAttemptAt;
        Duration backoff = Duration.ZERO;
        Optional<Duration> retryDelay = RetryDelays.next(attempt.handler(), execution, error, job.request.retry(),
                jitter, broken -> LOG.log(System.Logger.Level.WARNING, "NVENT-0063 retryDelay of queue " + job.queue.name
                        + " threw for job " + job.request.jobId() + "; its retry policy's delay applies", broken));
        synchronized (job) {
            job.attemptFailed(now, describe(error));
            if (retryDelay.isPresent()) {
                backoff = retryDelay.get();
                job.availableAt = now.plus(backoff);
                nextAttemptAt = Optional.of(job.availableAt);
                // It stays active until its retry is planned (planRetry).
            } else {
                nextAttemptAt = Optional.empty();
                job.moveTo(JobState.FAILED);
            }
        }
        // Report before the retry can start, so the handler records attempt n before attempt n+1.
        try {
            attempt.handler().onAttemptFailed(execution, error, nextAttemptAt);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0501 failure handler of queue " + job.queue.name + " failed", e);
        } catch (Error e) {
            // Let through, it would leave a job with a retry active for ever: its retry is planned below.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0060 failure handler of queue " + job.queue.name + " threw an"
                    + " error for job " + job.request.jobId() + "; its retry is planned and the worker goes on", e);
        }
        if (nextAttemptAt.isPresent()) {
            planRetry(job, backoff.isZero());
        }
    }

    /**
     * Makes the job of a reported failed attempt wait for its retry: at once (a zero backoff) or until its
     * {@code availableAt}. Until then it counts as active, and its timer is planned before it stops counting
     * so: whoever waits for the queue to be idle before moving a clock a test moves (the test environment)
     * finds either the job running or its retry's timer on the clock, never neither, which let the clock
     * pass the retry's time before the retry was planned on it.
     */
    private void planRetry(Job job, boolean atOnce) {
        synchronized (job) {
            if (atOnce) {
                job.moveTo(JobState.WAITING);
            } else {
                // Its timer waits for this lock to make it ready.
                at(job.availableAt, () -> makeReady(job));
                job.moveTo(JobState.DELAYED);
            }
        }
        if (atOnce) {
            job.queue.offer(job);
        }
    }

    /** On the timer thread: fails the attempts past their deadline; returns the earliest other deadline. */
    private long timeOutOverdueAttempts(long now) {
        long next = QueueTimer.NONE;
        for (QueueState q : queues.values()) {
            for (JobWorker worker : q.workers) {
                Attempt attempt = worker == null ? null : worker.current;
                if (attempt == null || attempt == TIMING_OUT) {
                    continue;
                }
                if (attempt.deadline() <= now) {
                    timeOut(worker, attempt);
                } else {
                    next = Math.min(next, attempt.deadline());
                }
            }
        }
        return next;
    }

    private void timeOut(JobWorker worker, Attempt attempt) {
        if (!CURRENT.compareAndSet(worker, attempt, TIMING_OUT)) {
            return; // it just ended on its own
        }
        worker.thread.interrupt();
        worker.current = null;
        JobExecution execution = attempt.execution();
        fail(attempt, new TimeoutException("job " + execution.jobId() + " attempt " + execution.attempt()
                + " exceeded its timeout of " + attempt.job().request.timeout().toMillis() + " ms"));
    }

    private static String describe(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error));
        for (StackTraceElement frame : error.getStackTrace()) {
            if (text.length() > 4000) {
                break;
            }
            text.append("\n\tat ").append(frame);
        }
        return text.toString();
    }

    /**
     * Runs the job on the calling worker once its attempt ends, when the thread runs a job of the
     * same queue here; see {@link JobQueue#continueWith}.
     */
    @Override
    public boolean continueWith(JobRequest next) {
        JobWorker worker = RUNNING.get();
        return worker != null && worker.belongsTo(this) && worker.queue.name.equals(next.queue())
                && worker.takeContinuation(next);
    }

    @Override
    public void registerWorker(String queueName, int concurrency, JobHandler handler) {
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency of queue '" + queueName + "' must be >= 0, was "
                    + concurrency);
        }
        QueueState q = queue(queueName);
        if (concurrency == 0) {
            // Known, and left to the workers of whoever registered some: engines of a test share a queue as
            // instances share a broker, and one without workers of a queue must not stop the other's.
            return;
        }
        q.lock.lock();
        try {
            q.handler = handler;
            q.stopped = false;
            setWorkers(q, concurrency);
        } finally {
            q.lock.unlock();
        }
    }

    /** Takes the queue's handler and starts no worker, until {@link #resizeWorkers} starts some. */
    @Override
    public void registerIdleWorker(String queueName, JobHandler handler) {
        QueueState q = queue(queueName);
        q.lock.lock();
        try {
            q.handler = handler;
            q.stopped = false;
            setWorkers(q, 0);
        } finally {
            q.lock.unlock();
        }
    }

    /**
     * Changes the workers of a queue registered here with workers: surplus ones leave once their attempt
     * ended (their slot is past the concurrency), missing ones start; 0 leaves none. A queue registered
     * without workers, or closed, is left as it is.
     */
    @Override
    public void resizeWorkers(String queueName, int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers of queue '" + queueName + "' must be >= 0, was " + workers);
        }
        QueueState q = queue(queueName);
        q.lock.lock();
        try {
            if (q.handler != null && !q.stopped) {
                setWorkers(q, workers);
            }
        } finally {
            q.lock.unlock();
        }
    }

    @Override
    public boolean resizesWorkers() {
        return true;
    }

    /** Sets the concurrency and starts the workers of the empty slots within it; holding the queue's lock. */
    private void setWorkers(QueueState q, int concurrency) {
        q.concurrency = concurrency;
        JobWorker[] slots = Arrays.copyOf(q.workers, Math.max(q.workers.length, concurrency));
        for (int slot = 0; slot < concurrency; slot++) {
            if (slots[slot] == null) {
                JobWorker worker = new JobWorker(q, slot);
                worker.thread = threadFactory.newThread(worker);
                slots[slot] = worker;
                worker.thread.start();
            }
        }
        q.workers = slots;
        // Wakes surplus workers too, so that they leave.
        q.jobReady.signalAll();
    }

    /**
     * Whether an engine registered workers of the queue with this queue (even if an operator set them to 0 at run
     * time: it takes the queue, and starts workers once they are raised): the memory queue is not shared with
     * other instances, so without them nothing takes its jobs.
     */
    public boolean hasWorkers(String queueName) {
        QueueState q = queues.get(queueName);
        return q != null && q.handler != null;
    }

    @Override
    public void limitRate(String queueName, Optional<RateLimit> limit) {
        QueueState q = queue(queueName);
        q.limit = limit;
        // Its window counts in real time: on a clock a test moves (delays on its timers) it would hold back
        // steps whose limit the engine keeps on that clock, and queues again for the time it allows them.
        q.startWindow = delays.isPresent() ? null : limit.map(StartWindow::new).orElse(null);
        q.wakeAll();
    }

    @Override
    public Duration untilRateLimitAllows(String queueName) {
        return Optional.ofNullable(queues.get(queueName)).map(q -> q.startWindow)
                .map(window -> Duration.ofNanos(window.nanosUntilNextStart(System.nanoTime()))).orElse(Duration.ZERO);
    }

    @Override
    public Optional<RateLimit> rateLimit(String queueName) {
        return Optional.ofNullable(queues.get(queueName)).flatMap(q -> q.limit);
    }

    /** {@inheritDoc} <p>Made by code in this process ({@link QueueChange#thisProcess}). */
    @Override
    public void pause(String queueName) {
        pause(queueName, QueueChange.inCode(QueueChange.thisProcess(), clock.instant()));
    }

    @Override
    public void pause(String queueName, QueueChange change) {
        java.util.Objects.requireNonNull(change, "change");
        QueueState q = queue(queueName);
        synchronized (q) {
            if (!q.paused) {
                q.pauseChange = change;
                q.paused = true;
            }
        }
    }

    @Override
    public void resume(String queueName) {
        QueueState q = queue(queueName);
        synchronized (q) {
            q.paused = false;
            q.pauseChange = null;
        }
        q.wakeAll();
    }

    @Override
    public Map<String, QueueChange> pauseChanges(Set<String> queueNames) {
        Map<String, QueueChange> changes = new java.util.HashMap<>();
        for (String name : queueNames) {
            QueueState q = queues.get(name);
            if (q != null) {
                synchronized (q) {
                    if (q.paused && q.pauseChange != null) {
                        changes.put(name, q.pauseChange);
                    }
                }
            }
        }
        return changes;
    }

    @Override
    public boolean isPaused(String queueName) {
        return queue(queueName).paused;
    }

    @Override
    public Set<String> queues() {
        return new TreeSet<>(queues.keySet());
    }

    @Override
    public JobCounts counts(String queueName) {
        AtomicLong[] inState = queue(queueName).inState;
        return new JobCounts(inState[JobState.WAITING.ordinal()].get(), inState[JobState.DELAYED.ordinal()].get(),
                inState[JobState.ACTIVE.ordinal()].get(), inState[JobState.COMPLETED.ordinal()].get(),
                inState[JobState.FAILED.ordinal()].get());
    }

    @Override
    public Optional<Instant> oldestWaitingSince(String queueName) {
        QueueState q = queues.get(queueName);
        if (q == null) {
            return Optional.empty();
        }
        // A job became ready at its availableAt (enqueued, its delay or backoff over, retried).
        return q.ready.firstOfEachPriority().stream().map(job -> {
            synchronized (job) {
                return job.availableAt;
            }
        }).min(Comparator.naturalOrder());
    }

    @Override
    public List<JobRecord> jobs(String queueName, JobState state, int offset, int limit) {
        return listed(queueName, state, Long.MAX_VALUE).skip(offset).limit(limit).map(Job::toRecord).toList();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A position is {@code s} and the enqueue sequence number of the page's last job: jobs are listed
     * in the order they were enqueued, newest first. Every job held is read either way, as for
     * {@link #jobs}: what a position saves here is the order, not the reading.
     */
    @Override
    public JobPage jobsAfter(String queueName, JobState state, Optional<String> after, int limit) {
        long before = after.map(MemoryJobQueue::sequenceOf).orElse(Long.MAX_VALUE);
        List<Job> page = listed(queueName, state, before).limit(limit).toList();
        return new JobPage(page.stream().map(Job::toRecord).toList(), page.size() < limit || page.isEmpty()
                ? Optional.empty() : Optional.of("s" + page.get(page.size() - 1).seq));
    }

    /** The queue's jobs in a state enqueued before a sequence number, newest first. */
    private java.util.stream.Stream<Job> listed(String queueName, JobState state, long before) {
        return queue(queueName).jobs.values().stream()
                .filter(job -> job.seq < before && job.state == state)
                .sorted(Comparator.comparingLong((Job j) -> j.seq).reversed());
    }

    private static long sequenceOf(String position) {
        try {
            if (position.startsWith("s")) {
                return Long.parseLong(position.substring(1));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("NVENT-0466 '" + position + "' is no position in a job list of the"
                + " memory queue (s and a job's sequence number, as a page's next gave it); list the first page again");
    }

    @Override
    public Optional<JobRecord> job(String queueName, String jobId) {
        return Optional.ofNullable(queue(queueName).jobs.get(jobId)).map(Job::toRecord);
    }

    @Override
    public boolean retry(String queueName, String jobId) {
        Job job = queue(queueName).jobs.get(jobId);
        if (job == null) {
            return false;
        }
        synchronized (job) {
            if (job.state != JobState.FAILED) {
                return false;
            }
            job.attemptBase = job.failed.length;
            job.availableAt = clock.instant();
            job.moveTo(JobState.WAITING);
        }
        job.queue.offer(job);
        return true;
    }

    @Override
    public int redrive(String queueName) {
        List<String> failed = queue(queueName).jobs.values().stream().filter(j -> j.state == JobState.FAILED)
                .map(j -> j.request.jobId()).toList();
        return (int) failed.stream().filter(id -> retry(queueName, id)).count();
    }

    @Override
    public boolean discard(String queueName, String jobId) {
        QueueState queue = queue(queueName);
        Job job = queue.jobs.get(jobId);
        if (job == null) {
            return false;
        }
        synchronized (job) {
            // Removed under the job's lock, which a retry takes too: a job is either retried or gone.
            if (job.state != JobState.FAILED || !queue.jobs.remove(jobId, job)) {
                return false;
            }
            queue.inState[JobState.FAILED.ordinal()].decrementAndGet();
        }
        return true;
    }

    /**
     * Stops the workers (interrupting running attempts) and the timer; jobs stay in memory. An attempt
     * the interrupt ends counts as no attempt: its job waits again, and its handler hears nothing.
     */
    @PreDestroy
    @Override
    public void close() {
        queues.values().forEach(QueueState::stop);
        timer.close();
    }

    /** Forgets every job and handler, stopping their workers (tests and benchmarks). */
    public void clear() {
        queues.values().forEach(QueueState::stop);
        queues.clear();
    }
}

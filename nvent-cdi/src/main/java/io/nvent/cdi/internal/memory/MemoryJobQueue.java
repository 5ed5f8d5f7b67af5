package io.nvent.cdi.internal.memory;

import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.Worker;
import io.nvent.spi.Adapter;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The zero-setup queue: jobs in memory (lost on restart), with the full queue contract — delays,
 * priorities, per-queue concurrency, retries with backoff, attempt timeouts, a dead-letter state,
 * pause/resume and job records. When a JTA transaction is active, jobs are enqueued only when it
 * commits.
 */
@ApplicationScoped
@Adapter("memory")
public class MemoryJobQueue implements JobQueue {

    private static final System.Logger LOG = System.getLogger(MemoryJobQueue.class.getName());
    /** Completed job records kept per queue for the inspector; older ones are forgotten. */
    private static final int KEEP_COMPLETED = 1000;

    private final Map<String, QueueState> queues = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private Clock clock;
    private ThreadFactory threadFactory;
    private ScheduledExecutorService timer;
    private ExecutorService workers;

    /** For CDI. */
    protected MemoryJobQueue() {
    }

    @Inject
    public MemoryJobQueue(Clock clock, @Worker ThreadFactory threadFactory) {
        this.clock = clock;
        this.threadFactory = threadFactory;
    }

    private synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(Threads.daemonThreads("nvent-queue-timer"));
        }
        return timer;
    }

    private synchronized ExecutorService workers() {
        if (workers == null) {
            workers = Executors.newCachedThreadPool(threadFactory);
        }
        return workers;
    }

    private final class Job {
        final JobRequest request;
        final long seq = sequence.incrementAndGet();
        final Instant createdAt;
        final List<JobAttempt> attempts = new ArrayList<>();
        JobState state;
        Instant availableAt;
        int attemptBase;
        long token;
        Future<?> running;
        ScheduledFuture<?> timeout;

        Job(JobRequest request, Instant now) {
            this.request = request;
            this.createdAt = now;
            this.availableAt = now.plus(request.delay());
        }

        int attemptsInRound() {
            return attempts.size() - attemptBase;
        }

        JobRecord toRecord(String queue) {
            return new JobRecord(queue, request.jobId(), request.name(), state, request.payload(),
                    request.retry().maxAttempts(), createdAt, availableAt, attempts);
        }
    }

    private final class QueueState {
        final String name;
        final Map<String, Job> jobs = new LinkedHashMap<>();
        final PriorityQueue<Job> ready = new PriorityQueue<>(Comparator
                .comparingInt((Job j) -> -j.request.priority())
                .thenComparingLong(j -> j.seq));
        final Deque<String> completed = new ArrayDeque<>();
        /** Jobs per state; completed ones stay counted after their records are pruned. */
        final long[] inState = new long[JobState.values().length];
        JobHandler handler;
        int concurrency = 1;
        int active;
        boolean paused;

        QueueState(String name) {
            this.name = name;
        }
    }

    private QueueState queue(String name) {
        return queues.computeIfAbsent(name, QueueState::new);
    }

    @Override
    public void enqueue(JobRequest request) {
        MemoryTransactions.afterCommit(() -> add(request));
    }

    private void add(JobRequest request) {
        QueueState q = queue(request.queue());
        synchronized (q) {
            if (q.jobs.containsKey(request.jobId())) {
                return;
            }
            Job job = new Job(request, clock.instant());
            q.jobs.put(request.jobId(), job);
            if (request.delay().isZero()) {
                makeReady(q, job);
            } else {
                delay(q, job, request.delay());
            }
        }
        drain(q);
    }

    /** Changes a job's state and the queue's per-state counts; called holding the queue's lock. */
    private static void setState(QueueState q, Job job, JobState state) {
        if (job.state != null) {
            q.inState[job.state.ordinal()]--;
        }
        q.inState[state.ordinal()]++;
        job.state = state;
    }

    private void makeReady(QueueState q, Job job) {
        setState(q, job, JobState.WAITING);
        q.ready.add(job);
    }

    private void delay(QueueState q, Job job, Duration delay) {
        setState(q, job, JobState.DELAYED);
        job.availableAt = clock.instant().plus(delay);
        long token = job.token;
        timer().schedule(() -> {
            synchronized (q) {
                if (job.state != JobState.DELAYED || job.token != token) {
                    return;
                }
                makeReady(q, job);
            }
            drain(q);
        }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    /** Starts as many attempts as the queue's concurrency allows. */
    private void drain(QueueState q) {
        synchronized (q) {
            while (!q.paused && q.handler != null && q.active < q.concurrency && !q.ready.isEmpty()) {
                Job job = q.ready.poll();
                q.active++;
                setState(q, job, JobState.ACTIVE);
                job.token++;
                int attempt = job.attemptsInRound() + 1;
                job.attempts.add(new JobAttempt(attempt, clock.instant(), Optional.empty(), Optional.empty()));
                JobExecution execution = new JobExecution(q.name, job.request.jobId(), job.request.name(),
                        job.request.payload(), attempt, job.request.retry().maxAttempts());
                long token = job.token;
                JobHandler handler = q.handler;
                job.running = workers().submit(() -> run(q, job, token, execution, handler));
                job.timeout = timer().schedule(() -> timedOut(q, job, token, execution, handler),
                        job.request.timeout().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void run(QueueState q, Job job, long token, JobExecution execution, JobHandler handler) {
        Throwable failure = null;
        try {
            handler.handle(execution);
        } catch (Exception | Error e) {
            failure = e;
        }
        boolean current;
        synchronized (q) {
            q.active--;
            current = job.token == token && job.state == JobState.ACTIVE;
            if (current && failure == null) {
                job.timeout.cancel(false);
                endAttempt(job, Optional.empty());
                setState(q, job, JobState.COMPLETED);
                q.completed.addLast(job.request.jobId());
                while (q.completed.size() > KEEP_COMPLETED) {
                    q.jobs.remove(q.completed.removeFirst());
                }
            }
        }
        if (current && failure != null) {
            job.timeout.cancel(false);
            fail(q, job, token, execution, handler, failure);
        }
        drain(q);
    }

    private void timedOut(QueueState q, Job job, long token, JobExecution execution, JobHandler handler) {
        synchronized (q) {
            if (job.token != token || job.state != JobState.ACTIVE) {
                return;
            }
        }
        Future<?> running = job.running;
        // Fail the attempt first, so the interrupted handler's own exception is ignored as stale.
        fail(q, job, token, execution, handler, new TimeoutException("job " + execution.jobId() + " attempt "
                + execution.attempt() + " exceeded its timeout of " + job.request.timeout().toMillis() + " ms"));
        running.cancel(true);
    }

    private void fail(QueueState q, Job job, long token, JobExecution execution, JobHandler handler, Throwable error) {
        Optional<Instant> nextAttemptAt;
        Duration backoff = Duration.ZERO;
        synchronized (q) {
            if (job.token != token || job.state != JobState.ACTIVE) {
                return;
            }
            job.token++;
            endAttempt(job, Optional.of(describe(error)));
            if (execution.attempt() < execution.maxAttempts()) {
                backoff = job.request.retry().delayBefore(execution.attempt() + 1);
                nextAttemptAt = Optional.of(clock.instant().plus(backoff));
                setState(q, job, JobState.DELAYED);
                job.availableAt = nextAttemptAt.get();
            } else {
                nextAttemptAt = Optional.empty();
                setState(q, job, JobState.FAILED);
            }
        }
        // Report before the retry can start, so the handler records attempt n before attempt n+1.
        try {
            handler.onAttemptFailed(execution, error, nextAttemptAt);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0501 failure handler of queue " + q.name + " failed", e);
        }
        if (nextAttemptAt.isPresent()) {
            synchronized (q) {
                if (job.state == JobState.DELAYED) {
                    delay(q, job, backoff);
                }
            }
        }
    }

    private void endAttempt(Job job, Optional<String> error) {
        JobAttempt last = job.attempts.get(job.attempts.size() - 1);
        job.attempts.set(job.attempts.size() - 1,
                new JobAttempt(last.attempt(), last.startedAt(), Optional.of(clock.instant()), error));
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

    @Override
    public void registerWorker(String queueName, int concurrency, JobHandler handler) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency of queue '" + queueName + "' must be >= 1, was "
                    + concurrency);
        }
        QueueState q = queue(queueName);
        synchronized (q) {
            q.handler = handler;
            q.concurrency = concurrency;
        }
        drain(q);
    }

    @Override
    public void pause(String queueName) {
        QueueState q = queue(queueName);
        synchronized (q) {
            q.paused = true;
        }
    }

    @Override
    public void resume(String queueName) {
        QueueState q = queue(queueName);
        synchronized (q) {
            q.paused = false;
        }
        drain(q);
    }

    @Override
    public boolean isPaused(String queueName) {
        QueueState q = queue(queueName);
        synchronized (q) {
            return q.paused;
        }
    }

    @Override
    public Set<String> queues() {
        return new TreeSet<>(queues.keySet());
    }

    @Override
    public JobCounts counts(String queueName) {
        QueueState q = queue(queueName);
        long[] counts;
        synchronized (q) {
            counts = q.inState.clone();
        }
        return new JobCounts(counts[JobState.WAITING.ordinal()], counts[JobState.DELAYED.ordinal()],
                counts[JobState.ACTIVE.ordinal()], counts[JobState.COMPLETED.ordinal()],
                counts[JobState.FAILED.ordinal()]);
    }

    @Override
    public List<JobRecord> jobs(String queueName, JobState state, int offset, int limit) {
        QueueState q = queue(queueName);
        synchronized (q) {
            return q.jobs.values().stream()
                    .filter(job -> job.state == state)
                    .sorted(Comparator.comparingLong((Job j) -> j.seq).reversed())
                    .skip(offset)
                    .limit(limit)
                    .map(job -> job.toRecord(queueName))
                    .toList();
        }
    }

    @Override
    public Optional<JobRecord> job(String queueName, String jobId) {
        QueueState q = queue(queueName);
        synchronized (q) {
            return Optional.ofNullable(q.jobs.get(jobId)).map(job -> job.toRecord(queueName));
        }
    }

    @Override
    public boolean retry(String queueName, String jobId) {
        QueueState q = queue(queueName);
        synchronized (q) {
            Job job = q.jobs.get(jobId);
            if (job == null || job.state != JobState.FAILED) {
                return false;
            }
            job.attemptBase = job.attempts.size();
            job.availableAt = clock.instant();
            makeReady(q, job);
        }
        drain(q);
        return true;
    }

    @Override
    public int redrive(String queueName) {
        List<String> failed;
        QueueState q = queue(queueName);
        synchronized (q) {
            failed = q.jobs.values().stream().filter(j -> j.state == JobState.FAILED)
                    .map(j -> j.request.jobId()).toList();
        }
        return (int) failed.stream().filter(id -> retry(queueName, id)).count();
    }

    @PreDestroy
    @Override
    public synchronized void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        workers = null;
        timer = null;
    }

    /** Forgets every job and handler (tests and benchmarks). */
    public void clear() {
        queues.clear();
    }
}

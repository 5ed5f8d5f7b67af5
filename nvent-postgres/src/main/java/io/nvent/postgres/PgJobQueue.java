package io.nvent.postgres;

import io.nvent.postgres.internal.Enqueuer;
import io.nvent.postgres.internal.Jdbc;
import io.nvent.postgres.internal.JobStore;
import io.nvent.postgres.internal.Lease;
import io.nvent.postgres.internal.NewJob;
import io.nvent.postgres.internal.NotificationListener;
import io.nvent.postgres.internal.QueueSql;
import io.nvent.postgres.internal.QueueWorker;
import io.nvent.postgres.internal.Schema;
import io.nvent.postgres.internal.Wakeups;
import io.nvent.postgres.internal.WorkerContext;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.QueueChange;
import io.nvent.spi.RateLimit;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * {@link JobQueue} on PostgreSQL: durable jobs, shared by every instance on the same database.
 *
 * <p>How it works:
 * <ul>
 *   <li>A job is a row of {@code <prefix>job}, unique per (queue, job id): enqueue is an
 *       {@code INSERT ... ON CONFLICT DO NOTHING}, so a known id is ignored for as long as the row
 *       is kept ({@link PgQueueOptions#completedRetention()} after completion). Enqueues from
 *       concurrent callers outside a JTA transaction are grouped into one insert and one commit.</li>
 *   <li>Each queue with a worker on this instance has a pump thread that claims available jobs
 *       with {@code FOR UPDATE SKIP LOCKED}, as many as there are free worker slots, highest
 *       priority first, and marks them ACTIVE with a lease ({@code locked_by},
 *       {@code locked_until}). The same statement records the attempts completed since the last
 *       round, so a completion costs a fraction of one update.</li>
 *   <li>Wake-ups: enqueues {@code NOTIFY} the channel {@code <prefix>jobs}; one listener connection
 *       per instance wakes the idle pumps within milliseconds, and arms a timer for jobs due later.
 *       A fallback poll ({@link PgQueueOptions#pollInterval()}) covers lost notifications.</li>
 *   <li>Leases of running attempts are renewed every third of
 *       {@link PgQueueOptions#leaseDuration()}. Every instance hands jobs whose lease ran out back to
 *       their queue, so the jobs of a crashed instance run again elsewhere (the lost attempt does
 *       not count against the job's attempts).</li>
 *   <li>A failed attempt is retried after {@link io.nvent.RetryPolicy#delayBefore} or, after the
 *       last one, held as FAILED with its attempt history (a JSON column) and last error. An
 *       attempt exceeding its timeout is interrupted and fails with a
 *       {@link java.util.concurrent.TimeoutException}.</li>
 *   <li>Pause is a row of {@code <prefix>queue}, checked by every claim: it holds for all instances
 *       and across restarts.</li>
 * </ul>
 *
 * <p><b>Transactions.</b> With a container-managed (JTA) data source and
 * {@link PgQueueOptions#transactions()} set, an enqueue inside a JTA transaction inserts on the
 * caller's enlisted connection: the job exists only if the transaction commits, and the wake-up is
 * sent after the commit. Outside a transaction an enqueue returns once its job is committed.
 * Workers never run inside a JTA transaction.
 *
 * <p>Instances must have clocks in sync (NTP) to well below the lease duration: due times and
 * leases are written with this instance's clock and compared with others'.
 *
 * @since 0.1
 */
public final class PgJobQueue implements JobQueue {

    private static final System.Logger LOG = ExitSafeLogger.of(PgJobQueue.class);
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    /** How long {@link #close()} waits for the handlers it interrupted to return before it hands their jobs back. */
    private static final Duration HAND_BACK_PATIENCE = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final Clock clock;
    private final PgQueueOptions options;
    private final String instanceId;
    private final JobStore store;
    private final ScheduledThreadPoolExecutor timer;
    private final ScheduledThreadPoolExecutor maintenance;
    private final Enqueuer enqueuer;
    private final NotificationListener listener;
    private final WorkerContext context;
    private final Map<String, QueueWorker> workers = new ConcurrentHashMap<>();
    /** Rate limits set, also for queues whose workers are not registered yet. */
    private final Map<String, RateLimit> rateLimits = new ConcurrentHashMap<>();
    /** {@link #close()} began: no claims, no maintenance, but the queue still takes enqueues. */
    private volatile boolean closing;
    /** The workers stopped (or the shutdown grace ran out): enqueues are refused. */
    private volatile boolean closed;
    /** Whether the last renewal of this instance's leases failed. */
    private volatile boolean renewalsBehind;

    /**
     * Who paused a queue paused before this version kept who ({@link #pauseChanges}: its row, written by a release
     * before 0.2, names nobody): not a pause in code by nobody, but one whose author was not recorded. Its time is
     * the row's last change, the pause as that release wrote it: a pause of the queue paused already keeps it.
     *
     * @since 0.2
     */
    public static final String PAUSED_BEFORE_WHO_WAS_RECORDED = "unknown (paused before this version recorded who)";

    /** A queue with {@link PgQueueOptions#DEFAULTS}. */
    public PgJobQueue(DataSource dataSource, ThreadFactory threadFactory, Clock clock) {
        this(dataSource, threadFactory, clock, PgQueueOptions.DEFAULTS);
    }

    /**
     * A queue. Creates its tables if absent (unless {@link PgQueueOptions#createSchema()} is off)
     * and starts listening for wake-ups; workers start with {@link #registerWorker}.
     *
     * @param dataSource connections to PostgreSQL; pooled (the queue borrows a connection per
     *     operation and keeps one per queue with workers, one for grouped enqueues and one for LISTEN)
     * @param threadFactory makes every thread of the queue (in a container: a
     *     {@code ManagedThreadFactory})
     * @param clock time of due dates, leases and attempt records
     * @param options settings
     * @throws PgQueueException if the schema cannot be created
     */
    public PgJobQueue(DataSource dataSource, ThreadFactory threadFactory, Clock clock, PgQueueOptions options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(threadFactory, "threadFactory");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
        this.instanceId = options.instanceId().orElseGet(PgJobQueue::defaultInstanceId);
        QueueSql sql = new QueueSql(options.tablePrefix());
        this.store = new JobStore(dataSource, sql);
        if (options.createSchema()) {
            Jdbc.withConnection(dataSource, "NVENT-0830 could not create the queue tables with prefix "
                    + options.tablePrefix(), c -> {
                        Schema.create(c, "queue-schema.sql", options.tablePrefix());
                        return null;
                    });
        }
        if (options.instanceId().isPresent()) {
            Set<String> queues = store.requeueOwn(instanceId, clock.instant());
            if (!queues.isEmpty()) {
                LOG.log(Level.INFO, "NVENT-0817 jobs that " + instanceId + " was running before it restarted are handed "
                        + "back to queue(s) " + queues);
            }
        }
        this.timer = new ScheduledThreadPoolExecutor(1, threadFactory);
        this.timer.setRemoveOnCancelPolicy(true);
        this.maintenance = new ScheduledThreadPoolExecutor(1, threadFactory);
        this.enqueuer = new Enqueuer(dataSource, store, threadFactory, options.maxEnqueueBatch(),
                wakeup -> wakeLocal(wakeup.queue(), wakeup.value(), wakeup.priority()));
        this.context = new WorkerContext(dataSource, store, clock, threadFactory, timer, maintenance, instanceId,
                options.leaseDuration(), options.pollInterval(), !options.durableClaims(), options.prefetch(),
                options.maxErrorLength(),
                (queue, due) -> enqueuer.wake(queue, due, Wakeups.RESCAN), this::enqueueContinuation);
        this.listener = new NotificationListener(dataSource, sql.channel,
                "instances notice new work only by polling (nvent.queue.postgres.poll-interval)", threadFactory, c -> caughtUp(),
                (c, payload) -> onNotification(payload), () -> { }, clock);
        long renew = Math.max(100, options.leaseDuration().toMillis() / 3);
        maintenance.scheduleWithFixedDelay(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS);
        long poll = options.pollInterval().toMillis();
        maintenance.scheduleWithFixedDelay(this::requeueExpired, poll, poll, TimeUnit.MILLISECONDS);
        maintenance.scheduleWithFixedDelay(this::purgeCompleted, PURGE_INTERVAL.toMillis(), PURGE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.log(Level.DEBUG, () -> "queue instance " + instanceId + " on tables " + options.tablePrefix() + "*");
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException | SecurityException e) {
            host = "host";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Whether this instance receives wake-up notifications right now (for health checks); while it
     * does not, idle workers notice new jobs only by the fallback poll.
     */
    public boolean isListening() {
        return listener.isConnected();
    }

    /** This instance's name in leases ({@code locked_by}). */
    public String instanceId() {
        return instanceId;
    }

    // ---------------------------------------------------------------- enqueue

    @Override
    public void enqueue(JobRequest request) {
        requireOpen();
        NewJob job = newJob(request);
        Optional<TransactionSynchronizationRegistry> transaction = activeTransaction();
        if (transaction.isPresent()) {
            insertNow(job);
            // The job becomes visible at commit; wake workers then, not before (and not on rollback).
            transaction.get().registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED && !closed) {
                        enqueuer.wake(request.queue(), job.availableMillis(), request.priority());
                    }
                }
            });
        } else if (options.batchEnqueue()) {
            enqueuer.enqueue(job);
        } else {
            insertNow(job);
            enqueuer.wake(request.queue(), job.availableMillis(), request.priority());
        }
    }

    /** Outside a JTA transaction, with grouped enqueues: joins the next group without waiting for its commit. */
    @Override
    public CompletionStage<Void> enqueueAsync(JobRequest request) {
        if (activeTransaction().isPresent() || !options.batchEnqueue()) {
            return JobQueue.super.enqueueAsync(request);
        }
        requireOpen();
        return enqueuer.submit(newJob(request));
    }

    /**
     * Runs the job in the calling worker's slot once its attempt ends, when the thread runs a job of
     * the same queue here; see {@link JobQueue#continueWith}. A continuation has a row only once it
     * ended: completed ones are inserted with the next round of their queue's worker, failed ones
     * at once.
     */
    @Override
    public boolean continueWith(JobRequest next) {
        QueueWorker worker = workers.get(next.queue());
        return worker != null && !closed && worker.offerContinuation(next);
    }

    /** A continuation that cannot run in its slot after all (pause, shutdown): into the queue. */
    private void enqueueContinuation(JobRequest request) {
        try {
            enqueueAsync(request).whenComplete((done, failure) -> {
                if (failure != null) {
                    logLostContinuation(request, failure);
                }
            });
        } catch (RuntimeException e) {
            logLostContinuation(request, e);
        }
    }

    private static void logLostContinuation(JobRequest request, Throwable failure) {
        LOG.log(Level.WARNING, "NVENT-0818 could not enqueue job " + request.jobId() + " of queue " + request.queue()
                + ", which was to continue in a worker slot; its owner enqueues it again: " + failure);
    }

    private Optional<TransactionSynchronizationRegistry> activeTransaction() {
        return options.transactions().filter(registry -> registry.getTransactionKey() != null);
    }

    private NewJob newJob(JobRequest request) {
        Instant now = clock.instant();
        return new NewJob(request, Jdbc.micros(now), Jdbc.micros(now.plus(request.delay())));
    }

    /** Inserts on a connection of the data source: inside JTA the caller's enlisted one. */
    private void insertNow(NewJob job) {
        Jdbc.withConnection(dataSource, "NVENT-0810 could not enqueue job " + job.request().jobId() + " of queue "
                + job.request().queue(), c -> {
                    store.insert(c, List.of(job));
                    return null;
                });
    }

    // ---------------------------------------------------------------- workers

    @Override
    public Optional<String> problem() {
        return workers.values().stream().map(QueueWorker::problem).flatMap(Optional::stream).findFirst();
    }

    @Override
    public void registerWorker(String queue, int concurrency, JobHandler handler) {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(handler, "handler");
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency of queue '" + queue + "' must be >= 0, was " + concurrency);
        }
        if (closing) {
            throw new IllegalStateException("the PostgreSQL job queue " + instanceId + " is closing: it starts no workers");
        }
        store.knowQueue(queue);
        if (concurrency == 0) {
            // As the memory and JMS queues do: engines of one process sharing this adapter each take their own
            // queues, whichever starts first; one that leaves a queue must not stop, nor fail on, the other's workers.
            if (workers.containsKey(queue)) {
                LOG.log(Level.INFO, "NVENT-0852 queue " + queue + " keeps the workers registered before on instance "
                        + instanceId + ": a registration without workers (concurrency 0) leaves them running");
                return;
            }
            LOG.log(Level.INFO, "NVENT-0851 no workers of queue " + queue + " on instance " + instanceId
                    + " (concurrency 0): its jobs wait for the instances that take it");
            return;
        }
        startWorkers(queue, concurrency, handler);
        LOG.log(Level.DEBUG, () -> "workers of queue " + queue + " started, concurrency " + concurrency);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Claims nothing until {@link #resizeWorkers} gives the queue workers: not one job of it runs here before.
     */
    @Override
    public void registerIdleWorker(String queue, JobHandler handler) {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(handler, "handler");
        if (closing) {
            throw new IllegalStateException("the PostgreSQL job queue " + instanceId + " is closing: it starts no workers");
        }
        store.knowQueue(queue);
        startWorkers(queue, 0, handler);
        LOG.log(Level.INFO, "NVENT-0836 queue " + queue + " is taken on instance " + instanceId + " with no worker:"
                + " its workers are set to 0 at run time; its jobs wait until they are set above 0 or removed");
    }

    private void startWorkers(String queue, int concurrency, JobHandler handler) {
        boolean paused = store.isPaused(queue);
        workers.compute(queue, (name, existing) -> {
            if (existing == null) {
                return new QueueWorker(name, concurrency, handler, paused, Optional.ofNullable(rateLimits.get(name)),
                        context);
            }
            existing.update(concurrency, handler);
            return existing;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>The prefetch follows the new concurrency ({@link PgQueueOptions}); with 0 the jobs claimed ahead
     * are handed back at once.
     */
    @Override
    public void resizeWorkers(String queue, int workers) {
        Objects.requireNonNull(queue, "queue");
        if (workers < 0) {
            throw new IllegalArgumentException("workers of queue '" + queue + "' must be >= 0, was " + workers);
        }
        QueueWorker worker = this.workers.get(queue);
        if (worker != null) {
            worker.resize(workers);
            LOG.log(Level.INFO, "NVENT-0837 queue " + queue + " runs at most " + workers + " attempts at once on"
                    + " instance " + instanceId + " from now on");
        }
    }

    @Override
    public boolean resizesWorkers() {
        return true;
    }

    @Override
    public void limitRate(String queue, Optional<RateLimit> limit) {
        Objects.requireNonNull(queue, "queue");
        // Kept for a worker registered later; applied in the same compute as a registration, so
        // that neither misses the other.
        workers.compute(queue, (name, existing) -> {
            limit.ifPresentOrElse(l -> rateLimits.put(name, l), () -> rateLimits.remove(name));
            if (existing != null) {
                existing.limitRate(limit);
            }
            return existing;
        });
    }

    @Override
    public Optional<RateLimit> rateLimit(String queue) {
        return Optional.ofNullable(rateLimits.get(queue));
    }

    @Override
    public Duration untilRateLimitAllows(String queue) {
        QueueWorker worker = workers.get(queue);
        return worker == null ? Duration.ZERO : worker.untilRateLimitAllows();
    }

    /** {@inheritDoc} <p>Made by code on this instance ({@link PgQueueOptions#instanceId()}). */
    @Override
    public void pause(String queue) {
        pause(queue, QueueChange.inCode(instanceId, clock.instant()));
    }

    /** {@inheritDoc} <p>Kept in the queue's row, for every instance. */
    @Override
    public void pause(String queue, QueueChange change) {
        Objects.requireNonNull(change, "change");
        requireOpen();
        store.setPaused(queue, Optional.of(change), Wakeups.paused(queue, true));
        Optional.ofNullable(workers.get(queue)).ifPresent(w -> w.setPaused(true));
    }

    /**
     * {@inheritDoc} <p>One read of the queue table, whatever the number of queues; a pause written in SQL is by
     * {@code sql as <role>} since the row changed, one from before this version kept who by
     * {@value #PAUSED_BEFORE_WHO_WAS_RECORDED} since its row's last change.
     */
    @Override
    public Map<String, QueueChange> pauseChanges(Set<String> queues) {
        return store.pauseChanges(queues);
    }

    @Override
    public void resume(String queue) {
        requireOpen();
        store.setPaused(queue, Optional.empty(), Wakeups.paused(queue, false));
        Optional.ofNullable(workers.get(queue)).ifPresent(w -> w.setPaused(false));
    }

    @Override
    public boolean isPaused(String queue) {
        return store.isPaused(queue);
    }

    /** {@inheritDoc} <p>One read of the queue table, whatever the number of queues. */
    @Override
    public Set<String> pausedQueues(Set<String> queues) {
        return store.pausedAmong(queues);
    }

    // ---------------------------------------------------------------- inspection

    /**
     * {@inheritDoc}
     *
     * <p>The instances holding an unexpired lease on one of its jobs, by their ids
     * ({@link PgQueueOptions#instanceId()}).
     */
    @Override
    public Optional<Set<String>> instancesRunning(String queue) {
        return Optional.of(store.instancesRunning(queue, clock.instant()));
    }

    @Override
    public Set<String> queues() {
        return store.queues();
    }

    /**
     * {@inheritDoc}
     *
     * <p>From the counter rows; for a queue with workers here, this instance's jobs claimed ahead
     * that have not started count as waiting and its completions not recorded yet as completed, so
     * {@code active} counts the attempts executing now (see {@link QueueWorker#counts}).
     */
    @Override
    public JobCounts counts(String queue) {
        Instant now = clock.instant();
        QueueWorker worker = workers.get(queue);
        return worker == null ? store.counts(queue, now) : worker.counts(() -> store.counts(queue, now));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One query through the claim and due indexes (a step per priority in use), not a read of
     * the backlog.
     */
    @Override
    public Optional<Instant> oldestWaitingSince(String queue) {
        return store.oldestWaitingSince(queue, clock.instant());
    }

    @Override
    public List<JobRecord> jobs(String queue, JobState state, int offset, int limit) {
        return store.jobs(queue, state, offset, limit, clock.instant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>A position is {@code i} and the row id of the page's last job: jobs are listed by row id, newest
     * first, as {@link #jobs} lists them, and a page reads an index (the primary key, or the failed jobs'
     * index for dead letters) from that id down, as the first page does from the newest, however deep it is.
     */
    @Override
    public JobPage jobsAfter(String queue, JobState state, Optional<String> after, int limit) {
        OptionalLong before = after.map(position -> {
            try {
                if (position.startsWith("i")) {
                    return OptionalLong.of(Long.parseLong(position.substring(1)));
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new IllegalArgumentException("NVENT-0838 '" + position + "' is no position in a job list of the"
                    + " PostgreSQL queue (i and a job's row id, as a page's next gave it); list the first page again");
        }).orElse(OptionalLong.empty());
        return store.jobsBefore(queue, state, before, limit, clock.instant());
    }

    @Override
    public Optional<JobRecord> job(String queue, String jobId) {
        return store.job(queue, jobId, clock.instant());
    }

    // ---------------------------------------------------------------- dead letters

    @Override
    public boolean retry(String queue, String jobId) {
        requireOpen();
        boolean retried = store.retry(queue, jobId, clock.instant());
        if (retried) {
            enqueuer.wake(queue, clock.millis(), Wakeups.RESCAN);
        }
        return retried;
    }

    @Override
    public int redrive(String queue) {
        requireOpen();
        int retried = store.redrive(queue, clock.instant());
        if (retried > 0) {
            enqueuer.wake(queue, clock.millis(), Wakeups.RESCAN);
        }
        return retried;
    }

    @Override
    public boolean discard(String queue, String jobId) {
        requireOpen();
        return store.discard(queue, jobId);
    }

    // ---------------------------------------------------------------- wake-ups and maintenance

    private void onNotification(String payload) {
        Wakeups.parse(payload).ifPresent(wakeup -> {
            switch (wakeup.kind()) {
                case 'j' -> wakeLocal(wakeup.queue(), wakeup.value(), wakeup.priority());
                case 'p' -> Optional.ofNullable(workers.get(wakeup.queue()))
                        .ifPresent(w -> followPauseRow(w, wakeup.value() == 1));
                default -> LOG.log(Level.DEBUG, () -> "unknown notification " + payload);
            }
        });
    }

    /**
     * Jobs of a queue became available; the earliest is due at an epoch-millisecond time.
     *
     * @param priority highest priority among them, {@link Wakeups#RESCAN} if they are not new jobs
     */
    private void wakeLocal(String queue, long dueMillis, int priority) {
        QueueWorker worker = workers.get(queue);
        if (worker == null) {
            return;
        }
        if (dueMillis <= clock.millis()) {
            worker.signal(true, priority);
        } else {
            worker.wakeAt(Instant.ofEpochMilli(dueMillis));
        }
    }

    /**
     * A pause or resume of a queue with workers here was notified: the workers follow the queue's row as it is now,
     * not the notification's flag, which may be old. The listener delivers notifications late when it falls behind
     * (a loaded machine), and a pause notified before a resume this instance made at once would pause its workers
     * again after the resume, handing back the jobs they had claimed and prepared, until the resume's own
     * notification came. Only if the row cannot be read does the flag count.
     */
    private void followPauseRow(QueueWorker worker, boolean notified) {
        if (!rereadPause(worker)) {
            worker.setPaused(notified);
        }
    }

    /** Sets the worker's pause as the queue's row says; false if the row could not be read. */
    private boolean rereadPause(QueueWorker worker) {
        try {
            worker.setPaused(store.isPaused(worker.queue()));
            return true;
        } catch (PgQueueException | AdapterUnavailableException e) {
            LOG.log(Level.DEBUG, () -> "could not re-read the pause state of " + worker.queue() + ": " + e);
            return false;
        }
    }

    /** The listener (re)connected: notifications may have been missed, so re-read and re-claim. */
    private void caughtUp() {
        for (QueueWorker worker : workers.values()) {
            rereadPause(worker);
            worker.signal(true, Wakeups.RESCAN);
        }
    }

    private void renewLeases() {
        List<Lease> leases = workers.values().stream().flatMap(w -> w.leases().stream()).toList();
        if (leases.isEmpty()) {
            return;
        }
        try {
            store.renew(leases, instanceId, clock.instant().plus(options.leaseDuration()));
            renewalsBehind = false;
        } catch (RuntimeException e) {
            renewalsBehind = true;
            LOG.log(Level.WARNING, "NVENT-0813 could not renew the leases of " + leases.size() + " running jobs ("
                    + e.getMessage() + "); if this lasts " + options.leaseDuration()
                    + ", other instances run them again");
        }
    }

    private void requeueExpired() {
        if (renewalsBehind) {
            // Renewals failed while the database was away: this instance's running jobs must have their
            // leases back before it looks for expired ones, or it hands them back (and out again) itself.
            renewLeases();
            if (renewalsBehind) {
                return;
            }
        }
        try {
            List<Map.Entry<String, String>> jobs = store.requeueExpired(clock.instant());
            if (jobs.isEmpty()) {
                return;
            }
            LOG.log(Level.WARNING, "NVENT-0814 " + jobs.size() + " job(s) whose lease expired are run again: "
                    + jobs.stream().limit(20).map(e -> e.getKey() + "/" + e.getValue()).collect(Collectors.joining(", ")));
            long now = clock.millis();
            for (String queue : new TreeSet<>(jobs.stream().map(Map.Entry::getKey).toList())) {
                enqueuer.wake(queue, now, Wakeups.RESCAN);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "looking for expired leases failed: " + e);
        }
    }

    private void purgeCompleted() {
        try {
            Instant before = clock.instant().minus(options.completedRetention());
            for (String queue : store.queues()) {
                int purged;
                do {
                    purged = store.purgeCompleted(queue, before);
                } while (purged >= 5000 && !closing);
                store.compactCounts(queue);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NVENT-0815 could not purge completed jobs or compact the counts: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- shutdown

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the PostgreSQL job queue " + instanceId + " is closed");
        }
    }

    /**
     * Stops claiming, waits up to {@link PgQueueOptions#shutdownGrace()} for running attempts,
     * records what completed, and hands the jobs of attempts still running back to their queue
     * (they run again, here after a restart or on another instance) once their handlers returned from
     * the interrupt, or after 2 seconds of waiting for them. Waiting and delayed jobs stay
     * in the database. An attempt the shutdown cuts short counts as no attempt, whatever it throws:
     * it is not reported to {@link JobHandler#onAttemptFailed}, takes none of the job's retries, and
     * its job runs again as the same attempt, flagged redelivered. So does one that fails on an
     * interrupt from elsewhere while this waits for it (a container stopping its threads).
     *
     * <p>While it waits for the running attempts the queue still takes enqueues: an attempt that ends
     * within the grace hands its run on to the next step by enqueueing it, and a start the engine
     * still accepts enqueues its first step. Refused then, those steps would wait for the lost-job
     * check of the next instance to start. It takes them until the handlers it interrupted returned
     * too: a continuation ({@link #continueWith}) has no row to hand back, and its owner queues it
     * again as its handler returns.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        listener.close();
        workers.values().forEach(QueueWorker::stopClaiming);
        long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
        try {
            for (QueueWorker worker : workers.values()) {
                worker.awaitIdle(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Lease> abandoned = new ArrayList<>();
        long handedBack = System.nanoTime() + HAND_BACK_PATIENCE.toNanos();
        workers.values().forEach(worker -> abandoned.addAll(worker.stop()));
        // The engine hands a step back when its handler returns: released before that, the job would be
        // claimed elsewhere while the step still runs here, its start refused there and the step left
        // for the lost-job check. Until then enqueues are taken: a step that continued in its worker has
        // no row to hand back, and the engine queues its job as it hands it back.
        workers.values().forEach(worker -> worker.awaitInterrupted(handedBack));
        // From here on enqueues are refused: what a handler still running would enqueue is found by the
        // engine's lost-job check.
        closed = true;
        timer.shutdownNow();
        maintenance.shutdown();
        try {
            maintenance.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!abandoned.isEmpty()) {
            try {
                Set<String> queues = store.releaseAtShutdown(abandoned, instanceId, clock.instant());
                LOG.log(Level.INFO, "NVENT-0816 " + abandoned.size() + " running job(s) handed back to queue(s) "
                        + queues + " at shutdown");
                queues.forEach(queue -> enqueuer.wake(queue, clock.millis(), Wakeups.RESCAN));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "NVENT-0816 could not hand back " + abandoned.size() + " running job(s) at "
                        + "shutdown; they run again when their lease expires", e);
            }
        }
        enqueuer.close();
        workers.clear();
    }
}

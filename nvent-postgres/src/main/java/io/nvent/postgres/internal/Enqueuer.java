package io.nvent.postgres.internal;

import io.nvent.NventException;
import io.nvent.postgres.PgQueueException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Group commit for enqueues outside a JTA transaction, and the sender of wake-up notifications.
 *
 * <p>Callers hand their job to one committer thread and wait. The committer takes whatever has
 * piled up while its previous insert was committing (up to a maximum) and inserts it with one
 * statement and one commit, so 16 concurrent producers cost about one commit per round instead of
 * sixteen. A caller returns only after its job is committed, so an enqueue that returned is durable.
 * The committer does nothing else between two inserts: with producers that wait for their
 * commit, the time between two WAL flushes bounds the enqueue rate.
 *
 * <p>Wake-ups go to this instance's workers at once and to the others by {@code NOTIFY}, sent by a
 * notifier thread of its own, merged per queue, in a short transaction after the insert committed,
 * never inside it: PostgreSQL serialises the commits of all notifying transactions, and holding
 * that lock during a WAL flush would serialise every enqueuer in the cluster. The notifying
 * transaction commits asynchronously (a lost wake-up costs at most one poll interval), and at most
 * one is sent every {@link #NOTIFY_INTERVAL_NANOS}.
 */
public final class Enqueuer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Enqueuer.class.getName());

    private final JobStore store;
    /** Where the jobs go; its address names the database in a failure. */
    private final DataSource dataSource;
    private final HeldConnection connection;
    private final HeldConnection notifierConnection;
    private final int maxBatch;
    private final Consumer<Wakeups.Wakeup> wakeLocal;
    private final LinkedBlockingQueue<Pending> inbox = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Wakeups.Wakeup> outbox = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final Thread notifier;
    private volatile boolean running = true;
    /**
     * Shortest time between two notifying transactions. Each one costs the server a commit and a
     * signal to every listening backend; under load they came every few ms (W2 durable-pg without them:
     * x1.12-1.17 runs/s). Only other instances wait for them (this instance's workers are woken
     * directly), so they notice new jobs up to this much later.
     */
    private static final long NOTIFY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Longest the committer waits for the callers of its previous group (see {@link #gather}). */
    private static final long GATHER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    // committer thread only: size of the previous group, and statistics for the shutdown log
    private int previousBatch = 1;
    private long inserts;
    private long inserted;
    private long insertNanos;

    private record Pending(NewJob job, CompletableFuture<Void> done) {
    }

    /**
     * @param wakeLocal told (queue, earliest due time, highest priority) when jobs of a queue became
     *     available, to wake this instance's own workers without the notification's round trip
     */
    public Enqueuer(DataSource dataSource, JobStore store, ThreadFactory threads, int maxBatch,
                    Consumer<Wakeups.Wakeup> wakeLocal) {
        this.store = store;
        this.dataSource = dataSource;
        this.connection = new HeldConnection(dataSource, false);
        this.notifierConnection = new HeldConnection(dataSource, true);
        this.maxBatch = maxBatch;
        this.wakeLocal = wakeLocal;
        this.committer = threads.newThread(this::commitLoop);
        this.notifier = threads.newThread(this::notifyLoop);
        this.committer.start();
        this.notifier.start();
    }

    /**
     * Hands a job to the next group without waiting; the future completes when the group holding
     * it has committed (or could not).
     */
    public CompletableFuture<Void> submit(NewJob job) {
        return add(job).done();
    }

    /** Inserts a job as part of the next group and waits until it is committed. */
    public void enqueue(NewJob job) {
        Pending pending = add(job);
        try {
            while (true) {
                try {
                    pending.done().get(1, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException slow) {
                    if (!committer.isAlive() && inbox.remove(pending)) {
                        throw new IllegalStateException("the queue is closed");
                    }
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new PgQueueException("NVENT-0810 could not enqueue job " + job.request().jobId(), e.getCause(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgQueueException("NVENT-0810 interrupted while enqueuing job " + job.request().jobId()
                    + " of queue " + job.request().queue() + "; it may or may not have been enqueued", e, true);
        }
    }

    private Pending add(NewJob job) {
        if (!running) {
            throw new IllegalStateException("the queue is closed");
        }
        Pending pending = new Pending(job, new CompletableFuture<>());
        inbox.add(pending);
        return pending;
    }

    /**
     * Wakes the workers of every instance for jobs that became available without this object's
     * inserts: committed by a JTA transaction, retried, handed back.
     *
     * @param priority highest priority among them, {@link Wakeups#RESCAN} if they are not new jobs
     */
    public void wake(String queue, long dueMillis, int priority) {
        Wakeups.Wakeup wakeup = new Wakeups.Wakeup('j', dueMillis, priority, queue);
        wakeLocal.accept(wakeup);
        outbox.add(wakeup);
    }

    // ---------------------------------------------------------------- committer

    private void commitLoop() {
        List<Pending> batch = new ArrayList<>();
        while (running || !inbox.isEmpty()) {
            try {
                Pending first = inbox.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                inbox.drainTo(batch, maxBatch - 1);
                gather(batch, Math.min(previousBatch, maxBatch));
                previousBatch = batch.size();
                Map<String, Wakeups.Wakeup> wakes = new LinkedHashMap<>();
                insert(batch, wakes);
                outbox.addAll(wakes.values());
            } catch (InterruptedException e) {
                running = false;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "NVENT-0811 enqueue committer failed unexpectedly", e);
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
        connection.close();
        LOG.log(Level.DEBUG, () -> inserts + " grouped inserts of " + inserted + " jobs, "
                + (inserts == 0 ? 0 : insertNanos / inserts / 1000) + " µs each");
        // Enqueues that slipped in after the last round: refuse them rather than leave them waiting.
        List<Pending> late = new ArrayList<>();
        inbox.drainTo(late);
        late.forEach(p -> p.done().completeExceptionally(new IllegalStateException("the queue is closed")));
    }

    /**
     * Waits a moment for the callers of the previous group to come back. They were all released
     * by one commit and come back within microseconds of each other, but the first to arrive
     * would otherwise start a group of its own, and the rest wait a whole round for the next:
     * groups fragment, and each one costs a WAL flush. A caller on its own (previous group of
     * one) never waits.
     */
    private void gather(List<Pending> batch, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (batch.size() < expected) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Pending next = inbox.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
            inbox.drainTo(batch, maxBatch - batch.size());
        }
    }

    private void insert(List<Pending> jobs, Map<String, Wakeups.Wakeup> wakes) {
        SQLException error = null;
        boolean connecting = false;
        // A second try on a fresh connection: pooled connections go stale. Re-inserting is safe
        // even if the first try committed after all: ids already present are skipped.
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                long started = System.nanoTime();
                connecting = true;
                Connection held = connection.get();
                connecting = false;
                store.insert(held, jobs.stream().map(Pending::job).toList());
                insertNanos += System.nanoTime() - started;
                inserts++;
                inserted += jobs.size();
                error = null;
                break;
            } catch (SQLException e) {
                connection.discard();
                error = e;
                if (!Jdbc.isTransient(e)) {
                    break;
                }
            }
        }
        if (error == null) {
            Map<String, Wakeups.Wakeup> inserted = new LinkedHashMap<>();
            for (Pending pending : jobs) {
                String queue = pending.job().request().queue();
                inserted.merge(queue, new Wakeups.Wakeup('j', pending.job().availableMillis(),
                        pending.job().request().priority(), queue), Enqueuer::merge);
            }
            // This instance's workers first: the shortest path from a committed job to its start.
            inserted.values().forEach(wakeLocal);
            inserted.forEach((queue, wakeup) -> wakes.merge(queue, wakeup, Enqueuer::merge));
            jobs.forEach(pending -> pending.done().complete(null));
        } else if (jobs.size() > 1 && !Jdbc.isTransient(error)) {
            // One bad job (e.g. a NUL character PostgreSQL text refuses) must not fail its group.
            jobs.forEach(job -> insert(List.of(job), wakes));
        } else {
            NventException failure = Jdbc.failure("NVENT-0810 could not enqueue " + jobs.size() + " job(s), e.g. "
                    + jobs.get(0).job().request().jobId() + " of queue " + jobs.get(0).job().request().queue(), error,
                    dataSource, connecting);
            jobs.forEach(p -> p.done().completeExceptionally(failure));
        }
    }

    /** One wake-up for two: the earlier due time, the higher priority. */
    private static Wakeups.Wakeup merge(Wakeups.Wakeup a, Wakeups.Wakeup b) {
        return new Wakeups.Wakeup('j', Math.min(a.value(), b.value()), Math.max(a.priority(), b.priority()),
                a.queue());
    }

    // ---------------------------------------------------------------- notifier

    private void notifyLoop() {
        List<Wakeups.Wakeup> batch = new ArrayList<>();
        long lastSent = System.nanoTime() - NOTIFY_INTERVAL_NANOS;
        while (running || !outbox.isEmpty()) {
            try {
                Wakeups.Wakeup first = outbox.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // Wake-ups that come within the interval go out together, merged per queue.
                long wait = lastSent + NOTIFY_INTERVAL_NANOS - System.nanoTime();
                if (wait > 0 && running) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                outbox.drainTo(batch);
                lastSent = System.nanoTime();
                Map<String, Wakeups.Wakeup> merged = new LinkedHashMap<>();
                batch.forEach(w -> merged.merge(w.queue(), w, Enqueuer::merge));
                send(merged);
            } catch (InterruptedException e) {
                running = false;
            } finally {
                batch.clear();
            }
        }
        notifierConnection.close();
    }

    private void send(Map<String, Wakeups.Wakeup> wakes) {
        List<String> payloads = new ArrayList<>(wakes.size());
        wakes.values().forEach(w -> payloads.add(Wakeups.jobs(w.queue(), w.value(), w.priority())));
        try {
            store.notify(notifierConnection.get(), payloads);
        } catch (SQLException | RuntimeException e) {
            notifierConnection.discard();
            // Other instances still find the jobs by their fallback poll.
            LOG.log(Level.WARNING, "NVENT-0812 could not send wake-ups for queues " + wakes.keySet() + ": " + e);
        }
    }

    /** Commits what is pending, sends the last wake-ups, then stops. */
    @Override
    public void close() {
        running = false;
        try {
            committer.join(TimeUnit.SECONDS.toMillis(10));
            notifier.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

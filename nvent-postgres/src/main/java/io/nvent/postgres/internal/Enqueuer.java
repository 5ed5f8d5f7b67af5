package io.nvent.postgres.internal;

import io.nvent.postgres.PgQueueException;
import java.lang.System.Logger.Level;
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
 *
 * <p>Wake-ups ({@code NOTIFY}) are sent in a short transaction of their own after the insert
 * committed, never inside it: PostgreSQL serialises the commits of all notifying transactions,
 * and holding that lock during a WAL flush would serialise every enqueuer in the cluster. That
 * transaction commits asynchronously (no WAL flush wait).
 */
public final class Enqueuer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Enqueuer.class.getName());

    private final JobStore store;
    private final HeldConnection connection;
    private final HeldConnection notifier;
    private final int maxBatch;
    private final Consumer<Wakeups.Wakeup> onCommitted;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    // committer thread only: statistics for the shutdown log
    private long inserts;
    private long inserted;
    private long insertNanos;

    private record Pending(NewJob job, CompletableFuture<Void> done) {
    }

    /** A wake-up to send for jobs committed elsewhere (inside a JTA transaction) or available again. */
    private record Wake(Wakeups.Wakeup wakeup) {
    }

    /**
     * @param onCommitted told (queue, earliest due time, highest priority) after jobs of a queue
     *     became available, to wake this instance's own workers without waiting for the
     *     notification's round trip
     */
    public Enqueuer(DataSource dataSource, JobStore store, ThreadFactory threads, int maxBatch,
                    Consumer<Wakeups.Wakeup> onCommitted) {
        this.store = store;
        this.connection = new HeldConnection(dataSource, false);
        // A NOTIFY gets a transaction id, so its commit would wait for a WAL flush of its own; a lost
        // wake-up costs at most one poll interval, so it need not.
        this.notifier = new HeldConnection(dataSource, true);
        this.maxBatch = maxBatch;
        this.onCommitted = onCommitted;
        this.thread = threads.newThread(this::run);
        this.thread.start();
    }

    /** Inserts a job as part of the next group and waits until it is committed. */
    public void enqueue(NewJob job) {
        if (!running) {
            throw new IllegalStateException("the queue is closed");
        }
        Pending pending = new Pending(job, new CompletableFuture<>());
        inbox.add(pending);
        try {
            while (true) {
                try {
                    pending.done().get(1, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException slow) {
                    if (!thread.isAlive() && inbox.remove(pending)) {
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

    /**
     * Sends a wake-up for jobs committed by someone else (e.g. a JTA transaction) or available
     * again (retried, handed back).
     *
     * @param priority highest priority among them, {@link Wakeups#RESCAN} if they are not new jobs
     */
    public void wake(String queue, long dueMillis, int priority) {
        inbox.add(new Wake(new Wakeups.Wakeup('j', dueMillis, priority, queue)));
    }

    private void run() {
        List<Object> batch = new ArrayList<>();
        while (running || !inbox.isEmpty()) {
            try {
                Object first = inbox.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                inbox.drainTo(batch, maxBatch - 1);
                process(batch);
            } catch (InterruptedException e) {
                running = false;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "NVENT-0811 enqueue committer failed unexpectedly", e);
                batch.stream().filter(Pending.class::isInstance).map(Pending.class::cast)
                        .forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
        connection.close();
        notifier.close();
        LOG.log(Level.DEBUG, () -> inserts + " grouped inserts of " + inserted + " jobs, "
                + (inserts == 0 ? 0 : insertNanos / inserts / 1000) + " µs each");
        // Enqueues that slipped in after the last round: refuse them rather than leave them waiting.
        List<Object> late = new ArrayList<>();
        inbox.drainTo(late);
        late.stream().filter(Pending.class::isInstance).map(Pending.class::cast).forEach(p -> p.done()
                .completeExceptionally(new IllegalStateException("the queue is closed")));
    }

    private void process(List<Object> batch) {
        List<Pending> jobs = new ArrayList<>(batch.size());
        Map<String, Wakeups.Wakeup> wakes = new LinkedHashMap<>();
        for (Object item : batch) {
            if (item instanceof Pending pending) {
                jobs.add(pending);
            } else if (item instanceof Wake wake) {
                wakes.merge(wake.wakeup().queue(), wake.wakeup(), Enqueuer::merge);
            }
        }
        if (!jobs.isEmpty()) {
            insert(jobs, wakes);
        }
        if (!wakes.isEmpty()) {
            sendWakes(wakes);
        }
    }

    /** One wake-up for two: the earlier due time, the higher priority. */
    private static Wakeups.Wakeup merge(Wakeups.Wakeup a, Wakeups.Wakeup b) {
        return new Wakeups.Wakeup('j', Math.min(a.value(), b.value()), Math.max(a.priority(), b.priority()), a.queue());
    }

    private void insert(List<Pending> jobs, Map<String, Wakeups.Wakeup> wakes) {
        SQLException error = null;
        // A second try on a fresh connection: pooled connections go stale. Re-inserting is safe
        // even if the first try committed after all: ids already present are skipped.
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                long started = System.nanoTime();
                store.insert(connection.get(), jobs.stream().map(Pending::job).toList());
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
            for (Pending pending : jobs) {
                String queue = pending.job().request().queue();
                wakes.merge(queue, new Wakeups.Wakeup('j', pending.job().availableMillis(),
                        pending.job().request().priority(), queue), Enqueuer::merge);
                pending.done().complete(null);
            }
        } else if (jobs.size() > 1 && !Jdbc.isTransient(error)) {
            // One bad job (e.g. a NUL character PostgreSQL text refuses) must not fail its group.
            jobs.forEach(job -> insert(List.of(job), wakes));
        } else {
            PgQueueException failure = Jdbc.failure("NVENT-0810 could not enqueue " + jobs.size() + " job(s), e.g. "
                    + jobs.get(0).job().request().jobId() + " of queue " + jobs.get(0).job().request().queue(), error);
            jobs.forEach(p -> p.done().completeExceptionally(failure));
        }
    }

    private void sendWakes(Map<String, Wakeups.Wakeup> wakes) {
        wakes.values().forEach(onCommitted);
        List<String> payloads = new ArrayList<>(wakes.size());
        wakes.values().forEach(w -> payloads.add(Wakeups.jobs(w.queue(), w.value(), w.priority())));
        try {
            store.notify(notifier.get(), payloads);
        } catch (SQLException e) {
            notifier.discard();
            // Other instances still find the jobs by their fallback poll.
            LOG.log(Level.WARNING, "NVENT-0812 could not send wake-ups for queues " + wakes.keySet() + ": " + e);
        }
    }

    /** Commits what is pending, then stops. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

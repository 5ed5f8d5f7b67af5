package io.nvent.jpa.internal;

import io.nvent.NventException;
import io.nvent.jpa.JpaStoreOptions;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.hibernate.Session;

/**
 * Lets concurrent writers share one transaction, so that one commit (one WAL flush) makes many
 * changes durable. A writer hands its work in and blocks until the transaction holding it has
 * committed; its durability guarantee is unchanged.
 *
 * <p>Work is spread over a few committer threads by run id, so all writes of one run go through
 * one committer in the order they arrived and two committers never lock the same run (no deadlocks
 * between batches). A committer takes whatever is waiting (up to a limit), runs the pieces one
 * after the other in one transaction and commits. If anything in the batch fails — a business
 * error of one writer, a lost race, a failed commit — the batch is rolled back and every piece runs
 * again alone, so each writer gets exactly its own outcome. Work therefore must be repeatable,
 * which {@link Transactions#write} already demands.
 *
 * <p>Run creations and changes in a batch do not go through Hibernate entities: the batch locks
 * every run its pieces change with one statement up front and the pieces work on that in-memory
 * {@link RunBatch} ({@link #batch}), which is written with a few JDBC batches at the end. Every batch
 * takes this path, also one of a single piece; running alone (the fallback, and every write when
 * there are no committer threads) goes through Hibernate.
 *
 * <p>A write inside the caller's transaction (JTA) runs there, alone. With no committer threads
 * (turned off) every write runs alone in its own transaction, as {@link Transactions#write} does.
 * In a container the committers are the container's threads and each group is a JTA transaction
 * of its own.
 */
final class GroupCommit implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GroupCommit.class.getName());
    private static final Transactions.Contended BATCH_CONFLICT = attempts -> new NventException(
            "NVENT-0316 a grouped commit kept losing races; its writes are retried one by one");

    /** The batch the current committer thread runs, if any. */
    private static final ThreadLocal<Running> RUNNING = new ThreadLocal<>();

    private final Transactions transactions;
    private final RunTables tables;
    private final Optional<RunCache> cache;
    private final Committer[] committers;
    private final int maxBatch;
    private final long slowWriteWarningNanos;

    /**
     * @param cache the latest states of runs under way, which spare a group reading and locking
     *     them (see {@link RunCache})
     * @param slowWriteWarning how long a writer waits for its group before that is logged
     */
    GroupCommit(Transactions transactions, RunTables tables, Optional<RunCache> cache, int threads, int maxBatch,
                Duration slowWriteWarning, ThreadFactory threadFactory) {
        if (threads < 0 || maxBatch < 1) {
            throw new IllegalArgumentException("threads must be >= 0 and maxBatch >= 1");
        }
        this.transactions = transactions;
        this.tables = tables;
        this.cache = cache;
        this.maxBatch = maxBatch;
        this.slowWriteWarningNanos = slowWriteWarning.toNanos();
        this.committers = new Committer[threads];
        for (int i = 0; i < threads; i++) {
            committers[i] = new Committer();
            Thread thread = threadFactory.newThread(committers[i]);
            thread.setName("nvent-store-commit-" + i);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Runs {@code work} on run {@code runId} in a shared transaction and returns once it is
     * committed.
     *
     * @param subject what a lost race is reported as when the work runs alone
     * @param lockRun whether the work changes the run (locking its row): the batch then reads and
     *     locks all such rows with one statement up front
     */
    <T> T write(String runId, Transactions.Contended subject, boolean lockRun, Function<EntityManager, T> work) {
        if (committers.length == 0 || transactions.inCallerTransaction()) {
            return transactions.write(subject, work);
        }
        Piece<T> piece = new Piece<>(runId, subject, lockRun, work);
        Committer committer = committers[Math.floorMod(runId.hashCode(), committers.length)];
        committer.queue.add(piece);
        try {
            return awaitCommit(piece, committer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NventException("NVENT-0317 interrupted while waiting for the commit of a write to run '"
                    + runId + "'; it may still commit");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new NventException("NVENT-0318 write to run '" + runId + "' failed: " + e.getCause());
        }
    }

    /**
     * Waits for the piece's group; a wait longer than the warning threshold is logged with where
     * the committer is (a row lock another transaction holds, a slow disk), and again once it ends.
     */
    private <T> T awaitCommit(Piece<T> piece, Committer committer) throws InterruptedException, ExecutionException {
        long started = System.nanoTime();
        try {
            return piece.result.get(slowWriteWarningNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0322 a write to run '" + piece.runId + "' has waited "
                    + Duration.ofNanos(System.nanoTime() - started) + " for its grouped commit, and waits on; "
                    + committer.describe());
        }
        try {
            return piece.result.get();
        } finally {
            LOG.log(System.Logger.Level.INFO, "NVENT-0323 the slow write to run '" + piece.runId + "' ended after "
                    + Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /**
     * The runs of the batch whose transaction {@code em} is, if it is one: creations and changes of
     * runs then go there instead of through Hibernate.
     */
    static Optional<RunBatch> batch(EntityManager em) {
        Running running = RUNNING.get();
        return running != null && running.em() == em ? Optional.of(running.runs()) : Optional.empty();
    }

    /** Keeps the state of a run this instance has just read or written, for the next group that changes it. */
    void remember(RunTables.StoredRun run) {
        cache.ifPresent(c -> c.remember(run));
    }

    /** A state of the run this instance committed or read within {@code maxAge}, at {@code minVersion} or later. */
    Optional<RunTables.StoredRun> recent(String runId, long minVersion, Duration maxAge) {
        return cache.flatMap(c -> c.recent(runId, minVersion, maxAge));
    }

    /** Drops what the cache holds of a run written outside the groups. */
    void forget(String runId) {
        cache.ifPresent(c -> c.forget(runId));
    }

    /** How many committer threads group writes; 0 when each write commits alone. */
    int threads() {
        return committers.length;
    }

    /** Writes committed one by one, each in its own transaction. */
    static GroupCommit none(Transactions transactions) {
        return new GroupCommit(transactions, null, Optional.empty(), 0, 1,
                JpaStoreOptions.defaults().slowWriteWarning(), Thread::new);
    }

    @Override
    public void close() {
        for (Committer committer : committers) {
            committer.stop();
        }
    }

    /** A batch in progress on a committer thread. */
    private record Running(EntityManager em, RunBatch runs) {
    }

    /** One writer's work and its outcome. */
    private static final class Piece<T> {
        final String runId;
        final Transactions.Contended subject;
        final boolean lockRun;
        final Function<EntityManager, T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();
        T value;

        Piece(String runId, Transactions.Contended subject, boolean lockRun, Function<EntityManager, T> work) {
            this.runId = runId;
            this.subject = subject;
            this.lockRun = lockRun;
            this.work = work;
        }

        void runIn(EntityManager em) {
            value = work.apply(em);
        }

        void publish() {
            result.complete(value);
        }

        void runAlone(Transactions transactions) {
            try {
                result.complete(transactions.write(subject, work));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }
    }

    private final class Committer implements Runnable {
        final BlockingQueue<Piece<?>> queue = new LinkedBlockingQueue<>();
        private volatile boolean running = true;
        private volatile Thread thread;

        @Override
        public void run() {
            thread = Thread.currentThread();
            List<Piece<?>> batch = new ArrayList<>(maxBatch);
            while (running) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    break;
                }
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
                batch.clear();
            }
            // Writers still waiting get their work done alone rather than a hang.
            List<Piece<?>> left = new ArrayList<>();
            queue.drainTo(left);
            left.forEach(piece -> piece.runAlone(transactions));
        }

        private void commit(List<Piece<?>> batch) {
            RunBatch[] written = new RunBatch[1];
            try {
                transactions.write(BATCH_CONFLICT, em -> {
                    Session session = em.unwrap(Session.class);
                    RunBatch runs = new RunBatch(tables, cache);
                    written[0] = runs;
                    session.doWork(connection -> runs.lock(connection, lockedRuns(batch)));
                    RUNNING.set(new Running(em, runs));
                    try {
                        // Writes that change no run (creations, lease writes) first, and the new runs
                        // inserted before the changes: a change, and the statements of its piece (a
                        // lease), may concern a run created in the same batch.
                        batch.stream().filter(piece -> !piece.lockRun).forEach(piece -> piece.runIn(em));
                        if (batch.stream().anyMatch(piece -> piece.lockRun)) {
                            session.doWork(runs::insertCreated);
                            batch.stream().filter(piece -> piece.lockRun).forEach(piece -> piece.runIn(em));
                        }
                        session.doWork(runs::write);
                    } finally {
                        RUNNING.remove();
                    }
                    return null;
                });
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "grouped commit of {0} writes failed, running them alone: {1}",
                        batch.size(), e);
                // Whatever the group held may be behind the database now.
                batch.forEach(piece -> forget(piece.runId));
                batch.forEach(piece -> piece.runAlone(transactions));
                return;
            }
            written[0].committed().forEach(GroupCommit.this::remember);
            batch.forEach(Piece::publish);
        }

        private static Set<String> lockedRuns(List<Piece<?>> batch) {
            Set<String> ids = new LinkedHashSet<>();
            for (Piece<?> piece : batch) {
                if (piece.lockRun) {
                    ids.add(piece.runId);
                }
            }
            return ids;
        }

        /** Where the committer thread is now, for a log message. */
        String describe() {
            Thread current = thread;
            if (current == null) {
                return "its committer thread has not started";
            }
            StringBuilder where = new StringBuilder("committer ").append(current.getName()).append(" is ")
                    .append(current.getState()).append(" with ").append(queue.size())
                    .append(" more writes queued, at:");
            for (StackTraceElement frame : current.getStackTrace()) {
                where.append("\n    at ").append(frame);
            }
            return where.toString();
        }

        void stop() {
            running = false;
            Thread current = thread;
            if (current != null) {
                current.interrupt();
            }
        }
    }
}

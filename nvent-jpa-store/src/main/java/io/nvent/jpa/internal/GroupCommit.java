package io.nvent.jpa.internal;

import io.nvent.NventException;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import org.hibernate.LockMode;
import org.hibernate.LockOptions;
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
 * <p>With no committer threads (a container's JTA transactions, or turned off) every write runs
 * alone in its own transaction, as {@link Transactions#write} does.
 */
final class GroupCommit implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GroupCommit.class.getName());
    private static final Transactions.Contended BATCH_CONFLICT = attempts -> new NventException(
            "NVENT-0316 a grouped commit kept losing races; its writes are retried one by one");

    /** The entity manager of the batch the current committer thread runs, if any. */
    private static final ThreadLocal<EntityManager> BATCH = new ThreadLocal<>();
    /** The runs the current batch locked up front, by id. */
    private static final ThreadLocal<Map<String, RunEntity>> LOCKED = ThreadLocal.withInitial(HashMap::new);

    private final Transactions transactions;
    private final Committer[] committers;
    private final int maxBatch;

    GroupCommit(Transactions transactions, int threads, int maxBatch, ThreadFactory threadFactory) {
        if (threads < 0 || maxBatch < 1) {
            throw new IllegalArgumentException("threads must be >= 0 and maxBatch >= 1");
        }
        this.transactions = transactions;
        this.maxBatch = maxBatch;
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
     * @param lockRun whether the work locks the run's row ({@code PESSIMISTIC_WRITE}): the batch
     *     then locks all such rows with one statement up front
     */
    <T> T write(String runId, Transactions.Contended subject, boolean lockRun, Function<EntityManager, T> work) {
        if (committers.length == 0) {
            return transactions.write(subject, work);
        }
        Piece<T> piece = new Piece<>(runId, subject, lockRun, work);
        committers[Math.floorMod(runId.hashCode(), committers.length)].queue.add(piece);
        try {
            return piece.result.get();
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
     * Whether work on {@code em} may leave its changes to the batch's single flush at the end
     * (predicting the version the flush gives the run) instead of flushing on its own.
     */
    static boolean defersFlush(EntityManager em) {
        return BATCH.get() == em;
    }

    /** The run with this id if the batch running on {@code em} locked it up front. */
    static Optional<RunEntity> lockedUpFront(EntityManager em, String runId) {
        return defersFlush(em) ? Optional.ofNullable(LOCKED.get().get(runId)) : Optional.empty();
    }

    /** Writes committed one by one, each in its own transaction. */
    static GroupCommit none(Transactions transactions) {
        return new GroupCommit(transactions, 0, 1, Thread::new);
    }

    @Override
    public void close() {
        for (Committer committer : committers) {
            committer.stop();
        }
    }

    /** One writer's work and its outcome. */
    private static final class Piece<T> {
        final String runId;
        final Transactions.Contended subject;
        final boolean lockRun;
        final Function<EntityManager, T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();
        T value;
        /** Already run in the current batch attempt. */
        boolean done;

        Piece(String runId, Transactions.Contended subject, boolean lockRun, Function<EntityManager, T> work) {
            this.runId = runId;
            this.subject = subject;
            this.lockRun = lockRun;
            this.work = work;
        }

        void runIn(EntityManager em) {
            value = work.apply(em);
        }

        void reset() {
            done = false;
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
            if (batch.size() == 1) {
                batch.get(0).runAlone(transactions);
                return;
            }
            try {
                transactions.write(BATCH_CONFLICT, em -> {
                    batch.forEach(Piece::reset);
                    BATCH.set(em);
                    lockRunsUpFront(em, batch);
                    try {
                        // Writes that lock no run (creations, lease writes) first, flushed on their own:
                        // Hibernate orders a batch's inserts by entity type, and history rows must not
                        // reach the database before their run.
                        List<Piece<?>> ordered = new ArrayList<>(batch.size());
                        batch.stream().filter(piece -> !piece.lockRun).forEach(ordered::add);
                        if (!ordered.isEmpty() && ordered.size() < batch.size()) {
                            for (Piece<?> piece : ordered) {
                                piece.runIn(em);
                            }
                            em.flush();
                            ordered.forEach(piece -> piece.done = true);
                        }
                        Set<String> changed = new HashSet<>();
                        for (Piece<?> piece : batch) {
                            if (piece.done) {
                                continue;
                            }
                            if (!changed.add(piece.runId)) {
                                // A second change of a run: the first one's version must be flushed first.
                                em.flush();
                                changed.clear();
                                changed.add(piece.runId);
                            }
                            piece.runIn(em);
                        }
                        // One round trip per statement kind for the whole batch (JDBC batching).
                        em.flush();
                    } finally {
                        BATCH.remove();
                        LOCKED.get().clear();
                    }
                    return null;
                });
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "grouped commit of {0} writes failed, running them alone: {1}",
                        batch.size(), e);
                batch.forEach(piece -> piece.runAlone(transactions));
                return;
            }
            batch.forEach(Piece::publish);
        }

        /** One {@code SELECT ... FOR UPDATE} for every run the batch locks, instead of one each. */
        private void lockRunsUpFront(EntityManager em, List<Piece<?>> batch) {
            Set<String> ids = new LinkedHashSet<>();
            for (Piece<?> piece : batch) {
                if (piece.lockRun) {
                    ids.add(piece.runId);
                }
            }
            if (ids.isEmpty()) {
                return;
            }
            List<RunEntity> locked = em.unwrap(Session.class).byMultipleIds(RunEntity.class)
                    .with(new LockOptions(LockMode.PESSIMISTIC_WRITE))
                    .multiLoad(new ArrayList<>(ids));
            Map<String, RunEntity> byId = LOCKED.get();
            for (RunEntity run : locked) {
                if (run != null) {
                    byId.put(run.runId, run);
                }
            }
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

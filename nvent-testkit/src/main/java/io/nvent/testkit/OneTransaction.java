package io.nvent.testkit;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A container's transaction registry without a container, whose one transaction the test begins,
 * commits or rolls back: for adapters that hold back their side effects (a wake-up, a live event)
 * until the caller's JTA transaction committed. Its synchronizations run on the test's thread.
 */
public final class OneTransaction implements TransactionSynchronizationRegistry {

    private volatile int status = Status.STATUS_NO_TRANSACTION;
    private final List<Synchronization> synchronizations = new CopyOnWriteArrayList<>();
    private final Map<Object, Object> resources = new ConcurrentHashMap<>();

    /** Begins the transaction: the adapter's calls from now on run inside it. */
    public void begin() {
        status = Status.STATUS_ACTIVE;
    }

    /** The calls from now on run outside it, as on a thread whose transaction was suspended. */
    public void suspend() {
        status = Status.STATUS_NO_TRANSACTION;
    }

    /** The calls run inside it again. */
    public void resume() {
        status = Status.STATUS_ACTIVE;
    }

    /** Runs the synchronizations' before and after completion, as a commit. */
    public void commit() {
        synchronizations.forEach(Synchronization::beforeCompletion);
        end(Status.STATUS_COMMITTED);
    }

    /** Runs the synchronizations' after completion, as a rollback. */
    public void rollBack() {
        end(Status.STATUS_ROLLEDBACK);
    }

    private void end(int outcome) {
        status = outcome;
        synchronizations.forEach(s -> s.afterCompletion(outcome));
        synchronizations.clear();
        resources.clear();
        status = Status.STATUS_NO_TRANSACTION;
    }

    @Override
    public void registerInterposedSynchronization(Synchronization synchronization) {
        synchronizations.add(synchronization);
    }

    @Override
    public int getTransactionStatus() {
        return status;
    }

    @Override
    public Object getTransactionKey() {
        return status == Status.STATUS_NO_TRANSACTION ? null : this;
    }

    @Override
    public void putResource(Object key, Object value) {
        resources.put(key, value);
    }

    @Override
    public Object getResource(Object key) {
        return resources.get(key);
    }

    @Override
    public void setRollbackOnly() {
        status = Status.STATUS_MARKED_ROLLBACK;
    }

    @Override
    public boolean getRollbackOnly() {
        return status == Status.STATUS_MARKED_ROLLBACK;
    }
}

package io.nvent.spi.internal;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The caller's JTA transaction, if any: sends inside one become visible only when it commits, so
 * an adapter's own bookkeeping (a queue's counts, a stream's publishes) must follow its outcome.
 *
 * @since 0.2
 */
public interface TransactionHooks {

    /** Outside a container: never a transaction. */
    TransactionHooks NONE = new TransactionHooks() {
        @Override
        public boolean inTransaction() {
            return false;
        }

        @Override
        public void afterCompletion(Consumer<Boolean> committed) {
            committed.accept(true);
        }
    };

    /**
     * Whether the calling thread runs in a JTA transaction.
     *
     * @return whether it does, marked for rollback included
     */
    boolean inTransaction();

    /**
     * Runs {@code committed} with the transaction's outcome once it completed (at once if none).
     *
     * @param committed given {@code true} if the transaction committed (or there is none)
     */
    void afterCompletion(Consumer<Boolean> committed);

    /**
     * Hooks on the container's registry, or {@link #NONE}.
     *
     * @param registry the container's registry, if any
     * @return the hooks
     */
    static TransactionHooks of(Optional<TransactionSynchronizationRegistry> registry) {
        return registry.<TransactionHooks>map(Jta::new).orElse(NONE);
    }

    /**
     * Hooks on a {@link TransactionSynchronizationRegistry}.
     *
     * @param registry the container's registry
     */
    record Jta(TransactionSynchronizationRegistry registry) implements TransactionHooks {

        @Override
        public boolean inTransaction() {
            int status = registry.getTransactionStatus();
            return status != Status.STATUS_NO_TRANSACTION && status != Status.STATUS_UNKNOWN
                    && status != Status.STATUS_COMMITTED && status != Status.STATUS_ROLLEDBACK;
        }

        @Override
        public void afterCompletion(Consumer<Boolean> committed) {
            if (!inTransaction()) {
                committed.accept(true);
                return;
            }
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    // nothing to flush: the send is already part of the transaction
                }

                @Override
                public void afterCompletion(int status) {
                    committed.accept(status == Status.STATUS_COMMITTED);
                }
            });
        }
    }
}

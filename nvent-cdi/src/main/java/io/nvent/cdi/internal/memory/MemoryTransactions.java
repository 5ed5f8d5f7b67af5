package io.nvent.cdi.internal.memory;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Defers work to the commit of the caller's JTA transaction, for the adapters that are not
 * transactional themselves. Outside a transaction (or a container) the work runs at once.
 */
final class MemoryTransactions {

    private static volatile TransactionSynchronizationRegistry registry;
    private static volatile boolean lookedUp;

    private MemoryTransactions() {
    }

    static void afterCommit(Runnable work) {
        TransactionSynchronizationRegistry tsr = registry();
        if (tsr == null || !isActive(tsr.getTransactionStatus())) {
            work.run();
            return;
        }
        tsr.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    work.run();
                }
            }
        });
    }

    private static boolean isActive(int status) {
        return status == Status.STATUS_ACTIVE || status == Status.STATUS_MARKED_ROLLBACK;
    }

    private static TransactionSynchronizationRegistry registry() {
        if (!lookedUp) {
            lookUp();
        }
        return registry;
    }

    /**
     * Finds the container's transaction registry, once: adapters call it when they are created, so
     * that their first enqueue does not pay for the naming lookup (nor do concurrent callers repeat it).
     */
    static synchronized void lookUp() {
        if (!lookedUp) {
            try {
                registry = (TransactionSynchronizationRegistry) new InitialContext()
                        .lookup("java:comp/TransactionSynchronizationRegistry");
            } catch (NamingException | RuntimeException | LinkageError noContainer) {
                registry = null;
            }
            lookedUp = true;
        }
    }
}

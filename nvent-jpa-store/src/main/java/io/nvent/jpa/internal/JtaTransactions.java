package io.nvent.jpa.internal;

import io.nvent.NventException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.function.Function;
import org.hibernate.Session;

/**
 * JTA transactions in a Jakarta EE container, on a {@code JTA} persistence unit.
 *
 * <ul>
 *   <li>Caller's transaction active: the store joins it. Its writes commit or roll back with the
 *       caller's work; a lost race cannot be retried inside it, so it surfaces at once as
 *       {@link io.nvent.ConcurrentRunModificationException} (retryable) and the caller repeats its
 *       transaction.</li>
 *   <li>No transaction: each call runs in a new transaction begun by the container's
 *       {@code @Transactional(REQUIRES_NEW)} interceptor (see {@link TransactionDemarcation} for
 *       why not the transaction manager), and lost races are retried like in local mode.</li>
 * </ul>
 *
 * <p>Each call uses its own entity manager, closed when the call returns; in a joined transaction
 * the persistence context lives on until that transaction completes (Jakarta Persistence 3.1,
 * section 7.7). Each call flushes before it returns, so that constraint violations surface in the
 * call that caused them.
 */
final class JtaTransactions implements Transactions {

    private final EntityManagerFactory emf;
    private final TransactionSynchronizationRegistry registry;
    private final TransactionDemarcation demarcation;
    private final int maxAttempts;
    private final Failures failures;

    JtaTransactions(EntityManagerFactory emf, TransactionSynchronizationRegistry registry,
                    TransactionDemarcation demarcation, int maxAttempts, Failures failures) {
        this.emf = emf;
        this.registry = registry;
        this.demarcation = demarcation;
        this.maxAttempts = maxAttempts;
        this.failures = failures;
    }

    @Override
    public <T> T write(Contended subject, Function<EntityManager, T> work) {
        if (inCallerTransaction()) {
            return joined(subject, work, false);
        }
        return Backoff.retryingConflicts(subject, maxAttempts, failures,
                () -> demarcation.inNewTransaction(() -> inTransaction(work, false)));
    }

    @Override
    public <T> T read(Function<EntityManager, T> work) {
        try {
            return inCallerTransaction() ? joined(null, work, true)
                    : demarcation.inNewTransaction(() -> inTransaction(work, true));
        } catch (RuntimeException e) {
            throw failures.translate(e);
        }
    }

    @Override
    public void close() {
        emf.close();
    }

    @Override
    public boolean inCallerTransaction() {
        int status = registry.getTransactionStatus();
        if (status == Status.STATUS_ACTIVE) {
            return true;
        }
        if (status == Status.STATUS_NO_TRANSACTION) {
            return false;
        }
        // Marked for rollback, committing, ...: writing now could only fail later or confuse the caller.
        throw new StoreException("NVENT-0303 the caller's transaction is not active (JTA status " + status
                + "); the store cannot work in it", null, false);
    }

    private <T> T joined(Contended subject, Function<EntityManager, T> work, boolean readOnly) {
        try {
            return inTransaction(work, readOnly);
        } catch (RuntimeException e) {
            if (!readOnly && Failures.isConflict(e)) {
                NventException conflict = subject.gaveUp(1);
                conflict.initCause(e);
                throw conflict;
            }
            throw failures.translate(e);
        }
    }

    private <T> T inTransaction(Function<EntityManager, T> work, boolean readOnly) {
        EntityManager em = emf.createEntityManager();
        try {
            em.joinTransaction();
            if (readOnly) {
                em.unwrap(Session.class).setDefaultReadOnly(true);
            }
            T result = work.apply(em);
            if (!readOnly) {
                em.flush();
            }
            return result;
        } finally {
            em.close();
        }
    }
}

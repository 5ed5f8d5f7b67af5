package io.nvent.jpa.internal;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.hibernate.Session;

/** Local transactions on a {@code RESOURCE_LOCAL} persistence unit: one per store call. */
final class ResourceLocalTransactions implements Transactions {

    private static final System.Logger LOG = System.getLogger(ResourceLocalTransactions.class.getName());

    private final EntityManagerFactory emf;
    private final int maxAttempts;
    private final Optional<DataSource> pool;
    private final Failures failures;

    /**
     * @param pool the pooled data source Hibernate gets its connections from, if the store was
     *     given one: plain JDBC reads then take their connections from it directly
     * @param failures how failures are told apart and name the database
     */
    ResourceLocalTransactions(EntityManagerFactory emf, int maxAttempts, Optional<DataSource> pool, Failures failures) {
        this.emf = emf;
        this.maxAttempts = maxAttempts;
        this.pool = pool;
        this.failures = failures;
    }

    @Override
    public <T> T readJdbc(JdbcWork<T> work) {
        return pool.isPresent() ? readInAutoCommit(pool.get(), work, failures) : Transactions.super.readJdbc(work);
    }

    /**
     * Runs read-only JDBC {@code work} on a connection of {@code pool} in auto-commit. A read of one
     * statement needs no transaction of its own: in auto-commit it is one round trip, without the
     * BEGIN and the ROLLBACK that would end it (the engine reads a run before every step). A
     * connection handed out in manual commit is set back before it goes back.
     */
    private static <T> T readInAutoCommit(DataSource pool, JdbcWork<T> work, Failures failures) {
        try (Connection connection = pool.getConnection()) {
            if (connection.getAutoCommit()) {
                return work.run(connection);
            }
            connection.setAutoCommit(true);
            try {
                return work.run(connection);
            } finally {
                connection.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw failures.transactionFailure("store read failed", e);
        }
    }

    @Override
    public <T> T write(Contended subject, Function<EntityManager, T> work) {
        // Failures as they are: the retry tells conflicts, which it tries again, from the others, which it translates.
        return Backoff.retryingConflicts(subject, maxAttempts, failures,
                () -> inTransaction(false, work, UnaryOperator.identity()));
    }

    @Override
    public <T> T read(Function<EntityManager, T> work) {
        return inTransaction(true, work, failures::translate);
    }

    /**
     * Runs {@code work} in a transaction of an entity manager of its own: committed, or rolled back on a failure,
     * which {@code onFailure} makes what is thrown.
     */
    private <T> T inTransaction(boolean readOnly, Function<EntityManager, T> work,
                                UnaryOperator<RuntimeException> onFailure) {
        EntityManager em = emf.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            if (readOnly) {
                // Nothing read is changed, so spare Hibernate the snapshots for dirty checking.
                em.unwrap(Session.class).setDefaultReadOnly(true);
            }
            tx.begin();
            T result = work.apply(em);
            tx.commit();
            return result;
        } catch (RuntimeException e) {
            rollbackQuietly(tx);
            throw onFailure.apply(e);
        } finally {
            em.close();
        }
    }

    @Override
    public void close() {
        emf.close();
    }

    private static void rollbackQuietly(EntityTransaction tx) {
        try {
            if (tx.isActive()) {
                tx.rollback();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0304 rollback failed", e);
        }
    }
}

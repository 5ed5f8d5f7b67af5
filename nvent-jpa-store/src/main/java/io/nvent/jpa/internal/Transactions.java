package io.nvent.jpa.internal;

import io.nvent.ConcurrentRunModificationException;
import io.nvent.NventException;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import org.hibernate.Session;

/**
 * How the store gets an {@link EntityManager} inside a transaction. Two implementations: local
 * transactions for plain Java ({@link ResourceLocalTransactions}) and JTA in a container
 * ({@link JtaTransactions}).
 */
interface Transactions {

    /**
     * Runs {@code work} in a transaction and commits it. If the transaction only lost a race (lock
     * timeout, deadlock, version check) and this object started it, {@code work} runs again in a
     * new transaction, up to the configured number of attempts; then
     * {@link ConcurrentRunModificationException} names {@code runId}.
     */
    default <T> T write(String runId, Function<EntityManager, T> work) {
        return write(Contended.run(runId), work);
    }

    /**
     * Like {@link #write(String, Function)}, for work on something other than a run: when it keeps
     * losing races (or loses one inside the caller's transaction), {@code subject} makes the
     * exception to throw.
     */
    <T> T write(Contended subject, Function<EntityManager, T> work);

    /**
     * Whether work runs inside a transaction of the caller's (a JTA transaction active on this
     * thread): it then commits or rolls back with the caller's, so it cannot be grouped with other
     * writers' work, and what it reads or writes may never be committed.
     */
    default boolean inCallerTransaction() {
        return false;
    }

    /** Runs read-only {@code work}; inside the caller's transaction if one is active. */
    <T> T read(Function<EntityManager, T> work);

    /**
     * Runs read-only JDBC {@code work} of one statement; on a connection of its own in auto-commit
     * where the store has a pool of them, which spares the read a Hibernate session and a
     * transaction (the engine reads a run before every step). Work of several statements that must
     * see one snapshot belongs in {@link #read}.
     */
    default <T> T readJdbc(JdbcWork<T> work) {
        return read(em -> em.unwrap(Session.class).doReturningWork(work::run));
    }

    /** Work on a JDBC connection. */
    @FunctionalInterface
    interface JdbcWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Releases resources. */
    void close();

    /** What a transaction works on, as far as the exception for lost races is concerned. */
    @FunctionalInterface
    interface Contended {

        /** The retryable exception after {@code attempts} lost races. */
        NventException gaveUp(int attempts);

        /** Work on one run: {@link ConcurrentRunModificationException}. */
        static Contended run(String runId) {
            return attempts -> new ConcurrentRunModificationException(runId, attempts);
        }
    }
}

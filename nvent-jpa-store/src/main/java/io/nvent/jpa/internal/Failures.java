package io.nvent.jpa.internal;

import io.nvent.NventException;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PessimisticLockException;
import java.sql.SQLException;
import java.util.Set;
import org.hibernate.HibernateException;
import org.hibernate.StaleStateException;
import org.hibernate.exception.LockAcquisitionException;

/** Sorts database failures into "lost a race, try again" and the rest. */
final class Failures {

    /** SQL states of lost races: serialization failure, deadlock, lock not available. */
    private static final Set<String> CONFLICT_STATES = Set.of("40001", "40P01", "55P03");
    /** H2 error codes: lock timeout, deadlock, concurrent update. */
    private static final Set<Integer> H2_CONFLICT_CODES = Set.of(50200, 40001, 90131);

    /** Hibernate's message when the data source gave no connection, whatever the pool's SQL state. */
    private static final String NO_CONNECTION = "Unable to acquire JDBC Connection";

    private Failures() {
    }

    /** Whether repeating the transaction may succeed because it only lost a race. */
    static boolean isConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof PessimisticLockException
                    || t instanceof LockTimeoutException || t instanceof StaleStateException
                    || t instanceof LockAcquisitionException
                    || t instanceof org.hibernate.PessimisticLockException) {
                return true;
            }
            if (t instanceof SQLException sql && ((sql.getSQLState() != null && CONFLICT_STATES.contains(sql.getSQLState()))
                    || (isH2(sql) && H2_CONFLICT_CODES.contains(sql.getErrorCode())))) {
                return true;
            }
        }
        return false;
    }

    /**
     * What to throw for {@code failure}: nvent exceptions and exceptions from caller code (e.g. a
     * mutation) as they are, persistence failures wrapped in a {@link StoreException}.
     */
    static RuntimeException translate(RuntimeException failure) {
        if (failure instanceof NventException) {
            return failure;
        }
        if (failure instanceof jakarta.transaction.TransactionalException) {
            // The container could not begin or commit the store's own transaction (e.g. the connection
            // was lost at commit, outcome unknown). Repeating is safe: every write checks the run's version.
            return new StoreException("NVENT-0325 the store's transaction could not complete: " + failure.getMessage(),
                    failure, true);
        }
        if (failure instanceof PersistenceException || failure instanceof HibernateException) {
            boolean mayPass = isTransient(failure);
            // NVENT-0325 marks failures that may pass; the engine recognises it in job records too.
            return new StoreException((mayPass ? "NVENT-0325 store unavailable or busy: " : "NVENT-0302 store operation "
                    + "failed: ") + failure.getMessage(), failure, mayPass);
        }
        return failure;
    }

    /** Wraps a checked failure of the transaction manager. */
    static StoreException transactionFailure(String what, Exception failure) {
        boolean mayPass = isTransient(failure);
        return new StoreException((mayPass ? "NVENT-0325 " : "NVENT-0302 ") + what + ": " + failure, failure, mayPass);
    }

    /** PostgreSQL's admin_shutdown, crash_shutdown and cannot_connect_now: the next connection may work. */
    private static final java.util.Set<String> ADMINISTRATOR_ENDED = java.util.Set.of("57P01", "57P02", "57P03");

    /**
     * Whether the database could not be reached (SQL state class 08, a session PostgreSQL ended for a
     * restart, failover or administrator, or no connection to be had from
     * the pool, which Payara's pool reports without SQL state) or the transaction lost a race: both
     * may pass if the call is repeated later.
     */
    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && (sql.getSQLState().startsWith("08")
                    || ADMINISTRATOR_ENDED.contains(sql.getSQLState()))) {
                return true;
            }
            if (t instanceof org.hibernate.exception.JDBCConnectionException
                    || String.valueOf(t.getMessage()).startsWith(NO_CONNECTION)) {
                return true;
            }
        }
        return isConflict(failure);
    }

    private static boolean isH2(SQLException e) {
        return e.getClass().getName().startsWith("org.h2.");
    }
}

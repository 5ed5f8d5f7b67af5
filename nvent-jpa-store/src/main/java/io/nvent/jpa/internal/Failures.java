package io.nvent.jpa.internal;

import io.nvent.NventException;
import io.nvent.spi.AdapterUnavailableException;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PessimisticLockException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.hibernate.HibernateException;
import org.hibernate.StaleStateException;
import org.hibernate.exception.LockAcquisitionException;

/**
 * Sorts database failures into "the database cannot be reached" ({@link AdapterUnavailableException}
 * of the adapter {@value #ADAPTER}, naming the database), "lost a race, try again" and the rest.
 */
final class Failures {

    /** The store's adapter name, as in its {@code @Adapter} qualifier. */
    static final String ADAPTER = "jpa";

    /** SQL states of lost races: serialization failure, deadlock, lock not available. */
    private static final Set<String> CONFLICT_STATES = Set.of("40001", "40P01", "55P03");
    /** H2 error codes: lock timeout, deadlock, concurrent update. */
    private static final Set<Integer> H2_CONFLICT_CODES = Set.of(50200, 40001, 90131);

    /** Hibernate's message when the data source gave no connection, whatever the pool's SQL state. */
    private static final String NO_CONNECTION = "Unable to acquire JDBC Connection";

    /** How failures name the database: its data source's JNDI name and address, never credentials. */
    private final String backend;

    /**
     * @param backend the database as failures name it, e.g. {@code "java:app/jdbc/nvent
     *     (postgresql://db:5432/nvent)"}; see {@link #backendOf}
     */
    Failures(String backend) {
        this.backend = backend;
    }

    /**
     * The database of {@code dataSource} as failures name it: the data source's JNDI name if it has
     * one, and the address its connections go to (the JDBC URL without its parameters or user),
     * read on a connection now. A database that cannot be reached now is named by the JNDI name alone.
     */
    static String backendOf(DataSource dataSource, Optional<String> jndiName) {
        Optional<String> address;
        try (Connection connection = dataSource.getConnection()) {
            address = Optional.ofNullable(connection.getMetaData().getURL()).map(Failures::address);
        } catch (SQLException | RuntimeException e) {
            address = Optional.empty();
        }
        if (jndiName.isPresent()) {
            return jndiName.get() + address.map(a -> " (" + a + ")").orElse("");
        }
        return address.orElse("its data source");
    }

    /**
     * Where a JDBC URL points, without what could be a secret: no parameters ({@code ?password=},
     * H2's {@code ;PASSWORD=}) and no user ({@code user:password@host}), e.g.
     * {@code jdbc:postgresql://db:5432/nvent?user=u&password=p} as {@code postgresql://db:5432/nvent}.
     */
    static String address(String jdbcUrl) {
        String url = jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring("jdbc:".length()) : jdbcUrl;
        int parameters = indexOfAny(url, '?', ';');
        if (parameters >= 0) {
            url = url.substring(0, parameters);
        }
        int user = url.lastIndexOf('@');
        if (user >= 0) {
            int scheme = url.indexOf("//");
            url = (scheme >= 0 && scheme < user ? url.substring(0, scheme + 2) : "") + url.substring(user + 1);
        }
        return url;
    }

    private static int indexOfAny(String text, char a, char b) {
        int first = text.indexOf(a);
        int second = text.indexOf(b);
        return first < 0 ? second : second < 0 ? first : Math.min(first, second);
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
     * mutation) as they are; a database that cannot be reached as an {@link AdapterUnavailableException}
     * naming it; other persistence failures wrapped in a {@link StoreException}.
     */
    RuntimeException translate(RuntimeException failure) {
        if (failure instanceof NventException) {
            return failure;
        }
        boolean persistence = failure instanceof PersistenceException || failure instanceof HibernateException;
        if ((persistence || failure instanceof jakarta.transaction.TransactionalException) && isUnreachable(failure)) {
            return unavailable(failure);
        }
        if (failure instanceof jakarta.transaction.TransactionalException) {
            // The container could not begin or commit the store's own transaction (e.g. the connection
            // was lost at commit, outcome unknown). Repeating is safe: every write checks the run's version.
            return new StoreException("NVENT-0325 the store's transaction could not complete: " + failure.getMessage(),
                    failure, true);
        }
        if (persistence) {
            boolean conflict = isConflict(failure);
            // NVENT-0325 marks failures that may pass; the engine recognises it in job records too.
            return new StoreException((conflict ? "NVENT-0325 store busy (a transaction lost a race): "
                    : "NVENT-0302 store operation failed: ") + failure.getMessage(), failure, conflict);
        }
        return failure;
    }

    /** Wraps a checked failure of the transaction manager or of plain JDBC work. */
    RuntimeException transactionFailure(String what, Exception failure) {
        if (isUnreachable(failure)) {
            return unavailable(failure);
        }
        boolean conflict = isConflict(failure);
        return new StoreException((conflict ? "NVENT-0325 " : "NVENT-0302 ") + what + ": " + failure, failure,
                conflict);
    }

    /**
     * The database cannot be reached: {@link AdapterUnavailableException#MESSAGE_ID}
     * {@code adapter 'jpa' cannot reach its backend: NVENT-0325 store unavailable: database … cannot
     * be reached (…)}, with NVENT-0325 as before for searches of the log, and the database's own
     * message, which names its host but no password.
     */
    private AdapterUnavailableException unavailable(Throwable failure) {
        return new AdapterUnavailableException(ADAPTER, "NVENT-0325 store unavailable: database " + backend
                + " cannot be reached (" + failure.getMessage() + ")", failure);
    }

    /** PostgreSQL's admin_shutdown, crash_shutdown and cannot_connect_now: the next connection may work. */
    private static final java.util.Set<String> ADMINISTRATOR_ENDED = java.util.Set.of("57P01", "57P02", "57P03");

    /**
     * Whether the database could not be reached: SQL state class 08 (no connection, or the connection
     * lost mid-statement), a session PostgreSQL ended for a restart, failover or administrator, or no
     * connection to be had from the pool, which Payara's pool reports without SQL state. Such a
     * failure may pass if the call is repeated later; a constraint, a lost race or bad SQL is not one.
     */
    static boolean isUnreachable(Throwable failure) {
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
        return false;
    }

    private static boolean isH2(SQLException e) {
        return e.getClass().getName().startsWith("org.h2.");
    }
}

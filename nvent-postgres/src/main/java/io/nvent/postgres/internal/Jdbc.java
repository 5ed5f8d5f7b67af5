package io.nvent.postgres.internal;

import io.nvent.NventException;
import io.nvent.postgres.PgQueueException;
import io.nvent.spi.AdapterUnavailableException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.WeakHashMap;
import javax.sql.DataSource;

/** Small JDBC helpers shared by the queue and the stream. */
public final class Jdbc {

    /** The queue's and the stream's adapter name, as in their {@code @Adapter} qualifier. */
    public static final String ADAPTER = "postgres";
    /** Too many connections, admin shutdown, crash shutdown, cannot connect now (starting up). */
    private static final Set<String> UNREACHABLE_STATES = Set.of("53300", "57P01", "57P02", "57P03");
    /** {@link #address} of the data sources the module works on, once one gave a connection. */
    private static final Map<DataSource, String> ADDRESSES = Collections.synchronizedMap(new WeakHashMap<>());

    private Jdbc() {
    }

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs work on a connection borrowed from the data source and returned right after. Inside a
     * JTA transaction a container-managed data source hands out the enlisted connection, so the work
     * joins the caller's transaction; outside one the connection is in auto-commit mode.
     *
     * @throws AdapterUnavailableException if the database cannot be reached ({@link #failure})
     * @throws PgQueueException for any other failure
     */
    public static <T> T withConnection(DataSource dataSource, String what, Work<T> work) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw failure(what, e, dataSource, true);
        }
        try (connection) {
            ADDRESSES.computeIfAbsent(dataSource, source -> address(connection));
            return work.run(connection);
        } catch (SQLException e) {
            throw failure(what, e, dataSource, false);
        }
    }

    /**
     * The exception for a failed operation: {@link AdapterUnavailableException} of the adapter
     * {@value #ADAPTER} when the database cannot be reached ({@link #isUnreachable}), naming it;
     * else {@link PgQueueException}, retryable when the cause is transient (a lost race, a
     * shortage), not for a constraint, a bad value or bad SQL.
     *
     * @param what what failed, starting with its message id
     * @param dataSource the data source of the failed operation, by whose address the failure names the database
     * @param connecting whether the data source gave no connection: then the database is away whatever
     *     the pool's SQL state (some give none), unless waiting cannot help (a wrong password, an
     *     unknown database)
     */
    public static NventException failure(String what, SQLException e, DataSource dataSource, boolean connecting) {
        return isUnreachable(e) || (connecting && isTransient(e)) ? unavailable(what, e, dataSource)
                : new PgQueueException(what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e,
                        isTransient(e));
    }

    /**
     * {@link AdapterUnavailableException#MESSAGE_ID} {@code adapter 'postgres' cannot reach its backend:
     * <what> on database <host:port/db>: <the driver's message> (SQLState …)}: with {@code what}'s
     * message id as before, and never the password (the address is read from the URL without its
     * parameters).
     */
    private static AdapterUnavailableException unavailable(String what, SQLException e, DataSource dataSource) {
        return new AdapterUnavailableException(ADAPTER, what + " on database " + ADDRESSES.getOrDefault(dataSource,
                "of its data source") + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
    }

    /**
     * Where the connections of a data source go ({@code host:port/database}), read from the first one
     * it gave: failures name the database by it once it can no longer be reached.
     */
    private static String address(Connection connection) {
        try {
            Properties url = org.postgresql.Driver.parseURL(connection.getMetaData().getURL(), null);
            if (url != null) {
                return url.getProperty("PGHOST") + ":" + url.getProperty("PGPORT") + "/" + url.getProperty("PGDBNAME");
            }
        } catch (SQLException | RuntimeException e) {
            // named as of its data source then
        }
        return "of its data source";
    }

    /** Connection loss, serialization failures, deadlocks, resource shortage and shutdown may pass. */
    public static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        if (state == null || state.length() < 2) {
            return true;
        }
        return switch (state.substring(0, 2)) {
            case "08", "40", "53", "57", "58" -> true;
            default -> false;
        };
    }

    /**
     * Whether the database cannot be reached: SQL state class 08 (the connection refused, or lost
     * mid-statement), a session PostgreSQL ended for a shutdown, crash or start-up (57P01–57P03), or
     * too many connections (53300), in the exception or one it chains. A lost race, a shortage of disk
     * or memory, a cancelled statement, a constraint or bad SQL is not.
     */
    public static boolean isUnreachable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && (sql.getSQLState().startsWith("08")
                    || UNREACHABLE_STATES.contains(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** Microseconds since the epoch; PostgreSQL keeps timestamps to the microsecond. */
    public static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** Parameter value for a {@code timestamptz}. */
    public static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** A {@code timestamptz} column, if not null. */
    public static Optional<Instant> instant(ResultSet rows, String column) throws SQLException {
        OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
        return Optional.ofNullable(value).map(OffsetDateTime::toInstant);
    }

    /** Executes statements in one transaction, holding an advisory lock so instances do not race. */
    public static void executeLocked(Connection connection, String lockKey, Iterable<String> statements)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            try (var lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, lockKey);
                lock.execute();
            }
            for (String sql : statements) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Closes without throwing; the connection is being discarded anyway. */
    public static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // discarding a broken resource: nothing to do about a failure to close it
        }
    }
}

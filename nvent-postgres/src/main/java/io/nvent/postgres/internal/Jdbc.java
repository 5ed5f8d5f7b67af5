package io.nvent.postgres.internal;

import io.nvent.postgres.PgQueueException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;

/** Small JDBC helpers shared by the queue and the stream. */
public final class Jdbc {

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
     */
    public static <T> T withConnection(DataSource dataSource, String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The exception for a failed operation, retryable when the cause is transient. */
    public static PgQueueException failure(String what, SQLException e) {
        return new PgQueueException(what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e,
                isTransient(e));
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

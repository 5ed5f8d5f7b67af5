package io.nvent.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A connection one internal thread keeps for its hot path (claiming, grouped inserts), so that
 * path pays no pool checkout and keeps its prepared statements. Session settings made here are
 * reset before the connection goes back to the pool. Needs PostgreSQL 12 or later. Obtained lazily, dropped after a
 * failure and obtained again on next use. Not thread-safe: one owner thread.
 */
public final class HeldConnection implements AutoCloseable {

    private final DataSource dataSource;
    private final boolean asyncCommit;
    private Connection connection;

    /**
     * @param asyncCommit whether this session commits without waiting for the WAL flush
     *     ({@code synchronous_commit = off}); reset before the connection goes back to a pool
     */
    public HeldConnection(DataSource dataSource, boolean asyncCommit) {
        this.dataSource = dataSource;
        this.asyncCommit = asyncCommit;
    }

    /** The connection, in auto-commit mode. */
    public Connection get() throws SQLException {
        if (connection == null) {
            Connection fresh = dataSource.getConnection();
            try {
                fresh.setAutoCommit(true);
                try (Statement set = fresh.createStatement()) {
                    if (asyncCommit) {
                        set.execute("SET synchronous_commit TO off");
                    }
                    // This connection runs the same few statements thousands of times: plan them once.
                    // Their right plans are index scans whatever the statistics say: a queue table swings
                    // from empty to a large backlog faster than ANALYZE follows, and a plan made on
                    // "empty" statistics that scans the table would run for every claim.
                    set.execute("SET plan_cache_mode TO force_generic_plan");
                    set.execute("SET enable_seqscan TO off");
                }
            } catch (SQLException | RuntimeException e) {
                Jdbc.closeQuietly(fresh);
                throw e;
            }
            connection = fresh;
        }
        return connection;
    }

    /** Drops the connection after a failure; the next {@link #get()} obtains a new one. */
    public void discard() {
        Jdbc.closeQuietly(connection);
        connection = null;
    }

    @Override
    public void close() {
        if (connection == null) {
            return;
        }
        try (Statement reset = connection.createStatement()) {
            reset.execute("RESET synchronous_commit");
            reset.execute("RESET plan_cache_mode");
            reset.execute("RESET enable_seqscan");
        } catch (SQLException e) {
            // the connection is broken; the pool will not hand it out again
        }
        discard();
    }
}

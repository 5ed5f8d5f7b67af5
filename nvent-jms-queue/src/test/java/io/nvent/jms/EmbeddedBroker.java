package io.nvent.jms;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;

/**
 * An Artemis broker for tests, persistent in a directory, configured the way nvent needs it.
 */
final class EmbeddedBroker implements AutoCloseable {

    private final EmbeddedActiveMQ server;
    private ActiveMQConnectionFactory clients;

    private EmbeddedBroker(EmbeddedActiveMQ server) {
        this.server = server;
    }

    /**
     * Starts a broker in this JVM ({@code vm://<id>}) on a fresh directory under {@code target/artemis}.
     *
     * @param id the in-VM acceptor's id, one per test class that runs at the same time
     * @param prefix the directory's name prefix
     */
    static EmbeddedBroker inVm(int id, String prefix) throws Exception {
        return start(freshDirectory(prefix), "vm://" + id).connectableInVm(id);
    }

    /** {@link #inVm} with the disk limit of {@link #startWithDiskLimit}. */
    static EmbeddedBroker inVmWithDiskLimit(int id, String prefix) throws Exception {
        return startWithDiskLimit(freshDirectory(prefix), "vm://" + id).connectableInVm(id);
    }

    /** The client factory of an {@link #inVm} broker, closed with it. */
    ActiveMQConnectionFactory clients() {
        return clients;
    }

    private EmbeddedBroker connectableInVm(int id) {
        // No prefetch: a worker busy with a job must not hold back jobs other workers could run.
        clients = new ActiveMQConnectionFactory("vm://" + id + "?consumerWindowSize=0");
        return this;
    }

    static Path freshDirectory(String prefix) throws Exception {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "artemis")), prefix);
    }

    /**
     * Starts a broker.
     *
     * @param dataDir journal, bindings, paging and large messages
     * @param acceptorUrl e.g. {@code vm://0} or {@code tcp://127.0.0.1:61616}
     */
    static EmbeddedBroker start(Path dataDir, String acceptorUrl) throws Exception {
        return start(dataDir, acceptorUrl, true);
    }

    /**
     * Starts a broker.
     *
     * @param syncJournal whether a durable send or commit waits for the disk (fsync); false trades
     *     durability on power loss for speed
     */
    static EmbeddedBroker start(Path dataDir, String acceptorUrl, boolean syncJournal) throws Exception {
        return start(configuration(dataDir, acceptorUrl).setJournalDatasync(syncJournal));
    }

    /**
     * Starts a broker whose disk limit a test sets: it watches its disk every 50 ms and starts with
     * a limit of 100 % (never reached), so that {@link #diskFull(boolean)} decides what it sees,
     * whatever the machine's disk holds.
     */
    static EmbeddedBroker startWithDiskLimit(Path dataDir, String acceptorUrl) throws Exception {
        return start(configuration(dataDir, acceptorUrl).setMaxDiskUsage(100).setDiskScanPeriod(50));
    }

    /**
     * Starts a broker with authentication, as README's {@code broker.xml} sets it up: user {@code nvent}
     * (password {@code secret}) of role {@code nvent} with README's permissions on {@code nvent.#}, and user
     * {@code browser} (password {@code secret}) of role {@code browser}, which may only browse them; role
     * {@code nvent} has README's permissions of the live event stream's topic on {@code granted-events.#} only.
     *
     * @param otherAcceptorUrl a second acceptor, e.g. {@code tcp://} beside a {@code vm://} one
     */
    static EmbeddedBroker startSecured(Path dataDir, String acceptorUrl, String otherAcceptorUrl) throws Exception {
        Configuration config = configuration(dataDir, acceptorUrl).setSecurityEnabled(true)
                .addAcceptorConfiguration("other", otherAcceptorUrl);
        // name, send, consume, createDurableQueue, deleteDurableQueue, createNonDurableQueue,
        // deleteNonDurableQueue, manage, browse, createAddress, deleteAddress, view, edit
        config.putSecurityRoles("nvent.#", Set.of(
                new Role("nvent", true, true, true, false, false, false, false, true, true, false, false, false),
                new Role("browser", false, false, false, false, false, false, false, true, false, false, false, false)));
        // README's permissions on the live event stream's topic, for role nvent, on topics granted-events.<name>.
        config.putSecurityRoles("granted-events.#", Set.of(
                new Role("nvent", true, true, false, false, true, true, false, false, true, false, false, false)));
        SecurityConfiguration users = new SecurityConfiguration(
                Map.of("nvent", "secret", "browser", "secret"),
                Map.of("nvent", List.of("nvent"), "browser", List.of("browser")));
        EmbeddedActiveMQ server = new EmbeddedActiveMQ().setConfiguration(config)
                .setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
        server.start();
        return new EmbeddedBroker(server);
    }

    private static EmbeddedBroker start(Configuration configuration) throws Exception {
        EmbeddedActiveMQ server = new EmbeddedActiveMQ().setConfiguration(configuration);
        server.start();
        return new EmbeddedBroker(server);
    }

    /**
     * Makes the broker see its disk as full (a limit of 0 % used) or as having room (100 %), as
     * Artemis's {@code max-disk-usage} does, and waits until it does: while full it holds back
     * every producer.
     */
    void diskFull(boolean full) {
        ((ActiveMQServerImpl) server.getActiveMQServer()).getMonitor().setMaxUsage(full ? 0.0 : 1.0);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.getActiveMQServer().getPagingManager().isDiskFull() == full);
    }

    /**
     * The consumers that receive from a queue now, browsers left out: one that never receives holds the
     * messages the broker pushed to it (its consumer window) away from every other consumer.
     */
    long receivingConsumersOf(String queueName) {
        org.apache.activemq.artemis.core.server.Queue found = server.getActiveMQServer().locateQueue(queueName);
        return found == null ? 0 : found.getConsumers().stream()
                .filter(consumer -> !(consumer instanceof org.apache.activemq.artemis.core.server.ServerConsumer server
                        && server.isBrowseOnly()))
                .count();
    }

    static Configuration configuration(Path dataDir, String acceptorUrl) throws Exception {
        Configuration config = new ConfigurationImpl()
                .setName("nvent-test-broker")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(dataDir.resolve("journal").toString())
                .setBindingsDirectory(dataDir.resolve("bindings").toString())
                .setPagingDirectory(dataDir.resolve("paging").toString())
                .setLargeMessagesDirectory(dataDir.resolve("large").toString())
                .setJournalFileSize(10 * 1024 * 1024)
                .setJournalMinFiles(2)
                .setCriticalAnalyzer(false)
                // As small as nvent-artemis-rar's embedded broker's pool on 2 cores (twice the processors,
                // at least 4): every test of the queue then runs on it, so a broker task that waited for
                // another would hang them here first.
                .setThreadPoolMaxSize(4)
                // Job ids are deduplicated by the broker for as long as they stay in this cache.
                .setIDCacheSize(100_000)
                .addAcceptorConfiguration("nvent", acceptorUrl)
                // nvent owns retries and dead letters; a broker-side limit would drop jobs after
                // a few rolled-back deliveries (crashes, reconnects).
                .addAddressSetting("nvent.#", new AddressSettings()
                        .setMaxDeliveryAttempts(-1)
                        .setRedeliveryDelay(100)
                        .setAutoCreateQueues(true)
                        .setAutoCreateAddresses(true)
                        .setAutoDeleteQueues(false)
                        .setAutoDeleteAddresses(false));
        return config;
    }

    @Override
    public void close() throws Exception {
        if (clients != null) {
            clients.close();
        }
        server.stop();
    }

}

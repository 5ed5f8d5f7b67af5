package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.EventStream;
import io.nvent.spi.PublishedEvent;
import io.nvent.testkit.EventStreamContractTest;
import io.nvent.testkit.TestThreads;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stream on a JMS topic: two instances on one Artemis broker, plus a broker restart. */
class JmsEventStreamTest extends EventStreamContractTest {

    private static Path dataDir;
    private static String url;
    private static EmbeddedBroker broker;
    private static ActiveMQConnectionFactory factory;
    private String topic;

    @BeforeAll
    static void startBroker() throws Exception {
        dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "artemis")), "stream");
        url = "tcp://127.0.0.1:" + BrokerProcess.freePort();
        broker = EmbeddedBroker.start(dataDir, url);
        // No reconnect inside the client: a broken subscription fails at once and the stream itself
        // subscribes again.
        factory = new ActiveMQConnectionFactory(url + "?reconnectAttempts=0&initialConnectAttempts=1"
                + "&callTimeout=5000&clientFailureCheckPeriod=1000&connectionTTL=5000");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        factory.close();
        broker.close();
    }

    @Override
    protected EventStream createInstance(String instance) {
        if (topic == null) {
            topic = "nvent-events-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return new JmsEventStream(factory, new TestThreads(instance), topic);
    }

    @Override
    protected boolean isListening(EventStream stream) {
        return ((JmsEventStream) stream).isListening();
    }

    /** A container's registry whose one transaction the test commits or rolls back. */
    static final class OneTransaction implements TransactionSynchronizationRegistry {
        volatile int status = Status.STATUS_NO_TRANSACTION;
        private final List<Synchronization> synchronizations = new CopyOnWriteArrayList<>();
        private final Map<Object, Object> resources = new ConcurrentHashMap<>();

        void begin() {
            status = Status.STATUS_ACTIVE;
        }

        void commit() {
            synchronizations.forEach(Synchronization::beforeCompletion);
            end(Status.STATUS_COMMITTED);
        }

        void rollBack() {
            end(Status.STATUS_ROLLEDBACK);
        }

        private void end(int outcome) {
            status = outcome;
            synchronizations.forEach(s -> s.afterCompletion(outcome));
            synchronizations.clear();
            resources.clear();
            status = Status.STATUS_NO_TRANSACTION;
        }

        @Override
        public void registerInterposedSynchronization(Synchronization synchronization) {
            synchronizations.add(synchronization);
        }

        @Override
        public int getTransactionStatus() {
            return status;
        }

        @Override
        public Object getTransactionKey() {
            return status == Status.STATUS_NO_TRANSACTION ? null : this;
        }

        @Override
        public void putResource(Object key, Object value) {
            resources.put(key, value);
        }

        @Override
        public Object getResource(Object key) {
            return resources.get(key);
        }

        @Override
        public void setRollbackOnly() {
            status = Status.STATUS_MARKED_ROLLBACK;
        }

        @Override
        public boolean getRollbackOnly() {
            return status == Status.STATUS_MARKED_ROLLBACK;
        }
    }

    private static List<String> runIds(List<PublishedEvent> seen) {
        return seen.stream().map(p -> p.event().runId()).toList();
    }

    @Test
    void a_publish_inside_a_transaction_is_sent_as_it_commits_in_order_and_never_if_it_rolled_back() throws Exception {
        OneTransaction transaction = new OneTransaction();
        try (JmsEventStream inContainer = new JmsEventStream(factory, new TestThreads("stream-tx"), topic,
                JmsEventStream.DEFAULT_SEND_TIMEOUT, transaction)) {
            transaction.begin();
            inContainer.publish("orders", List.of(event("run-committed", 1, "{}")));
            inContainer.publish("orders", List.of(event("run-committed", 2, "{}")));
            transaction.status = Status.STATUS_NO_TRANSACTION;   // the thread's next publish, outside it
            inContainer.publish("orders", List.of(event("run-outside", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-outside"));
            assertThat(runIds(seenOnB)).as("sent before its transaction committed").doesNotContain("run-committed");

            transaction.status = Status.STATUS_ACTIVE;
            transaction.commit();
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-committed"));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(seenOnB).filteredOn(p -> p.event().runId()
                    .equals("run-committed")).extracting(p -> p.event().seq()).containsExactly(1L, 2L));

            transaction.begin();
            inContainer.publish("orders", List.of(event("run-rolled-back", 1, "{}")));
            transaction.rollBack();
            inContainer.publish("orders", List.of(event("run-after", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-after"));
            assertThat(runIds(seenOnB)).doesNotContain("run-rolled-back");
        }
    }

    @Test
    void a_listener_whose_broker_restarted_subscribes_again_and_receives_again() throws Exception {
        broker.close();
        await().atMost(PATIENCE).until(() -> !isListening(b));
        broker = EmbeddedBroker.start(dataDir, url);

        // Events published while the listener is down are lost (the SPI allows it): publish until
        // one arrives after it subscribed again.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            a.publish("orders", List.of(event("run-after", 1, "{}")));
            return !seenOnB.isEmpty();
        });
        assertThat(isListening(b)).isTrue();
    }
}

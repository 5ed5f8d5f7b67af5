package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.EventStream;
import io.nvent.testkit.EventStreamContractTest;
import io.nvent.testkit.TestThreads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
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

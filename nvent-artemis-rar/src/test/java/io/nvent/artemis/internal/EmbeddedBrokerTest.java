package io.nvent.artemis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.testkit.LogRecorder;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.Queue;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerTest {

    private static final int SERVER_ID = 17;

    @TempDir
    Path dataDir;

    private EmbeddedBroker.Settings settings(boolean persistent) {
        return new EmbeddedBroker.Settings(dataDir, persistent, SERVER_ID, 10, 5_000L,
                EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS);
    }

    @Test
    void durableWritesShareADiskSyncForAtMostTheConfiguredBufferTimeout() {
        assertThat(EmbeddedBroker.configuration(settings(true)).getJournalBufferTimeout_NIO()).isEqualTo(1_000_000);
        assertThat(EmbeddedBroker.configuration(new EmbeddedBroker.Settings(dataDir, true, SERVER_ID, 10, 5_000L,
                250_000L)).getJournalBufferTimeout_NIO()).isEqualTo(250_000);
        assertThatThrownBy(() -> new EmbeddedBroker.Settings(dataDir, true, SERVER_ID, 10, 5_000L, 0L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JournalBufferTimeout");
    }

    @Test
    void persistentMessageSurvivesBrokerRestart() throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.start(settings(true));
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://" + SERVER_ID);
             JMSContext ctx = cf.createContext()) {
            Queue queue = ctx.createQueue("restart.test");
            ctx.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT).send(queue, "survives");
        } finally {
            broker.stop();
        }
        assertThat(dataDir.resolve("journal")).isDirectory();

        EmbeddedBroker again = EmbeddedBroker.start(settings(true));
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://" + SERVER_ID);
             JMSContext ctx = cf.createContext()) {
            assertThat(again.isActive()).isTrue();
            String body = ctx.createConsumer(ctx.createQueue("restart.test")).receiveBody(String.class, 5_000);
            assertThat(body).isEqualTo("survives");
        } finally {
            again.stop();
        }
    }

    @Test
    void sendingAndReceivingAMessageWritesNoAuditLinesToTheServerLog() throws Exception {
        try (LogRecorder audit = LogRecorder.recording(entry -> entry.getLoggerName() != null
                && entry.getLoggerName().startsWith("org.apache.activemq.audit")
                && entry.getLevel().intValue() < Level.WARNING.intValue())) {
            sendAndReceiveOne(settings(true), "audit.test");
            assertThat(audit.records()).isEmpty();
        }
    }

    @Test
    void anAuditLevelTheServerConfiguredIsLeftAsItIs() {
        Logger message = Logger.getLogger("org.apache.activemq.audit.message");
        Level before = message.getLevel();
        try {
            message.setLevel(Level.INFO);
            EmbeddedBroker.quietAuditLogging();
            assertThat(message.getLevel()).isEqualTo(Level.INFO);
        } finally {
            message.setLevel(before);
        }
    }

    @Test
    void nonPersistentBrokerWritesNothing() throws Exception {
        Path dir = dataDir.resolve("unused");
        sendAndReceiveOne(new EmbeddedBroker.Settings(dir, false, SERVER_ID, 10, 5_000L,
                EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS), "memory.test");
        assertThat(dir).doesNotExist();
    }

    /** Starts a broker, sends a message through one of its queues, receives it back, and stops the broker. */
    private static void sendAndReceiveOne(EmbeddedBroker.Settings settings, String queueName) throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.start(settings);
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://" + SERVER_ID);
             JMSContext ctx = cf.createContext()) {
            Queue queue = ctx.createQueue(queueName);
            ctx.createProducer().send(queue, "hello");
            assertThat(ctx.createConsumer(queue).receiveBody(String.class, 5_000)).isEqualTo("hello");
        } finally {
            broker.stop();
        }
    }
}

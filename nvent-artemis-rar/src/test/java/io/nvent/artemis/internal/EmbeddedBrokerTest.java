package io.nvent.artemis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.testkit.LogRecorder;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.Queue;
import java.nio.file.Path;
import java.time.Duration;
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
    void theDiskLimitIsArtemisDefaultOfNinetyPercentUnlessConfiguredAndAPercentageOrMinusOne() {
        assertThat(EmbeddedBroker.configuration(settings(true)).getMaxDiskUsage()).isEqualTo(90);
        assertThat(EmbeddedBroker.configuration(withDiskLimit(97)).getMaxDiskUsage()).isEqualTo(97);
        assertThat(EmbeddedBroker.configuration(withDiskLimit(-1)).getMaxDiskUsage()).isEqualTo(-1);
        assertThatThrownBy(() -> withDiskLimit(101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0907 MaxDiskUsage").hasMessageContaining("was 101");
        assertThatThrownBy(() -> withDiskLimit(-2)).hasMessageContaining("NVENT-0907");
    }

    @Test
    void aBrokerStartedOnADiskAboveItsLimitSaysSoAtStartAndArtemisOwnWarningReachesTheServerLog() throws Exception {
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue()
                && entry.getMessage() != null
                && (entry.getMessage().startsWith("NVENT-0908") || entry.getMessage().startsWith("AMQ222210")))) {
            // 0 %: any disk is above it.
            EmbeddedBroker broker = EmbeddedBroker.start(withDiskLimit(0));
            try {
                assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                        .contains("NVENT-0908", dataDir.toAbsolutePath().toString(), "MaxDiskUsage=0 %",
                                "enqueues fail"));
                // Artemis scans the disk every 5 s.
                await().atMost(Duration.ofSeconds(20)).until(() -> log.records().stream()
                        .anyMatch(entry -> entry.getMessage().startsWith("AMQ222210: Free storage space is at")));
            } finally {
                broker.stop();
            }
        }
    }

    @Test
    void aBrokerWithinItsDiskLimitSaysNothingAboutIt() throws Exception {
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage() != null
                && entry.getMessage().startsWith("NVENT-0908"))) {
            EmbeddedBroker.warnIfDiskAboveLimit(withDiskLimit(100));
            EmbeddedBroker.warnIfDiskAboveLimit(withDiskLimit(-1));
            assertThat(log.records()).isEmpty();
        }
    }

    private EmbeddedBroker.Settings withDiskLimit(int maxDiskUsage) {
        return new EmbeddedBroker.Settings(dataDir, true, SERVER_ID, 10, 5_000L,
                EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS, maxDiskUsage,
                EmbeddedBroker.defaultThreadPoolMaxSize());
    }

    @Test
    void theBrokersThreadPoolHasTwiceTheProcessorsFromFourToThirtyThreadsUnlessConfigured() {
        int processors = Runtime.getRuntime().availableProcessors();
        assertThat(EmbeddedBroker.configuration(settings(true)).getThreadPoolMaxSize())
                .isEqualTo(Math.min(30, Math.max(4, 2 * processors)))
                .isBetween(4, 30);
        assertThat(EmbeddedBroker.configuration(new EmbeddedBroker.Settings(dataDir, true, SERVER_ID, 10, 5_000L,
                EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS, 90, -1)).getThreadPoolMaxSize()).isEqualTo(-1);
    }

    @Test
    void aBrokerOnASmallThreadPoolStillTakesAndDeliversPersistentMessages() throws Exception {
        sendAndReceiveOne(new EmbeddedBroker.Settings(dataDir, true, SERVER_ID, 10, 5_000L,
                EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS, 90, 4), "small.pool.test");
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

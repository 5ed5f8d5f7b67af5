package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.testkit.LogRecorder;
import jakarta.jms.JMSException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.activemq.artemis.api.core.ActiveMQNotConnectedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Sends that wait past their timeout are reported for what they waited for. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HeldBackSendsTest {

    private static final Duration TIMEOUT = Duration.ofMillis(100);

    private final ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1);
    private final AtomicBoolean workersCannotReachTheBroker = new AtomicBoolean();
    private final HeldBackSends sends = new HeldBackSends(watchdog, TIMEOUT, Clock.systemUTC(),
            workersCannotReachTheBroker::get);

    @AfterEach
    void stop() {
        watchdog.shutdownNow();
    }

    /** A send that waits until the watchdog interrupts it, then fails with {@code failure}. */
    private static HeldBackSends.Send<Void> waitingUntilInterrupted(JMSException failure) {
        return () -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                throw failure;
            }
            return null;
        };
    }

    @Test
    void a_send_that_waited_for_a_broker_it_could_not_reach_is_reported_as_the_broker_unreachable_not_held_back() {
        JMSException notConnected = new JMSException("send failed");
        notConnected.setLinkedException(new ActiveMQNotConnectedException("AMQ219007: Cannot connect to server(s)"));

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            assertThatThrownBy(() -> sends.send("queue qa", waitingUntilInterrupted(notConnected)))
                    .isInstanceOf(HeldBackSends.TimedOut.class)
                    .hasMessageStartingWith("the send to queue qa could not reach the broker within " + TIMEOUT)
                    .hasMessageContaining("AMQ219007").hasMessageNotContaining("max-disk-usage");

            assertThat(log.messagesContaining("NVENT-0648")).isEmpty();
            assertThat(log.messagesContaining("NVENT-0667")).singleElement().asString()
                    .startsWith("NVENT-0667 sends to queue qa cannot reach the broker").contains("AMQ219007")
                    .doesNotContain("max-disk-usage");
            assertThat(sends.problem()).hasValueSatisfying(problem -> assertThat(problem)
                    .startsWith("sends to queue qa cannot reach the broker since").doesNotContain("max-disk-usage"));
        }
    }

    @Test
    void a_send_that_waited_while_the_workers_cannot_reach_the_broker_is_reported_as_the_broker_unreachable() {
        workersCannotReachTheBroker.set(true);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            assertThatThrownBy(() -> sends.send("queue qa", waitingUntilInterrupted(new JMSException("interrupted"))))
                    .hasMessageStartingWith("the send to queue qa could not reach the broker");

            assertThat(log.messagesContaining("NVENT-0667")).hasSize(1);
            assertThat(log.messagesContaining("NVENT-0648")).isEmpty();
        }
    }

    @Test
    void a_send_the_broker_held_back_while_it_answers_otherwise_is_reported_as_held_back_and_then_flowing_again()
            throws Exception {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            assertThatThrownBy(() -> sends.send("queue qa", waitingUntilInterrupted(new JMSException("interrupted"))))
                    .hasMessageStartingWith("the broker held the send to queue qa back for " + TIMEOUT)
                    .hasMessageContaining("max-disk-usage");
            assertThat(log.messagesContaining("NVENT-0648")).hasSize(1);
            assertThat(sends.problem()).hasValueSatisfying(problem -> assertThat(problem)
                    .startsWith("sends to queue qa are held back by the broker since"));

            sends.send("queue qa", () -> null);

            assertThat(log.messagesContaining("NVENT-0649")).hasSize(1);
            assertThat(log.messagesContaining("NVENT-0667")).isEmpty();
            assertThat(sends.problem()).isEmpty();
        }
    }
}

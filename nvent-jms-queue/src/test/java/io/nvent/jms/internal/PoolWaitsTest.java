package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.testkit.LogRecorder;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PoolWaitsTest {

    private final ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1);
    private final AtomicBoolean brokerAnswers = new AtomicBoolean();
    private final PoolWaits pool = new PoolWaits(watchdog, Duration.ofMillis(50), "the test's sends",
            "Raise max-pool-size", brokerAnswers::get);
    private final CountDownLatch free = new CountDownLatch(1);

    @AfterEach
    void stop() {
        free.countDown();
        watchdog.shutdownNow();
    }

    /** A connect that waits for a pooled connection, as a container's pool makes it. */
    private String whenThePoolHasOneFree() {
        try {
            return free.await(10, TimeUnit.SECONDS) ? "connected" : "timed out";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Test
    void a_connect_that_waits_is_the_pools_only_while_the_broker_answers_otherwise_and_connects_again_are_said_once() {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-066"))) {
            CompletableFuture<String> connect = CompletableFuture.supplyAsync(() -> {
                try {
                    return pool.connect(this::whenThePoolHasOneFree);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            // The broker away makes connects wait too: that is not the pool's.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> log.records().isEmpty());
            assertThat(pool.starved()).isFalse();

            brokerAnswers.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.containing("NVENT-0664").isEmpty());
            assertThat(log.messagesContaining("NVENT-0664")).singleElement().asString()
                    .startsWith("NVENT-0664 the test's sends has waited").contains("while the broker answers otherwise",
                            "the pool of its connection factory has no connection or session free", "Raise max-pool-size");
            assertThat(pool.starved()).isTrue();

            free.countDown();
            assertThat(connect.join()).isEqualTo("connected");
            assertThat(log.messagesContaining("NVENT-0666")).singleElement().asString()
                    .startsWith("NVENT-0666 the test's sends gets JMS connections from its connection factory's pool again");
            assertThat(pool.starved()).isFalse();
        }
    }

    @Test
    void a_connect_taken_for_waiting_for_the_pool_that_then_fails_to_reach_the_broker_is_said_to_be_the_brokers() {
        brokerAnswers.set(true);
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-066"))) {
            CompletableFuture<Exception> connect = CompletableFuture.supplyAsync(() -> {
                try {
                    pool.connect(() -> {
                        whenThePoolHasOneFree();
                        throw new JMSException("AMQ219007: Cannot connect to server(s). Tried with all available "
                                + "servers.");
                    });
                    return null;
                } catch (JMSException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.containing("NVENT-0664").isEmpty());

            free.countDown();

            assertThat(connect.join()).hasMessageContaining("AMQ219007");
            assertThat(log.messagesContaining("NVENT-0669")).singleElement().asString()
                    .startsWith("NVENT-0669 the test's sends waited for the broker, not for its connection factory's pool")
                    .contains("AMQ219007");
            assertThat(pool.starved()).isFalse();
        }
    }
}

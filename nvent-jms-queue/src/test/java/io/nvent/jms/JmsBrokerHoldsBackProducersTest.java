package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.TestThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broker that holds producers back (here: Artemis with its disk "full", as it sees it above
 * {@code max-disk-usage}): sends fail after the send timeout instead of waiting for ever, health
 * says so while it lasts, and nothing is lost.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
// A send held back without a bound would hang the build: fail the test instead, leaving its thread.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JmsBrokerHoldsBackProducersTest {

    /**
     * Longer than a loaded machine takes for a send the broker does not hold back (300 ms timed the first enqueue
     * out there), so that only the broker's holding back times sends out, and a publish that waits for nothing
     * returns well within it.
     */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(2);
    /** More jobs than the producer credits a connection holds: the broker holds the rest back. */
    private static final int MORE_THAN_THE_CREDITS_HELD = 5_000;

    @RegisterExtension
    static final InVmBroker broker = InVmBroker.withDiskLimit(3, "held-back");

    private final ActiveMQConnectionFactory factory = broker.clients();
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    private final String queue = InVmBroker.freshQueue("held");

    @AfterEach
    void freeTheDisk() throws Exception {
        broker.diskFull(false);
        for (AutoCloseable each : closing) {
            each.close();
        }
    }

    @Test
    void an_enqueue_the_broker_holds_back_fails_after_the_send_timeout_naming_the_queue_and_the_likely_cause() {
        JmsJobQueue node = node();
        broker.diskFull(true);

        JmsQueueException heldBack = enqueueUntilHeldBack(node, "job");

        assertThat(heldBack).hasMessageContaining("NVENT-0647").hasMessageContaining("on queue " + queue)
                .hasMessageContaining("held the send to queue " + queue + " back for PT2S")
                .hasMessageContaining("disk or memory limit").hasMessageContaining("see the broker's log");
        assertThat(heldBack.isRetryable()).as("REST answers 503, a step's emit is retried").isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("the caller's thread goes on uninterrupted").isFalse();
    }

    @Test
    void a_job_whose_enqueue_was_held_back_is_not_enqueued_and_its_id_can_be_enqueued_again() {
        JmsJobQueue node = node();
        broker.diskFull(true);
        JmsQueueException heldBack = enqueueUntilHeldBack(node, "job");
        String jobId = heldBack.getMessage().replaceAll(".*enqueue job (\\S+) on queue.*", "$1");
        long enqueued = Long.parseLong(jobId.substring("job-".length()));

        broker.diskFull(false);
        enqueueOnceTheBrokerTakesIt(node, jobId);

        Recorder handler = new Recorder();
        node.registerWorker(queue, 2, handler);
        await().atMost(Duration.ofSeconds(30)).until(() -> handler.started.size() == enqueued + 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> handler.started.size() == enqueued + 1);
        assertThat(handler.started).filteredOn(jobId::equals).as("the held-back job, run once").hasSize(1);
    }

    @Test
    void while_the_broker_holds_sends_back_the_queue_reports_since_when_and_logs_it_once_until_they_flow_again() {
        JmsJobQueue node = node();
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage() != null
                && entry.getMessage().contains("queue " + queue))) {
            assertThat(node.problem()).isEmpty();
            broker.diskFull(true);
            enqueueUntilHeldBack(node, "first");
            assertThatThrownBy(() -> node.enqueue(JobRequest.of(queue, "second", "step", "{}")))
                    .hasMessageContaining("NVENT-0647");

            assertThat(node.problem()).as("what health and readiness are told").hasValueSatisfying(problem ->
                    assertThat(problem).contains("sends to queue " + queue + " are held back by the broker since ",
                            "2 sends waited longer than PT2S", "disk or memory limit"));
            assertThat(log.records()).extracting(entry -> entry.getLevel().getName() + " " + entry.getMessage())
                    .singleElement().asString().startsWith("WARNING NVENT-0648 the broker holds back sends to queue "
                            + queue);

            broker.diskFull(false);
            enqueueOnceTheBrokerTakesIt(node, "after");

            assertThat(node.problem()).isEmpty();
            assertThat(log.records()).hasSize(2).last().satisfies(entry -> {
                assertThat(entry.getLevel()).isEqualTo(Level.INFO);
                assertThat(entry.getMessage()).startsWith("NVENT-0649 sends to queue " + queue + " flow again")
                        .containsPattern("\\d+ sends waited longer than PT2S");
            });
        }
    }

    @Test
    void a_worker_whose_retry_the_broker_holds_back_waits_reported_by_health_and_then_runs_the_retry() {
        JmsJobQueue node = node();
        node.enqueue(JobRequest.of(queue, "flaky", "step", "{}").withRetry(RetryPolicy.newBuilder().maxAttempts(2)
                .backoff(BackoffType.FIXED).initialDelay(Duration.ofMillis(1)).build()));
        broker.diskFull(true);
        Recorder handler = new Recorder("flaky");

        node.registerWorker(queue, 1, handler);

        // Failing the worker's send would roll back the failed attempt and run it again: it waits.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(node.problem())
                .hasValueSatisfying(problem -> assertThat(problem).contains("sends to queue " + queue
                        + " are held back by the broker since ", "1 of this node's workers still waiting")));
        assertThat(handler.started).containsExactly("flaky");

        broker.diskFull(false);

        await().atMost(Duration.ofSeconds(20)).until(() -> node.counts(queue).completed() == 1);
        assertThat(handler.started).as("the first attempt, then its retry").containsExactly("flaky", "flaky");
        assertThat(node.problem()).isEmpty();
    }

    @Test
    void while_the_queues_only_worker_waits_for_its_replacement_a_send_the_broker_holds_back_reads_as_held_back_not_as_unreachable() {
        JmsJobQueue node = node();
        node.enqueue(JobRequest.of(queue, "kills-its-worker", "step", "{}"));
        broker.diskFull(true);
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            node.registerWorker(queue, 1, new Killing());
            // Every worker dies on the job, which comes again: the backoff doubles to 5 s, longer than a held-back send.
            await().atMost(Duration.ofSeconds(40)).until(() -> !log.messagesContaining("replaces it in 5000 ms").isEmpty());

            JmsQueueException heldBack = enqueueUntilHeldBack(node, "during-the-backoff");

            assertThat(heldBack).hasMessageContaining("NVENT-0647").hasMessageContaining("disk or memory limit")
                    .hasMessageNotContaining("could not reach the broker");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(node.problem())
                    .as("what health and readiness are told while the worker waits for its replacement")
                    .hasValueSatisfying(problem -> assertThat(problem).contains("NVENT-0622 queue " + queue
                            + " runs 0 of its 1 workers on this node", "sends to queue " + queue
                            + " are held back by the broker since ").doesNotContain("cannot reach")));
            assertThat(log.messagesContaining("NVENT-0648")).as("held back, once").singleElement();
            assertThat(log.containing("NVENT-0667")).as("never taken for a broker out of reach").isEmpty();
        }
    }

    /** Kills its worker with a {@link StackOverflowError} in every attempt: the attempt counts as none and comes again. */
    private static final class Killing implements JobHandler {
        @Override
        public void handle(JobExecution job) {
            throw new StackOverflowError("kills its worker on purpose");
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
        }
    }

    @Test
    void a_stream_publish_the_broker_holds_back_returns_at_once_and_its_send_fails_after_the_send_timeout() {
        JmsEventStream stream = new JmsEventStream(factory, new TestThreads("held-stream"), "held-" + queue,
                SEND_TIMEOUT, null, "held-broker");
        closing.add(stream);
        broker.diskFull(true);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            long start = System.nanoTime();
            // Each send opens its own context, which the broker gives no credits to send with.
            stream.publish("orders", List.of(new HistoryEvent("run-1", 1, EventType.FLOW_START, Optional.empty(), 0,
                    Instant.now(), "{}")));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the publish waits for nothing")
                    .isLessThan(SEND_TIMEOUT);

            await().atMost(Duration.ofSeconds(20)).until(() -> !log.containing("NVENT-0650").isEmpty());
            assertThat(log.messagesContaining("NVENT-0650")).singleElement().asString()
                    .startsWith("NVENT-0663 1 send of live events failed").contains("topic held-" + queue)
                    .contains("The last: NVENT-0250 adapter 'jms' cannot reach its backend: NVENT-0650 could not publish"
                            + " 1 event(s) of 1 publish(es), flow orders on topic held-" + queue + " (broker held-broker)")
                    .contains("held the send to topic held-" + queue + " back for PT2S", "disk or memory limit");
            assertThat(log.messagesContaining("NVENT-0648")).as("the broker, not a pool, holds the stream back")
                    .singleElement().asString().contains("sends to topic held-" + queue);
            assertThat(log.containing("NVENT-0664")).isEmpty();
        }
    }

    /** Enqueues jobs {@code <prefix>-0}, {@code -1}, … until the broker holds one back. */
    private JmsQueueException enqueueUntilHeldBack(JmsJobQueue node, String prefix) {
        for (int i = 0; i < MORE_THAN_THE_CREDITS_HELD; i++) {
            try {
                node.enqueue(JobRequest.of(queue, prefix + "-" + i, "step", "{\"filler\":\"" + "x".repeat(100) + "\"}"));
            } catch (JmsQueueException heldBack) {
                return heldBack;
            }
        }
        return fail("the broker took " + MORE_THAN_THE_CREDITS_HELD + " jobs with its disk full");
    }

    /** Enqueues a job, again while the broker still holds it back: it lets producers go a moment after its disk. */
    private void enqueueOnceTheBrokerTakesIt(JmsJobQueue node, String jobId) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(JmsQueueException.class).until(() -> {
            node.enqueue(JobRequest.of(queue, jobId, "step", "{}"));
            return true;
        });
    }

    private JmsJobQueue node() {
        JmsJobQueue node = new JmsJobQueue(factory, new TestThreads("held-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().sendTimeout(SEND_TIMEOUT).shutdownGrace(Duration.ofSeconds(2)).build());
        closing.add(node::close);
        return node;
    }

    private static final class Recorder implements JobHandler {
        final List<String> started = new CopyOnWriteArrayList<>();
        private final Set<String> failOnce;

        /** Records the jobs it runs; the first attempt of each of {@code failOnce} fails. */
        Recorder(String... failOnce) {
            this.failOnce = ConcurrentHashMap.newKeySet();
            this.failOnce.addAll(List.of(failOnce));
        }

        @Override
        public void handle(JobExecution job) {
            started.add(job.jobId());
            if (failOnce.remove(job.jobId())) {
                throw new IllegalStateException("first attempt fails on purpose");
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
        }
    }
}

package io.nvent.spi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backlog both live event streams share, with a sender that the test holds up and lets go. */
class OrderedPublisherTest {

    private static final long PATIENCE_SECONDS = 10;
    private static final System.Logger LOG = System.getLogger(OrderedPublisherTest.class.getName());

    /** The batches the sender was handed, as the run ids of their publishes. */
    private final BlockingQueue<List<String>> sent = new LinkedBlockingQueue<>();
    /** The sizes of the batches {@link #sentRunIds} took. */
    private final List<Integer> batchSizes = new ArrayList<>();
    private final CountDownLatch letGo = new CountDownLatch(1);
    private final CountDownLatch senderHeld = new CountDownLatch(1);
    private OrderedPublisher publisher;

    private OrderedPublisher publisher(int capacity, int maxBatch, TransactionHooks transactions) {
        publisher = new OrderedPublisher(LOG, "the test's stream", "TEST-1", "TEST-2", capacity, maxBatch,
                transactions, Thread::new, "test-sender", batch -> {
                    senderHeld.countDown();
                    try {
                        letGo.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("closed");
                    }
                    sent.add(batch.stream().map(p -> p.events().get(0).runId()).toList());
                });
        return publisher;
    }

    @AfterEach
    void close() {
        letGo.countDown();
        if (publisher != null) {
            publisher.close();
        }
    }

    private static List<HistoryEvent> eventOf(String runId) {
        return List.of(new HistoryEvent(runId, 1, EventType.FLOW_START, Optional.empty(), 1,
                Instant.parse("2026-12-03T10:00:00Z"), "{}"));
    }

    /** Every run id the sender was handed, in order, once it has been handed {@code count}. */
    private List<String> sentRunIds(int count) throws InterruptedException {
        List<String> runIds = new ArrayList<>();
        while (runIds.size() < count) {
            List<String> batch = sent.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertThat(batch).as("a batch within " + PATIENCE_SECONDS + " s").isNotNull();
            runIds.addAll(batch);
            batchSizes.add(batch.size());
        }
        return runIds;
    }

    @Test
    void publishes_made_while_the_sender_is_held_up_return_at_once_and_go_out_in_order_in_batches()
            throws InterruptedException {
        OrderedPublisher publisher = publisher(100, 3, TransactionHooks.NONE);
        publisher.publish("orders", eventOf("run-0"));
        assertThat(senderHeld.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).as("the sender took the first").isTrue();

        long start = System.nanoTime();
        for (int i = 1; i <= 7; i++) {
            publisher.publish("orders", eventOf("run-" + i));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("publishes that wait for no sender")
                .isLessThan(Duration.ofSeconds(5));
        letGo.countDown();

        assertThat(sentRunIds(8)).containsExactly("run-0", "run-1", "run-2", "run-3", "run-4", "run-5", "run-6",
                "run-7");
        assertThat(batchSizes).as("what waited, up to 3 at a time").containsExactly(1, 3, 3, 1);
    }

    @Test
    void a_publish_inside_a_transaction_waits_for_its_commit_and_one_that_rolled_back_is_never_sent()
            throws InterruptedException {
        List<Consumer<Boolean>> outcomes = new ArrayList<>();
        TransactionHooks inTransaction = new TransactionHooks() {
            @Override
            public boolean inTransaction() {
                return true;
            }

            @Override
            public void afterCompletion(Consumer<Boolean> committed) {
                outcomes.add(committed);
            }
        };
        letGo.countDown();
        OrderedPublisher publisher = publisher(100, 10, inTransaction);

        publisher.publish("orders", eventOf("run-rolled-back"));
        publisher.publish("orders", eventOf("run-committed"));
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).as("nothing before the outcome").isNull();

        outcomes.get(0).accept(false);
        outcomes.get(1).accept(true);
        assertThat(sentRunIds(1)).containsExactly("run-committed");
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).as("nothing of the rolled-back one").isNull();
    }

    @Test
    void beyond_its_capacity_a_publish_is_dropped_and_the_rest_still_go_out_in_order() throws InterruptedException {
        OrderedPublisher publisher = publisher(2, 10, TransactionHooks.NONE);
        publisher.publish("orders", eventOf("run-0"));
        assertThat(senderHeld.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
        publisher.waitingFor("waits for the test");

        for (int i = 1; i <= 4; i++) {
            publisher.publish("orders", eventOf("run-" + i));
        }
        letGo.countDown();

        assertThat(sentRunIds(3)).containsExactly("run-0", "run-1", "run-2");
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).as("run-3 and run-4 dropped").isNull();
    }

    @Test
    void a_publish_of_no_events_sends_nothing() throws InterruptedException {
        letGo.countDown();
        publisher(10, 10, TransactionHooks.NONE).publish("orders", List.of());

        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    /**
     * A send that fails is kept for the stream's health check (since when, how many, the last cause) until one goes
     * through: a warning while they have failed for less than 30 s, DOWN once they have failed that long.
     */
    @Test
    void failing_sends_are_a_warning_then_down_after_thirty_seconds_of_failures_and_cleared_by_one_that_goes_through()
            throws InterruptedException {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00.250Z"));
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
        publisher = new OrderedPublisher(LOG, "the test's stream", "TEST-1", "TEST-2", 100, 1, TransactionHooks.NONE,
                Thread::new, "test-sender", batch -> {
                    String runId = batch.get(0).events().get(0).runId();
                    outcomes.add(runId);
                    if (runId.startsWith("fail")) {
                        throw new IllegalStateException("broker away (" + runId + ")");
                    }
                }, clock);

        publisher.publish("orders", eventOf("fail-1"));
        assertThat(outcomes.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("fail-1");
        await().until(() -> publisher.failingSends().isPresent());
        assertThat(publisher.sendsFailingBriefly()).as("one failed send: a warning").hasValueSatisfying(failing -> {
            assertThat(failing.count()).isEqualTo(1);
            assertThat(failing.describe("TEST-3", "the test's stream")).startsWith("TEST-3 sends of the test's stream "
                    + "fail since 2026-12-07T10:00:00Z (1 send failed, the last at 2026-12-07T10:00:00Z; DOWN once "
                    + "they have failed for 30 s with none going through)").endsWith("The last: broker away (fail-1)");
        });
        assertThat(publisher.sendsDown()).isEmpty();

        now.set(now.get().plusSeconds(29));
        publisher.publish("orders", eventOf("fail-2"));
        await().until(() -> publisher.failingSends().orElseThrow().count() == 2);
        assertThat(publisher.sendsDown()).as("29 s of failures").isEmpty();

        now.set(now.get().plusSeconds(1));
        publisher.publish("orders", eventOf("fail-3"));
        await().until(() -> publisher.failingSends().orElseThrow().count() == 3);
        assertThat(publisher.sendsDown()).as("30 s of failures").hasValueSatisfying(failing -> {
            assertThat(failing.since()).isEqualTo(Instant.parse("2026-12-07T10:00:00.250Z"));
            assertThat(failing.cause()).isEqualTo("broker away (fail-3)");
        });
        assertThat(publisher.sendsFailingBriefly()).isEmpty();

        now.set(now.get().plusSeconds(600));
        publisher.publish("orders", eventOf("goes-through"));
        await().until(() -> publisher.failingSends().isEmpty());
        assertThat(publisher.sendsDown()).isEmpty();

        publisher.publish("orders", eventOf("fail-4"));
        await().until(() -> publisher.failingSends().isPresent());
        assertThat(publisher.failingSends().orElseThrow().count()).as("counted afresh").isEqualTo(1);
    }
}

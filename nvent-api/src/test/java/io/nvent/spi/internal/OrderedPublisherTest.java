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
import java.util.concurrent.Semaphore;
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
    /** What {@link #clock} says; the test moves it. */
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00.250Z"));
    private final Clock clock = new Clock() {
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
        await().until(() -> !publisher.failingSends().isEmpty());
        assertThat(publisher.sendsFailingBriefly()).as("one failed send: a warning").singleElement().satisfies(failing -> {
            assertThat(failing.count()).isEqualTo(1);
            assertThat(failing.describe("TEST-3", "the test's stream")).startsWith("TEST-3 sends of the test's stream "
                    + "fail since 2026-12-07T10:00:00Z (1 send failed, the last at 2026-12-07T10:00:00Z; DOWN once "
                    + "they have failed for 30 s with none going through)").endsWith("The last: broker away (fail-1)");
        });
        assertThat(publisher.sendsDown()).isEmpty();

        now.set(now.get().plusSeconds(29));
        publisher.publish("orders", eventOf("fail-2"));
        await().until(() -> publisher.failingSends().get(0).count() == 2);
        assertThat(publisher.sendsDown()).as("29 s of failures").isEmpty();

        now.set(now.get().plusSeconds(1));
        publisher.publish("orders", eventOf("fail-3"));
        await().until(() -> publisher.failingSends().get(0).count() == 3);
        assertThat(publisher.sendsDown()).as("30 s of failures").singleElement().satisfies(failing -> {
            assertThat(failing.since()).isEqualTo(Instant.parse("2026-12-07T10:00:00.250Z"));
            assertThat(failing.cause()).isEqualTo("broker away (fail-3)");
        });
        assertThat(publisher.sendsFailingBriefly()).isEmpty();

        now.set(now.get().plusSeconds(600));
        publisher.publish("orders", eventOf("goes-through"));
        await().until(() -> publisher.failingSends().isEmpty());
        assertThat(publisher.sendsDown()).isEmpty();

        publisher.publish("orders", eventOf("fail-4"));
        await().until(() -> !publisher.failingSends().isEmpty());
        assertThat(publisher.failingSends().get(0).count()).as("counted afresh").isEqualTo(1);
    }

    /**
     * A transport that sends one kind of message and fails another (PostgreSQL's events over NOTIFY's limit, with
     * their table gone): the other kind going through does not clear that kind's failures, which go DOWN after 30 s
     * of them, and a send of that kind that goes through clears them.
     */
    @Test
    void a_kind_of_send_that_keeps_failing_stays_failing_and_goes_down_while_sends_of_another_kind_go_through()
            throws InterruptedException {
        BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
        AtomicReference<Boolean> largeFail = new AtomicReference<>(true);
        publisher = new OrderedPublisher(LOG, "the test's stream", "TEST-1", "TEST-2", 100, 1, TransactionHooks.NONE,
                Thread::new, "test-sender", batch -> {
                    String runId = batch.get(0).events().get(0).runId();
                    publisher.sending(OrderedPublisher.ANY_KIND);
                    if (runId.startsWith("large")) {
                        publisher.sending("large events");
                        if (largeFail.get()) {
                            outcomes.add(runId);
                            throw new IllegalStateException("no table for " + runId);
                        }
                    }
                    outcomes.add(runId);
                }, clock);

        publisher.publish("orders", eventOf("large-1"));
        assertThat(outcomes.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("large-1");
        await().until(() -> !publisher.failingSends().isEmpty());
        for (int second = 5; second <= 30; second += 5) {
            now.set(now.get().plusSeconds(5));
            publisher.publish("orders", eventOf("small-" + second));
            assertThat(outcomes.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("small-" + second);
            publisher.publish("orders", eventOf("large-" + second));
            assertThat(outcomes.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("large-" + second);
            await().until(() -> publisher.failingSends().get(0).last().equals(now.get()));
            assertThat(publisher.failingSends()).as("small sends went through at %s s", second).singleElement()
                    .satisfies(failing -> assertThat(failing.kind()).isEqualTo("large events"));
        }
        assertThat(publisher.sendsDown()).as("30 s of failed large sends").singleElement().satisfies(failing -> {
            assertThat(failing.count()).isEqualTo(7);
            assertThat(failing.describe("TEST-3", "the test's stream")).startsWith("TEST-3 sends of large events of the "
                    + "test's stream fail since 2026-12-07T10:00:00Z (7 sends failed, the last at 2026-12-07T10:00:30Z;")
                    .contains("miss this instance's large events until a send of them goes through")
                    .endsWith("The last: no table for large-30");
        });

        largeFail.set(false);
        publisher.publish("orders", eventOf("large-back"));
        assertThat(outcomes.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("large-back");
        await().until(() -> publisher.failingSends().isEmpty());
    }

    /**
     * Publishes dropped from a full backlog are told (since when, how many) while they go on and for a minute after the
     * latest; dropped for 30 s, they make the check DOWN.
     */
    @Test
    void dropped_publishes_are_told_with_since_when_and_how_many_until_a_minute_after_the_last_and_down_after_thirty_seconds()
            throws InterruptedException {
        publisher = new OrderedPublisher(LOG, "the test's stream", "TEST-1", "TEST-2", 1, 1, TransactionHooks.NONE,
                Thread::new, "test-sender", batch -> {
                    senderHeld.countDown();
                    try {
                        letGo.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("closed");
                    }
                }, clock);
        publisher.publish("orders", eventOf("run-held"));
        assertThat(senderHeld.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
        publisher.publish("orders", eventOf("run-waits"));
        assertThat(publisher.droppedPublishes()).as("nothing dropped yet").isEmpty();

        publisher.publish("orders", eventOf("run-dropped-1"));
        publisher.publish("orders", eventOf("run-dropped-2"));
        assertThat(publisher.droppedPublishes()).hasValueSatisfying(drops -> {
            assertThat(drops.count()).isEqualTo(2);
            assertThat(drops.down()).isFalse();
            assertThat(drops.describe("TEST-4", "the test's stream", 1)).startsWith("TEST-4 the test's stream dropped 2 "
                    + "publishes of live events since 2026-12-07T10:00:00Z, the last at 2026-12-07T10:00:00Z, because 1 "
                    + "waited to be sent already (DOWN once it has dropped for 30 s without sending all that waited;");
        });

        now.set(now.get().plusSeconds(30));
        publisher.publish("orders", eventOf("run-dropped-3"));
        assertThat(publisher.droppedPublishes()).hasValueSatisfying(drops -> {
            assertThat(drops.count()).isEqualTo(3);
            assertThat(drops.since()).isEqualTo(Instant.parse("2026-12-07T10:00:00.250Z"));
            assertThat(drops.down()).as("dropped for 30 s").isTrue();
        });

        now.set(now.get().plusSeconds(59));
        assertThat(publisher.droppedPublishes()).as("59 s after the last").isPresent();
        now.set(now.get().plusSeconds(1));
        assertThat(publisher.droppedPublishes()).as("a minute after the last").isEmpty();
        publisher.publish("orders", eventOf("run-dropped-4"));
        assertThat(publisher.droppedPublishes()).as("counted afresh").hasValueSatisfying(drops ->
                assertThat(drops.count()).isEqualTo(1));
    }

    /**
     * Drops end once the sender caught up with its backlog: a burst of drops, a sender that sent everything that
     * waited, and another burst 45 s later were DOWN (two drops 45 s apart, "dropped for 30 s"), and drops for 30 s
     * stayed DOWN for a minute after the sender had caught up, while every publish went through. DOWN only while the
     * drops go on with the backlog never emptied; told (a warning) until a minute after the last.
     */
    @Test
    void dropped_publishes_are_down_only_until_the_sender_caught_up_with_its_backlog() throws InterruptedException {
        Semaphore sends = new Semaphore(0);
        BlockingQueue<String> through = new LinkedBlockingQueue<>();
        publisher = new OrderedPublisher(LOG, "the test's stream", "TEST-1", "TEST-2", 1, 1, TransactionHooks.NONE,
                Thread::new, "test-sender", batch -> {
                    try {
                        sends.acquire();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("closed");
                    }
                    through.add(batch.get(0).events().get(0).runId());
                }, clock);
        Runnable burst = () -> {
            publisher.publish("orders", eventOf("run-held"));
            await().until(sends::hasQueuedThreads); // the sender took it and waits: the backlog of 1 is empty
            publisher.publish("orders", eventOf("run-waits"));
            publisher.publish("orders", eventOf("run-dropped"));
        };

        burst.run();
        assertThat(publisher.droppedPublishes()).hasValueSatisfying(drops -> assertThat(drops.count()).isEqualTo(1));
        sends.release(2);
        assertThat(through.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("run-held");
        assertThat(through.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("run-waits");

        now.set(now.get().plusSeconds(45));
        burst.run();
        assertThat(publisher.down("TEST-3", "TEST-4", "the test's stream")).as("two bursts 45 s apart").isEmpty();
        assertThat(publisher.droppedPublishes()).as("a burst after the sender caught up: drops afresh")
                .hasValueSatisfying(drops -> {
                    assertThat(drops.count()).isEqualTo(1);
                    assertThat(drops.since()).isEqualTo(now.get());
                    assertThat(drops.down()).isFalse();
                });

        now.set(now.get().plusSeconds(30));
        publisher.publish("orders", eventOf("run-dropped-again"));
        assertThat(publisher.down("TEST-3", "TEST-4", "the test's stream")).as("dropped for 30 s, the sender stuck")
                .hasValueSatisfying(down -> assertThat(down).startsWith("TEST-4 the test's stream dropped 2 publishes"));

        sends.release(2);
        assertThat(through.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("run-held");
        assertThat(through.poll(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("run-waits");
        await().untilAsserted(() -> assertThat(publisher.down("TEST-3", "TEST-4", "the test's stream"))
                .as("the sender caught up").isEmpty());
        assertThat(publisher.warnings("TEST-3", "TEST-4", "the test's stream")).as("told for a minute after the last")
                .startsWith("; TEST-4 the test's stream dropped 2 publishes");
    }
}

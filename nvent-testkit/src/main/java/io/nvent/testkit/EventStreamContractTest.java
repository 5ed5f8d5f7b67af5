package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.EventStream;
import io.nvent.spi.PublishedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link EventStream} adapter that spans instances shares, checked on two
 * instances of it on one backend, as two servers of a cluster would be. Subclass it once per adapter
 * and implement {@link #createInstance(String)} and {@link #isListening(EventStream)}.
 *
 * @since 0.1
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class EventStreamContractTest {

    /** Long enough for a slow shared machine, short enough to fail fast. */
    protected static final Duration PATIENCE = Duration.ofSeconds(15);

    /** The first instance under test, created before each test and closed after it. */
    protected EventStream a;
    /** The second instance under test, created before each test and closed after it. */
    protected EventStream b;
    /** What the subscriber of {@link #a} received, in order. */
    protected final List<PublishedEvent> seenOnA = new CopyOnWriteArrayList<>();
    /** What the subscriber of {@link #b} received, in order. */
    protected final List<PublishedEvent> seenOnB = new CopyOnWriteArrayList<>();

    /**
     * Creates one instance of the adapter under test; the two of a test must reach each other, those
     * of other tests need not. Called twice before each test; each is closed after it.
     *
     * @param instance a name for the instance, e.g. for its threads
     * @return a started instance, not yet subscribed to
     */
    protected abstract EventStream createInstance(String instance);

    /**
     * Whether an instance receives events right now: the tests wait for it before they publish, since
     * an adapter may connect to its broker in the background.
     *
     * @param stream one of the instances {@link #createInstance} returned
     * @return {@code true} once the instance's subscribers get what other instances publish
     */
    protected abstract boolean isListening(EventStream stream);

    @BeforeEach
    void startInstances() {
        a = createInstance("stream-a");
        b = createInstance("stream-b");
        a.subscribe(seenOnA::add);
        b.subscribe(seenOnB::add);
        await().atMost(PATIENCE).until(() -> isListening(a) && isListening(b));
    }

    @AfterEach
    void closeInstances() throws Exception {
        ((AutoCloseable) a).close();
        ((AutoCloseable) b).close();
    }

    @Test
    void events_published_on_one_instance_reach_the_subscribers_of_every_instance_in_order() {
        List<PublishedEvent> published = new ArrayList<>();
        for (int call = 0; call < 5; call++) {
            List<HistoryEvent> events = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                events.add(event("run-" + call, i, "{\"n\":" + i + "}"));
            }
            a.publish("orders", events);
            events.forEach(e -> published.add(new PublishedEvent("orders", e)));
        }

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 50);
        assertThat(seenOnB).containsExactlyElementsOf(published);
        await().atMost(PATIENCE).until(() -> seenOnA.size() == 50);
        assertThat(seenOnA).containsExactlyElementsOf(published);
    }

    @Test
    void every_field_of_an_event_arrives_unchanged() {
        HistoryEvent full = new HistoryEvent("run-7", 42, EventType.STEP_FAILED, Optional.of("charge \"card\""), 3,
                Instant.parse("2025-03-01T10:15:30.123456789Z"), "{\"error\":\"line 1\\nline 2\",\"é\":\"€ 😀\"}");
        HistoryEvent bare = new HistoryEvent("run-7", 43, EventType.FLOW_FAILED, Optional.empty(), 0,
                Instant.parse("2025-03-01T10:15:31Z"), "{}");

        a.publish("payments", List.of(full, bare));

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 2);
        assertThat(seenOnB).containsExactly(new PublishedEvent("payments", full), new PublishedEvent("payments", bare));
    }

    @Test
    void an_event_of_20_kB_arrives_intact() {
        HistoryEvent large = largeEvent();

        a.publish("reports", List.of(large));

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 1);
        assertThat(seenOnB.get(0)).isEqualTo(new PublishedEvent("reports", large));
    }

    @Test
    void many_events_of_one_call_keep_their_order() {
        List<HistoryEvent> events = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            events.add(event("run-many", i, "{\"pad\":\"" + "x".repeat(100) + "\"}"));
        }

        a.publish("bulk", events);

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 300);
        assertThat(seenOnB).extracting(e -> e.event().seq()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void a_subscriber_that_unsubscribed_receives_nothing_more() throws Exception {
        List<PublishedEvent> late = new CopyOnWriteArrayList<>();
        AutoCloseable subscription = b.subscribe(late::add);
        a.publish("orders", List.of(event("run-1", 1, "{}")));
        await().atMost(PATIENCE).until(() -> late.size() == 1);

        subscription.close();
        a.publish("orders", List.of(event("run-1", 2, "{}")));

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 2);
        assertThat(late).hasSize(1);
    }

    @Test
    void a_subscriber_that_throws_keeps_no_event_from_the_others() {
        b.subscribe(event -> {
            throw new IllegalStateException("a broken live view");
        });
        List<PublishedEvent> after = new CopyOnWriteArrayList<>();
        b.subscribe(after::add);

        a.publish("orders", List.of(event("run-1", 1, "{}"), event("run-1", 2, "{}")));

        await().atMost(PATIENCE).until(() -> after.size() == 2);
        assertThat(seenOnB).hasSize(2);
    }

    /**
     * An event whose data is about 20 kB of JSON text with escapes and non-ASCII characters.
     *
     * @return an entry of run {@code run-big}, sequence number 1
     */
    protected static HistoryEvent largeEvent() {
        StringBuilder data = new StringBuilder("{\"text\":\"");
        while (data.length() < 20_000) {
            data.append("Grüße \\\"quoted\\\" and more – ");
        }
        return event("run-big", 1, data.append("\"}").toString());
    }

    /**
     * A completed step's entry with the given data.
     *
     * @param runId the run
     * @param seq its sequence number
     * @param data JSON data
     * @return a {@code step.completed} entry of step {@code step-<seq>}, attempt 1
     */
    protected static HistoryEvent event(String runId, long seq, String data) {
        return new HistoryEvent(runId, seq, EventType.STEP_COMPLETED, Optional.of("step-" + seq), 1,
                Instant.parse("2025-01-01T00:00:00Z").plusMillis(seq), data);
    }
}

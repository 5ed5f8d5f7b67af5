package io.nvent.postgres;

import io.nvent.testkit.TestThreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.PublishedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two stream instances on one database, as two servers of a cluster would be. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgEventStreamTest {

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private static TestDatabase database;
    private static DataSource dataSource;

    private PgEventStream a;
    private PgEventStream b;
    private final List<PublishedEvent> seenOnA = new CopyOnWriteArrayList<>();
    private final List<PublishedEvent> seenOnB = new CopyOnWriteArrayList<>();
    private String channel;

    @BeforeAll
    static void startDatabase() {
        database = TestDatabase.start();
        dataSource = database.pool(10);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    @BeforeEach
    void startInstances() {
        channel = "c" + UUID.randomUUID().toString().substring(0, 8);
        PgStreamOptions options = PgStreamOptions.newBuilder().channel(channel).tablePrefix(database.prefix()).build();
        a = new PgEventStream(dataSource, new TestThreads("stream-a"), options);
        b = new PgEventStream(dataSource, new TestThreads("stream-b"), options);
        a.subscribe(seenOnA::add);
        b.subscribe(seenOnB::add);
        await().atMost(PATIENCE).until(() -> a.isListening() && b.isListening());
    }

    @AfterEach
    void closeInstances() {
        a.close();
        b.close();
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
    void an_event_of_20_kB_arrives_intact_through_the_payload_table() {
        StringBuilder data = new StringBuilder("{\"text\":\"");
        while (data.length() < 20_000) {
            data.append("Grüße \\\"quoted\\\" and more – ");
        }
        HistoryEvent large = event("run-big", 1, data.append("\"}").toString());

        a.publish("reports", List.of(large));

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 1);
        assertThat(seenOnB.get(0)).isEqualTo(new PublishedEvent("reports", large));
        assertThat(database.queryLong(dataSource, "SELECT count(*) FROM " + database.prefix() + "payload"))
                .as("rows in the payload table").isPositive();
    }

    @Test
    void many_events_of_one_call_are_split_over_several_notifications_and_keep_their_order() {
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
    void a_listener_whose_connection_was_killed_reconnects_and_receives_again() {
        long killed = database.queryLong(dataSource, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE query = 'LISTEN " + channel + "'");
        assertThat(killed).as("listener connections killed").isEqualTo(2);

        // Events published while the listener is down are lost (the SPI allows it): publish until
        // one arrives after the reconnect.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            a.publish("orders", List.of(event("run-after", 1, "{}")));
            return !seenOnB.isEmpty();
        });
        assertThat(b.isListening()).isTrue();
    }

    private static HistoryEvent event(String runId, long seq, String data) {
        return new HistoryEvent(runId, seq, EventType.STEP_COMPLETED, Optional.of("step-" + seq), 1,
                Instant.parse("2025-01-01T00:00:00Z").plusMillis(seq), data);
    }
}

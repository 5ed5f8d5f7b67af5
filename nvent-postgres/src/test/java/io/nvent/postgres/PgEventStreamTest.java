package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.cdi.VirtualClock;
import io.nvent.spi.EventStream;
import io.nvent.spi.PublishedEvent;
import io.nvent.testkit.EventStreamContractTest;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.OneTransaction;
import io.nvent.testkit.TestThreads;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stream on LISTEN/NOTIFY: two instances on one database, plus what is PostgreSQL's own. */
class PgEventStreamTest extends EventStreamContractTest {

    private static TestDatabase database;
    private static DataSource dataSource;
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

    @Override
    protected EventStream createInstance(String instance) {
        return new PgEventStream(dataSource, new TestThreads(instance), options().build());
    }

    /** The options of this test's instances: its channel, the database's table prefix. */
    private PgStreamOptions.Builder options() {
        if (channel == null) {
            channel = "c" + UUID.randomUUID().toString().substring(0, 8);
        }
        return PgStreamOptions.newBuilder().channel(channel).tablePrefix(database.prefix());
    }

    private static List<String> runIds(List<PublishedEvent> seen) {
        return seen.stream().map(p -> p.event().runId()).toList();
    }

    private static List<Long> seqsOf(String runId, List<PublishedEvent> seen) {
        return seen.stream().filter(p -> p.event().runId().equals(runId)).map(p -> p.event().seq()).toList();
    }

    /** A pool of two: the stream's listener holds one, the test the other, as the workers hold all of a pool. */
    private static final class ExhaustedPool implements AutoCloseable {
        final HikariDataSource pool = database.pool(2);
        private Connection held;

        void exhaust() throws Exception {
            held = pool.getConnection();
        }

        void free() throws Exception {
            if (held != null) {
                held.close();
                held = null;
            }
        }

        boolean someoneWaits() {
            return pool.getHikariPoolMXBean().getThreadsAwaitingConnection() > 0;
        }

        @Override
        public void close() throws Exception {
            free();
            pool.close();
        }
    }

    @Test
    void a_publish_returns_at_once_while_the_pool_has_no_connection_free_and_its_events_follow_in_order()
            throws Exception {
        try (ExhaustedPool tight = new ExhaustedPool();
             PgEventStream stream = new PgEventStream(tight.pool, new TestThreads("stream-pool"), options().build());
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                     .startsWith("NVENT-08"))) {
            await().atMost(PATIENCE).until(stream::isListening);
            tight.exhaust();

            long start = System.nanoTime();
            for (long seq = 1; seq <= 3; seq++) {
                stream.publish("orders", List.of(event("run-pooled", seq, "{}")));
            }
            // A publish that waited for the pool would wait its 30 s connection timeout, or for ever.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the callers wait for no connection")
                    .isLessThan(Duration.ofSeconds(5));

            await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0848").isEmpty());
            assertThat(log.messagesContaining("NVENT-0848")).singleElement().asString()
                    .contains("the live event stream on channel " + channel + " has waited",
                            "the pool of its data source has no connection free, the database is not",
                            "maximum size", "nvent.stream.postgres.datasource");
            assertThat(seenOnB).as("nothing sent while the pool has no connection").isEmpty();

            tight.free();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(seqsOf("run-pooled", seenOnB))
                    .containsExactly(1L, 2L, 3L));
            await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0849").isEmpty());
            assertThat(log.messagesContaining("NVENT-0849")).singleElement().asString()
                    .contains("gets connections from its data source's pool again");
        }
    }

    @Test
    void a_publish_inside_a_transaction_is_sent_as_it_commits_in_order_and_never_if_it_rolled_back() {
        OneTransaction transaction = new OneTransaction();
        try (PgEventStream inContainer = new PgEventStream(dataSource, new TestThreads("stream-tx"),
                options().transactions(transaction).build())) {
            transaction.begin();
            inContainer.publish("orders", List.of(event("run-committed", 1, "{}")));
            inContainer.publish("orders", List.of(event("run-committed", 2, "{}")));
            transaction.suspend();   // the thread's next publish, outside it
            inContainer.publish("orders", List.of(event("run-outside", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-outside"));
            assertThat(runIds(seenOnB)).as("sent before its transaction committed").doesNotContain("run-committed");

            transaction.resume();
            transaction.commit();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(seqsOf("run-committed", seenOnB))
                    .containsExactly(1L, 2L));

            transaction.begin();
            inContainer.publish("orders", List.of(event("run-rolled-back", 1, "{}")));
            transaction.rollBack();
            inContainer.publish("orders", List.of(event("run-after", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-after"));
            assertThat(runIds(seenOnB)).doesNotContain("run-rolled-back");
        }
    }

    @Test
    void beyond_the_backlog_publishes_are_dropped_at_once_and_the_log_says_how_many() throws Exception {
        try (ExhaustedPool tight = new ExhaustedPool();
             PgEventStream stream = new PgEventStream(tight.pool, new TestThreads("stream-full"), options().build());
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                     .startsWith("NVENT-0847"))) {
            await().atMost(PATIENCE).until(stream::isListening);
            tight.exhaust();
            stream.publish("orders", List.of(event("run-first", 1, "{}")));
            await().atMost(PATIENCE).until(tight::someoneWaits);

            long start = System.nanoTime();
            for (int i = 1; i <= PgEventStream.BACKLOG + 5; i++) {
                stream.publish("orders", List.of(event("run-" + i, 1, "{}")));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a full backlog holds up no publish")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(stream.working()).as("a warning: dropped for less than 30 s").contains("; NVENT-0876 the live "
                    + "event stream on channel " + channel + " dropped 5 publishes of live events since ",
                    "because " + PgEventStream.BACKLOG + " waited to be sent already");
            assertThat(log.messagesContaining("NVENT-0847")).singleElement().asString()
                    .startsWith("NVENT-0847 dropped 1 publish of live events")
                    .contains(PgEventStream.BACKLOG + " wait to be sent",
                            "waits for a connection from its data source");

            tight.free();
            await().atMost(PATIENCE).until(() -> log.containing("NVENT-0847").size() == 2);
            assertThat(log.messagesContaining("NVENT-0847").get(1)).contains("the live event stream on channel "
                    + channel + " sends again; it dropped 4 more publishes");
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-" + PgEventStream.BACKLOG));
            assertThat(runIds(seenOnB)).as("the first publishes, in order; the last five dropped")
                    .startsWith("run-first", "run-1", "run-2").doesNotContain("run-" + (PgEventStream.BACKLOG + 1))
                    .hasSize(PgEventStream.BACKLOG + 1);
        }
    }

    @Override
    protected boolean isListening(EventStream stream) {
        return ((PgEventStream) stream).isListening();
    }

    @Test
    void a_data_source_whose_connections_cannot_listen_fails_the_stream_at_once_saying_how_to_fix_it() {
        CuttableDataSource otherDriver = new CuttableDataSource(dataSource);
        otherDriver.hideTheDriver();
        PgStreamOptions options = PgStreamOptions.newBuilder().channel("never").tablePrefix(database.prefix()).build();

        assertThatThrownBy(() -> new PgEventStream(otherDriver, new TestThreads("x"), options))
                .hasMessageContaining("NVENT-0846").hasMessageContaining("no PostgreSQL JDBC connections")
                .hasMessageContaining("org.postgresql.jdbc");
    }

    @Test
    void an_event_over_the_notification_limit_travels_through_the_payload_table() {
        a.publish("reports", List.of(largeEvent()));

        await().atMost(PATIENCE).until(() -> seenOnB.size() == 1);
        assertThat(database.queryLong(dataSource, "SELECT count(*) FROM " + database.prefix() + "payload"))
                .as("rows in the payload table").isPositive();
    }

    @Test
    void while_its_listening_connection_is_gone_the_stream_s_problem_says_since_when_why_and_what_to_do_until_it_listens_again() {
        CuttableDataSource cuttable = new CuttableDataSource(dataSource);
        PgStreamOptions options = options().channel("c" + UUID.randomUUID().toString().substring(0, 8)).build();
        try (PgEventStream stream = new PgEventStream(cuttable, new TestThreads("stream-problem"), options)) {
            await().atMost(PATIENCE).until(stream::isListening);
            assertThat(stream.problem()).as("listening").isEmpty();

            cuttable.cut();
            assertThat(killListeners(options.channel())).as("listener connections killed").isEqualTo(1);

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.problem()).hasValueSatisfying(problem ->
                    assertThat(problem).startsWith("NVENT-0868 the live event stream on channel " + options.channel()
                                    + " has not been listening since ")
                            .contains("live views on this instance", "runs go on as before",
                                    "connection cut by the test", "it reconnects by itself, every 5 s at most: see that "
                                            + "the database is up and reachable from this instance")));

            cuttable.reconnect();
            await().atMost(PATIENCE).until(() -> stream.problem().isEmpty());
        }
    }

    /**
     * Sends the database refuses while the listener listens: no instance receives this one's events, and the stream
     * check said UP with nothing more. It names them (since when, how many, the last cause) as a warning until they
     * have failed for 30 s, then DOWN, and drops them with the next send of their kind that goes through. Events over
     * NOTIFY's limit are a kind of their own: their table gone, the small events that go through meanwhile cleared
     * their failures, and a stream that lost every large event never went DOWN.
     */
    @Test
    void large_events_the_database_refuses_show_in_the_stream_check_while_small_ones_go_through_and_go_down_after_30_s() {
        String prefix = "s" + UUID.randomUUID().toString().substring(0, 8) + "_";
        PgStreamOptions options = options().channel("c" + UUID.randomUUID().toString().substring(0, 8))
                .tablePrefix(prefix).build();
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-07T10:00:00Z"));
        List<PublishedEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (PgEventStream stream = new PgEventStream(dataSource, new TestThreads("stream-sends"), options, clock);
             AutoCloseable subscription = stream.subscribe(seen::add)) {
            await().atMost(PATIENCE).until(stream::isListening);
            assertThat(stream.working()).isEqualTo("postgres: listening on channel " + options.channel());

            // Events over NOTIFY's limit go through the payload table, which is gone for a moment.
            database.execute("ALTER TABLE " + prefix + "payload RENAME TO " + prefix + "moved");
            stream.publish("reports", List.of(largeEvent()));

            String failing = "NVENT-0872 sends of events over NOTIFY's 8000-byte limit (stored in table " + prefix
                    + "payload) of the live event stream on channel " + options.channel() + " fail since "
                    + "2026-12-07T10:00:00Z (";
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.working()).startsWith("postgres: listening on "
                    + "channel " + options.channel() + "; " + failing + "1 send failed").contains(
                    "DOWN once they have failed for 30 s", "the other instances' live views", "The last: could not "
                    + "publish 1 event(s) of 1 publish(es), flow reports", "SQLState 42P01"));
            assertThat(stream.problem()).as("failing for less than 30 s: a warning, UP").isEmpty();

            // Small events go through meanwhile, every 10 s, and large ones keep failing: DOWN after 30 s.
            for (int second = 10; second <= 30; second += 10) {
                clock.advance(Duration.ofSeconds(10));
                String runId = "run-small-" + second;
                stream.publish("orders", List.of(event(runId, 1, "{}")));
                await().atMost(PATIENCE).until(() -> runIds(seen).contains(runId));
                stream.publish("reports", List.of(largeEvent()));
                int failed = second / 10 + 1;
                await().atMost(PATIENCE).until(() -> (stream.working() + stream.problem().orElse(""))
                        .contains(failed + " sends failed"));
            }
            assertThat(stream.problem()).as("large events failed for 30 s").hasValueSatisfying(problem ->
                    assertThat(problem).startsWith(failing + "4 sends failed, the last at 2026-12-07T10:00:30Z")
                            .contains("SQLState 42P01"));
            assertThat(stream.working()).as("said by problem() alone").isEqualTo("postgres: listening on channel "
                    + options.channel());
            assertThat(runIds(seen)).as("no large event").doesNotContain("run-big");

            database.execute("ALTER TABLE " + prefix + "moved RENAME TO " + prefix + "payload");
            stream.publish("reports", List.of(largeEvent()));

            await().atMost(PATIENCE).until(() -> runIds(seen).contains("run-big"));
            // The sender clears the failures once its send returned (auto-commit restored, the connection back): the
            // listener may hand the event over before that.
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(stream.problem()).isEmpty();
                assertThat(stream.working()).isEqualTo("postgres: listening on channel " + options.channel());
            });
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A large event whose connection broke during its send (the database restarted, a connection killed) failed as a
     * large event: the small events that went through after it left the warning, until a large event went through,
     * hours later on a stream that seldom sends one, and one more failure then made the check DOWN at once ("fail
     * since" hours before). A lost connection is every kind's failure: the next send that goes through clears it.
     */
    @Test
    void a_large_event_whose_connection_broke_is_cleared_by_the_next_small_event_that_goes_through() {
        CuttableDataSource breaking = new CuttableDataSource(dataSource);
        PgStreamOptions options = options().channel("c" + UUID.randomUUID().toString().substring(0, 8)).build();
        List<PublishedEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (PgEventStream stream = new PgEventStream(breaking, new TestThreads("stream-broken-large"), options);
             AutoCloseable subscription = stream.subscribe(seen::add)) {
            await().atMost(PATIENCE).until(stream::isListening);
            String listening = "postgres: listening on channel " + options.channel();

            breaking.breakNextInsert();
            stream.publish("reports", List.of(largeEvent()));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.working()).startsWith(listening + "; "
                    + "NVENT-0872 sends of the live event stream on channel " + options.channel() + " fail since ")
                    .contains("(1 send failed", "connection reset by the test", "SQLState 08006"));

            stream.publish("orders", List.of(event("run-small", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seen).contains("run-small"));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.working()).isEqualTo(listening));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_stream_whose_connections_turn_out_unable_to_listen_says_it_stopped_trying_and_how_to_fix_it() {
        CuttableDataSource otherDriver = new CuttableDataSource(dataSource);
        otherDriver.hideTheDriver();
        // Unreachable at the start, the stream cannot tell yet: its listener finds out on its first connect.
        otherDriver.cut();
        try (PgEventStream stream = new PgEventStream(otherDriver, new TestThreads("stream-no-listen"),
                options().createSchema(false).build())) {
            otherDriver.reconnect();

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.problem()).hasValueSatisfying(problem ->
                    assertThat(problem).contains("has not been listening since", "NVENT-0801",
                            "it does not try again", "org.postgresql.jdbc", "restart the application")));
        }
    }

    private long killListeners(String channel) {
        return database.queryLong(dataSource, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE query = 'LISTEN " + channel + "'");
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
        assertThat(isListening(b)).isTrue();
    }
}

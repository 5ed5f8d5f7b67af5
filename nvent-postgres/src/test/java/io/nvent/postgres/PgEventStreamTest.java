package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.EventStream;
import io.nvent.testkit.EventStreamContractTest;
import io.nvent.testkit.TestThreads;
import java.time.Duration;
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
        if (channel == null) {
            channel = "c" + UUID.randomUUID().toString().substring(0, 8);
        }
        PgStreamOptions options = PgStreamOptions.newBuilder().channel(channel).tablePrefix(database.prefix()).build();
        return new PgEventStream(dataSource, new TestThreads(instance), options);
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

package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.postgres.PgJobQueue;
import io.nvent.postgres.PgQueueOptions;
import io.nvent.spi.QueueChange;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.TestThreads;
import io.nvent.testkit.postgres.StoppablePostgres;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * "Reads don't write", seen by PostgreSQL itself: {@code GET /api/nvent/queues}, the health check and a metrics
 * scrape on an instance whose scheduling store records a pause it has not applied yet change no row of the queue
 * adapter's tables (a trigger on each records every row written), where the other tests count the adapter's calls.
 * The maintenance sweep applies the pause, which the same trigger sees: the check can fail.
 */
class PgQueueReadsWriteNothingTest {

    private static final String PREFIX = "reads_";

    private static StoppablePostgres postgres;
    private static DataSource dataSource;

    @FlowStep(flow = "letter", name = "mail", role = StepRole.ENTRY, queue = "mail")
    public static class Mail implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @BeforeAll
    static void startDatabase() {
        postgres = StoppablePostgres.start();
        PGSimpleDataSource simple = new PGSimpleDataSource();
        simple.setUrl(postgres.jdbcUrl());
        simple.setUser("postgres");
        simple.setPassword("postgres");
        dataSource = simple;
    }

    @AfterAll
    static void stopDatabase() {
        postgres.close();
    }

    @Test
    void listingTheQueuesTheHealthCheckAndAScrapeWriteNoRowOfTheQueueTablesThoughAPauseIsRecordedButNotApplied()
            throws Exception {
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        PgJobQueue queue = new PgJobQueue(dataSource, new TestThreads("reads"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(PREFIX).shutdownGrace(Duration.ofMillis(500)).build());
        // No sweep but the test's own: the sweep applies the recorded pause, every 500 ms by default.
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Mail()).schedulingStore(scheduling)
                .queue(queue).sweepEvery(Duration.ofHours(1)).build()) {
            // As another instance records it (whose adapter call failed, or whose queue is not this one).
            scheduling.setQueuePaused("mail", true, new QueueChange(Optional.of("alice"), Instant.now(),
                    Optional.of("supplier outage")));
            recordRowsWritten();
            InProcessApi api = InProcessApi.withQueues(engine);
            InProcessApi health = InProcessApi.of(engine.flows(), HealthResource.class);

            assertThat(api.get("queues").getStatus()).isEqualTo(200);
            assertThat(api.get("queues/mail").getStatus()).isEqualTo(200);
            assertThat(health.get("health").getStatus()).isIn(200, 503);
            assertThat(health.get("health/ready").getStatus()).isIn(200, 503);
            assertThat(engine.prometheusMetrics()).contains("mail");

            assertThat(rowsWritten()).as("rows of the queue tables written by reads").isEmpty();
            assertThat(queue.isPaused("mail")).isFalse();

            engine.sweep();

            assertThat(rowsWritten()).as("the sweep applies the recorded pause")
                    .anySatisfy(written -> assertThat(written).endsWith(" " + PREFIX + "queue"));
            JsonObject mail = Json.createReader(new StringReader((String) api.get("queues/mail").getEntity()))
                    .readObject();
            assertThat(mail.getBoolean("paused")).isTrue();
            assertThat(mail.getJsonObject("pause").getString("by")).isEqualTo("alice");
        }
    }

    /**
     * From now on, a row-level trigger on each of the queue adapter's tables records every row inserted, updated or
     * deleted, synchronously (the statistics views lag behind a second or more).
     */
    private static void recordRowsWritten() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE written (op text, tbl text)");
            s.execute("CREATE FUNCTION record_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " INSERT INTO written VALUES (TG_OP, TG_TABLE_NAME); RETURN NULL; END $$");
            List<String> tables = new ArrayList<>();
            try (ResultSet rows = s.executeQuery("SELECT tablename FROM pg_tables WHERE tablename LIKE '"
                    + PREFIX + "%'")) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            assertThat(tables).as("the queue adapter's tables").contains(PREFIX + "queue", PREFIX + "job");
            for (String table : tables) {
                s.execute("CREATE TRIGGER record_written AFTER INSERT OR UPDATE OR DELETE ON " + table
                        + " FOR EACH ROW EXECUTE FUNCTION record_written()");
            }
        }
    }

    /** The rows written since {@link #recordRowsWritten}, as {@code UPDATE reads_queue}. */
    private static List<String> rowsWritten() throws SQLException {
        List<String> written = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT op || ' ' || tbl FROM written")) {
            while (rows.next()) {
                written.add(rows.getString(1));
            }
        }
        return written;
    }
}

package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.InvalidPayloadException;
import io.nvent.NventException;
import io.nvent.RunNotFoundException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.StepStatus;
import io.nvent.jpa.internal.OlderSchemas;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RetentionPurge;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.testkit.Concurrently;
import io.nvent.testkit.LogRecorder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the JPA store does beyond the shared contract: payload checks, retention, schema handling.
 * Subclassed per database.
 */
abstract class JpaStoreBehaviourTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int LIMIT = 1024;

    private JpaFlowStore store;
    /** A store whose single committer thread can be kept busy, to make the writes behind it one group. */
    private JpaFlowStore oneCommitter;
    private ExecutorService writers;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** The database under test. */
    abstract DataSource dataSource();

    /** Whether it is PostgreSQL. */
    abstract boolean postgres();

    @BeforeEach
    void openStore() {
        store = JpaFlowStore.create(dataSource(), options("behaviour_").maxPayloadBytes(LIMIT).build());
        TestDatabases.execute(dataSource(), "delete from behaviour_run_event", "delete from behaviour_run");
        oneCommitter = JpaFlowStore.create(dataSource(),
                options("behaviour_").groupCommitThreads(1).migrateSchema(false).build());
        writers = Executors.newCachedThreadPool();
    }

    @AfterEach
    void closeStore() {
        writers.shutdownNow();
        oneCommitter.close();
        store.close();
    }

    // ---------------------------------------------------------------- payloads

    @Test
    void refusesARunWhoseInputIsNotJson() {
        RunRecord run = run("orders", "{\"open\":");

        assertThatThrownBy(() -> store.createRun(run, List.of())).isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("NVENT-0204").hasMessageContaining("input of the new run of flow 'orders'");
        assertThat(store.findRun(run.runId())).isEmpty();
    }

    @Test
    void refusesABatchWithOneBadEntryAndKeepsTheHistory() {
        RunRecord run = created("orders");

        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log("{}"), log("{'single':'quotes'}"))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("entry #2");

        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
        assertThat(store.appendEvents(run.runId(), List.of(log("{}")))).extracting(HistoryEvent::seq).containsExactly(2L);
    }

    @Test
    void refusesPayloadsOverTheLimitInUtf8Bytes() {
        RunRecord run = created("orders");
        String exactly = "\"" + "x".repeat(LIMIT - 2) + "\"";
        String oneOver = "\"" + "x".repeat(LIMIT - 1) + "\"";
        String umlautsOver = "\"" + "ü".repeat(LIMIT / 2) + "\"";

        assertThat(store.appendEvents(run.runId(), List.of(log(exactly)))).hasSize(1);
        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log(oneOver))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("limit of " + LIMIT + " bytes");
        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log(umlautsOver))))
                .isInstanceOf(InvalidPayloadException.class);
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(2);
    }

    @Test
    void refusesABadResultAndLeavesTheRunAsItWas() {
        RunRecord run = created("orders");

        assertThatThrownBy(() -> store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withResult("not json").withStatus(RunStatus.COMPLETED, T0), List.of(log("{}"))))))
                .isInstanceOf(InvalidPayloadException.class);

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(stored.result()).isEmpty();
        assertThat(stored.version()).isZero();
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
    }

    @Test
    void refusesABadEmittedPayload() {
        RunRecord run = created("orders");

        assertThatThrownBy(() -> store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withEmitted("paid", "{\"amount\":}"), List.of()))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("event 'paid'");
        assertThat(store.findRun(run.runId()).orElseThrow().emitted()).isEmpty();
    }

    @Test
    void refusesABadStateValueAndKeepsThePreviousOne() {
        RunRecord run = created("orders");
        store.putState(run.runId(), "cart", "[1]", Optional.empty());

        assertThatThrownBy(() -> store.putState(run.runId(), "cart", "[1,]", Optional.empty()))
                .isInstanceOf(InvalidPayloadException.class);
        assertThatThrownBy(() -> store.putState(run.runId(), "cart", "\"" + "y".repeat(LIMIT) + "\"", Optional.empty()))
                .isInstanceOf(InvalidPayloadException.class);

        assertThat(store.getState(run.runId(), "cart", T0)).hasValueSatisfying(v -> assertThat(v).contains("1"));
    }

    @Test
    void refusesWhatPostgresCannotStoreOnEveryDatabase() {
        RunRecord run = created("orders");

        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log("\"nul \\u0000 char\""))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("\\u0000");
        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log("\"lone \\ud800 surrogate\""))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log("\"lone \ud800 raw\""))))
                .isInstanceOf(InvalidPayloadException.class);
        assertThat(store.appendEvents(run.runId(), List.of(log("\"pair \\ud83d\\ude00 and raw 😀\"")))).hasSize(1);
    }

    @Test
    void refusesANumberBeyondAThousandDigitsAndStoresTheLargestItTakesOnEveryDatabase() {
        // PostgreSQL failed the insert of 1e999999999 and the 500 answer carried the SQL with the input.
        RunRecord huge = run("orders", "{\"x\":1e999999999}");
        assertThatThrownBy(() -> store.createRun(huge, List.of()))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("NVENT-0204", "input of the new run of flow 'orders'", "out of range");
        assertThat(store.findRun(huge.runId())).isEmpty();
        RunRecord run = created("orders");
        assertThatThrownBy(() -> store.appendEvents(run.runId(), List.of(log("-1e-1001"))))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("out of range");

        String largest = "{\"big\":-" + "9".repeat(1000) + "." + "9".repeat(1000) + ",\"e\":[1e999,1e-1000]}";
        RunRecord stored = run("orders", largest);
        try (JpaFlowStore big = JpaFlowStore.create(dataSource(), options("numbers_").build())) {
            big.createRun(stored, List.of());
            assertThat(big.findRun(stored.runId())).hasValueSatisfying(r -> assertThat(r.input()).contains("9999"));
        }
    }

    @Test
    void storesPayloadsUpToTheDefaultLimitOfOneMebibyte() {
        try (JpaFlowStore big = JpaFlowStore.create(dataSource(), options("behaviour_").build())) {
            RunRecord run = run("orders", "{}");
            big.createRun(run, List.of());
            // exactly the limit: {"blob":"zzz...z"}
            String data = "{\"blob\":\"" + "z".repeat(JpaStoreOptions.DEFAULT_MAX_PAYLOAD_BYTES - 11) + "\"}";

            big.appendEvents(run.runId(), List.of(log(data)));

            assertThat(big.readEvents(run.runId(), EventQuery.all()).get(0).data()).contains("z".repeat(1000));
            assertThatThrownBy(() -> big.appendEvents(run.runId(), List.of(log(data.replace("{", "{ ")))))
                    .isInstanceOf(InvalidPayloadException.class);
        }
    }

    // ---------------------------------------------------------------- retention

    @Test
    void purgesFinishedRunsOlderThanTheMaximumAgeWithTheirHistoryAndState() {
        RunRecord old = finished("orders", T0);
        RunRecord recent = finished("orders", T0.plus(Duration.ofDays(9)));
        RunRecord active = created("orders");
        store.putState(old.runId(), "k", "1", Optional.empty());

        int deleted = store.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(7)), T0.plus(Duration.ofDays(10)));

        assertThat(deleted).isEqualTo(1);
        assertThat(store.findRun(old.runId())).isEmpty();
        assertThat(store.readEvents(old.runId(), EventQuery.all())).isEmpty();
        assertThat(queryLong("select count(*) from behaviour_run_event where run_id = '" + old.runId() + "'"))
                .isZero();
        assertThat(store.readEvents(recent.runId(), EventQuery.all())).isNotEmpty();
        assertThat(store.getState(old.runId(), "k", T0)).isEmpty();
        assertThat(store.findRun(recent.runId())).isPresent();
        assertThat(store.findRun(active.runId())).isPresent();
    }

    @Test
    void leavesNoHistoryBehindWhenRunsArePurgedWhileWritersAppendToThem() throws Exception {
        List<RunRecord> runs = IntStream.range(0, 30).mapToObj(i -> finished("orders", T0)).toList();
        CountDownLatch writing = new CountDownLatch(2);
        Future<?> appends = writers.submit(() -> keepWriting(runs, writing,
                run -> store.appendEvents(run.runId(), List.of(log("{}")))));
        Future<?> updates = writers.submit(() -> keepWriting(runs, writing, run -> store.updateRun(run.runId(),
                current -> Optional.of(new RunChange(current, List.of(log("{}")))))));
        writing.await();

        int deleted = store.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(1)), T0.plus(Duration.ofDays(2)));
        appends.get(30, TimeUnit.SECONDS);
        updates.get(30, TimeUnit.SECONDS);

        assertThat(deleted).isEqualTo(runs.size());
        assertThat(queryLong("select count(*) from behaviour_run_event")).isZero();
    }

    /** Writes to every run in turn until none is left; a run gone means the purge took it. */
    private static void keepWriting(List<RunRecord> runs, CountDownLatch writing, Consumer<RunRecord> write) {
        List<RunRecord> left = new ArrayList<>(runs);
        writing.countDown();
        while (!left.isEmpty()) {
            for (Iterator<RunRecord> it = left.iterator(); it.hasNext(); ) {
                try {
                    write.accept(it.next());
                } catch (RunNotFoundException gone) {
                    it.remove();
                }
            }
        }
    }

    @Test
    void keepsOnlyTheNewestFinishedRunsPerFlow() {
        for (int day = 0; day < 5; day++) {
            finished("orders", T0.plus(Duration.ofDays(day)));
        }
        finished("invoices", T0);
        RunRecord stalled = created("orders");
        store.updateRun(stalled.runId(), current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.STALLED, T0), List.of())));

        int deleted = store.purgeFinishedRuns(RetentionPolicy.maxFinishedRunsPerFlow(2), T0.plus(Duration.ofDays(30)));

        assertThat(deleted).isEqualTo(3);
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withStatus(RunStatus.COMPLETED)))
                .extracting(r -> r.endedAt().orElseThrow())
                .containsExactlyInAnyOrder(T0.plus(Duration.ofDays(4)), T0.plus(Duration.ofDays(3)));
        assertThat(store.findRuns(RunQuery.ofFlow("invoices"))).hasSize(1);
        assertThat(store.findRun(stalled.runId())).isPresent();
    }

    @Test
    void aRetentionPurgeDeletesAChunkOfRunsAtATimeUntilNoneIsLeft() {
        List<RunRecord> old = IntStream.range(0, 1_100).mapToObj(i -> finished("orders", T0)).toList();
        RunRecord recent = finished("orders", T0.plus(Duration.ofDays(9)));
        try (JpaFlowStore retaining = JpaFlowStore.create(dataSource(), options("behaviour_")
                .retention(RetentionPolicy.maxAge(Duration.ofDays(7))).migrateSchema(false).build())) {
            RetentionPurge purge = retaining.startRetentionPurge(T0.plus(Duration.ofDays(10)));

            assertThat(Stream.generate(purge::nextChunk).takeWhile(OptionalInt::isPresent)
                    .map(OptionalInt::getAsInt).toList()).as("runs deleted by each chunk").containsExactly(500, 500, 100);
            assertThat(purge.nextChunk()).as("a purge that is done").isEmpty();
        }
        assertThat(store.findRun(old.get(0).runId())).isEmpty();
        assertThat(store.findRun(recent.runId())).isPresent();
    }

    @Test
    void theSweepsPurgeLooksAgainAtTheCountOfOnlyTheFlowsWithRunsEndedSinceItsLastLook() {
        Instant firstLook = T0.plus(Duration.ofDays(10));
        for (int day = 0; day < 3; day++) {
            finished("orders", T0.plus(Duration.ofDays(day)));
        }
        try (JpaFlowStore retaining = JpaFlowStore.create(dataSource(), options("behaviour_")
                .retention(RetentionPolicy.maxFinishedRunsPerFlow(2)).migrateSchema(false).build())) {
            assertThat(purgeAll(retaining.startRetentionPurge(firstLook))).as("the first look, at every flow").isEqualTo(1);
            // Ended long before the last look, as no run can end now: the next look does not see them.
            List<RunRecord> invoices = IntStream.range(0, 3).mapToObj(i -> finished("invoices", T0)).toList();
            RunRecord newest = finished("orders", firstLook.plusSeconds(30));

            assertThat(purgeAll(retaining.startRetentionPurge(firstLook.plus(Duration.ofMinutes(1))))).isEqualTo(1);
            assertThat(store.findRuns(RunQuery.ofFlow("orders"))).extracting(RunRecord::runId).hasSize(2)
                    .contains(newest.runId());
            assertThat(store.findRuns(RunQuery.ofFlow("invoices"))).hasSize(3);

            assertThat(retaining.purgeFinishedRuns(RetentionPolicy.maxFinishedRunsPerFlow(2), firstLook))
                    .as("a purge called for on its own looks at every flow").isEqualTo(1);
            assertThat(store.findRun(invoices.get(0).runId())).isEmpty();
        }
    }

    private static int purgeAll(RetentionPurge purge) {
        return Stream.generate(purge::nextChunk).takeWhile(OptionalInt::isPresent).mapToInt(OptionalInt::getAsInt).sum();
    }

    @Test
    void aFinishedRunStoredWithoutItsEndTimeIsPurgedByItsStart() {
        RunRecord run = created("orders");
        store.updateRun(run.runId(), current -> Optional.of(new RunChange(new RunRecord(current.runId(),
                current.flow(), RunStatus.COMPLETED, current.input(), current.result(), current.parentRunId(),
                current.startedAt(), Optional.empty(), current.steps(), current.emitted(), current.version()),
                List.of())));

        assertThat(store.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(7)), T0.plus(Duration.ofDays(10))))
                .isEqualTo(1);
        assertThat(store.findRun(run.runId())).isEmpty();
    }

    @Test
    void keepsExactlyTheNewestFinishedRunsPerFlowWhenSeveralEndedAtTheSameTime() {
        for (int i = 0; i < 5; i++) {
            finished("orders", T0);
        }
        RunRecord newest = finished("orders", T0.plusSeconds(1));

        int deleted = store.purgeFinishedRuns(RetentionPolicy.maxFinishedRunsPerFlow(3), T0.plus(Duration.ofDays(30)));

        assertThat(deleted).isEqualTo(3);
        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).hasSize(3).extracting(RunRecord::runId)
                .contains(newest.runId());
    }

    @Test
    void purgesNothingWhenRetentionIsOff() {
        finished("orders", T0);

        assertThat(store.purgeFinishedRuns(T0.plus(Duration.ofDays(10_000)))).isZero();
        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).hasSize(1);
    }

    // ---------------------------------------------------------------- schema

    @Test
    void keepsStoresWithDifferentPrefixesOrSchemasApart() {
        RunRecord run = created("orders");
        try (JpaFlowStore other = JpaFlowStore.create(dataSource(), options("other_").build());
             JpaFlowStore schema = JpaFlowStore.create(dataSource(), options("behaviour_").schema("nvent_alt").build())) {
            assertThat(other.findRun(run.runId())).isEmpty();
            assertThat(schema.findRun(run.runId())).isEmpty();
            RunRecord elsewhere = run("orders", "{}");
            schema.createRun(elsewhere, List.of(log("{}")));
            assertThat(schema.readEvents(elsewhere.runId(), EventQuery.all())).hasSize(1);
            assertThat(store.findRun(elsewhere.runId())).isEmpty();
        }
    }

    @Test
    void appliesEachMigrationOnceAndKeepsTheData() {
        RunRecord run = created("orders");

        try (JpaFlowStore again = JpaFlowStore.create(dataSource(), options("behaviour_").build())) {
            assertThat(again.findRun(run.runId())).isPresent();
        }

        assertThat(queryLong("select count(*) from behaviour_schema_history where \"version\" = '1' and \"success\" = true"))
                .isEqualTo(1);
    }

    @Test
    void instancesStartingTogetherOnAnEmptySchemaMigrateItOnceAndAllStart() {
        // PostgreSQL only: Flyway takes no lock on H2 before its history table exists, so instances
        // creating it at once may collide ("table ... already exists", seen once); H2 is the one-instance
        // default, which never starts beside another on one database.
        assumeTrue(postgres(), "H2 serves one instance");
        dropTables("together_");

        // As N instances of a cluster do when they start at once after an upgrade: Flyway's lock
        // (an advisory lock on PostgreSQL) lets one migrate while the others wait, then find it done.
        Concurrently.run(4, thread -> JpaFlowStore.create(dataSource(), options("together_").build()).close());

        assertThat(queryLong("select count(*) from together_schema_history where \"success\" = true"
                + " and \"version\" is not null and \"version\" <> '0'")).isEqualTo(OlderSchemas.migrations());
        assertThat(queryLong("select count(*) from together_schema_history where \"success\" = false")).isZero();
    }

    /** Drops every table of a store with this prefix, those that reference others first. */
    private void dropTables(String prefix) {
        TestDatabases.execute(dataSource(), Stream.of("owed_catch_up", "instance", "trigger_debounce", "request_key", "concurrency_key_settle", "webhook_request", "rate_start", "rate_limit", "queue_pause", "queue_workers",
                        "job_attempt", "job", "step_lease", "schedule_tick", "trigger_event", "flow_trigger", "run_await",
                        "run_state", "run_event", "run_label", "concurrency_key_holder", "concurrency_key", "run", "schema_history")
                .map(table -> "drop table if exists " + prefix + table).toArray(String[]::new));
    }

    @Test
    void readsAPageOfTheUnfilteredRunListAlongAnIndexInsteadOfSortingEveryRun() {
        // The order of RunTables.find: with another order the index would not serve it.
        String newestFirst = "select run_id from behaviour_run order by started_at desc, run_id desc limit 50";
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        String afterAPosition = "select run_id from behaviour_run where started_at <= " + at
                + " and (started_at < " + at + " or run_id < 'run-9') order by started_at desc, run_id desc limit 50";

        assertThat(plan(newestFirst)).containsIgnoringCase("behaviour_run_started_idx")
                .doesNotContainIgnoringCase("sort (");
        assertThat(plan(afterAPosition)).containsIgnoringCase("behaviour_run_started_idx")
                .doesNotContainIgnoringCase("sort (");
    }

    /**
     * The end of a flow's latest completed run, read with its counts (RunTables.stats) each time they are asked for,
     * comes from the index of V46, not from the table row of each completed run of the flow.
     */
    @Test
    void readsTheEndOfAFlowsLatestCompletedRunThroughAnIndex() {
        String lastCompletion = "select ended_at from behaviour_run where flow = 'orders' and status = 'completed'"
                + " and ended_at is not null order by flow, status, ended_at desc fetch first 1 rows only";

        assertThat(plan(lastCompletion)).containsIgnoringCase("behaviour_run_flow_completed_idx");
    }

    /**
     * The sweep's look for runs past their deadline (RunTables.runsPastDeadline), on every sweep of every instance,
     * reads the runs under way alone: not every run that ever had a deadline and ended, whose deadline has passed too.
     */
    @Test
    void looksForRunsPastTheirDeadlineAmongTheRunsUnderWayAlone() {
        String pastDeadline = "select deadline, run_id from behaviour_run where deadline is not null and deadline <="
                + " timestamp with time zone '2030-01-01 00:00:00+00' and status in ('running', 'awaiting', 'stalled')"
                + " order by deadline, run_id fetch first 200 rows only";

        String plan = plan(pastDeadline);

        assertThat(plan).containsIgnoringCase("behaviour_run_deadline_idx");
        if (!postgres()) {
            // An index led by the deadline reads every ended run whose deadline passed, and filters them out after.
            assertThat(plan).containsPattern("(?i)run_deadline_idx: status in");
        }
    }

    /**
     * The plan of a query; on PostgreSQL as if the table were big (scans and sorts last resorts), so
     * that the few rows of a test do not make a full scan cheapest.
     */
    private String plan(String query) {
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            if (postgres()) {
                statement.execute("set local enable_seqscan = off");
                statement.execute("set local enable_sort = off");
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rows = statement.executeQuery("explain " + query)) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
            connection.rollback();
            return plan.toString();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A schema migrated to this build's latest version, then to version 100 by a later build. */
    private JpaStoreOptions migratedByALaterBuild(String prefix) {
        JpaStoreOptions later = version1Schema(prefix);
        OlderSchemas.migrateTo(dataSource(), later, "latest");
        TestDatabases.execute(dataSource(), "insert into " + prefix + "schema_history (\"installed_rank\", \"version\","
                + " \"description\", \"type\", \"script\", \"installed_by\", \"execution_time\", \"success\")"
                + " values (100, '100', 'from a later nvent', 'SQL', 'V100__later.sql', 'test', 0, true)");
        return later;
    }

    /** A version 1 schema under {@code prefix}, as the first release left it (tables of later versions dropped). */
    private JpaStoreOptions version1Schema(String prefix) {
        JpaStoreOptions version1 = options(prefix).build();
        dropTables(prefix);
        OlderSchemas.migrateTo(dataSource(), version1, "1");
        return version1;
    }

    /** A key held before concurrency limits (schema V22) is held by the same run after V23, and handed on as before. */
    @Test
    void upgradesAVersion22SchemaKeepingTheRunHoldingEachConcurrencyKey() {
        JpaStoreOptions version22 = options("limits_").build();
        dropTables("limits_");
        OlderSchemas.migrateTo(dataSource(), version22, "22");
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        TestDatabases.execute(dataSource(), Stream.of("holder", "waiter").flatMap(runId -> Stream.of(
                "insert into limits_run (run_id, flow, status, input_json, steps_json, emitted_json, started_at,"
                        + " last_seq, version, concurrency_key) values ('" + runId + "', 'sync', 'awaiting', '{}',"
                        + " '{}', '{}', " + at + ", 0, 0, 'customer-42')",
                "insert into limits_run_await (await_id, token, run_id, flow, step_name, await_position, await_type,"
                        + " status, registered_at, timeout_action, event_name, held, version) values ('await-" + runId
                        + "', 'token-" + runId + "', '" + runId + "', 'sync', 'sync-customer', 'before',"
                        + " 'concurrency_key', '" + (runId.equals("holder") ? "resolved" : "waiting") + "', " + at
                        + ", 'fail', 'customer-42', '[]', 0)")).toArray(String[]::new));
        TestDatabases.execute(dataSource(), "insert into limits_concurrency_key (concurrency_key, holder_run_id,"
                + " held_since) values ('customer-42', 'holder', " + at + ")");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version22)) {
            SchedulingStore scheduling = upgraded.schedulingStore();
            assertThat(scheduling.concurrencyKeyHolderList("customer-42")).containsExactly("holder");
            assertThat(scheduling.settleConcurrencyKeyHolders(upgraded, "customer-42", T0)).containsExactly("holder");
            assertThat(upgraded.findRun("waiter").orElseThrow().concurrencyLimit()).isEqualTo(1);
            assertThat(scheduling.findAwait("await-waiter").orElseThrow().concurrencyLimit()).isEqualTo(1);

            upgraded.updateRun("holder", run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0),
                    List.of())));

            assertThat(scheduling.settleConcurrencyKeyHolders(upgraded, "customer-42", T0)).containsExactly("waiter");
        }
    }

    /** A queue paused before V43 stays paused after it, who paused it unknown; one paused after says who. */
    @Test
    void upgradesAVersion42SchemaKeepingAQueuesPauseWhoMadeItUnknownAndKeepsWhoPausesItAfter() {
        JpaStoreOptions version42 = options("pauses_").build();
        dropTables("pauses_");
        OlderSchemas.migrateTo(dataSource(), version42, "42");
        TestDatabases.execute(dataSource(), "insert into pauses_queue_pause (queue_name, paused_at) values ('erp',"
                + " timestamp with time zone '2030-01-01 00:00:00+00')");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version42)) {
            SchedulingStore scheduling = upgraded.schedulingStore();
            assertThat(scheduling.pausedQueues()).containsExactly("erp");
            assertThat(scheduling.queuePauseChanges()).as("who paused it before V43 is unknown, not code")
                    .doesNotContainKey("erp");

            io.nvent.spi.QueueChange alice = new io.nvent.spi.QueueChange(Optional.of("alice"), T0.plusSeconds(60),
                    Optional.of("supplier outage"));
            scheduling.setQueuePaused("mail", true, alice);
            assertThat(scheduling.queuePauseChanges()).containsEntry("mail", alice);
        }
    }

    /**
     * A team's upgrade from a build of 2026-12-03 (schema V9) with runs in flight: the rows as that build wrote
     * them (no attempt, renewal or operator; no key, labels or deadline) are read on after V10..V43.
     */
    @Test
    void upgradesAVersion9SchemaWithRunsInFlightSoThatTheirAwaitsLeasesAndPausesGoOn() {
        JpaStoreOptions version9 = options("v9_").build();
        dropTables("v9_");
        OlderSchemas.migrateTo(dataSource(), version9, "9");
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        String later = "timestamp with time zone '2030-01-01 01:00:00+00'";
        TestDatabases.execute(dataSource(), Stream.of("approving", "delayed", "running").flatMap(runId -> Stream.of(
                "insert into v9_run (run_id, flow, status, input_json, steps_json, emitted_json, started_at, last_seq,"
                        + " version) values ('" + runId + "', 'expense', '" + (runId.equals("running") ? "running"
                        : "awaiting") + "', '{}', '{}', '{}', " + at + ", 1, 2)")).toArray(String[]::new));
        TestDatabases.execute(dataSource(),
                "insert into v9_run_await (await_id, token, run_id, flow, step_name, await_position, await_type, status,"
                        + " registered_at, timeout_at, timeout_action, held, version) values ('await-approving',"
                        + " 'token-approving', 'approving', 'expense', 'pay', 'before', 'webhook', 'waiting', " + at
                        + ", " + later + ", 'fail', '[]', 0)",
                "insert into v9_run_await (await_id, token, run_id, flow, step_name, await_position, await_type, status,"
                        + " registered_at, resolve_at, timeout_action, held, version) values ('await-delayed',"
                        + " 'token-delayed', 'delayed', 'expense', 'submit', 'before', 'time', 'waiting', " + at
                        + ", " + at + ", 'fail', '[]', 0)",
                "insert into v9_step_lease (run_id, step_name, owner, expires_at) values ('running', 'pay', 'vm-old', "
                        + at + ")",
                "insert into v9_queue_pause (queue_name, paused_at) values ('expense', " + at + ")");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version9)) {
            SchedulingStore scheduling = upgraded.schedulingStore();
            assertThat(scheduling.findAwaitByToken("token-approving")).as("a webhook URL handed out before")
                    .hasValueSatisfying(await -> assertThat(await.status()).isEqualTo(io.nvent.AwaitStatus.WAITING));
            assertThat(scheduling.dueAwaits(T0.plusSeconds(1), 10)).extracting(io.nvent.spi.AwaitRecord::awaitId)
                    .containsExactly("await-delayed");
            assertThat(scheduling.leasesOfRun("running")).singleElement().satisfies(lease -> {
                assertThat(lease.owner()).isEqualTo("vm-old");
                assertThat(lease.attempt()).as("a lease for no attempt, judged by its owner").isEmpty();
                assertThat(lease.renewedAt()).isEmpty();
            });
            assertThat(scheduling.pausedQueues()).containsExactly("expense");
            assertThat(scheduling.queuePauseChanges()).as("who paused it is unknown").doesNotContainKey("expense");
            assertThat(upgraded.findRun("approving")).hasValueSatisfying(run -> {
                assertThat(run.concurrencyKey()).isEmpty();
                assertThat(run.labels()).isEmpty();
                assertThat(run.deadline()).isEmpty();
            });
        }
    }

    /** A schema at V43 upgraded to V44 keeps a fire-all catch-up not done yet, for the next start or another instance. */
    @Test
    void upgradesAVersion43SchemaToOneThatKeepsTheFireAllCatchUpsNotDoneYet() {
        JpaStoreOptions version43 = options("owed_").build();
        dropTables("owed_");
        OlderSchemas.migrateTo(dataSource(), version43, "43");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version43)) {
            SchedulingStore scheduling = upgraded.schedulingStore();
            io.nvent.spi.OwedCatchUp left = new io.nvent.spi.OwedCatchUp("sync", "node-a@t1", T0.plusSeconds(300),
                    T0, T0.plusMillis(5), "cron */5 * * * * UTC", List.of(T0.minusSeconds(300), T0));
            assertThat(scheduling.replaceOwedCatchUp("sync", Optional.empty(), Optional.of(left))).isTrue();
            assertThat(scheduling.owedCatchUps()).containsExactly(left);
        }
        assertThat(queryLong("select count(*) from owed_schema_history"
                + " where \"success\" = true and \"version\" = '44'")).isEqualTo(1);
    }

    /**
     * Runs that failed before V15 kept no error with the run: V45 reads it from the latest {@code flow.failed} entry
     * of their history, cut as a new run's is, so that the run list and {@code RunInfo.error()} show it for them too.
     */
    @Test
    void upgradesAVersion14SchemaGivingTheRunsThatFailedBeforeV15TheErrorTheirHistoryRecords() {
        JpaStoreOptions version14 = options("v14_").build();
        dropTables("v14_");
        OlderSchemas.migrateTo(dataSource(), version14, "14");
        // Quotes, line breaks, tabs and a path whose backslashes precede an n and a t; longer than a run keeps.
        String declined = "card declined: \"insufficient funds\"\n\tat Charge.run(Charge.java:42)\nstatement at"
                + " C:\\new\\table.csv " + "x".repeat(1200);
        String control = "bad byte \u0001 in the reply";
        // Characters of two UTF-16 units: PostgreSQL counts each as one, H2 (and Java) as two.
        String face = "\uD83D\uDE00";
        Map<String, String> wide = Map.of("straddling", "x".repeat(998) + face + " declined",
                "faces", face.repeat(600), "few-faces", face.repeat(10) + "y".repeat(990));
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        TestDatabases.execute(dataSource(), Stream.concat(Stream.of("declined", "control", "no-entry", "retried"),
                wide.keySet().stream()).map(runId ->
                "insert into v14_run (run_id, flow, status, input_json, steps_json, emitted_json, started_at, ended_at,"
                        + " last_seq, version) values ('" + runId + "', 'charge', '" + (runId.equals("retried")
                        ? "completed" : "failed") + "', '{}', '{}', '{}', " + at + ", " + at + ", 3, 3)")
                .toArray(String[]::new));
        TestDatabases.execute(dataSource(),
                historyEntry("declined", 1, "flow.failed", failedEntry("an earlier failure, retried since")),
                historyEntry("declined", 2, "flow.retry", "{}"),
                historyEntry("declined", 3, "flow.failed", failedEntry(declined)),
                historyEntry("control", 1, "flow.failed", failedEntry(control)),
                historyEntry("no-entry", 1, "log", "{}"),
                historyEntry("retried", 1, "flow.failed", failedEntry("failed, then retried and completed")));
        TestDatabases.execute(dataSource(), wide.entrySet().stream().map(failed -> historyEntry(failed.getKey(), 1,
                "flow.failed", failedEntry(failed.getValue()))).toArray(String[]::new));

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version14)) {
            assertThat(upgraded.findRun("declined").orElseThrow().error()).as("the latest failure's, cut as a new"
                    + " run's").isEqualTo(run("charge", "{}").withFailure(T0, declined).error())
                    .hasValueSatisfying(error -> assertThat(error).hasSize(RunRecord.MAX_ERROR_LENGTH)
                            .startsWith("card declined: \"insufficient funds\"\n\tat").endsWith("x…"));
            // H2 reads no JSON: an error holding a control character other than a tab or a line break stays in the
            // history only.
            assertThat(upgraded.findRun("control").orElseThrow().error())
                    .isEqualTo(postgres() ? Optional.of(control) : Optional.empty());
            assertThat(upgraded.findRun("no-entry").orElseThrow().error()).isEmpty();
            assertThat(upgraded.findRun("retried").orElseThrow().error()).as("not failed").isEmpty();
            wide.forEach((runId, error) -> assertThat(upgraded.findRun(runId).orElseThrow().error())
                    .as("%s: read as a new run's error is cut", runId)
                    .isEqualTo(run("charge", "{}").withFailure(T0, error).error()));
        }
    }

    private static String historyEntry(String runId, int seq, String type, String payload) {
        return "insert into v14_run_event (run_id, seq, event_type, attempt, occurred_at, payload) values ('" + runId
                + "', " + seq + ", '" + type + "', 0, timestamp with time zone '2030-01-01 00:00:00+00', '"
                + payload.replace("'", "''") + "')";
    }

    /** A flow.failed entry's payload as the engine writes it (JSON-P's escapes). */
    private static String failedEntry(String error) {
        return jakarta.json.Json.createObjectBuilder().add("step", "charge").add("error", error).build().toString();
    }

    /**
     * A rolling upgrade: the records of starts of the build before V45 (an insert without the build's columns) read
     * as not saying their build, beside the records of the new build's starts, which say theirs.
     */
    @Test
    void upgradesAVersion44SchemaReadingAnOlderBuildsInstanceRecordsAsNotSayingTheirBuild() {
        JpaStoreOptions version44 = options("build_").build();
        dropTables("build_");
        OlderSchemas.migrateTo(dataSource(), version44, "44");
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        String insertAsTheOldBuild = "insert into build_instance (instance_id, start_token, started_at, last_seen,"
                + " nvent_version, engine_enabled, ticks_triggers, queues_text) values ('%s', 't0', " + at + ", "
                + at + ", '0.2.0', true, true, 'mail=4')";
        TestDatabases.execute(dataSource(), insertAsTheOldBuild.formatted("before"));

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), version44)) {
            SchedulingStore scheduling = upgraded.schedulingStore();
            scheduling.saveInstance(new io.nvent.spi.InstanceRecord("new", "t1", T0, T0, Optional.empty(), "0.2.0",
                    true, Map.of("mail", 4), true, scheduling.schemaVersion(), Optional.of("1a2b3c4")));
            // The old build still runs beside the new one: its insert names the columns it knows.
            TestDatabases.execute(dataSource(), insertAsTheOldBuild.formatted("during"));

            assertThat(scheduling.instances(10)).extracting(io.nvent.spi.InstanceRecord::instanceId,
                    io.nvent.spi.InstanceRecord::storeSchema, io.nvent.spi.InstanceRecord::commit)
                    .containsExactlyInAnyOrder(tuple("before", Optional.empty(), Optional.empty()),
                            tuple("during", Optional.empty(), Optional.empty()),
                            tuple("new", Optional.of(OlderSchemas.latestVersion()), Optional.of("1a2b3c4")));
        }
    }

    @Test
    void upgradesAVersion1SchemaKeepingTheHistoryAndDeletingItWithItsRun() {
        JpaStoreOptions upgrade = version1Schema("upgrade_");
        RunRecord run = run("orders", "{}");
        // As the first release wrote them: this version refuses to run on that schema (see below).
        String at = "timestamp with time zone '2030-01-01 00:00:00+00'";
        TestDatabases.execute(dataSource(), "insert into upgrade_run (run_id, flow, status, input_json, steps_json,"
                        + " emitted_json, started_at, ended_at, last_seq, version) values ('" + run.runId() + "',"
                        + " 'orders', 'completed', '{}', '{}', '{}', " + at + ", " + at + ", 2, 2)",
                "insert into upgrade_run_event (run_id, seq, event_type, attempt, occurred_at, payload) values ('"
                        + run.runId() + "', 1, 'log', 0, " + at + ", '{\"before\":\"upgrade\"}')",
                "insert into upgrade_run_event (run_id, seq, event_type, attempt, occurred_at, payload) values ('"
                        + run.runId() + "', 2, 'log', 0, " + at + ", '{}')");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), upgrade)) {
            assertThat(upgraded.readEvents(run.runId(), EventQuery.all())).extracting(HistoryEvent::data)
                    .map(data -> data.replace(" ", "")).containsExactly("{\"before\":\"upgrade\"}", "{}");
            upgraded.appendEvents(run.runId(), List.of(log("{\"after\":true}")));

            assertThat(upgraded.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(1)),
                    T0.plus(Duration.ofDays(2)))).isEqualTo(1);
        }
        assertThat(queryLong("select count(*) from upgrade_run_event")).isZero();
        assertThat(queryLong("select count(*) from upgrade_schema_history"
                + " where \"success\" = true and \"version\" = '2'")).isEqualTo(1);
    }

    @Test
    void withoutMigrationsAnOlderSchemaFailsTheStartNamingTheMigrationsItLacksAndChangesNothing() {
        version1Schema("old_");

        assertThatThrownBy(() -> JpaFlowStore.create(dataSource(), options("old_").migrateSchema(false).build()))
                .isInstanceOf(NventException.class)
                .hasMessage("NVENT-0329 the nvent store schema (tables old_*) is at version 1, this version needs 46:"
                        + " apply V2..V46 (nvent.store.migrate=true applies them at deployment; applied by hand, record"
                        + " them in Flyway's history table " + (postgres() ? "old_schema_history" : "OLD_SCHEMA_HISTORY")
                        + ")");
        assertThat(queryLong("select count(*) from old_schema_history where \"version\" = '2'")).as("not migrated")
                .isZero();
    }

    @Test
    void withoutMigrationsASchemaWithoutHistoryFailsTheStart() {
        TestDatabases.execute(dataSource(), "drop table if exists none_schema_history");

        assertThatThrownBy(() -> JpaFlowStore.create(dataSource(), options("none_").migrateSchema(false).build()))
                .isInstanceOf(NventException.class)
                .hasMessageStartingWith("NVENT-0329 the nvent store schema (tables none_*) is at version none (no"
                        + " migration recorded in table ").hasMessageContaining("apply V1..V46");
    }

    @Test
    void withoutMigrationsAStoreStartsOnACurrentSchemaAndWarnsOfANewerOne() {
        try (JpaFlowStore current = JpaFlowStore.create(dataSource(),
                options("behaviour_").migrateSchema(false).build())) {
            assertThat(current.findRun("no-such-run")).isEmpty();
        }
        migratedByALaterBuild("later_");

        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0330"));
             JpaFlowStore older = JpaFlowStore.create(dataSource(), options("later_").migrateSchema(false).build())) {
            assertThat(older.findRun("no-such-run")).isEmpty();
            assertThat(log.records()).singleElement().satisfies(warning ->
                    assertThat(warning.getLevel()).isEqualTo(Level.WARNING));
        }
    }

    /**
     * The way back: an older build deployed on the schema a later one migrated finds the schema at the later version,
     * as the later build does; so each says which version its own build brings, or the two cannot be told apart.
     */
    @Test
    void saysTheSchemaVersionItsBuildBringsBesideThatOfASchemaALaterBuildMigrated() {
        JpaStoreOptions later = migratedByALaterBuild("newer_");

        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0311"));
             JpaFlowStore older = JpaFlowStore.create(dataSource(), later)) {
            assertThat(log.records()).singleElement().satisfies(info -> assertThat(
                    java.text.MessageFormat.format(info.getMessage(), info.getParameters()))
                    .contains("at version 100, this build's at " + OlderSchemas.latestVersion() + ";"));
            assertThat(older.schedulingStore().schemaVersion()).contains(OlderSchemas.latestVersion());
        }
    }

    @Test
    void upgradesTheRateLimitsOfVersion7SoThatTheirStartsKeepCountingForTheWholeQueue() {
        JpaStoreOptions upgrade = options("limits_").build();
        TestDatabases.execute(dataSource(), Stream.of("trigger_debounce", "request_key", "concurrency_key_settle", "webhook_request", "rate_start", "rate_limit", "queue_pause", "job_attempt", "job",
                        "step_lease", "schedule_tick", "trigger_event", "flow_trigger", "run_await", "run_state",
                        "run_event", "run_label", "run", "schema_history")
                .map(table -> "drop table if exists limits_" + table).toArray(String[]::new));
        OlderSchemas.migrateTo(dataSource(), upgrade, "7");
        Instant started = Instant.now().minusSeconds(60);
        TestDatabases.execute(dataSource(), "insert into limits_rate_limit (queue_name, recorded) values ('mail', 1)",
                "insert into limits_rate_start (queue_name, started_at) values ('mail', timestamp with time zone '"
                        + java.time.OffsetDateTime.ofInstant(started, java.time.ZoneOffset.UTC) + "')");

        try (JpaFlowStore upgraded = JpaFlowStore.create(dataSource(), upgrade)) {
            SchedulingStore limits = upgraded.schedulingStore();
            RateLimit onePerHour = new RateLimit(1, Duration.ofHours(1));

            assertThat(limits.takeRateLimitedStart(RateLimitGroup.wholeQueue("mail"), onePerHour,
                    java.time.Clock.systemUTC())).isBetween(Duration.ofMinutes(58), Duration.ofMinutes(59));
            assertThat(limits.takeRateLimitedStart(new RateLimitGroup("mail", "\"acme\""), onePerHour,
                    java.time.Clock.systemUTC())).isZero();
        }
    }

    @Test
    void migratesIntoASchemaThatHoldsOtherTables() {
        TestDatabases.execute(dataSource(), "create schema if not exists nvent_busy",
                "create table if not exists nvent_busy.app_table (id integer primary key)");

        try (JpaFlowStore busy = JpaFlowStore.create(dataSource(), options("busy_").schema("nvent_busy").build())) {
            RunRecord run = run("orders", "{}");
            busy.createRun(run, List.of());
            assertThat(busy.findRun(run.runId())).isPresent();
        }
    }

    @Test
    void storesRunPayloadsAsJsonbAndHistoryPayloadsAsWrittenOnPostgres() {
        if (!postgres()) {
            return;
        }
        assertThat(queryString("select data_type from information_schema.columns"
                + " where table_name = 'behaviour_run' and column_name = 'input_json'")).isEqualTo("jsonb");
        assertThat(queryString("select data_type from information_schema.columns"
                + " where table_name = 'behaviour_run_event' and column_name = 'payload'")).isEqualTo("text");
        RunRecord run = created("orders");
        store.appendEvents(run.runId(), List.of(log("{\"b\":1,  \"a\":[true]}")));

        assertThat(store.readEvents(run.runId(), EventQuery.all())).last()
                .extracting(HistoryEvent::data).isEqualTo("{\"b\":1,  \"a\":[true]}");
    }

    /**
     * A long error with characters of two UTF-16 units reads back as the failed run kept it: not with a character cut
     * in half, which PostgreSQL stores as {@code ?}, nor longer than H2's column holds.
     */
    @Test
    void aLongErrorWithCharactersOutsideTheBasicPlaneReadsBackAsTheFailedRunKeptIt() {
        String face = "\uD83D\uDE00";
        for (String error : List.of("x".repeat(998) + face + " declined", face.repeat(600))) {
            RunRecord run = created("orders");
            RunRecord failed = store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                    current.withFailure(T0.plusSeconds(9), error), List.of()))).orElseThrow().run();

            assertThat(store.findRun(run.runId()).orElseThrow().error()).isEqualTo(failed.error())
                    .hasValueSatisfying(kept -> assertThat(kept).hasSizeLessThanOrEqualTo(RunRecord.MAX_ERROR_LENGTH)
                            .doesNotContain("?").endsWith((error.startsWith("x") ? "x" : face) + "…"));
        }
    }

    @Test
    void aRunWhoseErrorOutlivedItsFailureShowsNoErrorAndItsNextWriteClearsIt() {
        RunRecord run = created("orders");
        store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withFailure(T0.plusSeconds(9), "card declined"), List.of())));
        // A 0.1 instance on this schema retries the run: it knows no error_text, and leaves it.
        TestDatabases.execute(dataSource(), "update behaviour_run set status = 'running', ended_at = null"
                + " where run_id = '" + run.runId() + "'");

        assertThat(store.findRun(run.runId())).get().extracting(RunRecord::error).isEqualTo(Optional.empty());
        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).filteredOn(r -> r.runId().equals(run.runId()))
                .extracting(RunRecord::error).containsExactly(Optional.empty());

        // Written through the entity, as outside grouped commits; a grouped write sets every column anyway.
        try (JpaFlowStore ungrouped = JpaFlowStore.create(dataSource(),
                options("behaviour_").groupCommitThreads(0).migrateSchema(false).build())) {
            ungrouped.updateRun(run.runId(), current -> Optional.of(new RunChange(
                    current.withStep("pay", StepStatus.QUEUED), List.of())));
        }
        assertThat(queryLong("select count(*) from behaviour_run where error_text is not null and run_id = '"
                + run.runId() + "'")).as("the error left behind, cleared").isZero();
    }

    // ---------------------------------------------------------------- grouped commits

    @Test
    void concurrentWritersToManyRunsEachGetGaplessHistoriesAndEveryChange() {
        List<RunRecord> runs = IntStream.range(0, 24).mapToObj(i -> created("orders")).toList();
        int updatesPerRun = 10;
        Map<String, List<Long>> versions = new ConcurrentHashMap<>();

        Concurrently.run(12, thread -> {
            for (int round = 0; round < updatesPerRun; round++) {
                for (int r = thread; r < runs.size(); r += 12) {
                    String step = "step-" + round;
                    String runId = runs.get(r).runId();
                    long version = store.updateRun(runId, current -> Optional.of(new RunChange(
                            current.withStep(step, StepStatus.COMPLETED), List.of(log("{}"), log("{}")))))
                            .orElseThrow().run().version();
                    versions.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>())
                            .add(version);
                }
            }
        });

        for (RunRecord run : runs) {
            assertThat(store.readEvents(run.runId(), EventQuery.all())).extracting(HistoryEvent::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 1 + 2L * updatesPerRun)
                            .boxed().toList());
            RunRecord stored = store.findRun(run.runId()).orElseThrow();
            assertThat(stored.steps()).hasSize(updatesPerRun);
            assertThat(stored.version()).isEqualTo(updatesPerRun);
            // Every caller is told the version its own change produced.
            assertThat(versions.get(run.runId())).containsExactlyElementsOf(
                    LongStream.rangeClosed(1, updatesPerRun).boxed().toList());
        }
    }

    @Test
    void aChangeAfterAnotherInstanceChangedTheRunAppliesToTheLatestStateAndARefusalIsCheckedOnIt() {
        String runId = created("orders").runId();
        // This store now holds the run's state at version 1, and another instance moves it on.
        store.updateRun(runId, current -> Optional.of(new RunChange(current.withStep("a", StepStatus.COMPLETED),
                List.of(log("{}")))));
        oneCommitter.updateRun(runId, current -> Optional.of(new RunChange(current.withStep("b", StepStatus.COMPLETED),
                List.of(log("{}")))));

        Optional<StoredChange> refusedOnlyIfBehind = store.updateRun(runId, current ->
                current.steps().containsKey("b")
                        ? Optional.of(new RunChange(current.withStep("c", StepStatus.COMPLETED), List.of(log("{}"))))
                        : Optional.empty());
        StoredChange next = store.updateRun(runId, current -> Optional.of(new RunChange(
                current.withStep("d", StepStatus.COMPLETED), List.of(log("{}"))))).orElseThrow();

        oneCommitter.updateRun(runId, current -> Optional.of(new RunChange(current.withStep("e", StepStatus.COMPLETED),
                List.of(log("{}")))));
        StoredChange last = store.updateRun(runId, current -> Optional.of(new RunChange(
                current.withStep("f", StepStatus.COMPLETED), List.of(log("{}"))))).orElseThrow();

        assertThat(refusedOnlyIfBehind).as("decided on the latest state, which has step b").isPresent();
        assertThat(next.run().version()).isEqualTo(4);
        assertThat(last.run().version()).as("written over the other instance's change, not under it").isEqualTo(6);
        assertThat(store.findRun(runId).orElseThrow().steps()).containsOnlyKeys("a", "b", "c", "d", "e", "f");
        assertThat(store.readEvents(runId, EventQuery.all())).extracting(HistoryEvent::seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    /**
     * An append leaves the run's version as it was (a step's log line, a hand-back), so the state this
     * instance keeps of the run is at the current version but behind the history: the grouped change
     * wrote its entries over the appended one and failed on the history's key, which Hibernate logged
     * as an ERROR before the change ran again alone (soak, session 38: one per ~1,400 runs).
     */
    @Test
    void aChangeAfterAnotherInstanceAppendedToTheRunNumbersItsEntriesAfterTheAppendedOneWithoutAFailedInsert() {
        String runId = created("orders").runId();
        oneCommitter.appendEvents(runId, List.of(log("{\"line\":\"appended elsewhere\"}")));

        try (LogRecorder log = hibernateWarnings()) {
            StoredChange change = store.updateRun(runId, current -> Optional.of(new RunChange(
                    current.withStep("a", StepStatus.COMPLETED), List.of(log("{\"line\":\"changed here\"}")))))
                    .orElseThrow();

            assertThat(change.events()).extracting(HistoryEvent::seq).containsExactly(3L);
            assertThat(log.records()).extracting(LogRecord::getMessage).isEmpty();
        }
        assertThat(store.readEvents(runId, EventQuery.all())).extracting(HistoryEvent::seq, HistoryEvent::data)
                .containsExactly(tuple(1L, "{}"), tuple(2L, "{\"line\":\"appended elsewhere\"}"),
                        tuple(3L, "{\"line\":\"changed here\"}"));
    }

    /**
     * The same, with a change that appends nothing: it used to commit, writing the history's last
     * number back to where the kept state had it, so the run's next entry was given a number already
     * taken and every later write to its history failed.
     */
    @Test
    void aChangeWithoutEntriesAfterAnotherInstanceAppendedToTheRunLeavesTheNextEntryAfterTheAppendedOne() {
        String runId = created("orders").runId();
        oneCommitter.appendEvents(runId, List.of(log("{\"line\":\"appended elsewhere\"}")));

        store.updateRun(runId, current -> Optional.of(new RunChange(current.withEmitted("paid", "{}"), List.of())));
        List<HistoryEvent> next = store.appendEvents(runId, List.of(log("{\"line\":\"next\"}")));

        assertThat(next).extracting(HistoryEvent::seq).containsExactly(3L);
        assertThat(store.readEvents(runId, EventQuery.all())).extracting(HistoryEvent::seq)
                .containsExactly(1L, 2L, 3L);
        assertThat(store.findRun(runId).orElseThrow().emitted()).containsOnlyKeys("paid");
    }

    /** What Hibernate logs at WARNING and above: a failed statement, with its SQL state and message. */
    private static LogRecorder hibernateWarnings() {
        return LogRecorder.recording(entry -> entry.getLoggerName() != null
                && entry.getLoggerName().startsWith("org.hibernate")
                && entry.getLevel().intValue() >= Level.WARNING.intValue());
    }

    @Test
    void aRunThisInstanceJustChangedIsRecentAtThatVersionWithoutAskingTheDatabase() {
        String runId = created("orders").runId();
        StoredChange changed = store.updateRun(runId, current -> Optional.of(new RunChange(
                current.withEmitted("paid", "{\"amount\":3}"), List.of(log("{}"))))).orElseThrow();
        TestDatabases.execute(dataSource(), "update behaviour_run set emitted_json = '{}' where run_id = '" + runId + "'");

        assertThat(store.recentRun(runId, changed.run().version(), Duration.ofMinutes(1)))
                .as("the committed state, not the row as it is now").map(RunRecord::emitted)
                .contains(Map.of("paid", "{\"amount\":3}"));
        assertThat(store.recentRun(runId, changed.run().version() + 1, Duration.ofMinutes(1))).isEmpty();
        Awaitility.await().until(() -> store.recentRun(runId, changed.run().version(), Duration.ofMillis(1)).isEmpty());
        assertThatThrownBy(() -> store.recentRun(runId, 0, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    }

    @Test
    void aRunAnotherInstanceMovedOnIsNotRecentAtItsNewVersionUntilThisInstanceReadsIt() {
        String runId = created("orders").runId();
        store.updateRun(runId, current -> Optional.of(new RunChange(current.withStep("a", StepStatus.COMPLETED),
                List.of(log("{}")))));
        StoredChange elsewhere = oneCommitter.updateRun(runId, current -> Optional.of(new RunChange(
                current.withStep("b", StepStatus.QUEUED), List.of(log("{}"))))).orElseThrow();

        assertThat(store.recentRun(runId, elsewhere.run().version(), Duration.ofMinutes(1))).isEmpty();
        store.findRun(runId);
        assertThat(store.recentRun(runId, elsewhere.run().version(), Duration.ofMinutes(1)))
                .map(RunRecord::steps).contains(Map.of("a", StepStatus.COMPLETED, "b", StepStatus.QUEUED));
    }

    @Test
    void instantsAreStoredToTheMicrosecondRoundedHalfUpBeforeTheEpochAndPastYear9999() {
        Map<Instant, Instant> storedAs = new LinkedHashMap<>();
        storedAs.put(Instant.parse("2030-05-06T07:08:09.123456Z"), Instant.parse("2030-05-06T07:08:09.123456Z"));
        storedAs.put(Instant.parse("2030-05-06T07:08:09.123456499Z"), Instant.parse("2030-05-06T07:08:09.123456Z"));
        storedAs.put(Instant.parse("2030-05-06T07:08:09.123456500Z"), Instant.parse("2030-05-06T07:08:09.123457Z"));
        storedAs.put(Instant.parse("2030-12-31T23:59:59.999999900Z"), Instant.parse("2031-01-01T00:00:00Z"));
        storedAs.put(Instant.parse("1900-01-01T00:00:00.000000500Z"), Instant.parse("1900-01-01T00:00:00.000001Z"));
        storedAs.put(Instant.parse("9999-12-31T23:59:59.000001Z"), Instant.parse("9999-12-31T23:59:59.000001Z"));
        storedAs.put(Instant.parse("+12000-01-01T00:00:00Z"), Instant.parse("+12000-01-01T00:00:00Z"));

        storedAs.forEach((instant, expected) -> {
            RunRecord run = RunRecord.started("run-" + IDS.incrementAndGet(), "clock", "{}", Optional.empty(), instant);
            store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, instant, "{}")));
            store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                    current.withStatus(RunStatus.COMPLETED, instant), List.of(log("{}")))));

            RunRecord read = oneCommitter.findRun(run.runId()).orElseThrow();
            assertThat(read.startedAt()).as("started at %s", instant).isEqualTo(expected);
            assertThat(read.endedAt()).as("ended at %s", instant).contains(expected);
            assertThat(oneCommitter.readEvents(run.runId(), EventQuery.all()).get(0).timestamp())
                    .as("history at %s", instant).isEqualTo(expected);
        });
    }

    @Test
    void runsReadTogetherAreRecentAtTheVersionsReadAsIfEachHadBeenFound() {
        List<StoredChange> elsewhere = IntStream.range(0, 3).mapToObj(i -> created("orders").runId())
                .map(runId -> oneCommitter.updateRun(runId, current -> Optional.of(new RunChange(
                        current.withStep("b", StepStatus.QUEUED), List.of(log("{}"))))).orElseThrow())
                .toList();
        List<String> runIds = elsewhere.stream().map(change -> change.run().runId()).toList();
        assertThat(runIds).allSatisfy(runId -> assertThat(store.recentRun(runId, 1, Duration.ofMinutes(1))).isEmpty());

        assertThat(store.readRuns(runIds)).hasSize(3);

        for (StoredChange change : elsewhere) {
            assertThat(store.recentRun(change.run().runId(), change.run().version(), Duration.ofMinutes(1)))
                    .map(RunRecord::steps).contains(Map.of("b", StepStatus.QUEUED));
        }
    }

    @Test
    void aWriterWhoseChangeFailsInsideAGroupGetsItsOwnErrorAndTheOthersCommit() throws Exception {
        List<RunRecord> others = IntStream.range(0, 6).mapToObj(i -> created("orders")).toList();
        String failing = others.get(3).runId();

        List<Future<Object>> outcomes = submitInOneGroup(others.stream().<Callable<Object>>map(run -> () ->
                oneCommitter.updateRun(run.runId(), counted(run.runId(), current -> {
                    if (run.runId().equals(failing)) {
                        throw new IllegalStateException("no change for " + run.runId());
                    }
                    return Optional.of(new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}"))));
                }))).toList());

        for (int i = 0; i < others.size(); i++) {
            Future<Object> write = outcomes.get(i);
            if (others.get(i).runId().equals(failing)) {
                assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("no change for " + failing);
            } else {
                write.get(30, TimeUnit.SECONDS);
            }
        }
        for (RunRecord run : others) {
            boolean failed = run.runId().equals(failing);
            assertThat(oneCommitter.findRun(run.runId()).orElseThrow().steps()).hasSize(failed ? 0 : 1);
            assertThat(oneCommitter.readEvents(run.runId(), EventQuery.all())).hasSize(failed ? 1 : 2);
        }
        // The failing change ran in the group, then once more on its own; the group's changes
        // ran again alone (those queued before it) or only alone (after it), never more.
        assertThat(calls.get(failing)).hasValue(2);
        assertThat(calls.values()).extracting(AtomicInteger::get).allMatch(n -> n == 1 || n == 2);
    }

    @Test
    void runsCreatedInTheSameGroupAsChangesOfOtherRunsCommitTogetherWithTheirHistories() throws Exception {
        List<RunRecord> existing = IntStream.range(0, 4).mapToObj(i -> created("orders")).toList();
        List<RunRecord> fresh = IntStream.range(0, 4).mapToObj(i -> run("orders", "{}")).toList();
        List<Callable<Object>> writes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RunRecord change = existing.get(i);
            RunRecord creation = fresh.get(i);
            writes.add(() -> oneCommitter.updateRun(change.runId(), counted(change.runId(), current -> Optional.of(
                    new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}")))))));
            writes.add(() -> oneCommitter.createRun(creation,
                    List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}"), log("{}"))));
        }

        inOneGroup(writes);

        for (RunRecord run : fresh) {
            assertThat(oneCommitter.readEvents(run.runId(), EventQuery.all())).hasSize(2);
        }
        // One group, committed at the first attempt: no change had to run again on its own.
        assertThat(calls.values()).extracting(AtomicInteger::get).containsOnly(1);
    }

    @Test
    void changesOfOneRunInOneGroupGetConsecutiveVersionsAndGaplessHistories() throws Exception {
        RunRecord run = created("orders");
        List<Callable<Object>> writes = IntStream.range(0, 5).<Callable<Object>>mapToObj(i -> () ->
                oneCommitter.updateRun(run.runId(), counted(run.runId(), current -> Optional.of(new RunChange(
                        current.withStep("step-" + i, StepStatus.COMPLETED), List.of(log("{}"), log("{}"))))))
                        .orElseThrow()).toList();

        List<StoredChange> changes = inOneGroup(writes).stream().map(StoredChange.class::cast).toList();

        // Each caller is told its own version, and the history entries numbered right after the
        // previous change's (the creation wrote entry 1).
        assertThat(changes).extracting(change -> change.run().version())
                .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        for (StoredChange change : changes) {
            long version = change.run().version();
            assertThat(change.events()).extracting(HistoryEvent::seq).containsExactly(2 * version, 2 * version + 1);
            assertThat(change.run().steps()).hasSize((int) version);
        }
        assertThat(oneCommitter.readEvents(run.runId(), EventQuery.all())).extracting(HistoryEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 11).boxed().toList());
        RunRecord stored = oneCommitter.findRun(run.runId()).orElseThrow();
        assertThat(stored.version()).isEqualTo(5);
        assertThat(stored.steps()).hasSize(5);
        assertThat(calls.values()).extracting(AtomicInteger::get).containsOnly(5);
    }

    @Test
    void aRunCreatedInAGroupCanBeChangedInTheSameGroupNextToChangesOfOtherRuns() throws Exception {
        RunRecord other = created("orders");
        store.updateRun(other.runId(), current -> Optional.of(new RunChange(current.withEmitted("reserved", "[2]"),
                List.of())));
        RunRecord fresh = run("orders", "[1]");
        List<Callable<Object>> writes = List.of(
                () -> oneCommitter.createRun(fresh, List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}"))),
                () -> oneCommitter.updateRun(fresh.runId(), counted(fresh.runId(), current -> Optional.of(
                        new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}")))))),
                () -> oneCommitter.updateRun(other.runId(), counted(other.runId(), current -> Optional.of(
                        new RunChange(current.withStep("a", StepStatus.RUNNING), List.of())))),
                // A change that leaves the run as it was still counts as one.
                () -> oneCommitter.updateRun(fresh.runId(), counted(fresh.runId(), current -> Optional.of(
                        new RunChange(current, List.of(log("{}")))))),
                () -> oneCommitter.updateRun(fresh.runId(), counted(fresh.runId(), current -> Optional.of(
                        new RunChange(current.withStatus(RunStatus.COMPLETED, T0.plusSeconds(60)),
                                List.of(EventDraft.ofRun(EventType.FLOW_COMPLETED, T0.plusSeconds(60), "{}")))))));

        List<Object> results = inOneGroup(writes);

        assertThat(((Optional<?>) results.get(4)).map(change -> ((StoredChange) change).run().version()))
                .contains(3L);
        RunRecord stored = oneCommitter.findRun(fresh.runId()).orElseThrow();
        assertThat(stored.version()).isEqualTo(3);
        assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stored.endedAt()).contains(T0.plusSeconds(60));
        assertThat(stored.input()).isEqualTo(fresh.input());
        assertThat(stored.steps()).containsExactly(Map.entry("a", StepStatus.COMPLETED));
        assertThat(oneCommitter.readEvents(fresh.runId(), EventQuery.all())).extracting(HistoryEvent::type)
                .containsExactly(EventType.FLOW_START, EventType.LOG, EventType.LOG, EventType.FLOW_COMPLETED);
        // The group's update of the other run left the columns it did not change as they were.
        RunRecord otherStored = oneCommitter.findRun(other.runId()).orElseThrow();
        assertThat(otherStored.version()).isEqualTo(2);
        assertThat(otherStored.input()).isEqualTo("{}");
        assertThat(otherStored.emitted()).containsExactly(Map.entry("reserved", "[2]"));
        assertThat(otherStored.steps()).containsExactly(Map.entry("a", StepStatus.RUNNING));
        // One group, committed at the first attempt: no change had to run again on its own.
        assertThat(calls.values()).extracting(AtomicInteger::get).containsOnly(3, 1);
    }

    @Test
    void aFailingChangeInAGroupFailsAloneAndTheOtherChangesOfItsRunCountOnce() throws Exception {
        RunRecord run = created("orders");
        RunRecord other = created("orders");
        List<Callable<Object>> writes = List.of(
                () -> oneCommitter.updateRun(run.runId(), current -> Optional.of(
                        new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}"))))),
                () -> oneCommitter.updateRun(run.runId(), counted(run.runId(), current -> {
                    throw new IllegalStateException("no change for " + current.runId());
                })),
                () -> oneCommitter.updateRun(other.runId(), current -> Optional.of(
                        new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}"))))),
                () -> oneCommitter.updateRun(run.runId(), current -> Optional.of(
                        new RunChange(current.withStep("b", StepStatus.COMPLETED), List.of(log("{}"))))));

        List<Future<Object>> outcomes = submitInOneGroup(writes);

        assertThatThrownBy(() -> outcomes.get(1).get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("no change for " + run.runId());
        assertThat(List.of(outcomes.get(0), outcomes.get(3))).extracting(outcome ->
                ((Optional<?>) outcome.get(30, TimeUnit.SECONDS)).map(c -> ((StoredChange) c).run().version()))
                .containsExactly(Optional.of(1L), Optional.of(2L));
        outcomes.get(2).get(30, TimeUnit.SECONDS);
        RunRecord stored = oneCommitter.findRun(run.runId()).orElseThrow();
        assertThat(stored.version()).isEqualTo(2);
        assertThat(stored.steps()).containsOnlyKeys("a", "b");
        assertThat(oneCommitter.readEvents(run.runId(), EventQuery.all())).extracting(HistoryEvent::seq)
                .containsExactly(1L, 2L, 3L);
        assertThat(oneCommitter.readEvents(other.runId(), EventQuery.all())).hasSize(2);
        // Once in the group, once alone.
        assertThat(calls.get(run.runId())).hasValue(2);
    }

    @Test
    void stepStartsAndFinishesInOneGroupTakeAndGiveUpTheirLeasesAndALeaseHeldElsewhereRefusesOnlyItsStart()
            throws Exception {
        SchedulingStore leases = oneCommitter.schedulingStore();
        RunRecord held = created("orders");
        RunRecord free = created("orders");
        RunRecord finishing = created("orders");
        Instant until = T0.plusSeconds(60);
        assertThat(leases.acquireLease(held.runId(), "a", "other-instance", until, T0)).isTrue();
        assertThat(leases.acquireLease(finishing.runId(), "a", "me", until, T0)).isTrue();
        RunMutation start = current -> Optional.of(new RunChange(current.withStep("a", StepStatus.RUNNING),
                List.of(log("{}"))));

        List<Object> outcomes = inOneGroup(List.of(
                () -> leases.startStep(oneCommitter, new StepLease(held.runId(), "a", "me", until), T0, start),
                () -> leases.startStep(oneCommitter, new StepLease(free.runId(), "a", "me", until), T0, start),
                () -> leases.finishStep(oneCommitter, new StepLease(finishing.runId(), "a", "me", until),
                        current -> Optional.of(new RunChange(current.withStep("a", StepStatus.COMPLETED),
                                List.of(log("{}")))))));

        assertThat((Optional<?>) outcomes.get(0)).as("held by another instance").isEmpty();
        assertThat((Optional<?>) outcomes.get(1)).isPresent();
        assertThat((Optional<?>) outcomes.get(2)).isPresent();
        assertThat(oneCommitter.findRun(held.runId()).orElseThrow().steps()).doesNotContainKey("a");
        assertThat(oneCommitter.findRun(free.runId()).orElseThrow().steps()).containsEntry("a", StepStatus.RUNNING);
        assertThat(leases.acquireLease(free.runId(), "a", "other-instance", until, T0)).as("taken").isFalse();
        assertThat(leases.acquireLease(held.runId(), "a", "other-instance", until, T0)).as("still the other's")
                .isTrue();
        assertThat(leases.acquireLease(finishing.runId(), "a", "other-instance", until, T0)).as("given up").isTrue();
    }

    /**
     * Two instances over one database: the other instance takes the step's expired lease over while
     * this one finishes the step under it (the lease's row is locked only after the run's, so the
     * takeover gets through first here). The finish is then rolled back, not stored over the other
     * instance's lease; the plain finish too, which the engine makes while it counts its lease as
     * surely held (that may run out just then): its delete of the lease finds none.
     */
    @ParameterizedTest(name = "under its lease: {0}")
    @ValueSource(booleans = {true, false})
    void aStepFinishedUnderItsLeaseIsRolledBackWhenAnotherInstanceTakesTheLeaseOverMeanwhile(boolean holding) {
        SchedulingStore here = store.schedulingStore();
        SchedulingStore otherInstance = oneCommitter.schedulingStore();
        RunRecord run = created("orders");
        StepLease expired = new StepLease(run.runId(), "a", "me", T0.plusSeconds(30));
        assertThat(here.acquireLease(expired, T0)).isTrue();
        StepLease takeover = new StepLease(run.runId(), "a", "other-instance", T0.plusSeconds(90));
        List<Future<Boolean>> takenOver = new CopyOnWriteArrayList<>();
        RunMutation finish = current -> {
            if (takenOver.isEmpty()) {
                takenOver.add(writers.submit(() -> otherInstance.acquireLease(takeover, T0.plusSeconds(30))));
            }
            try {
                assertThat(takenOver.get(0).get(10, TimeUnit.SECONDS)).as("the other instance's takeover").isTrue();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Optional.of(new RunChange(current.withStep("a", StepStatus.COMPLETED), List.of(log("{}"))));
        };

        assertThatThrownBy(() -> {
            if (holding) {
                here.finishStepHolding(store, expired, finish);
            } else {
                here.finishStep(store, expired, finish);
            }
        }).isInstanceOf(StaleExecutionException.class).hasMessageContaining("NVENT-0260");

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertThat(stored.steps()).doesNotContainKey("a");
        assertThat(stored.version()).isEqualTo(run.version());
        assertThat(store.readEvents(run.runId(), EventQuery.all())).extracting(HistoryEvent::type)
                .containsExactly(EventType.FLOW_START);
        assertThat(here.leasesOfRun(run.runId())).containsExactly(takeover);
    }

    @Test
    void aWriteThatWaitsLongForItsGroupSaysSoAndWhereTheCommitterIsThenWhenItEnded() throws Exception {
        try (LogRecorder log = LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-032"));
             JpaFlowStore slow = JpaFlowStore.create(dataSource(), options("behaviour_").groupCommitThreads(1)
                     .slowWriteWarning(Duration.ofMillis(200)).migrateSchema(false).build())) {
            RunRecord waiting = created("orders");
            BlockedCommitter blocked = blockCommitter(slow);
            Future<?> write = writers.submit(() -> slow.updateRun(waiting.runId(),
                    current -> Optional.of(new RunChange(current.withStep("a", StepStatus.RUNNING), List.of()))));

            String about = "run '" + waiting.runId() + "'";
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> log.containing(about).size() == 1);
            LogRecord warning = log.containing(about).get(0);
            assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
            assertThat(warning.getMessage()).startsWith("NVENT-0322 a write to " + about + " has waited")
                    .contains("committer nvent-store-commit-0 is TIMED_WAITING")
                    .as("where the committer is: in the blocked write").contains("JpaStoreBehaviourTest");
            assertThat(write).isNotDone();

            blocked.release();
            write.get(30, TimeUnit.SECONDS);
            assertThat(slow.findRun(waiting.runId()).orElseThrow().steps()).containsEntry("a", StepStatus.RUNNING);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> log.containing(about).size() == 2);
            assertThat(log.containing(about).get(1).getMessage())
                    .startsWith("NVENT-0323 the slow write to " + about + " ended after");
        }
    }

    /** A write whose work holds the only committer of a store until {@link #release()}. */
    private record BlockedCommitter(CountDownLatch latch, Future<?> write) {
        void release() throws Exception {
            latch.countDown();
            write.get(30, TimeUnit.SECONDS);
        }
    }

    private BlockedCommitter blockCommitter(JpaFlowStore on) throws InterruptedException {
        RunRecord blocker = created("orders");
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> write = writers.submit(() -> on.updateRun(blocker.runId(), current -> {
            blocking.countDown();
            awaitQuietly(release);
            return Optional.empty();
        }));
        assertThat(blocking.await(30, TimeUnit.SECONDS)).isTrue();
        return new BlockedCommitter(release, write);
    }

    /**
     * Runs {@code writes} on {@link #oneCommitter} while its only committer is busy with another
     * write, each queued after the one before, so that they are committed as one group in this
     * order; returns what each write returned.
     */
    private List<Object> inOneGroup(List<Callable<Object>> writes) throws Exception {
        List<Object> results = new ArrayList<>();
        for (Future<Object> outcome : submitInOneGroup(writes)) {
            results.add(outcome.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    private List<Future<Object>> submitInOneGroup(List<Callable<Object>> writes) throws Exception {
        BlockedCommitter blocked = blockCommitter(oneCommitter);
        List<Future<Object>> outcomes = new ArrayList<>();
        for (Callable<Object> write : writes) {
            long waiting = waitingWriters();
            outcomes.add(writers.submit(write));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> waitingWriters() > waiting);
        }
        blocked.release();
        return outcomes;
    }

    /** {@code mutation}, counting its calls per run in {@link #calls}. */
    private RunMutation counted(String runId, RunMutation mutation) {
        return current -> {
            calls.computeIfAbsent(runId, id -> new AtomicInteger()).incrementAndGet();
            return mutation.apply(current);
        };
    }

    /** Writers parked until their commit is done (the blocker's included). */
    private static long waitingWriters() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getState() == Thread.State.WAITING
                        || e.getKey().getState() == Thread.State.TIMED_WAITING)
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(frame ->
                        frame.getClassName().endsWith("GroupCommit") && frame.getMethodName().equals("write")))
                .count();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- helpers

    private JpaStoreOptions.Builder options(String prefix) {
        return JpaStoreOptions.newBuilder().tablePrefix(prefix);
    }

    private static RunRecord run(String flow, String input) {
        return RunRecord.started("run-" + IDS.incrementAndGet(), flow, input, Optional.empty(),
                T0.plusSeconds(IDS.get()));
    }

    private RunRecord created(String flow) {
        RunRecord run = run(flow, "{}");
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}")));
        return run;
    }

    private RunRecord finished(String flow, Instant endedAt) {
        RunRecord run = created(flow);
        store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStep("only", StepStatus.COMPLETED).withStatus(RunStatus.COMPLETED, endedAt),
                List.of(EventDraft.ofRun(EventType.FLOW_COMPLETED, endedAt, "{}")))));
        return run;
    }

    private static EventDraft log(String data) {
        return EventDraft.ofRun(EventType.LOG, T0, data);
    }

    private long queryLong(String sql) {
        return Long.parseLong(queryString(sql));
    }

    private String queryString(String sql) {
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

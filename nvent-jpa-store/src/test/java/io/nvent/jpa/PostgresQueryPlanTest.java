package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.spi.RunDeadline;
import io.nvent.testkit.postgres.GenericPlans;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How PostgreSQL plans the store's periodic selects over a store of production shape (66,000 runs, 6,000 awaiting,
 * 100,000 tick claims, analyzed), as the statements that the store sends: a select that walks the whole run table costs
 * every instance a full read of its largest table but one each time it runs. Planned generically,
 * as PostgreSQL plans a statement the JDBC driver has prepared on the server once it ran a few
 * times, without {@code enable_seqscan = off}: with it any index would do, and the point is which
 * plan the planner prefers.
 */
class PostgresQueryPlanTest {

    private static final String PREFIX = "plans_";
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @BeforeAll
    static void fillAStoreOfProductionShape() {
        JpaFlowStore.create(dataSource(), JpaStoreOptions.newBuilder().tablePrefix(PREFIX).build()).close();
        // A run every second up to NOW, a tenth of them still running (no end time), the others ended 3 s
        // after their start: none is older than a week, so a retention of 7 days finds nothing due.
        TestDatabases.execute(dataSource(), "delete from " + PREFIX + "run_event", "delete from " + PREFIX + "run",
                "insert into " + PREFIX + "run (run_id, flow, status, input_json, steps_json, emitted_json,"
                        + " started_at, ended_at, last_seq, version)"
                        + " select 'run-' || g || '-' || md5(g::text), 'flow-' || (g % 20),"
                        + " case when g % 10 = 0 then 'running' else 'completed' end,"
                        + " '{\"order\": \"o-123456\", \"customer\": \"c-42\", \"amount\": 42.5, \"lines\": [1, 2, 3]}',"
                        + " '{\"validate\": \"completed\", \"charge\": \"completed\", \"ship\": \"queued\"}', '{}',"
                        + " timestamptz '2030-01-01 00:00:00+00' - g * interval '1 second',"
                        + " case when g % 10 <> 0 then timestamptz '2030-01-01 00:00:03+00' - g * interval '1 second' end,"
                        + " 10, 10 from generate_series(1, 60000) g",
                "analyze " + PREFIX + "run",
                // A label on every run, one of 100 customers (the rows went with the runs deleted above).
                "insert into " + PREFIX + "run_label (run_id, label, started_at)"
                        + " select run_id, 'customer-' || (started_at_second % 100), started_at from (select run_id,"
                        + " started_at, extract(epoch from started_at)::bigint as started_at_second from " + PREFIX
                        + "run) r",
                "analyze " + PREFIX + "run_label",
                // 6,000 runs awaiting an approval, older than the others, each with its waiting await
                // (below), with no label.
                "insert into " + PREFIX + "run (run_id, flow, status, input_json, steps_json, emitted_json,"
                        + " started_at, last_seq, version)"
                        + " select 'awaiting-' || g, 'flow-' || (g % 20), 'awaiting', '{\"order\": \"o-123456\"}',"
                        + " '{\"validate\": \"completed\", \"approve\": \"awaiting\", \"ship\": \"queued\"}', '{}',"
                        + " timestamptz '2029-01-01 00:00:00+00' - g * interval '1 second', 10, 10"
                        + " from generate_series(1, 6000) g",
                "analyze " + PREFIX + "run",
                // The claims of 50 triggers firing every minute for 1,400 days, a week of them not yet due for purge.
                "delete from " + PREFIX + "schedule_tick",
                "insert into " + PREFIX + "schedule_tick (trigger_name, scheduled_at, claimed_at)"
                        + " select 'trigger-' || (g % 50), timestamptz '2030-01-01 00:00:00+00' - g * interval '1 minute',"
                        + " timestamptz '2030-01-01 00:00:01+00' - g * interval '1 minute'"
                        + " from generate_series(1, 100000) g",
                "analyze " + PREFIX + "schedule_tick",
                // 50,000 awaits: a fifth of them waiting webhooks, a few waiting for a concurrency key (of runs that
                // ended: nothing for the sweep to settle), the others resolved events.
                "delete from " + PREFIX + "run_await",
                "insert into " + PREFIX + "run_await (await_id, token, run_id, flow, step_name, await_position,"
                        + " await_type, status, registered_at, timeout_action, event_name, held, version)"
                        + " select 'await-' || g, 'token-' || g, 'run-' || g || '-' || md5(g::text), 'flow-' || (g % 20),"
                        + " 'approve', 'before',"
                        + " case when g % 500 = 1 then 'concurrency_key' when g % 5 = 0 then 'webhook' else 'event' end,"
                        + " case when g % 500 = 1 or g % 5 = 0 then 'waiting' else 'resolved' end,"
                        + " timestamptz '2030-01-01 00:00:00+00' - g * interval '1 second', 'fail',"
                        + " case when g % 500 = 1 then 'customer-' || g when g % 5 <> 0 then 'order.paid' end, '[]', 1"
                        + " from generate_series(1, 50000) g",
                "insert into " + PREFIX + "run_await (await_id, token, run_id, flow, step_name, await_position,"
                        + " await_type, status, registered_at, timeout_action, event_name, held, version)"
                        + " select 'approval-' || g, 'approval-token-' || g, 'awaiting-' || g, 'flow-' || (g % 20),"
                        + " 'approve', 'before', 'event', 'waiting', timestamptz '2029-01-01 00:00:01+00' - g * interval"
                        + " '1 second', 'fail', 'order.approved', '[]', 1 from generate_series(1, 6000) g",
                "analyze " + PREFIX + "run_await");
    }

    @Test
    void theRetentionSweepsMinuteCheckWithNothingDueReadsTheRunsThroughIndexesInsteadOfTheWholeTable() {
        List<String> selects = selectsOfRuns(store -> store.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(7)), NOW));

        // One per finished status by its end time, one for finished runs stored without an end time.
        assertThat(selects).hasSize(4);
        assertThat(selects).allSatisfy(select -> assertReadThroughAnIndexAndBounded(genericPlan(select)));
    }

    /**
     * The first look at the count per flow (after a start, or a purge called for from code): a probe for
     * each flow's name and one for its cut-off, each through an index and stopped by a limit, rather than
     * counting the finished runs of every flow in a grouped scan of the whole table.
     */
    @Test
    void theRetentionsFirstLookAtTheCountPerFlowReadsEachFlowThroughAnIndexNoFurtherThanTheRunsItKeeps() {
        List<String> selects = selectsOfRuns(store -> store.purgeFinishedRuns(RetentionPolicy.maxFinishedRunsPerFlow(5_000),
                NOW));

        assertThat(Set.copyOf(selects)).allSatisfy(select -> assertReadThroughAnIndexAndBounded(genericPlan(select)));
        assertThat(selects).as("a probe for each of the 20 flows' names and cut-offs, one for the end").hasSize(41);
    }

    /**
     * The cut-off of a flow with fewer finished runs than it keeps (about 3,000 of 5,000), as the store
     * executes it, with its values: from the index of the flows' finished runs alone, a few dozen pages,
     * not from each run's table page (the runs of a flow are spread over the whole table) and a sort.
     */
    @Test
    void theCutOffOfAFlowWithFewerFinishedRunsThanItKeepsIsReadFromAnIndexAloneNoFurtherThanItsFinishedRuns() {
        vacuumUntilEveryPageIsAllVisible(PREFIX + "run");
        List<Executed> cutOffs = executedSelectsOfRuns(store -> store.purgeFinishedRuns(
                RetentionPolicy.maxFinishedRunsPerFlow(5_000), NOW)).stream()
                .filter(select -> select.sql().toLowerCase(Locale.ROOT).contains("desc")).toList();

        assertThat(cutOffs).as("a cut-off for each of the 20 flows").hasSize(20);
        String plan = executedPlan(cutOffs.get(1));
        assertThat(plan).contains("Index Only Scan using " + PREFIX + "run_flow_finished_idx")
                .doesNotContainIgnoringCase("sort");
        assertThat(buffersOfTheWholeQuery(plan)).as("pages read: %s", plan).isLessThan(100);
    }

    /**
     * A flow's counts (FlowStore.stats: the console's flow list and live statistics, code waiting for runs to complete)
     * say when its latest completed run ended in the same statement, from the partial index of the completed runs (V46):
     * one entry read from its end (and, the statement ordering by the status as H2 needs it, that run's table page), not
     * the end of each of the flow's 2,700 completed runs from its table page.
     */
    @Test
    void aFlowsCountsReadItsLastCompletionFromOneEntryOfTheIndexOfTheCompletedRuns() {
        List<Executed> selects = executedStatements(PREFIX, store -> store.stats("flow-3").lastCompletedAt().isPresent()
                ? 0 : 1).stream().filter(select -> isSelectOfRuns(select.sql())).toList();

        assertThat(selects).as("one statement, as the counts alone").hasSize(1);
        String plan = executedPlan(selects.get(0));
        Matcher lastCompletion = Pattern.compile("Index (?:Only )?Scan(?: Backward)? using " + PREFIX
                + "run_flow_completed_idx .*\\(actual [^)]* rows=(\\d+)").matcher(plan);
        assertThat(lastCompletion.find()).as(plan).isTrue();
        assertThat(Integer.parseInt(lastCompletion.group(1))).as("entries read: %s", plan).isEqualTo(1);
    }

    /**
     * Leaves a table as autovacuum leaves one whose rows are seldom changed: its pages marked all visible,
     * so that an index holding every column a query reads answers it without the table. A vacuum marks
     * only the pages whose rows every open transaction sees, and any snapshot taken before the fill (an
     * autovacuum's analyze of another table, a statement of another test still ending) holds it back
     * for a moment: vacuum again until it marked them all.
     */
    private static void vacuumUntilEveryPageIsAllVisible(String table) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            TestDatabases.execute(dataSource(), "vacuum " + table);
            try (Connection connection = dataSource().getConnection();
                 PreparedStatement pages = connection.prepareStatement(
                         "select relpages, relallvisible from pg_class where relname = ?")) {
                pages.setString(1, table);
                try (ResultSet row = pages.executeQuery()) {
                    assertThat(row.next()).as("table %s exists", table).isTrue();
                    assertThat(row.getInt("relallvisible")).as("pages of %s marked all visible, of %d", table,
                            row.getInt("relpages")).isGreaterThanOrEqualTo(row.getInt("relpages"));
                }
            }
        });
    }

    /** A parent's children, newest first, a page at a time: read in the order of an index, not sorted. */
    @Test
    void theRunsOfOneParentAreReadInTheOrderOfAnIndex() {
        List<String> selects = selectsOfRuns(store -> store.findRuns(RunQuery.all().withParentRunId("run-1")
                .startingAfter(new RunPosition(NOW, "run-1"))).size());

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .contains("Index Scan using " + PREFIX + "run_parent_started_idx")
                .doesNotContainIgnoringCase("sort"));
    }

    /**
     * Whether a run has a child under way, asked on each child's end: from the partial index of the children under
     * way, not every child of the parent.
     */
    @Test
    void whetherARunHasAChildUnderWayIsReadFromThePartialIndexOfTheChildrenUnderWay() {
        List<String> selects = selectsOfRuns(store -> store.hasChildRunsUnderWay("run-1") ? 1 : 0);

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_under_way_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /**
     * A page of the children that lead to runs under way, what a cancel with children reads: the children, and
     * whether one that ended has a descendant under way (a recursive query down the ended ones), from the index on
     * the parent, no seq scan.
     */
    @Test
    void theChildrenLeadingToRunsUnderWayAreReadFromTheIndexOnTheParent() {
        List<String> selects = statementsOf(store -> store.childRunsLeadingToRunsUnderWay("run-1",
                java.util.Optional.of("run-0"), 100).size()).stream()
                .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run ")).toList();

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_started_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /**
     * A page of a cancel with children under a parent of 10,000 children at 50,000 runs, as the store executes it:
     * the children under way from the partial index, and down through the ended ones by the indexes on the parent,
     * not a seq scan of the runs for the recursive query's join (which the planner chose when it expected many
     * generations), and a few hundred pages read, not the table's thousands.
     */
    @Test
    void aPageOfACancelWithChildrenOfAParentOfManyChildrenIsReadThroughTheIndexesOnTheParent() {
        String tree = "tree_";
        JpaFlowStore.create(dataSource(), JpaStoreOptions.newBuilder().tablePrefix(tree).build()).close();
        String columns = "insert into " + tree + "run (run_id, flow, status, input_json, steps_json, emitted_json,"
                + " started_at, ended_at, parent_run_id, last_seq, version) select ";
        String values = ", '{\"order\": \"o-123456\"}', '{\"ship\": \"completed\"}', '{}',"
                + " timestamptz '2030-01-01 00:00:00+00' - g * interval '1 second', ";
        TestDatabases.execute(dataSource(), "delete from " + tree + "run_event", "delete from " + tree + "run",
                // 4,000 batches of 10 children each, a tenth of them running.
                columns + "'batch-' || g, 'batch', 'completed'" + values + "timestamptz '2030-01-01 00:00:00+00', null,"
                        + " 1, 1 from generate_series(1, 4000) g",
                columns + "'item-' || g, 'item', case when g % 10 = 0 then 'running' else 'completed' end" + values
                        + "case when g % 10 <> 0 then timestamptz '2030-01-01 00:00:00+00' end, 'batch-' || (g % 4000 + 1),"
                        + " 1, 1 from generate_series(1, 36000) g",
                // The parent canceled with its children: 10,000 of them, a tenth running, and a tenth of those that
                // ended with a child of their own, running.
                columns + "'parent', 'batch', 'running'" + values + "null, null, 1, 1 from generate_series(1, 1) g",
                columns + "'child-' || g, 'item', case when g % 10 = 0 then 'running' else 'completed' end" + values
                        + "case when g % 10 <> 0 then timestamptz '2030-01-01 00:00:00+00' end, 'parent', 1, 1"
                        + " from generate_series(1, 10000) g",
                columns + "'grandchild-' || g, 'item', 'running'" + values + "null, 'child-' || g, 1, 1"
                        + " from generate_series(1, 10000) g where g % 10 = 1",
                "analyze " + tree + "run");

        List<Executed> pages = executedStatements(tree, store -> store.childRunsLeadingToRunsUnderWay("parent",
                java.util.Optional.empty(), 100).size()).stream()
                .filter(sql -> sql.sql().toLowerCase(Locale.ROOT).contains(" from " + tree + "run ")).toList();

        assertThat(pages).singleElement().satisfies(page -> {
            assertThat(genericPlan(page.sql())).containsPattern("Index (Only )?Scan using " + tree
                    + "run_parent_started_idx").doesNotContainIgnoringCase("seq scan");
            // Executed with its values, the planner may read the children of a parent holding a fifth of the table
            // in a seq scan; the walk below them probes the index once for each child that ended.
            String plan = executedPlan(page);
            assertThat(plan).contains("Index Scan using " + tree + "run_parent_started_idx on " + tree + "run r")
                    .doesNotContain("Seq Scan on " + tree + "run r").doesNotContainIgnoringCase("temp read");
            assertThat(buffersOfTheWholeQuery(plan)).as("pages read, 9,000 children ended: %s", plan)
                    .isLessThan(40_000);
        });
    }

    /**
     * Whether a run has a descendant under way, asked on a descendant's end for an ancestor waiting on them: its
     * children under way from the partial index, then down through the ended ones by the index on the parent, asking
     * the partial index of each; no seq scan.
     */
    @Test
    void whetherARunHasADescendantUnderWayIsReadThroughTheIndexesOnTheParent() {
        List<String> selects = statementsOf(store -> store.hasDescendantRunsUnderWay("run-1") ? 1 : 0).stream()
                .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run ")).toList();

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_under_way_idx")
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_started_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /** The descendants of a run waiting on them, counted by status once none is under way: down the parent's index. */
    @Test
    void theDescendantsOfARunAreCountedDownTheIndexOnTheParent() {
        List<String> selects = statementsOf(store -> (int) store.descendantRunCounts("run-1").total()).stream()
                .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run ")).toList();

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_started_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /** The children of a run waiting on them, counted by status once none is under way: from the index on the parent. */
    @Test
    void theChildrenOfARunAreCountedFromTheIndexOnTheParent() {
        List<String> selects = selectsOfRuns(store -> (int) store.childRunCounts("run-1").total());

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_parent_started_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /**
     * A label's runs, newest first, a page at a time: read in the order of the label's index, each joined to its
     * run, not the runs of every label sorted.
     */
    @Test
    void theRunsOfOneLabelAreReadInTheOrderOfItsIndex() {
        List<String> selects = statementsOf(store -> store.findRuns(RunQuery.all().withLabel("customer-7")
                .startingAfter(new RunPosition(NOW.minus(Duration.ofDays(365)), "run-1"))).size()).stream()
                .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(PREFIX + "run_label")).toList();

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .containsPattern("Index (Only )?Scan using " + PREFIX + "run_label_started_idx")
                .doesNotContainIgnoringCase("sort").doesNotContainIgnoringCase("seq scan"));
    }

    /** The sweep's purge of old tick claims: through an index on the time the ticks were scheduled. */
    @Test
    void thePurgeOfOldTickClaimsReadsThemThroughAnIndexOnTheirScheduledTime() {
        List<String> deletes = statementsOf(store -> store.schedulingStore().purgeTickClaims(NOW.minus(Duration.ofDays(100))))
                .stream().filter(sql -> sql.toLowerCase(Locale.ROOT).startsWith("delete from " + PREFIX + "schedule_tick"))
                .toList();

        assertThat(deletes).singleElement().satisfies(delete -> assertThat(genericPlan(delete))
                .contains("Index Cond").contains(PREFIX + "schedule_tick_scheduled_idx")
                .doesNotContainIgnoringCase("seq scan"));
    }

    /** The concurrency keys' sweep, every 5 s: the awaits for a key, through an index, not every waiting await. */
    @Test
    void theSweepFindsTheAwaitsForAConcurrencyKeyThroughAnIndexOnTheirType() {
        List<String> selects = statementsOf(store -> store.schedulingStore().unsettledConcurrencyKeys(store, 100).size())
                .stream().filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run_await "))
                .toList();

        assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                .contains(PREFIX + "run_await_type_idx")
                .doesNotContainIgnoringCase("seq scan on " + PREFIX + "run_await"));
    }

    /**
     * The look for runs past their deadline, on every sweep of every instance, also after the cursor of a page:
     * through the partial index of the runs under way with a deadline, not the run table.
     */
    @Test
    void theSweepFindsTheRunsPastTheirDeadlineThroughTheirPartialIndex() {
        for (Optional<RunDeadline> after : List.of(Optional.<RunDeadline>empty(),
                Optional.of(new RunDeadline(NOW.minusSeconds(60), "run-1")))) {
            List<String> selects = statementsOf(store -> store.runsPastDeadline(NOW, after, 200).size()).stream()
                    .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run ")).toList();

            assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                    .contains(PREFIX + "run_deadline_idx")
                    .doesNotContainIgnoringCase("seq scan on " + PREFIX + "run"));
        }
    }

    /**
     * The look for runs awaiting with no await, a lease apart on every instance, also after the cursor of a page: the
     * awaiting steps of the awaiting runs anti-joined all at once (a hash or merge) to the waiting awaits, not a probe
     * into the awaits' table per awaiting run (a nested loop through run_await_run_idx, about 4 pages a run), and no
     * seq scan of the awaits. Stable: the tables hold 66,000 runs (6,000 awaiting, each with its waiting await) and
     * 56,000 awaits (16,000 waiting), analyzed, so the planner's estimates are those of a store of that shape, where
     * 6,000 probes cost more than one join; the statement as it was before (the anti-join inside the limited select)
     * is planned as a probe per run here whatever the indexes; on empty or unanalyzed tables a probe would be cheapest.
     */
    @Test
    void theSweepFindsTheRunsAwaitingWithNoAwaitInOneHashOfTheWaitingAwaits() {
        for (Optional<RunPosition> after : List.of(Optional.<RunPosition>empty(),
                Optional.of(new RunPosition(NOW, "run-1")))) {
            List<String> selects = statementsOf(store -> store.schedulingStore()
                    .runsAwaitingWithoutAwait(store, after, 200).runs().size()).stream()
                    .filter(sql -> sql.toLowerCase(Locale.ROOT).contains(" from " + PREFIX + "run ")).toList();

            assertThat(selects).singleElement().satisfies(select -> assertThat(genericPlan(select))
                    .containsPattern("(Hash|Merge) Anti Join").doesNotContain("Nested Loop Anti Join")
                    .contains(" on " + PREFIX + "run_await ").contains(" on " + PREFIX + "run ")
                    .doesNotContainIgnoringCase("seq scan on " + PREFIX + "run_await")
                    .doesNotContain(PREFIX + "run_await_run_idx"));
        }
    }

    private static void assertReadThroughAnIndexAndBounded(String plan) {
        assertThat(plan).containsIgnoringCase("index").containsIgnoringCase("limit")
                .doesNotContainIgnoringCase("seq scan on " + PREFIX + "run")
                .doesNotContainIgnoringCase("aggregate");
    }

    /** A statement as executed: its SQL and the calls that bound its parameters. */
    private record Executed(String sql, List<Object[]> bindings) {
    }

    /** The selects from the run table that a call of a store executes, with the values they were executed with. */
    private static List<Executed> executedSelectsOfRuns(ToIntFunction<JpaFlowStore> call) {
        return executedStatements(PREFIX, store -> {
            int found = call.applyAsInt(store);
            assertThat(found).as("what the call changed or found").isZero();
            return found;
        }).stream().filter(select -> isSelectOfRuns(select.sql())).toList();
    }

    /** The statements a call of a store on the tables of the prefix executes, with the values they were executed with. */
    private static List<Executed> executedStatements(String prefix, ToIntFunction<JpaFlowStore> call) {
        List<Executed> executed = new CopyOnWriteArrayList<>();
        try (JpaFlowStore store = JpaFlowStore.create(recording(dataSource(), new CopyOnWriteArrayList<>(), executed),
                JpaStoreOptions.newBuilder().tablePrefix(prefix).build())) {
            executed.clear();
            call.applyAsInt(store);
        }
        return List.copyOf(executed);
    }

    /**
     * The plan of a statement as PostgreSQL executed it with the values it was executed with, and the
     * pages each step read: planned generically, as a statement prepared on the server is.
     */
    private static String executedPlan(Executed executed) {
        try (Connection connection = dataSource().getConnection(); Statement settings = connection.createStatement()) {
            connection.setAutoCommit(false);
            settings.execute("set local plan_cache_mode = force_generic_plan");
            try (PreparedStatement explain = connection.prepareStatement("explain (analyze, buffers) " + executed.sql())) {
                for (Object[] binding : executed.bindings()) {
                    PreparedStatement.class.getMethod((String) binding[0], (Class<?>[]) binding[1])
                            .invoke(explain, (Object[]) binding[2]);
                }
                StringBuilder plan = new StringBuilder(executed.sql()).append('\n');
                try (ResultSet rows = explain.executeQuery()) {
                    while (rows.next()) {
                        plan.append(rows.getString(1)).append('\n');
                    }
                }
                return plan.toString();
            } finally {
                connection.rollback();
            }
        } catch (SQLException | ReflectiveOperationException e) {
            throw new IllegalStateException("cannot explain " + executed.sql() + ": " + e.getMessage(), e);
        }
    }

    /** The pages the whole query read or found in the buffer cache: the first node's, which holds its children's. */
    private static int buffersOfTheWholeQuery(String plan) {
        Matcher buffers = Pattern.compile("Buffers: shared((?: \\w+=\\d+)+)").matcher(plan);
        assertThat(buffers.find()).as("buffers in %s", plan).isTrue();
        Matcher count = Pattern.compile("=(\\d+)").matcher(buffers.group(1));
        int pages = 0;
        while (count.find()) {
            pages += Integer.parseInt(count.group(1));
        }
        return pages;
    }

    /** The selects from the run table that a call of a store sends. */
    private static List<String> selectsOfRuns(ToIntFunction<JpaFlowStore> call) {
        return statementsOf(call).stream().filter(PostgresQueryPlanTest::isSelectOfRuns).toList();
    }

    private static boolean isSelectOfRuns(String sql) {
        return sql.toLowerCase(Locale.ROOT).matches("(?s)select .* from " + PREFIX + "run\\b.*");
    }

    /**
     * The statements, as prepared on the database, that a call of a new store sends: Hibernate's and the
     * store's own JDBC alike. The call must find nothing to do, so that the store stays as filled.
     */
    private static List<String> statementsOf(ToIntFunction<JpaFlowStore> call) {
        List<String> prepared = new CopyOnWriteArrayList<>();
        try (JpaFlowStore store = JpaFlowStore.create(recording(dataSource(), prepared),
                JpaStoreOptions.newBuilder().tablePrefix(PREFIX).build())) {
            prepared.clear();
            assertThat(call.applyAsInt(store)).as("what the call changed or found").isZero();
        }
        return List.copyOf(prepared);
    }

    /** The data source, recording the SQL of every statement prepared on its connections. */
    private static DataSource recording(DataSource dataSource, List<String> prepared) {
        return recording(dataSource, prepared, new CopyOnWriteArrayList<>());
    }

    /**
     * The data source, recording the SQL of every statement prepared on its connections, and of every
     * statement executed with {@code executeQuery} the calls that bound its parameters.
     */
    private static DataSource recording(DataSource dataSource, List<String> prepared, List<Executed> executed) {
        InvocationHandler connections = (proxy, method, args) -> {
            Object result = invoke(method, dataSource, args);
            if (result instanceof Connection connection) {
                return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                        (c, m, a) -> {
                            Object made = invoke(m, connection, a);
                            if (m.getName().startsWith("prepare") && a != null && a[0] instanceof String sql) {
                                prepared.add(sql);
                                if (made instanceof PreparedStatement statement) {
                                    return recordingExecutions(statement, sql, executed);
                                }
                            }
                            return made;
                        });
            }
            return result;
        };
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                connections);
    }

    private static PreparedStatement recordingExecutions(PreparedStatement statement, String sql, List<Executed> executed) {
        List<Object[]> bindings = new CopyOnWriteArrayList<>();
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (s, m, a) -> {
                    if (m.getName().startsWith("set") && a != null && a.length >= 2 && a[0] instanceof Integer) {
                        bindings.add(new Object[] {m.getName(), m.getParameterTypes(), a});
                    } else if (m.getName().equals("executeQuery") && a == null) {
                        executed.add(new Executed(sql, List.copyOf(bindings)));
                    } else if (m.getName().equals("clearParameters")) {
                        bindings.clear();
                    }
                    return invoke(m, statement, a);
                });
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The generic plan of a statement with JDBC parameters ({@code ?}), as a server-prepared statement gets it. */
    private static String genericPlan(String sql) {
        return GenericPlans.of(dataSource(), sql);
    }

    private static DataSource dataSource() {
        return TestDatabases.postgres();
    }
}

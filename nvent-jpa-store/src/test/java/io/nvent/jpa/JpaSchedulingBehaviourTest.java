package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.InvalidPayloadException;
import io.nvent.Misfire;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.TimeoutAction;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.spi.AwaitNotSavedException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.TriggerRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the JPA scheduling store does beyond the shared contract: atomicity across store instances
 * sharing one database (as several application instances do), awaits and leases bound to stored
 * runs, payload checks. Subclassed per database; two stores stay open on one database per class.
 */
abstract class JpaSchedulingBehaviourTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final AtomicInteger IDS = new AtomicInteger();

    private static final String PREFIX = "twice_";
    private static DataSource openedOn;
    private static JpaFlowStore first;
    private static JpaFlowStore second;

    /** The database under test. */
    abstract DataSource dataSource();

    @BeforeEach
    void openStoresAndEmptyTables() {
        if (openedOn != dataSource()) {
            closeStores();
            first = JpaFlowStore.create(dataSource(), options().build());
            second = JpaFlowStore.create(dataSource(), options().build());
            openedOn = dataSource();
        }
        TestDatabases.execute(dataSource(), "delete from " + PREFIX + "run_event", "delete from " + PREFIX + "run",
                "delete from " + PREFIX + "flow_trigger", "delete from " + PREFIX + "schedule_tick");
    }

    @AfterAll
    static void closeStores() {
        if (first != null) {
            first.close();
            second.close();
            first = null;
            second = null;
            openedOn = null;
        }
    }

    /** Store of "instance A". */
    private static JpaFlowStore first() {
        return first;
    }

    /** Another store on the same database and tables: "instance B". */
    private static JpaFlowStore second() {
        return second;
    }

    private static JpaStoreOptions.Builder options() {
        return JpaStoreOptions.newBuilder().tablePrefix(PREFIX);
    }

    // ---------------------------------------------------------------- several instances, one database

    @Test
    void twoInstancesOnOneDatabaseCloseEachAwaitClaimEachTickAndTakeEachLeaseOnce() {
        String runId = created(first());
        List<AwaitRecord> awaits = IntStream.range(0, 10).mapToObj(i -> await(runId, T0.plusMillis(i))).toList();
        awaits.forEach(first().schedulingStore()::saveAwait);
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger ticks = new AtomicInteger();
        List<String> leaseWinners = Collections.synchronizedList(new ArrayList<>());

        runConcurrently(8, thread -> {
            SchedulingStore mine = (thread % 2 == 0 ? first() : second()).schedulingStore();
            for (int i = 0; i < 10; i++) {
                if (mine.closeAwait(awaits.get(i).awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0).isPresent()) {
                    closed.incrementAndGet();
                }
                if (mine.claimTick("every-second", T0.plusSeconds(i))) {
                    ticks.incrementAndGet();
                }
                if (mine.acquireLease(runId, "step-" + i, "node-" + thread, T0.plusSeconds(60), T0)) {
                    leaseWinners.add("step-" + i);
                }
            }
        });

        assertThat(closed).hasValue(10);
        assertThat(ticks).hasValue(10);
        assertThat(leaseWinners).hasSize(10).doesNotHaveDuplicates();
    }

    @Test
    void twoInstancesOnOneDatabaseCountEveryFireAndNumberTheHistoryWithoutGaps() {
        first().schedulingStore().saveTrigger(new TriggerRecord(
                TriggerSpec.newBuilder("shared", TriggerType.MANUAL).flow("a").build(), false, T0, 0, 0,
                Optional.empty(), Optional.empty()));
        List<Long> seqs = Collections.synchronizedList(new ArrayList<>());

        runConcurrently(8, thread -> {
            SchedulingStore mine = (thread % 2 == 0 ? first() : second()).schedulingStore();
            for (int i = 0; i < 20; i++) {
                mine.recordFire("shared", T0, 1, Optional.empty());
                seqs.add(mine.appendTriggerEvent("shared", "trigger.fired", T0, "{}").seq());
            }
        });

        assertThat(second().schedulingStore().findTrigger("shared").orElseThrow().fires()).isEqualTo(160);
        assertThat(seqs).containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, 160).boxed().toList());
    }

    @Test
    void aSchedulesOwnMisfirePolicyAndGraceAreColumnsAndARowFromBeforeThemInheritsTheDeployments() throws Exception {
        SchedulingStore store = first().schedulingStore();
        store.saveTrigger(new TriggerRecord(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("a")
                .cron("0 2 * * *").misfire(Misfire.SKIP).misfireGrace(Duration.ofHours(6)).build(), true, T0, 0, 0,
                Optional.empty(), Optional.empty()));

        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select misfire_policy, misfire_grace_s from " + PREFIX
                     + "flow_trigger where trigger_name = 'nightly'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("skip");
            assertThat(row.getLong(2)).isEqualTo(6 * 3600);
        }

        // As schema V12 leaves every trigger stored before it.
        TestDatabases.execute(dataSource(), "update " + PREFIX + "flow_trigger set misfire_policy = null, "
                + "misfire_grace_s = null where trigger_name = 'nightly'");

        TriggerSpec before = second().schedulingStore().findTrigger("nightly").orElseThrow().spec();
        assertThat(before.misfire()).isEqualTo(Misfire.INHERIT);
        assertThat(before.misfireGrace()).isEmpty();
    }

    @Test
    void whenALeaseWasRenewedIsAColumnAndARowFromBeforeItReadsWithoutOne() throws Exception {
        String runId = created(first());
        SchedulingStore store = first().schedulingStore();
        store.acquireLease(StepLease.renewed(runId, "ship", "node-a@0000000a", T0, T0.plusSeconds(240)), T0);
        store.renewLeases("node-a@0000000a", T0.plusSeconds(300), T0.plusSeconds(60));

        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select renewed_at from " + PREFIX + "step_lease where run_id = '"
                     + runId + "'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getObject(1, java.time.OffsetDateTime.class).toInstant()).isEqualTo(T0.plusSeconds(60));
        }

        // As schema V13 leaves every lease taken before it; the engine judges those as before.
        TestDatabases.execute(dataSource(), "update " + PREFIX + "step_lease set renewed_at = null where run_id = '"
                + runId + "'");

        assertThat(second().schedulingStore().leasesOfRun(runId))
                .containsExactly(new StepLease(runId, "ship", "node-a@0000000a", T0.plusSeconds(300)));
    }

    // ---------------------------------------------------------------- awaits and leases belong to runs

    @Test
    void refusesAwaitsAndLeasesOfUnknownRuns() {
        SchedulingStore store = first().schedulingStore();
        AwaitRecord orphan = await("no-such-run", T0);

        assertThatThrownBy(() -> store.saveAwait(orphan)).isInstanceOf(RunNotFoundException.class)
                .hasMessageContaining("no-such-run");
        assertThatThrownBy(() -> store.acquireLease("no-such-run", "ship", "node-a", T0.plusSeconds(30), T0))
                .isInstanceOf(RunNotFoundException.class);
        assertThat(store.findAwait(orphan.awaitId())).isEmpty();
        assertThat(store.expiredLeases(T0.plusSeconds(3600), 10)).isEmpty();
    }

    /**
     * Instances ending one delayed start with a concurrency key at once save its await for the key under one id: the
     * second is refused by the store, not by a duplicate-key error of the database, which on PostgreSQL would abort a
     * caller's transaction that the store joined (an operator resolving the delay in it).
     */
    @Test
    void refusesAnAwaitWhoseIdItHoldsWithoutADatabaseError() {
        String runId = created(first());
        AwaitRecord saved = await(runId, T0);
        first().schedulingStore().saveAwait(saved);
        first().schedulingStore().closeAwait(saved.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"),
                T0.plusSeconds(1));
        AwaitRecord again = new AwaitRecord(saved.awaitId(), "token-again-" + IDS.incrementAndGet(), runId,
                saved.flow(), saved.step(), saved.position(), saved.type(), AwaitStatus.WAITING, T0.plusSeconds(2),
                Optional.empty(), Optional.empty(), TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]",
                Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> second().schedulingStore().saveAwait(again))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("NVENT-0337").hasNoCause();

        assertThat(second().schedulingStore().findAwait(saved.awaitId()).orElseThrow().status())
                .isEqualTo(AwaitStatus.RESOLVED);
    }

    /**
     * A change of a run whose await holds events past the store's payload limit stores nothing of the change, while the
     * changes that share its grouped commit are stored with their awaits: the group runs its writes alone again, and
     * only the refused one fails.
     */
    @Test
    void aChangeWhoseAwaitPassesThePayloadLimitStoresNothingAndTheChangesGroupedWithItAreKept() throws Exception {
        try (JpaFlowStore limited = JpaFlowStore.create(dataSource(), options().maxPayloadBytes(1024).build())) {
            SchedulingStore scheduling = limited.schedulingStore();
            assertThat(scheduling.savesAwaitsWithRunChanges(limited)).isTrue();
            List<String> runs = IntStream.range(0, 8).mapToObj(i -> created(limited)).toList();
            List<AwaitRecord> awaits = runs.stream().map(runId -> await(runId, T0)).toList();
            AwaitRecord first = awaits.get(0);
            AwaitRecord tooLarge = new AwaitRecord(first.awaitId(), first.token(), first.runId(), first.flow(),
                    first.step(), first.position(), first.type(), first.status(), first.registeredAt(),
                    Optional.empty(), Optional.empty(), TimeoutAction.FAIL, Optional.empty(), Optional.empty(),
                    "[\"" + "x".repeat(2048) + "\"]", Optional.empty(), Optional.empty());
            List<Throwable> refusals = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(runs.size(), thread -> {
                AwaitRecord await = thread == 0 ? tooLarge : awaits.get(thread);
                try {
                    limited.updateRun(runs.get(thread), run -> Optional.of(new RunChange(
                            run.withStep("pay", io.nvent.StepStatus.AWAITING).withStatus(RunStatus.AWAITING, T0),
                            List.of(), List.of(await))));
                } catch (AwaitNotSavedException refused) {
                    refusals.add(refused);
                }
            });

            assertThat(refusals).singleElement().isInstanceOfSatisfying(AwaitNotSavedException.class, refused -> {
                assertThat(refused.await()).isEqualTo(tooLarge);
                assertThat(refused.refusal()).isInstanceOf(InvalidPayloadException.class)
                        .hasMessageContaining("larger than the limit");
                assertThat(refused).hasMessageStartingWith("NVENT-0353");
            });
            RunRecord refusedRun = limited.findRun(runs.get(0)).orElseThrow();
            assertThat(refusedRun.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(refusedRun.version()).isZero();
            assertThat(scheduling.awaitsOfRun(runs.get(0))).isEmpty();
            for (int i = 1; i < runs.size(); i++) {
                assertThat(limited.findRun(runs.get(i)).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
                assertThat(scheduling.awaitsOfRun(runs.get(i))).containsExactly(awaits.get(i));
            }
        }
    }

    @Test
    void deletesAwaitsAndLeasesWithTheirRun() {
        String finished = created(first());
        String active = created(first());
        SchedulingStore store = first().schedulingStore();
        AwaitRecord gone = await(finished, T0);
        AwaitRecord kept = await(active, T0);
        store.saveAwait(gone);
        store.saveAwait(kept);
        store.acquireLease(finished, "ship", "node-a", T0.plusSeconds(30), T0);
        store.acquireLease(active, "ship", "node-a", T0.plusSeconds(30), T0);
        first().updateRun(finished, run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of())));

        assertThat(first().purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(1)), T0.plus(Duration.ofDays(2))))
                .isEqualTo(1);

        assertThat(store.findAwait(gone.awaitId())).isEmpty();
        assertThat(store.findAwait(kept.awaitId())).isPresent();
        assertThat(store.expiredLeases(T0.plusSeconds(3600), 10)).extracting(StepLease::runId).containsExactly(active);
    }

    @Test
    void appliesTheRetentionPolicyWhenCalledThroughTheFlowStoreInterface() {
        try (JpaFlowStore retaining = JpaFlowStore.create(dataSource(),
                options().retention(RetentionPolicy.maxAge(Duration.ofDays(1))).build())) {
            String finished = created(retaining);
            String active = created(retaining);
            retaining.updateRun(finished, run -> Optional.of(new RunChange(run.withStatus(RunStatus.FAILED, T0),
                    List.of())));
            FlowStore engineView = retaining;

            assertThat(engineView.purgeFinishedRuns(T0.plus(Duration.ofDays(2)))).isEqualTo(1);

            assertThat(retaining.findRun(finished)).isEmpty();
            assertThat(retaining.findRun(active)).isPresent();
        }
    }

    @Test
    void aLimitedTriggerWhoseKeyAnEarlierBuildRemovedStaysReadableOneAtATime() {
        first().schedulingStore().saveTrigger(new TriggerRecord(TriggerSpec.newBuilder("limited", TriggerType.WEBHOOK)
                .flow("a").concurrencyKeyFrom("/customerId").concurrencyLimit(3).build(), false, T0, 0, 0,
                Optional.empty(), Optional.empty()));
        // A build before schema V25 removes the key with its PUT and leaves the column it does not know as it is.
        TestDatabases.execute(dataSource(), "update " + PREFIX + "flow_trigger set concurrency_key_from = null"
                + " where trigger_name = 'limited'");

        assertThat(second().schedulingStore().findTrigger("limited")).map(TriggerRecord::spec)
                .hasValueSatisfying(spec -> {
                    assertThat(spec.concurrencyKeyFrom()).isEmpty();
                    assertThat(spec.concurrencyLimit()).as("no key to count the runs of").isEqualTo(1);
                });
        assertThat(second().schedulingStore().listTriggers()).hasSize(1);
    }

    // ---------------------------------------------------------------- checks

    @Test
    void refusesHistoryOfAnUnknownTrigger() {
        assertThatThrownBy(() -> first().schedulingStore().appendTriggerEvent("no-such-trigger", "trigger.fired", T0,
                "{}")).isInstanceOf(TriggerNotFoundException.class).hasMessageContaining("no-such-trigger");
    }

    @Test
    void refusesAwaitDataThatIsNotJsonAndKeepsTheAwaitWaiting() {
        SchedulingStore store = first().schedulingStore();
        AwaitRecord await = await(created(first()), T0);
        store.saveAwait(await);

        assertThatThrownBy(() -> store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.of("{'no':json}"),
                T0)).isInstanceOf(InvalidPayloadException.class);
        assertThatThrownBy(() -> store.appendTriggerEvent("any", "trigger.fired", T0, "not json"))
                .isInstanceOf(InvalidPayloadException.class);

        assertThat(store.findAwait(await.awaitId()).orElseThrow().status()).isEqualTo(AwaitStatus.WAITING);
        assertThat(store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.of("{\"ok\":true}"), T0))
                .isPresent();
    }

    // ---------------------------------------------------------------- helpers

    private static String created(JpaFlowStore store) {
        String runId = "run-" + IDS.incrementAndGet();
        store.createRun(RunRecord.started(runId, "orders", "{}", Optional.empty(), T0), List.of());
        return runId;
    }

    private static AwaitRecord await(String runId, Instant registeredAt) {
        int id = IDS.incrementAndGet();
        return new AwaitRecord("await-" + id, "token-" + id, runId, "orders", "pay", AwaitPosition.BEFORE,
                AwaitType.WEBHOOK, AwaitStatus.WAITING, registeredAt, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());
    }

    /** Runs {@code body} on {@code threads} threads released together; rethrows the first failure. */
    private static void runConcurrently(int threads, io.nvent.testkit.Concurrently.Body body) {
        io.nvent.testkit.Concurrently.run(threads, body);
    }
}

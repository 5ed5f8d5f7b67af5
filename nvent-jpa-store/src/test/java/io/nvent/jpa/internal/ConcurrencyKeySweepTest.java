package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.RunStatus;
import io.nvent.TimeoutAction;
import io.nvent.jpa.JpaFlowStore;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.jpa.TestDatabases;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The maintenance sweep of the concurrency keys reads only the keys marked to settle (schema V27), and every key held
 * only in its full pass, every {@value JpaSchedulingStoreImpl#FULL_PASS_EVERY}th call.
 */
class ConcurrencyKeySweepTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private final HikariDataSource pool = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 2);
    private final JpaFlowStore store = JpaFlowStore.create(pool, JpaStoreOptions.defaults());
    private final SchedulingStore scheduling = store.schedulingStore();

    @BeforeEach
    void passTheFirstSweepWhichIsAFullPass() {
        assertThat(sweep()).isEmpty();
    }

    @AfterEach
    void closeStore() {
        store.close();
        pool.close();
    }

    @Test
    void aHolderThatEndedWithoutHandingItsKeyOnIsSettledByTheNextSweep() {
        holds("holder", "k");
        assertThat(sweep()).as("held by a run under way").isEmpty();
        assertThat(marked()).as("marks left once the key was found settled").isZero();

        ends("holder");   // its instance stopped before settling the key

        assertThat(marked()).as("marked by the run's end").isEqualTo(1);
        assertThat(sweep()).containsExactly("k");
        assertThat(scheduling.settleConcurrencyKey(store, "k", T0)).isEmpty();
        assertThat(sweep()).as("settled").isEmpty();
        assertThat(marked()).isZero();
    }

    @Test
    void aRunWaitingForAKeyNoOneLetInIsSettledByTheNextSweep() {
        store.createRun(RunRecord.started("waiter", "sync", "{}", Optional.empty(), T0).withConcurrencyKey("k"),
                List.of());

        waitsForKey("waiter", "k");   // its instance stopped before settling the key

        assertThat(sweep()).containsExactly("k");
        assertThat(scheduling.settleConcurrencyKey(store, "k", T0)).contains("waiter");
    }

    @Test
    void keysWhoseHoldersAreUnderWayAndWhoseLinesWaitAreNotMarkedOnceTheSweepFoundThemSettled() {
        for (int i = 0; i < 3; i++) {
            holds("holder-" + i, "k-" + i);
            store.createRun(RunRecord.started("waiter-" + i, "sync", "{}", Optional.empty(), T0)
                    .withConcurrencyKey("k-" + i), List.of());
            waitsForKey("waiter-" + i, "k-" + i);
            assertThat(scheduling.settleConcurrencyKey(store, "k-" + i, T0)).contains("holder-" + i);
        }

        assertThat(sweep()).isEmpty();

        assertThat(marked()).as("keys the next sweeps read").isZero();
    }

    @Test
    void aKeyAnEarlierBuildLeftHeldByAnEndedRunIsSettledByTheFullPass() {
        store.createRun(RunRecord.started("old", "sync", "{}", Optional.empty(), T0), List.of());
        store.updateRun("old", run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of())));
        TestDatabases.execute(pool, "insert into nvent_concurrency_key (concurrency_key, holder_run_id) values"
                + " ('old-k', 'old')");   // as an earlier build left it: held, and marked nowhere

        for (int call = 1; call < JpaSchedulingStoreImpl.FULL_PASS_EVERY; call++) {
            assertThat(sweep()).as("sweep %d, which reads only marked keys", call).isEmpty();
        }
        assertThat(sweep()).as("the full pass").containsExactly("old-k");
    }

    /**
     * A run that never had a key holds none (the engine lets a run wait only for its own key), so its end, written
     * alone or in a grouped commit, marks nothing and reads no key: the benchmark's keyless runs pay nothing for the
     * marks.
     */
    @ParameterizedTest(name = "group commit threads: {0}")
    @ValueSource(ints = {0, 2})
    void theEndOfARunWithoutAKeyRunsNoStatementOnTheKeys(int groupCommitThreads) {
        List<String> statements = new CopyOnWriteArrayList<>();
        JpaFlowStore recorded = JpaFlowStore.create(TestDatabases.recording(pool, statements),
                JpaStoreOptions.newBuilder().groupCommitThreads(groupCommitThreads).build());
        try {
            List<String> runIds = List.of("keyless-1", "keyless-2", "keyless-3");
            runIds.forEach(runId -> recorded.createRun(RunRecord.started(runId, "sync", "{}", Optional.empty(), T0),
                    List.of()));
            statements.clear();

            runIds.parallelStream().forEach(runId -> recorded.updateRun(runId,
                    run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of()))));

            assertThat(statements).as("statements of the ends").isNotEmpty()
                    .noneMatch(sql -> sql.contains("nvent_concurrency_key"));
        } finally {
            recorded.close();
        }
    }

    private List<String> sweep() {
        return scheduling.unsettledConcurrencyKeys(store, 100);
    }

    private long marked() {
        return TestDatabases.queryLong(pool, "select count(*) from nvent_concurrency_key_settle");
    }

    /** The run (with the key) waits for the key, gets it and goes on, as the engine lets a holder go on. */
    private void holds(String runId, String key) {
        store.createRun(RunRecord.started(runId, "sync", "{}", Optional.empty(), T0).withConcurrencyKey(key),
                List.of());
        waitsForKey(runId, key);
        assertThat(scheduling.settleConcurrencyKey(store, key, T0)).contains(runId);
        scheduling.closeAwait("await-" + runId, AwaitStatus.RESOLVED, Optional.of("{}"), T0);
    }

    private void waitsForKey(String runId, String key) {
        scheduling.saveAwait(new AwaitRecord("await-" + runId, "token-" + runId, runId, "sync", "sync-customer",
                AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, T0, Optional.empty(),
                Optional.empty(), TimeoutAction.FAIL, Optional.of(key), Optional.empty(), "[]", Optional.empty(),
                Optional.empty()));
    }

    private void ends(String runId) {
        store.updateRun(runId, run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of())));
    }
}

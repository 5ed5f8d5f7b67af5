package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.RunStatus;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review: a row of {@code concurrency_key_holder} whose key has no {@code concurrency_key} row (left by an earlier 0.2
 * instance that freed the key during a rolling upgrade, or by hand) is listed by the sweep; settling the key must
 * clear it, else the sweep settles that key every 5 s for ever.
 */
class ReviewConcurrencyKeyHolderRowsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final String URL = TestDatabases.newH2Url();

    private final JpaFlowStore store = JpaFlowStore.create(URL, "sa", "", JpaStoreOptions.defaults());

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aSettleClearsAFurtherHolderRowOfAKeyWithoutItsRowSoThatTheSweepStopsListingTheKey() {
        SchedulingStore scheduling = store.schedulingStore();
        store.createRun(RunRecord.started("ended", "sync", "{}", Optional.empty(), T0).withConcurrencyKey("k", 2),
                List.of());
        store.updateRun("ended", run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of())));
        TestDatabases.execute(URL, "insert into nvent_concurrency_key_holder (concurrency_key, holder_run_id,"
                + " held_since, place) values ('k', 'ended', timestamp with time zone '2026-12-01 00:00:00+00', 1)");
        assertThat(scheduling.unsettledConcurrencyKeys(store, 100)).containsExactly("k");

        assertThat(scheduling.settleConcurrencyKeyHolders(store, "k", T0)).isEmpty();

        assertThat(scheduling.unsettledConcurrencyKeys(store, 100)).as("settled").doesNotContain("k");
        assertThat(TestDatabases.queryLong(URL, "select count(*) from nvent_concurrency_key_holder")).isZero();
    }

    private void waits(String runId, Instant since) {
        store.createRun(RunRecord.started(runId, "sync", "{}", Optional.empty(), T0).withConcurrencyKey("p", 2),
                List.of());
        store.schedulingStore().saveAwait(new io.nvent.spi.AwaitRecord("await-" + runId, "token-" + runId, runId,
                "sync", "sync-customer", io.nvent.AwaitPosition.BEFORE, io.nvent.AwaitType.CONCURRENCY_KEY,
                io.nvent.AwaitStatus.WAITING, since, Optional.empty(), Optional.empty(), io.nvent.TimeoutAction.FAIL,
                Optional.of("p"), Optional.empty(), "[]", Optional.empty(), Optional.empty(), 2));
    }

    private void ends(String runId) {
        store.schedulingStore().closeAwait("await-" + runId, io.nvent.AwaitStatus.RESOLVED, Optional.of("{}"), T0);
        store.updateRun(runId, run -> Optional.of(new RunChange(run.withStatus(RunStatus.COMPLETED, T0), List.of())));
    }

    /** Check (passes): the row of the key is moved to the next holder when the first ends, as stored, not only as returned. */
    @Test
    void whenTheFirstHolderEndsTheKeyRowNamesTheNextHolderWithItsHeldSinceAndNoRunIsInBothTables() {
        SchedulingStore scheduling = store.schedulingStore();
        waits("first", T0);
        waits("second", T0.plusSeconds(1));
        waits("third", T0.plusSeconds(2));
        assertThat(scheduling.settleConcurrencyKeyHolders(store, "p", T0)).containsExactly("first", "second");
        ends("first");

        assertThat(scheduling.settleConcurrencyKeyHolders(store, "p", T0.plusSeconds(60)))
                .containsExactly("second", "third");

        assertThat(scheduling.concurrencyKeyHolder("p")).contains("second");
        assertThat(scheduling.concurrencyKeyHolderList("p")).containsExactly("second", "third");
        assertThat(TestDatabases.queryLong(URL, "select count(*) from nvent_concurrency_key k join"
                + " nvent_concurrency_key_holder h on h.concurrency_key = k.concurrency_key"
                + " and h.holder_run_id = k.holder_run_id")).as("first and further at once").isZero();
        assertThat(TestDatabases.queryLong(URL, "select count(*) from nvent_concurrency_key where concurrency_key = 'p'"
                + " and held_since = timestamp with time zone '2026-12-01 00:00:00+00'")).as("second's held_since")
                .isEqualTo(1);
        ends("second");
        assertThat(scheduling.unsettledConcurrencyKeys(store, 100)).contains("p");
        ends("third");
        assertThat(scheduling.settleConcurrencyKeyHolders(store, "p", T0)).isEmpty();
        assertThat(TestDatabases.queryLong(URL, "select count(*) from nvent_concurrency_key_holder"
                + " where concurrency_key = 'p'")).isZero();
    }
}

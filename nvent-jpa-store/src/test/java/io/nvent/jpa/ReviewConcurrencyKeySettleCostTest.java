package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.TimeoutAction;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review: what a settle of a limit-1 key costs once concurrency limits exist. Before them, a settle that found its
 * holder under way ran three statements (insert the key row unless there, lock it, read the holder's status); the
 * README says a limit above 1 costs one more indexed read, so a key of limit 1 should cost at most that.
 */
class ReviewConcurrencyKeySettleCostTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @RegisterExtension
    final RecordedStatementsStore recorded = new RecordedStatementsStore(2);

    @Test
    void aSettleOfALimitOneKeyWhoseHolderIsUnderWayRunsAtMostOneStatementMoreThanBeforeLimits() {
        JpaFlowStore store = recorded.store();
        SchedulingStore scheduling = store.schedulingStore();
        for (String runId : List.of("holder", "waiter")) {
            store.createRun(RunRecord.started(runId, "sync", "{}", Optional.empty(), T0).withConcurrencyKey("k"),
                    List.of());
            scheduling.saveAwait(new AwaitRecord("await-" + runId, "token-" + runId, runId, "sync", "sync-customer",
                    AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING,
                    T0.plusSeconds(runId.equals("holder") ? 0 : 1), Optional.empty(), Optional.empty(),
                    TimeoutAction.FAIL, Optional.of("k"), Optional.empty(), "[]", Optional.empty(), Optional.empty()));
        }
        assertThat(scheduling.settleConcurrencyKey(store, "k", T0)).contains("holder");
        scheduling.closeAwait("await-holder", AwaitStatus.RESOLVED, Optional.of("{}"), T0);
        recorded.statements().clear();

        assertThat(scheduling.settleConcurrencyKey(store, "k", T0)).contains("holder");

        assertThat(recorded.statements()).as("statements of the settle").hasSizeLessThanOrEqualTo(4);
    }

    /**
     * A settle of a key held by N runs reads each holder's status on its own, under the lock of the key's row: for a
     * limit of 1,000, a thousand reads on every start and end of a run of the key, while the other instances wait.
     */
    @Test
    void aSettleOfAKeyHeldByThreeRunsUnderWayDoesNotReadEachHolderOnItsOwn() {
        JpaFlowStore store = recorded.store();
        SchedulingStore scheduling = store.schedulingStore();
        for (String runId : List.of("a", "b", "c", "d")) {
            store.createRun(RunRecord.started(runId, "sync", "{}", Optional.empty(), T0).withConcurrencyKey("k", 3),
                    List.of());
            scheduling.saveAwait(new AwaitRecord("await-" + runId, "token-" + runId, runId, "sync", "sync-customer",
                    AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING,
                    T0.plusSeconds(runId.charAt(0)), Optional.empty(), Optional.empty(), TimeoutAction.FAIL,
                    Optional.of("k"), Optional.empty(), "[]", Optional.empty(), Optional.empty(), 3));
        }
        assertThat(scheduling.settleConcurrencyKeyHolders(store, "k", T0)).containsExactly("a", "b", "c");
        List.of("a", "b", "c").forEach(runId ->
                scheduling.closeAwait("await-" + runId, AwaitStatus.RESOLVED, Optional.of("{}"), T0));
        recorded.statements().clear();

        assertThat(scheduling.settleConcurrencyKeyHolders(store, "k", T0)).containsExactly("a", "b", "c");

        assertThat(recorded.statements()).as("statements of the settle").filteredOn(sql -> sql.startsWith("select 1 from nvent_run "))
                .hasSizeLessThanOrEqualTo(1);
    }
}

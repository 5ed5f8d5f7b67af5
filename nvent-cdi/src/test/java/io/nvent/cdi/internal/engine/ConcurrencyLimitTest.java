package io.nvent.cdi.internal.engine;

import io.nvent.AwaitType;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.engine.ConcurrencyKeyTest.ApprovedSync;
import io.nvent.cdi.internal.engine.ConcurrencyKeyTest.SyncCustomer;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunChange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.DEAF_TO_INTERRUPTS;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.FAILING;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.STARTED;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.awaitStarted;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.letEnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs of one concurrency key with a limit above 1: up to the limit of the run at the head of the line run side by
 * side, the others wait in line, in the order they began waiting.
 */
class ConcurrencyLimitTest {

    @BeforeEach
    void reset() {
        new ConcurrencyKeyTest().reset();
    }

    private static String start(EngineHarness h, String name, int limit) {
        String runId = h.engine.start("sync", Map.of("name", name),
                StartOptions.newBuilder().concurrencyKey("k", limit).build()).runId();
        h.clock.advance(Duration.ofSeconds(1));   // the next start begins waiting later
        return runId;
    }

    private static EngineHarness harness() {
        return new EngineHarness(new SyncCustomer(), new ApprovedSync());
    }

    private static void assertWaiting(EngineHarness h, String runId) {
        assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
    }

    @Test
    void ofThreeRunsWithLimitTwoTwoRunSideBySideAndTheThirdGetsTheKeyWhenOneEnds() {
        try (EngineHarness h = harness()) {
            String first = start(h, "first", 2);
            String second = start(h, "second", 2);
            String third = start(h, "third", 2);

            awaitStarted("first", "second");
            assertWaiting(h, third);
            assertThat(h.engine.waits(third)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("waits for concurrency key 'k', held by 2 of 2 runs: " + first + ", " + second)
                    .contains("at most 2 at a time"));
            assertThat(h.engine.awaits(true, 10)).singleElement().satisfies(a -> {
                assertThat(a.type()).isEqualTo(AwaitType.CONCURRENCY_KEY);
                assertThat(a.concurrencyKeyHolders()).containsExactly(first, second);
                assertThat(a.concurrencyKeyHolder()).as("the first holder").contains(first);
                assertThat(a.concurrencyLimit()).isEqualTo(2);
            });
            assertThat(h.engine.run(third).orElseThrow().concurrencyLimit()).hasValue(2);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, second);

            letEnd("second");
            h.awaitStatus(second, RunStatus.COMPLETED);
            awaitStarted("third");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, third);
            letEnd("first");
            letEnd("third");
            h.awaitStatus(third, RunStatus.COMPLETED);
            h.awaitStatus(first, RunStatus.COMPLETED);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).as("a free key keeps no entry").isEmpty();
        }
    }

    @Test
    void waitingRunsGetAFreePlaceInTheOrderTheyBeganWaiting() {
        try (EngineHarness h = harness()) {
            List<String> names = List.of("a", "b", "c", "d", "e");
            String last = null;
            for (String name : names) {
                last = start(h, name, 2);
            }
            awaitStarted("a", "b");
            letEnd("b");
            awaitStarted("c");
            assertThat(STARTED).containsExactlyInAnyOrder("a", "b", "c");
            letEnd("a");
            awaitStarted("d");
            assertThat(STARTED).hasSize(4).endsWith("c", "d");
            letEnd("c");
            awaitStarted("e");
            letEnd("d");
            letEnd("e");
            h.awaitStatus(last, RunStatus.COMPLETED);
            assertThat(STARTED).hasSize(5).endsWith("c", "d", "e");
        }
    }

    @Test
    void aRunOfLimitOneBehindHoldersOfLimitTwoWaitsUntilNoneHoldsTheKeyAndTheRunsBehindItWaitUntilItEnded() {
        try (EngineHarness h = harness()) {
            String first = start(h, "first", 2);
            String second = start(h, "second", 2);
            String alone = start(h, "alone", 1);
            String behind = start(h, "behind", 2);
            awaitStarted("first", "second");

            letEnd("first");
            h.awaitStatus(first, RunStatus.COMPLETED);
            h.sweep();

            assertWaiting(h, alone);
            assertWaiting(h, behind);
            assertThat(h.engine.waits(alone)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("held by run " + second));
            assertThat(h.engine.waits(behind)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .as("a free place, but the head of the line waits for the key to itself")
                    .contains("held by 1 of 2 runs: " + second));
            letEnd("second");
            awaitStarted("alone");
            // The run of limit 1 holds the key alone: the one of limit 2 behind it waits until it ended.
            h.sweep();
            assertWaiting(h, behind);
            letEnd("alone");
            awaitStarted("behind");
            letEnd("behind");
            h.awaitStatus(behind, RunStatus.COMPLETED);
            assertThat(STARTED).hasSize(4);
            assertThat(STARTED.subList(0, 2)).containsExactlyInAnyOrder("first", "second");
        }
    }

    @Test
    void aCanceledFailedOrDeletedHolderHandsItsPlaceOn() {
        try (EngineHarness h = harness()) {
            FAILING.add("failing");
            String canceled = start(h, "canceled", 2);
            String failing = start(h, "failing", 2);
            String afterCancel = start(h, "after-cancel", 2);
            String afterFailure = start(h, "after-failure", 2);
            String afterDeletion = start(h, "after-deletion", 2);
            awaitStarted("canceled", "failing");

            h.engine.cancel(canceled);
            letEnd("canceled");
            awaitStarted("after-cancel");
            letEnd("failing");
            h.awaitStatus(failing, RunStatus.FAILED);
            awaitStarted("after-failure");
            assertWaiting(h, afterDeletion);

            // An instance ended "after-cancel" and stopped before it handed the key on; then an operator deleted it.
            long version = h.store.updateRun(afterCancel, run -> Optional.of(new RunChange(
                    run.withStatus(RunStatus.CANCELED, h.clock.instant()), List.of()))).orElseThrow().run().version();
            h.store.deleteFinishedRun(afterCancel, version);
            h.scheduling.leasesOfRun(afterCancel)
                    .forEach(l -> h.scheduling.releaseLease(afterCancel, l.step(), l.owner()));
            h.sweep();

            awaitStarted("after-deletion");
            List.of("after-cancel", "after-failure", "after-deletion").forEach(ConcurrencyKeyTest::letEnd);
            h.awaitStatus(afterDeletion, RunStatus.COMPLETED);
            h.awaitStatus(afterFailure, RunStatus.COMPLETED);
        }
    }

    @Test
    void aHolderCanceledWhileItsStepStillRunsKeepsItsPlaceUntilThatStepHasEnded() {
        try (EngineHarness h = harness()) {
            DEAF_TO_INTERRUPTS.add("first");
            String first = start(h, "first", 2);
            String second = start(h, "second", 2);
            String third = start(h, "third", 2);
            awaitStarted("first", "second");

            h.engine.cancel(first);
            h.awaitStatus(first, RunStatus.CANCELED);
            h.sweep();   // the key check finds the holder's step still running: it keeps its place

            assertWaiting(h, third);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, second);
            letEnd("first");
            awaitStarted("third");
            letEnd("second");
            letEnd("third");
            h.awaitStatus(third, RunStatus.COMPLETED);
            assertThat(STARTED).hasSize(3).endsWith("third");
        }
    }

    @Test
    void aRetriedRunAndARunThatJoinsTheLineAfterItsDelayKeepTheirLimit() {
        try (EngineHarness h = harness()) {
            FAILING.add("first");
            String first = start(h, "first", 3);
            letEnd("first");
            h.awaitStatus(first, RunStatus.FAILED);
            String delayed = h.engine.start("sync", Map.of("name", "delayed"), StartOptions.newBuilder()
                    .concurrencyKey("k", 3).delay(Duration.ofMinutes(5)).build()).runId();

            h.engine.retryStep(first, "sync-customer");
            h.clock.advance(Duration.ofMinutes(5));
            h.sweep();

            awaitStarted("delayed");
            assertThat(keyAwaitsOf(h, first)).extracting(AwaitRecord::concurrencyLimit).containsOnly(3);
            assertThat(keyAwaitsOf(h, delayed)).extracting(AwaitRecord::concurrencyLimit).containsExactly(3);
            letEnd("delayed");
            h.awaitStatus(first, RunStatus.COMPLETED);
            h.awaitStatus(delayed, RunStatus.COMPLETED);
        }
    }

    private static List<AwaitRecord> keyAwaitsOf(EngineHarness h, String runId) {
        return h.scheduling.awaitsOfRun(runId).stream().filter(a -> a.type() == AwaitType.CONCURRENCY_KEY).toList();
    }

    @Test
    void runsWithALimitRecordItInTheirStartAndAwaitEntries() {
        try (EngineHarness h = harness()) {
            String run = start(h, "first", 4);
            awaitStarted("first");

            assertThat(h.history(run)).filteredOn(e -> e.type().wireName().equals("flow.start")
                            || e.type().wireName().equals("await.registered"))
                    .hasSize(2).allSatisfy(e -> assertThat(e.data()).contains("\"concurrencyLimit\":4"));
            letEnd("first");
        }
    }

    /** A store of nvent 0.2 written before limits: it lets one run at a time hold a key. */
    static final class StoreWithoutLimits extends MemorySchedulingStore {
        @Override
        public boolean holdsConcurrencyLimits() {
            return false;
        }
    }

    @Test
    void aStartWithALimitAboveOneOnAStoreThatCannotKeepItFailsNamingTheStoreAndStartsNothing() {
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutLimits(), "instance-a",
                new SyncCustomer(), new ApprovedSync())) {
            assertThatThrownBy(() -> start(h, "first", 2))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0272 scheduling store " + StoreWithoutLimits.class.getName())
                    .hasMessageContaining("cannot keep the concurrency limit 2");
            assertThat(h.engine.runs(RunQuery.ofFlow("sync"))).isEmpty();

            start(h, "one-at-a-time", 1);
            awaitStarted("one-at-a-time");
            letEnd("one-at-a-time");
        }
    }

    // ------------------------------------------------------------------ review: each run's limit respected both ways

    @Test
    void reviewARunOfLimitTwoWaitsWhileARunOfLimitOneHoldsTheKey() {
        try (EngineHarness h = harness()) {
            String alone = start(h, "alone", 1);
            awaitStarted("alone");
            String joiner = start(h, "joiner", 2);
            h.sweep();

            assertWaiting(h, joiner);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).as("its starter asked for one at a time")
                    .containsExactly(alone);
            letEnd("alone");
            awaitStarted("joiner");
            letEnd("joiner");
            h.awaitStatus(joiner, RunStatus.COMPLETED);
        }
    }

    @Test
    void reviewARunOfLimitThreeWaitsWhileTwoRunsOfLimitTwoHoldTheKey() {
        try (EngineHarness h = harness()) {
            String first = start(h, "first", 2);
            String second = start(h, "second", 2);
            awaitStarted("first", "second");
            String third = start(h, "third", 3);
            h.sweep();

            assertWaiting(h, third);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, second);
            letEnd("first");
            awaitStarted("third");
            letEnd("second");
            letEnd("third");
            h.awaitStatus(third, RunStatus.COMPLETED);
        }
    }

    @Test
    void reviewARunOfLimitTwoJoinsASingleHolderOfLimitThree() {
        try (EngineHarness h = harness()) {
            String first = start(h, "first", 3);
            awaitStarted("first");
            String second = start(h, "second", 2);

            awaitStarted("second");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, second);
            letEnd("first");
            letEnd("second");
            h.awaitStatus(second, RunStatus.COMPLETED);
        }
    }

    /** A memory store that records whose awaits the calling test thread reads. */
    static final class AwaitReadsCounted extends MemorySchedulingStore {
        final java.util.Set<Thread> counted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> awaitsRead = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public List<AwaitRecord> awaitsOfRun(String runId) {
            if (counted.contains(Thread.currentThread())) {
                awaitsRead.add(runId);
            }
            return super.awaitsOfRun(runId);
        }
    }

    /**
     * Before limits a settle read the awaits of the one holder; with a limit of N it reads those of all N holders,
     * on every start and every end of a run of the key, though they went on long ago.
     */
    @Test
    void reviewASettleDoesNotReadTheAwaitsOfEveryHolderThatAlreadyWentOn() {
        AwaitReadsCounted scheduling = new AwaitReadsCounted();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new SyncCustomer(),
                new ApprovedSync())) {
            List<String> holders = List.of(start(h, "a", 3), start(h, "b", 3), start(h, "c", 3));
            awaitStarted("a", "b", "c");

            scheduling.counted.add(Thread.currentThread());
            String waiter = start(h, "d", 3);
            scheduling.counted.clear();

            assertWaiting(h, waiter);
            assertThat(scheduling.awaitsRead).as("awaits of holders read by the start of a waiting run")
                    .filteredOn(holders::contains).hasSizeLessThanOrEqualTo(1);
            List.of("a", "b", "c", "d").forEach(ConcurrencyKeyTest::letEnd);
            h.awaitStatus(waiter, RunStatus.COMPLETED);
        }
    }

    @Test
    void reviewCancelingTheWaitingHeadOfTheLineLetsTheRunBehindItIntoAFreePlaceAtOnce() {
        try (EngineHarness h = harness()) {
            String holder = start(h, "holder", 3);
            awaitStarted("holder");
            String head = start(h, "head", 1);
            String behind = start(h, "behind", 3);
            assertWaiting(h, behind);

            h.engine.cancel(head);

            awaitStarted("behind");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(holder, behind);
            letEnd("holder");
            letEnd("behind");
            h.awaitStatus(behind, RunStatus.COMPLETED);
        }
    }

    @Test
    void reviewARetriedHolderWaitsBehindTheRunThatTookItsPlaceAndGetsTheNextPlaceFreed() {
        try (EngineHarness h = harness()) {
            FAILING.add("failing");
            String failing = start(h, "failing", 2);
            String other = start(h, "other", 2);
            String next = start(h, "next", 2);
            awaitStarted("failing", "other");
            letEnd("failing");
            h.awaitStatus(failing, RunStatus.FAILED);
            awaitStarted("next");
            FAILING.remove("failing");
            STARTED.remove("failing");

            h.engine.retryStep(failing, "sync-customer");
            h.sweep();

            assertWaiting(h, failing);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(other, next);
            letEnd("other");
            awaitStarted("failing");
            letEnd("next");
            h.awaitStatus(failing, RunStatus.COMPLETED);
        }
    }
}

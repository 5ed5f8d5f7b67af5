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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
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

    /** Runs of key "k" a test started in line, each known by the name its step records in {@code STARTED}. */
    private static final class Line {
        private final EngineHarness h;
        private final Map<String, String> runIds = new LinkedHashMap<>();

        private Line(EngineHarness h) {
            this.h = h;
        }

        /** Starts a run with the limit for each name, in that order, and waits until the first {@code limit} run. */
        static Line startedWithTheFirstUnderWay(EngineHarness h, int limit, String... names) {
            Line line = new Line(h);
            Stream.of(names).forEach(name -> line.join(name, limit));
            awaitStarted(Arrays.copyOf(names, Math.min(limit, names.length)));
            return line;
        }

        /** Starts one more run with the limit, behind those started before. */
        String join(String name, int limit) {
            String runId = start(h, name, limit);
            runIds.put(name, runId);
            return runId;
        }

        String runId(String name) {
            return runIds.get(name);
        }

        /** Lets the steps of the named runs end, in that order, and waits until each of those runs completed. */
        void letComplete(String... names) {
            Stream.of(names).forEach(ConcurrencyKeyTest::letEnd);
            Stream.of(names).forEach(name -> h.awaitStatus(runId(name), RunStatus.COMPLETED));
        }
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
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "first", "second", "third");
            String first = line.runId("first");
            String second = line.runId("second");
            String third = line.runId("third");

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

            line.letComplete("second");
            awaitStarted("third");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, third);
            line.letComplete("first", "third");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).as("a free key keeps no entry").isEmpty();
        }
    }

    @Test
    void waitingRunsGetAFreePlaceInTheOrderTheyBeganWaiting() {
        try (EngineHarness h = harness()) {
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "a", "b", "c", "d", "e");
            letEnd("b");
            awaitStarted("c");
            assertThat(STARTED).containsExactlyInAnyOrder("a", "b", "c");
            letEnd("a");
            awaitStarted("d");
            assertThat(STARTED).hasSize(4).endsWith("c", "d");
            letEnd("c");
            awaitStarted("e");
            line.letComplete("d", "e");
            assertThat(STARTED).hasSize(5).endsWith("c", "d", "e");
        }
    }

    @Test
    void aRunOfLimitOneBehindHoldersOfLimitTwoWaitsUntilNoneHoldsTheKeyAndTheRunsBehindItWaitUntilItEnded() {
        try (EngineHarness h = harness()) {
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "first", "second");
            String alone = line.join("alone", 1);
            String behind = line.join("behind", 2);

            line.letComplete("first");
            h.sweep();

            assertWaiting(h, alone);
            assertWaiting(h, behind);
            assertThat(h.engine.waits(alone)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("held by run " + line.runId("second")));
            assertThat(h.engine.waits(behind)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .as("a free place, but the head of the line waits for the key to itself")
                    .contains("held by 1 of 2 runs: " + line.runId("second")));
            letEnd("second");
            awaitStarted("alone");
            // The run of limit 1 holds the key alone: the one of limit 2 behind it waits until it ended.
            h.sweep();
            assertWaiting(h, behind);
            letEnd("alone");
            awaitStarted("behind");
            line.letComplete("behind");
            assertThat(STARTED).hasSize(4);
            assertThat(STARTED.subList(0, 2)).containsExactlyInAnyOrder("first", "second");
        }
    }

    @Test
    void aCanceledFailedOrDeletedHolderHandsItsPlaceOn() {
        try (EngineHarness h = harness()) {
            FAILING.add("failing");
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "canceled", "failing", "after-cancel", "after-failure",
                    "after-deletion");
            String afterCancel = line.runId("after-cancel");

            h.engine.cancel(line.runId("canceled"));
            letEnd("canceled");
            awaitStarted("after-cancel");
            letEnd("failing");
            h.awaitStatus(line.runId("failing"), RunStatus.FAILED);
            awaitStarted("after-failure");
            assertWaiting(h, line.runId("after-deletion"));

            // An instance ended "after-cancel" and stopped before it handed the key on; then an operator deleted it.
            long version = h.store.updateRun(afterCancel, run -> Optional.of(new RunChange(
                    run.withStatus(RunStatus.CANCELED, h.clock.instant()), List.of()))).orElseThrow().run().version();
            h.store.deleteFinishedRun(afterCancel, version);
            h.scheduling.leasesOfRun(afterCancel)
                    .forEach(l -> h.scheduling.releaseLease(afterCancel, l.step(), l.owner()));
            h.sweep();

            awaitStarted("after-deletion");
            letEnd("after-cancel");
            line.letComplete("after-failure", "after-deletion");
        }
    }

    @Test
    void aHolderCanceledWhileItsStepStillRunsKeepsItsPlaceUntilThatStepHasEnded() {
        try (EngineHarness h = harness()) {
            DEAF_TO_INTERRUPTS.add("first");
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "first", "second", "third");
            String first = line.runId("first");

            h.engine.cancel(first);
            h.awaitStatus(first, RunStatus.CANCELED);
            h.sweep();   // the key check finds the holder's step still running: it keeps its place

            assertWaiting(h, line.runId("third"));
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(first, line.runId("second"));
            letEnd("first");
            awaitStarted("third");
            line.letComplete("second", "third");
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
            Line line = Line.startedWithTheFirstUnderWay(h, 1, "alone");
            String joiner = line.join("joiner", 2);
            h.sweep();

            assertWaiting(h, joiner);
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).as("its starter asked for one at a time")
                    .containsExactly(line.runId("alone"));
            letEnd("alone");
            awaitStarted("joiner");
            line.letComplete("joiner");
        }
    }

    @Test
    void reviewARunOfLimitThreeWaitsWhileTwoRunsOfLimitTwoHoldTheKey() {
        try (EngineHarness h = harness()) {
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "first", "second");
            String third = line.join("third", 3);
            h.sweep();

            assertWaiting(h, third);
            assertThat(h.scheduling.concurrencyKeyHolderList("k"))
                    .containsExactly(line.runId("first"), line.runId("second"));
            letEnd("first");
            awaitStarted("third");
            line.letComplete("second", "third");
        }
    }

    @Test
    void reviewARunOfLimitTwoJoinsASingleHolderOfLimitThree() {
        try (EngineHarness h = harness()) {
            Line line = Line.startedWithTheFirstUnderWay(h, 3, "first");
            String second = line.join("second", 2);

            awaitStarted("second");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(line.runId("first"), second);
            line.letComplete("first", "second");
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
            Line line = Line.startedWithTheFirstUnderWay(h, 3, "a", "b", "c");
            List<String> holders = Stream.of("a", "b", "c").map(line::runId).toList();

            scheduling.counted.add(Thread.currentThread());
            String waiter = line.join("d", 3);
            scheduling.counted.clear();

            assertWaiting(h, waiter);
            assertThat(scheduling.awaitsRead).as("awaits of holders read by the start of a waiting run")
                    .filteredOn(holders::contains).hasSizeLessThanOrEqualTo(1);
            line.letComplete("a", "b", "c", "d");
        }
    }

    @Test
    void reviewCancelingTheWaitingHeadOfTheLineLetsTheRunBehindItIntoAFreePlaceAtOnce() {
        try (EngineHarness h = harness()) {
            Line line = Line.startedWithTheFirstUnderWay(h, 3, "holder");
            String head = line.join("head", 1);
            String behind = line.join("behind", 3);
            assertWaiting(h, behind);

            h.engine.cancel(head);

            awaitStarted("behind");
            assertThat(h.scheduling.concurrencyKeyHolderList("k")).containsExactly(line.runId("holder"), behind);
            line.letComplete("holder", "behind");
        }
    }

    @Test
    void reviewARetriedHolderWaitsBehindTheRunThatTookItsPlaceAndGetsTheNextPlaceFreed() {
        try (EngineHarness h = harness()) {
            FAILING.add("failing");
            Line line = Line.startedWithTheFirstUnderWay(h, 2, "failing", "other", "next");
            String failing = line.runId("failing");
            letEnd("failing");
            h.awaitStatus(failing, RunStatus.FAILED);
            awaitStarted("next");
            FAILING.remove("failing");
            STARTED.remove("failing");

            h.engine.retryStep(failing, "sync-customer");
            h.sweep();

            assertWaiting(h, failing);
            assertThat(h.scheduling.concurrencyKeyHolderList("k"))
                    .containsExactly(line.runId("other"), line.runId("next"));
            letEnd("other");
            awaitStarted("failing");
            line.letComplete("next", "failing");
        }
    }
}

package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import io.nvent.cdi.VirtualClockTimers;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.AwaitlessRuns;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A run left {@code awaiting} with no await that could resume it, because the store refused its await and then failed
 * the write of its step's failure too, does not wait for ever: the maintenance sweep finds the step, and fails it once
 * across the instances sweeping the store.
 */
class AwaitlessStepSweepTest {

    /** Refuses every await while {@link #away}, and makes the run's next change fail too, as a database gone away. */
    static class SchedulingAwayWithItsStore extends MemorySchedulingStore {
        final AtomicBoolean away = new AtomicBoolean(true);
        final StoreOutageAttemptsTest.StoreThatGoesAway store;

        SchedulingAwayWithItsStore(StoreOutageAttemptsTest.StoreThatGoesAway store) {
            this.store = store;
        }

        @Override
        public synchronized void saveAwait(AwaitRecord await) {
            if (away.get()) {
                store.refusing.set(1);
                throw new IllegalStateException("connection refused");
            }
            super.saveAwait(await);
        }
    }

    @Test
    void aStepLeftAwaitingWithNoAwaitIsFailedByTheSweepOnceAcrossInstances() {
        StoreOutageAttemptsTest.StoreThatGoesAway store = new StoreOutageAttemptsTest.StoreThatGoesAway();
        SchedulingAwayWithItsStore scheduling = new SchedulingAwayWithItsStore(store);
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness a = new EngineHarness(store, scheduling, "instance-a", new RefusedAwaitTest.Pay());
             EngineHarness b = EngineHarness.beside(a, "instance-b", settings -> settings, new RefusedAwaitTest.Pay())) {
            String expense = a.engine.start("expense", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.messagesContaining("NVENT-0026").isEmpty());
            scheduling.away.set(false);
            assertThat(a.engine.run(expense).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(scheduling.awaitsOfRun(expense)).isEmpty();

            a.sweep();
            b.sweep();
            assertThat(a.engine.run(expense).orElseThrow().status()).as("a moment after its change")
                    .isEqualTo(RunStatus.AWAITING);

            a.clock.advance(Duration.ofMinutes(1));
            b.clock.advance(Duration.ofMinutes(1));
            a.sweep();
            b.sweep();

            a.awaitStatus(expense, RunStatus.FAILED);
            assertThat(store.findRun(expense).orElseThrow().steps()).containsEntry("pay", StepStatus.FAILED);
            assertThat(a.eventsOf(expense, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("maintenance sweep found step 'pay'"));
            assertThat(log.messagesContaining("NVENT-0027")).singleElement().asString().contains(expense)
                    .contains("'pay'");
        }
    }

    /** Keeps no await while {@link #stopping}: the instance that saves it stops between its run's write and its own. */
    static class SchedulingOfAnInstanceThatStops extends MemorySchedulingStore {
        final AtomicBoolean stopping = new AtomicBoolean(true);

        @Override
        public synchronized void saveAwait(AwaitRecord await) {
            if (!stopping.get()) {
                super.saveAwait(await);
            }
        }
    }

    @Test
    void aStepLeftAwaitingBecauseItsInstanceStoppedBeforeSavingTheAwaitIsFailedByTheSweepSayingSo() {
        SchedulingOfAnInstanceThatStops scheduling = new SchedulingOfAnInstanceThatStops();
        MemoryFlowStore store = new MemoryFlowStore();
        String expense;
        try (EngineHarness stopped = new EngineHarness(store, scheduling, "instance-a", new RefusedAwaitTest.Pay())) {
            expense = stopped.engine.start("expense", Map.of());
        }
        scheduling.stopping.set(false);
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness b = new EngineHarness(store, scheduling, "instance-b", new RefusedAwaitTest.Pay())) {
            assertThat(b.engine.run(expense).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(b.engine.awaits(false, 10)).as("the run is stored awaiting, its await just after").isEmpty();

            b.sweep();
            b.clock.advance(Duration.ofMinutes(1));
            b.sweep();

            b.awaitStatus(expense, RunStatus.FAILED);
            assertThat(b.eventsOf(expense, EventType.STEP_FAILED)).singleElement().satisfies(failed -> assertThat(
                    failed.data()).as("not only a store that refused it").contains("its instance stopped"));
            assertThat(log.messagesContaining("NVENT-0027")).singleElement().asString()
                    .contains("its instance stopped");
        }
    }

    /** Waits for an approval before it runs; its await saved again five minutes after the store was away. */
    @FlowStep(flow = "slow-claim", name = "approve", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 300_000)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    static class SlowApprove implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStepWhoseAwaitIsSavedAgainAfterABackoffLongerThanALeaseIsNotFailedByTheSweepMeanwhile() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new RefusedAwaitTest.SchedulingAway(1),
                     new SlowApprove())) {
            h.engine.useTimers(executor, VirtualClockTimers.of(h.clock));
            String claim = h.engine.start("slow-claim", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.messagesContaining("NVENT-0036").isEmpty());

            h.sweep();
            h.clock.advance(Duration.ofMinutes(2));
            h.sweep();
            h.clock.advance(Duration.ofMinutes(2));
            h.sweep();

            assertThat(h.engine.run(claim).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(log.messagesContaining("NVENT-0027")).isEmpty();
            h.clock.advance(Duration.ofMinutes(1));
            assertThat(h.scheduling.awaitsOfRun(claim)).singleElement()
                    .satisfies(waiting -> assertThat(waiting.status()).isEqualTo(AwaitStatus.WAITING));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aStepLeftAwaitingWithNoAwaitBehindTwoHundredRunsAwaitingApprovalsIsFoundByTheSweepsNextPages() {
        StoreOutageAttemptsTest.StoreThatGoesAway store = new StoreOutageAttemptsTest.StoreThatGoesAway();
        aStepLeftAwaitingBehind250RunsAwaitingApprovalsFails(store, new SchedulingAwayWithItsStore(store));
    }

    /** Finds them as a scheduling store of one's own does: {@link SchedulingStore}'s default, a page of runs read. */
    static final class SchedulingAwayByDefault extends SchedulingAwayWithItsStore {
        SchedulingAwayByDefault(StoreOutageAttemptsTest.StoreThatGoesAway store) {
            super(store);
        }

        @Override
        public AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runs, Optional<RunPosition> after, int limit) {
            SchedulingStore self = this;
            return new StoreOfOnesOwn() {
                @Override
                public List<AwaitRecord> awaitsOfRun(String runId) {
                    return self.awaitsOfRun(runId);
                }
            }.runsAwaitingWithoutAwait(runs, after, limit);
        }
    }

    @Test
    void aStoreOfOnesOwnFindsAStepLeftAwaitingWithNoAwaitBehindTwoHundredRunsAwaitingApprovalsInTheNextPages() {
        StoreOutageAttemptsTest.StoreThatGoesAway store = new StoreOutageAttemptsTest.StoreThatGoesAway();
        aStepLeftAwaitingBehind250RunsAwaitingApprovalsFails(store, new SchedulingAwayByDefault(store));
    }

    private static void aStepLeftAwaitingBehind250RunsAwaitingApprovalsFails(
            StoreOutageAttemptsTest.StoreThatGoesAway store, SchedulingAwayWithItsStore scheduling) {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(store, scheduling, "instance-a", new RefusedAwaitTest.Pay())) {
            String stuck = h.engine.start("expense", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.messagesContaining("NVENT-0026").isEmpty());
            scheduling.away.set(false);
            for (int i = 0; i < 250; i++) {
                h.clock.advance(Duration.ofMillis(1));
                h.engine.start("expense", Map.of());
            }

            for (int look = 0; look < 4; look++) {
                h.sweep();
                h.clock.advance(Duration.ofMinutes(1));
            }

            h.awaitStatus(stuck, RunStatus.FAILED);
            assertThat(log.messagesContaining("NVENT-0027")).singleElement().asString().contains(stuck);
        }
    }

    /** Counts the reads of runs and awaits the engine asks of its memory stores. */
    static final class CountingStores {
        final AtomicInteger calls = new AtomicInteger();
        final MemoryFlowStore store = new MemoryFlowStore() {
            @Override
            public Optional<RunRecord> findRun(String runId) {
                calls.incrementAndGet();
                return super.findRun(runId);
            }

            @Override
            public List<RunRecord> findRuns(RunQuery query) {
                calls.incrementAndGet();
                return super.findRuns(query);
            }
        };
        final MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public List<AwaitRecord> awaitsOfRun(String runId) {
                calls.incrementAndGet();
                return super.awaitsOfRun(runId);
            }

            @Override
            public AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runs, Optional<RunPosition> after, int limit) {
                calls.incrementAndGet();
                return super.runsAwaitingWithoutAwait(runs, after, limit);
            }
        };
    }

    @Test
    void aLookOfTheSweepOverRunsAwaitingApprovalsReadsAsLittleForThreeHundredAsForTwenty() {
        int twenty = readsOfTheFirstSweepOver(20);
        int threeHundred = readsOfTheFirstSweepOver(300);

        assertThat(threeHundred).as("reads of runs and awaits by a sweep over 300 runs awaiting approvals")
                .isEqualTo(twenty).isLessThan(20);
    }

    /** Starts runs until {@code awaiting} wait for their approval, then counts the reads of the first sweep. */
    private static int readsOfTheFirstSweepOver(int awaiting) {
        CountingStores counting = new CountingStores();
        try (EngineHarness h = new EngineHarness(counting.store, counting.scheduling, "instance-a",
                new RefusedAwaitTest.Pay())) {
            for (int i = 0; i < awaiting; i++) {
                h.clock.advance(Duration.ofMillis(1));
                h.engine.start("expense", Map.of());
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> h.scheduling.listAwaits(true, Integer.MAX_VALUE).size() == awaiting);
            counting.calls.set(0);
            h.sweep();
            return counting.calls.get();
        }
    }

    @Test
    void aSchedulingStoreOfOnesOwnFindsThemByDefaultInEachPageOfAwaitingRunsItReads() {
        MemoryFlowStore runs = new MemoryFlowStore();
        StoreOfOnesOwn scheduling = new StoreOfOnesOwn();
        Instant at = Instant.parse("2030-01-01T00:00:00Z");
        for (int i = 0; i < 5; i++) {
            String runId = "run-" + i;
            runs.createRun(RunRecord.started(runId, "expense", "{}", Optional.empty(), at.plusSeconds(i))
                    .withStep("pay", StepStatus.AWAITING).withStatus(RunStatus.AWAITING, at), List.of());
            if (i != 1) {
                scheduling.saveAwait(new AwaitRecord("await-" + i, "token-" + i, runId, "expense", "pay",
                        AwaitPosition.BEFORE, AwaitType.WEBHOOK, AwaitStatus.WAITING, at, Optional.empty(),
                        Optional.empty(), TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]",
                        Optional.empty(), Optional.empty()));
            }
        }

        AwaitlessRuns first = scheduling.runsAwaitingWithoutAwait(runs, Optional.empty(), 2);
        AwaitlessRuns second = scheduling.runsAwaitingWithoutAwait(runs, first.next(), 2);
        AwaitlessRuns third = scheduling.runsAwaitingWithoutAwait(runs, second.next(), 2);

        assertThat(first.runs()).as("run-4 and run-3 read, both waiting").isEmpty();
        assertThat(first.next()).contains(new RunPosition(at.plusSeconds(3), "run-3"));
        assertThat(second.runs()).extracting(RunRecord::runId).containsExactly("run-1");
        assertThat(third.runs()).isEmpty();
        assertThat(third.next()).as("the last page").isEmpty();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.IllegalRunTransitionException;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.NonRetryableStepException;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import io.nvent.EventQuery;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Compensation at a run's deadline, for a step completing late, on a stalled run, and with children. */
class CompensationEdgesTest {

    static final List<String> UNDONE = new CopyOnWriteArrayList<>();
    static volatile boolean waitFails;
    static volatile CountDownLatch waitRunning;
    static volatile CountDownLatch unbookRunning;
    static volatile CountDownLatch unbookGate;

    @BeforeEach
    void reset() {
        UNDONE.clear();
        waitFails = false;
        waitRunning = new CountDownLatch(1);
        unbookRunning = new CountDownLatch(1);
        unbookGate = new CountDownLatch(0);
    }

    @FlowStep(flow = "stay", name = "book", role = StepRole.ENTRY, emits = "booked", compensation = "unbook")
    static class Book implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return "room-1";
        }
    }

    /** Waits for the guest until asked to stop, or fails at once when {@link #waitFails}. */
    @FlowStep(flow = "stay", name = "wait", subscribes = "booked", maxAttempts = 1)
    static class Wait implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            if (waitFails) {
                throw new IllegalStateException("no guest came");
            }
            waitRunning.countDown();
            new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @FlowStep(flow = "stay", name = "unbook", role = StepRole.COMPENSATION)
    static class Unbook implements Step<String, Void> {
        @Override
        public Void execute(String room, StepContext ctx) throws InterruptedException {
            unbookRunning.countDown();
            boolean released = unbookGate.await(10, TimeUnit.SECONDS);
            UNDONE.add("unbook " + room + (released ? "" : " (gate timed out)"));
            return null;
        }
    }

    private static String startStay(EngineHarness h) {
        return h.engine.start("stay", null, StartOptions.newBuilder().timeout(Duration.ofSeconds(30)).build()).runId();
    }

    @Test
    void aRunTimingOutWithCompletedStepsUndoesThemThenFailsWithTheTimeoutError() throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Book(), new Wait(), new Unbook())) {
            String runId = startStay(h);
            assertThat(waitRunning.await(10, TimeUnit.SECONDS)).isTrue();

            h.clock.advance(Duration.ofSeconds(31));
            h.sweep();

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("unbook room-1");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).startsWith("NVENT-0400 ")
                    .contains("timed out after PT30S"));
            assertThat(h.types(runId)).containsSubsequence("run.compensating", "step.started", "step.completed",
                    "run.compensated", "flow.failed");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"timedOut\":true", "\"reason\":\"timed out\"",
                            "\"compensate\":[\"book\"]", "\"error\":\"NVENT-0400 "));
            assertThat(h.eventsOf(runId, EventType.FLOW_FAILED)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"reason\":\"timed out\"", "NVENT-0400"));
        }
    }

    @Test
    void retryingTheStepARunHadUnderWayWhenItTimedOutAndCompensatedIsRefusedSayingToRestartTheRun()
            throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Book(), new Wait(), new Unbook())) {
            String runId = startStay(h);
            assertThat(waitRunning.await(10, TimeUnit.SECONDS)).isTrue();
            h.clock.advance(Duration.ofSeconds(31));
            h.sweep();
            h.awaitStatus(runId, RunStatus.FAILED);

            assertThatThrownBy(() -> h.engine.retryStep(runId, "wait"))
                    .isInstanceOf(IllegalRunTransitionException.class)
                    .hasMessageContaining("NVENT-0035").hasMessageContaining("passed its deadline")
                    .hasMessageContaining("/api/nvent/runs/" + runId + "/restart");
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }

    @Test
    void aRunCompensatingWhenItsDeadlinePassesGoesOnCompensatingAndRecordsThatOnce() throws InterruptedException {
        waitFails = true;
        unbookGate = new CountDownLatch(1);
        try (EngineHarness h = new EngineHarness(new Book(), new Wait(), new Unbook())) {
            String runId = startStay(h);
            assertThat(unbookRunning.await(10, TimeUnit.SECONDS)).isTrue();

            h.clock.advance(Duration.ofSeconds(31));
            h.sweep();
            h.sweep();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            List<HistoryEvent> plans = h.eventsOf(runId, EventType.RUN_COMPENSATING);
            assertThat(plans).hasSize(2);
            assertThat(plans.get(1).data()).contains("\"deadlinePassed\":", "\"compensate\":[\"book\"]");
            unbookGate.countDown();
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("no guest came")
                    .doesNotContain("NVENT-0400"));
            assertThat(UNDONE).containsExactly("unbook room-1");
        }
    }

    @FlowStep(flow = "elsewhere", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anInstanceLackingTheFlowLeavesARunCompensatingPastItsDeadlineToAnInstanceThatHasIt()
            throws InterruptedException {
        waitFails = true;
        unbookGate = new CountDownLatch(1);
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Book(),
                new Wait(), new Unbook());
             EngineHarness lacking = new EngineHarness(store, new MemorySchedulingStore(), "instance-b", new Noop())) {
            String runId = startStay(h);
            assertThat(unbookRunning.await(10, TimeUnit.SECONDS)).isTrue();

            lacking.clock.advance(Duration.ofSeconds(31));
            lacking.sweep();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            unbookGate.countDown();
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("no guest came"));
            assertThat(UNDONE).containsExactly("unbook room-1");
        }
    }

    @Test
    void anInstanceLackingTheFlowLeavesARunningRunPastItsDeadlineToOneThatUndoesItsCompletedSteps()
            throws InterruptedException {
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Book(),
                new Wait(), new Unbook());
             EngineHarness lacking = new EngineHarness(store, new MemorySchedulingStore(), "instance-b", new Noop())) {
            String runId = startStay(h);
            assertThat(waitRunning.await(10, TimeUnit.SECONDS)).isTrue();

            lacking.clock.advance(Duration.ofSeconds(31));
            lacking.sweep();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

            h.clock.advance(Duration.ofSeconds(31));
            h.sweep();
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("unbook room-1");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).startsWith("NVENT-0400 "));
        }
    }

    @Test
    void anInstanceLackingTheFlowEndsARunPastItsDeadlineAsTimedOutOnceTheMissingStepGraceHasPassed()
            throws InterruptedException {
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Book(),
                new Wait(), new Unbook());
             EngineHarness lacking = new EngineHarness(store, new MemorySchedulingStore(), "instance-b", new Noop())) {
            String runId = startStay(h);
            assertThat(waitRunning.await(10, TimeUnit.SECONDS)).isTrue();

            lacking.clock.advance(Duration.ofSeconds(31).plus(EngineSettings.DEFAULT_MISSING_STEP_GRACE));
            lacking.sweep();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.engine.run(runId).orElseThrow().error())
                    .hasValueSatisfying(error -> assertThat(error).startsWith("NVENT-0400 "));
        }
    }

    @Test
    void anInstanceLackingTheFlowNeverFailsARunStalledInACompensationPastItsDeadlineMidCompensation()
            throws InterruptedException {
        waitFails = true;
        unbookGate = new CountDownLatch(1);
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = EngineHarness.withSettings(store, s -> new EngineSettings(s.instanceId(),
                s.webhookBaseUrl(), s.leaseDuration(), false, s.startWriteDelay()), new Book(), new Wait(),
                new Unbook());
             EngineHarness lacking = new EngineHarness(store, new MemorySchedulingStore(), "instance-b", new Noop())) {
            String runId = startStay(h);
            assertThat(unbookRunning.await(10, TimeUnit.SECONDS)).isTrue();
            await().until(() -> started(h, runId, "unbook"));
            Instant now = h.clock.instant();
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStatus(RunStatus.STALLED, now),
                    List.of(EventDraft.ofRun(EventType.FLOW_STALLED, now, "{\"previousStatus\":\"compensating\"}")))));

            lacking.clock.advance(Duration.ofSeconds(31).plus(EngineSettings.DEFAULT_MISSING_STEP_GRACE));
            lacking.sweep();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(h.types(runId)).doesNotContain("flow.failed");
        }
    }

    @Test
    void withoutStallRecoveryACompensationThatCompletesOnTheStalledRunFinishesTheCompensation()
            throws InterruptedException {
        waitFails = true;
        unbookGate = new CountDownLatch(1);
        try (EngineHarness h = EngineHarness.withSettings(CompensationEdgesTest::withoutStallRecovery, new Book(),
                new Wait(), new Unbook())) {
            String runId = h.engine.start("stay", null);
            assertThat(unbookRunning.await(10, TimeUnit.SECONDS)).isTrue();
            await().until(() -> started(h, runId, "unbook"));
            markStalled(h, runId);

            unbookGate.countDown();   // the compensation was slow, not lost: it completes

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("no guest came"));
            assertThat(h.types(runId)).containsSubsequence("flow.stalled", "step.completed", "run.compensated",
                    "flow.failed");
        }
    }

    // ------------------------------------------------------------ a step completing while the run compensates

    static volatile CountDownLatch flyRunning;
    static volatile CountDownLatch flyGate;
    static volatile CountDownLatch payGo;
    static volatile CountDownLatch shutRunning;
    static volatile CountDownLatch shutGate;
    /** The thread of the last {@code shut} as it returns: the one that records its completion. */
    static volatile Thread shutReturning;
    static volatile boolean shutFails;
    static volatile boolean unflyFails;
    static volatile CountDownLatch waveGate;

    @FlowStep(flow = "gate", name = "open", role = StepRole.ENTRY, emits = "opened", compensation = "shut")
    static class Open implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("opened", Map.of());
            return "door-1";
        }
    }

    /** Ignores the stop: returns once let go. */
    @FlowStep(flow = "gate", name = "fly", subscribes = "opened", compensation = "unfly")
    static class Fly implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            flyRunning.countDown();
            EngineStopTest.awaitAsADatabaseCallWould(flyGate);   // ignores the stop
            return "seat-9";
        }
    }

    /** Names no compensation, and ignores the stop: returns once let go. */
    @FlowStep(flow = "gate", name = "wave", subscribes = "opened")
    static class Wave implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            EngineStopTest.awaitAsADatabaseCallWould(waveGate);   // ignores the stop
            return "hand-1";
        }
    }

    @FlowStep(flow = "gate", name = "pay", subscribes = "opened", maxAttempts = 1)
    static class Pay implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            payGo.await(10, TimeUnit.SECONDS);
            throw new IllegalStateException("card declined");
        }
    }

    @FlowStep(flow = "gate", name = "shut", role = StepRole.COMPENSATION)
    static class Shut implements Step<String, Void> {
        @Override
        public Void execute(String door, StepContext ctx) throws InterruptedException {
            shutRunning.countDown();
            shutGate.await(10, TimeUnit.SECONDS);
            if (shutFails) {
                throw new NonRetryableStepException("the door is stuck");
            }
            UNDONE.add("shut " + door);
            shutReturning = Thread.currentThread();
            return null;
        }
    }

    @FlowStep(flow = "gate", name = "unfly", role = StepRole.COMPENSATION)
    static class Unfly implements Step<String, Void> {
        @Override
        public Void execute(String seat, StepContext ctx) {
            if (unflyFails) {
                throw new NonRetryableStepException("the airline is closed");
            }
            UNDONE.add("unfly " + seat + " of " + ctx.compensating().orElseThrow().compensatedStep());
            return null;
        }
    }

    @BeforeEach
    void closeGates() {
        flyRunning = new CountDownLatch(1);
        flyGate = new CountDownLatch(1);
        payGo = new CountDownLatch(1);
        shutRunning = new CountDownLatch(1);
        shutGate = new CountDownLatch(1);
        shutReturning = null;
        shutFails = false;
        unflyFails = false;
        unlockFails = false;
        waveGate = new CountDownLatch(1);
    }

    @Test
    void aStepThatCompletesWhileTheRunCompensatesIsRecordedAndUndoneNextAfterTheCompensationUnderWay()
            throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Open(), new Fly(), new Pay(), new Shut(), new Unfly())) {
            String runId = h.engine.start("gate", null);
            // fly runs long enough for its start to be stored, then pay fails for good
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            assertThat(shutRunning.await(10, TimeUnit.SECONDS)).isTrue();

            flyGate.countDown();   // fly ignored the stop and completes now
            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.RUN_COMPENSATING).size() == 2);
            shutGate.countDown();

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined"));
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).anySatisfy(entry -> assertThat(entry.data())
                    .contains("\"result\":\"seat-9\"", "completed while the run compensated"));
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING).get(1).data())
                    .contains("\"compensate\":[\"open\",\"fly\"]", "\"by\":[\"shut\",\"unfly\"]", "\"added\":\"fly\"");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED).get(0).data())
                    .contains("\"compensated\":[\"open\",\"fly\"]");
        }
    }

    @Test
    void aStepCompletingAfterTheLastCompensationEndedTheRunIsRecordedAsNotUndoneInsteadOfDroppedSilently()
            throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Open(), new Fly(), new Pay(), new Shut(), new Unfly())) {
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            shutGate.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);   // the last compensation's write lands first

            flyGate.countDown();   // fly, which ignored the stop, completes after the run ended

            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.STEP_COMPLETED).stream()
                    .anyMatch(entry -> entry.data().contains("notCompensated")));
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).filteredOn(entry -> entry.step()
                    .filter("fly"::equals).isPresent()).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"result\":\"seat-9\"", "\"notCompensated\":true", "\"compensation\":\"unfly\""));
            assertThat(UNDONE).containsExactly("shut door-1");
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }

    /** An engine running the flow gate (open, fly, pay; shut, unfly) on {@code store}. */
    private static EngineHarness gateOn(MemoryFlowStore store) {
        return new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Open(), new Fly(), new Pay(),
                new Shut(), new Unfly());
    }

    /** Whether this thread is recording a late completion as not undone (the engine's {@code recordNotUndone}). */
    static boolean recordingNotUndone() {
        return StackWalker.getInstance().walk(frames -> frames
                .anyMatch(f -> f.getMethodName().equals("recordNotUndone")));
    }

    /**
     * Another stale delivery of the same attempt recording its late completion just as this one reads the run: the
     * entry it writes, as the engine writes it, lands between this one's read of the run and its own write.
     */
    static final class RacedByAnotherDelivery extends MemoryFlowStore {
        final AtomicBoolean raced = new AtomicBoolean();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            Optional<RunRecord> read = super.findRun(runId);
            if (recordingNotUndone() && raced.compareAndSet(false, true)) {
                super.updateRun(runId, run -> Optional.of(new RunChange(run, List.of(EventDraft.ofStep(
                        EventType.STEP_COMPLETED, "fly", 1, Instant.EPOCH, "{\"result\":\"seat-9\",\"reason\":"
                                + "\"completed after the run's compensation ended: not undone\",\"notCompensated\":true,"
                                + "\"compensation\":\"unfly\"}")))));
            }
            return read;
        }
    }

    @Test
    void twoStaleDeliveriesOfAStepCompletingAfterTheCompensationEndedRecordItAsNotUndoneOnce()
            throws InterruptedException {
        RacedByAnotherDelivery store = new RacedByAnotherDelivery();
        try (EngineHarness h = gateOn(store)) {
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            shutGate.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);

            flyGate.countDown();

            await().atMost(Duration.ofSeconds(10)).untilTrue(store.raced);
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).filteredOn(entry -> entry.step()
                    .filter("fly"::equals).isPresent()).as("one notCompensated entry").singleElement();
        }
    }

    /**
     * What recording a late completion as not undone meets: {@code FAILING} the store refusing the write,
     * {@code BUSY} the run changing between each read and write, {@code RETRIED} the step retried by an operator
     * just after the read.
     */
    static final class LateRecordingStore extends MemoryFlowStore {
        enum Meets { FAILING, BUSY, RETRIED }

        final Meets meets;
        final AtomicBoolean met = new AtomicBoolean();

        LateRecordingStore(Meets meets) {
            this.meets = meets;
        }

        @Override
        public Optional<RunRecord> findRun(String runId) {
            Optional<RunRecord> read = super.findRun(runId);
            if (recordingNotUndone() && meets != Meets.FAILING
                    && (meets == Meets.BUSY || met.compareAndSet(false, true))) {
                met.set(true);
                super.updateRun(runId, run -> Optional.of(new RunChange(meets == Meets.BUSY ? run
                        : run.withStep("fly", StepStatus.QUEUED), List.of())));
            }
            return read;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (meets == Meets.FAILING && recordingNotUndone()) {
                met.set(true);
                throw new IllegalStateException("database away");
            }
            return super.updateRun(runId, mutation);
        }
    }

    private static List<String> lateCompletionMeeting(LateRecordingStore store) throws InterruptedException {
        try (EngineHarness h = gateOn(store);
             RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(FlowEngine.class)) {
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            shutGate.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);

            flyGate.countDown();

            await().atMost(Duration.ofSeconds(10)).untilTrue(store.met);
            await().pollDelay(Duration.ofMillis(300)).until(() -> true);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).filteredOn(entry -> entry.step()
                    .filter("fly"::equals).isPresent()).as("no notCompensated entry").isEmpty();
            synchronized (log) {
                return log.logged.stream().filter(line -> line.startsWith("NVENT-0033")
                        || line.startsWith("NVENT-0045")).toList();
            }
        }
    }

    @Test
    void aLateCompletionTheStoreRefusesToRecordIsWarnedOfAsNotRecordedNotAsInTheHistory()
            throws InterruptedException {
        assertThat(lateCompletionMeeting(new LateRecordingStore(LateRecordingStore.Meets.FAILING))).singleElement()
                .satisfies(line -> assertThat(line).startsWith("NVENT-0045 run ").contains("step fly completed after",
                        "unfly does not undo it", "not recorded in the run's history (database away)",
                        "Undo it by hand from its result: \"seat-9\""));
    }

    @Test
    void aLateCompletionOfARunThatKeepsChangingIsWarnedOfNotDroppedSilently() throws InterruptedException {
        assertThat(lateCompletionMeeting(new LateRecordingStore(LateRecordingStore.Meets.BUSY))).singleElement()
                .satisfies(line -> assertThat(line).startsWith("NVENT-0045 run ").contains("step fly completed after",
                        "not recorded in the run's history (the run kept changing)",
                        "Undo it by hand from its result: \"seat-9\""));
    }

    @Test
    void aLateCompletionOfAStepRetriedSinceRecordsNothingAndWarnsOfNothing() throws InterruptedException {
        assertThat(lateCompletionMeeting(new LateRecordingStore(LateRecordingStore.Meets.RETRIED))).isEmpty();
    }

    @Test
    void aStepCompletingWhileTheRunIsStalledInACompensationIsUndoneWhenTheCompensationGoesOn()
            throws InterruptedException {
        try (EngineHarness h = EngineHarness.withSettings(CompensationEdgesTest::withoutStallRecovery, new Open(),
                new Fly(), new Pay(), new Shut(), new Unfly())) {
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            assertThat(shutRunning.await(10, TimeUnit.SECONDS)).isTrue();
            await().until(() -> started(h, runId, "shut"));
            markStalled(h, runId);

            flyGate.countDown();   // fly, which ignored the stop, completes on the stalled run
            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.RUN_COMPENSATING).size() == 2);
            shutGate.countDown();

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined"));
        }
    }

    // ------------------------------------------------------------ a late step racing the last compensation

    /**
     * Holds the completion of {@code shut} (the last compensation) after it read the run and before it reads the
     * plan, until the late step {@code fly} is added to the plan; if {@link #stopAfterCompletion}, the instance
     * then "stops" right after the completion's own write (the next read of the run on that thread fails).
     */
    static final class RacingStore extends MemoryFlowStore {
        final CountDownLatch lateAdded = new CountDownLatch(1);
        final AtomicBoolean held = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile boolean stopAfterCompletion;

        @Override
        public List<HistoryEvent> readEvents(String runId, EventQuery query) {
            if (Thread.currentThread() == shutReturning && query.types().equals(Set.of(EventType.RUN_COMPENSATING))
                    && held.compareAndSet(false, true)) {
                try {
                    lateAdded.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.readEvents(runId, query);
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            Optional<StoredChange> change = super.updateRun(runId, mutation);
            change.ifPresent(c -> {
                if (c.events().stream().anyMatch(e -> e.data().contains("\"added\":\"fly\""))) {
                    lateAdded.countDown();
                }
                if (stopAfterCompletion && Thread.currentThread() == shutReturning
                        && c.run().steps().get("shut") == StepStatus.COMPLETED
                        && c.run().status() == RunStatus.COMPENSATING) {
                    stop.set(true);
                }
            });
            return change;
        }

        @Override
        public Optional<RunRecord> findRun(String runId) {
            if (Thread.currentThread() == shutReturning && stop.compareAndSet(true, false)) {
                throw new IllegalStateException("the store went away");
            }
            return super.findRun(runId);
        }
    }

    private static String compensateWithFlyLate(EngineHarness h) throws InterruptedException {
        String runId = h.engine.start("gate", null);
        await().until(() -> started(h, runId, "fly"));
        payGo.countDown();
        assertThat(shutRunning.await(10, TimeUnit.SECONDS)).isTrue();
        shutGate.countDown();   // shut, the last compensation, completes; its completion is held as it reads
        await().until(() -> shutReturning != null);
        flyGate.countDown();    // while fly, which ignored the stop, completes
        return runId;
    }

    @Test
    void aStepCompletingLateAsTheLastCompensationCompletesIsUndoneOnceBeforeTheRunEnds() throws InterruptedException {
        RacingStore store = new RacingStore();
        try (EngineHarness h = gateOn(store)) {
            String runId = compensateWithFlyLate(h);

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(store.held).isTrue();
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined"));
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"compensated\":[\"open\",\"fly\"]"));
        }
    }

    @Test
    void aCompensatingRunLeftWithNothingQueuedAsItsInstanceStoppedIsTakenOnByTheSweep() throws InterruptedException {
        RacingStore store = new RacingStore();
        store.stopAfterCompletion = true;
        try (EngineHarness h = gateOn(store)) {
            String runId = compensateWithFlyLate(h);
            await().until(() -> store.held.get() && !store.stop.get()
                    && h.engine.run(runId).orElseThrow().steps().get("shut") == StepStatus.COMPLETED);

            // the lost-job check runs once a lease duration, and takes on a run that sat still between two
            for (int check = 0; check < 3; check++) {
                h.clock.advance(Duration.ofMinutes(1));
                h.sweep();
            }

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined"));
        }
    }

    // ------------------------------------------------------------ the edges session 54 left open

    private static EngineSettings withoutStallRecovery(EngineSettings s) {
        return new EngineSettings(s.instanceId(), s.webhookBaseUrl(), s.leaseDuration(), false, s.startWriteDelay());
    }

    private static boolean started(EngineHarness h, String runId, String step) {
        return h.eventsOf(runId, EventType.STEP_STARTED).stream()
                .anyMatch(entry -> entry.step().filter(step::equals).isPresent());
    }

    /**
     * Marks the compensating run stalled, as a redelivery of its job does while the compensation still holds its
     * lease (NVENT-0157).
     */
    private static void markStalled(EngineHarness h, String runId) {
        Instant now = h.clock.instant();
        h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStatus(RunStatus.STALLED, now),
                List.of(EventDraft.ofRun(EventType.FLOW_STALLED, now, "{\"previousStatus\":\"compensating\"}")))));
    }

    private static List<HistoryEvent> completionsOf(EngineHarness h, String runId, String step) {
        return h.eventsOf(runId, EventType.STEP_COMPLETED).stream()
                .filter(entry -> entry.step().filter(step::equals).isPresent()).toList();
    }

    @Test
    void aStepNamingNoCompensationThatCompletesWhileTheRunIsStalledInACompensationIsRecordedWithNothingToUndo()
            throws InterruptedException {
        try (EngineHarness h = EngineHarness.withSettings(CompensationEdgesTest::withoutStallRecovery, new Open(),
                new Wave(), new Pay(), new Shut())) {
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "wave"));
            payGo.countDown();
            assertThat(shutRunning.await(10, TimeUnit.SECONDS)).isTrue();
            await().until(() -> started(h, runId, "shut"));
            markStalled(h, runId);

            waveGate.countDown();   // wave, which ignored the stop, completes on the stalled run
            await().atMost(Duration.ofSeconds(10)).until(() -> !completionsOf(h, runId, "wave").isEmpty());
            shutGate.countDown();

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(completionsOf(h, runId, "wave")).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"result\":\"hand-1\"", "\"reason\":\"completed while the run compensated; it names no"
                            + " compensation: nothing to undo\""));
            assertThat(run.steps()).containsEntry("wave", StepStatus.COMPLETED);
            assertThat(UNDONE).containsExactly("shut door-1");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).as("the plan is unchanged").hasSize(1);
        }
    }

    /** A run whose compensation {@code shut} failed for good, {@code fly} completing after: recorded as not undone. */
    private static String compensationFailedWithFlyNotUndone(EngineHarness h) {
        shutFails = true;
        shutGate.countDown();
        String runId = h.engine.start("gate", null);
        await().until(() -> started(h, runId, "fly"));
        payGo.countDown();
        h.awaitStatus(runId, RunStatus.FAILED);
        flyGate.countDown();   // fly, which ignored the stop, completes after the compensation ended
        await().atMost(Duration.ofSeconds(10)).until(() -> completionsOf(h, runId, "fly").stream()
                .anyMatch(entry -> entry.data().contains("\"notCompensated\":true")));
        shutFails = false;
        return runId;
    }

    @Test
    void retryingAFailedCompensationAlsoUndoesAStepRecordedAsNotUndone() throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Open(), new Fly(), new Pay(), new Shut(), new Unfly())) {
            String runId = compensationFailedWithFlyNotUndone(h);

            h.engine.retryStep(runId, "shut");

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined")
                    .doesNotContain("door is stuck"));
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).hasSize(2).last().satisfies(entry ->
                    assertThat(entry.data()).contains("\"compensate\":[\"open\",\"fly\"]",
                            "\"by\":[\"shut\",\"unfly\"]", "\"retried\":\"shut\"", "\"takenIn\":[\"fly\"]"));
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"compensated\":[\"open\",\"fly\"]"));
        }
    }

    @Test
    void aStepRecordedAsNotUndoneIsTakenInOnceThoughItsCompensationFailsAndIsRetriedInTurn()
            throws InterruptedException {
        try (EngineHarness h = new EngineHarness(new Open(), new Fly(), new Pay(), new Shut(), new Unfly())) {
            String runId = compensationFailedWithFlyNotUndone(h);
            unflyFails = true;
            h.engine.retryStep(runId, "shut");
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("unfly") == StepStatus.FAILED);
            h.awaitStatus(runId, RunStatus.FAILED);
            unflyFails = false;

            h.engine.retryStep(runId, "unfly");

            h.awaitStatus(runId, RunStatus.FAILED);
            await().until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).as("fly taken in by the first retry only")
                    .hasSize(2);
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"compensated\":[\"open\",\"fly\"]"));
        }
    }

    /** An operator retrying the failed compensation just as a step completing late reads the run to record it. */
    static final class RetriedAsRecorded extends MemoryFlowStore {
        volatile Runnable retry;
        final AtomicBoolean retried = new AtomicBoolean();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            Optional<RunRecord> read = super.findRun(runId);
            if (recordingNotUndone() && retry != null && retried.compareAndSet(false, true)) {
                retry.run();
            }
            return read;
        }
    }

    @Test
    void aStepCompletingAsAnOperatorRetriesTheFailedCompensationIsUndoneByTheRetriedCompensation()
            throws InterruptedException {
        RetriedAsRecorded store = new RetriedAsRecorded();
        try (EngineHarness h = gateOn(store)) {
            shutFails = true;
            shutGate.countDown();
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly"));
            payGo.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);
            shutFails = false;
            shutGate = new CountDownLatch(1);
            store.retry = () -> h.engine.retryStep(runId, "shut");

            flyGate.countDown();   // fly, which ignored the stop, completes as the operator retries shut

            await().atMost(Duration.ofSeconds(10)).untilTrue(store.retried);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.RUN_COMPENSATING).stream()
                    .anyMatch(entry -> entry.data().contains("\"added\":\"fly\"")));
            shutGate.countDown();
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            await().until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());
            assertThat(UNDONE).containsExactly("shut door-1", "unfly seat-9 of fly");
            assertThat(completionsOf(h, runId, "fly")).singleElement();
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("card declined"));
        }
    }

    @Test
    void aStepNamingNoCompensationThatCompletesAfterTheCompensationEndedIsRecordedOnceWithNothingToUndo() {
        try (EngineHarness h = new EngineHarness(new Open(), new Wave(), new Pay(), new Shut())) {
            shutGate.countDown();
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "wave"));
            payGo.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);
            await().until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());

            waveGate.countDown();   // wave, which ignored the stop, completes after the compensation ended

            await().atMost(Duration.ofSeconds(10)).until(() -> !completionsOf(h, runId, "wave").isEmpty());
            assertThat(completionsOf(h, runId, "wave")).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"result\":\"hand-1\"", "\"reason\":\"completed after the run's compensation ended;"
                            + " it names no compensation: nothing to undo\"").doesNotContain("notCompensated"));
            RunInfo run = h.engine.run(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.steps()).containsEntry("wave", StepStatus.CANCELED);
            assertThat(UNDONE).containsExactly("shut door-1");
        }
    }

    static volatile boolean unlockFails;

    /** Completes at once, before pay fails: undone first, by {@code unlock}. */
    @FlowStep(flow = "gate", name = "lock", subscribes = "opened", compensation = "unlock")
    static class Lock implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "lock-3";
        }
    }

    @FlowStep(flow = "gate", name = "unlock", role = StepRole.COMPENSATION, maxAttempts = 1)
    static class Unlock implements Step<String, Void> {
        @Override
        public Void execute(String lock, StepContext ctx) {
            if (unlockFails) {
                throw new NonRetryableStepException("the key broke");
            }
            UNDONE.add("unlock " + lock);
            return null;
        }
    }

    @Test
    void aStepRecordedAsNotUndoneThatARetryUndidIsNotUndoneAgainByTheRetryOfALaterCompensation() {
        try (EngineHarness h = new EngineHarness(new Open(), new Lock(), new Fly(), new Pay(), new Shut(),
                new Unlock(), new Unfly())) {
            unlockFails = true;
            shutGate.countDown();
            String runId = h.engine.start("gate", null);
            await().until(() -> started(h, runId, "fly") && !completionsOf(h, runId, "lock").isEmpty());
            payGo.countDown();
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("unlock") == StepStatus.FAILED);
            h.awaitStatus(runId, RunStatus.FAILED);
            flyGate.countDown();   // fly, which ignored the stop, completes after the compensation ended
            await().atMost(Duration.ofSeconds(10)).until(() -> completionsOf(h, runId, "fly").stream()
                    .anyMatch(entry -> entry.data().contains("\"notCompensated\":true")));
            unlockFails = false;
            shutFails = true;
            h.engine.retryStep(runId, "unlock");   // takes fly in: unlock, unfly, then shut fails
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("shut") == StepStatus.FAILED);
            h.awaitStatus(runId, RunStatus.FAILED);
            shutFails = false;

            h.engine.retryStep(runId, "shut");

            await().until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());
            assertThat(UNDONE).containsExactly("unlock lock-3", "unfly seat-9 of fly", "shut door-1");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).as("fly taken in by the first retry only")
                    .hasSize(2);
        }
    }
}

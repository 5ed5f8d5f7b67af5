package io.nvent.cdi.internal.engine;

import io.nvent.AwaitRegistered;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Overlap;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStarted;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.engine.TriggerOverlapTest.Export;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ConcurrencyKeyClaim;
import io.nvent.spi.FlowStore;
import io.nvent.testkit.LogRecorder;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A skipping trigger fired on two instances at the same moment: the store decides which fire starts its run, the other
 * is skipped, also when both looked at what was under way before either had started one.
 */
class TriggerOverlapAcrossInstancesTest {

    private static final String TRIGGER = "by-hand";

    /**
     * A scheduling store whose look at the runs waiting for the trigger's key waits, while armed, until both instances
     * look: their fires both see nothing under way, the interleaving the narrow window of two instances allows.
     */
    static class LookingTogether extends MemorySchedulingStore {
        volatile CyclicBarrier together;

        /** Arms the next looks at the key: each waits, having read, until the other instance has read too. */
        void lookTogether() {
            together = new CyclicBarrier(2, () -> together = null);
        }

        @Override
        public List<AwaitRecord> waitingForEvent(String key) {
            List<AwaitRecord> waiting = blindThenAfterSettle != null && key.equals(Overlap.keyOf(TRIGGER)) ? List.of()
                    : super.waitingForEvent(key);
            CyclicBarrier armed = together;
            if (armed != null && key.equals(Overlap.keyOf(TRIGGER))) {
                try {
                    armed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new IllegalStateException("the other instance never looked at the key", e);
                }
            }
            return waiting;
        }

        /** Tells the store which thread fires on the second instance ({@link TwoInstances#fireTogether}). */
        void secondFiresOn(Thread thread) {
        }

        /** Tells the store that the fire on the first instance returned. */
        void firstFired() {
        }

        /** Whether settles of the trigger's key fail, as a store away does. */
        volatile boolean away;

        /**
         * While set, the next look at the trigger's key sees nothing under way (as a look on another instance at the
         * same moment does), and the settle after it runs this once it has decided: what happens before its caller
         * acts on the decision.
         */
        volatile Runnable blindThenAfterSettle;

        @Override
        public List<String> concurrencyKeyHolderList(String key) {
            return blindThenAfterSettle != null && key.equals(Overlap.keyOf(TRIGGER)) ? List.of()
                    : super.concurrencyKeyHolderList(key);
        }

        @Override
        public List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
            if (away && key.equals(Overlap.keyOf(TRIGGER))) {
                throw new IllegalStateException("store away");
            }
            Runnable after = key.equals(Overlap.keyOf(TRIGGER)) ? blindThenAfterSettle : null;
            blindThenAfterSettle = null;
            List<String> holders = super.settleConcurrencyKeyHolders(runs, key, now);
            if (after != null) {
                after.run();
            }
            return holders;
        }
    }

    /** An export that a cancel does not stop: it goes on, interrupted or not, until the test lets it end. */
    @FlowStep(flow = "stubborn-export", name = "export", role = StepRole.ENTRY)
    public static class StubbornExport implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            String tick = (String) input.get("scheduledAt");
            TriggerOverlapTest.STARTED.add(tick);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        if (!TriggerOverlapTest.GATES.computeIfAbsent(tick, t -> new CountDownLatch(1))
                                .await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the test never let the export of " + tick + " end");
                        }
                        return tick;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @BeforeEach
    void reset() {
        TriggerOverlapTest.STARTED.clear();
        TriggerOverlapTest.GATES.clear();
    }

    /** An instance over a new store of runs and {@code scheduling}, with the manual trigger of the flow and policy. */
    private static EngineHarness instance(LookingTogether scheduling, Overlap overlap, String flow, Step<?, ?> step) {
        return instance(new MemoryFlowStore(), scheduling, overlap, flow, step);
    }

    private static EngineHarness instance(MemoryFlowStore runs, LookingTogether scheduling, Overlap overlap,
                                          String flow, Step<?, ?> step) {
        EngineHarness a = new EngineHarness(runs, scheduling, "instance-a", step);
        try {
            a.triggers.create(TriggerSpec.newBuilder(TRIGGER, TriggerType.MANUAL).flow(flow).overlap(overlap).build());
            return a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /** Fires the trigger for a tick and waits until the run's step runs. */
    private static String firstRun(EngineHarness h, String tick) {
        String run = h.triggers.fire(TRIGGER, payload(tick)).get(0);
        awaitStep(tick);
        return run;
    }

    private static String payload(String tick) {
        return "{\"scheduledAt\":\"" + tick + "\"}";
    }

    private static void awaitStep(String tick) {
        await().atMost(Duration.ofSeconds(10)).until(() -> TriggerOverlapTest.STARTED.contains(tick));
    }

    /** Lets the step of a tick's run end. */
    private static void letEnd(String tick) {
        TriggerOverlapTest.GATES.computeIfAbsent(tick, t -> new CountDownLatch(1)).countDown();
    }

    /** Lets the step of a tick's run end, and waits until the run has completed. */
    private static void letEndAndAwaitCompleted(EngineHarness h, String tick, String runId) {
        letEnd(tick);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(h.engine.run(runId))
                .hasValueSatisfying(run -> assertThat(run.status().wireName()).isEqualTo("completed")));
    }

    /**
     * Two instances over one store, with a trigger of one flow and an overlap policy, firing on threads named
     * {@code fire-on-1} and {@code fire-on-2}.
     */
    private static final class TwoInstances implements AutoCloseable {
        final LookingTogether scheduling;
        final EngineHarness a;
        final EngineHarness b;
        final ExecutorService pool;

        /** The second instance's clock as the first's. */
        TwoInstances(LookingTogether scheduling, Overlap overlap, String flow, Step<?, ?> onA, Step<?, ?> onB) {
            this(scheduling, overlap, flow, onA, onB, EngineHarness.START);
        }

        TwoInstances(LookingTogether scheduling, Overlap overlap, String flow, Step<?, ?> onA, Step<?, ?> onB,
                     Instant clockOfB) {
            this.scheduling = scheduling;
            AtomicInteger threads = new AtomicInteger();
            pool = Executors.newFixedThreadPool(2, task -> new Thread(task, "fire-on-" + threads.incrementAndGet()));
            a = instance(scheduling, overlap, flow, onA);
            b = EngineHarness.beside(a, "instance-b", settings -> settings, clockOfB, onB);
        }

        /** Over a store that stores the second instance's run once the first's fire returned, its clock 5 s behind. */
        static TwoInstances skewed(Overlap overlap, String flow, Step<?, ?> onA, Step<?, ?> onB) {
            return new TwoInstances(new SecondStoresAfterFirstFired(), overlap, flow, onA, onB,
                    EngineHarness.START.minusSeconds(5));
        }

        Future<List<String>> fireOnA(String tick) {
            return pool.submit(() -> a.triggers.fire(TRIGGER, payload(tick)));
        }

        Future<List<String>> fireOnB(String tick) {
            return pool.submit(() -> {
                scheduling.secondFiresOn(Thread.currentThread());
                return b.triggers.fire(TRIGGER, payload(tick));
            });
        }

        /**
         * Fires the trigger on both instances at the same moment, both looking at what is under way before either
         * stored a run.
         *
         * @return the runs the fire on the first instance started, then those of the second's
         */
        List<List<String>> fireTogether(String tickOnA, String tickOnB) throws Exception {
            scheduling.lookTogether();
            Future<List<String>> onA = fireOnA(tickOnA);
            Future<List<String>> onB = fireOnB(tickOnB);
            List<String> ofA = onA.get(10, TimeUnit.SECONDS);
            scheduling.firstFired();
            List<String> ofB = onB.get(10, TimeUnit.SECONDS);
            scheduling.together = null;
            return List.of(ofA, ofB);
        }

        /** The runs both fires started. */
        List<String> fireBoth(String tick) throws Exception {
            return fireTogether(tick, tick).stream().flatMap(List::stream).toList();
        }

        List<TriggerEvent> skipped() {
            return a.triggers.history(TRIGGER, 100).stream().filter(e -> e.type().equals("trigger.skipped")).toList();
        }

        /** The runs both instances told started. */
        List<String> told() {
            return java.util.stream.Stream.of(a, b).flatMap(h -> h.hooksOf(RunStarted.class).stream())
                    .map(RunStarted::runId).toList();
        }

        @Override
        public void close() {
            scheduling.firstFired();
            pool.shutdownNow();
            b.close();
            a.close();
        }
    }

    @Test
    void firesOfASkippingTriggerOnTwoInstancesAtTheSameMomentStartOneRunAndSkipTheOther() throws Exception {
        try (TwoInstances both = new TwoInstances(new LookingTogether(), Overlap.SKIP, "export", new Export(),
                new Export())) {
            EngineHarness a = both.a;
            EngineHarness b = both.b;
            int rounds = 10;
            for (int round = 0; round < rounds; round++) {
                String export = "round-" + round;
                List<String> started = both.fireBoth(export);

                assertThat(started).as("runs started in round %s", round).hasSize(1);
                assertThat(runs(a)).as("runs stored after round %s", round).hasSize(round + 1);
                awaitStep(export);
                letEndAndAwaitCompleted(a, export, started.get(0));
            }

            assertThat(TriggerOverlapTest.STARTED).as("one export a round, none buffered behind another")
                    .hasSize(rounds).doesNotHaveDuplicates();
            assertThat(a.triggers.history(TRIGGER, 100)).filteredOn(e -> e.type().equals("trigger.skipped"))
                    .as("each losing fire recorded").hasSize(rounds)
                    .allSatisfy(entry -> assertThat(entry.data()).contains("\"overlap\":\"skip\"", "\"runUnderWay\":"));
            assertThat(a.triggers.history(TRIGGER, 100)).filteredOn(e -> e.type().equals("trigger.fired"))
                    .hasSize(rounds);
            List<String> told = both.told();
            assertThat(told).as("a removed run is never told started").containsExactlyInAnyOrderElementsOf(
                    runs(a).stream().map(RunInfo::runId).toList());
            List<String> waited = new ArrayList<>();
            a.hooksOf(AwaitRegistered.class).forEach(registered -> waited.add(registered.await().runId()));
            b.hooksOf(AwaitRegistered.class).forEach(registered -> waited.add(registered.await().runId()));
            assertThat(waited).as("nor told waiting for the key").containsExactlyInAnyOrderElementsOf(told);
        }
    }

    @Test
    void aFireWhoseClaimTheStoreCannotDecideStartsItsRunWhichWaitsItsTurnAsBefore() {
        LookingTogether scheduling = new LookingTogether();
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness a = instance(scheduling, Overlap.SKIP, "export", new Export())) {
            scheduling.away = true;

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"away\"}");

            assertThat(started).as("not skipped: nothing was decided").hasSize(1);
            assertThat(a.triggers.history(TRIGGER, 1).get(0).type()).isEqualTo("trigger.fired");
            assertThat(log.messagesContaining("NVENT-0452")).singleElement().satisfies(line -> assertThat(line)
                    .contains("run " + started.get(0), "'" + Overlap.keyOf(TRIGGER) + "'", "store away"));
            scheduling.away = false;
            a.sweep();   // the key check finds the key waited for and held by none
            awaitStep("away");
            letEnd("away");
        }
    }

    @Test
    void aFireThatLostToARunEndingBeforeItsRunIsRemovedKeepsThatRunWhoseStepTheKeyLetGoOn() {
        LookingTogether scheduling = new LookingTogether();
        try (EngineHarness a = instance(scheduling, Overlap.SKIP, "export", new Export())) {
            String first = firstRun(a, "first");
            // The fire's claim finds the first run holding the key; before the fire removes its run, the first run
            // ends and hands the key on to that run, whose step is queued and taken.
            scheduling.blindThenAfterSettle = () -> {
                letEnd("first");
                awaitStep("second");
            };

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"second\"}");

            letEnd("second");
            assertThat(started).as("the run whose step ran is the fire's, not skipped").hasSize(1);
            assertThat(a.triggers.history(TRIGGER, 1).get(0).type()).isEqualTo("trigger.fired");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.engine.run(started.get(0)))
                    .hasValueSatisfying(run -> assertThat(run.status().wireName()).isEqualTo("completed")));
            assertThat(a.engine.run(first).orElseThrow().status().wireName()).isEqualTo("completed");
        }
    }

    @Test
    void aLosingRunTheStoreCannotDeleteStaysCanceledAndItsFireIsSkipped() {
        LookingTogether scheduling = new LookingTogether();
        MemoryFlowStore runs = new MemoryFlowStore() {
            @Override
            public java.util.OptionalLong deleteFinishedRun(String runId, long version) {
                throw new IllegalStateException("store away");
            }
        };
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness a = instance(runs, scheduling, Overlap.SKIP, "export", new Export())) {
            String first = firstRun(a, "first");
            scheduling.blindThenAfterSettle = () -> { };

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"second\"}");

            assertThat(started).as("the fire lost to the first run").isEmpty();
            assertThat(a.triggers.history(TRIGGER, 1).get(0).data()).contains("\"runUnderWay\":\"" + first + "\"");
            String lost = runs(a).stream().map(RunInfo::runId).filter(run -> !run.equals(first)).findFirst().orElseThrow();
            assertThat(a.engine.run(lost).orElseThrow().status().wireName()).isEqualTo("canceled");
            assertThat(log.messagesContaining("NVENT-0456")).singleElement().satisfies(line -> assertThat(line)
                    .contains("run " + lost, "never runs", "store away"));
            assertThat(a.hooksOf(RunStarted.class)).extracting(RunStarted::runId).containsExactly(first);
            letEnd("first");
        }
    }

    @Test
    void aFireWhileACanceledRunsStepStillRunsStartsItsRunWhichWaitsForThatStepAndSaysSo() {
        LookingTogether scheduling = new LookingTogether();
        try (EngineHarness a = instance(scheduling, Overlap.SKIP, "stubborn-export", new StubbornExport())) {
            String canceled = firstRun(a, "canceled");
            assertThat(a.engine.cancel(canceled)).isTrue();   // its step goes on, holding the key until it ends

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"next\"}");

            assertThat(started).as("a canceled run is not under way: the fire is not skipped").hasSize(1);
            assertThat(a.triggers.history(TRIGGER, 1).get(0).type()).isEqualTo("trigger.fired");
            assertThat(a.engine.waits(started.get(0))).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("held by run " + canceled, "canceled", "still runs"));
            assertThat(TriggerOverlapTest.STARTED).as("no step beside the canceled run's").doesNotContain("next");
            letEnd("canceled");
            awaitStep("next");
            letEndAndAwaitCompleted(a, "next", started.get(0));
        }
    }

    @Test
    void firesOnTwoInstancesWhileACanceledRunsStepStillRunsStartOneRunAndSkipTheOtherForIt() throws Exception {
        try (TwoInstances both = new TwoInstances(new LookingTogether(), Overlap.SKIP, "stubborn-export",
                new StubbornExport(), new StubbornExport())) {
            EngineHarness a = both.a;
            String canceled = firstRun(a, "canceled");
            assertThat(a.engine.cancel(canceled)).isTrue();

            List<String> started = both.fireBoth("next");

            assertThat(started).as("one of the racing fires starts its run").hasSize(1);
            assertThat(both.skipped()).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"runUnderWay\":\"" + started.get(0) + "\""));
            letEnd("canceled");
            awaitStep("next");
            letEndAndAwaitCompleted(a, "next", started.get(0));
        }
    }

    @Test
    void firesOfABufferingTriggerOnTwoInstancesAtTheSameMomentKeepOneRunWaitingAndSkipTheOther() throws Exception {
        try (TwoInstances both = new TwoInstances(new LookingTogether(), Overlap.BUFFER_ONE, "export", new Export(),
                new Export())) {
            EngineHarness a = both.a;
            String first = firstRun(a, "first");

            List<String> started = both.fireBoth("next");

            assertThat(started).as("one run waits behind the first, not two").hasSize(1);
            assertThat(runs(a)).as("the other removed").hasSize(2);
            assertThat(both.skipped()).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"overlap\":\"buffer-one\"", "\"runUnderWay\":\"" + started.get(0) + "\""));
            assertThat(both.told()).as("the removed run is never told started")
                    .containsExactlyInAnyOrder(first, started.get(0));
            letEnd("first");
            awaitStep("next");
            letEndAndAwaitCompleted(a, "next", started.get(0));
        }
    }

    /**
     * A store that, once armed, lets the run holding the trigger's key end just before the losing run of a fire leaves
     * the key's line: the settle of that end names the losing run the holder, and waits, before it lets it go on,
     * until the fire has removed it.
     */
    static final class HandingOnAsTheLoserLeaves extends LookingTogether {
        volatile Thread fire;
        volatile Runnable endHolder;
        volatile String loser;
        final CountDownLatch named = new CountDownLatch(1);
        final CountDownLatch removed = new CountDownLatch(1);

        @Override
        public List<AwaitRecord> awaitsOfRun(String runId) {
            Runnable end = endHolder;
            if (end != null && Thread.currentThread() == fire && !runId.equals(loser)) {
                return super.awaitsOfRun(runId);
            }
            if (end != null && Thread.currentThread() == fire) {
                endHolder = null;
                end.run();
                awaitLatch(named);
            }
            return super.awaitsOfRun(runId);
        }

        /** Whether the settles of the fire fail once the losing run was named the key's holder, as a store gone away. */
        volatile boolean awayOnceNamed;

        @Override
        public List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
            if (awayOnceNamed && Thread.currentThread() == fire && named.getCount() == 0) {
                throw new IllegalStateException("store away");
            }
            List<String> holders = super.settleConcurrencyKeyHolders(runs, key, now);
            if (loser != null && Thread.currentThread() != fire && holders.contains(loser) && named.getCount() > 0) {
                named.countDown();
                awaitLatch(removed);
            }
            return holders;
        }

        /**
         * Arms the store: the next fire sees nothing under way, its run loses to {@code first}, and {@code first}'s step
         * ends just before that run leaves the key's line.
         */
        void endAsTheLoserLeaves(EngineHarness a, String first) {
            blindThenAfterSettle = () -> {
                fire = Thread.currentThread();
                loser = runs(a).stream().map(RunInfo::runId).filter(run -> !run.equals(first)).findFirst()
                        .orElseThrow();
                endHolder = () -> letEnd("first");
            };
        }

        /**
         * Waits for the other side; returns at once once it came, also on a thread interrupted meanwhile (a worker of a
         * harness closed as the test ended), which would else fail a settle late and log it into the next test. Also
         * a worker still waiting when its harness is closed returns, quietly: thrown, its settle's failure was logged
         * ({@code NVENT-0560}) into the next test's recorder.
         */
        static void awaitLatch(CountDownLatch latch) {
            if (latch.getCount() == 0) {
                return;
            }
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other side never came");
                }
            } catch (InterruptedException closed) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aLosingRunTheKeyReachedAsItLeftTheLineIsNoLongerNamedTheKeysHolderOnceRemoved() {
        HandingOnAsTheLoserLeaves scheduling = new HandingOnAsTheLoserLeaves();
        try (EngineHarness a = instance(scheduling, Overlap.SKIP, "export", new Export())) {
            String first = firstRun(a, "first");
            // The fire's claim finds the first run holding the key and under way; as its run leaves the key's line,
            // the first run ends and the settle of its end names the leaving run the key's holder.
            scheduling.endAsTheLoserLeaves(a, first);

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"second\"}");
            scheduling.removed.countDown();

            assertThat(started).as("the fire lost to the first run").isEmpty();
            assertThat(a.engine.run(scheduling.loser)).as("removed").isEmpty();
            assertThat(scheduling.concurrencyKeyHolderList(Overlap.keyOf(TRIGGER)))
                    .as("the key names no removed run").doesNotContain(scheduling.loser);
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("second");
        }
    }

    @Test
    void theWaitsOfARunBehindAnEndedHolderWhoseKeyWasNotHandedOnDoNotSayAStepOfItStillRuns() {
        LookingTogether scheduling = new LookingTogether();
        try (EngineHarness a = instance(scheduling, Overlap.BUFFER_ALL, "export", new Export())) {
            String first = firstRun(a, "first");
            String next = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"next\"}").get(0);
            scheduling.away = true;   // the key is not handed on as the first run ends (NVENT-0560)
            letEnd("first");
            await().atMost(Duration.ofSeconds(10)).until(() -> a.engine.run(first).orElseThrow().status().isTerminal());

            assertThat(a.engine.waits(next)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("held by run " + first, "completed").doesNotContain("still runs"));
            scheduling.away = false;
            a.sweep();
            awaitStep("next");
            letEnd("next");
        }
    }

    @Test
    void aStoreFailingAsTheRemovedRunsKeyIsSettledAgainLeavesTheFireSkippedAndTheKeyToTheSweep() {
        HandingOnAsTheLoserLeaves scheduling = new HandingOnAsTheLoserLeaves();
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness a = instance(scheduling, Overlap.SKIP, "export", new Export())) {
            String first = firstRun(a, "first");
            scheduling.awayOnceNamed = true;
            scheduling.endAsTheLoserLeaves(a, first);

            List<String> started = a.triggers.fire(TRIGGER, "{\"scheduledAt\":\"second\"}");
            scheduling.removed.countDown();

            assertThat(started).as("the fire is skipped all the same").isEmpty();
            assertThat(a.triggers.history(TRIGGER, 1).get(0).type()).isEqualTo("trigger.skipped");
            assertThat(a.engine.run(scheduling.loser)).as("removed").isEmpty();
            assertThat(log.messagesContaining("NVENT-0560")).singleElement().satisfies(line -> assertThat(line)
                    .contains("run " + scheduling.loser + ", which was removed", "sweep"));
            scheduling.awayOnceNamed = false;
            a.sweep();
            assertThat(scheduling.concurrencyKeyHolderList(Overlap.keyOf(TRIGGER))).as("the key, at the latest once"
                    + " swept, names no removed run").isEmpty();
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("second");
        }
    }

    /**
     * A store that lets the fire that first saves its run's await for the trigger's key win it, and holds that fire's
     * instance up after its claim, before it tells its run's start, until the losing fire has been skipped: the
     * interleaving of an instance slower to go on than the other to lose.
     */
    static final class WinnerSlowToTellItsStart extends LookingTogether {
        final AtomicReference<Thread> winner = new AtomicReference<>();
        final AtomicBoolean heldUp = new AtomicBoolean();
        final CountDownLatch winnerSettled = new CountDownLatch(1);
        final CountDownLatch loserSkipped = new CountDownLatch(1);

        /** The first fire to save its run's await for the key is the winner; the other saves its own once it settled. */
        @Override
        public void saveAwait(AwaitRecord await) {
            Thread me = Thread.currentThread();
            if (await.type() == AwaitType.CONCURRENCY_KEY && me.getName().startsWith("fire-on-")
                    && !winner.compareAndSet(null, me) && me != winner.get()) {
                HandingOnAsTheLoserLeaves.awaitLatch(winnerSettled);
            }
            super.saveAwait(await);
        }

        @Override
        public List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
            List<String> holders = super.settleConcurrencyKeyHolders(runs, key, now);
            if (Thread.currentThread() == winner.get() && heldUp.compareAndSet(false, true)) {
                winnerSettled.countDown();
                HandingOnAsTheLoserLeaves.awaitLatch(loserSkipped);
            }
            return holders;
        }
    }

    @Test
    void theRunOfTheWinningFireDoesNotGoOnBeforeItsOwnInstanceToldItsStartWhenTheLosingFireIsSkipped()
            throws Exception {
        WinnerSlowToTellItsStart scheduling = new WinnerSlowToTellItsStart();
        try (TwoInstances both = new TwoInstances(scheduling, Overlap.SKIP, "export", new Export(), new Export())) {
            scheduling.lookTogether();

            Future<List<String>> onA = both.fireOnA("next");
            Future<List<String>> onB = both.fireOnB("next");
            await().atMost(Duration.ofSeconds(10)).until(() -> onA.isDone() || onB.isDone());
            String winning = scheduling.concurrencyKeyHolderList(Overlap.keyOf(TRIGGER)).get(0);

            assertThat(scheduling.awaitsOfRun(winning)).as("the winning run still waits for its instance to tell its"
                    + " start").filteredOn(wait -> wait.type() == AwaitType.CONCURRENCY_KEY)
                    .singleElement().satisfies(wait -> assertThat(wait.status())
                            .isEqualTo(AwaitStatus.WAITING));
            scheduling.loserSkipped.countDown();
            List<String> started = new ArrayList<>(onA.get(10, TimeUnit.SECONDS));
            started.addAll(onB.get(10, TimeUnit.SECONDS));
            assertThat(started).containsExactly(winning);
            awaitStep("next");
            letEndAndAwaitCompleted(both.a, "next", winning);
        } finally {
            scheduling.loserSkipped.countDown();
        }
    }

    /**
     * A store over which the fire on the second instance, having looked at the key with the first's fire, stores its
     * run's await for the key only once the first's fire has returned: the order a slow instance, or a slow store,
     * gives them, whatever their clocks say.
     */
    static class SecondStoresAfterFirstFired extends LookingTogether {
        volatile Thread second;
        final CountDownLatch firstFired = new CountDownLatch(1);

        @Override
        void secondFiresOn(Thread thread) {
            second = thread;
        }

        @Override
        void firstFired() {
            firstFired.countDown();
        }

        @Override
        public void saveAwait(AwaitRecord await) {
            if (await.type() == AwaitType.CONCURRENCY_KEY && Thread.currentThread() == second) {
                HandingOnAsTheLoserLeaves.awaitLatch(firstFired);
            }
            super.saveAwait(await);
        }
    }

    @Test
    void firesOfABufferingTriggerOnTwoInstancesKeepOneRunWaitingThoughTheLaterOnesClockIsBehind() throws Exception {
        try (TwoInstances both = TwoInstances.skewed(Overlap.BUFFER_ONE, "export", new Export(), new Export())) {
            String first = firstRun(both.a, "first");

            List<List<String>> started = both.fireTogether("on-a", "on-b");

            assertThat(started.get(0)).as("the fire the store admitted first keeps its run waiting").hasSize(1);
            String waiting = started.get(0).get(0);
            assertThat(started.get(1)).as("the other is skipped, though its run began waiting 5 s earlier by its"
                    + " instance's clock").isEmpty();
            assertThat(both.skipped()).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"overlap\":\"buffer-one\"", "\"runUnderWay\":\"" + waiting + "\""));
            letEndAndAwaitCompleted(both.a, "first", first);
            awaitStep("on-a");
            letEndAndAwaitCompleted(both.a, "on-a", waiting);
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("on-b");
        }
    }

    @Test
    void firesOnTwoInstancesBesideACanceledRunsStepStartOneRunThoughTheLaterOnesClockIsBehind() throws Exception {
        try (TwoInstances both = TwoInstances.skewed(Overlap.SKIP, "stubborn-export", new StubbornExport(),
                new StubbornExport())) {
            String canceled = firstRun(both.a, "canceled");
            assertThat(both.a.engine.cancel(canceled)).isTrue();   // its step goes on, holding the key until it ends

            List<List<String>> started = both.fireTogether("on-a", "on-b");

            assertThat(started.get(0)).as("the fire the store admitted first starts its run").hasSize(1);
            assertThat(started.get(1)).as("the other is skipped for it").isEmpty();
            assertThat(both.skipped()).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"overlap\":\"skip\"", "\"runUnderWay\":\"" + started.get(0).get(0) + "\""));
            letEnd("canceled");
            awaitStep("on-a");
            letEndAndAwaitCompleted(both.a, "on-a", started.get(0).get(0));
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("on-b");
        }
    }

    @Test
    void firesOfACancelingTriggerOnTwoInstancesAtTheSameMomentLeaveTheRunOfTheLaterOneTheStoreAdmitted()
            throws Exception {
        try (TwoInstances both = TwoInstances.skewed(Overlap.CANCEL_OTHER, "stubborn-export", new StubbornExport(),
                new StubbornExport())) {
            String first = firstRun(both.a, "first");   // canceled by the fires, its step goes on, keeping the key

            List<List<String>> started = both.fireTogether("on-a", "on-b");

            assertThat(started).as("both fires start their runs").allSatisfy(runs -> assertThat(runs).hasSize(1));
            String earlier = started.get(0).get(0);
            String later = started.get(1).get(0);
            assertThat(both.a.engine.run(first).orElseThrow().status().wireName()).isEqualTo("canceled");
            assertThat(both.a.engine.run(earlier)).as("the later fire cancels the earlier's run, as on one instance")
                    .hasValueSatisfying(run -> assertThat(run.status().wireName()).isEqualTo("canceled"));
            letEnd("first");
            awaitStep("on-b");
            letEndAndAwaitCompleted(both.a, "on-b", later);
            assertThat(TriggerOverlapTest.STARTED).as("one new run went on").doesNotContain("on-a");
        }
    }

    /** A store that, as the next claim of the trigger's key comes, runs a hook once before admitting it. */
    static final class BeforeTheNextClaim extends LookingTogether {
        volatile Runnable hook;

        @Override
        public ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runs, String key, String runId, Instant now) {
            Runnable once = key.equals(Overlap.keyOf(TRIGGER)) ? hook : null;
            hook = null;
            if (once != null) {
                once.run();
            }
            return super.claimConcurrencyKeyLine(runs, key, runId, now);
        }
    }

    @Test
    void aCancelingFireThatCancelsTheRunOfAnotherInstancesFireBeforeItClaimsKeepsItsOwnRunGoing() {
        BeforeTheNextClaim store = new BeforeTheNextClaim();
        try (TwoInstances both = new TwoInstances(store, Overlap.CANCEL_OTHER, "stubborn-export", new StubbornExport(),
                new StubbornExport())) {
            firstRun(both.a, "first");   // canceled by the fires, its step goes on, keeping the key
            List<String> ofA = new ArrayList<>();
            // The fire on the second instance has stored its run and is about to claim: the first's fire comes now,
            // sees that run under way, cancels it and claims ahead of it.
            store.hook = () -> ofA.addAll(both.a.triggers.fire(TRIGGER, payload("on-a")));

            List<String> ofB = both.b.triggers.fire(TRIGGER, payload("on-b"));

            assertThat(ofA).hasSize(1);
            assertThat(ofB).hasSize(1);
            assertThat(both.a.engine.run(ofB.get(0))).as("canceled by the later fire, as on one instance")
                    .hasValueSatisfying(run -> assertThat(run.status().wireName()).isEqualTo("canceled"));
            assertThat(both.a.engine.run(ofA.get(0))).as("the later fire's run is not canceled back by the fire whose"
                    + " run it canceled: one run goes on, not none")
                    .hasValueSatisfying(run -> assertThat(run.status().isTerminal()).isFalse());
            letEnd("first");
            awaitStep("on-a");
            letEndAndAwaitCompleted(both.a, "on-a", ofA.get(0));
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("on-b");
        }
    }

    /** {@link SecondStoresAfterFirstFired}, running a hook once as the second instance's run claims its key. */
    static final class SecondClaimsAfterAHook extends SecondStoresAfterFirstFired {
        volatile Runnable beforeSecondClaims;

        @Override
        public ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runs, String key, String runId, Instant now) {
            Runnable once = Thread.currentThread() == second ? beforeSecondClaims : null;
            if (once != null) {
                beforeSecondClaims = null;
                once.run();
            }
            return super.claimConcurrencyKeyLine(runs, key, runId, now);
        }
    }

    @Test
    void aCanceledRunsStepEndingBeforeTheSlowerFireClaimsHandsTheKeyToTheClaimedRunAndTheSlowerFireIsSkipped()
            throws Exception {
        SecondClaimsAfterAHook store = new SecondClaimsAfterAHook();
        try (TwoInstances both = new TwoInstances(store, Overlap.SKIP, "stubborn-export", new StubbornExport(),
                new StubbornExport(), EngineHarness.START.minusSeconds(5))) {
            String canceled = firstRun(both.a, "canceled");
            assertThat(both.a.engine.cancel(canceled)).isTrue();   // its step goes on, holding the key until it ends
            // The second fire's run, waiting 5 s earlier by its clock, is stored but has not claimed when that step
            // ends and the key is handed on.
            store.beforeSecondClaims = () -> {
                letEnd("canceled");
                await().atMost(Duration.ofSeconds(10)).until(() -> !store.concurrencyKeyHolderList(
                        Overlap.keyOf(TRIGGER)).contains(canceled));
            };

            List<List<String>> started = both.fireTogether("on-a", "on-b");

            assertThat(started.get(0)).as("the fire the store admitted first starts its run").hasSize(1);
            assertThat(started.get(1)).as("the slower fire is skipped for it, not handed the key").isEmpty();
            awaitStep("on-a");
            letEndAndAwaitCompleted(both.a, "on-a", started.get(0).get(0));
            assertThat(TriggerOverlapTest.STARTED).doesNotContain("on-b");
        }
    }

    /** A store written before claims to a key's line ({@code SchedulingStore.keepsConcurrencyKeyClaims()} false). */
    static final class KeepingNoOrderOfClaims extends LookingTogether {
        @Override
        public boolean keepsConcurrencyKeyClaims() {
            return false;
        }
    }

    @Test
    void overAStoreThatKeepsNoOrderOfClaimsRacingCancelingFiresBothStartTheirRunsWhichRunOneAfterTheOther()
            throws Exception {
        try (TwoInstances both = new TwoInstances(new KeepingNoOrderOfClaims(), Overlap.CANCEL_OTHER,
                "stubborn-export", new StubbornExport(), new StubbornExport())) {
            firstRun(both.a, "first");

            List<List<String>> started = both.fireTogether("on-a", "on-b");

            assertThat(started).as("both fires start their runs").allSatisfy(runs -> assertThat(runs).hasSize(1));
            assertThat(started).as("neither canceled by the other, as the README says").allSatisfy(runs ->
                    assertThat(both.a.engine.run(runs.get(0))).hasValueSatisfying(run ->
                            assertThat(run.status().isTerminal()).isFalse()));
            letEnd("first");
            await().atMost(Duration.ofSeconds(10)).until(() -> TriggerOverlapTest.STARTED.contains("on-a")
                    || TriggerOverlapTest.STARTED.contains("on-b"));
            String going = TriggerOverlapTest.STARTED.contains("on-a") ? "on-a" : "on-b";
            String behind = going.equals("on-a") ? "on-b" : "on-a";
            assertThat(TriggerOverlapTest.STARTED).as("the other waits behind it, never beside it")
                    .doesNotContain(behind);
            letEnd(going);
            awaitStep(behind);
            letEndAndAwaitCompleted(both.a, behind, started.get(going.equals("on-a") ? 1 : 0).get(0));
        }
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("export"), Optional.empty(), 0, 100));
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.RestartOptions;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.engine.AwaitOfEndedRunTest.Draft;
import io.nvent.cdi.internal.engine.AwaitOfEndedRunTest.Publish;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Confirm;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Fetch;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Load;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Transform;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import io.nvent.testkit.Concurrently;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A restart or rerun with an idempotency key creates its run once, however often a client repeats it. */
class IdempotentRestartTest {

    private static final Map<String, Object> ANN = Map.of("email", "ann@example.com");

    @Test
    void aRepeatedRestartWithTheSameKeyReturnsTheFirstRunAndCancelsTheOriginalOnce() {
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String original = h.engine.start("signup", ANN);
            h.awaitStatus(original, RunStatus.AWAITING);

            StartedRun first = h.engine.restart(original, RestartOptions.idempotent("restart-1"));
            StartedRun again = h.engine.restart(original, RestartOptions.idempotent("restart-1"));

            assertThat(first.created()).isTrue();
            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            assertThat(h.engine.runs(RunQuery.all())).extracting(RunInfo::runId)
                    .containsExactlyInAnyOrder(original, first.runId());
            assertThat(h.eventsOf(original, EventType.FLOW_CANCEL)).hasSize(1);
            assertThat(h.engine.awaits(true, 10)).singleElement()
                    .satisfies(await -> assertThat(await.runId()).isEqualTo(first.runId()));
            assertThat(h.eventsOf(first.runId(), EventType.FLOW_START)).singleElement().satisfies(start ->
                    assertThat(start.data()).contains("\"restartOf\":\"" + original + "\"",
                            "\"idempotencyKey\":\"restart-1\""));
            assertThat(h.engine.runByIdempotencyKey("signup", "restart-1")).get().extracting(RunInfo::runId)
                    .isEqualTo(first.runId());
        }
    }

    @Test
    void concurrentRestartsWithOneKeyOnTwoInstancesCreateOneRun() {
        try (EngineHarness a = new EngineHarness(new Confirm());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Confirm())) {
            String original = a.engine.start("signup", ANN);
            a.awaitStatus(original, RunStatus.AWAITING);

            List<StartedRun> results = concurrently(a, b,
                    instance -> instance.engine.restart(original, RestartOptions.idempotent("retried")));

            assertThat(results).extracting(StartedRun::runId).containsOnly(results.get(0).runId());
            assertThat(results).filteredOn(StartedRun::created).hasSize(1);
            assertThat(a.engine.runs(RunQuery.all())).hasSize(2);
            assertThat(a.eventsOf(original, EventType.FLOW_CANCEL)).hasSize(1);
        }
    }

    @Test
    void aRepeatOfAKeyedRestartWhoseInstanceStoppedAfterStoringTheCopyCancelsTheOriginalAndStartsTheCopy() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Draft(),
                new Publish())) {
            String original = h.engine.start("article", null);
            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);
            assertThat(copy.steps()).containsEntry("draft", StepStatus.QUEUED);
            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            StartedRun repeated = h.engine.restart(original, RestartOptions.idempotent("stopped"));

            assertThat(repeated).isEqualTo(new StartedRun(copy.runId(), false));
            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            h.awaitStatus(copy.runId(), RunStatus.AWAITING);
            assertThat(h.eventsOf(copy.runId(), EventType.STEP_STARTED)).hasSize(1);
        }
    }

    @Test
    void aRepeatAfterTheLostJobSweepStartedTheCopyOfAStoppedRestartDoesNotStartItAgain() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Draft(),
                new Publish())) {
            String original = h.engine.start("article", null);
            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);
            // Unchanged between two checks and without a job: the sweep queues the copy's first step.
            h.engine.lostSteps().requeueLostSteps(Map.of(copy.runId(), copy.version()), Optional.empty(), 100);
            h.awaitStatus(copy.runId(), RunStatus.AWAITING);

            assertThat(h.engine.restart(original, RestartOptions.idempotent("stopped")))
                    .isEqualTo(new StartedRun(copy.runId(), false));
            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.eventsOf(copy.runId(), EventType.STEP_STARTED)).hasSize(1);
        }
    }

    @Test
    void theSweepOfAnotherInstanceFinishesAStoppedKeyedRestartCancelingTheOriginalAndStartingTheCopyOnce() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness a = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Write())) {
            String original = a.engine.start("report", null);
            RunRecord copy = restartStoppedAfterStoringTheCopy(a, store, original);

            sweepALeaseApart(b, 2);

            b.awaitStatus(copy.runId(), RunStatus.AWAITING);
            assertThat(b.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(b.eventsOf(original, EventType.FLOW_CANCEL)).singleElement()
                    .satisfies(cancel -> assertThat(cancel.data()).contains("\"reason\":\"restarted\""));
            assertThat(b.eventsOf(copy.runId(), EventType.STEP_STARTED)).hasSize(1);
            assertThat(b.engine.restart(original, RestartOptions.idempotent("stopped")))
                    .isEqualTo(new StartedRun(copy.runId(), false));
        }
    }

    @Test
    void twoInstancesSweepingAtOnceFinishAStoppedKeyedRestartOnceCancelingTheOriginalOnce() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness a = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Write())) {
            String original = a.engine.start("report", null);
            RunRecord copy = restartStoppedAfterStoringTheCopy(a, store, original);

            // Each instance's second lost-job check of the unchanged copy, at once.
            Concurrently.run(8, caller -> (caller % 2 == 0 ? a : b).engine.lostSteps()
                    .requeueLostSteps(Map.of(copy.runId(), copy.version()), Optional.empty(), 100));

            b.awaitStatus(copy.runId(), RunStatus.AWAITING);
            assertThat(b.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(b.eventsOf(original, EventType.FLOW_CANCEL)).hasSize(1);
            assertThat(b.eventsOf(copy.runId(), EventType.STEP_STARTED)).hasSize(1);
        }
    }

    @Test
    void anAwaitThatLetsTheCopyOfAStoppedKeyedRestartGoOnCancelsTheOriginalFirst() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Confirm())) {
            String original = h.engine.start("signup", ANN);
            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);
            String awaitOfCopy = h.engine.awaits(true, 10).stream().filter(a -> a.runId().equals(copy.runId()))
                    .findFirst().orElseThrow().awaitId();

            h.engine.resolveAwait(awaitOfCopy, Map.of());

            h.awaitStatus(copy.runId(), RunStatus.COMPLETED);
            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
        }
    }

    @Test
    void anEmitIntoTheCopyOfAStoppedKeyedRestartCancelsTheOriginalBeforeTheCopysStepsGoOn() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Draft(),
                new Publish())) {
            String original = h.engine.start("article", null);
            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);

            h.engine.emit(copy.runId(), "drafted", Map.of("title", "by hand"));

            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.eventsOf(original, EventType.FLOW_CANCEL)).singleElement()
                    .satisfies(cancel -> assertThat(cancel.data()).contains("\"reason\":\"restarted\""));
        }
    }

    @Test
    void theSweepStartsTheCopyOfAKeyedRerunWhoseInstanceStoppedOnceItStoredItAndLeavesTheOriginalAsItIs() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write())) {
            String original = h.engine.start("report", null);
            h.awaitStatus(original, RunStatus.AWAITING);
            store.stopOnceTheNextKeyedRunIsStored();
            assertThatThrownBy(() -> h.engine.rerunFrom(original, "write", RestartOptions.idempotent("stopped")))
                    .hasMessage("the instance stopped");
            String copy = h.engine.runByIdempotencyKey("report", "stopped").orElseThrow().runId();

            sweepALeaseApart(h, 2);

            h.awaitStatus(copy, RunStatus.AWAITING);
            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.rerunFrom(original, "write", RestartOptions.idempotent("stopped")))
                    .isEqualTo(new StartedRun(copy, false));
            assertThat(h.eventsOf(copy, EventType.STEP_STARTED)).hasSize(1);
        }
    }

    @Test
    void theSweepFinishesAStoppedKeyedRestartWhoseCopyWaitsForTheConcurrencyKeyItsOriginalHolds() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write())) {
            String original = h.engine.start("report", null, StartOptions.newBuilder().concurrencyKey("desk-7").build())
                    .runId();
            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);

            h.sweep();
            assertThat(h.engine.run(original).orElseThrow().status()).as("left to its request a lease long")
                    .isEqualTo(RunStatus.AWAITING);
            sweepALeaseApart(h, 2);

            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.eventsOf(original, EventType.FLOW_CANCEL)).singleElement()
                    .satisfies(cancel -> assertThat(cancel.data()).contains("\"reason\":\"restarted\""));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(h.eventsOf(copy.runId(), EventType.STEP_COMPLETED)).as("the key passed to the copy")
                            .hasSize(1));
            assertThat(h.engine.restart(original, RestartOptions.idempotent("stopped")))
                    .isEqualTo(new StartedRun(copy.runId(), false));
            assertThat(h.eventsOf(copy.runId(), EventType.STEP_STARTED)).hasSize(1);
        }
    }

    @Test
    void theCopyOfAKeyedRestartWhoseOriginalCouldNotBeCanceledIsToldWaitingForTheConcurrencyKeyAsItIsToldStarted() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write())) {
            String original = h.engine.start("report", null, StartOptions.newBuilder().concurrencyKey("desk-7").build())
                    .runId();

            RunRecord copy = restartStoppedAfterStoringTheCopy(h, store, original);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(h.hooksOf(io.nvent.RunStarted.class))
                    .extracting(io.nvent.RunStarted::runId).contains(copy.runId()));
            assertThat(h.hooksOf(io.nvent.AwaitRegistered.class)).extracting(registered -> registered.await().runId())
                    .as("its await for the key told").contains(copy.runId());
        }
    }

    @Test
    void theSweepLeavesAKeyedStartWaitingForItsConcurrencyKeyAndARerunsOriginalAsTheyAre() {
        StoreFailingNextUpdate store = new StoreFailingNextUpdate();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write())) {
            StartOptions desk = StartOptions.newBuilder().concurrencyKey("desk-7").build();
            String holder = h.engine.start("report", null, desk).runId();
            h.awaitStatus(holder, RunStatus.AWAITING);
            String waiting = h.engine.start("report", null, StartOptions.newBuilder().concurrencyKey("desk-7")
                    .idempotencyKey("second").build()).runId();
            store.stopOnceTheNextKeyedRunIsStored();
            assertThatThrownBy(() -> h.engine.rerunFrom(holder, "write", RestartOptions.idempotent("stopped")))
                    .hasMessage("the instance stopped");

            sweepALeaseApart(h, 3);

            assertThat(h.engine.run(holder).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.run(waiting).orElseThrow().steps()).containsEntry("write", StepStatus.AWAITING);
            assertThat(h.eventsOf(holder, EventType.FLOW_CANCEL)).isEmpty();
        }
    }

    @Test
    void theSweepReadsNoHistoryOfKeyedStartsWaitingForAConcurrencyKeyThatNoRunOfTheirInputHolds() {
        StartEntriesCounted store = new StartEntriesCounted();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Write())) {
            String holder = h.engine.start("report", Map.of("page", 0), StartOptions.newBuilder().concurrencyKey("desk-7")
                    .build()).runId();
            h.awaitStatus(holder, RunStatus.AWAITING);
            for (int page = 1; page <= 3; page++) {
                h.engine.start("report", Map.of("page", page), StartOptions.newBuilder().concurrencyKey("desk-7")
                        .idempotencyKey("page-" + page).build());
            }
            h.clock.advance(h.engine.settings().leaseDuration());
            store.startEntryReads.clear();

            sweepALeaseApart(h, 3);

            assertThat(store.startEntryReads).as("the waiting starts' flow.start entries read by the sweep").isEmpty();
            assertThat(h.engine.run(holder).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
        }
    }

    /** A memory store that notes the runs whose {@code flow.start} entry is read. */
    static final class StartEntriesCounted extends MemoryFlowStore {
        final List<String> startEntryReads = Collections.synchronizedList(new ArrayList<>());

        @Override
        public List<HistoryEvent> readEvents(String runId, EventQuery query) {
            if (query.types().equals(Set.of(EventType.FLOW_START))) {
                startEntryReads.add(runId);
            }
            return super.readEvents(runId, query);
        }
    }

    /** Writes a report, which then waits a day for its review: a run that stays under way. */
    @FlowStep(flow = "report", name = "write", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Write implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "written";
        }
    }

    /**
     * Sweeps of {@code instance}, a lease apart on its clock: the first finds a lost job, the second queues it again.
     * The clock stays at the last sweep: moved a whole lease more while the job queued again runs, it let the next
     * sweep find the job's lease run out, mark the step stalled and drop its result, now and then on a loaded machine.
     */
    private static void sweepALeaseApart(EngineHarness instance, int sweeps) {
        for (int sweep = 0; sweep < sweeps; sweep++) {
            if (sweep > 0) {
                instance.clock.advance(instance.engine.settings().leaseDuration());
            }
            instance.sweep();
        }
    }

    /** A keyed restart of the awaiting original whose instance stops once it stored the copy: the copy. */
    private static RunRecord restartStoppedAfterStoringTheCopy(EngineHarness h, StoreFailingNextUpdate store,
                                                               String original) {
        h.awaitStatus(original, RunStatus.AWAITING);
        store.failNextUpdateOf(original);
        assertThatThrownBy(() -> h.engine.restart(original, RestartOptions.idempotent("stopped")))
                .hasMessage("the instance stopped");
        String flow = h.engine.run(original).orElseThrow().flow();
        return store.findRun(h.engine.runByIdempotencyKey(flow, "stopped").orElseThrow().runId()).orElseThrow();
    }

    @Test
    void aRepeatedRerunFromTheSameStepWithTheSameKeyReturnsTheFirstRun() {
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String original = h.engine.start("etl", Map.of("rows", 7));
            h.awaitStatus(original, RunStatus.COMPLETED);

            StartedRun first = h.engine.rerunFrom(original, "transform", RestartOptions.idempotent("rerun-1"));
            StartedRun again = h.engine.rerunFrom(original, "transform", RestartOptions.idempotent("rerun-1"));

            assertThat(first.created()).isTrue();
            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            h.awaitStatus(first.runId(), RunStatus.COMPLETED);
            assertThat(h.engine.runs(RunQuery.all())).hasSize(2);
            assertThat(h.eventsOf(first.runId(), EventType.FLOW_START)).singleElement().satisfies(start ->
                    assertThat(start.data()).contains("\"rerunOf\":\"" + original + "\"", "\"fromStep\":\"transform\"",
                            "\"idempotencyKey\":\"rerun-1\""));
        }
    }

    @Test
    void concurrentRerunsWithOneKeyOnTwoInstancesCreateOneRun() {
        try (EngineHarness a = new EngineHarness(new Fetch(), new Transform(), new Load());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Fetch(),
                     new Transform(), new Load())) {
            String original = a.engine.start("etl", Map.of("rows", 7));
            a.awaitStatus(original, RunStatus.COMPLETED);

            List<StartedRun> results = concurrently(a, b,
                    instance -> instance.engine.rerunFrom(original, "load", RestartOptions.idempotent("retried")));

            assertThat(results).extracting(StartedRun::runId).containsOnly(results.get(0).runId());
            assertThat(results).filteredOn(StartedRun::created).hasSize(1);
            assertThat(a.engine.runs(RunQuery.all())).hasSize(2);
        }
    }

    @Test
    void aRestartWithAKeyThatAStartOfTheFlowUsedIsRefusedNamingBothAndChangesNothing() {
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String original = h.engine.start("signup", ANN);
            StartedRun started = h.engine.start("signup", ANN, StartOptions.idempotent("used"));
            h.awaitStatus(original, RunStatus.AWAITING);

            assertThatThrownBy(() -> h.engine.restart(original, RestartOptions.idempotent("used")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0276 idempotency key 'used' of flow 'signup' already started run "
                            + started.runId() + " by a start, so it cannot be the key of a restart of run " + original
                            + "; nothing was started or canceled; a new request needs a new key")
                    .satisfies(e -> assertThat(((IdempotencyKeyConflictException) e).runId())
                            .isEqualTo(started.runId()));

            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.runs(RunQuery.all())).hasSize(2);
        }
    }

    @Test
    void aKeyThatRestartedAnotherRunOrRerunFromAnotherStepIsRefused() {
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String one = h.engine.start("etl", Map.of("rows", 1));
            String two = h.engine.start("etl", Map.of("rows", 1));
            h.awaitStatus(one, RunStatus.COMPLETED);
            h.awaitStatus(two, RunStatus.COMPLETED);
            StartedRun restartOfOne = h.engine.restart(one, RestartOptions.idempotent("k-restart"));
            StartedRun rerunOfOne = h.engine.rerunFrom(one, "transform", RestartOptions.idempotent("k-rerun"));

            assertThatThrownBy(() -> h.engine.restart(two, RestartOptions.idempotent("k-restart")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("already started run " + restartOfOne.runId() + " by a restart of run " + one
                            + ", so it cannot be the key of a restart of run " + two + ";");
            assertThatThrownBy(() -> h.engine.rerunFrom(one, "load", RestartOptions.idempotent("k-rerun")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("already started run " + rerunOfOne.runId() + " by a rerun of run " + one
                            + " from step 'transform', so it cannot be the key of a rerun of run " + one
                            + " from step 'load';");
            assertThatThrownBy(() -> h.engine.restart(one, RestartOptions.idempotent("k-rerun")))
                    .isInstanceOf(IdempotencyKeyConflictException.class);
            assertThatThrownBy(() -> h.engine.rerunFrom(one, "transform", RestartOptions.idempotent("k-restart")))
                    .isInstanceOf(IdempotencyKeyConflictException.class);

            assertThat(h.engine.runs(RunQuery.all())).hasSize(4);
        }
    }

    @Test
    void keysArePerFlowSoAKeyAnotherFlowUsedRestartsAndRestartsWithoutAKeyAlwaysCreateARun() {
        try (EngineHarness h = new EngineHarness(new Confirm(), new Fetch(), new Transform(), new Load())) {
            String original = h.engine.start("signup", ANN);
            StartedRun otherFlow = h.engine.start("etl", Map.of("rows", 1), StartOptions.idempotent("shared"));

            StartedRun keyed = h.engine.restart(original, RestartOptions.idempotent("shared"));
            StartedRun plain = h.engine.restart(original, RestartOptions.DEFAULTS);
            String plainAgain = h.engine.restart(original);

            assertThat(keyed.created()).isTrue();
            assertThat(plain.created()).isTrue();
            assertThat(List.of(otherFlow.runId(), keyed.runId(), plain.runId(), plainAgain)).doesNotHaveDuplicates();
        }
    }

    /** What 16 callers, half on each instance, get when they all make one call at once. */
    private static List<StartedRun> concurrently(EngineHarness a, EngineHarness b,
                                                 Function<EngineHarness, StartedRun> call) {
        List<StartedRun> results = Collections.synchronizedList(new ArrayList<>());
        Concurrently.run(16, caller -> results.add(call.apply(caller % 2 == 0 ? a : b)));
        return results;
    }

    /**
     * A store whose next update of one run fails, as if the instance writing it stopped just before; or that
     * fails once it stored the next run with a key, as if the instance stopped right after.
     */
    static final class StoreFailingNextUpdate extends MemoryFlowStore {
        private final AtomicReference<String> failing = new AtomicReference<>();
        private final AtomicBoolean stopAfterKeyedRun = new AtomicBoolean();

        void failNextUpdateOf(String runId) {
            failing.set(runId);
        }

        void stopOnceTheNextKeyedRunIsStored() {
            stopAfterKeyedRun.set(true);
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            List<HistoryEvent> stored = super.createRun(run, events, idempotencyKey);
            if (stopAfterKeyedRun.compareAndSet(true, false)) {
                throw new IllegalStateException("the instance stopped");
            }
            return stored;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (failing.compareAndSet(runId, null)) {
                throw new IllegalStateException("the instance stopped");
            }
            return super.updateRun(runId, mutation);
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunEnded;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepFailed;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepDeclaration;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A run still under way at its deadline fails, stopped as a cancel stops it, with an error saying it timed out; a run
 * that ended before is left alone, and a retry gives it a deadline as long again.
 */
class RunTimeoutTest {

    private static final Duration TWO_DAYS = Duration.ofHours(48);
    private static final Duration A_WEEK = Duration.ofDays(7);

    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY, emits = "taken", runTimeoutMs = 48 * 3_600_000L)
    static class Take implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("taken", "order");
            return null;
        }
    }

    /** Waits for the carrier's webhook, for longer than the run may take. */
    @FlowStep(flow = "order", name = "ship", subscribes = "taken")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 7 * 24 * 3_600_000L)
    static class Ship implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    static final AtomicBoolean pollAskedToStop = new AtomicBoolean();

    /** Polls until asked to stop, ignoring interrupts, as a step between units of work does. */
    @FlowStep(flow = "poll", name = "poll", role = StepRole.ENTRY)
    static class Poll implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            while (!ctx.isCancelRequested()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            pollAskedToStop.set(true);
            throw new IllegalStateException("stopped: asked to");
        }
    }

    @FlowStep(flow = "quick", name = "answer", role = StepRole.ENTRY, runTimeoutMs = 3_600_000L)
    static class Answer implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "answered";
        }
    }

    @FlowStep(flow = "misplaced", name = "begin", role = StepRole.ENTRY, emits = "begun")
    static class Begin implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "misplaced", name = "later", subscribes = "begun", runTimeoutMs = 60_000)
    static class TimeoutOnALaterStep implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "negative", name = "begin", role = StepRole.ENTRY, runTimeoutMs = -1)
    static class NegativeTimeout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private EngineHarness h;

    @BeforeEach
    void engine() {
        pollAskedToStop.set(false);
        h = new EngineHarness(new Take(), new Ship(), new Poll(), new Answer());
    }

    @AfterEach
    void close() {
        h.close();
    }

    private String awaitingOrder(StartOptions options) {
        String runId = h.engine.start("order", "{}", options).runId();
        h.awaitStatus(runId, RunStatus.AWAITING);
        return runId;
    }

    @Test
    void aRunWaitingOnAnAwaitAtItsDeadlineFailsSayingItTimedOutAndClosesTheAwait() {
        String runId = awaitingOrder(StartOptions.DEFAULTS);
        Instant deadline = EngineHarness.START.plus(TWO_DAYS);
        assertThat(h.engine.run(runId).orElseThrow().deadline()).as("the flow's default").contains(deadline);

        h.clock.advance(TWO_DAYS.minusSeconds(1));
        h.sweep();
        assertThat(h.engine.run(runId).orElseThrow().status()).as("a second before").isEqualTo(RunStatus.AWAITING);

        h.clock.advance(Duration.ofSeconds(1));   // the next sweep, a second later, ends it
        h.sweep();

        RunInfo run = h.engine.run(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("NVENT-0400 run '" + runId + "' of flow 'order' timed out after PT48H (its"
                + " deadline was " + deadline + ")");
        assertThat(run.steps()).containsEntry("ship", StepStatus.FAILED);
        assertThat(h.scheduling.awaitsOfRun(runId)).extracting(AwaitRecord::status).containsOnly(AwaitStatus.CANCELED);
        List<HistoryEvent> failed = h.eventsOf(runId, EventType.FLOW_FAILED);
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).data()).contains("\"reason\":\"timed out\"", "\"timeout\":\"PT48H\"",
                "\"deadline\":\"" + deadline + "\"");
    }

    @Test
    void aRunEndedByItsDeadlineTellsTheHooksOnceThatItFailedAndWhichStepFailedWithIt() {
        String runId = awaitingOrder(StartOptions.DEFAULTS);
        h.clock.advance(TWO_DAYS);
        h.sweep();
        h.sweep();

        assertThat(h.hooksOf(RunEnded.class)).singleElement().satisfies(end -> {
            assertThat(end.runId()).isEqualTo(runId);
            assertThat(end.status()).isEqualTo(RunStatus.FAILED);
            assertThat(end.error()).hasValueSatisfying(error -> assertThat(error).startsWith("NVENT-0400 run '" + runId));
        });
        assertThat(h.hooksOf(StepFailed.class)).singleElement().satisfies(failed -> {
            assertThat(failed.step()).isEqualTo("ship");
            assertThat(failed.willRetry()).isFalse();
        });
    }

    @Test
    void aSecondSweepEndsItNoMore() {
        String runId = awaitingOrder(StartOptions.DEFAULTS);
        h.clock.advance(TWO_DAYS);
        h.sweep();
        h.clock.advance(Duration.ofMinutes(1));
        h.sweep();

        assertThat(h.eventsOf(runId, EventType.FLOW_FAILED)).hasSize(1);
        assertThat(h.store.runsPastDeadline(h.clock.instant(), Optional.empty(), 10)).isEmpty();
    }

    /** What an instance does that found the run past its deadline just before another ended it. */
    @Test
    void anEndOfARunThatAnotherInstanceEndedMeanwhileChangesNothing() {
        String runId = awaitingOrder(StartOptions.DEFAULTS);
        h.clock.advance(TWO_DAYS);
        h.sweep();

        boolean endedAgain = h.engine.runDeadlines().timeOut(runId);

        assertThat(endedAgain).isFalse();
        assertThat(h.eventsOf(runId, EventType.FLOW_FAILED)).hasSize(1);
    }

    @Test
    void aStartsOwnTimeoutWinsOverTheFlows() {
        String runId = awaitingOrder(StartOptions.newBuilder().timeout(Duration.ofHours(2)).build());

        assertThat(h.engine.run(runId).orElseThrow().deadline()).contains(EngineHarness.START.plus(Duration.ofHours(2)));
        h.clock.advance(Duration.ofHours(2));
        h.sweep();
        assertThat(h.engine.run(runId).orElseThrow().error().orElseThrow()).contains("timed out after PT2H");
    }

    @Test
    void aRunningStepIsAskedToStop() {
        String runId = h.engine.start("poll", "{}", StartOptions.newBuilder().timeout(Duration.ofMinutes(1)).build())
                .runId();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> h.engine.run(runId).orElseThrow().steps().get("poll") == StepStatus.RUNNING);

        h.clock.advance(Duration.ofMinutes(1));
        h.sweep();

        await().atMost(Duration.ofSeconds(10)).untilTrue(pollAskedToStop);
        RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
        assertThat(run.steps()).containsEntry("poll", StepStatus.FAILED);
        assertThat(run.error().orElseThrow()).startsWith("NVENT-0400 ");
    }

    @Test
    void aRunThatEndedBeforeItsDeadlineIsLeftAlone() {
        String runId = h.engine.start("quick", "{}");
        h.awaitStatus(runId, RunStatus.COMPLETED);
        List<HistoryEvent> before = h.history(runId);

        h.clock.advance(Duration.ofHours(2));
        h.sweep();

        assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(h.history(runId)).isEqualTo(before);
    }

    @Test
    void aRunWithoutATimeoutHasNoDeadline() {
        String runId = h.engine.start("poll", "{}");

        assertThat(h.engine.run(runId).orElseThrow().deadline()).isEmpty();
        h.engine.cancel(runId);
    }

    @Test
    void retryingATimedOutRunGivesItADeadlineAsLongFromTheRetry() {
        String runId = awaitingOrder(StartOptions.DEFAULTS);
        h.clock.advance(TWO_DAYS);
        h.sweep();
        h.clock.advance(Duration.ofHours(1));
        Instant retriedAt = h.clock.instant();

        h.engine.retryStep(runId, "ship");

        RunInfo retried = h.awaitStatus(runId, RunStatus.AWAITING);
        assertThat(retried.deadline()).contains(retriedAt.plus(TWO_DAYS));
        h.clock.advance(TWO_DAYS.minusSeconds(1));
        h.sweep();
        assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
        h.clock.advance(Duration.ofSeconds(1));
        h.sweep();
        assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        assertThat(h.eventsOf(runId, EventType.FLOW_FAILED)).hasSize(2);
    }

    @Test
    void aRestartGetsADeadlineAsLongFromItsOwnStart() {
        String runId = awaitingOrder(StartOptions.newBuilder().timeout(Duration.ofHours(3)).build());
        h.clock.advance(Duration.ofHours(1));

        String restart = h.engine.restart(runId);

        assertThat(h.engine.run(restart).orElseThrow().deadline())
                .contains(h.clock.instant().plus(Duration.ofHours(3)));
    }

    @Test
    void aRunTimeoutOnAStepThatIsNotTheEntryFailsTheDeployment() {
        List<String> problems = FlowGraphValidator.validate(Stream.of(Begin.class, TimeoutOnALaterStep.class)
                .flatMap(type -> StepDeclaration.allOf(type).stream()).toList());

        assertThat(problems).anySatisfy(problem -> assertThat(problem)
                .contains("step 'later' of flow 'misplaced'", "runTimeoutMs", "entry step"));
    }

    @Test
    void aNegativeRunTimeoutFailsTheDeployment() {
        assertThat(FlowGraphValidator.validate(StepDeclaration.allOf(NegativeTimeout.class)))
                .anySatisfy(problem -> assertThat(problem).contains("flow 'negative'", "runTimeoutMs must be positive"));
    }

    @Test
    void aStoreThatKeepsNoDeadlinesRefusesAStartWithATimeout() {
        MemoryFlowStore forgetful = new MemoryFlowStore() {
            @Override
            public boolean keepsDeadlines() {
                return false;
            }
        };
        try (EngineHarness old = EngineHarness.over(forgetful, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("old-store-worker")), new Answer())) {
            assertThatThrownBy(() -> old.engine.start("quick", "{}"))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageContaining("NVENT-0292").hasMessageContaining("flow 'quick'");
        }
    }

    /** A store that cannot write some runs, as a database refusing one row, for as long as the test likes. */
    private static final class StoreFailingToChange extends MemoryFlowStore {
        final Set<String> unwritable = ConcurrentHashMap.newKeySet();

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (unwritable.contains(runId)) {
                throw new IllegalStateException("run " + runId + " cannot be written");
            }
            return super.updateRun(runId, mutation);
        }
    }

    /** A run awaiting with a deadline {@code timeout} after the harness's start, stored as such. */
    private static String awaitingRunIn(MemoryFlowStore store, Duration timeout) {
        String runId = UUID.randomUUID().toString();
        store.createRun(RunRecord.started(runId, "order", "{}", Optional.empty(), EngineHarness.START)
                .withStatus(RunStatus.AWAITING, EngineHarness.START).withTimeout(timeout, EngineHarness.START), List.of());
        return runId;
    }

    private static EngineHarness over(MemoryFlowStore store) {
        return EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("deadline-worker")),
                new Take(), new Ship());
    }

    @Test
    void aRunWhoseEndKeepsFailingHoldsUpNoRunDueAfterIt() {
        StoreFailingToChange store = new StoreFailingToChange();
        try (EngineHarness failing = over(store)) {
            store.unwritable.add(awaitingRunIn(store, Duration.ofHours(1)));
            String later = awaitingRunIn(store, Duration.ofHours(2));

            failing.clock.advance(Duration.ofHours(3));
            failing.sweep();

            assertThat(failing.engine.run(later).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }

    @Test
    void aPageOfRunsWhoseEndKeepsFailingHoldsUpNoRunDueAfterThem() {
        StoreFailingToChange store = new StoreFailingToChange();
        try (EngineHarness failing = over(store)) {
            for (int i = 0; i <= Maintenance.BATCH; i++) {
                store.unwritable.add(awaitingRunIn(store, Duration.ofHours(1)));
            }
            String later = awaitingRunIn(store, Duration.ofHours(2));

            failing.clock.advance(Duration.ofHours(3));
            failing.sweep();
            failing.clock.advance(Duration.ofSeconds(1));
            failing.sweep();

            assertThat(failing.engine.run(later).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }
}

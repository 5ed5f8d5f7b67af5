package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.ClearedHistory;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowStep;
import io.nvent.IllegalRunTransitionException;
import io.nvent.InvalidPayloadException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepNotFoundException;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Restart, rerun from a step, and retry of a failed step. */
class RecoveryActionsTest {

    static final AtomicInteger fetches = new AtomicInteger();
    static final AtomicInteger transforms = new AtomicInteger();
    static final AtomicInteger loads = new AtomicInteger();
    static final AtomicBoolean loadFails = new AtomicBoolean();

    @FlowStep(flow = "etl", name = "fetch", role = StepRole.ENTRY, emits = "fetched")
    static class Fetch implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            fetches.incrementAndGet();
            ctx.emit("fetched", Map.of("rows", input.get("rows")));
            return null;
        }
    }

    @FlowStep(flow = "etl", name = "transform", subscribes = "fetched", emits = "transformed")
    static class Transform implements Step<Map<String, Map<String, Object>>, Void> {
        @Override
        public Void execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            transforms.incrementAndGet();
            ctx.emit("transformed", input.get("fetched"));
            return null;
        }
    }

    @FlowStep(flow = "etl", name = "load", subscribes = "transformed")
    static class Load implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            loads.incrementAndGet();
            if (loadFails.get()) {
                throw new IllegalStateException("warehouse offline");
            }
            return "loaded";
        }
    }

    private static void reset(boolean failLoad) {
        fetches.set(0);
        transforms.set(0);
        loads.set(0);
        loadFails.set(failLoad);
    }

    @Test
    void retryingAFailedStepResumesTheRunAndCompletesIt() {
        reset(true);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 3));
            h.awaitStatus(runId, RunStatus.FAILED);

            loadFails.set(false);
            h.engine.retryStep(runId, "load");
            RunInfo run = h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(run.steps()).containsEntry("load", StepStatus.COMPLETED);
            assertThat(run.endedAt()).isPresent();
            assertThat(loads).hasValue(2);
            assertThat(fetches).hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("step.failed", "flow.failed", "step.retry",
                    "step.started", "step.completed", "flow.completed");
            assertThat(h.queue.job("etl", runId + ":load").orElseThrow().attempts()).hasSize(2);
        }
    }

    @Test
    void aFailedRunIsListedWithTheErrorItFailedWithUntilItsStepIsRetried() {
        reset(true);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 3));
            h.awaitStatus(runId, RunStatus.FAILED);
            String recorded = h.engine.events(runId, EventQuery.all()).stream()
                    .filter(e -> e.type() == EventType.FLOW_FAILED).findFirst().orElseThrow().data();

            RunQuery failed = new RunQuery(Optional.of("etl"), Optional.of(RunStatus.FAILED), 0, 10, Optional.empty());
            assertThat(h.engine.runs(failed)).singleElement().extracting(RunInfo::error).asString()
                    .contains("warehouse offline");
            assertThat(recorded).contains(h.engine.run(runId).orElseThrow().error().orElseThrow());

            loadFails.set(false);
            h.engine.retryStep(runId, "load");

            assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).error()).isEmpty();
        }
    }

    @Test
    void retryingAStepThatFailsAgainReusesItsFailedJobSoTheQueueKeepsOneDeadJobPerStep() {
        reset(true);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 4));
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.queue.discard("etl", runId + ":load")).isTrue();

            h.engine.retryStep(runId, "load");
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.queue.counts("etl").failed()).as("the retry's own job failed").isEqualTo(1);
            h.engine.retryStep(runId, "load");
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.queue.counts("etl").failed()).as("that job went again and failed again").isEqualTo(1);

            loadFails.set(false);
            h.engine.retryStep(runId, "load");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(loads).hasValue(4);
            assertThat(h.queue.counts("etl").failed()).isZero();
        }
    }

    @Test
    void clearingAFlowsHistoryDeletesItsFinishedRunsAndKeepsThoseUnderWay() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String completed = h.engine.start("etl", Map.of("rows", 1));
            h.awaitStatus(completed, RunStatus.COMPLETED);
            loadFails.set(true);
            String failed = h.engine.start("etl", Map.of("rows", 2));
            h.awaitStatus(failed, RunStatus.FAILED);
            h.queue.pause("etl");
            String waiting = h.engine.start("etl", Map.of("rows", 3));

            assertThat(h.engine.clearHistory("etl")).isEqualTo(2);

            assertThat(h.engine.runs(io.nvent.RunQuery.ofFlow("etl"))).extracting(RunInfo::runId)
                    .containsExactly(waiting);
            assertThat(h.engine.run(failed)).isEmpty();
            assertThatThrownBy(() -> h.engine.clearHistory("no-such-flow"))
                    .isInstanceOf(io.nvent.FlowNotFoundException.class).hasMessageContaining("no-such-flow");
        }
    }

    @Test
    void clearingAFlowsHistoryALimitedNumberAtATimeSaysHowManyFinishedRunsAreLeftUntilNoneIs() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            for (int rows = 1; rows <= 3; rows++) {
                h.awaitStatus(h.engine.start("etl", Map.of("rows", rows)), RunStatus.COMPLETED);
            }
            h.queue.pause("etl");
            String waiting = h.engine.start("etl", Map.of("rows", 4));

            ClearedHistory first = h.engine.clearHistory("etl", 2);
            assertThat(first.deleted()).isEqualTo(2);
            assertThat(first.remaining()).isEqualTo(1);
            assertThat(first.stats().total()).as("the finished run left and the one under way").isEqualTo(2);
            ClearedHistory last = h.engine.clearHistory("etl", 2);
            assertThat(last.deleted()).isEqualTo(1);
            assertThat(last.remaining()).isZero();
            assertThat(h.engine.clearHistory("etl", 2).deleted()).isZero();

            assertThat(h.engine.runs(io.nvent.RunQuery.ofFlow("etl"))).extracting(RunInfo::runId)
                    .containsExactly(waiting);
            assertThatThrownBy(() -> h.engine.clearHistory("etl", 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("limit");
            assertThatThrownBy(() -> h.engine.clearHistory("no-such-flow", 10))
                    .isInstanceOf(io.nvent.FlowNotFoundException.class).hasMessageContaining("no-such-flow");
        }
    }

    @Test
    void retryingTheFailedJobStraightOnTheQueueRunsNothingAndLeavesTheRunFailedUntilTheRunsRetry() {
        reset(true);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 2));
            h.awaitStatus(runId, RunStatus.FAILED);
            List<String> failedHistory = h.types(runId);
            loadFails.set(false);

            assertThat(h.queue.retry("etl", runId + ":load")).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> h.queue.job("etl", runId + ":load").orElseThrow()
                    .state() == JobState.COMPLETED);
            assertThat(loads).as("load executions").hasValue(1);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.types(runId)).isEqualTo(failedHistory);

            h.engine.retryStep(runId, "load");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.types(runId)).containsSubsequence("step.failed", "flow.failed", "step.retry",
                    "step.started", "step.completed", "flow.completed");
        }
    }

    @Test
    void onlyFailedStepsCanBeRetried() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 1));
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.retryStep(runId, "load"))
                    .isInstanceOf(IllegalRunTransitionException.class)
                    .hasMessageContaining(runId).hasMessageContaining("has not failed");
        }
    }

    @Test
    void retryingOrRerunningAStepTheFlowLacksNamesTheRunAndTheStep() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String runId = h.engine.start("etl", Map.of("rows", 1));
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.retryStep(runId, "zzz"))
                    .isInstanceOfSatisfying(StepNotFoundException.class, e -> assertThat(e.step()).isEqualTo("zzz"))
                    .hasMessage("NVENT-0248 flow 'etl' of run '" + runId + "' has no step 'zzz'");
            assertThatThrownBy(() -> h.engine.rerunFrom(runId, "zzz"))
                    .isInstanceOfSatisfying(StepNotFoundException.class, e -> assertThat(e.runId()).isEqualTo(runId));
        }
    }

    @Test
    void aMissingArgumentIsRefusedNamingTheParameter() {
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            assertThatThrownBy(() -> h.engine.start(null, Map.of())).isInstanceOf(NullPointerException.class)
                    .hasMessage("flow");
            assertThatThrownBy(() -> h.engine.retryStep("r", null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("step");
            assertThatThrownBy(() -> h.engine.runs(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("query");
            assertThatThrownBy(() -> h.engine.awaits(false, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the most awaits to list must be at least 1, was -1");
            assertThatThrownBy(() -> h.triggers.history("any", 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 1, was 0");
        }
    }

    @Test
    void rerunFromAStepReusesEarlierEmissionsAndRunsOnlyThatStepAndItsDependents() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String original = h.engine.start("etl", Map.of("rows", 7));
            h.awaitStatus(original, RunStatus.COMPLETED);

            String rerun = h.engine.rerunFrom(original, "transform");
            RunInfo run = h.awaitStatus(rerun, RunStatus.COMPLETED);

            assertThat(rerun).isNotEqualTo(original);
            assertThat(fetches).as("fetch is not repeated").hasValue(1);
            assertThat(transforms).hasValue(2);
            assertThat(loads).hasValue(2);
            assertThat(run.steps()).containsOnlyKeys("fetch", "transform", "load");
            assertThat(h.eventsOf(rerun, EventType.FLOW_START).get(0).data())
                    .contains("\"rerunOf\":\"" + original + "\"", "\"fromStep\":\"transform\"");
            assertThat(h.eventsOf(rerun, EventType.STEP_STARTED)).extracting(e -> e.step().orElseThrow())
                    .containsExactly("transform", "load");
        }
    }

    @Test
    void restartStartsAFreshRunWithTheSameInput() {
        reset(false);
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String original = h.engine.start("etl", Map.of("rows", 5));
            h.awaitStatus(original, RunStatus.COMPLETED);

            String restarted = h.engine.restart(original);
            h.awaitStatus(restarted, RunStatus.COMPLETED);

            assertThat(fetches).hasValue(2);
            assertThat(h.eventsOf(restarted, EventType.FLOW_START).get(0).data())
                    .contains("\"restartOf\":\"" + original + "\"", "\"rows\":5");
        }
    }

    @FlowStep(flow = "signup", name = "confirm", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Confirm implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void restartingAnActiveRunCancelsItSayingWhyAndStartsAFreshOneWithTheSameInput() {
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String original = h.engine.start("signup", Map.of("email", "ann@example.com"));
            h.awaitStatus(original, RunStatus.AWAITING);

            String restarted = h.engine.restart(original);

            assertThat(h.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.eventsOf(original, EventType.FLOW_CANCEL)).singleElement().satisfies(cancel ->
                    assertThat(cancel.data()).contains("\"previousStatus\":\"awaiting\"", "\"reason\":\"restarted\""));
            h.awaitStatus(restarted, RunStatus.AWAITING);
            assertThat(h.eventsOf(restarted, EventType.FLOW_START).get(0).data())
                    .contains("\"restartOf\":\"" + original + "\"", "ann@example.com");
            assertThat(h.engine.awaits(true, 10)).singleElement()
                    .satisfies(await -> assertThat(await.runId()).isEqualTo(restarted));
        }
    }

    /** The signup flow's entry step in a later version, which reads a list where the first read an object. */
    @FlowStep(flow = "signup", name = "confirm", role = StepRole.ENTRY)
    static class ConfirmReadingAList implements Step<List<String>, Void> {
        @Override
        public Void execute(List<String> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void restartingARunOfAFlowNoLongerDeployedIsRefusedAndLeavesTheOriginalAsItWas() {
        try (EngineHarness v1 = new EngineHarness(new Confirm());
             EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b", new Fetch(), new Transform(),
                     new Load())) {
            String original = v1.engine.start("signup", Map.of("email", "ann@example.com"));
            v1.awaitStatus(original, RunStatus.AWAITING);

            assertThatThrownBy(() -> v2.engine.restart(original)).isInstanceOf(FlowNotFoundException.class);

            assertThat(v2.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(v2.eventsOf(original, EventType.FLOW_CANCEL)).isEmpty();
            assertThat(v2.engine.runs(RunQuery.all())).singleElement()
                    .satisfies(run -> assertThat(run.runId()).isEqualTo(original));
        }
    }

    @Test
    void restartingARunWhoseInputTheDeployedEntryStepCannotReadIsRefusedAndLeavesTheOriginalAsItWas() {
        try (EngineHarness v1 = new EngineHarness(new Confirm());
             EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b", new ConfirmReadingAList())) {
            String original = v1.engine.start("signup", Map.of("email", "ann@example.com"));
            v1.awaitStatus(original, RunStatus.AWAITING);

            assertThatThrownBy(() -> v2.engine.restart(original)).isInstanceOf(InvalidPayloadException.class);

            assertThat(v2.engine.run(original).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(v2.eventsOf(original, EventType.FLOW_CANCEL)).isEmpty();
            assertThat(v2.engine.runs(RunQuery.all())).hasSize(1);
        }
    }
}

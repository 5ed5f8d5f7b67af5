package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.UndeclaredEventException;
import io.nvent.UnexpectedEventException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A step may emit only the events it declares: a misspelt one fails the attempt instead of vanishing. */
class UndeclaredEventsTest {

    @FlowStep(flow = "typo", name = "do", role = StepRole.ENTRY, emits = "t.done", maxAttempts = 2, backoffDelayMs = 1)
    static class EmitsATypo implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("t.don", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "typo", name = "after", subscribes = "t.done")
    static class AfterDone extends CountingStep {
    }

    @Test
    void anEmitOfAnEventTheStepDoesNotDeclareFailsTheAttemptNamingRunStepEventAndTheDeclaredOnes() {
        AfterDone after = new AfterDone();
        try (EngineHarness h = new EngineHarness(new EmitsATypo(), after)) {
            String runId = h.engine.start("typo", null);
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(run.steps()).containsEntry("do", StepStatus.FAILED).doesNotContainKey("after");
            assertThat(h.types(runId)).containsSubsequence("step.retry", "step.failed", "flow.failed")
                    .doesNotContain("emit");
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0233 step 'do' of run '" + runId
                            + "' (flow 'typo') emitted event 't.don', which it does not declare; it declares emits"
                            + " = [t.done]; did you mean 't.done'? (fix the event's name"));
            assertThat(after.runs).hasValue(0);
        }
    }

    @FlowStep(flow = "swallowed", name = "do", role = StepRole.ENTRY, emits = "s.done", maxAttempts = 1)
    static class SwallowsTheRefusal implements Step<Object, Void> {
        volatile UndeclaredEventException caught;

        @Override
        public Void execute(Object input, StepContext ctx) {
            try {
                ctx.emit("s.dne", Map.of());
            } catch (UndeclaredEventException e) {
                caught = e;
            }
            ctx.emit("s.done", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "swallowed", name = "after", subscribes = "s.done")
    static class AfterSwallowed extends AfterDone {
    }

    @Test
    void aStepThatCatchesTheRefusalStillFailsItsAttemptAndTriggersNothing() {
        SwallowsTheRefusal step = new SwallowsTheRefusal();
        AfterSwallowed after = new AfterSwallowed();
        try (EngineHarness h = new EngineHarness(step, after)) {
            String runId = h.engine.start("swallowed", null);
            h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(step.caught).isNotNull().satisfies(e -> {
                assertThat(e.runId()).isEqualTo(runId);
                assertThat(e.step()).isEqualTo("do");
                assertThat(e.event()).isEqualTo("s.dne");
            });
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0233", "'s.dne'"));
            assertThat(after.runs).hasValue(0);
        }
    }

    /** Its approval comes from an operator, or from this step once released. */
    @FlowStep(flow = "held", name = "hold", role = StepRole.ENTRY, emits = "approved")
    static class Hold implements Step<Object, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            release.await();
            return null;
        }
    }

    @FlowStep(flow = "held", name = "approve", subscribes = "approved")
    static class Approve extends AfterDone {
    }

    @Test
    void anOperatorsEventThatNothingOfTheRunsFlowListensToIsRefusedNamingWhatItListensToAndNothingIsRecorded() {
        Hold hold = new Hold();
        Approve approve = new Approve();
        try (EngineHarness h = new EngineHarness(hold, approve)) {
            String runId = h.engine.start("held", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("hold") == StepStatus.RUNNING);
            int recorded = h.history(runId).size();

            assertThatThrownBy(() -> h.engine.emit(runId, "aproved", Map.of("by", "ops")))
                    .isInstanceOf(UnexpectedEventException.class)
                    .hasMessageStartingWith("NVENT-0234 flow 'held' of run '" + runId + "' does not listen to event "
                            + "'aproved': no step subscribes to it and no await waits for it; it listens to "
                            + "[approved]; did you mean 'approved'? (fix the name;");
            assertThat(h.history(runId)).hasSize(recorded);

            h.engine.emit(runId, "approved", Map.of("by", "ops"));
            hold.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(approve.runs).hasValue(1);
        }
    }
}

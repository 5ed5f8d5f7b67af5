package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.IllegalRunTransitionException;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An await outlives the deployment that registered it: a later one (a redeploy, or the other
 * instance of a rolling deploy) that lacks its step or flow leaves it waiting, untouched, for a
 * deployment that has it. Each test stands for "v1" registering, "v2" lacking, "v3" having it again,
 * as engines over the same stores.
 */
class AwaitsAcrossDeploymentsTest {

    @FlowStep(flow = "timer", name = "t-wait", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 300_000)
    static class TimedWait implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "waited";
        }
    }

    /** "v2" of {@link TimedWait}: the awaited step renamed. */
    @FlowStep(flow = "timer", name = "t-wait-v2", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 300_000)
    static class TimedWaitRenamed implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "waited";
        }
    }

    @FlowStep(flow = "approval", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Approve implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "approved";
        }
    }

    /** "v2" of {@link Approve}: the awaited step renamed. */
    @FlowStep(flow = "approval", name = "approve-v2", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class ApproveRenamed implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "approved";
        }
    }

    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    static class Remind implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "reminded";
        }
    }

    @FlowStep(flow = "order", name = "ship", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "paid", timeoutMs = 86_400_000)
    static class Ship implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "shipped";
        }
    }

    /** "v2" of {@link Ship}: the awaited step renamed, awaiting the same event. */
    @FlowStep(flow = "order", name = "ship-v2", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "paid", timeoutMs = 86_400_000)
    static class ShipRenamed implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "shipped";
        }
    }

    @FlowStep(flow = "pause", name = "p-wait", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 60_000)
    static class Pause implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "paused";
        }
    }

    private static AwaitInfo onlyAwaitOf(EngineHarness h, String runId) {
        return h.engine.awaits(false, 100).stream().filter(a -> a.runId().equals(runId)).findFirst().orElseThrow();
    }

    /** Another deployment of the same application: an engine over the same stores, with its own steps. */
    private static EngineHarness redeployed(EngineHarness before, String version, Step<?, ?>... steps) {
        EngineHarness next = new EngineHarness(before.store, before.scheduling, "instance-" + version, steps);
        next.clock.advance(Duration.between(next.clock.instant(), before.clock.instant()));
        return next;
    }

    @Test
    void aDueTimeAwaitOfAStepTheDeploymentLacksStaysWaitingAndResolvesOnceADeploymentHasTheStepAgain() {
        try (EngineHarness v1 = new EngineHarness(new TimedWait())) {
            String runId = v1.engine.start("timer", Map.of());
            v1.awaitStatus(runId, RunStatus.AWAITING);
            v1.close();

            try (EngineHarness v2 = redeployed(v1, "v2", new TimedWaitRenamed())) {
                v2.clock.advance(Duration.ofMinutes(6));
                v2.sweep();
                v2.sweep();

                assertThat(onlyAwaitOf(v2, runId).status()).as("not used up").isEqualTo(AwaitStatus.WAITING);
                assertThat(v2.engine.run(runId).orElseThrow().steps()).containsEntry("t-wait", StepStatus.AWAITING);
                assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                    assertThat(wait.step()).isEqualTo("t-wait");
                    assertThat(wait.reason()).isEqualTo(StepWait.Reason.AWAIT);
                    assertThat(wait.awaitId()).contains(onlyAwaitOf(v2, runId).awaitId());
                    assertThat(wait.detail()).startsWith("NVENT-0164 its time await has been due since ")
                            .contains("the deployed flow 'timer' has no step 't-wait'");
                });

                try (EngineHarness v3 = redeployed(v2, "v3", new TimedWait())) {
                    v3.sweep();

                    v3.awaitStatus(runId, RunStatus.COMPLETED);
                    assertThat(onlyAwaitOf(v3, runId).status()).isEqualTo(AwaitStatus.RESOLVED);
                    assertThat(v3.types(runId)).containsSubsequence("await.registered", "await.resolved",
                            "step.started", "step.completed", "flow.completed");
                }
            }
        }
    }

    @Test
    void aWebhookCallForAStepTheDeploymentLacksIsRefusedAndTheSameCallResolvesTheAwaitOnADeploymentWithTheStep() {
        try (EngineHarness v1 = new EngineHarness(new Approve())) {
            String runId = v1.engine.start("approval", Map.of());
            v1.awaitStatus(runId, RunStatus.AWAITING);
            String url = v1.registration(0).webhookUrl().orElseThrow();
            String token = url.substring(url.lastIndexOf('/') + 1);

            try (EngineHarness v2 = redeployed(v1, "v2", new ApproveRenamed())) {
                assertThatThrownBy(() -> v2.engine.resolveWebhook(token, "{\"approvedBy\":\"ceo\"}"))
                        .isInstanceOf(IllegalRunTransitionException.class)
                        .hasMessageStartingWith("NVENT-0203 run '" + runId + "' is awaiting and cannot resolve await ")
                        .hasMessageContaining("the deployed flow 'approval' has no step 'approve'")
                        .hasMessageContaining("the await still waits, unchanged");
                String awaitId = onlyAwaitOf(v2, runId).awaitId();
                assertThatThrownBy(() -> v2.engine.resolveAwait(awaitId, Map.of()))
                        .isInstanceOf(IllegalRunTransitionException.class);

                assertThat(onlyAwaitOf(v2, runId).status()).as("not used up").isEqualTo(AwaitStatus.WAITING);
                assertThat(v2.types(runId)).doesNotContain("await.resolved");
            }

            v1.engine.resolveWebhook(token, "{\"approvedBy\":\"ceo\"}");

            v1.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void anEventAwaitedByAStepTheDeploymentLacksLeavesItsAwaitWaitingAndReachesTheOthers() {
        try (EngineHarness v1 = new EngineHarness(new Ship())) {
            String oldRun = v1.engine.start("order", Map.of());
            v1.awaitStatus(oldRun, RunStatus.AWAITING);

            try (EngineHarness v2 = redeployed(v1, "v2", new ShipRenamed())) {
                String newRun = v2.engine.start("order", Map.of());
                v2.awaitStatus(newRun, RunStatus.AWAITING);

                assertThat(v2.engine.publishEvent("paid", Map.of()).resolvedAwaits()).isEqualTo(1);

                v2.awaitStatus(newRun, RunStatus.COMPLETED);
                assertThat(onlyAwaitOf(v2, oldRun).status()).as("not used up").isEqualTo(AwaitStatus.WAITING);
            }
        }
    }

    @Test
    void theSweepReadsPastAFullBatchOfDueAwaitsTheDeploymentLacks() {
        try (EngineHarness v1 = new EngineHarness(new TimedWait(), new Pause())) {
            for (int i = 0; i < 200; i++) {
                v1.engine.start("timer", Map.of());
            }
            v1.clock.advance(Duration.ofMillis(1));
            String known = v1.engine.start("pause", Map.of());
            v1.awaitStatus(known, RunStatus.AWAITING);
            v1.close();

            try (EngineHarness v2 = redeployed(v1, "v2", new TimedWaitRenamed(), new Pause())) {
                v2.clock.advance(Duration.ofMinutes(6));
                v2.sweep();
                v2.sweep();

                v2.awaitStatus(known, RunStatus.COMPLETED);
            }
        }
    }

    @Test
    void aDelayedStartOfAFlowTheDeploymentLacksStaysWaitingAndStartsOnceADeploymentHasTheFlowAgain() {
        try (EngineHarness v1 = new EngineHarness(new Remind(), new Approve())) {
            String runId = v1.engine.start("reminder", Map.of(), StartOptions.delayed(Duration.ofMinutes(10)))
                    .runId();
            v1.awaitStatus(runId, RunStatus.AWAITING);
            v1.close();

            try (EngineHarness v2 = redeployed(v1, "v2", new Approve())) {
                v2.clock.advance(Duration.ofMinutes(11));
                v2.sweep();

                AwaitInfo await = onlyAwaitOf(v2, runId);
                assertThat(await.status()).as("not used up").isEqualTo(AwaitStatus.WAITING);
                assertThat(v2.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
                assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> assertThat(wait.detail())
                        .contains("flow 'reminder' is not deployed here"));
                assertThatThrownBy(() -> v2.engine.resolveAwait(await.awaitId(), Map.of()))
                        .isInstanceOf(IllegalRunTransitionException.class)
                        .hasMessageContaining("flow 'reminder' is not deployed here");

                try (EngineHarness v3 = redeployed(v2, "v3", new Remind(), new Approve())) {
                    v3.sweep();

                    v3.awaitStatus(runId, RunStatus.COMPLETED);
                }
            }
        }
    }
}

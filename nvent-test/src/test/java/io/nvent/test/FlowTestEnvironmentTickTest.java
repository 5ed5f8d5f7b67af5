package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A test of a schedule moves the time to the trigger's next tick in one call and gets the runs that tick started. */
class FlowTestEnvironmentTickTest {

    @FlowStep(flow = "billing", name = "bill", role = StepRole.ENTRY)
    @Trigger(name = "nightly-billing", type = TriggerType.SCHEDULE, cron = "0 2 * * *")
    static class Bill implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "billed at " + ctx.clock().instant();
        }
    }

    /** A step of a flow only a trigger starts here: what it does is no part of the test. */
    abstract static class DoesNothing<I> implements Step<I, Void> {
        @Override
        public Void execute(I input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "refund", name = "refund", role = StepRole.ENTRY)
    @Trigger(name = "refund-requested", type = TriggerType.EVENT, event = "refund.requested")
    static class Refund extends DoesNothing<Object> {
    }

    @FlowStep(flow = "ledger", name = "post", role = StepRole.ENTRY)
    @Trigger(name = "hourly-sync", type = TriggerType.SCHEDULE, every = "PT1H")
    static class PostLedger extends DoesNothing<Object> {
    }

    /** Takes a number: a tick's payload (an object) is refused. */
    @FlowStep(flow = "counter", name = "count", role = StepRole.ENTRY)
    @Trigger(name = "hourly-sync", type = TriggerType.SCHEDULE, every = "PT1H")
    static class Count extends DoesNothing<Integer> {
    }

    /** Waits for an answer; a tick while it waits starts no second run. */
    @FlowStep(flow = "audit", name = "audit", role = StepRole.ENTRY)
    @Trigger(name = "hourly-audit", type = TriggerType.SCHEDULE, every = "PT1H", overlap = io.nvent.Overlap.SKIP)
    @io.nvent.AwaitBefore(type = io.nvent.AwaitType.WEBHOOK)
    static class Audit extends DoesNothing<Object> {
    }

    /** Syncs a customer once their changes settle: a burst of updates folds into one pending run. */
    @FlowStep(flow = "crm", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "crm-sync", type = TriggerType.EVENT, event = "customer.updated", debounce = "PT30S")
    static class SyncCustomer implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "synced at " + ctx.clock().instant();
        }
    }

    /** Welcomes a customer once their sign-up settles, and checks on them ten seconds after. */
    @FlowStep(flow = "onboarding", name = "welcome", role = StepRole.ENTRY, emits = "welcomed")
    @Trigger(name = "signed-up", type = TriggerType.EVENT, event = "customer.signed-up", debounce = "PT30S")
    static class Welcome implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("welcomed", "c-1");
            return null;
        }
    }

    @FlowStep(flow = "onboarding", name = "check-in", subscribes = "welcomed")
    @io.nvent.AwaitBefore(type = io.nvent.AwaitType.TIME, delayMs = 10_000)
    static class CheckIn implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    final FlowTestEnvironment env = FlowTestEnvironment.of(new Bill(), new Refund());

    @AfterEach
    void close() {
        env.close();
    }

    @Test
    void aCronTriggersNextTickIsReachedInOneCallThatReturnsTheRunsTheTickStarted() {
        List<String> first = env.advanceToNextTick("nightly-billing");

        assertThat(env.now()).isEqualTo(Instant.parse("2030-01-01T02:00:00Z"));
        assertThat(first).singleElement().satisfies(runId -> {
            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(env.output(runId, "bill", String.class)).hasValue("billed at 2030-01-01T02:00:00Z");
        });

        List<String> second = env.advanceToNextTick("nightly-billing");

        assertThat(env.now()).isEqualTo(Instant.parse("2030-01-02T02:00:00Z"));
        assertThat(second).singleElement().isNotEqualTo(first.get(0));
    }

    @Test
    void aTickThatOneOfItsFlowsRefusedStillReturnsTheRunItStartedOfTheOther() {
        try (FlowTestEnvironment shared = FlowTestEnvironment.of(new PostLedger(), new Count())) {
            List<String> runs = shared.advanceToNextTick("hourly-sync");

            assertThat(shared.triggers().history("hourly-sync", 1)).singleElement()
                    .satisfies(entry -> assertThat(entry.type()).isEqualTo(io.nvent.TriggerEvent.FAILED));
            assertThat(runs).containsExactlyElementsOf(shared.flows().runs(io.nvent.RunQuery.all()).stream()
                    .map(io.nvent.RunInfo::runId).toList()).hasSize(1);
        }
    }

    @Test
    void aTickThatTheTriggersOverlapSkipsStartsNoRunAndReturnsNone() {
        try (FlowTestEnvironment audits = FlowTestEnvironment.of(new Audit())) {
            List<String> first = audits.advanceToNextTick("hourly-audit");
            List<String> second = audits.advanceToNextTick("hourly-audit");

            assertThat(first).hasSize(1);
            assertThat(second).isEmpty();
            assertThat(audits.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START.plus(java.time.Duration.ofHours(2)));
            assertThat(audits.triggers().history("hourly-audit", 1)).singleElement()
                    .satisfies(entry -> assertThat(entry.type()).isEqualTo(io.nvent.TriggerEvent.SKIPPED));
        }
    }

    @Test
    void aTriggerThatTheTimeDoesNotFireHasNoNextTickAndTheMessageSaysHowToFireIt() {
        assertThatThrownBy(() -> env.advanceToNextTick("refund-requested"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("trigger 'refund-requested' has no next tick: it is an event trigger, which the time does "
                        + "not fire; fire it with triggers().fire(name, jsonPayload) or flows().publishEvent(event, "
                        + "payload)");
        assertThat(env.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START);
    }

    @Test
    void aDisabledScheduleHasNoNextTick() {
        env.triggers().setEnabled("nightly-billing", false);

        assertThatThrownBy(() -> env.advanceToNextTick("nightly-billing"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("trigger 'nightly-billing' has no next tick: it is disabled");
    }

    @Test
    void aTriggerThereIsNoneOfIsRefusedNamingTheTriggers() {
        assertThatThrownBy(() -> env.advanceToNextTick("nighlty-billing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("there is no trigger 'nighlty-billing'; the triggers: [nightly-billing, refund-requested]");
        assertThat(env.flows().runs(io.nvent.RunQuery.all())).isEmpty();
    }

    @Test
    void aDebouncedTriggersNextTickIsWhenItsPendingRunStartsAndReturnsTheRunItsFiresWentInto() {
        try (FlowTestEnvironment crm = FlowTestEnvironment.of(new SyncCustomer())) {
            crm.flows().publishEvent("customer.updated", Map.of("customerId", "c-1"));
            crm.advanceTime(java.time.Duration.ofSeconds(10));
            crm.flows().publishEvent("customer.updated", Map.of("customerId", "c-1", "name", "Ada"));

            List<String> runs = crm.advanceToNextTick("crm-sync");

            assertThat(runs).as("the one pending run both fires went into").hasSize(1);
            assertThat(crm.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START.plusSeconds(40));
            assertThat(crm.awaitRun(runs.get(0)).status()).isEqualTo(RunStatus.COMPLETED);
            assertThatThrownBy(() -> crm.advanceToNextTick("crm-sync")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("NVENT-0050 trigger 'crm-sync' is debounced and has no pending run");
        }
    }

    @Test
    void aDebouncedTriggersNextTickIsItsPendingRunsStartNotTheTimerOfARunThatStartedAlready() {
        try (FlowTestEnvironment onboarding = FlowTestEnvironment.of(new Welcome(), new CheckIn())) {
            onboarding.flows().publishEvent("customer.signed-up", Map.of("customerId", "c-1"));
            String first = onboarding.advanceToNextTick("signed-up").get(0);
            org.awaitility.Awaitility.await().until(() -> onboarding.awaits(first).stream()
                    .anyMatch(a -> a.step().equals("check-in")));
            onboarding.flows().publishEvent("customer.signed-up", Map.of("customerId", "c-2"));

            List<String> runs = onboarding.advanceToNextTick("signed-up");

            assertThat(runs).as("the run the second fire went into, not the first one's check-in timer")
                    .singleElement().isNotEqualTo(first);
            assertThat(onboarding.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START.plusSeconds(60));
            assertThatThrownBy(() -> onboarding.advanceToNextTick("signed-up"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("NVENT-0050");
        }
    }
}

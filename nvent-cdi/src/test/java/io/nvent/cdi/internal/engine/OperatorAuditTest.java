package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.nvent.CancelOptions;
import io.nvent.EventOptions;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.Operator;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StartOptions;
import io.nvent.StepRole;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.engine.RetentionSweepTest.Messages;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * "Who canceled that run, and why?": an operator action made through {@code actingAs} names its operator and their
 * reason in the history entries it writes and in a line of the {@code io.nvent.audit} log; a plain call names nobody.
 */
class OperatorAuditTest {

    /** Holds until the run is canceled. */
    @FlowStep(flow = "order", name = "ship", role = StepRole.ENTRY)
    public static class Ship implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            new CountDownLatch(1).await();
            return "shipped";
        }
    }

    /** Declines every charge. */
    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY)
    public static class Charge implements Step<Map<String, Integer>, String> {
        @Override
        public String execute(Map<String, Integer> input, StepContext ctx) {
            throw new IllegalStateException("declined");
        }
    }

    private static final Operator ALICE = Operator.named("alice").because("customer called to cancel");

    @Test
    void aCancelActingAsAnOperatorNamesThemAndTheirReasonInItsEntryAndInTheAuditLog() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            String runId = h.engine.start("order", Map.of("id", 1));
            h.awaitStatus(runId, RunStatus.RUNNING);

            assertThat(h.engine.actingAs(ALICE).cancel(runId)).isTrue();

            JsonObject cancel = data(h.eventsOf(runId, EventType.FLOW_CANCEL).get(0));
            assertThat(cancel.getString("operator")).isEqualTo("alice");
            assertThat(cancel.getString("operatorReason")).isEqualTo("customer called to cancel");
            assertThat(cancel.containsKey("reason")).as("the engine's own reason stays apart").isFalse();
            assertThat(audit.logged).containsExactly("NVENT-0016 operator alice canceled run " + runId
                    + " (reason: customer called to cancel)");
        }
    }

    @Test
    void aPlainCancelNamesNobody() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            String runId = h.engine.start("order", Map.of("id", 1));
            h.awaitStatus(runId, RunStatus.RUNNING);

            h.engine.cancel(runId, CancelOptions.DEFAULTS);

            JsonObject cancel = data(h.eventsOf(runId, EventType.FLOW_CANCEL).get(0));
            assertThat(cancel.containsKey("operator")).isFalse();
            assertThat(cancel.containsKey("operatorReason")).isFalse();
            assertThat(audit.logged).isEmpty();
        }
    }

    @Test
    void aRetryARestartAndADeletionNameTheOperatorAndReadsThroughTheViewLogNothing() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit");
             Messages engine = new Messages(FlowEngine.class)) {
            String runId = h.engine.start("payment", Map.of("amount", 500));
            h.awaitStatus(runId, RunStatus.FAILED);
            var bob = h.engine.actingAs(Operator.named("bob"));
            assertThat(bob.run(runId)).isPresent();
            assertThat(bob.events(runId, io.nvent.EventQuery.all())).isNotEmpty();

            bob.retryStep(runId, "charge");
            h.awaitStatus(runId, RunStatus.FAILED);
            String copy = bob.restart(runId);
            h.awaitStatus(copy, RunStatus.FAILED);
            bob.deleteRun(copy);

            JsonObject retry = data(h.eventsOf(runId, EventType.STEP_RETRY).get(0));
            assertThat(retry.getString("operator")).isEqualTo("bob");
            assertThat(retry.containsKey("operatorReason")).as("no reason given").isFalse();
            assertThat(retry.getString("reason")).as("the engine's own reason is kept").startsWith("manual retry");
            assertThat(audit.logged).containsExactly(
                    "NVENT-0016 operator bob retried step 'charge' of run " + runId + " (no reason given)",
                    "NVENT-0016 operator bob restarted run " + runId + " as run " + copy + " (no reason given)",
                    "NVENT-0016 operator bob deleted run " + copy + " of flow 'payment' (failed) (no reason given)");
            assertThat(engine.logged).filteredOn(m -> m.startsWith("NVENT-0551")).singleElement().asString()
                    .endsWith("as operator 'bob' asked");
        }
    }

    @Test
    void aViewEqualsItselfOnlyAndAStartOrPublishAnsweredByItsIdempotencyKeyIsLoggedAsReplayed() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            var bob = h.engine.actingAs(Operator.named("bob"));
            assertThat(bob).isEqualTo(bob).hasSameHashCodeAs(bob);
            assertThat(bob).isNotEqualTo(h.engine.actingAs(Operator.named("bob"))).isNotEqualTo(h.engine);

            String runId = bob.start("order", Map.of("id", 1), StartOptions.idempotent("order-1")).runId();
            bob.start("order", Map.of("id", 1), StartOptions.idempotent("order-1"));
            h.awaitStatus(runId, RunStatus.RUNNING);
            bob.publishEvent("stock.counted", Map.of(), EventOptions.idempotent("count-1"));
            bob.publishEvent("stock.counted", Map.of(), EventOptions.idempotent("count-1"));

            assertThat(audit.logged).containsExactly(
                    "NVENT-0016 operator bob started a run of flow 'order': run " + runId + " (no reason given)",
                    "NVENT-0016 operator bob replayed a start of a run of flow 'order': run " + runId
                            + " (no reason given)",
                    "NVENT-0016 operator bob published event 'stock.counted' (no reason given)",
                    "NVENT-0016 operator bob replayed event 'stock.counted' (no reason given)");
        }
    }

    @Test
    void aRefusedActionIsLoggedAsRefusedAndThrowsAsWithoutTheView() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            assertThatThrownBy(() -> h.engine.actingAs(ALICE).cancel("no-such-run"))
                    .isInstanceOf(RunNotFoundException.class);

            assertThat(audit.logged).singleElement().asString()
                    .startsWith("NVENT-0017 operator alice was refused when asking to cancel run no-such-run"
                            + " (reason: customer called to cancel): ");
        }
    }

    @Test
    void aTriggerActionRefusedForAMissingArgumentThrowsTheEnginesOwnErrorAndIsLoggedAsRefused() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            Throwable plain = catchThrowable(() -> h.triggers.create(null));
            Throwable backfillPlain = catchThrowable(() -> h.triggers.backfill(null));

            assertThatThrownBy(() -> h.triggers.actingAs(ALICE).create(null)).isInstanceOf(plain.getClass())
                    .hasMessage(plain.getMessage());
            assertThatThrownBy(() -> h.triggers.actingAs(ALICE).backfill(null)).isInstanceOf(backfillPlain.getClass())
                    .hasMessage(backfillPlain.getMessage());

            assertThat(audit.logged).satisfiesExactly(
                    line -> assertThat(line).startsWith("NVENT-0017 operator alice was refused when asking to create"
                            + " trigger (no spec given) (reason: customer called to cancel): "),
                    line -> assertThat(line).startsWith("NVENT-0017 operator alice was refused when asking to backfill"
                            + " a trigger, no backfill given (reason: customer called to cancel): "));
        }
    }

    @Test
    void aTriggerDisabledActingAsAnOperatorNamesThemInTheTriggersHistory() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.MANUAL).flow("order").build());

            h.triggers.actingAs(Operator.named("carol").because("holiday freeze")).setEnabled("nightly", false);

            List<TriggerEvent> history = h.triggers.history("nightly", 10);
            TriggerEvent last = history.stream().filter(e -> e.data().contains("carol")).findFirst().orElseThrow();
            JsonObject data = jakarta.json.Json.createReader(new StringReader(last.data())).readObject();
            assertThat(data.getString("operatorReason")).isEqualTo("holiday freeze");
            assertThat(history).filteredOn(e -> e != last).allSatisfy(e -> assertThat(e.data()).doesNotContain("carol"));
            assertThat(audit.logged).containsExactly(
                    "NVENT-0016 operator carol disabled trigger 'nightly' (reason: holiday freeze)");
        }
    }

    @Test
    void aRunCanceledByAnOperatorHandsItsConcurrencyKeyOnWithoutNamingThemInTheNextRunsEntryNorLeavingThemOnTheThread() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge())) {
            io.nvent.StartOptions oneAtATime = io.nvent.StartOptions.newBuilder().concurrencyKey("customer-7").build();
            String first = h.engine.start("order", Map.of("id", 1), oneAtATime).runId();
            h.awaitStatus(first, RunStatus.RUNNING);
            String next = h.engine.start("order", Map.of("id", 2), oneAtATime).runId();
            h.awaitStatus(next, RunStatus.AWAITING);

            assertThatThrownBy(() -> h.engine.actingAs(ALICE).cancel("no-such-run"))
                    .isInstanceOf(RunNotFoundException.class);
            assertThat(OperatorScope.current()).as("a refused call leaves no operator on the thread").isEmpty();
            h.engine.actingAs(ALICE).cancel(first);
            h.awaitStatus(next, RunStatus.RUNNING);

            assertThat(data(h.eventsOf(first, EventType.FLOW_CANCEL).get(0)).getString("operator")).isEqualTo("alice");
            assertThat(h.eventsOf(next, EventType.AWAIT_RESOLVED)).isNotEmpty().allSatisfy(resolved -> assertThat(
                    data(resolved).containsKey("operator")).as("the engine handed the key on, not alice: %s",
                    resolved.data()).isFalse());
            h.engine.cancel(next);
        }
    }

    @Test
    void aFireAnOperatorAskedForThatTheOverlapPolicySkipsNamesThemInTheSkippedEntryAndTheAuditLineSaysNoRunStarted() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            h.triggers.create(TriggerSpec.newBuilder("orders", TriggerType.MANUAL).flow("order")
                    .overlap(io.nvent.Overlap.SKIP).build());
            String underWay = h.triggers.fire("orders", "{}").get(0);
            h.awaitStatus(underWay, RunStatus.RUNNING);

            assertThat(h.triggers.actingAs(Operator.named("erin").because("month end")).fire("orders", "{}")).isEmpty();

            TriggerEvent skipped = h.triggers.history("orders", 10).stream()
                    .filter(e -> e.type().equals("trigger.skipped")).findFirst().orElseThrow();
            assertThat(skipped.data()).contains("\"operator\":\"erin\"", "\"operatorReason\":\"month end\"");
            assertThat(audit.logged).containsExactly(
                    "NVENT-0016 operator erin fired trigger 'orders', which started no run (reason: month end)");
            h.engine.cancel(underWay);
        }
    }

    private static JsonObject data(HistoryEvent event) {
        return jakarta.json.Json.createReader(new StringReader(event.data())).readObject();
    }

    /** An audit line of a bulk retry narrowed to the runs failed at one step says so, not "the failed runs" alone. */
    @Test
    void aBulkRetryOfTheRunsFailedAtOneStepSaysWhichStepInTheAuditLog() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Charge());
             Messages audit = new Messages("io.nvent.audit")) {
            String runId = h.engine.start("payment", Map.of("amount", 500));
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.actingAs(Operator.named("bob").because("partner back")).retryFailed(
                    io.nvent.BulkRetry.ofFlow("payment").withStep("charge"));

            assertThat(audit.logged).containsExactly("NVENT-0016 operator bob retried the failed runs of flow 'payment'"
                    + " failed at step 'charge': 1 of 1 matched (reason: partner back)");
            h.awaitStatus(runId, RunStatus.FAILED);
        }
    }
}

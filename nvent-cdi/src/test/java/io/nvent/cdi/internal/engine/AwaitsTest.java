package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitClosedException;
import io.nvent.AwaitPosition;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.AwaitTimedOut;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AwaitsTest {

    static final AtomicReference<Optional<String>> approvalData = new AtomicReference<>();
    static final AtomicInteger payouts = new AtomicInteger();

    @FlowStep(flow = "expense", name = "submit", role = StepRole.ENTRY, emits = "expense.submitted")
    static class Submit implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("expense.submitted", input);
            return null;
        }
    }

    @FlowStep(flow = "expense", name = "pay", subscribes = "expense.submitted")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class Pay implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            approvalData.set(ctx.triggerData());
            payouts.incrementAndGet();
            return "paid";
        }
    }

    private static EngineHarness expenseFlow() {
        approvalData.set(null);
        payouts.set(0);
        return new EngineHarness(new Submit(), new Pay());
    }

    private static String tokenOf(AwaitRegistered registered) {
        String url = registered.webhookUrl().orElseThrow();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void aWebhookAwaitPausesTheRunAndTheBodyOfTheCallReachesTheStep() {
        try (EngineHarness h = expenseFlow()) {
            String runId = h.engine.start("expense", Map.of("amount", 120));
            h.awaitStatus(runId, RunStatus.AWAITING);

            AwaitRegistered registered = h.registration(0);
            assertThat(registered.webhookUrl()).hasValueSatisfying(url -> assertThat(url)
                    .startsWith("http://test/api/nvent/awaits/"));
            assertThat(tokenOf(registered)).as("at least 128 random bits").hasSizeGreaterThanOrEqualTo(22);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("pay", StepStatus.AWAITING);
            assertThat(payouts).hasValue(0);

            assertThatThrownBy(() -> h.engine.resolveWebhook(tokenOf(registered), null)).as("no body is no JSON")
                    .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("webhook body is missing (null)");
            h.engine.resolveWebhook(tokenOf(registered), "{\"approvedBy\":\"ceo\"}");
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(approvalData.get()).hasValue("{\"approvedBy\":\"ceo\"}");
            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.resolved", "step.started",
                    "step.completed", "flow.completed");
            assertThatThrownBy(() -> h.engine.resolveWebhook(tokenOf(registered), "{}"))
                    .isInstanceOfSatisfying(AwaitClosedException.class,
                            e -> assertThat(e.status()).isEqualTo(AwaitStatus.RESOLVED));
        }
    }

    @Test
    void retryingAStepWhoseApprovalTimedOutWaitsForANewApprovalInsteadOfRunningTheStep() {
        try (EngineHarness h = expenseFlow()) {
            String runId = h.engine.start("expense", Map.of("amount", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "pay");

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("pay", StepStatus.AWAITING);
            assertThat(payouts).as("no payment without an approval").hasValue(0);
            h.engine.resolveWebhook(tokenOf(h.registration(1)), "{\"approvedBy\":\"cfo\"}");
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(payouts).hasValue(1);
        }
    }

    @Test
    void anAwaitThatTimesOutWithFailFailsTheRunAndLaterCallsAreGone() {
        try (EngineHarness h = expenseFlow()) {
            String runId = h.engine.start("expense", Map.of("amount", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            String token = tokenOf(h.registration(0));

            h.clock.advance(Duration.ofSeconds(59));
            h.sweep();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(2));
            assertThatThrownBy(() -> h.engine.resolveWebhook(token, "{}")).as("past its timeout, before the sweep")
                    .isInstanceOfSatisfying(AwaitClosedException.class,
                            e -> assertThat(e.status()).isEqualTo(AwaitStatus.TIMED_OUT));
            h.sweep();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.timeout", "step.failed",
                    "flow.failed");
            assertThat(h.hooksOf(AwaitTimedOut.class)).singleElement()
                    .satisfies(t -> assertThat(t.action()).isEqualTo(TimeoutAction.FAIL));
            assertThatThrownBy(() -> h.engine.resolveWebhook(token, "{}"))
                    .isInstanceOfSatisfying(AwaitClosedException.class,
                            e -> assertThat(e.status()).isEqualTo(AwaitStatus.TIMED_OUT));
            assertThat(payouts).hasValue(0);
        }
    }

    @Test
    void cancelingAnAwaitingRunClosesItsAwait() {
        try (EngineHarness h = expenseFlow()) {
            String runId = h.engine.start("expense", Map.of("amount", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            String token = tokenOf(h.registration(0));

            h.engine.cancel(runId);

            assertThat(h.engine.run(runId).orElseThrow().steps()).as("an awaiting step that will not run")
                    .containsValue(StepStatus.CANCELED).doesNotContainValue(StepStatus.AWAITING);
            assertThatThrownBy(() -> h.engine.resolveWebhook(token, "{}"))
                    .isInstanceOfSatisfying(AwaitClosedException.class,
                            e -> assertThat(e.status()).isEqualTo(AwaitStatus.CANCELED));
            assertThat(h.engine.awaits(true, 10)).isEmpty();
        }
    }

    // ------------------------------------------------------------ timeout actions continue and retry

    static final AtomicInteger reminders = new AtomicInteger();

    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_000, timeoutAction = TimeoutAction.CONTINUE)
    static class Remind implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            assertThat(ctx.triggerData()).isEmpty();
            reminders.incrementAndGet();
            return null;
        }
    }

    @Test
    void anEntryStepAwaitThatTimesOutWithContinueRunsTheStepWithoutData() {
        reminders.set(0);
        try (EngineHarness h = new EngineHarness(new Remind())) {
            String runId = h.engine.start("reminder", null);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(2));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(reminders).hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("flow.start", "await.registered", "await.timeout",
                    "step.started", "step.completed", "flow.completed");
        }
    }

    static final AtomicInteger escalations = new AtomicInteger();

    @FlowStep(flow = "escalation", name = "open", role = StepRole.ENTRY, emits = "opened")
    static class OpenTicket implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("opened", Map.of("ticket", 7));
            return null;
        }
    }

    @FlowStep(flow = "escalation", name = "escalate", subscribes = "opened")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_000, timeoutAction = TimeoutAction.CONTINUE)
    static class Escalate implements Step<Map<String, Map<String, Integer>>, Void> {
        @Override
        public Void execute(Map<String, Map<String, Integer>> input, StepContext ctx) {
            assertThat(ctx.triggerData()).isEmpty();
            assertThat(input.get("opened")).containsEntry("ticket", 7);
            escalations.incrementAndGet();
            return null;
        }
    }

    @Test
    void aLaterStepsAwaitThatTimesOutWithContinueRunsTheStepOnItsInputWithoutData() {
        escalations.set(0);
        try (EngineHarness h = new EngineHarness(new OpenTicket(), new Escalate())) {
            String runId = h.engine.start("escalation", null);
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(2));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(escalations).hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.timeout", "step.started",
                    "step.completed", "flow.completed");
        }
    }

    @FlowStep(flow = "nag", name = "nag", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_000, timeoutAction = TimeoutAction.RETRY)
    static class Nag implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anAwaitThatTimesOutWithRetryRegistersAgainWithANewUrl() {
        try (EngineHarness h = new EngineHarness(new Nag())) {
            String runId = h.engine.start("nag", null);
            String first = tokenOf(h.registration(0));

            h.clock.advance(Duration.ofSeconds(2));
            h.sweep();

            String second = tokenOf(h.registration(1));
            assertThat(second).isNotEqualTo(first);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThatThrownBy(() -> h.engine.resolveWebhook(first, "{}")).isInstanceOf(AwaitClosedException.class);

            h.engine.resolveWebhook(second, "{}");
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @FlowStep(flow = "chase", name = "chase", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_000, timeoutAction = TimeoutAction.RETRY, timeoutRetries = 2)
    static class Chase implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Lets the current await of a run time out, as the sweep finds it. */
    private static void letTheAwaitTimeOut(EngineHarness h) {
        h.clock.advance(Duration.ofSeconds(2));
        h.sweep();
    }

    private static String errorOfTheFailedRun(EngineHarness h, String runId) {
        return h.eventsOf(runId, EventType.FLOW_FAILED).get(0).data();
    }

    @Test
    void aRetryingAwaitIsRegisteredAgainUpToItsBoundAndThenFailsTheStepAndTheRun() {
        try (EngineHarness h = new EngineHarness(new Chase())) {
            String runId = h.engine.start("chase", null);
            h.registration(0);

            letTheAwaitTimeOut(h);
            letTheAwaitTimeOut(h);

            assertThat(h.registration(2).webhookUrl()).isPresent();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.eventsOf(runId, EventType.AWAIT_TIMEOUT)).extracting(e -> e.data())
                    .satisfiesExactly(
                            first -> assertThat(first).contains("\"action\":\"retry\",\"retry\":1,\"retries\":2"),
                            second -> assertThat(second).contains("\"action\":\"retry\",\"retry\":2,\"retries\":2"));

            letTheAwaitTimeOut(h);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("chase", StepStatus.FAILED);
            assertThat(h.hooksOf(AwaitRegistered.class)).as("no fourth registration").hasSize(3);
            assertThat(errorOfTheFailedRun(h, runId)).contains("await webhook before step 'chase' timed out 3 times "
                    + "(registered again 2 times); last after 2000 ms");
            assertThat(h.eventsOf(runId, EventType.AWAIT_TIMEOUT)).last().extracting(e -> e.data()).asString()
                    .contains("\"action\":\"fail\",\"retries\":2");
            assertThat(h.hooksOf(AwaitTimedOut.class)).extracting(AwaitTimedOut::action)
                    .containsExactly(TimeoutAction.RETRY, TimeoutAction.RETRY, TimeoutAction.FAIL);
        }
    }

    @Test
    void aRetryingAwaitWithoutABoundOfItsOwnIsRegisteredAgainThreeTimesByDefault() {
        try (EngineHarness h = new EngineHarness(new Nag())) {
            String runId = h.engine.start("nag", null);

            for (int retry = 1; retry <= 3; retry++) {
                letTheAwaitTimeOut(h);
                assertThat(h.registration(retry).webhookUrl()).isPresent();
                assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            }
            letTheAwaitTimeOut(h);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(errorOfTheFailedRun(h, runId)).contains("timed out 4 times (registered again 3 times)");
        }
    }

    @Test
    void anOperatorsRetryOfTheFailedStepGivesTheAwaitAFreshBudgetOfRetries() {
        try (EngineHarness h = new EngineHarness(new Chase())) {
            String runId = h.engine.start("chase", null);
            letTheAwaitTimeOut(h);
            letTheAwaitTimeOut(h);
            letTheAwaitTimeOut(h);
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "chase");
            letTheAwaitTimeOut(h);
            letTheAwaitTimeOut(h);

            assertThat(h.engine.run(runId).orElseThrow().status()).as("two timeouts since the retry")
                    .isEqualTo(RunStatus.AWAITING);
            assertThat(h.eventsOf(runId, EventType.AWAIT_TIMEOUT)).last().extracting(e -> e.data()).asString()
                    .contains("\"retry\":2,\"retries\":2");

            letTheAwaitTimeOut(h);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.FLOW_FAILED)).last().extracting(e -> e.data()).asString()
                    .contains("timed out 3 times (registered again 2 times)");
        }
    }

    @FlowStep(flow = "sloppy", name = "sign", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutAction = TimeoutAction.RETRY, timeoutRetries = -2)
    static class NegativeRetries implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aNegativeTimeoutRetriesOtherThanMinusOneIsRejectedNamingTheFlowAndStep() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().step(new NegativeRetries()).build())
                .isInstanceOf(NventException.class)
                .hasMessageContaining("step 'sign' of flow 'sloppy'")
                .hasMessageContaining("@AwaitAfter: timeoutRetries must be >= 0 (or -1 for the configured default), "
                        + "was -2");
    }

    @FlowStep(flow = "sloppy", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = -1)
    static class NegativeTimeout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aNegativeAwaitTimeoutIsRejectedNamingTheFlowStepAndAttributeAsAStepsIs() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().step(new NegativeTimeout()).build())
                .isInstanceOf(NventException.class)
                .hasMessageContaining("NVENT-0101 step 'approve' of flow 'sloppy'")
                .hasMessageContaining("@AwaitBefore: timeoutMs must be positive (or 0 for the configured default), "
                        + "was -1");
    }

    // ------------------------------------------------------------ time awaits

    @FlowStep(flow = "cooldown", name = "start", role = StepRole.ENTRY, emits = "started")
    static class Start implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("started", null);
            return null;
        }
    }

    @FlowStep(flow = "cooldown", name = "follow-up", subscribes = "started")
    @AwaitBefore(type = AwaitType.TIME, delayMs = 300_000)
    static class FollowUp implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTimeAwaitResolvesWhenItsDelayHasPassedAndNotBefore() {
        try (EngineHarness h = new EngineHarness(new Start(), new FollowUp())) {
            String runId = h.engine.start("cooldown", null);
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.clock.advance(Duration.ofMinutes(4));
            h.sweep();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    // ------------------------------------------------------------ after-awaits

    static final AtomicInteger shipments = new AtomicInteger();
    static final java.util.Queue<String> seenByShip = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @FlowStep(flow = "release", name = "build", role = StepRole.ENTRY, emits = "built")
    @AwaitAfter(type = AwaitType.WEBHOOK)
    static class Build implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("built", Map.of("version", "1.2"));
            return "built";
        }
    }

    @FlowStep(flow = "release", name = "ship", subscribes = "built")
    static class ShipIt implements Step<Map<String, Map<String, String>>, Void> {
        @Override
        public Void execute(Map<String, Map<String, String>> input, StepContext ctx) {
            assertThat(input.get("built")).containsEntry("version", "1.2");
            seenByShip.add("approval " + ctx.afterAwaitData("build").orElse("none"));
            try {
                ctx.afterAwaitData("ship");
            } catch (IllegalArgumentException noAwait) {
                seenByShip.add(noAwait.getMessage());
            }
            shipments.incrementAndGet();
            return null;
        }
    }

    @Test
    void anAfterAwaitHoldsTheStepsEmissionsUntilItResolvesAndTheNextStepReadsWhatResolvedIt() {
        shipments.set(0);
        seenByShip.clear();
        try (EngineHarness h = new EngineHarness(new Build(), new ShipIt())) {
            String runId = h.engine.start("release", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            await().during(Duration.ofMillis(150)).until(() -> shipments.get() == 0);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("build", StepStatus.AWAITING)
                    .doesNotContainKey("ship");

            h.registration(0);
            h.engine.resolveAwait(h.engine.awaits(true, 10).get(0).awaitId(), Map.of("approved", true));

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(shipments).hasValue(1);
            assertThat(seenByShip).containsExactly("approval {\"approved\":true}",
                    "step 'ship' of flow 'release' has no after-await");
        }
    }

    static final AtomicInteger reports = new AtomicInteger();

    @FlowStep(flow = "settle", name = "book", role = StepRole.ENTRY, emits = "booked")
    @AwaitAfter(type = AwaitType.TIME, delayMs = 600_000)
    static class BookThenSettle implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of("amount", 10));
            return null;
        }
    }

    @FlowStep(flow = "settle", name = "report", subscribes = "booked")
    static class Report implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            reports.incrementAndGet();
            return null;
        }
    }

    @Test
    void anAfterTimeAwaitReleasesTheStepsEmissionsOnlyOnceItsDelayHasPassed() {
        reports.set(0);
        try (EngineHarness h = new EngineHarness(new BookThenSettle(), new Report())) {
            String runId = h.engine.start("settle", null);
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.clock.advance(Duration.ofMinutes(9));
            h.sweep();
            await().during(Duration.ofMillis(150)).until(() -> reports.get() == 0);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("book", StepStatus.AWAITING)
                    .doesNotContainKey("report");

            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(reports).hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("step.completed", "await.registered", "await.resolved",
                    "step.started", "flow.completed");
        }
    }

    static final AtomicInteger charges = new AtomicInteger();

    @FlowStep(flow = "charge", name = "charge", role = StepRole.ENTRY, emits = "charged")
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class Charge implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            charges.incrementAndGet();
            ctx.emit("charged", Map.of("amount", 10));
            return "charged";
        }
    }

    @FlowStep(flow = "charge", name = "ship", subscribes = "charged")
    static class ShipCharged implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            shipments.incrementAndGet();
            return null;
        }
    }

    @Test
    void retryingAStepWhoseAfterAwaitTimedOutWaitsForTheAwaitAgainInsteadOfRunningTheStepAgain() {
        charges.set(0);
        shipments.set(0);
        try (EngineHarness h = new EngineHarness(new Charge(), new ShipCharged())) {
            String runId = h.engine.start("charge", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "charge");

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("charge", StepStatus.AWAITING)
                    .doesNotContainKey("ship");
            assertThat(h.registration(1).await().position()).isEqualTo(AwaitPosition.AFTER);
            await().during(Duration.ofMillis(150)).until(() -> shipments.get() == 0);
            assertThat(charges).as("charged once only").hasValue(1);

            h.engine.resolveWebhook(tokenOf(h.registration(1)), "{}");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(charges).hasValue(1);
            assertThat(shipments).as("the held emission reaches the next step").hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("await.timeout", "step.failed", "step.retry",
                    "await.registered", "await.resolved", "step.started", "flow.completed");
        }
    }

    // ------------------------------------------------------------ event awaits with a filter

    static final Map<String, Integer> confirmations = new java.util.concurrent.ConcurrentHashMap<>();

    @FlowStep(flow = "checkout", name = "confirm", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "payment.received", filterKey = "orderId")
    static class Confirm implements Step<Map<String, String>, Void> {
        @Override
        public Void execute(Map<String, String> input, StepContext ctx) {
            confirmations.merge(input.get("orderId"), 1, Integer::sum);
            return null;
        }
    }

    @FlowStep(flow = "partner-request", name = "ask", role = StepRole.ENTRY, emits = "answered")
    @AwaitAfter(type = AwaitType.EVENT, event = "partner.answered", filterKey = "requestId")
    static class AskPartner implements Step<Map<String, Object>, Map<String, String>> {
        @Override
        public Map<String, String> execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("answered", Map.of());
            return Map.of("requestId", "R-" + input.get("n"));
        }
    }

    @FlowStep(flow = "partner-request", name = "use-answer", subscribes = "answered")
    static class UseAnswer implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anAwaitAfterAStepWaitsForTheEventThatAnswersTheStepsOwnResult() {
        try (EngineHarness h = new EngineHarness(new AskPartner(), new UseAnswer())) {
            String first = h.engine.start("partner-request", Map.of("n", 1));
            String second = h.engine.start("partner-request", Map.of("n", 2));
            h.awaitStatus(first, RunStatus.AWAITING);
            h.awaitStatus(second, RunStatus.AWAITING);

            assertThat(h.engine.publishEvent("partner.answered", Map.of("requestId", "R-2")).resolvedAwaits())
                    .isEqualTo(1);

            h.awaitStatus(second, RunStatus.COMPLETED);
            assertThat(h.engine.run(first).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.eventsOf(first, EventType.AWAIT_REGISTERED).get(0).data())
                    .as("an operator sees what the await waits for").contains("\"match\":{\"requestId\":\"R-1\"}");
        }
    }

    @FlowStep(flow = "shipping", name = "place", role = StepRole.ENTRY, emits = "placed")
    static class Place implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("placed", Map.of("orderId", "O-" + input.get("orderId")));
            return null;
        }
    }

    @FlowStep(flow = "shipping", name = "ship", subscribes = "placed")
    @AwaitBefore(type = AwaitType.EVENT, event = "payment.received", filterKey = "orderId")
    static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anAwaitBeforeASubscriberMatchesTheEventItSubscribesToBeforeTheRunsInput() {
        try (EngineHarness h = new EngineHarness(new Place(), new Ship())) {
            String run = h.engine.start("shipping", Map.of("orderId", "7"));
            h.awaitStatus(run, RunStatus.AWAITING);

            assertThat(h.engine.publishEvent("payment.received", Map.of("orderId", "7")).resolvedAwaits())
                    .as("the run's input says 7, the step's own event O-7").isZero();
            assertThat(h.engine.publishEvent("payment.received", Map.of("orderId", "O-7")).resolvedAwaits())
                    .isEqualTo(1);

            h.awaitStatus(run, RunStatus.COMPLETED);
        }
    }

    @FlowStep(flow = "numbered", name = "number", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.EVENT, event = "numbered.done", filterKey = "id")
    static class Number implements Step<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Map<String, Object> input, StepContext ctx) {
            Map<String, Object> result = new java.util.HashMap<>();
            result.put("id", input.get("resultId"));
            return result;
        }
    }

    @Test
    void aCorrelationValueMatchesByJsonValueAndANullOneFallsBackToTheRunsInput() {
        try (EngineHarness h = new EngineHarness(new Number())) {
            String seven = h.engine.start("numbered", Map.of("resultId", 7));
            String fromInput = h.engine.startWithJson("numbered", "{\"resultId\":null,\"id\":\"in-input\"}");
            h.awaitStatus(seven, RunStatus.AWAITING);
            h.awaitStatus(fromInput, RunStatus.AWAITING);

            assertThat(h.engine.publishEvent("numbered.done", Map.of("id", 7.0)).resolvedAwaits()).isEqualTo(1);
            assertThat(h.engine.publishEvent("numbered.done", Map.of("id", "in-input")).resolvedAwaits()).isEqualTo(1);

            h.awaitStatus(seven, RunStatus.COMPLETED);
            h.awaitStatus(fromInput, RunStatus.COMPLETED);
        }
    }

    @Test
    void anEventResolvesOnlyTheAwaitsWhoseFilterKeyMatches() {
        confirmations.clear();
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String a = h.engine.start("checkout", Map.of("orderId", "A"));
            String b = h.engine.start("checkout", Map.of("orderId", "B"));

            assertThat(h.engine.publishEvent("payment.received", Map.of("orderId", "B", "amount", 5))
                    .resolvedAwaits()).isEqualTo(1);

            h.awaitStatus(b, RunStatus.COMPLETED);
            assertThat(h.engine.run(a).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(confirmations).containsOnlyKeys("B");
            assertThat(h.eventsOf(b, EventType.AWAIT_RESOLVED).get(0).data()).contains("\"amount\":5");
        }
    }

    @Test
    void anEventEmittedIntoARunResolvesItsOwnEventAwait() {
        confirmations.clear();
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String runId = h.engine.start("checkout", Map.of("orderId", "A"));
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.engine.emit(runId, "payment.received", Map.of("orderId", "A"));

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(confirmations).containsOnlyKeys("A");
        }
    }

    @Test
    void anAwaitFilteredOnAKeyTheInputLacksIsResolvedByNoEvent() {
        confirmations.clear();
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String runId = h.engine.start("checkout", Map.of("x", "1"));
            h.awaitStatus(runId, RunStatus.AWAITING);

            jakarta.json.JsonObject withNull = jakarta.json.Json.createObjectBuilder().addNull("orderId").build();
            assertThat(h.engine.publishEvent("payment.received", withNull).resolvedAwaits()).isZero();
            assertThat(h.engine.publishEvent("payment.received", Map.of("amount", 5)).resolvedAwaits()).isZero();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
        }
    }
}

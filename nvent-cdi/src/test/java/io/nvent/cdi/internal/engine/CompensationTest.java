package io.nvent.cdi.internal.engine;

import io.nvent.Compensating;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.AttemptScope;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CompensationTest {

    /** What the compensation steps were given, in the order they ran. */
    static final List<String> UNDONE = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "order", name = "validate", role = StepRole.ENTRY, emits = "order.validated")
    static class Validate implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("order.validated", input);
            return null;
        }
    }

    @FlowStep(flow = "order", name = "charge", subscribes = "order.validated", emits = "order.charged",
            compensation = "refund")
    static class Charge implements Step<Object, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Object input, StepContext ctx) {
            ctx.emit("order.charged", Map.of());
            return Map.of("receipt", "r-1");
        }
    }

    @FlowStep(flow = "order", name = "reserve", subscribes = "order.charged", emits = "order.reserved",
            compensation = "release")
    static class Reserve implements Step<Object, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Object input, StepContext ctx) {
            ctx.emit("order.reserved", Map.of());
            return Map.of("reservation", "s-7");
        }
    }

    @FlowStep(flow = "order", name = "ship", subscribes = "order.reserved", maxAttempts = 1)
    static class Ship implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("no carrier for this address");
        }
    }

    @FlowStep(flow = "order", name = "refund", role = StepRole.COMPENSATION)
    static class Refund implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> receipt, StepContext ctx) {
            Compensating what = ctx.compensating().orElseThrow();
            UNDONE.add("refund " + receipt + " of " + what.compensatedStep() + " after " + what.failedStep() + ": "
                    + what.failure());
            return null;
        }
    }

    @FlowStep(flow = "order", name = "release", role = StepRole.COMPENSATION)
    static class Release implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> reservation, StepContext ctx) {
            UNDONE.add("release " + reservation + " of " + ctx.compensating().orElseThrow().compensatedStep());
            return null;
        }
    }

    @Test
    void aRunWhoseStepFailsForGoodUndoesItsCompletedStepsNewestFirstWithTheirOutputsThenFails() {
        UNDONE.clear();
        try (EngineHarness h = new EngineHarness(new Validate(), new Charge(), new Reserve(), new Ship(),
                new Refund(), new Release())) {
            String runId = h.engine.start("order", Map.of("id", 1));
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(UNDONE).containsExactly("release {reservation=s-7} of reserve",
                    "refund {receipt=r-1} of charge after ship: no carrier for this address");
            assertThat(run.error()).contains("no carrier for this address");
            assertThat(run.steps()).containsEntry("ship", StepStatus.FAILED).containsEntry("refund",
                    StepStatus.COMPLETED).containsEntry("release", StepStatus.COMPLETED);
            assertThat(h.types(runId)).containsSubsequence("step.failed", "run.compensating", "step.started",
                    "step.completed", "step.started", "step.completed", "run.compensated", "flow.failed");
            HistoryEvent compensating = h.eventsOf(runId, EventType.RUN_COMPENSATING).get(0);
            assertThat(compensating.data()).contains("\"step\":\"ship\"", "\"compensate\":[\"reserve\",\"charge\"]",
                    "\"by\":[\"release\",\"refund\"]");
            assertThat(h.history(runId)).filteredOn(e -> e.step().filter("refund"::equals).isPresent())
                    .extracting(e -> e.type().wireName()).containsExactly("step.started", "step.completed");
            assertThat(h.history(runId)).filteredOn(e -> e.step().filter("refund"::equals).isPresent())
                    .allSatisfy(e -> assertThat(e.data()).contains("\"compensates\":\"charge\""));
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED).get(0).data())
                    .contains("\"compensated\":[\"reserve\",\"charge\"]");
            assertThat(h.eventsOf(runId, EventType.FLOW_FAILED).get(0).data()).contains("\"step\":\"ship\"");
        }
    }

    /**
     * A compensation runs as an attempt of its own under the attempt interceptors' scopes: its completed entry names
     * that attempt ({@link AttemptScope#trace}), not the step it undoes.
     */
    @Test
    void eachCompensationsCompletedEntryNamesItsOwnAttempt() {
        UNDONE.clear();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Validate()).step(new Charge())
                .step(new Reserve()).step(new Ship()).step(new Refund()).step(new Release())
                .interceptor(new NamingAttempts()).build()) {
            String runId = engine.flows().start("order", Map.of("id", 1));
            await().until(() -> engine.flows().run(runId).map(RunInfo::status).filter(RunStatus.FAILED::equals)
                    .isPresent());

            assertThat(engine.flows().events(runId, EventQuery.all()))
                    .filteredOn(e -> e.type() == EventType.STEP_COMPLETED && e.data().contains("\"compensates\""))
                    .extracting(HistoryEvent::data).containsExactly(
                            "{\"result\":null,\"compensates\":\"reserve\"," + NamingAttempts.traceOf("release", 1) + "}",
                            "{\"result\":null,\"compensates\":\"charge\"," + NamingAttempts.traceOf("refund", 1) + "}");
        }
    }

    // ------------------------------------------------------------ a compensation that fails for good

    @FlowStep(flow = "trip", name = "book", role = StepRole.ENTRY, emits = "booked", compensation = "unbook")
    static class Book implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return "hotel-3";
        }
    }

    @FlowStep(flow = "trip", name = "pay", subscribes = "booked", emits = "paid", compensation = "repay")
    static class Pay implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("paid", Map.of());
            return "payment-9";
        }
    }

    @FlowStep(flow = "trip", name = "fly", subscribes = "paid", maxAttempts = 1)
    static class Fly implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("flight canceled");
        }
    }

    @FlowStep(flow = "trip", name = "repay", role = StepRole.COMPENSATION, maxAttempts = 2)
    static class Repay implements Step<String, Void> {
        final AtomicBoolean bankRefuses = new AtomicBoolean(true);

        @Override
        public Void execute(String payment, StepContext ctx) {
            if (bankRefuses.get()) {
                throw new IllegalStateException("the bank refuses refunds of " + payment);
            }
            UNDONE.add("repay " + payment);
            return null;
        }
    }

    @FlowStep(flow = "trip", name = "unbook", role = StepRole.COMPENSATION)
    static class Unbook implements Step<String, Void> {
        @Override
        public Void execute(String booking, StepContext ctx) {
            UNDONE.add("unbook " + booking);
            return null;
        }
    }

    @Test
    void aCompensationThatFailsForGoodFailsTheRunNamingItAndTheStepsLeftNotCompensated() {
        UNDONE.clear();
        try (EngineHarness h = new EngineHarness(new Book(), new Pay(), new Fly(), new Repay(), new Unbook())) {
            String runId = h.engine.start("trip", null);
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains(
                    "the compensation of step pay by repay failed: the bank refuses refunds of payment-9",
                    "steps left not compensated: [pay, book]", "step fly failed: flight canceled"));
            assertThat(UNDONE).isEmpty();
            assertThat(h.types(runId)).containsSubsequence("run.compensating", "step.retry", "step.failed",
                    "flow.failed").doesNotContain("run.compensated");
            assertThat(h.history(runId)).filteredOn(e -> e.step().filter("repay"::equals).isPresent())
                    .extracting(e -> e.type().wireName())
                    .containsExactly("step.started", "step.retry", "step.started", "step.failed");
            assertThat(h.history(runId)).filteredOn(e -> e.step().filter("repay"::equals).isPresent())
                    .allSatisfy(e -> assertThat(e.data()).contains("\"compensates\":\"pay\""));
        }
    }

    @Test
    void anOperatorsRetryOfAFailedCompensationGoesOnUndoingWhereItStoppedAndTheRunFailsWithItsOriginalError() {
        UNDONE.clear();
        Repay repay = new Repay();
        try (EngineHarness h = new EngineHarness(new Book(), new Pay(), new Fly(), repay, new Unbook())) {
            String runId = h.engine.start("trip", null);
            h.awaitStatus(runId, RunStatus.FAILED);
            repay.bankRefuses.set(false);

            h.engine.retryStep(runId, "repay");

            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("repay payment-9", "unbook hotel-3");
            assertThat(run.error()).hasValue("flight canceled");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED).get(0).data())
                    .contains("\"compensated\":[\"pay\",\"book\"]");
        }
    }

    @Test
    void anOperatorsRetryOfAFailedCompensationOfARunWithAConcurrencyKeyGoesOnUndoingOnceItHasTheKeyAgain() {
        UNDONE.clear();
        Repay repay = new Repay();
        try (EngineHarness h = new EngineHarness(new Book(), new Pay(), new Fly(), repay, new Unbook())) {
            String runId = h.engine.start("trip", null, StartOptions.newBuilder().concurrencyKey("trip-7").build())
                    .runId();
            h.awaitStatus(runId, RunStatus.FAILED);
            repay.bankRefuses.set(false);

            h.engine.retryStep(runId, "repay");   // waits for its concurrency key again, then undoes the rest
            h.sweep();

            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("repay payment-9", "unbook hotel-3");
            assertThat(run.error()).hasValue("flight canceled");
        }
    }

    // ------------------------------------------------------------ a branch completing as another fails for good

    static final CountDownLatch BRANCH_MAY_COMPLETE = new CountDownLatch(1);

    @FlowStep(flow = "fork", name = "open", role = StepRole.ENTRY, emits = "opened")
    static class Open implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("opened", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "fork", name = "hold", subscribes = "opened", compensation = "unhold")
    static class Hold implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            assertThat(BRANCH_MAY_COMPLETE.await(10, TimeUnit.SECONDS)).isTrue();
            return "hold-4";
        }
    }

    @FlowStep(flow = "fork", name = "notify", subscribes = "opened", maxAttempts = 1)
    static class Notify implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("no mail server");
        }
    }

    @FlowStep(flow = "fork", name = "unhold", role = StepRole.COMPENSATION)
    static class Unhold implements Step<String, Void> {
        @Override
        public Void execute(String hold, StepContext ctx) {
            UNDONE.add("unhold " + hold);
            return null;
        }
    }

    /** A store in which the branch "hold" completes just after the final failure of "notify" read the history. */
    static final class BranchCompletesMeanwhile extends MemoryFlowStore {
        @Override
        public List<HistoryEvent> readEvents(String runId, EventQuery query) {
            List<HistoryEvent> read = super.readEvents(runId, query);
            boolean notifyFailed = findRun(runId).filter(run -> run.flow().equals("fork")).isPresent()
                    && super.readEvents(runId, new EventQuery(java.util.Set.of(EventType.STEP_STARTED), 0,
                    EventQuery.MAX_LIMIT, true)).stream().anyMatch(e -> e.step().filter("notify"::equals).isPresent());
            if (notifyFailed && query.types().equals(java.util.Set.of(EventType.STEP_COMPLETED))
                    && BRANCH_MAY_COMPLETE.getCount() > 0) {
                BRANCH_MAY_COMPLETE.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> findRun(runId).orElseThrow().steps()
                        .get("hold") == StepStatus.COMPLETED);
            }
            return read;
        }
    }

    @Test
    void aBranchThatCompletesWhileAnotherFailsForGoodIsUndoneAsWell() {
        UNDONE.clear();
        try (EngineHarness h = new EngineHarness(new BranchCompletesMeanwhile(), new MemorySchedulingStore(),
                "instance-a", new Open(), new Hold(), new Notify(), new Unhold())) {
            String runId = h.engine.start("fork", null);

            h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(UNDONE).containsExactly("unhold hold-4");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED)).hasSize(1);
        }
    }

    // ------------------------------------------------------------ nothing to compensate

    @FlowStep(flow = "plain", name = "start", role = StepRole.ENTRY, emits = "started")
    static class Start implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("started", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "plain", name = "risky", subscribes = "started", maxAttempts = 1, compensation = "undo")
    static class Risky implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("risky failed");
        }
    }

    @FlowStep(flow = "plain", name = "undo", role = StepRole.COMPENSATION)
    static class Undo implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            UNDONE.add("undo");
            return null;
        }
    }

    @Test
    void aRunWithNoCompletedStepToUndoFailsAsBeforeWithoutCompensating() {
        UNDONE.clear();
        try (EngineHarness h = new EngineHarness(new Start(), new Risky(), new Undo())) {
            String runId = h.engine.start("plain", null);
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(run.error()).hasValue("risky failed");
            assertThat(h.types(runId)).containsSubsequence("step.failed", "flow.failed")
                    .doesNotContain("run.compensating", "run.compensated");
            assertThat(run.steps()).doesNotContainKey("undo");
            assertThat(UNDONE).isEmpty();
        }
    }

    // ------------------------------------------------------------ canceled while compensating, retried after

    @FlowStep(flow = "lease", name = "rent", role = StepRole.ENTRY, emits = "rented", compensation = "give-back")
    static class Rent implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("rented", Map.of());
            return "car-5";
        }
    }

    @FlowStep(flow = "lease", name = "insure", subscribes = "rented", maxAttempts = 1)
    static class Insure implements Step<Object, Void> {
        final AtomicBoolean refused = new AtomicBoolean(true);

        @Override
        public Void execute(Object input, StepContext ctx) {
            if (refused.get()) {
                throw new IllegalStateException("no insurer");
            }
            return null;
        }
    }

    @FlowStep(flow = "lease", name = "give-back", role = StepRole.COMPENSATION)
    static class GiveBack implements Step<String, Void> {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch running = new CountDownLatch(1);

        @Override
        public Void execute(String car, StepContext ctx) throws InterruptedException {
            UNDONE.add("give back " + car);
            running.countDown();
            release.await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @Test
    void aCompensatingRunIsFoundByItsStatusAndACancelEndsItWithoutUndoingMore() throws InterruptedException {
        UNDONE.clear();
        GiveBack giveBack = new GiveBack();
        try (EngineHarness h = new EngineHarness(new Rent(), new Insure(), giveBack)) {
            String runId = h.engine.start("lease", null);
            assertThat(giveBack.running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            assertThat(h.engine.runs(RunQuery.ofFlow("lease").withStatus(RunStatus.COMPENSATING)))
                    .extracting(RunInfo::runId).containsExactly(runId);

            h.engine.cancel(runId);   // interrupts the compensation, as it interrupts any step of the run

            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.run(runId).orElseThrow().steps()
                    .get("give-back") == StepStatus.CANCELED);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.types(runId)).contains("run.compensating", "flow.cancel").doesNotContain("run.compensated",
                    "flow.failed");
        }
    }

    @FlowStep(flow = "probe", name = "look", role = StepRole.ENTRY)
    static class Look implements Step<String, String> {
        @Override
        public String execute(String leaseRun, StepContext ctx) {
            return ctx.isRunning("lease") + " " + ctx.isRunning("lease", leaseRun) + " "
                    + ctx.runningFlows("lease").stream().map(RunInfo::runId).toList().contains(leaseRun);
        }
    }

    @Test
    void aCompensatingRunCountsAsUnderWayForAStepThatAsksWhetherItsFlowIsRunning() throws InterruptedException {
        UNDONE.clear();
        GiveBack giveBack = new GiveBack();
        try (EngineHarness h = new EngineHarness(new Rent(), new Insure(), giveBack, new Look())) {
            String leaseRun = h.engine.start("lease", null);
            assertThat(giveBack.running.await(10, TimeUnit.SECONDS)).isTrue();

            String probe = h.engine.start("probe", leaseRun);

            h.awaitStatus(probe, RunStatus.COMPLETED);
            assertThat(h.eventsOf(probe, EventType.STEP_COMPLETED).get(0).data())
                    .contains("\"result\":\"true true true\"");
            giveBack.release.countDown();
            h.awaitStatus(leaseRun, RunStatus.FAILED);
        }
    }

    @Test
    void aRunRetriedAfterItWasCompensatedAndFailingAgainUndoesNothingTwice() {
        UNDONE.clear();
        GiveBack giveBack = new GiveBack();
        giveBack.release.countDown();
        try (EngineHarness h = new EngineHarness(new Rent(), new Insure(), giveBack)) {
            String runId = h.engine.start("lease", null);
            h.awaitStatus(runId, RunStatus.FAILED);
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.RUN_COMPENSATED).isEmpty());

            h.engine.retryStep(runId, "insure");

            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.FLOW_FAILED).size() == 2);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(UNDONE).containsExactly("give back car-5");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).hasSize(1);
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.Step;
import io.nvent.StartOptions;
import io.nvent.StepContext;
import io.nvent.StepLogger;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class OrchestrationTest {

    // ------------------------------------------------------------ a fan-out / join flow

    @FlowStep(flow = "order", name = "validate", role = StepRole.ENTRY, emits = "order.validated")
    static class Validate implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            ctx.logger().info("validating " + input.get("id"));
            ctx.emit("order.validated", Map.of("id", input.get("id")));
            return "valid";
        }
    }

    @FlowStep(flow = "order", name = "charge", subscribes = "order.validated", emits = "payment.charged")
    static class Charge implements Step<Map<String, Object>, Void> {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            runs.incrementAndGet();
            ctx.emit("payment.charged", Map.of("amount", 42));
            return null;
        }
    }

    @FlowStep(flow = "order", name = "reserve", subscribes = "order.validated", emits = "stock.reserved")
    static class Reserve implements Step<Map<String, Object>, Void> {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            runs.incrementAndGet();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            ctx.emit("stock.reserved", Map.of("sku", "A"));
            return null;
        }
    }

    @FlowStep(flow = "order", name = "ship", subscribes = {"payment.charged", "stock.reserved"})
    static class Ship implements Step<Map<String, Map<String, Object>>, String> {
        final AtomicInteger runs = new AtomicInteger();
        volatile Map<String, Map<String, Object>> received;

        @Override
        public String execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            runs.incrementAndGet();
            received = input;
            return "shipped";
        }
    }

    @Test
    void joinStepWaitsForAllOfItsSubscriptionsAndReceivesEachPayload() {
        Charge charge = new Charge();
        Reserve reserve = new Reserve();
        Ship ship = new Ship();
        try (EngineHarness h = new EngineHarness(new Validate(), charge, reserve, ship)) {
            String runId = h.engine.start("order", Map.of("id", "A-1"));

            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("charge") == StepStatus.COMPLETED);
            assertThat(h.engine.run(runId).orElseThrow().steps()).doesNotContainKey("ship");
            assertThat(ship.runs).hasValue(0);

            reserve.release.countDown();
            RunInfo run = h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(ship.runs).hasValue(1);
            assertThat(ship.received).containsOnlyKeys("payment.charged", "stock.reserved");
            assertThat(((Number) ship.received.get("payment.charged").get("amount")).intValue()).isEqualTo(42);
            assertThat(run.steps()).containsOnlyKeys("validate", "charge", "reserve", "ship")
                    .allSatisfy((step, status) -> assertThat(status).isEqualTo(StepStatus.COMPLETED));
            assertThat(run.endedAt()).isPresent();
        }
    }

    @Test
    void historyIsOrderedGaplessAndEndsWithFlowCompleted() {
        Reserve reserve = new Reserve();
        reserve.release.countDown();
        try (EngineHarness h = new EngineHarness(new Validate(), new Charge(), reserve, new Ship())) {
            String runId = h.engine.start("order", Map.of("id", "A-2"));
            h.awaitStatus(runId, RunStatus.COMPLETED);

            List<HistoryEvent> history = h.history(runId);
            assertThat(history).extracting(HistoryEvent::seq)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, history.size()).boxed().toList());
            assertThat(history.get(0).type()).isEqualTo(EventType.FLOW_START);
            assertThat(history.get(0).data()).contains("\"A-2\"");
            assertThat(history.get(history.size() - 1).type()).isEqualTo(EventType.FLOW_COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).extracting(e -> e.step().orElseThrow())
                    .containsExactlyInAnyOrder("validate", "charge", "reserve", "ship");
            assertThat(h.eventsOf(runId, EventType.LOG)).singleElement()
                    .satisfies(log -> assertThat(log.data()).contains("validating A-2"));
            int lastFanOut = Math.max(indexOfCompleted(history, "charge"), indexOfCompleted(history, "reserve"));
            assertThat(indexOfStarted(history, "ship")).isGreaterThan(lastFanOut);
        }
    }

    private static int indexOfCompleted(List<HistoryEvent> history, String step) {
        return indexOf(history, EventType.STEP_COMPLETED, step);
    }

    private static int indexOfStarted(List<HistoryEvent> history, String step) {
        return indexOf(history, EventType.STEP_STARTED, step);
    }

    private static int indexOf(List<HistoryEvent> history, EventType type, String step) {
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).type() == type && history.get(i).step().orElse("").equals(step)) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------ each step once per run

    @FlowStep(flow = "twice", name = "start", role = StepRole.ENTRY, emits = "ping")
    static class EmitTwice implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("ping", 1);
            ctx.emit("ping", 2);
            return null;
        }
    }

    @FlowStep(flow = "twice", name = "listen", subscribes = "ping")
    static class Listen implements Step<Map<String, Integer>, Void> {
        final AtomicInteger runs = new AtomicInteger();
        volatile Integer seen;

        @Override
        public Void execute(Map<String, Integer> input, StepContext ctx) {
            runs.incrementAndGet();
            seen = input.get("ping");
            return null;
        }
    }

    @Test
    void aStepRunsOncePerRunEvenWhenItsEventIsEmittedTwice() {
        Listen listen = new Listen();
        try (EngineHarness h = new EngineHarness(new EmitTwice(), listen)) {
            String runId = h.engine.start("twice", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.emit(runId, "ping", 3))
                    .isInstanceOf(io.nvent.IllegalRunTransitionException.class)
                    .hasMessageContaining(runId);
            assertThat(listen.runs).hasValue(1);
            assertThat(listen.seen).as("the first emission's payload").isEqualTo(1);
            assertThat(h.eventsOf(runId, EventType.EMIT)).hasSize(2);
        }
    }

    // ------------------------------------------------------------ retries

    @FlowStep(flow = "flaky", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 5,
            emits = "called")
    static class FlakyCall implements Step<Object, String> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            if (calls.incrementAndGet() < 3) {
                ctx.emit("called", "from a failing attempt");
                throw new IllegalStateException("remote service unavailable (call " + calls.get() + ")");
            }
            ctx.emit("called", "ok");
            return "answer after " + ctx.attempt() + " attempts";
        }
    }

    @FlowStep(flow = "flaky", name = "after", subscribes = "called")
    static class AfterCall implements Step<Map<String, String>, Void> {
        volatile String seen;

        @Override
        public Void execute(Map<String, String> input, StepContext ctx) {
            seen = input.get("called");
            return null;
        }
    }

    @Test
    void aStepThatFailsTwiceAndThenSucceedsRecordsTwoRetriesWithAttemptNumbers() {
        AfterCall after = new AfterCall();
        try (EngineHarness h = new EngineHarness(new FlakyCall(), after)) {
            String runId = h.engine.start("flaky", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            List<HistoryEvent> retries = h.eventsOf(runId, EventType.STEP_RETRY);
            assertThat(retries).extracting(HistoryEvent::attempt).containsExactly(1, 2);
            assertThat(retries.get(0).data()).contains("remote service unavailable (call 1)", "\"nextAttempt\":2",
                    "\"maxAttempts\":3");
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED))
                    .filteredOn(e -> e.step().orElseThrow().equals("call"))
                    .extracting(HistoryEvent::attempt).containsExactly(1, 2, 3);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED).get(0).attempt()).isEqualTo(3);
            assertThat(after.seen).as("emissions of failed attempts are discarded").isEqualTo("ok");
        }
    }

    /** A step whose first attempt goes on past its timeout, ignoring the interrupt, until its retry runs. */
    abstract static class IgnoresInterrupts implements Step<Object, String> {
        final CountDownLatch secondAttemptStarted = new CountDownLatch(1);
        final CountDownLatch firstAttemptReturned = new CountDownLatch(1);
        /** The refusal of the first attempt's emit: the queue failed that attempt for its timeout. */
        final AtomicReference<StaleExecutionException> lateEmitRefused = new AtomicReference<>();

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (ctx.attempt() == 1) {
                // Goes on past its timeout, ignoring the interrupt, until its retry runs.
                awaitUninterruptibly(secondAttemptStarted);
                try {
                    ctx.emit("called", "late attempt 1");
                } catch (StaleExecutionException refused) {
                    lateEmitRefused.set(refused);
                }
                firstAttemptReturned.countDown();
                return "late attempt 1";
            }
            secondAttemptStarted.countDown();
            assertThat(firstAttemptReturned.await(10, TimeUnit.SECONDS)).isTrue();
            ctx.emit("called", "attempt 2");
            return "attempt 2";
        }

        /** Waits for {@code latch} as a step that ignores interrupts does; the interrupt stays set. */
        static void awaitUninterruptibly(CountDownLatch latch) {
            boolean interrupted = false;
            while (true) {
                try {
                    assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
                    break;
                } catch (InterruptedException ignored) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @FlowStep(flow = "stubborn", name = "call", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 5,
            timeoutMs = 500, emits = "called")
    static class StubbornCall extends IgnoresInterrupts {
    }

    @FlowStep(flow = "stubborn", name = "after", subscribes = "called")
    static class AfterStubbornCall extends AfterCall {
    }

    /** Times out before its start is stored: the start-write delay is 200 ms. */
    @FlowStep(flow = "hasty", name = "call", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 300,
            timeoutMs = 50, emits = "called")
    static class HastyCall extends IgnoresInterrupts {
    }

    @FlowStep(flow = "hasty", name = "after", subscribes = "called")
    static class AfterHastyCall extends AfterCall {
    }

    @Test
    void aStepThatReturnsAfterItsTimeoutHasItsResultAndEmitsDroppedAndItsRetryCompletesIt() {
        AfterStubbornCall after = new AfterStubbornCall();
        StubbornCall call = new StubbornCall();
        try (EngineHarness h = new EngineHarness(call, after)) {
            String runId = h.engine.start("stubborn", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThatOnlyTheRetryCompletedTheCall(h, runId, after);
            assertThat(call.lateEmitRefused.get()).as("the emit of the attempt the queue failed for its timeout")
                    .hasMessageContaining("NVENT-0260").hasMessageContaining("timeout");
        }
    }

    @Test
    void aStepThatTimesOutBeforeItsStartIsStoredShowsOneStartPerAttempt() {
        AfterHastyCall after = new AfterHastyCall();
        try (EngineHarness h = new EngineHarness(new HastyCall(), after)) {
            String runId = h.engine.start("hasty", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThatOnlyTheRetryCompletedTheCall(h, runId, after);
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).filteredOn(e -> e.step().orElseThrow().equals("call"))
                    .extracting(HistoryEvent::attempt).containsExactly(1, 2);
        }
    }

    private static void assertThatOnlyTheRetryCompletedTheCall(EngineHarness h, String runId, AfterCall after) {
        assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry ->
                assertThat(errorOf(retry)).containsOnlyOnce("exceeded its timeout").contains("attempt 1"));
        assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED))
                .filteredOn(e -> e.step().orElseThrow().equals("call")).singleElement()
                .satisfies(completed -> {
                    assertThat(completed.attempt()).isEqualTo(2);
                    assertThat(completed.data()).contains("\"attempt 2\"");
                });
        assertThat(after.seen).isEqualTo("attempt 2");
    }

    private static String errorOf(HistoryEvent failure) {
        try (JsonReader reader = Json.createReader(new StringReader(failure.data()))) {
            return reader.readObject().getString("error");
        }
    }

    /** Its call to the payment provider timed out: a TimeoutException of its own, its attempt had time left. */
    @FlowStep(flow = "psp", name = "charge", role = StepRole.ENTRY, maxAttempts = 1)
    static class ChargeWhoseProviderTimesOut implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws TimeoutException {
            throw new TimeoutException("the payment provider did not answer within 5000 ms");
        }
    }

    @Test
    void aTimeoutExceptionOfTheStepsOwnCodeIsRecordedAsItsErrorNotAsItsAttemptsTimeout() {
        try (EngineHarness h = new EngineHarness(new ChargeWhoseProviderTimesOut())) {
            String runId = h.engine.start("psp", null);
            h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed ->
                    assertThat(errorOf(failed)).isEqualTo("the payment provider did not answer within 5000 ms"));
        }
    }

    /**
     * Its client library throws one shared TimeoutException (preallocated, as some do to spare the stack
     * trace), once two charges both hold it: both throw the same instance before either failure is recorded.
     */
    @FlowStep(flow = "psp-shared", name = "charge", role = StepRole.ENTRY, maxAttempts = 1)
    static class ChargeWhoseClientSharesItsTimeout implements Step<Object, Void> {
        static final TimeoutException SHARED = new TimeoutException("the payment provider did not answer");
        static volatile CountDownLatch bothCalled = new CountDownLatch(2);

        @Override
        public Void execute(Object input, StepContext ctx) throws TimeoutException, InterruptedException {
            bothCalled.countDown();
            assertThat(bothCalled.await(10, TimeUnit.SECONDS)).isTrue();
            throw SHARED;
        }
    }

    @Test
    void oneTimeoutExceptionThatTwoStepsThrowIsEachOnesErrorNotTheirAttemptsTimeout() {
        ChargeWhoseClientSharesItsTimeout.bothCalled = new CountDownLatch(2);
        try (EngineHarness h = new EngineHarness(new ChargeWhoseClientSharesItsTimeout())) {
            List<String> runIds = List.of(h.engine.start("psp-shared", null), h.engine.start("psp-shared", null));
            runIds.forEach(runId -> h.awaitStatus(runId, RunStatus.FAILED));

            assertThat(runIds).allSatisfy(runId -> assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(errorOf(failed)).isEqualTo("the payment provider did not answer")));
        }
    }

    @FlowStep(flow = "doomed", name = "try", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 1,
            emits = "tried")
    static class AlwaysFails implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("tried", true);
            throw new IllegalArgumentException("card declined");
        }
    }

    /** A step that only counts how often it ran; each flow declares its own subclass. */
    abstract static class CountsRuns implements Step<Object, Void> {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Void execute(Object input, StepContext ctx) {
            runs.incrementAndGet();
            return null;
        }
    }

    @FlowStep(flow = "doomed", name = "dependent", subscribes = "tried")
    static class Dependent extends CountsRuns {
    }

    @Test
    void finalFailureFailsTheRunAndSchedulesNoDependents() {
        Dependent dependent = new Dependent();
        try (EngineHarness h = new EngineHarness(new AlwaysFails(), dependent)) {
            String runId = h.engine.start("doomed", null);
            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(run.steps()).containsEntry("try", StepStatus.FAILED).doesNotContainKey("dependent");
            assertThat(h.types(runId)).containsSubsequence("step.retry", "step.failed", "flow.failed");
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED).get(0).data()).contains("card declined");
            assertThat(dependent.runs).hasValue(0);
            await().during(Duration.ofMillis(200)).until(() -> dependent.runs.get() == 0);
            assertThat(h.queue.counts("doomed").failed()).isEqualTo(1);
        }
    }

    @FlowStep(flow = "notify", name = "book", role = StepRole.ENTRY, emits = "booked")
    static class Book implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return null;
        }
    }

    /** Counted down when the sibling branch runs: the leaf fails only then. */
    static volatile CountDownLatch emailRunning = new CountDownLatch(1);

    /** A leaf branch: nothing subscribes to what it would emit. */
    @FlowStep(flow = "notify", name = "sms", subscribes = "booked")
    static class Sms implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            assertThat(emailRunning.await(10, TimeUnit.SECONDS)).isTrue();
            throw new IllegalStateException("no phone number");
        }
    }

    /** The sibling branch, held until the test lets it finish after the leaf has failed. */
    @FlowStep(flow = "notify", name = "email", subscribes = "booked", emits = "emailed")
    static class Email implements Step<Object, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            emailRunning.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            ctx.emit("emailed", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "notify", name = "archive", subscribes = "emailed")
    static class Archive extends CountsRuns {
    }

    @Test
    void aFailedLeafBranchFailsTheRunWhileItsRunningSiblingFinishesAndSchedulesNothingMore() {
        emailRunning = new CountDownLatch(1);
        Email email = new Email();
        Archive archive = new Archive();
        try (EngineHarness h = new EngineHarness(new Book(), new Sms(), email, archive)) {
            String runId = h.engine.start("notify", null);

            RunInfo failed = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(failed.steps()).containsEntry("sms", StepStatus.FAILED);
            email.release.countDown();
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("email") == StepStatus.COMPLETED);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            await().during(Duration.ofMillis(200)).until(() -> archive.runs.get() == 0);
            assertThat(h.engine.run(runId).orElseThrow().steps()).doesNotContainKey("archive");
            assertThat(h.types(runId)).containsOnlyOnce("flow.failed").doesNotContain("flow.completed");
            assertThat(h.eventsOf(runId, EventType.EMIT)).filteredOn(e -> e.step().filter("email"::equals).isPresent())
                    .singleElement().satisfies(e -> assertThat(e.data())
                            .as("the sibling's emit, recorded after the run failed: a retry goes on from it")
                            .contains("\"name\":\"emailed\"").doesNotContain("\"scheduled\""));
        }
    }

    @FlowStep(flow = "chatty", name = "dump", role = StepRole.ENTRY)
    static class Dump implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            String huge = "y".repeat(2 * 1024 * 1024);
            ctx.logger().log(StepLogger.Level.INFO, huge, Map.of("response", huge));
            ctx.logger().log(StepLogger.Level.INFO, "small", Map.of("status", 200));
            return "done";
        }
    }

    @Test
    void aLogEntryTooLargeToStoreIsCutDownInsteadOfFailingTheStep() {
        try (EngineHarness h = new EngineHarness(new Dump())) {
            String runId = h.engine.start("chatty", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            List<HistoryEvent> logs = h.eventsOf(runId, EventType.LOG);
            assertThat(logs).hasSize(2);
            assertThat(logs.get(0).data()).contains("characters, cut)", "\"omitted\"")
                    .hasSizeLessThan(1024 * 1024);
            assertThat(logs.get(1).data()).contains("\"message\":\"small\"", "\"status\":200");
        }
    }

    // ------------------------------------------------------------ other runs of a flow

    /** What a step saw of the other runs of its flow. */
    record Sighting(boolean anyOther, boolean itself, List<String> others) {
    }

    @FlowStep(flow = "sync", name = "pull", role = StepRole.ENTRY)
    static class Pull implements Step<Map<String, Object>, Void> {
        final Map<String, Sighting> seen = new ConcurrentHashMap<>();
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            seen.put(ctx.runId(), new Sighting(ctx.isRunning("sync"), ctx.isRunning("sync", ctx.runId()),
                    ctx.runningFlows("sync").stream().map(RunInfo::runId).toList()));
            if (Boolean.TRUE.equals(input.get("hold"))) {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return null;
        }
    }

    @Test
    void aStepSeesTheOtherActiveRunsOfAFlowButNotItsOwn() {
        Pull pull = new Pull();
        try (EngineHarness h = new EngineHarness(pull)) {
            String first = h.engine.start("sync", Map.of("hold", true));
            await().until(() -> pull.seen.containsKey(first));
            String second = h.engine.start("sync", Map.of());
            h.awaitStatus(second, RunStatus.COMPLETED);
            pull.release.countDown();
            h.awaitStatus(first, RunStatus.COMPLETED);

            assertThat(pull.seen.get(first)).isEqualTo(new Sighting(false, true, List.of()));
            assertThat(pull.seen.get(second)).isEqualTo(new Sighting(true, true, List.of(first)));
        }
    }

    @Test
    void aStepSeesAllTheOtherActiveRunsOfAFlowNotOnlyTheFirstThousand() {
        Pull pull = new Pull();
        try (EngineHarness h = new EngineHarness(pull)) {
            for (int i = 0; i < 1005; i++) {
                h.engine.start("sync", Map.of(), StartOptions.delayed(Duration.ofHours(1)));
            }
            String looking = h.engine.start("sync", Map.of());
            h.awaitStatus(looking, RunStatus.COMPLETED);

            assertThat(pull.seen.get(looking).others()).hasSize(1005).doesNotHaveDuplicates()
                    .doesNotContain(looking);
        }
    }

    // ------------------------------------------------------------ cancel

    @FlowStep(flow = "cancelable", name = "slow", role = StepRole.ENTRY, emits = "slow.done")
    static class Slow implements Step<Object, Void> {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            started.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            ctx.emit("slow.done", null);
            return null;
        }
    }

    @FlowStep(flow = "cancelable", name = "next", subscribes = "slow.done")
    static class Next extends CountsRuns {
    }

    @Test
    void cancelStopsTheRunningStepAndSchedulesNothingFurther() throws InterruptedException {
        Slow slow = new Slow();
        Next next = new Next();
        try (EngineHarness h = new EngineHarness(slow, next)) {
            String runId = h.engine.start("cancelable", null);
            assertThat(slow.started.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(h.engine.cancel(runId)).isTrue();

            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("slow") == StepStatus.CANCELED);
            RunInfo run = h.engine.run(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.CANCELED);
            assertThat(run.steps()).doesNotContainKey("next");
            assertThat(next.runs).hasValue(0);
            assertThat(h.types(runId)).contains("flow.cancel", "step.started", "step.canceled")
                    .doesNotContain("step.completed", "step.failed", "flow.completed");
            assertThat(h.eventsOf(runId, EventType.FLOW_CANCEL)).singleElement().satisfies(cancel ->
                    assertThat(cancel.data()).contains("\"previousStatus\":\"running\"").doesNotContain("reason"));
            assertThat(h.engine.cancel(runId)).as("a second cancel changes nothing").isFalse();
        }
    }

    @Test
    void aStartOfAMisspeltFlowAsksWhetherTheDeployedOneATypoAwayWasMeantAndNamesTheDeployedFlows() {
        try (EngineHarness h = new EngineHarness(new Slow(), new Next(), new Dump(), new Pull())) {
            assertThatThrownBy(() -> h.engine.start("cancelabel", null))
                    .isInstanceOf(io.nvent.FlowNotFoundException.class)
                    .hasMessage("NVENT-0201 no flow named 'cancelabel' is registered; did you mean 'cancelable'?;"
                            + " deployed flows: cancelable, chatty, sync");
            assertThatThrownBy(() -> h.engine.start("invoice", null))
                    .as("no deployed flow a typo away").hasMessage("NVENT-0201 no flow named 'invoice' is registered;"
                            + " deployed flows: cancelable, chatty, sync");
        }
    }

    @Test
    void unknownFlowsAndRunsAreReportedByName() {
        try (EngineHarness h = new EngineHarness(new Slow(), new Next())) {
            assertThatThrownBy(() -> h.engine.start("nope", null))
                    .isInstanceOf(io.nvent.FlowNotFoundException.class).hasMessageContaining("'nope'");
            assertThatThrownBy(() -> h.engine.cancel("missing-run"))
                    .isInstanceOf(io.nvent.RunNotFoundException.class).hasMessageContaining("missing-run");
            assertThatThrownBy(() -> h.engine.startWithJson("cancelable", "{\"a\":"))
                    .isInstanceOf(io.nvent.InvalidPayloadException.class).hasMessageContaining("not valid JSON");
            assertThat(h.engine.runs(io.nvent.RunQuery.all())).isEmpty();
        }
    }

    // ------------------------------------------------------------ runs under way go first

    @FlowStep(flow = "chain", name = "first", role = StepRole.ENTRY, emits = "first.done")
    static class First implements Step<Map<String, Object>, Void> {
        final List<String> executed = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            executed.add("first of " + ctx.runId());
            started.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            ctx.emit("first.done", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "chain", name = "second", subscribes = "first.done")
    static class Second implements Step<Map<String, Object>, Void> {
        final List<String> executed;

        Second(List<String> executed) {
            this.executed = executed;
        }

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            executed.add("second of " + ctx.runId());
            return null;
        }
    }

    @Test
    void theNextStepOfARunUnderWayRunsBeforeTheFirstStepsOfRunsStartedLater() {
        First first = new First();
        try (EngineHarness h = new EngineHarness(1, first, new Second(first.executed))) {
            String a = h.engine.start("chain", null);
            await().until(() -> first.started.getCount() == 0);
            String b = h.engine.start("chain", null);
            String c = h.engine.start("chain", null);

            first.release.countDown();
            List.of(a, b, c).forEach(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));

            assertThat(first.executed).as("one worker; B and C were queued before A's handoff")
                    .startsWith("first of " + a, "second of " + a)
                    .containsExactlyInAnyOrder("first of " + a, "second of " + a, "first of " + b, "second of " + b,
                            "first of " + c, "second of " + c);
        }
    }

    // ------------------------------------------------------------ a run goes on in its worker

    @FlowStep(flow = "relay", name = "pass", role = StepRole.ENTRY, emits = "passed", queue = "relay")
    static class Pass implements Step<Object, Void> {
        final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Void execute(Object input, StepContext ctx) {
            threads.add("pass on " + Thread.currentThread().getName());
            ctx.emit("passed", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "relay", name = "catch", subscribes = "passed", queue = "relay", maxAttempts = 2,
            backoffDelayMs = 5)
    static class CatchFailingOnce implements Step<Map<String, Object>, Void> {
        final List<String> threads;

        CatchFailingOnce(List<String> threads) {
            this.threads = threads;
        }

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            threads.add("catch attempt " + ctx.attempt() + " on " + Thread.currentThread().getName());
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("dropped it");
            }
            return null;
        }
    }

    @Test
    void aRunsNextStepGoesOnInTheWorkerOfTheStepBeforeAndItsFailedAttemptIsRetriedFromTheQueue() {
        Pass pass = new Pass();
        try (EngineHarness h = new EngineHarness(4, pass, new CatchFailingOnce(pass.threads))) {
            String runId = h.engine.start("relay", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            String worker = pass.threads.get(0).substring("pass on ".length());
            assertThat(pass.threads).startsWith("pass on " + worker, "catch attempt 1 on " + worker).hasSize(3);
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).extracting(e -> e.step().orElseThrow() + "#"
                    + e.attempt()).containsExactly("pass#1", "catch#1", "catch#2");
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement()
                    .satisfies(retry -> assertThat(retry.data()).contains("dropped it", "\"nextAttempt\":2"));
            assertThat(h.queue.job("relay", runId + ":catch")).get().satisfies(job -> {
                assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                assertThat(job.attempts()).extracting(JobAttempt::attempt).containsExactly(1, 2);
            });
        }
    }

    /** A memory queue that counts the continuations it is offered. */
    static final class CountingOffers extends MemoryJobQueue {
        final AtomicInteger offers = new AtomicInteger();

        CountingOffers() {
            super(Clock.systemUTC(), Threads.daemonThreads("offers-worker"));
        }

        @Override
        public boolean continueWith(JobRequest next) {
            offers.incrementAndGet();
            return super.continueWith(next);
        }
    }

    @Test
    void withContinuationsInWorkersOffAStepThatContinuesARunGoesThroughTheQueue() {
        CountingOffers on = new CountingOffers();
        CountingOffers off = new CountingOffers();
        Pass pass = new Pass();
        try (EngineHarness continuing = EngineHarness.onQueue(on, true, pass, new CatchFailingOnce(pass.threads));
             EngineHarness queued = EngineHarness.onQueue(off, false, new Pass(), new CatchFailingOnce(pass.threads))) {
            continuing.awaitStatus(continuing.engine.start("relay", null), RunStatus.COMPLETED);
            String runId = queued.engine.start("relay", null);
            queued.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(on.offers).as("the handoff from pass to catch").hasValue(1);
            assertThat(off.offers).hasValue(0);
            assertThat(queued.eventsOf(runId, EventType.STEP_STARTED)).extracting(e -> e.step().orElseThrow() + "#"
                    + e.attempt()).containsExactly("pass#1", "catch#1", "catch#2");
        }
    }

    @Test
    void stepPriorityStillComesBeforeRunsUnderWay() {
        assertThat(StepQueueing.queuePriority(1, false)).isGreaterThan(StepQueueing.queuePriority(0, true));
        assertThat(StepQueueing.queuePriority(0, true)).isGreaterThan(StepQueueing.queuePriority(0, false));
        assertThat(StepQueueing.queuePriority(-1, true)).isLessThan(StepQueueing.queuePriority(0, false));
        assertThat(StepQueueing.queuePriority(Integer.MAX_VALUE, true)).isEqualTo(Integer.MAX_VALUE);
        assertThat(StepQueueing.queuePriority(Integer.MIN_VALUE, false)).isEqualTo(Integer.MIN_VALUE);
    }
}

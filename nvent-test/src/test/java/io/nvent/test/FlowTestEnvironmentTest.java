package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RetryPolicy;
import io.nvent.RunInfo;
import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepFailed;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.TimeoutAction;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RateLimit;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StoredChange;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlowTestEnvironmentTest {

    private static final long HOUR_MS = 3_600_000L;
    private static final long THREE_DAYS_MS = 3 * 24 * HOUR_MS;
    /**
     * Real time a jump of minutes to days of the virtual clock may take: seconds on a loaded machine, far from
     * the minutes it stands for.
     */
    private static final Duration REAL_TIME_FOR_A_JUMP = Duration.ofSeconds(10);

    /** Fails its first attempt (a partner is away), then succeeds; retried after an hour. */
    @FlowStep(flow = "sync", name = "push", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED,
            backoffDelayMs = HOUR_MS)
    static class PushToPartner implements Step<Map<String, Object>, String> {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("partner unavailable");
            }
            return "pushed";
        }
    }

    @FlowStep(flow = "expense", name = "submit", role = StepRole.ENTRY, emits = "expense.submitted")
    static class Submit implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("expense.submitted", input);
            return null;
        }
    }

    /** Pays once a manager approved through the webhook; three days without an answer fail the run. */
    @FlowStep(flow = "expense", name = "pay", subscribes = "expense.submitted")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = THREE_DAYS_MS, timeoutAction = TimeoutAction.FAIL)
    static class Pay implements Step<Map<String, Object>, Void> {
        final List<String> approvals = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            approvals.add(ctx.triggerData().orElse("none"));
            return null;
        }
    }

    @FlowStep(flow = "purchase", name = "request", role = StepRole.ENTRY, emits = "purchase.requested")
    static class RequestPurchase implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("purchase.requested", input);
            return null;
        }
    }

    /** Two approvals asked at once, each through its own webhook; records what each approver sent. */
    abstract static class Approval implements Step<Map<String, Object>, Void> {
        final List<String> answers = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            answers.add(ctx.triggerData().orElse("none"));
            return null;
        }
    }

    @FlowStep(flow = "purchase", name = "manager-approval", subscribes = "purchase.requested")
    @AwaitBefore(type = AwaitType.WEBHOOK)
    static class ManagerApproval extends Approval {
    }

    @FlowStep(flow = "purchase", name = "finance-approval", subscribes = "purchase.requested")
    @AwaitBefore(type = AwaitType.WEBHOOK)
    static class FinanceApproval extends Approval {
    }

    /** Sends a reminder two days after it was asked to. */
    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 2 * 24 * HOUR_MS)
    static class Remind implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "report", name = "generate", role = StepRole.ENTRY)
    @Trigger(name = "hourly-report", type = TriggerType.SCHEDULE, every = "PT1H")
    static class GenerateReport implements Step<Map<String, Object>, Void> {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            runs.incrementAndGet();
            return null;
        }
    }

    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY, maxAttempts = 1)
    static class DeclinedCharge implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            throw new IllegalStateException("card declined");
        }
    }

    /** Holds its worker until the test lets it go. */
    @FlowStep(flow = "blocking", name = "hold", role = StepRole.ENTRY)
    static class Hold implements Step<Map<String, Object>, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            release.await();
            return null;
        }
    }

    /** Calls a partner whose API takes two calls a minute: its queue has that rate limit. */
    @FlowStep(flow = "notify", name = "call-partner", role = StepRole.ENTRY, queue = "partner-api")
    static class CallPartner implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @ParameterizedTest(name = "limits per instance: {0}")
    @ValueSource(booleans = {false, true})
    void aRateLimitedQueueStartsItsStepsAsTheVirtualClockLetsTheLimitAllowThem(boolean perInstance) {
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new CallPartner())
                .engine(b -> b.rateLimit("partner-api", Optional.of(new RateLimit(2, Duration.ofMinutes(1))))
                        .rateLimitsPerInstance(perInstance))
                .timeout(Duration.ofSeconds(3)).build()) {
            List<String> runIds = IntStream.range(0, 5).mapToObj(i -> env.flows().start("notify", Map.of("i", i))).toList();
            env.awaitIdle();

            assertThat(runIds).filteredOn(runId -> env.flows().run(runId).orElseThrow().status() == RunStatus.COMPLETED)
                    .hasSize(2);
            assertThat(runIds).flatMap(env.flows()::waits).extracting(StepWait::reason)
                    .containsExactly(StepWait.Reason.RATE_LIMIT, StepWait.Reason.RATE_LIMIT, StepWait.Reason.RATE_LIMIT);

            long began = System.nanoTime();
            env.advanceTime(Duration.ofMinutes(3));

            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(REAL_TIME_FOR_A_JUMP);
            assertThat(runIds).allSatisfy(runId -> assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED));
            List<Instant> starts = runIds.stream().flatMap(runId -> env.history(runId).stream())
                    .filter(e -> e.type() == EventType.STEP_STARTED).map(HistoryEvent::timestamp).sorted().toList();
            assertThat(starts).hasSize(5);
            for (int i = 2; i < starts.size(); i++) {
                assertThat(starts.get(i)).as("start %d, two after %s", i, starts.get(i - 2))
                        .isAfterOrEqualTo(starts.get(i - 2).plus(Duration.ofMinutes(1)));
            }
        }
    }

    /** Cancels its own order when the fraud check says so, then writes its note before it returns. */
    @FlowStep(flow = "fraud", name = "check", role = StepRole.ENTRY)
    static class FraudCheck implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            ctx.cancel();
            Thread.sleep(100); // writing the note takes a moment after the run ended
            ctx.logger().info("order canceled: card reported stolen");
            return "canceled";
        }
    }

    /** Records when its invoice falls due: thirty days after the step ran, by the engine's clock. */
    @FlowStep(flow = "invoice", name = "issue", role = StepRole.ENTRY)
    static class IssueInvoice implements Step<Map<String, Object>, Void> {
        final List<Instant> dueDates = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            dueDates.add(ctx.clock().instant().plus(Duration.ofDays(30)));
            return null;
        }
    }

    @Test
    void aStepReadsTheTimeFromTheTestsVirtualClock() {
        IssueInvoice issue = new IssueInvoice();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(issue)) {
            env.advanceTime(Duration.ofDays(2));

            env.startAndAwait("invoice", Map.of());

            assertThat(issue.dueDates).containsExactly(FlowTestEnvironment.DEFAULT_START.plus(Duration.ofDays(32)));
        }
    }

    @Test
    void awaitEndReturnsARunItsOwnStepCanceledOnceThatStepHasReturnedAndRecordedItsEntries() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new FraudCheck())) {
            String runId = env.flows().start("fraud", Map.of());

            RunInfo run = env.awaitEnd(runId, Duration.ofSeconds(5));

            assertThat(run.status()).isEqualTo(RunStatus.CANCELED);
            assertThat(run.steps()).containsEntry("check", StepStatus.COMPLETED);
            assertThat(env.history(runId)).extracting(HistoryEvent::type)
                    .containsSubsequence(EventType.FLOW_CANCEL, EventType.LOG, EventType.STEP_COMPLETED);
        }
    }

    @Test
    void anAwaitAnOperatorResolvesLetsTheRunGoOnWithTheOperatorsData() {
        Pay pay = new Pay();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), pay)) {
            String runId = env.flows().start("expense", Map.of("amount", 7));
            env.awaitIdle();

            env.resolveAwait(env.awaits(runId).get(0).awaitId(), Map.of("approvedBy", "ops"));

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(pay.approvals).singleElement().asString().contains("ops");
            assertThat(env.awaits(runId)).isEmpty();
        }
    }

    @Test
    void timeDoesNotMoveWhileAStepRunsAndTheFailureNamesTheBusyQueue() {
        Hold hold = new Hold();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(hold)
                .timeout(Duration.ofMillis(300)).build()) {
            String runId = env.flows().start("blocking", Map.of());

            assertThatThrownBy(() -> env.advanceTime(Duration.ofHours(1)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("queue blocking: 1 running, 0 waiting");
            assertThat(env.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START);

            hold.release.countDown();
            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
        }
    }

    @Test
    void awaitIdleNamesTheStepThatRunsAndTheOneWaitingForItsQueuesWorker() {
        Hold hold = new Hold();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(hold)
                .engine(b -> b.concurrency("blocking", 1)).timeout(Duration.ofMillis(300)).build()) {
            List<String> runIds = List.of(env.flows().start("blocking", Map.of()),
                    env.flows().start("blocking", Map.of()));

            assertThatThrownBy(env::awaitIdle).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("1 running ('hold' of run ")
                    .hasMessageContaining("1 waiting to run ('hold' of run ")
                    .hasMessageContaining("(worker: ")
                    .hasMessageContaining("queue blocking: 1 running, 1 waiting")
                    .hasMessageContaining("A step that blocks holds up the virtual time: let it return");

            hold.release.countDown();
            assertThat(runIds).allSatisfy(runId -> assertThat(env.awaitRun(runId).status())
                    .isEqualTo(RunStatus.COMPLETED));
        }
    }

    @Test
    void awaitIdleWhileNoStepRunsBlamesNoBlockingStepButNamesTheJobsThatWait() {
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Remind())
                .timeout(Duration.ofMillis(300)).build()) {
            // A job in a queue that no deployed step takes from: nothing runs, yet the queue is not idle.
            env.engine().queue().enqueue(new JobRequest("nobody-takes-from-here", "stray-1", "stray", "{}",
                    Duration.ZERO, 0, RetryPolicy.NO_RETRY, Duration.ofMinutes(1)));

            assertThatThrownBy(env::awaitIdle).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("steps: 0 running, 0 waiting to run")
                    .hasMessageContaining("queue nobody-takes-from-here: 0 running, 1 waiting (jobs 'stray')")
                    .hasMessageContaining("No step runs, so none holds up the virtual time: no worker has taken the "
                            + "waiting jobs from their queue")
                    .hasMessageNotContaining("step that blocks");
        }
    }

    @Test
    void aStepRetriedAfterAnHourCompletesOnceTheHourHasPassedAndNotBefore() {
        PushToPartner push = new PushToPartner();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(push)) {
            String runId = env.flows().start("sync", Map.of());
            env.awaitIdle();
            env.advanceTime(Duration.ofMinutes(59));

            assertThat(push.attempts).hasValue(1);
            assertThat(env.flows().run(runId).orElseThrow().steps()).containsEntry("push", StepStatus.RETRYING);

            long began = System.nanoTime();
            env.advanceTime(Duration.ofMinutes(1));
            RunInfo run = env.awaitRun(runId, Duration.ofSeconds(30));

            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(REAL_TIME_FOR_A_JUMP);
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(push.attempts).hasValue(2);
            assertThat(env.history(runId)).filteredOn(e -> e.type() == EventType.STEP_STARTED)
                    .extracting(HistoryEvent::timestamp)
                    .containsExactly(FlowTestEnvironment.DEFAULT_START, FlowTestEnvironment.DEFAULT_START.plus(Duration.ofHours(1)));
        }
    }

    @Test
    void theHooksAreToldOfTheStartOfAFailedAttemptWithItsRetryAndOfTheRunThatEndedAfterIt() {
        List<Object> hooks = new CopyOnWriteArrayList<>();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new PushToPartner()).hooks(hooks::add)
                .build()) {
            String runId = env.flows().start("sync", Map.of());
            env.awaitIdle();
            env.advanceTime(Duration.ofHours(1));
            env.awaitRun(runId, Duration.ofSeconds(5));

            await().until(() -> hooks.stream().anyMatch(RunEnded.class::isInstance));
            assertThat(hooks).filteredOn(h -> h instanceof RunStarted || h instanceof StepFailed
                    || h instanceof RunEnded).containsExactly(
                    new RunStarted(runId, "sync", FlowTestEnvironment.DEFAULT_START, Optional.empty(), Optional.empty(),
                            java.util.Set.of(), Optional.empty(), Optional.empty(), Optional.empty()),
                    new StepFailed(runId, "sync", "push", 1, 3, "partner unavailable", true,
                            Optional.of(FlowTestEnvironment.DEFAULT_START.plus(Duration.ofHours(1)))),
                    new RunEnded(runId, "sync", RunStatus.COMPLETED, Optional.empty(), FlowTestEnvironment.DEFAULT_START,
                            FlowTestEnvironment.DEFAULT_START.plus(Duration.ofHours(1)), Optional.empty(),
                            java.util.Set.of()));
        }
    }

    /** Fails its first two attempts (the partner is away for two hours); records when each attempt ran. */
    @FlowStep(flow = "resync", name = "push", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED,
            backoffDelayMs = HOUR_MS)
    static class PushToPartnerAwayTwoHours implements Step<Map<String, Object>, String> {
        final List<Instant> attempts = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            attempts.add(ctx.clock().instant());
            if (attempts.size() < 3) {
                throw new IllegalStateException("partner unavailable");
            }
            return "pushed";
        }
    }

    /**
     * The in-memory store, slow to record the first retry of a failed attempt as a loaded machine can be: it
     * returns once the virtual time has moved on, or after a second. Meanwhile the queue has yet to plan the
     * retry, which must keep the environment from moving the time. A proxy of the public store (no class of
     * another module's {@code internal} packages): every call goes to it, the retry's record is slowed.
     */
    static final class SlowToRecordARetry implements InvocationHandler {
        private final FlowStore memory = MemoryAdapters.store();
        private final AtomicBoolean slowedDown = new AtomicBoolean();
        private volatile Clock clock;

        void watching(Clock environmentsClock) {
            this.clock = environmentsClock;
        }

        FlowStore asStore() {
            return (FlowStore) Proxy.newProxyInstance(FlowStore.class.getClassLoader(), new Class<?>[] {FlowStore.class},
                    this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            boolean update = method.getName().equals("updateRun");
            Instant before = update ? clock.instant() : null;
            Object result;
            try {
                result = method.invoke(memory, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (update && result instanceof Optional<?> change && change.map(StoredChange.class::cast).stream()
                    .flatMap(c -> c.events().stream()).anyMatch(e -> e.type() == EventType.STEP_RETRY)
                    && slowedDown.compareAndSet(false, true)) {
                try {
                    await().atMost(Duration.ofSeconds(1)).until(() -> clock.instant().isAfter(before));
                } catch (ConditionTimeoutException timeStoodStill) {
                    // as it should: the environment waited for the failure to be recorded and its retry planned
                }
            }
            return result;
        }
    }

    @Test
    void timeAdvancedWhileAFailedAttemptIsStillBeingRecordedRunsEachRetryAtItsOwnTime() {
        PushToPartnerAwayTwoHours push = new PushToPartnerAwayTwoHours();
        SlowToRecordARetry store = new SlowToRecordARetry();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(push).engine(b -> b.store(store.asStore()))
                .build()) {
            store.watching(env.clock());
            String runId = env.flows().start("resync", Map.of());

            env.advanceTime(Duration.ofHours(2));
            RunInfo run = env.awaitRun(runId, Duration.ofSeconds(5));

            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            Instant start = FlowTestEnvironment.DEFAULT_START;
            assertThat(push.attempts)
                    .containsExactly(start, start.plus(Duration.ofHours(1)), start.plus(Duration.ofHours(2)));
        }
    }

    @Test
    void anApprovalNobodyAnswersTimesOutAfterThreeDaysOfVirtualTime() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), new Pay())) {
            String runId = env.flows().start("expense", Map.of("amount", 42));
            env.awaitIdle();
            env.advanceTime(Duration.ofDays(3).minusMinutes(1));

            assertThat(env.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            env.advanceTime(Duration.ofMinutes(1));

            assertThat(env.awaitEnd(runId, Duration.ofSeconds(5)).status()).isEqualTo(RunStatus.FAILED);
            assertThat(env.flows().awaits(false, 10)).singleElement()
                    .satisfies(await -> assertThat(await.status()).isEqualTo(AwaitStatus.TIMED_OUT));
        }
    }

    @Test
    void anApprovalTheTestAnswersThroughTheWebhookLetsTheRunComplete() {
        Pay pay = new Pay();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), pay)) {
            String runId = env.flows().start("expense", Map.of("amount", 42));
            env.awaitIdle();

            assertThat(env.awaitsRegistered()).singleElement()
                    .satisfies(registered -> assertThat(registered.webhookUrl()).isPresent());

            env.resolveWebhook(runId, "{\"approvedBy\":\"manager\"}");

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(pay.approvals).singleElement().asString().contains("manager");
        }
    }

    @Test
    void aRunWaitingForAnApprovalTheTestDidNotGiveFailsAwaitRunNamingTheWebhookToAnswerNotTheTimeout() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), new Pay())) {
            String runId = env.flows().start("expense", Map.of("amount", 42));

            assertThatThrownBy(() -> env.awaitRun(runId, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("run " + runId + " of flow 'expense' waits for a call of the webhook of "
                            + "step 'pay' (answer it with resolveWebhook(runId, jsonBody)): nothing runs, and the next "
                            + "timer, at " + FlowTestEnvironment.DEFAULT_START.plus(Duration.ofDays(3))
                            + ", is due only once the test advances the time;")
                    .hasMessageContaining("pay awaiting");
        }
    }

    @Test
    void aRunWaitingForTwoApprovalsFailsAwaitRunNamingTheCallThatAnswersEachOfThem() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new RequestPurchase(), new ManagerApproval(),
                new FinanceApproval())) {
            String runId = env.flows().start("purchase", Map.of("amount", 900));

            assertThatThrownBy(() -> env.awaitRun(runId, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("run " + runId + " of flow 'purchase' waits for a call of the webhook of "
                            + "step 'finance-approval' (answer it with resolveWebhook(runId, \"finance-approval\", "
                            + "jsonBody)) and a call of the webhook of step 'manager-approval' (answer it with "
                            + "resolveWebhook(runId, \"manager-approval\", jsonBody)): nothing runs,");
        }
    }

    @Test
    void aRunWaitingForItsTurnUnderAKeyFailsAwaitRunNamingTheRunThatHoldsTheKeyNotTheTime() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), new Pay())) {
            StartOptions key = StartOptions.newBuilder().concurrencyKey("employee-7").build();
            String first = env.flows().start("expense", Map.of("amount", 1), key).runId();
            String second = env.flows().start("expense", Map.of("amount", 2), key).runId();

            assertThatThrownBy(() -> env.awaitRun(second, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("run " + second + " of flow 'expense' waits for its turn under concurrency "
                            + "key 'employee-7', which run " + first + " holds (it must end first): nothing runs,");
        }
    }

    @Test
    void aRunWaitingForAKeyThatNoRunHoldsAtThatMomentFailsAwaitRunSayingTheKeyIsFreeAndTheRunNextInLine() {
        SchedulingStore memory = MemoryAdapters.schedulingStore();
        // Lists the key's holders as a store does between a holder's end and the hand-on: none.
        SchedulingStore keyMomentarilyFree = (SchedulingStore) Proxy.newProxyInstance(
                SchedulingStore.class.getClassLoader(), new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("concurrencyKeyHolderLists")) {
                        return Map.of();
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Submit()).step(new Pay())
                .engine(b -> b.schedulingStore(keyMomentarilyFree)).build()) {
            StartOptions key = StartOptions.newBuilder().concurrencyKey("employee-7").build();
            env.flows().start("expense", Map.of("amount", 1), key);
            String second = env.flows().start("expense", Map.of("amount", 2), key).runId();

            assertThatThrownBy(() -> env.awaitRun(second, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("run " + second + " of flow 'expense' waits for its turn under concurrency "
                            + "key 'employee-7', which no run holds at this moment (the key is free and the run is next"
                            + " in line: the engine hands it on as a holder ends, or its maintenance sweep does): nothing"
                            + " runs,");
        }
    }

    @Test
    void answeringTheWebhookOfARunThatDoesNotExistSaysThereIsNoSuchRun() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Submit(), new Pay())) {
            assertThatThrownBy(() -> env.resolveWebhook("no-such-run", "{}"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("there is no run no-such-run");
            assertThatThrownBy(() -> env.resolveWebhook("no-such-run", "pay", "{}"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("there is no run no-such-run");
        }
    }

    @Test
    void twoWebhookApprovalsWaitingAtOnceAreEachAnsweredByNamingTheirStep() {
        ManagerApproval manager = new ManagerApproval();
        FinanceApproval finance = new FinanceApproval();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new RequestPurchase(), manager, finance)) {
            String runId = env.flows().start("purchase", Map.of("amount", 900));

            env.resolveWebhook(runId, "finance-approval", "{\"approvedBy\":\"cfo\"}");
            env.resolveWebhook(runId, "manager-approval", "{\"approvedBy\":\"manager\"}");

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(manager.answers).singleElement().asString().contains("manager");
            assertThat(finance.answers).singleElement().asString().contains("cfo");
        }
    }

    @Test
    void answeringTheWebhookOfARunWithTwoWaitingNamesTheirStepsAndTheCallThatChoosesOne() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new RequestPurchase(), new ManagerApproval(),
                new FinanceApproval())) {
            String runId = env.flows().start("purchase", Map.of("amount", 900));

            assertThatThrownBy(() -> env.resolveWebhook(runId, "{}")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has 2 webhook awaits waiting, not one, of steps "
                            + "['finance-approval', 'manager-approval']")
                    .hasMessageContaining("resolveWebhook(runId, step, jsonBody)");
            assertThat(env.awaits(runId)).hasSize(2);
        }
    }

    @Test
    void answeringTheWebhookOfAStepThatHasNoneWaitingNamesTheStepsThatHave() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new RequestPurchase(), new ManagerApproval(),
                new FinanceApproval())) {
            String runId = env.flows().start("purchase", Map.of("amount", 900));
            env.resolveWebhook(runId, "manager-approval", "{}");

            assertThatThrownBy(() -> env.resolveWebhook(runId, "manager-approval", "{}"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has 0 webhook awaits of step 'manager-approval' waiting, not one; "
                            + "webhook awaits wait for steps ['finance-approval']");
        }
    }

    @Test
    void withAutoSkipARunWaitingTwoDaysCompletesAtOnceAndTheClockShowsTheTwoDays() {
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Remind()).autoSkipTime(true).build()) {
            long began = System.nanoTime();

            RunInfo run = env.startAndAwait("reminder", Map.of());

            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(REAL_TIME_FOR_A_JUMP);
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(env.now()).isEqualTo(FlowTestEnvironment.DEFAULT_START.plus(Duration.ofDays(2)));
        }
    }

    @Test
    void withoutAutoSkipARunWaitingForTimeFailsAwaitRunAtOnceSayingWhenItsTimerIsDue() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Remind())) {
            String runId = env.flows().start("reminder", Map.of());

            assertThatThrownBy(() -> env.awaitRun(runId, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("run " + runId + " of flow 'reminder' waits for time")
                    .hasMessageContaining(FlowTestEnvironment.DEFAULT_START.plus(Duration.ofDays(2)).toString())
                    .hasMessageContaining("remind awaiting");
        }
    }

    @Test
    void anIntervalTriggerFiresOncePerIntervalTheClockPasses() {
        GenerateReport report = new GenerateReport();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(report)) {
            env.advanceTime(Duration.ofMinutes(59));
            assertThat(report.runs).hasValue(0);

            env.advanceTime(Duration.ofMinutes(1));
            env.advanceTime(Duration.ofHours(1));
            env.advanceTime(Duration.ofHours(1));
            assertThat(report.runs).hasValue(3);

            env.advanceTime(Duration.ofHours(4)); // one move over four ticks fires each of them
            assertThat(report.runs).hasValue(7);
            assertThat(env.flows().runs(RunQuery.ofFlow("report")))
                    .hasSize(7).allSatisfy(run -> assertThat(run.status()).isEqualTo(RunStatus.COMPLETED));
        }
    }

    @Test
    void aFailingFlowsAwaitRunNamesTheFailedStepAndItsError() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new DeclinedCharge())) {
            String runId = env.flows().start("payment", Map.of());

            assertThatThrownBy(() -> env.awaitRun(runId))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("run " + runId + " of flow 'payment' ended failed")
                    .hasMessageContaining("steps: charge failed (failed at attempt 1: card declined)")
                    .hasMessageNotContaining("at io.nvent."); // the error, not its stack trace's frames
        }
    }

    @Test
    void anAssertionOnARunIsDescribedByTheRunsStepsTheirErrorsAndItsWaits() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new DeclinedCharge())) {
            String runId = env.flows().start("payment", Map.of());
            RunStatus status = env.awaitEnd(runId, Duration.ofSeconds(10)).status();

            assertThatThrownBy(() -> assertThat(status).as(() -> env.describe(runId)).isEqualTo(RunStatus.COMPLETED))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("[run " + runId + " of flow 'payment' ended failed; status FAILED; "
                            + "steps: charge failed (failed at attempt 1: card declined); waits: none; virtual time "
                            + FlowTestEnvironment.DEFAULT_START + "]");
            assertThatThrownBy(() -> env.describe("no-such-run"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("there is no run no-such-run");
        }
    }

    /** The environment looked for runs past their deadline a moment before: the time moved past one ends it all the same. */
    @Test
    void advancingTheTimePastARunsDeadlineEndsItAlsoJustAfterTheLastLook() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new ComingFromJobRunrTest.AwaitCarrier())) {
            String runId = env.flows().start("shipment", Map.of("orderId", "O-1"),
                    StartOptions.newBuilder().timeout(Duration.ofSeconds(3)).build()).runId();
            env.advanceTime(Duration.ofSeconds(1));

            env.advanceTime(Duration.ofSeconds(3));

            assertThat(env.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }
}

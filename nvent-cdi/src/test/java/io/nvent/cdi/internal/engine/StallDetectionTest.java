package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.RetryPolicy;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StallDetectionTest {

    static volatile CountDownLatch firstAttemptHangs = new CountDownLatch(1);
    /** Holds the executions of {@link Load} after the first, for a test to act while one runs. */
    static volatile CountDownLatch laterExecutionsWait = new CountDownLatch(0);
    static final AtomicInteger executions = new AtomicInteger();

    @FlowStep(flow = "import", name = "load", role = StepRole.ENTRY)
    static class Load implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (executions.incrementAndGet() == 1) {
                // The first execution stands for an instance that died mid-step: it never finishes in time.
                assertThat(firstAttemptHangs.await(10, TimeUnit.SECONDS)).isTrue();
            } else {
                assertThat(laterExecutionsWait.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return "loaded";
        }
    }

    @FlowStep(flow = "approval", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Approve implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @BeforeEach
    void firstLoadHangs() {
        executions.set(0);
        firstAttemptHangs = new CountDownLatch(1);
        laterExecutionsWait = new CountDownLatch(0);
        Crunch.release = new CountDownLatch(1);
    }

    /** An instance sharing the store of {@code dead}, as a second node of a cluster. */
    private static EngineHarness survivorOf(EngineHarness dead) {
        return new EngineHarness(dead.store, dead.scheduling, "instance-b", new Load(), new Approve());
    }

    /** Starts an import whose step hangs on {@code dead}, and waits until the step's start and lease are stored. */
    private static String startHungImport(EngineHarness dead) {
        String runId = dead.engine.start("import", null);
        // A step that runs past the start-write delay has its start and lease stored while it runs.
        await().until(() -> dead.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.RUNNING);
        awaitLease(dead, runId);
        return runId;
    }

    /** Waits until the start of the run's step and its lease are stored. */
    private static void awaitStartAndLease(EngineHarness h, String runId) {
        await().until(() -> h.types(runId).contains("step.started"));
        awaitLease(h, runId);
    }

    /**
     * Waits until the lease of the run's started step is stored. The run shows the step started as soon as
     * its start is stored; the lease may be stored a moment later. A test that moves the clock on before
     * then has the lease taken at the old time and left out of the sweep's renewal: one renewal missed,
     * which the lease running out, or another start of the instance id judging it unrenewed, then counts
     * against the step. With a real clock the lease is stored long before the next renewal is due.
     */
    private static void awaitLease(EngineHarness h, String runId) {
        await().until(() -> !h.scheduling.leasesOfRun(runId).isEmpty());
    }

    @Test
    void aStepWhoseInstanceStoppedRenewingItsLeaseIsMarkedStalledAndRecovered() {
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = survivorOf(dead)) {
            String runId = startHungImport(dead);
            assertThat(executions).hasValue(1);
            assertThat(survivor.engine.waits(runId)).as("a step whose lease holds runs").singleElement()
                    .satisfies(wait -> assertThat(wait.reason()).isEqualTo(StepWait.Reason.RUNNING));

            survivor.clock.advance(Duration.ofSeconds(61));
            assertThat(survivor.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.status()).isEqualTo(StepStatus.RUNNING);
                assertThat(wait.reason()).isEqualTo(StepWait.Reason.LEASE_EXPIRED);
                assertThat(wait.detail()).startsWith("instance instance-a").contains("stopped renewing its lease at");
            });
            survivor.sweep();

            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(survivor.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled",
                    "step.retry", "step.started", "step.completed", "flow.completed");
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
            await().during(Duration.ofMillis(100)).until(() ->
                    survivor.engine.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepRecordedRunningWhoseLeaseIsGoneIsMarkedStalledAndRecoveredOnceTheRunStaysUnchanged() {
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = survivorOf(dead)) {
            String runId = startHungImport(dead);
            // E.g. the store was away when the step ended: its lease was given up, its end never stored.
            StepLease lease = dead.scheduling.leasesOfRun(runId).get(0);
            dead.scheduling.releaseLease(runId, "load", lease.owner());

            survivor.sweep();
            assertThat(survivor.types(runId)).as("not yet: the run may be changing").doesNotContain("step.stalled");
            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();

            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(survivor.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("no instance holds its lease"));
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
        }
    }

    /** Fails its first attempt; its second hangs, as on an instance that died mid-step. Records the attempts it saw. */
    @FlowStep(flow = "import-retried", name = "load-retried", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 0)
    static class LoadRetried implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            if (attemptsSeen.size() == 2) {
                assertThat(firstAttemptHangs.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return "loaded";
        }
    }

    /** Starts a run whose step fails its first attempt on {@code dead} and hangs in its second there. */
    private static String startLosingSecondAttempt(EngineHarness dead) {
        LoadRetried.attemptsSeen.clear();
        String runId = dead.engine.start("import-retried", null);
        await().until(() -> LoadRetried.attemptsSeen.size() == 2
                && dead.engine.run(runId).orElseThrow().steps().get("load-retried") == StepStatus.RUNNING);
        return runId;
    }

    private static void assertRanAgainAsTheLostAttempt(EngineHarness survivor, String runId) {
        survivor.awaitStatus(runId, RunStatus.COMPLETED);
        assertThat(LoadRetried.attemptsSeen).as("attempt 1 counted; the lost attempt 2 did not").containsExactly(1, 2, 2);
        assertThat(survivor.eventsOf(runId, EventType.STEP_STARTED)).extracting(HistoryEvent::attempt)
                .containsExactly(1, 2, 2);
    }

    @Test
    void aStalledStepRecoveredRunsAgainAsTheAttemptThatWasLostNotFromTheFirst() {
        try (EngineHarness dead = new EngineHarness(new LoadRetried());
             EngineHarness survivor = new EngineHarness(dead.store, dead.scheduling, "instance-b", new LoadRetried())) {
            String runId = startLosingSecondAttempt(dead);

            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();

            assertRanAgainAsTheLostAttempt(survivor, runId);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aStepRecordedRunningWithoutALeaseRecoveredBySweepRunsAgainAsTheAttemptThatWasLost() {
        try (EngineHarness dead = new EngineHarness(new LoadRetried());
             EngineHarness survivor = new EngineHarness(dead.store, dead.scheduling, "instance-b", new LoadRetried())) {
            String runId = startLosingSecondAttempt(dead);
            // The store was away when the attempt ended: its lease was given up, its end never stored.
            StepLease lease = dead.scheduling.leasesOfRun(runId).get(0);
            dead.scheduling.releaseLease(runId, "load-retried", lease.owner());

            survivor.sweep();
            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();   // NVENT-0159: unchanged a lease later

            assertRanAgainAsTheLostAttempt(survivor, runId);
            assertThat(survivor.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("no instance holds its lease"));
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void withoutRecoveryAStalledRunStaysStalledUntilAnOperatorActs() {
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = EngineHarness.beside(dead, "instance-b", s -> new EngineSettings(s.instanceId(),
                     s.webhookBaseUrl(), s.leaseDuration(), false, s.startWriteDelay()), new Load(), new Approve())) {
            String runId = startHungImport(dead);

            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();

            assertThat(survivor.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(survivor.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled")
                    .doesNotContain("step.retry");
            survivor.clock.advance(Duration.ofMinutes(5));
            survivor.sweep();
            assertThat(survivor.types(runId)).as("marked stalled once, not at every sweep").containsOnlyOnce("flow.stalled");
            assertThat(executions).hasValue(1);

            assertThat(survivor.engine.cancel(runId)).isTrue();
            assertThat(survivor.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(survivor.eventsOf(runId, EventType.FLOW_CANCEL).get(0).data())
                    .contains("\"previousStatus\":\"stalled\"");
            firstAttemptHangs.countDown();
        }
    }

    /** Version 2 of the import flow: its step "load" was renamed. */
    @FlowStep(flow = "import", name = "load-v2", role = StepRole.ENTRY)
    static class LoadV2 implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "loaded";
        }
    }

    @Test
    void aStalledStepTheNewDeploymentLacksIsMarkedStalledAndFailedInsteadOfQueuedAgainAndRunsOnceDeployedAgain() {
        try (EngineHarness v1 = new EngineHarness(new Load(), new Approve());
             EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-v2", new LoadV2(),
                     new Approve())) {
            String runId = startHungImport(v1);

            v2.clock.advance(Duration.ofSeconds(61));
            v2.sweep();

            assertThat(v2.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(v2.engine.run(runId).orElseThrow().steps()).containsEntry("load", StepStatus.FAILED);
            assertThat(v2.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("step 'load' of flow 'import' is not deployed on this"
                            + " instance", "it is not queued again"));
            assertThat(v2.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed ->
                    assertThat(failed.data()).contains("NVENT-0169"));
            assertThat(v2.types(runId)).containsSubsequence("step.stalled", "flow.stalled", "step.failed")
                    .doesNotContain("step.retry");
            assertThat(v1.scheduling.expiredLeases(v2.clock.instant().plus(Duration.ofHours(1)), 10))
                    .as("no lease left behind").isEmpty();
            v2.clock.advance(Duration.ofMinutes(5));
            v2.sweep();
            assertThat(v2.types(runId)).as("marked once, not at every sweep").containsOnlyOnce("flow.stalled");

            firstAttemptHangs.countDown();
            try (EngineHarness v3 = new EngineHarness(v1.store, v1.scheduling, "instance-v3", new Load(),
                    new Approve())) {
                v3.engine.retryStep(runId, "load");
                v3.awaitStatus(runId, RunStatus.COMPLETED);
            }
            assertThat(executions).hasValue(2);
        }
    }

    @Test
    void aStepOfARemovedFlowRecordedRunningWithoutALeaseIsMarkedStalledOnceTheRunStaysUnchanged() {
        try (EngineHarness v1 = new EngineHarness(new Load(), new Approve());
             EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-v2", new Approve())) {
            String runId = startHungImport(v1);
            // E.g. an earlier version's sweep dropped the lease of a step it did not know, and marked nothing.
            StepLease lease = v1.scheduling.leasesOfRun(runId).get(0);
            v1.scheduling.releaseLease(runId, "load", lease.owner());

            v2.sweep();
            assertThat(v2.types(runId)).as("not yet: the run may be changing").doesNotContain("step.stalled");
            v2.clock.advance(Duration.ofSeconds(61));
            v2.sweep();

            assertThat(v2.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(v2.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("no instance holds its lease",
                            "flow 'import' of step 'load' is not deployed on this instance"));
            assertThat(v2.engine.cancel(runId)).as("the operator's way out").isTrue();
            firstAttemptHangs.countDown();
        }
    }

    /** A memory queue that hands the test the handler of each queue, to deliver jobs as a broker redelivers them. */
    static final class RedeliveringQueue extends MemoryJobQueue {
        final Map<String, JobHandler> handlers = new ConcurrentHashMap<>();

        RedeliveringQueue() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void registerWorker(String queueName, int concurrency, JobHandler handler) {
            handlers.put(queueName, handler);
            super.registerWorker(queueName, concurrency, handler);
        }

        void redeliver(String queueName, String runId, String flow, String step) throws Exception {
            deliver(queueName, runId, flow, step, 1, true);
        }

        /**
         * Delivers the job's first attempt again as a first delivery, as Artemis does after a restart
         * from its journal: the delivery count was not stored, so the message is not flagged redelivered.
         */
        void deliverUnflagged(String queueName, String runId, String flow, String step) throws Exception {
            deliverUnflagged(queueName, runId, flow, step, 1);
        }

        void deliverUnflagged(String queueName, String runId, String flow, String step, int attempt)
                throws Exception {
            deliver(queueName, runId, flow, step, attempt, false);
        }

        private void deliver(String queueName, String runId, String flow, String step, int attempt,
                             boolean redelivered) throws Exception {
            handlers.get(queueName).handle(new JobExecution(queueName, StepJob.jobId(runId, step), step,
                    new StepJob(runId, flow, step, OptionalLong.empty()).toJson(), attempt, 3, redelivered));
        }
    }

    private static EngineHarness survivorWithoutRecovery(EngineHarness dead, MemoryJobQueue queue) {
        return EngineHarness.beside(dead, "instance-b", s -> new EngineSettings(s.instanceId(), s.webhookBaseUrl(),
                s.leaseDuration(), false, s.startWriteDelay()), queue, new Load(), new Approve());
    }

    @Test
    void withoutRecoveryAJobRedeliveredAfterItsInstanceWasLostMarksTheRunStalledInsteadOfRunningTheStepAgain()
            throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = survivorWithoutRecovery(dead, queue)) {
            String runId = startHungImport(dead);

            queue.redeliver("import", runId, "import", "load");
            assertThat(survivor.engine.run(runId).orElseThrow().status())
                    .as("the lost execution's lease still holds: the sweep marks the run when it runs out")
                    .isEqualTo(RunStatus.RUNNING);

            survivor.clock.advance(Duration.ofSeconds(61));
            queue.redeliver("import", runId, "import", "load");

            assertThat(executions).hasValue(1);
            assertThat(survivor.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(survivor.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("delivered again", "nvent.stall.recover=false"));
            assertThat(survivor.types(runId)).doesNotContain("step.retry");
            assertThat(dead.scheduling.expiredLeases(survivor.clock.instant().plus(Duration.ofHours(1)), 10))
                    .as("no lease left behind").isEmpty();
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void withRecoveryAJobRedeliveredAfterItsInstanceWasLostRecordsTheStallAndRunsTheStepAgain() throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = EngineHarness.beside(dead, "instance-b", s -> s, queue, new Load(),
                     new Approve())) {
            String runId = startHungImport(dead);
            survivor.clock.advance(Duration.ofSeconds(61));

            queue.redeliver("import", runId, "import", "load");

            assertRecordedStalledAndRanAgainAsTheLostAttempt(survivor, runId);
            firstAttemptHangs.countDown();
        }
    }

    /** The stall is recorded and counted as the sweep's would be, and the step runs once more, as attempt 1 again. */
    private static void assertRecordedStalledAndRanAgainAsTheLostAttempt(EngineHarness survivor, String runId) {
        survivor.awaitStatus(runId, RunStatus.COMPLETED);
        assertThat(executions).hasValue(2);
        assertThat(survivor.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled",
                "step.retry", "step.started", "step.completed", "flow.completed");
        assertThat(survivor.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                assertThat(stalled.data()).contains("delivered again after the execution that started it was lost"));
        assertThat(survivor.eventsOf(runId, EventType.STEP_STARTED)).extracting(HistoryEvent::attempt)
                .containsExactly(1, 1);
        assertThat(survivor.engine.metrics().counts())
                .containsEntry(new EngineMetrics.Series(EngineMetrics.Counter.STEPS_STALLED, "import", "load"), 1L);
    }

    /** Instance A started again over the stores of {@code crashed} (instance A), as after a kill -9 and a restart. */
    private static EngineHarness restartedAfter(EngineHarness crashed, boolean recover, MemoryJobQueue queue) {
        return EngineHarness.beside(crashed, "instance-a", s -> new EngineSettings(s.instanceId(),
                s.webhookBaseUrl(), s.leaseDuration(), recover, s.startWriteDelay()), queue, new Load(), new Approve());
    }

    @Test
    void withRecoveryAJobDeliveredUnflaggedAfterItsInstanceRestartedRecordsTheStallAndRunsTheStepAgain()
            throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = restartedAfter(crashed, true, queue)) {
            String runId = startHungImport(crashed);
            restarted.clock.advance(Duration.ofSeconds(61));

            queue.deliverUnflagged("import", runId, "import", "load");

            assertRecordedStalledAndRanAgainAsTheLostAttempt(restarted, runId);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void withoutRecoveryAJobDeliveredUnflaggedAfterItsInstanceRestartedMarksTheRunStalledInsteadOfRunningTheStepAgain()
            throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = restartedAfter(crashed, false, queue)) {
            String runId = startHungImport(crashed);
            restarted.clock.advance(Duration.ofSeconds(61));

            queue.deliverUnflagged("import", runId, "import", "load");

            assertThat(executions).hasValue(1);
            assertThat(restarted.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(restarted.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("delivered again", "nvent.stall.recover=false"));
            assertThat(restarted.types(runId)).doesNotContain("step.retry");
            assertThat(crashed.scheduling.expiredLeases(restarted.clock.instant().plus(Duration.ofHours(1)), 10))
                    .as("no lease left behind").isEmpty();
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aJobDeliveredUnflaggedForAStepRecordedRunningWithoutALeaseRecordsTheStallAndRunsTheStepAgain()
            throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = restartedAfter(crashed, true, queue)) {
            String runId = startHungImport(crashed);
            // E.g. the store was away when the step ended: its lease was given up, its end never stored.
            StepLease lease = crashed.scheduling.leasesOfRun(runId).get(0);
            crashed.scheduling.releaseLease(runId, "load", lease.owner());

            queue.deliverUnflagged("import", runId, "import", "load");

            assertRecordedStalledAndRanAgainAsTheLostAttempt(restarted, runId);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aRetryDeliveredUnflaggedAfterItsInstanceRestartedRecordsTheStallAndRunsAgainAsTheAttemptThatWasLost()
            throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness crashed = new EngineHarness(new LoadRetried());
             EngineHarness restarted = EngineHarness.beside(crashed, "instance-a", s -> s, queue, new LoadRetried())) {
            String runId = startLosingSecondAttempt(crashed);
            restarted.clock.advance(Duration.ofSeconds(61));

            queue.deliverUnflagged("import-retried", runId, "import-retried", "load-retried", 2);

            assertRanAgainAsTheLostAttempt(restarted, runId);
            assertThat(restarted.types(runId)).containsSubsequence("step.started", "step.stalled", "step.retry",
                    "step.started", "step.completed");
            firstAttemptHangs.countDown();
        }
    }

    /** A scheduling store that lets a test act once a step's lease was first taken to mark the step stalled. */
    static final class StallMarkHook extends MemorySchedulingStore {
        volatile Runnable onFirstStallMark;

        @Override
        public boolean acquireLease(StepLease lease, Instant now) {
            boolean acquired = super.acquireLease(lease, now);
            Runnable action = onFirstStallMark;
            if (acquired && lease.owner().contains("/stall-recovery") && action != null) {
                onFirstStallMark = null;
                action.run();
            }
            return acquired;
        }
    }

    @Test
    void theSweepAndADeliveryFindingTheSameLostExecutionAtOnceOnOneInstanceRecoverTheStepOnce() throws Exception {
        StallMarkHook scheduling = new StallMarkHook();
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness crashed = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Load(),
                new Approve());
             EngineHarness restarted = restartedAfter(crashed, true, queue)) {
            String runId = startHungImport(crashed);
            StepLease lost = scheduling.leasesOfRun(runId).get(0);
            restarted.clock.advance(Duration.ofSeconds(61));
            laterExecutionsWait = new CountDownLatch(1);
            // The sweep read the expired lease just before the delivery took the step's lease to mark it.
            scheduling.onFirstStallMark = () -> {
                restarted.engine.lostSteps().handleExpiredLease(lost);
                if (restarted.types(runId).contains("step.retry")) {
                    // The sweep marked the step as well: its recovery job starts before the delivery goes on.
                    await().until(() -> restarted.eventsOf(runId, EventType.STEP_STARTED).size() == 2);
                }
            };

            queue.deliverUnflagged("import", runId, "import", "load");
            laterExecutionsWait.countDown();

            assertRecordedStalledAndRanAgainAsTheLostAttempt(restarted, runId);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aJobDeliveredAgainWhileALiveInstanceRunsItsStepIsRefusedWhateverTheQueueFlags() throws Exception {
        RedeliveringQueue queue = new RedeliveringQueue();
        try (EngineHarness live = new EngineHarness(new Load(), new Approve());
             EngineHarness other = EngineHarness.beside(live, "instance-b", s -> s, queue, new Load(),
                     new Approve())) {
            String runId = startHungImport(live);

            queue.deliverUnflagged("import", runId, "import", "load");
            queue.redeliver("import", runId, "import", "load");

            assertThat(executions).as("the step runs on its live instance only").hasValue(1);
            assertThat(other.types(runId)).doesNotContain("step.stalled");
            assertThat(other.engine.run(runId).orElseThrow().steps()).containsEntry("load", StepStatus.RUNNING);
            firstAttemptHangs.countDown();
            live.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(executions).hasValue(1);
        }
    }

    @Test
    void healthyRunsAreNotMarkedStalledAfterARestartOrALongWait() {
        try (EngineHarness before = new EngineHarness(new Approve())) {
            String awaiting = before.engine.start("approval", null);
            before.close();

            try (EngineHarness restarted = new EngineHarness(before.store, before.scheduling, "instance-restarted",
                    new Approve())) {
                restarted.clock.advance(Duration.ofHours(2));
                restarted.sweep();

                assertThat(restarted.engine.run(awaiting).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
                assertThat(restarted.types(awaiting)).doesNotContain("flow.stalled");
            }
        }
    }

    @FlowStep(flow = "long", name = "crunch", role = StepRole.ENTRY)
    static class Crunch implements Step<Object, Void> {
        static volatile CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            assertThat(release.await(20, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    @Test
    void aLongStepWhoseInstanceRenewsItsLeaseIsNotStalled() {
        try (EngineHarness h = new EngineHarness(new Crunch())) {
            String runId = h.engine.start("long", null);
            awaitStartAndLease(h, runId);

            for (int i = 0; i < 5; i++) {
                h.clock.advance(Duration.ofSeconds(30));
                h.sweep();
            }

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            Crunch.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.types(runId)).doesNotContain("flow.stalled");
        }
    }

    @Test
    void anInstanceRestartedUnderTheSameIdDoesNotKeepTheLeasesOfItsCrashedPredecessorAlive() {
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve(), new Crunch());
             EngineHarness restarted = new EngineHarness(crashed.store, crashed.scheduling, "instance-a", new Load(),
                     new Approve(), new Crunch())) {
            String orphaned = startHungImport(crashed);
            // The restarted instance holds a lease of its own, so it renews leases at every sweep.
            String busy = restarted.engine.start("long", null);
            awaitStartAndLease(restarted, busy);

            for (int i = 0; i < 3; i++) {
                restarted.clock.advance(Duration.ofSeconds(30));
                restarted.sweep();
            }

            restarted.awaitStatus(orphaned, RunStatus.COMPLETED);
            assertThat(restarted.types(orphaned)).contains("step.stalled");
            assertThat(restarted.engine.run(busy).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            Crunch.release.countDown();
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void anInstanceRestartedUnderTheSameIdRecoversTheStepItsDeadStartRanOnceThatStartMissedTwoRenewals() {
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = new EngineHarness(crashed.store, crashed.scheduling, "instance-a", new Load(),
                     new Approve())) {
            String runId = startHungImport(crashed);

            // Started 10 s after the crash, the earlier start may still live: it has missed no renewal yet.
            restarted.clock.advance(Duration.ofSeconds(10));
            restarted.sweep();
            assertThat(restarted.types(runId)).doesNotContain("step.stalled");
            // Half a lease after its last renewal (not a whole one), it has missed two.
            restarted.clock.advance(Duration.ofSeconds(20));
            restarted.sweep();

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(restarted.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("instance instance-a started again; the lease of its earlier"
                            + " start instance-a@").contains("is no longer renewed"));
            assertThat(restarted.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled",
                    "step.retry", "step.started", "step.completed", "flow.completed");
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void withoutRecoveryAnInstanceRestartedUnderTheSameIdLeavesTheStepItsDeadStartRanStalled() {
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = EngineHarness.beside(crashed, "instance-a", s -> new EngineSettings(
                     s.instanceId(), s.webhookBaseUrl(), s.leaseDuration(), false, s.startWriteDelay()), new Load(),
                     new Approve())) {
            String runId = startHungImport(crashed);

            restarted.clock.advance(Duration.ofSeconds(30));
            restarted.sweep();

            assertThat(restarted.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.STALLED);
            assertThat(restarted.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled")
                    .doesNotContain("step.retry");
            assertThat(executions).hasValue(1);
            firstAttemptHangs.countDown();
        }
    }

    /** Settings with {@code nvent.stall.timeout-ms} at {@code lease}. */
    private static UnaryOperator<EngineSettings> stallTimeout(Duration lease) {
        return s -> new EngineSettings(s.instanceId(), s.webhookBaseUrl(), lease, s.recoverStalled(),
                s.startWriteDelay());
    }

    @Test
    void anInstanceRestartedUnderTheSameIdWithAShorterStallTimeoutRecoversTheStepOnceHalfOfItsDeadStartsLeasePassed() {
        // nvent.stall.timeout-ms lowered from 240 s to 60 s between the two starts.
        try (EngineHarness crashed = EngineHarness.withSettings(stallTimeout(Duration.ofSeconds(240)), new Load(),
                new Approve());
             EngineHarness restarted = EngineHarness.beside(crashed, "instance-a", stallTimeout(Duration.ofSeconds(60)),
                     EngineHarness.START.plusSeconds(5), new Load(), new Approve())) {
            String runId = startHungImport(crashed);   // its lease taken at START, for 240 s

            restarted.sweep();
            // Past the restarted instance's own first lease, and past a whole one of its own after the crash.
            restarted.clock.advance(Duration.ofSeconds(61));
            restarted.sweep();
            restarted.clock.advance(Duration.ofSeconds(53));
            restarted.sweep();
            assertThat(restarted.types(runId)).as("119 s after the lease's last renewal").doesNotContain("step.stalled");
            // Half of the dead start's lease after its last renewal, not the whole of it (240 s).
            restarted.clock.advance(Duration.ofSeconds(1));
            restarted.sweep();

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(restarted.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("is no longer renewed (last renewed at "
                            + EngineHarness.START + ")"));
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void anInstanceRestartedUnderTheSameIdWithALongerStallTimeoutRecoversTheStepNoSoonerThanHalfOfItsDeadStartsLease() {
        // Raised from 60 s to 240 s: judged by 240 s, a lease renewed every 15 s would look unrenewed for long enough.
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = EngineHarness.beside(crashed, "instance-a",
                     stallTimeout(Duration.ofSeconds(240)), EngineHarness.START.plusSeconds(5), new Load(),
                     new Approve())) {
            String runId = startHungImport(crashed);   // its lease taken at START, for 60 s

            restarted.sweep();
            restarted.clock.advance(Duration.ofSeconds(24));
            restarted.sweep();
            assertThat(restarted.types(runId)).as("29 s after the lease's last renewal").doesNotContain("step.stalled");
            restarted.clock.advance(Duration.ofSeconds(1));
            restarted.sweep();

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(restarted.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled",
                    "step.retry", "step.started", "step.completed", "flow.completed");
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aLeaseOfAnEarlierStartStoredWithoutItsRenewalTimeIsJudgedByTheRestartedInstancesStallTimeoutAsBefore() {
        try (EngineHarness crashed = new EngineHarness(new Load(), new Approve());
             EngineHarness restarted = new EngineHarness(crashed.store, crashed.scheduling, "instance-a", new Load(),
                     new Approve())) {
            String runId = startHungImport(crashed);
            // As a version that kept no renewal time left it: renewed without one, to the same end.
            StepLease lease = crashed.scheduling.leasesOfRun(runId).get(0);
            crashed.scheduling.renewLeases(lease.owner(), lease.expiresAt());
            assertThat(crashed.scheduling.leasesOfRun(runId).get(0).renewedAt()).isEmpty();

            restarted.clock.advance(Duration.ofSeconds(29));
            restarted.sweep();
            assertThat(restarted.types(runId)).doesNotContain("step.stalled");
            restarted.clock.advance(Duration.ofSeconds(1));
            restarted.sweep();

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(restarted.eventsOf(runId, EventType.STEP_STALLED)).singleElement().satisfies(stalled ->
                    assertThat(stalled.data()).contains("is no longer renewed").doesNotContain("last renewed at"));
            assertThat(executions).hasValue(2);
            firstAttemptHangs.countDown();
        }
    }

    @Test
    void aLiveProcessWithTheSameInstanceIdKeepsItsRunningStepFromOneStartedWithALongerStallTimeout() {
        try (EngineHarness first = new EngineHarness(new Crunch());
             EngineHarness second = EngineHarness.beside(first, "instance-a", stallTimeout(Duration.ofSeconds(240)),
                     new Crunch())) {
            String runId = first.engine.start("long", null);
            awaitStartAndLease(first, runId);

            // The first renews its 60 s lease every quarter of it, through the second's first lease and past it.
            for (int i = 0; i < 20; i++) {
                EngineHarness.moveClocks(Duration.ofSeconds(15), first, second);
                second.sweep();
                first.sweep();
            }

            assertThat(first.types(runId)).doesNotContain("step.stalled");
            assertThat(first.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            Crunch.release.countDown();
            first.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(first.types(runId)).containsOnlyOnce("step.started");
        }
    }

    @Test
    void twoLiveProcessesMisconfiguredWithTheSameInstanceIdDoNotTakeEachOthersRunningSteps() {
        try (EngineHarness first = new EngineHarness(new Crunch());
             EngineHarness second = new EngineHarness(first.store, first.scheduling, "instance-a", new Crunch())) {
            String runId = first.engine.start("long", null);
            awaitStartAndLease(first, runId);

            // Past the second's first lease, the first renewing its lease at its sweeps all along.
            for (int i = 0; i < 6; i++) {
                EngineHarness.moveClocks(Duration.ofSeconds(15), first, second);
                second.sweep();
                first.sweep();
            }

            assertThat(first.types(runId)).doesNotContain("step.stalled");
            assertThat(first.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            Crunch.release.countDown();
            first.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(first.types(runId)).containsOnlyOnce("step.started");
        }
    }

    @FlowStep(flow = "pipeline", name = "extract", role = StepRole.ENTRY, emits = "extracted", queue = "etl")
    static class Extract implements Step<Object, String> {
        static volatile Runnable whileRunning = () -> { };
        static final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            runs.incrementAndGet();
            whileRunning.run();
            ctx.emit("extracted", "rows");
            return "extracted";
        }
    }

    @FlowStep(flow = "pipeline", name = "load", subscribes = "extracted", queue = "etl")
    static class LoadRows implements Step<Object, String> {
        static final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            runs.incrementAndGet();
            return "loaded";
        }
    }

    @Test
    void aStepQueuedByAnInstanceThatDiedBeforeItsJobWasDeliveredIsQueuedAgainBySurvivors() {
        try (EngineHarness dead = new EngineHarness(new Extract(), new LoadRows());
             EngineHarness survivor = new EngineHarness(dead.store, dead.scheduling, "instance-b", new Extract(),
                     new LoadRows())) {
            // The next step's job only reaches the dying instance's queue, which never delivers it.
            Extract.whileRunning = () -> dead.queue.pause("etl");
            String runId = dead.engine.start("pipeline", null);
            await().until(() -> dead.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.QUEUED);
            dead.close();

            survivor.sweep();
            assertThat(LoadRows.runs).as("not yet suspect: the run may just be waiting in a queue").hasValue(0);
            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();

            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(Extract.runs).hasValue(1);
            assertThat(LoadRows.runs).hasValue(1);
            assertThat(survivor.types(runId)).containsSubsequence("step.completed", "step.started", "step.completed",
                    "flow.completed");
        } finally {
            Extract.whileRunning = () -> { };
        }
    }

    @FlowStep(flow = "flaky", name = "fetch", role = StepRole.ENTRY, queue = "flaky", maxAttempts = 3,
            backoff = BackoffType.FIXED, backoffDelayMs = 600_000)
    static class FetchFailingOnce implements Step<Object, String> {
        static final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("remote service unavailable");
            }
            return "fetched";
        }
    }

    @Test
    void aRetryingStepWhoseInstanceDiedBeforeItsRetryWasStoredIsQueuedAgainBySurvivors() {
        FetchFailingOnce.runs.set(0);
        try (EngineHarness dead = new EngineHarness(new FetchFailingOnce());
             EngineHarness survivor = new EngineHarness(dead.store, dead.scheduling, "instance-b",
                     new FetchFailingOnce())) {
            String runId = dead.engine.start("flaky", null);
            await().until(() -> dead.engine.run(runId).orElseThrow().steps().get("fetch") == StepStatus.RETRYING);
            // The retry is only in the dying instance's (memory) queue, as if it never got stored.
            dead.close();

            survivor.sweep();
            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();
            assertThat(FetchFailingOnce.runs).as("the first attempt only, before its retry is due").hasValue(1);
            // The retry was due 600 s after the failure: a lease after that, it is taken for lost.
            survivor.clock.advance(Duration.ofSeconds(600));
            survivor.sweep();

            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(FetchFailingOnce.runs).hasValue(2);
        }
    }

    /** Refused every time; records the attempts it saw, and does {@link #onSecondCall} during its second. */
    @FlowStep(flow = "sync", name = "push", role = StepRole.ENTRY, queue = "sync", maxAttempts = 3, backoffDelayMs = 0)
    static class PushRefused implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
        static volatile Runnable onSecondCall = () -> { };

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 2) {
                onSecondCall.run();
            }
            throw new IllegalStateException("remote service unavailable");
        }
    }

    private static void assertFailedForGoodAfterItsThirdAttempt(EngineHarness h, String runId) {
        h.awaitStatus(runId, RunStatus.FAILED);
        assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
            assertThat(failed.attempt()).isEqualTo(3);
            assertThat(failed.data()).contains("\"maxAttempts\":3");
        });
    }

    @Test
    void aStepWhoseRetryWasLostWithItsInstanceIsQueuedAgainAsTheAttemptItWasAt() {
        PushRefused.attemptsSeen.clear();
        try (EngineHarness dead = new EngineHarness(new PushRefused());
             EngineHarness survivor = new EngineHarness(dead.store, dead.scheduling, "instance-b", new PushRefused())) {
            // The retry after the second attempt only reaches the dying instance's queue, which never delivers it.
            PushRefused.onSecondCall = () -> dead.queue.pause("sync");
            String runId = dead.engine.start("sync", null);
            await().until(() -> dead.eventsOf(runId, EventType.STEP_RETRY).size() == 2);
            dead.close();

            survivor.sweep();
            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();   // NVENT-0124: still retrying a lease later, and no job

            assertFailedForGoodAfterItsThirdAttempt(survivor, runId);
            assertThat(PushRefused.attemptsSeen).as("attempts 1 and 2 counted: one is left").containsExactly(1, 2, 3);
        } finally {
            PushRefused.onSecondCall = () -> { };
        }
    }

    @Test
    void aRunWaitingInABusyQueueIsNotQueuedTwice() {
        try (EngineHarness h = new EngineHarness(new Extract(), new LoadRows())) {
            int loadsBefore = LoadRows.runs.get();
            Extract.whileRunning = () -> h.queue.pause("etl");
            String runId = h.engine.start("pipeline", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.QUEUED);

            h.sweep();
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            h.queue.resume("etl");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(LoadRows.runs.get() - loadsBefore).isEqualTo(1);
            assertThat(h.queue.counts("etl").completed()).isEqualTo(2);
        } finally {
            Extract.whileRunning = () -> { };
        }
    }

    @Test
    void aStepWhoseJobEndedWithoutRunningItIsQueuedAgain() {
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ZERO, new Extract(), new LoadRows())) {
            int loadsBefore = LoadRows.runs.get();
            Extract.whileRunning = () -> h.queue.pause("etl");
            String runId = h.engine.start("pipeline", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.QUEUED);
            // An instance that died while storing the step's start left its lease and nothing else:
            // the step's job, delivered now, is refused its start and ends without running the step.
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "load", "instance-gone", now.plusSeconds(60), now)).isTrue();
            h.queue.resume("etl");
            await().until(() -> h.queue.counts("etl").completed() == 2);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("load", StepStatus.QUEUED);

            for (int check = 0; check < 2; check++) {
                h.clock.advance(Duration.ofSeconds(61));
                h.sweep();
            }

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(LoadRows.runs.get() - loadsBefore).isEqualTo(1);
            assertThat(h.history(runId).stream().filter(e -> e.type().wireName().equals("step.started")
                    && "load".equals(e.step().orElse(null)))).hasSize(1);
        } finally {
            Extract.whileRunning = () -> { };
        }
    }

    /**
     * Refused its start by the lease of an instance that died storing its own, the step's job gives way (NVENT-0598)
     * instead of ending without running it, and the step runs, as the attempt its history shows it at, once that
     * lease ran out: without waiting for the lost-job check.
     */
    @Test
    void aStepWhoseJobFindsTheLeaseOfAnInstanceThatDiedRunsAsTheAttemptItWasAtOnceTheLeaseRanOut() {
        PushRefused.attemptsSeen.clear();
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ZERO, new PushRefused())) {
            h.queue.pause("sync");
            String runId = h.engine.start("sync", null);
            // The step's history as a step leaves it whose first attempt failed and whose retry a rate limit
            // held back: queued again, as attempt 2.
            Instant now = h.clock.instant();
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run, List.of(
                    EventDraft.ofStep(EventType.STEP_STARTED, "push", 1, now, "{}"),
                    EventDraft.ofStep(EventType.STEP_RETRY, "push", 1, now,
                            "{\"error\":\"remote service unavailable\",\"nextAttempt\":2}"),
                    EventDraft.ofStep(EventType.STEP_RETRY, "push", 2, now,
                            "{\"reason\":\"the rate limit allows no start yet; the attempt does not count\"}")))));
            // The step's job is then refused its start by the lease of an instance that died storing its own.
            assertThat(h.scheduling.acquireLease(runId, "push", "instance-gone", now.plusSeconds(60), now)).isTrue();
            h.queue.resume("sync");
            await().until(() -> h.queue.counts("sync").completed() == 1);
            assertThat(PushRefused.attemptsSeen).as("nothing ran beside the lease").isEmpty();

            h.clock.advance(Duration.ofSeconds(61));

            assertFailedForGoodAfterItsThirdAttempt(h, runId);
            assertThat(PushRefused.attemptsSeen).as("attempt 1 counted, the one held back did not")
                    .containsExactly(2, 3);
        }
    }

    /** Fails its first attempt, doing {@link #onFirstCall} meanwhile, and succeeds after; records the attempts it saw. */
    @FlowStep(flow = "upload", name = "upload", role = StepRole.ENTRY, queue = "uploads", maxAttempts = 2,
            backoffDelayMs = 0)
    static class UploadFailingOnce implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
        static volatile Runnable onFirstCall = () -> { };

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 1) {
                onFirstCall.run();
                throw new IllegalStateException("remote service unavailable");
            }
            return "uploaded";
        }
    }

    /**
     * Refused its start by the lease of an instance that died storing its own, the step's retry gives way
     * (NVENT-0598, queued again without counting) and runs once that lease ran out, without waiting for the lost-job
     * check.
     */
    @Test
    void aRetryFindingTheLeaseOfAnInstanceThatDiedGivesWayAndRunsOnceTheLeaseRanOut() {
        UploadFailingOnce.attemptsSeen.clear();
        try (EngineHarness h = new EngineHarness(new UploadFailingOnce())) {
            // The retry of the first attempt waits in the paused queue.
            UploadFailingOnce.onFirstCall = () -> h.queue.pause("uploads");
            String runId = h.engine.start("upload", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("upload") == StepStatus.RETRYING);
            // The retry is then refused its start by the lease of an instance that died storing its own.
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "upload", "instance-gone", now.plusSeconds(60), now)).isTrue();
            h.queue.resume("uploads");
            await().until(() -> h.queue.counts("uploads").completed() == 1);
            assertThat(h.engine.run(runId).orElseThrow().steps()).as("queued again").containsEntry("upload",
                    StepStatus.QUEUED);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).as("the give-way's entry")
                    .filteredOn(entry -> entry.data().contains("\"leaseHeldBy\":\"instance-gone\"")).singleElement()
                    .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));

            h.clock.advance(Duration.ofSeconds(61));

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(UploadFailingOnce.attemptsSeen).as("attempt 1 counted, the refused retry did not")
                    .containsExactly(1, 2);
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).extracting(HistoryEvent::attempt)
                    .containsExactly(1, 2);
        } finally {
            UploadFailingOnce.onFirstCall = () -> { };
        }
    }

    /** Gives up another owner's lease of a step right after it refused a start, as that owner's write ends then. */
    static final class LeaseGivenUpAfterRefusal extends MemorySchedulingStore {
        volatile String owner;

        @Override
        public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
            Optional<StoredChange> started = super.startStep(runs, lease, now, mutation);
            String givingUp = owner;
            if (started.isEmpty() && givingUp != null) {
                owner = null;
                releaseLease(lease.runId(), lease.step(), givingUp);
            }
            return started;
        }
    }

    /**
     * The lease of another instance that refused the retry's start is given up before the retry reads whose it is:
     * the step is free, and the retry runs at once instead of waiting for the lost-job check.
     */
    @Test
    void aRetryRefusedByALeaseGivenUpJustAfterRunsAtOnce() {
        UploadFailingOnce.attemptsSeen.clear();
        LeaseGivenUpAfterRefusal scheduling = new LeaseGivenUpAfterRefusal();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new UploadFailingOnce())) {
            UploadFailingOnce.onFirstCall = () -> h.queue.pause("uploads");
            String runId = h.engine.start("upload", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("upload") == StepStatus.RETRYING);
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "upload", "instance-b@1", now.plusSeconds(60), now)).isTrue();
            scheduling.owner = "instance-b@1";
            h.queue.resume("uploads");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(UploadFailingOnce.attemptsSeen).containsExactly(1, 2);
        } finally {
            UploadFailingOnce.onFirstCall = () -> { };
        }
    }

    @FlowStep(flow = "report", name = "render", role = StepRole.ENTRY, queue = "reports")
    static class Render implements Step<Object, Void> {
        static final CountDownLatch release = new CountDownLatch(1);
        static final AtomicInteger bodies = new AtomicInteger();

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            bodies.incrementAndGet();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    @Test
    void aSecondJobOfAStepThisInstanceIsExecutingDoesNotRunItAgain() {
        try (EngineHarness h = new EngineHarness(new Render())) {
            String runId = h.engine.start("report", null);
            await().until(() -> Render.bodies.get() == 1);

            // E.g. a stall-recovery job and the queue's redelivery of the original, both on this instance.
            h.queue.enqueue(new JobRequest("reports", StepJob.jobId(runId, "render") + ":again", "render",
                    new StepJob(runId, "report", "render", OptionalLong.empty()).toJson(), Duration.ZERO, 0,
                    RetryPolicy.NO_RETRY, Duration.ofMinutes(1)));
            await().until(() -> h.queue.counts("reports").completed() == 1);
            Render.release.countDown();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(Render.bodies).hasValue(1);
            assertThat(h.types(runId).stream().filter("step.started"::equals)).hasSize(1);
        }
    }

    @Test
    void anExpiredLeaseThatAnotherInstanceTookOverMeanwhileIsNotMarkedStalled() {
        try (EngineHarness dead = new EngineHarness(new Load(), new Approve());
             EngineHarness survivor = survivorOf(dead)) {
            String runId = startHungImport(dead);
            survivor.clock.advance(Duration.ofSeconds(61));
            Instant now = survivor.clock.instant();
            StepLease expired = dead.scheduling.expiredLeases(now, 10).get(0);

            // The sweep listed the expired lease; before it handles it, the queue's redelivery of the
            // step's job starts the step on the survivor and takes the lease over.
            assertThat(dead.scheduling.acquireLease(runId, "load", "instance-b", now.plusSeconds(60), now)).isTrue();
            survivor.engine.lostSteps().handleExpiredLease(expired);

            assertThat(survivor.types(runId)).doesNotContain("step.stalled", "flow.stalled", "step.retry");
            assertThat(survivor.engine.run(runId).orElseThrow().steps()).containsEntry("load", StepStatus.RUNNING);
            assertThat(dead.scheduling.expiredLeases(now.plusSeconds(59), 10)).isEmpty();
            assertThat(survivor.queue.counts("import").waiting() + survivor.queue.counts("import").delayed()).isZero();
            firstAttemptHangs.countDown();
        }
    }
}

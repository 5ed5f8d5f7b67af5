package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RetryPolicy;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.testkit.LogRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The sweep that queues again the steps whose jobs were lost, against what it read a moment ago. */
class LostStepSweepTest {

    /** Its retry, were it to fail, would come an hour later. */
    @FlowStep(flow = "mail", name = "send", role = StepRole.ENTRY, backoff = BackoffType.FIXED,
            backoffDelayMs = 3_600_000)
    static class Send implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    /** A store whose run listing shows the runs as they were when the test took its snapshot. */
    static final class ListsAStaleSnapshot extends MemoryFlowStore {
        volatile Optional<List<RunRecord>> snapshot = Optional.empty();

        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            return snapshot.orElseGet(() -> super.findRuns(query));
        }
    }

    @Test
    void aStepThatRanAfterTheSweepReadItsRunIsNotMistakenForALostOne() {
        ListsAStaleSnapshot store = new ListsAStaleSnapshot();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Send())) {
            String queue = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            h.queue.pause(queue);
            String runId = h.engine.start("mail", null);
            RunRecord queued = store.findRun(runId).orElseThrow();
            h.queue.resume(queue);
            h.awaitStatus(runId, RunStatus.COMPLETED);
            // The sweep read its page while the step was queued; the job it then looks at has completed.
            store.snapshot = Optional.of(List.of(queued));

            h.engine.lostSteps().requeueLostSteps(Map.of(runId, queued.version()), Optional.empty(), 100);

            assertThat(h.queue.job(queue, StepJob.recoveryJobId(runId, "send", queued.version()))).isEmpty();
        }
    }

    @Test
    void aRetryingStepWaitsForTheRetryOfTheJobThatRanItsAttemptNotForItsUsualJob() {
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ZERO, new Send())) {
            String queue = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            h.queue.pause(queue);
            String runId = h.engine.start("mail", null);
            // The usual job ends without running the step, refused by the lease of an instance gone since.
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "send", "instance-gone", now.plusSeconds(60), now)).isTrue();
            h.queue.resume(queue);
            await().until(() -> h.queue.counts(queue).completed() == 1);
            // A recovery job then ran the step's first attempt, which failed; its retry is due in an hour.
            String recoveryJob = StepJob.recoveryJobId(runId, "send", h.store.findRun(runId).orElseThrow().version());
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStep("send", StepStatus.RETRYING), List.of(
                    EventDraft.ofStep(EventType.STEP_STARTED, "send", 1, now, "{\"jobId\":\"" + recoveryJob + "\"}"),
                    EventDraft.ofStep(EventType.STEP_RETRY, "send", 1, now,
                            "{\"error\":\"smtp unavailable\",\"nextAttempt\":2}")))));
            h.queue.enqueue(new JobRequest(queue, recoveryJob, "send",
                    new StepJob(runId, "mail", "send", OptionalLong.empty()).toJson(), Duration.ofHours(1), 0,
                    RetryPolicy.NO_RETRY, Duration.ofMinutes(1)));
            RunRecord retrying = h.store.findRun(runId).orElseThrow();

            h.engine.lostSteps().requeueLostSteps(Map.of(runId, retrying.version()), Optional.empty(), 100);

            assertThat(h.queue.job(queue, StepJob.recoveryJobId(runId, "send", retrying.version())))
                    .as("no second job beside the retry under way").isEmpty();
        }
    }

    @Test
    void runsBeyondWhatOneCheckReadsHaveTheirLostJobsQueuedAgainByTheNextChecks() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            // Five running runs whose first step's job was lost, oldest first; each check reads two.
            List<String> runIds = fiveRunsWhoseJobWasLost(h);
            Maintenance maintenance = new Maintenance(h.engine, h.triggers, h.store, h.scheduling, h.clock,
                    Duration.ofSeconds(10), 2);

            // Each window of two runs is looked at twice, a lease apart, before the check moves on.
            sweepAMinuteApart(maintenance, h, 6);

            assertThat(runIds).allSatisfy(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));
        }
    }

    @Test
    void aLostJobIsReportedAsAFailedEnqueueOrAStoppedInstanceNotAsAStoppedInstanceAlone() {
        try (EngineHarness h = new EngineHarness(new Send());
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0124"))) {
            List<String> runIds = fiveRunsWhoseJobWasLost(h);
            Maintenance maintenance = new Maintenance(h.engine, h.triggers, h.store, h.scheduling, h.clock,
                    Duration.ofSeconds(10));

            sweepAMinuteApart(maintenance, h, 2);

            assertThat(runIds).allSatisfy(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(log.records()).isNotEmpty().allSatisfy(entry -> assertThat(entry.getMessage())
                    .contains("but the queue holds no job for it (its enqueue failed", "or an instance stopped between"));
        }
    }

    @Test
    void runsEndingBetweenChecksMakeTheCheckSkipNoneOfTheOlderRuns() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            String queue = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            h.queue.pause(queue);
            fiveRunsWhoseJobWasLost(h);
            Maintenance maintenance = new Maintenance(h.engine, h.triggers, h.store, h.scheduling, h.clock,
                    Duration.ofSeconds(10), 2);
            sweepAMinuteApart(maintenance, h, 2);
            // The two newest, just queued again, end before the check moves on to the next two.
            h.engine.cancel("lost-4");
            h.engine.cancel("lost-3");

            sweepAMinuteApart(maintenance, h, 2);

            assertThat(List.of("lost-2", "lost-1")).allSatisfy(runId -> assertThat(h.queue.job(queue,
                    StepJob.recoveryJobId(runId, "send", h.store.findRun(runId).orElseThrow().version()))).isPresent());
        }
    }

    /**
     * A queue that takes each job id once, as the JMS broker's duplicate detection does: a second
     * enqueue of an id is dropped unseen, also after the first job's message was lost.
     */
    static final class TakesEachJobIdOnce extends MemoryJobQueue {
        final Set<String> taken = ConcurrentHashMap.newKeySet();
        final AtomicBoolean loseTheNextJob = new AtomicBoolean();

        TakesEachJobIdOnce() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void enqueue(JobRequest request) {
            if (!taken.add(request.jobId()) || loseTheNextJob.getAndSet(false)) {
                return; // refused as a duplicate, or taken by the broker and then lost
            }
            super.enqueue(request);
        }
    }

    @Test
    void aLostJobIsQueuedAgainUnderARecoveryJobWhichAQueueThatTookItsIdBeforeDoesNotRefuse() {
        TakesEachJobIdOnce queue = new TakesEachJobIdOnce();
        try (EngineHarness h = EngineHarness.onQueue(queue, false, new Send())) {
            queue.loseTheNextJob.set(true);
            String runId = h.engine.start("mail", null);
            long version = h.store.findRun(runId).orElseThrow().version();

            sweepAMinuteApart(new Maintenance(h.engine, h.triggers, h.store, h.scheduling, h.clock,
                    Duration.ofSeconds(10)), h, 2);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(queue.taken).containsExactlyInAnyOrder(StepJob.jobId(runId, "send"),
                    StepJob.recoveryJobId(runId, "send", version));
        }
    }

    @Test
    void checksFindingALostJobInTheSameVersionOfItsRunQueueOneRecoveryJob() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            String queue = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            h.queue.pause(queue);
            Map<String, Long> versions = new HashMap<>();
            fiveRunsWhoseJobWasLost(h).forEach(runId -> versions.put(runId, h.store.findRun(runId).orElseThrow()
                    .version()));

            // Two instances, or one checking again before the recovery job ran: the same job id, so one job.
            h.engine.lostSteps().requeueLostSteps(versions, Optional.empty(), 100);
            h.engine.lostSteps().requeueLostSteps(versions, Optional.empty(), 100);

            assertThat(h.queue.counts(queue).waiting()).as("one job per run").isEqualTo(5);
            assertThat(versions).allSatisfy((runId, version) -> assertThat(h.queue.job(queue,
                    StepJob.recoveryJobId(runId, "send", version))).isPresent());
        }
    }

    @Test
    void aStepWhoseRetryIsDelayedIsNotTakenForLostUntilALeaseAfterItIsDue() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            retryingUntil(h, "mail", h.clock.instant().plus(Duration.ofHours(1)));
        }
    }

    /** Its retry, were it to fail, would come an hour later, spread by up to half an hour either way. */
    @FlowStep(flow = "spread", name = "send", role = StepRole.ENTRY, backoff = BackoffType.FIXED,
            backoffDelayMs = 3_600_000, retryJitter = 0.5)
    static class SendSpread implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    @Test
    void aStepWhoseRetryTheJitterDelayedBeyondItsBackoffIsNotTakenForLostUntilALeaseAfterItIsDue() {
        try (EngineHarness h = new EngineHarness(new SendSpread())) {
            retryingUntil(h, "spread", h.clock.instant().plus(Duration.ofMinutes(80)));
        }
    }

    /** Its retry, were it to fail now, would come an hour later, spread by up to 6 minutes either way. */
    @FlowStep(flow = "lowered", name = "send", role = StepRole.ENTRY, backoff = BackoffType.FIXED,
            backoffDelayMs = 3_600_000, retryJitter = 0.1)
    static class SendLowered implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    @Test
    void aStepWhoseRetryWasSpreadByAHigherJitterThanTheDeploymentsNowIsNotTakenForLostBeforeItIsDue() {
        try (EngineHarness h = new EngineHarness(new SendLowered())) {
            // Queued while the step's jitter was 0.5, which the entry records: the queue chose 80 minutes.
            retryingUntil(h, "lowered", h.clock.instant().plus(Duration.ofMinutes(80)), ",\"retryJitter\":0.5");
        }
    }

    /** Its retry would come a second later, but for its decider, which may choose up to a day. */
    @FlowStep(flow = "decided", name = "send", role = StepRole.ENTRY, backoff = BackoffType.FIXED,
            backoffDelayMs = 1_000, retryDecider = AnHourLater.class)
    static class SendDecided implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    /** Waits an hour before each retry. */
    public static class AnHourLater implements io.nvent.RetryDecider {
        @Override
        public io.nvent.RetryDecision decide(io.nvent.FailedAttempt failed) {
            return io.nvent.RetryDecision.retryAfter(Duration.ofHours(1));
        }
    }

    @Test
    void aStepWhoseRetryItsDeciderDelayedBeyondItsBackoffIsNotTakenForLostUntilALeaseAfterItIsDue() {
        try (EngineHarness h = new EngineHarness(new SendDecided())) {
            retryingUntil(h, "decided", h.clock.instant().plus(Duration.ofHours(1)),
                    ",\"retryDecider\":\"" + AnHourLater.class.getName() + "\",\"delayMs\":3600000");
        }
    }

    /**
     * A run whose step's retry waits until {@code due}, delayed, where this instance's queue does not see it
     * (another node's JMS registry): the sweeps do not queue it again before then, plus a lease, and do after.
     */
    private static void retryingUntil(EngineHarness h, String flow, Instant due) {
        retryingUntil(h, flow, due, "");
    }

    /** {@link #retryingUntil(EngineHarness, String, Instant)} with more members of the step.retry entry. */
    private static void retryingUntil(EngineHarness h, String flow, Instant due, String moreData) {
        String queue = h.engine.registry().flow(flow).orElseThrow().step("send").orElseThrow().queue();
        String runId = "retrying";
        h.store.createRun(RunRecord.started(runId, flow, "null", Optional.empty(), h.clock.instant())
                .withStep("send", StepStatus.RETRYING), List.of(
                EventDraft.ofStep(EventType.STEP_STARTED, "send", 1, h.clock.instant(),
                        "{\"jobId\":\"" + StepJob.jobId(runId, "send") + "\"}"),
                EventDraft.ofStep(EventType.STEP_RETRY, "send", 1, h.clock.instant(),
                        "{\"error\":\"smtp unavailable\",\"attempt\":1,\"maxAttempts\":3,\"nextAttempt\":2,"
                                + "\"nextAttemptAt\":\"" + due + "\"" + moreData + "}")));
        long version = h.store.findRun(runId).orElseThrow().version();
        Maintenance maintenance = new Maintenance(h.engine, h.triggers, h.store, h.scheduling, h.clock,
                Duration.ofSeconds(10));

        sweepAMinuteApart(maintenance, h, 3);
        h.clock.advance(Duration.between(h.clock.instant(), due).plus(h.engine.settings().leaseDuration())
                .minusMinutes(2));
        sweepAMinuteApart(maintenance, h, 1);

        assertThat(h.queue.job(queue, StepJob.recoveryJobId(runId, "send", version))).as("not before it is due")
                .isEmpty();
        assertThat(h.queue.job(queue, StepJob.jobId(runId, "send"))).isEmpty();

        h.clock.advance(Duration.ofMinutes(1));
        sweepAMinuteApart(maintenance, h, 2);

        h.awaitStatus(runId, RunStatus.COMPLETED);
    }

    /** A fan-out: both branches are queued at once when the first step ends. */
    @FlowStep(flow = "fan", name = "split", role = StepRole.ENTRY, emits = "split.done")
    static class Split implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("split.done", Map.of("parts", 2));
            return "split";
        }
    }

    @FlowStep(flow = "fan", name = "left", subscribes = "split.done")
    static class Left implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "left";
        }
    }

    @FlowStep(flow = "fan", name = "right", subscribes = "split.done")
    static class Right implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "right";
        }
    }

    /**
     * A queue that loses the first jobs of both branches (an instance stopped as it queued them, the
     * broker's connections already closed) and, once asked to, returns from an enqueue only when its job
     * has run, as a worker that is free at once does.
     */
    static final class LosesTheBranches extends MemoryJobQueue {
        volatile boolean runsAtOnce;

        LosesTheBranches() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void enqueue(JobRequest request) {
            if (request.jobId().endsWith(":left") || request.jobId().endsWith(":right")) {
                return;
            }
            super.enqueue(request);
            if (runsAtOnce) {
                await().until(() -> job(request.queue(), request.jobId())
                        .filter(job -> job.state() == JobState.COMPLETED).isPresent());
            }
        }
    }

    @Test
    void oneCheckQueuesAgainEveryLostBranchOfARunThoughTheFirstRunsAndChangesTheRunAtOnce() {
        LosesTheBranches queue = new LosesTheBranches();
        try (EngineHarness h = EngineHarness.onQueue(queue, false, new Split(), new Left(), new Right())) {
            String queueName = h.engine.registry().flow("fan").orElseThrow().step("right").orElseThrow().queue();
            String runId = h.engine.start("fan", null);
            await().until(() -> h.store.findRun(runId).orElseThrow().steps().equals(Map.of("split",
                    StepStatus.COMPLETED, "left", StepStatus.QUEUED, "right", StepStatus.QUEUED)));
            RunRecord lost = h.store.findRun(runId).orElseThrow();
            queue.runsAtOnce = true;

            h.engine.lostSteps().requeueLostSteps(Map.of(runId, lost.version()), Optional.empty(), 100);

            assertThat(List.of("left", "right")).as("both branches queued again by the same check, the second not"
                    + " two checks a lease later").allSatisfy(branch -> assertThat(queue.job(queueName,
                    StepJob.recoveryJobId(runId, branch, lost.version()))).isPresent());
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /** Runs lost-0 (oldest) to lost-4, a second apart, whose first step is queued with no job. */
    private static List<String> fiveRunsWhoseJobWasLost(EngineHarness h) {
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String runId = "lost-" + i;
            h.store.createRun(RunRecord.started(runId, "mail", "null", Optional.empty(), h.clock.instant())
                    .withStep("send", StepStatus.QUEUED), List.of());
            runIds.add(runId);
            h.clock.advance(Duration.ofSeconds(1));
        }
        return runIds;
    }

    /** Sweeps a minute apart, each after the steps the one before queued again ended (see awaitQueuesIdle). */
    private static void sweepAMinuteApart(Maintenance maintenance, EngineHarness h, int sweeps) {
        for (int i = 0; i < sweeps; i++) {
            maintenance.sweep();
            h.awaitQueuesIdle();
            h.clock.advance(Duration.ofMinutes(1));
        }
    }
}

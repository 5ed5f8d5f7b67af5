package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.VirtualClockTimers;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling deploy: instances of two versions of a flow share the store and the queue, and an
 * instance whose version lacks a step takes that step's job. It hands the job back to the queue,
 * counting no attempt, until an instance with the step takes it or the grace period
 * ({@code nvent.upgrade.missing-step-grace}) runs out. Each test has "v2" (the step new in it) queue
 * the step, "v1" (without the step, but with workers on its queue) take the job, and "v2" again run it.
 */
class MissingStepHandBackTest {

    @FlowStep(flow = "roll", name = "r-first", role = StepRole.ENTRY, emits = "r.first")
    static class First implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("r.first", "{}");
            return null;
        }
    }

    /** New in version 2, alone in its flow on queue "rq"; one attempt only (the harness's default). */
    @FlowStep(flow = "roll", name = "r-new", subscribes = "r.first", queue = "rq")
    static class NewStep implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "attempt " + ctx.attempt();
        }
    }

    /** Version 2 of another flow: its new step fails its first attempt, and is retried 2 s later. */
    @FlowStep(flow = "flaky", name = "f-first", role = StepRole.ENTRY, emits = "f.first")
    static class FlakyFirst implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("f.first", "{}");
            return null;
        }
    }

    @FlowStep(flow = "flaky", name = "r-new", subscribes = "f.first", queue = "rq", maxAttempts = 3,
            backoff = io.nvent.BackoffType.FIXED, backoffDelayMs = 2000)
    static class FailsFirstAttempt implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            return "attempt " + ctx.attempt();
        }
    }

    /** Version 1 of the flow, before step "r-new". */
    @FlowStep(flow = "roll", name = "r-first", role = StepRole.ENTRY)
    static class FirstV1 implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Gives version 1 workers on queue "rq", which take the jobs of "r-new" too. */
    @FlowStep(flow = "other", name = "o-first", role = StepRole.ENTRY, queue = "rq")
    static class OnQueueRq implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /**
     * The queue the instances share. Its delays (a hand-back's, a retry's backoff) pass only as the test moves
     * its clock ({@link #comeDue}): on real time, a loaded machine let a hand-back come due before the instance
     * meant to take it was up, and the next one, a few seconds further each, outlasted the test's wait.
     */
    static class SharedQueue extends MemoryJobQueue {
        private final VirtualClock time;

        SharedQueue() {
            this(VirtualClock.startingAt(EngineHarness.START));
        }

        private SharedQueue(VirtualClock time) {
            super(time, Threads.daemonThreads("test-worker"), VirtualClockTimers.of(time));
            this.time = time;
        }

        /** The job as the queue holds it, delayed or not. */
        Optional<JobRecord> held(String queueName, String jobId) {
            return super.job(queueName, jobId);
        }

        /**
         * Waits until the queue holds the job delayed, then moves the clock to the job's time and no further: a
         * jump past it (the longest a hand-back's delay can be) let the next hand-back, due seconds later, come due
         * inside the same move when the instance handed the job back while the clock still moved.
         */
        void comeDue(String jobId) {
            JobRecord delayed = await().atMost(Duration.ofSeconds(10)).until(() -> held("rq", jobId),
                    job -> job.filter(held -> held.state() == JobState.DELAYED).isPresent()).orElseThrow();
            if (delayed.availableAt().isAfter(time.instant())) {
                time.advanceTo(delayed.availableAt());
            }
        }
    }

    private static SharedQueue sharedQueue() {
        return new SharedQueue();
    }

    /** The id of the n-th job that the step's job was handed back as, at the run's version now. */
    private static String handBack(EngineHarness h, String runId, int n) {
        return StepJob.handedBackJobId(runId, "r-new", h.store.findRun(runId).orElseThrow().version(), n);
    }

    /** Version 2 starts a run whose step "r-new" waits in the paused queue "rq". */
    private static String queuedNewStep(EngineHarness v2) {
        v2.queue.pause("rq");
        String runId = v2.engine.start("roll", null);
        await().until(() -> v2.engine.run(runId).orElseThrow().steps().get("r-new") == StepStatus.QUEUED);
        return runId;
    }

    /** Version 2, the first instance: it has the new step and queues it. */
    private static EngineHarness versionTwo(SharedQueue shared) {
        return EngineHarness.over(new MemoryFlowStore(), shared, new First(), new NewStep());
    }

    /**
     * Lets queue "rq" go, so that version 1's workers take the new step's job and hand it back, and
     * waits until that job has ended. Its hand-back's entry, and the job that takes over, are written
     * while the worker still holds it (the worker then logs and returns): a test that went on as soon
     * as it saw either found the step's job still taken now and then on a loaded machine.
     */
    private static void letVersionOneHandItBack(SharedQueue shared, String runId) {
        shared.resume("rq");
        await().until(() -> shared.job("rq", StepJob.jobId(runId, "r-new"))
                .filter(job -> job.state() == JobState.COMPLETED).isPresent());
    }

    /** Version 1 beside {@code v2}, on the shared queue: its workers take over queue "rq". */
    private static EngineHarness v1Beside(EngineHarness v2, SharedQueue shared, Duration grace) {
        return EngineHarness.beside(v2, "instance-v1", s -> s.withMissingStepGrace(grace), shared, new FirstV1(),
                new OnQueueRq());
    }

    /** Version 2 again, on another instance: its workers take over queue "rq" from version 1. */
    private static EngineHarness v2Beside(EngineHarness v2, SharedQueue shared) {
        return EngineHarness.beside(v2, "instance-v2b", s -> s, shared, new First(), new NewStep());
    }

    private static Optional<JobRecord> handedBack(EngineHarness h, String runId) {
        return StepWaits.lastHandedBack(h.queue, "rq", h.store.findRun(runId).orElseThrow(), "r-new");
    }

    /** The types of the entries of step "r-new" in the run's history, beside those of its hand-backs. */
    private static List<String> entriesOfNewStep(EngineHarness h, String runId) {
        return h.history(runId).stream().filter(e -> e.step().equals(Optional.of("r-new")))
                .filter(e -> !isHandBack(e)).map(e -> e.type().wireName()).toList();
    }

    /** The entries that say the job of step "r-new" was handed back and when it is due again. */
    private static List<HistoryEvent> handBacksOfNewStep(EngineHarness h, String runId) {
        return h.history(runId).stream().filter(e -> e.step().equals(Optional.of("r-new")))
                .filter(MissingStepHandBackTest::isHandBack).toList();
    }

    private static boolean isHandBack(HistoryEvent entry) {
        return entry.type() == EventType.STEP_RETRY && entry.data().contains("\"handedBackJob\"");
    }

    /**
     * A queue that shows no delayed job, as the JMS queue does on a node that did not send it: the
     * broker keeps a scheduled message apart, and a browse sees it only once it is due.
     */
    static class ShowsNoDelayedJob extends SharedQueue {
        @Override
        public Optional<JobRecord> job(String queueName, String jobId) {
            return held(queueName, jobId).filter(job -> job.state() != JobState.DELAYED);
        }
    }

    /** A queue, showing no delayed job, whose broker loses the jobs handed back from the n-th hand-back on. */
    static class LosesHandBacks extends ShowsNoDelayedJob {
        private final int from;

        /** Loses every job handed back. */
        LosesHandBacks() {
            this(1);
        }

        LosesHandBacks(int from) {
            this.from = from;
        }

        @Override
        public void enqueue(JobRequest request) {
            String id = request.jobId();
            if (!StepJob.isHandedBackJob(id) || Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) < from) {
                super.enqueue(request);
            }
        }
    }

    private static HistoryEvent startOfNewStep(EngineHarness h, String runId) {
        return h.eventsOf(runId, EventType.STEP_STARTED).stream()
                .filter(e -> e.step().equals(Optional.of("r-new"))).findFirst().orElseThrow();
    }

    @Test
    void anInstanceLackingTheStepHandsItsJobBackWithoutAnAttemptAndAnInstanceWithTheStepRunsItAsAttemptOne() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0171"));
                 EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                shared.resume("rq");
                shared.comeDue(handBack(v1, runId, 1));

                await().until(() -> handedBack(v1, runId).filter(job -> job.jobId().endsWith("-2")).isPresent());

                assertThat(entriesOfNewStep(v1, runId)).as("no attempt spent").isEmpty();
                assertThat(handBacksOfNewStep(v1, runId)).as("one for its hand-backs: when due again, naming no next"
                        + " attempt, and until when they go on").singleElement().satisfies(entry -> {
                            assertThat(entry.attempt()).isEqualTo(1);
                            assertThat(entry.data()).contains("handed its job back (NVENT-0171)", "\"nextAttemptAt\"",
                                            "\"handedBackSince\":\"2026-11-30T10:00:00Z\"",
                                            "\"handedBackUntil\":\"2026-11-30T10:10:00Z\"")
                                    .doesNotContain("\"nextAttempt\":");
                        });
                assertThat(v1.engine.run(runId).orElseThrow().steps()).containsEntry("r-new", StepStatus.QUEUED);
                assertThat(log.records()).as("once per step, not per job").singleElement().satisfies(info -> {
                    assertThat(info.getLevel()).isEqualTo(Level.INFO);
                    assertThat(info.getMessage()).startsWith("NVENT-0171 flow {0} has no step {1} in this deployment:"
                            + " this instance hands its jobs back to the queue, without counting an attempt");
                });

                try (EngineHarness v2b = v2Beside(v2, shared)) {
                    shared.comeDue(handBack(v2b, runId, 2));
                    v2b.awaitStatus(runId, RunStatus.COMPLETED);

                    assertThat(startOfNewStep(v2b, runId).attempt()).isEqualTo(1);
                    assertThat(entriesOfNewStep(v2b, runId)).containsExactly("step.started", "step.completed");
                }
            }
        }
    }

    @Test
    void aRetryHandedBackRunsAsTheAttemptItWasAtOnAnInstanceWithTheStep() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = EngineHarness.over(new MemoryFlowStore(), shared, new FlakyFirst(),
                new FailsFirstAttempt())) {
            String runId = v2.engine.start("flaky", null);
            await().until(() -> v2.engine.run(runId).orElseThrow().steps().get("r-new") == StepStatus.RETRYING);
            try (EngineHarness v1 = EngineHarness.beside(v2, "instance-v1", s -> s, shared, new OnQueueRq())) {
                shared.comeDue(StepJob.jobId(runId, "r-new"));   // its retry, after the backoff
                await().until(() -> handedBack(v1, runId).isPresent());

                try (EngineHarness v2b = EngineHarness.beside(v2, "instance-v2b", s -> s, shared, new FlakyFirst(),
                        new FailsFirstAttempt())) {
                    shared.comeDue(handBack(v2b, runId, 1));
                    v2b.awaitStatus(runId, RunStatus.COMPLETED);

                    assertThat(entriesOfNewStep(v2b, runId)).containsExactly("step.started", "step.retry",
                            "step.started", "step.completed");
                    assertThat(v2b.eventsOf(runId, EventType.STEP_STARTED).stream()
                            .filter(e -> e.step().equals(Optional.of("r-new"))).map(HistoryEvent::attempt))
                            .containsExactly(1, 2);
                }
            }
        }
    }

    @Test
    void afterTheGracePeriodAnInstanceLackingTheStepRefusesItsJobAsAnAttemptAsBefore() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);

                v1.clock.advance(Duration.ofMinutes(10));
                shared.comeDue(handBack(v1, runId, 1));

                v1.awaitStatus(runId, RunStatus.FAILED);
                assertThat(v1.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                        .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0111 run '" + runId
                                + "': flow 'roll' has no step 'r-new' in this deployment; instances without the step"
                                + " have handed its job back since 2026-11-30T10:00:00Z, and the grace period"
                                + " (nvent.upgrade.missing-step-grace=PT10M) ended at 2026-11-30T10:10:00Z"));
            }
        }
    }

    @Test
    void aGracePeriodOfZeroRefusesTheJobAsAnAttemptAtOnce() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ZERO)) {
                shared.resume("rq");

                v1.awaitStatus(runId, RunStatus.FAILED);
                assertThat(v1.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> assertThat(
                        failed.data()).contains("has no step 'r-new' in this deployment\""));
                assertThat(handedBack(v1, runId)).isEmpty();
            }
        }
    }

    @Test
    void theWaitsOfTheRunSayTheJobIsHandedBackUntilAnInstanceWithTheStepTakesItAndUntilWhen() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
                shared.pause("rq");

                assertThat(v1.engine.waits(runId)).singleElement().satisfies(wait -> {
                    assertThat(wait.step()).isEqualTo("r-new");
                    assertThat(wait.reason()).isEqualTo(Reason.NOT_DEPLOYED);
                    assertThat(wait.queue()).isEqualTo("rq");
                    assertThat(wait.detail()).startsWith("step 'r-new' of flow 'roll' is not deployed on this instance:"
                                    + " its job was handed back (NVENT-0171) and waits in queue 'rq'")
                            .contains("instances that lack the step hand it back until an instance that has the step"
                                    + " takes it, and until 2026-11-30T10:10:00Z (nvent.upgrade.missing-step-grace,"
                                    + " counted from its first hand-back at 2026-11-30T10:00:00Z): after that they"
                                    + " refuse it as an attempt of the step (NVENT-0111)");
                });
            }
        }
    }

    @Test
    void theSweepOfAnInstanceWithTheStepDoesNotQueueAHandedBackStepAgain() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
                shared.pause("rq");
                long version = v2.store.findRun(runId).orElseThrow().version();

                for (int sweep = 0; sweep < 3; sweep++) {
                    v2.sweep();
                    v2.clock.advance(Duration.ofMinutes(2));
                }

                assertThat(shared.job("rq", StepJob.recoveryJobId(runId, "r-new", version))).isEmpty();
                assertThat(v2.store.findRun(runId).orElseThrow().version()).isEqualTo(version);
            }
        }
    }

    @Test
    void theSweepOfAnInstanceWithTheStepDoesNotQueueAStepAgainWhoseHandedBackJobItCannotSee() {
        ShowsNoDelayedJob shared = new ShowsNoDelayedJob();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            long version = v2.store.findRun(runId).orElseThrow().version();
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                shared.resume("rq");
                await().until(() -> shared.held("rq", StepJob.handedBackJobId(runId, "r-new", version, 1)).isPresent());

                v2.sweep();
                v2.clock.advance(Duration.ofMinutes(1));
                v2.sweep();

                assertThat(shared.held("rq", StepJob.recoveryJobId(runId, "r-new", version))).as("no second job")
                        .isEmpty();
                assertThat(v2.store.findRun(runId).orElseThrow().version()).isEqualTo(version);
            }
        }
    }

    @Test
    void theWaitsOfAnInstanceWithTheStepSayItsJobWasHandedBackAndWhenItIsDueWhereItsQueueShowsNoSuchJob() {
        // Loses them, so the hand-back stays unseen however long the test takes, as a delayed one is on JMS.
        LosesHandBacks shared = new LosesHandBacks();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            String handBackJob = StepJob.handedBackJobId(runId, "r-new", v2.store.findRun(runId).orElseThrow()
                    .version(), 1);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
            }

            assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.step()).isEqualTo("r-new");
                assertThat(wait.reason()).isEqualTo(Reason.HANDED_BACK);
                assertThat(wait.reason().wireName()).isEqualTo("handed_back");
                assertThat(wait.queue()).isEqualTo("rq");
                assertThat(wait.until()).contains(Instant.parse("2026-11-30T10:00:01Z"));
                assertThat(wait.detail()).isEqualTo("an instance whose deployment lacks the step handed its job back"
                        + " (NVENT-0171) as job '" + handBackJob + "'; it is due again at 2026-11-30T10:00:01Z, for an"
                        + " instance that has the step; instances that lack the step hand it back until"
                        + " 2026-11-30T10:10:00Z (nvent.upgrade.missing-step-grace, counted from its first hand-back at"
                        + " 2026-11-30T10:00:00Z), each time due again within 30 s");
            });

            v2.clock.advance(Duration.ofSeconds(30));
            assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.until()).as("the latest the hand-backs may be due").contains(
                        Instant.parse("2026-11-30T10:10:30Z"));
                assertThat(wait.detail()).contains("it was due again at 2026-11-30T10:00:01Z; instances that lack the"
                        + " step hand it back until 2026-11-30T10:10:00Z", "; the run's history records the first"
                        + " hand-back only, so if the queue lost the job, the engine's sweep queues the step again a"
                        + " lease after 2026-11-30T10:10:30Z, when the last hand-back is due at the latest");
            });

            try (EngineHarness v2b = v2Beside(v2, shared)) {
                // Paused, the recovery job waits to be read: a worker taking it as the waits are read showed the step
                // between its job and its start on a loaded machine.
                shared.pause("rq");
                v2.sweep();
                v2.clock.advance(Duration.ofMinutes(12));
                v2.sweep();
                assertThat(v2.engine.waits(runId)).as("the recovery job's, not the hand-back's")
                        .extracting(StepWait::reason).doesNotContain(Reason.HANDED_BACK);

                shared.resume("rq");
                v2b.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(v2.engine.waits(runId)).isEmpty();
            }
        }
    }

    @Test
    void aHandedBackJobTheQueueLostIsQueuedAgainOnceTheHandBacksAreOverdueByALease() {
        LosesHandBacks shared = new LosesHandBacks();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            long version = v2.store.findRun(runId).orElseThrow().version();
            String recoveryJob = StepJob.recoveryJobId(runId, "r-new", version);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
            }

            v2.sweep();
            v2.clock.advanceTo(Instant.parse("2026-11-30T10:11:29Z"));
            v2.sweep();
            assertThat(shared.held("rq", recoveryJob)).as("hand-backs until 10:10, each due within 30 s, plus a"
                    + " lease of a minute").isEmpty();

            try (EngineHarness v2b = v2Beside(v2, shared)) {
                v2.clock.advance(Duration.ofMinutes(1));
                v2.sweep();

                assertThat(shared.held("rq", recoveryJob)).isPresent();
                v2b.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(startOfNewStep(v2b, runId).attempt()).isEqualTo(1);
            }
        }
    }

    @Test
    void aJobHandedBackAgainAndAgainWritesOneEntryAndNoSweepQueuesASecondJobWhileTheHandBacksMayGoOn() {
        // Keeps two hand-backs and loses the third: the job is handed back three times, then nothing moves.
        LosesHandBacks shared = new LosesHandBacks(3);
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            long version = v2.store.findRun(runId).orElseThrow().version();
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                shared.resume("rq");
                shared.comeDue(StepJob.handedBackJobId(runId, "r-new", version, 1));
                shared.comeDue(StepJob.handedBackJobId(runId, "r-new", version, 2));
                await().until(() -> shared.held("rq", StepJob.handedBackJobId(runId, "r-new", version, 2))
                        .filter(job -> job.state() == JobState.COMPLETED).isPresent());
            }

            assertThat(handBacksOfNewStep(v2, runId)).as("one entry for its three hand-backs").singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("\"handedBackJob\":\""
                            + StepJob.handedBackJobId(runId, "r-new", version, 1) + "\"",
                            "\"nextAttemptAt\":\"2026-11-30T10:00:01Z\"",
                            "\"handedBackUntil\":\"2026-11-30T10:10:00Z\""));

            v2.sweep();
            v2.clock.advance(Duration.ofMinutes(5));
            v2.sweep();
            assertThat(shared.held("rq", StepJob.recoveryJobId(runId, "r-new", version)))
                    .as("no second job: past the entry's due time, later hand-backs may still be due").isEmpty();
            assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(Reason.HANDED_BACK);
                assertThat(wait.detail()).contains("handed its job back (NVENT-0171) as job '"
                        + StepJob.handedBackJobId(runId, "r-new", version, 1) + "'; it was due again at",
                        "counted from its first hand-back at 2026-11-30T10:00:00Z");
            });
        }
    }

    /** Loses the jobs handed back from the third hand-back on, and pauses its queue at the first hand-back. */
    static final class PausesAtTheFirstHandBack extends LosesHandBacks {
        PausesAtTheFirstHandBack() {
            super(3);
        }

        @Override
        public void enqueue(JobRequest request) {
            if (request.jobId().endsWith("-1") && StepJob.isHandedBackJob(request.jobId())) {
                pause(request.queue());
            }
            super.enqueue(request);
        }
    }

    @Test
    void anInstanceWithALongerGraceWritesAnEntryOfItsOwnSayingUntilWhenItHandsTheJobBack() {
        PausesAtTheFirstHandBack shared = new PausesAtTheFirstHandBack();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            long version = v2.store.findRun(runId).orElseThrow().version();
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
                // Its workers take the queue's jobs from now on (a memory queue has one handler per queue).
                try (EngineHarness v1WithLongerGrace = v1Beside(v2, shared, Duration.ofMinutes(30))) {
                    shared.resume("rq");
                    shared.comeDue(StepJob.handedBackJobId(runId, "r-new", version, 1));
                    shared.comeDue(StepJob.handedBackJobId(runId, "r-new", version, 2));
                    await().until(() -> shared.held("rq", StepJob.handedBackJobId(runId, "r-new", version, 2))
                            .filter(job -> job.state() == JobState.COMPLETED).isPresent());
                }
            }

            assertThat(handBacksOfNewStep(v2, runId)).extracting(HistoryEvent::data).satisfiesExactly(
                    first -> assertThat(first).contains("\"handedBackUntil\":\"2026-11-30T10:10:00Z\""),
                    second -> assertThat(second).contains("\"handedBackUntil\":\"2026-11-30T10:30:00Z\"",
                            "\"handedBackSince\":\"2026-11-30T10:00:00Z\""));
        }
    }

    @Test
    void aHandedBackJobOfACanceledRunStartsNothing() {
        SharedQueue shared = sharedQueue();
        try (EngineHarness v2 = versionTwo(shared)) {
            String runId = queuedNewStep(v2);
            try (EngineHarness v1 = v1Beside(v2, shared, Duration.ofMinutes(10))) {
                letVersionOneHandItBack(shared, runId);
                String jobId = handedBack(v1, runId).orElseThrow().jobId();
                long version = v1.store.findRun(runId).orElseThrow().version();

                v1.engine.cancel(runId);
                shared.comeDue(jobId);

                await().until(() -> shared.job("rq", jobId).orElseThrow().state() == JobState.COMPLETED);
                assertThat(shared.job("rq", StepJob.handedBackJobId(runId, "r-new", version, 2)))
                        .as("not handed back again").isEmpty();
                assertThat(entriesOfNewStep(v1, runId)).isEmpty();
                assertThat(shared.counts("rq").failed()).isZero();
            }
        }
    }
}

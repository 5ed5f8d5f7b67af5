package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.StepWait.Reason;
import io.nvent.TimeoutAction;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.testkit.LogRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class StepWaitsTest {

    @FlowStep(flow = "approval", name = "request", role = StepRole.ENTRY, emits = "requested")
    static class Request implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("requested", "{}");
            return null;
        }
    }

    @FlowStep(flow = "approval", name = "approve", subscribes = "requested")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
    static class Approve implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "approved";
        }
    }

    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 600_000, timeoutMs = 300_000)
    static class RemindWithTimeout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "nap", name = "sleep", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 600_000)
    static class SleepWithoutTimeout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "flaky", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED,
            backoffDelayMs = 600_000)
    static class FailsFirst implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("partner away");
            }
            return null;
        }
    }

    /** Runs until the test lets it go, ignoring the interrupt its timeout sends, as a read without a timeout does. */
    @FlowStep(flow = "export", name = "upload", role = StepRole.ENTRY, timeoutMs = 60_000)
    static class HangsPastItsTimeout implements Step<Object, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) {
            OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(release);
            return null;
        }
    }

    /**
     * On-call walk (session 62): a step that ignores its timeout's interrupt runs on and keeps its JMS worker; it
     * said "its timeout ends the attempt at" a time long past, and nothing told that its worker was taken.
     */
    @Test
    void aStepRunningPastItsTimeoutSaysItHoldsItsWorkerAndWhatEndsIt() {
        HangsPastItsTimeout upload = new HangsPastItsTimeout();
        try (EngineHarness h = new EngineHarness(upload)) {
            String runId = h.engine.start("export", null);
            h.awaitRunningWithLease(runId, "upload");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(h.engine.waits(runId))
                    .singleElement().satisfies(wait -> assertThat(wait.detail())
                            .contains("its timeout of 60000 ms ends the attempt at")));

            for (int i = 0; i < 5; i++) {
                // The live instance renews the step's lease as time goes on: the step is not stalled, only stuck.
                h.clock.advance(Duration.ofSeconds(15));
                h.engine.lostSteps().renewLeases();
            }

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.status()).isEqualTo(StepStatus.RUNNING);
                assertThat(wait.detail()).doesNotContain("ends the attempt at")
                        .containsPattern("past its timeout of 60000 ms since \\S+ \\(PT1\\d(\\.\\d+)?S\\): it was"
                                + " interrupted and runs on, ignoring it, holding a worker of queue 'export' until its"
                                + " code returns")
                        .contains("cancel the run to end it now");
            });
            upload.release.countDown();
        }
    }

    @Test
    void aStepInAPausedQueueSaysItsQueueIsPaused() {
        try (EngineHarness h = new EngineHarness(new Request(), new Approve())) {
            String queue = h.engine.registry().flow("approval").orElseThrow().step("request").orElseThrow().queue();
            h.queue.pause(queue);
            String runId = h.engine.start("approval", null);

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.step()).isEqualTo("request");
                assertThat(wait.status()).isEqualTo(StepStatus.QUEUED);
                assertThat(wait.reason()).isEqualTo(Reason.QUEUE_PAUSED);
                assertThat(wait.queue()).isEqualTo(queue);
                assertThat(wait.detail()).contains("queue '" + queue + "' is paused");
            });

            h.queue.resume(queue);
            h.awaitStatus(runId, RunStatus.AWAITING);
        }
    }

    @Test
    void aStepQueuedMomentsAgoWhoseJobIsNotVisibleYetSaysItsJobIsOnItsWayAndLaterThatItHasNone() {
        try (EngineHarness h = new EngineHarness(new Request(), new Approve())) {
            String queue = h.engine.registry().flow("approval").orElseThrow().step("request").orElseThrow().queue();
            h.queue.pause(queue);
            String runId = h.engine.start("approval", null);
            // The queue no longer shows the job, as a JMS queue does not before the sender commits it.
            h.queue.clear();

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(Reason.WORKER);
                assertThat(wait.detail()).startsWith("its job is on its way to queue '" + queue + "'");
            });

            h.clock.advance(StepWaits.JUST_QUEUED);

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(Reason.NO_JOB);
                assertThat(wait.detail()).startsWith("no job of its own waits in queue '" + queue + "'");
            });
        }
    }

    @Test
    void aStepBehindAWebhookAwaitSaysSoWithItsTimeout() {
        try (EngineHarness h = new EngineHarness(new Request(), new Approve())) {
            String runId = h.engine.start("approval", null);
            h.awaitStatus(runId, RunStatus.AWAITING);

            StepWait wait = h.engine.waits(runId).get(0);

            assertThat(h.engine.waits(runId)).hasSize(1);
            assertThat(wait.step()).isEqualTo("approve");
            assertThat(wait.reason()).isEqualTo(Reason.AWAIT);
            assertThat(wait.awaitId()).isPresent();
            assertThat(wait.until()).hasValue(h.clock.instant().plusSeconds(3600));
            assertThat(wait.detail()).isEqualTo("before it runs, it waits for a call of its webhook; it times out at "
                    + h.clock.instant().plusSeconds(3600));
        }
    }

    /**
     * The console offers to move an await's timeout where its wait carries one: a time await's {@code until} is when it
     * resumes, so only {@code awaitTimeoutAt} says it has a timeout; a webhook await's is its {@code until}.
     */
    @Test
    void anAwaitsWaitCarriesItsTimeoutAndOneWithoutATimeoutNone() {
        try (EngineHarness h = new EngineHarness(new Request(), new Approve(), new RemindWithTimeout(),
                new SleepWithoutTimeout())) {
            Instant now = h.clock.instant();
            String approval = h.engine.start("approval", null);
            String reminder = h.engine.start("reminder", null);
            String nap = h.engine.start("nap", null);
            h.awaitStatus(approval, RunStatus.AWAITING);
            h.awaitStatus(reminder, RunStatus.AWAITING);
            h.awaitStatus(nap, RunStatus.AWAITING);

            assertThat(h.engine.waits(approval)).singleElement().satisfies(wait -> assertThat(wait.awaitTimeoutAt())
                    .as("a webhook await's timeout").hasValue(now.plusSeconds(3600)));
            assertThat(h.engine.waits(reminder)).singleElement().satisfies(wait -> {
                assertThat(wait.until()).as("when it resumes").hasValue(now.plusSeconds(600));
                assertThat(wait.awaitTimeoutAt()).as("a time await's timeout").hasValue(now.plusSeconds(300));
            });
            assertThat(h.engine.waits(nap)).singleElement().satisfies(wait -> {
                assertThat(wait.until()).hasValue(now.plusSeconds(600));
                assertThat(wait.awaitTimeoutAt()).as("a time await without a timeout").isEmpty();
            });
        }
    }

    @Test
    void aRetryingStepSaysWhenItsNextAttemptIsDue() {
        try (EngineHarness h = new EngineHarness(new FailsFirst())) {
            Instant before = Instant.now();
            String runId = h.engine.start("flaky", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("call") == StepStatus.RETRYING
                    && !h.engine.waits(runId).isEmpty() && h.engine.waits(runId).get(0).reason() == Reason.DUE_LATER);

            StepWait wait = h.engine.waits(runId).get(0);

            assertThat(wait.status()).isEqualTo(StepStatus.RETRYING);
            assertThat(wait.until()).hasValueSatisfying(due -> assertThat(due)
                    .isBetween(before.plusSeconds(600), Instant.now().plusSeconds(600)));
            assertThat(wait.detail()).startsWith("its next attempt is due at ");
        }
    }

    @FlowStep(flow = "fragile", name = "send", role = StepRole.ENTRY, queue = "shared")
    static class FailsOnce implements Step<Object, Void> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Void execute(Object input, StepContext ctx) {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("mail server away");
            }
            return null;
        }
    }

    @FlowStep(flow = "busy", name = "hold", role = StepRole.ENTRY, queue = "shared")
    static class Holds implements Step<Object, Void> {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            started.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    @Test
    void aStepRetriedByAnOperatorAfterItsJobWasDiscardedSaysItWaitsForAWorker() throws InterruptedException {
        Holds holds = new Holds();
        try (EngineHarness h = new EngineHarness(1, new FailsOnce(), holds)) {
            String runId = h.engine.start("fragile", null);
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.queue.discard("shared", StepJob.jobId(runId, "send"))).isTrue();
            h.engine.start("busy", null);
            assertThat(holds.started.await(5, TimeUnit.SECONDS)).isTrue();

            h.engine.retryStep(runId, "send");

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.status()).isEqualTo(StepStatus.QUEUED);
                assertThat(wait.reason()).isEqualTo(Reason.WORKER);
                assertThat(wait.detail()).contains("waits for a worker of queue 'shared' (1 waiting, 1 running)");
            });
            holds.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @FlowStep(flow = "outage", name = "charge", role = StepRole.ENTRY, queue = "shared")
    static class AlwaysFails implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("payment provider away");
        }
    }

    @Test
    void aStepRetriedAgainByAnOperatorWaitsForAWorkerWithTheJobThatRanItLastAlsoAfterTheFirstSeconds()
            throws InterruptedException {
        Holds holds = new Holds();
        try (EngineHarness h = new EngineHarness(1, new AlwaysFails(), holds)) {
            String runId = h.engine.start("outage", null);
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.queue.discard("shared", StepJob.jobId(runId, "charge"))).isTrue();
            // Its usual job gone, the step runs under a retry job of its own, and fails again.
            h.engine.retryStep(runId, "charge");
            h.awaitStatus(runId, RunStatus.FAILED);
            h.engine.start("busy", null);
            assertThat(holds.started.await(5, TimeUnit.SECONDS)).isTrue();

            h.engine.retryStep(runId, "charge");
            h.clock.advance(StepWaits.JUST_QUEUED);

            assertThat(h.engine.waits(runId)).as("the earlier retry's job, sent again").singleElement()
                    .satisfies(wait -> {
                        assertThat(wait.reason()).isEqualTo(Reason.WORKER);
                        assertThat(wait.detail()).isEqualTo("waits for a worker of queue 'shared' (1 waiting, 1 running)");
                    });
            holds.release.countDown();
        }
    }

    /** A queue whose view of a job retried elsewhere lags, as another JMS node's registry does. */
    static final class RetriedElsewhere extends MemoryJobQueue {
        RetriedElsewhere() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public boolean retry(String queueName, String jobId) {
            return true; // the broker moved the dead letter; this view still shows it failed
        }
    }

    @Test
    void aStepRetriedByAnOperatorWhoseJobTheQueueStillShowsFailedSaysItsJobIsOnItsWayAndLaterThatItHasNone() {
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), new RetriedElsewhere(), new AlwaysFails())) {
            String runId = h.engine.start("outage", null);
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "charge");

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(Reason.WORKER);
                assertThat(wait.detail()).startsWith("its job is on its way to queue 'shared'");
            });

            h.clock.advance(StepWaits.JUST_QUEUED);

            assertThat(h.engine.waits(runId)).singleElement()
                    .satisfies(wait -> assertThat(wait.reason()).isEqualTo(Reason.NO_JOB));
        }
    }

    @FlowStep(flow = "remove", name = "b-first", role = StepRole.ENTRY, emits = "b.first")
    static class First implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("b.first", "{}");
            return null;
        }
    }

    @FlowStep(flow = "remove", name = "b-mid", subscribes = "b.first", queue = "bm")
    static class Mid implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Version 2 of the flow: step "b-mid", alone on its queue "bm", was removed. */
    @FlowStep(flow = "remove", name = "b-first", role = StepRole.ENTRY)
    static class FirstV2 implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /**
     * A run of version 1 whose step "b-mid" is queued in "bm", on a queue shared with the next version
     * (started after it: the next version takes over the workers of the queues both use).
     */
    private static String queuedMidStep(EngineHarness v1) {
        v1.queue.pause("bm");
        String runId = v1.engine.start("remove", null);
        await().until(() -> v1.engine.run(runId).orElseThrow().steps().get("b-mid") == StepStatus.QUEUED);
        return runId;
    }

    @Test
    void aQueuedStepTheDeploymentLacksSaysItIsNotDeployedWhereItsJobWaitsAndTheWayOut() {
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness v1 = EngineHarness.over(new MemoryFlowStore(), shared, new First(), new Mid())) {
            String runId = queuedMidStep(v1);
            try (EngineHarness v2 = EngineHarness.beside(v1, "instance-v2", s -> s, shared, new FirstV2())) {
                assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                    assertThat(wait.step()).isEqualTo("b-mid");
                    assertThat(wait.status()).isEqualTo(StepStatus.QUEUED);
                    assertThat(wait.reason()).isEqualTo(Reason.NOT_DEPLOYED);
                    assertThat(wait.queue()).isEqualTo("bm");
                    assertThat(wait.detail()).isEqualTo("step 'b-mid' of flow 'remove' is not deployed on this"
                            + " instance: its job waits in queue 'bm', which no deployed step uses, so nothing takes"
                            + " it; deploy it again or cancel the run");
                });
            }
        }
    }

    /** In version 2, another step uses the queue of the removed one. */
    @FlowStep(flow = "other", name = "o-first", role = StepRole.ENTRY, queue = "bm")
    static class OnQueueBm implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aQueuedStepTheDeploymentLacksInAQueueWithWorkersSaysTheyHandItsJobBackAndThenFailIt() {
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness v1 = EngineHarness.over(new MemoryFlowStore(), shared, new First(), new Mid())) {
            String runId = queuedMidStep(v1);
            try (EngineHarness v2 = EngineHarness.beside(v1, "instance-v2", s -> s, shared, new FirstV2(),
                    new OnQueueBm())) {
                assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                    assertThat(wait.reason()).isEqualTo(Reason.NOT_DEPLOYED);
                    assertThat(wait.detail()).contains("its job waits in queue 'bm', whose workers here hand it back"
                            + " (NVENT-0171) until an instance that has the step takes it, for up to PT10M"
                            + " (nvent.upgrade.missing-step-grace), and after that fail it (NVENT-0111)");
                });
            }
        }
    }

    @Test
    void aQueuedStepOfAFlowTheDeploymentLacksSaysItsFlowIsNotDeployed() {
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness v1 = EngineHarness.over(new MemoryFlowStore(), shared, new First(), new Mid())) {
            String runId = queuedMidStep(v1);
            try (EngineHarness v2 = EngineHarness.beside(v1, "instance-v2", s -> s, shared, new Request(),
                    new Approve())) {
                assertThat(v2.engine.waits(runId)).singleElement().satisfies(wait -> {
                    assertThat(wait.reason()).isEqualTo(Reason.NOT_DEPLOYED);
                    assertThat(wait.detail()).startsWith("flow 'remove' of step 'b-mid' is not deployed on this"
                            + " instance: its job waits in queue 'bm'");
                });
            }
        }
    }

    @Test
    void aDeploymentWarnsOnceAtStartOfTheRunsAtStepsAndFlowsItLacks() {
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness v1 = EngineHarness.over(new MemoryFlowStore(), shared, new First(), new Mid(),
                new Request(), new Approve())) {
            queuedMidStep(v1);
            queuedMidStep(v1);
            String approval = v1.engine.start("approval", null);
            v1.awaitStatus(approval, RunStatus.AWAITING);

            try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0170"));
                 EngineHarness v2 = EngineHarness.beside(v1, "instance-v2", s -> s, shared, new FirstV2())) {
                assertThat(log.records()).singleElement().satisfies(warning -> {
                    assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
                    assertThat(warning.getMessage()).startsWith("NVENT-0170 3 unfinished run(s) are at steps this"
                            + " deployment does not have, which nothing here runs: flow approval (1),"
                            + " remove/b-mid (2); deploy those steps again");
                });
            }
        }
    }

    @Test
    void aFinishedRunWaitsForNothingAndAnUnknownRunIsNotFound() {
        try (EngineHarness h = new EngineHarness(new Request(), new Approve())) {
            String runId = h.engine.start("approval", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            h.engine.cancel(runId);

            assertThat(h.engine.waits(runId)).isEmpty();
            assertThatThrownBy(() -> h.engine.waits("no-such-run")).isInstanceOf(RunNotFoundException.class);
        }
    }
}

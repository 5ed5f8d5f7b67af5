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
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.spi.EventDraft;
import io.nvent.spi.JobState;
import io.nvent.spi.RunChange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Canceling a run stops the steps it has running, on the instance that received the cancel and on
 * the others, and leaves no step of an ended run running for ever.
 */
class CancelRunningStepTest {

    /** Never counted down: a downstream that never answers. */
    static volatile CountDownLatch downstreamAnswers = new CountDownLatch(1);
    static final AtomicInteger shipped = new AtomicInteger();

    /** Waits for a downstream that never answers, unless its input is "quick"; interruptible, as most waits are. */
    @FlowStep(flow = "call", name = "wait-forever", role = StepRole.ENTRY, emits = "answered")
    static class WaitForever implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            if (!"quick".equals(input)) {
                downstreamAnswers.await();
            }
            ctx.emit("answered", input);
            return "answered";
        }
    }

    /** Not counted down until the test says: a downstream that, once it answers, refuses the call. */
    static volatile CountDownLatch downstreamRefuses = new CountDownLatch(1);

    /** Counted down when the step that calls the refusing downstream begins. */
    static volatile CountDownLatch refusedCallBegan = new CountDownLatch(1);

    /** Fails on its own, not because it was asked to stop, once its downstream refuses; retried otherwise. */
    @FlowStep(flow = "refused", name = "call-refused", role = StepRole.ENTRY, maxAttempts = 3)
    static class CallRefused implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            if (!"quick".equals(input)) {
                refusedCallBegan.countDown();
                downstreamRefuses.await();
                throw new IllegalStateException("the downstream refused the call");
            }
            return "answered";
        }
    }

    /** Ignores interrupts (its timeout's too) until the test lets it go on, then returns. */
    @FlowStep(flow = "slow", name = "slow-call", role = StepRole.ENTRY, maxAttempts = 3, timeoutMs = 300)
    static class SlowCall implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            refusedCallBegan.countDown();
            while (downstreamRefuses.getCount() > 0) {
                try {
                    downstreamRefuses.await();
                } catch (InterruptedException ignored) {
                    // Waits on regardless, as a step blocked in classic socket I/O does.
                }
            }
            return "late";
        }
    }

    @FlowStep(flow = "call", name = "ship", subscribes = "answered")
    static class Ship implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            shipped.incrementAndGet();
            return null;
        }
    }

    /** Ignores interrupts and checks {@link StepContext#isCancelRequested()} between units of work. */
    @FlowStep(flow = "poll", name = "poll", role = StepRole.ENTRY)
    static class Poll implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            while (!ctx.isCancelRequested()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            throw new IllegalStateException("stopped: the run was canceled");
        }
    }

    /** Ignores the interrupt and returns normally: its result is recorded, its emit schedules nothing. */
    @FlowStep(flow = "stubborn", name = "finish-anyway", role = StepRole.ENTRY, emits = "finished")
    static class FinishAnyway implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            try {
                downstreamAnswers.await();
            } catch (InterruptedException interrupted) {
                // Goes on regardless, as a step may.
            }
            ctx.emit("finished", "done");
            return "finished anyway";
        }
    }

    @FlowStep(flow = "stubborn", name = "after", subscribes = "finished")
    static class After implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            shipped.incrementAndGet();
            return null;
        }
    }

    static final AtomicInteger audited = new AtomicInteger();

    /** Started by every "finished" event: a flow that an emit of another run's step sets going. */
    @FlowStep(flow = "audit", name = "audit-finished", role = StepRole.ENTRY)
    @Trigger(name = "on-finished", type = TriggerType.EVENT, event = "finished")
    static class AuditFinished implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            audited.incrementAndGet();
            return null;
        }
    }

    @BeforeEach
    void downstreamNeverAnswers() {
        downstreamAnswers = new CountDownLatch(1);
        downstreamRefuses = new CountDownLatch(1);
        refusedCallBegan = new CountDownLatch(1);
        shipped.set(0);
        audited.set(0);
    }

    private static EngineHarness oneWorker() {
        return new EngineHarness(1, new WaitForever(), new Ship(), new Poll(), new FinishAnyway(), new After(),
                new CallRefused());
    }

    /** Starts a run whose step hangs, and waits until its start (past the start-write delay) and lease are stored. */
    private static String startHung(EngineHarness harness, String flow, String step) {
        String runId = harness.engine.start(flow, "hang");
        harness.awaitRunningWithLease(runId, step);
        return runId;
    }

    /** Its attempts named for the entries that end them ({@link NamingAttempts}), if {@code traced}. */
    private static EngineHarness traced(boolean traced, EngineHarness harness) {
        if (traced) {
            harness.engine.useInterceptors(List.of(new NamingAttempts()));
        }
        return harness;
    }

    /** The step ended canceled, its entry saying {@code reason} and, without interceptors, nothing else. */
    private static void assertEndedAsCanceled(EngineHarness harness, String runId, String step, String reason) {
        assertEndedAsCanceled(harness, runId, step, reason, false);
    }

    /**
     * The step ended canceled, its entry saying {@code reason} and, if {@code traced}, naming its first attempt as
     * the interceptor's scope did, as every entry ending an attempt does; else nothing more, as before interceptors.
     */
    private static void assertEndedAsCanceled(EngineHarness harness, String runId, String step, String reason,
                                              boolean traced) {
        // As stored: the run's view shows a step an ended run still held retrying as canceled as well.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> harness.store.findRun(runId).orElseThrow().steps().get(step) == StepStatus.CANCELED);
        assertThat(harness.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
        assertThat(harness.eventsOf(runId, EventType.STEP_CANCELED)).singleElement().satisfies(entry -> {
            assertThat(entry.step()).contains(step);
            assertThat(entry.data()).contains(reason);
            if (traced) {
                assertThat(entry.data()).endsWith("," + NamingAttempts.traceOf(step, 1) + "}");
            } else {
                assertThat(entry.data()).startsWith("{\"reason\":").doesNotContain("\"trace\"");
            }
        });
        assertThat(harness.types(runId)).as("the attempt neither failed nor is retried")
                .doesNotContain("step.failed", "step.retry", "step.completed");
    }

    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void aCancelInterruptsTheRunningStepAndItsWorkerRunsTheQueuesNextJob(boolean traced) {
        try (EngineHarness harness = traced(traced, oneWorker())) {
            String hung = startHung(harness, "call", "wait-forever");
            String behind = harness.engine.start("call", "quick");

            assertThat(harness.engine.cancel(hung)).isTrue();

            assertEndedAsCanceled(harness, hung, "wait-forever", "the run was canceled while the attempt ran", traced);
            harness.awaitStatus(behind, RunStatus.COMPLETED);
            assertThat(shipped).as("only the run behind it went on").hasValue(1);
        }
    }

    @Test
    void aCancelThroughAnotherInstanceInterruptsTheStepOnceItsInstanceLooksAtItsRunningSteps() {
        try (EngineHarness running = oneWorker();
             EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings)) {
            String hung = startHung(running, "call", "wait-forever");
            String behind = running.engine.start("call", "quick");

            assertThat(other.engine.cancel(hung)).isTrue();
            running.sweep();

            assertEndedAsCanceled(running, hung, "wait-forever", "the run was canceled while the attempt ran");
            running.awaitStatus(behind, RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepFailingOnItsOwnAfterItsRunWasCanceledOnAnotherInstanceEndsCanceledWithoutRetryBeforeItsInstanceLooks() {
        try (EngineHarness running = oneWorker();
             EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings)) {
            String runId = startHung(running, "refused", "call-refused");
            String behind = running.engine.start("refused", "quick");

            assertThat(other.engine.cancel(runId)).isTrue();
            // Within the 2 s before the running instance's sweep would find the cancel and interrupt it.
            downstreamRefuses.countDown();

            assertEndedAsCanceled(running, runId, "call-refused", "the downstream refused the call");
            running.awaitStatus(behind, RunStatus.COMPLETED);
            assertThat(running.queue.job("refused", StepJob.jobId(runId, "call-refused"))).get()
                    .as("the step's job: completed in its one attempt, no retry scheduled").satisfies(job -> {
                        assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                        assertThat(job.attempts()).hasSize(1);
                    });
            assertThat(running.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
        }
    }

    @Test
    void aStepFailingOnItsOwnBeforeItsStartWasStoredInARunCanceledMeanwhileEndsCanceledWithoutRetryOrFailure()
            throws InterruptedException {
        // A start-write delay longer than the test: the step's start is not stored before it fails.
        try (EngineHarness running = EngineHarness.withStartWriteDelay(Duration.ofSeconds(30), new CallRefused());
             EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings)) {
            String runId = running.engine.start("refused", "hang");
            assertThat(refusedCallBegan.await(10, TimeUnit.SECONDS)).as("the step began").isTrue();

            assertThat(other.engine.cancel(runId)).isTrue();
            downstreamRefuses.countDown();

            assertEndedAsCanceled(running, runId, "call-refused", "the downstream refused the call");
            assertThat(running.types(runId)).as("the step that ran is recorded, then how it ended")
                    .endsWith("step.started", "step.canceled");
            // The worker completes the job once the attempt has returned, just after its entry is stored.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(running.queue.job("refused",
                    StepJob.jobId(runId, "call-refused"))).get()
                    .as("the step's job: completed in its one attempt, no retry scheduled").satisfies(job -> {
                        assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                        assertThat(job.attempts()).hasSize(1);
                    }));
        }
    }

    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void anAttemptTimingOutInARunCanceledOnAnotherInstanceEndsCanceledWithoutRetry(boolean traced)
            throws InterruptedException {
        try (EngineHarness running = traced(traced, new EngineHarness(1, new SlowCall()));
             EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings)) {
            String runId = running.engine.start("slow", "hang");
            assertThat(refusedCallBegan.await(10, TimeUnit.SECONDS)).as("the step began").isTrue();

            // Before the running instance's sweep finds it: the queue fails the attempt at its timeout.
            assertThat(other.engine.cancel(runId)).isTrue();

            assertEndedAsCanceled(running, runId, "slow-call", "exceeded its timeout", traced);
            downstreamRefuses.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> running.scheduling.leasesOfRun(runId).isEmpty());
            assertThat(running.store.findRun(runId).orElseThrow().steps()).as("the late result is not stored")
                    .containsEntry("slow-call", StepStatus.CANCELED);
        }
    }

    @Test
    void aStepIgnoringInterruptsStopsWhenItSeesTheCancelRequested() {
        try (EngineHarness harness = oneWorker()) {
            String runId = startHung(harness, "poll", "poll");

            harness.engine.cancel(runId);

            assertEndedAsCanceled(harness, runId, "poll", "stopped: the run was canceled");
        }
    }

    @Test
    void aStepThatReturnsAfterTheCancelIsRecordedWithItsResultAndSchedulesNothing() {
        try (EngineHarness harness = oneWorker()) {
            String runId = startHung(harness, "stubborn", "finish-anyway");

            harness.engine.cancel(runId);

            await().atMost(Duration.ofSeconds(10)).until(() ->
                    harness.engine.run(runId).orElseThrow().steps().get("finish-anyway") == StepStatus.COMPLETED);
            assertThat(harness.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(harness.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("finished anyway"));
            await().during(Duration.ofMillis(200)).until(() -> shipped.get() == 0);
        }
    }

    @Test
    void theEmitOfAStepThatReturnsAfterTheCancelSaysItScheduledNothingAndStartsNoFlowThroughATrigger() {
        try (EngineHarness harness = new EngineHarness(1, new FinishAnyway(), new After(), new AuditFinished())) {
            String canceled = startHung(harness, "stubborn", "finish-anyway");

            harness.engine.cancel(canceled);

            await().atMost(Duration.ofSeconds(10)).until(() ->
                    harness.engine.run(canceled).orElseThrow().steps().get("finish-anyway") == StepStatus.COMPLETED);
            assertThat(harness.eventsOf(canceled, EventType.EMIT)).singleElement().satisfies(entry -> {
                assertThat(entry.step()).contains("finish-anyway");
                assertThat(entry.data()).isEqualTo("{\"name\":\"finished\",\"payload\":\"done\",\"scheduled\":false,"
                        + "\"reason\":\"the run was canceled before the step returned\"}");
            });
            await().during(Duration.ofMillis(200)).until(() -> audited.get() == 0 && shipped.get() == 0);

            // The same emit of a run that was not canceled goes on in its run and starts the trigger's flow.
            downstreamAnswers.countDown();
            String finished = harness.engine.start("stubborn", "go");

            await().atMost(Duration.ofSeconds(10)).until(() -> audited.get() == 1 && shipped.get() == 1);
            assertThat(harness.eventsOf(finished, EventType.EMIT)).singleElement().satisfies(entry ->
                    assertThat(entry.data()).isEqualTo("{\"name\":\"finished\",\"payload\":\"done\"}"));
        }
    }

    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void aCanceledRunsStepInterruptedByItsInstancesShutdownEndsCanceledInsteadOfRunningForEver(boolean traced) {
        EngineHarness running = traced(traced, oneWorker());
        try (EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings,
                new WaitForever(), new Ship())) {
            String runId = startHung(running, "call", "wait-forever");
            // Canceled elsewhere, and the instance stops before it looks: its shutdown interrupts the step.
            other.engine.cancel(runId);
            running.close();

            assertEndedAsCanceled(other, runId, "wait-forever", "interrupted (its instance stopping)", traced);
            assertThat(other.scheduling.leasesOfRun(runId)).isEmpty();
        } finally {
            running.close();
        }
    }

    @Test
    void aCanceledRunsStepWhoseInstanceDiedIsSettledAsCanceledByTheSweepOnceItsLeaseRunsOut() {
        try (EngineHarness dead = oneWorker();
             EngineHarness survivor = EngineHarness.beside(dead, "instance-b", settings -> settings,
                     new WaitForever(), new Ship())) {
            String runId = startHung(dead, "call", "wait-forever");
            // Canceled elsewhere; the instance running the step never looks again (it died).
            survivor.engine.cancel(runId);

            survivor.clock.advance(Duration.ofSeconds(61));
            survivor.sweep();

            assertEndedAsCanceled(survivor, runId, "wait-forever", "execution was lost");
            assertThat(survivor.engine.run(runId).orElseThrow().steps()).containsEntry("wait-forever",
                    StepStatus.CANCELED);
        }
    }

    @Test
    void aCanceledRunsStepLeftRunningWithoutALeaseByAnEarlierVersionIsSettledAsCanceledWhenTheRunIsRead() {
        try (EngineHarness earlier = oneWorker();
             EngineHarness current = EngineHarness.beside(earlier, "instance-b", settings -> settings,
                     new WaitForever(), new Ship())) {
            String runId = startHung(earlier, "call", "wait-forever");
            // What an nvent before 0.2 left: the run canceled under the running step, whose lease is gone.
            Instant canceledAt = earlier.clock.instant();
            earlier.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStatus(RunStatus.CANCELED,
                    canceledAt), List.of(EventDraft.ofRun(EventType.FLOW_CANCEL, canceledAt, "{}")))));
            earlier.scheduling.leasesOfRun(runId).forEach(lease ->
                    earlier.scheduling.releaseLease(runId, lease.step(), lease.owner()));

            assertThat(current.engine.run(runId)).get().as("read within a lease of the cancel")
                    .satisfies(run -> assertThat(run.steps()).containsEntry("wait-forever", StepStatus.RUNNING));
            current.clock.advance(Duration.ofSeconds(61));
            current.sweep();
            assertThat(current.store.findRun(runId).orElseThrow().steps()).as("the sweep does not look for it")
                    .containsEntry("wait-forever", StepStatus.RUNNING);

            assertThat(current.engine.run(runId)).get().satisfies(run -> {
                assertThat(run.status()).isEqualTo(RunStatus.CANCELED);
                assertThat(run.steps()).containsEntry("wait-forever", StepStatus.CANCELED);
            });
            assertEndedAsCanceled(current, runId, "wait-forever", "it holds no lease");
            assertThat(current.engine.waits(runId)).as("a step that ended waits for nothing").isEmpty();
        }
    }

    @Test
    void aRunningStepsWaitSaysSinceWhenOnWhichInstanceUntilItsTimeoutAndOnceCanceledThatItWasAskedToStop() {
        try (EngineHarness running = oneWorker();
             EngineHarness other = EngineHarness.beside(running, "instance-b", settings -> settings,
                     new WaitForever(), new Ship())) {
            String runId = startHung(running, "call", "wait-forever");
            HistoryEvent started = running.eventsOf(runId, EventType.STEP_STARTED).get(0);

            assertThat(other.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.status()).isEqualTo(StepStatus.RUNNING);
                assertThat(wait.reason()).isEqualTo(StepWait.Reason.RUNNING);
                assertThat(wait.queue()).isEqualTo("call");
                assertThat(wait.until()).as("the attempt's timeout, 30 s").contains(
                        started.timestamp().plus(Duration.ofSeconds(30)));
                assertThat(wait.detail()).isEqualTo("running since " + started.timestamp() + ", attempt 1, on"
                        + " instance instance-a; its timeout of 30000 ms ends the attempt at "
                        + started.timestamp().plus(Duration.ofSeconds(30)));
            });

            other.engine.cancel(runId);

            assertThat(other.engine.waits(runId)).as("canceled elsewhere, not yet stopped").singleElement()
                    .satisfies(wait -> {
                        assertThat(wait.reason()).isEqualTo(StepWait.Reason.RUNNING);
                        assertThat(wait.detail()).contains("on instance instance-a")
                                .contains("its run was canceled, so it was asked to stop");
                    });
            running.sweep();
            assertEndedAsCanceled(running, runId, "wait-forever", "the run was canceled while the attempt ran");
            assertThat(other.engine.waits(runId)).as("a step that ended waits for nothing").isEmpty();
        }
    }
}

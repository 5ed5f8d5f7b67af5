package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FailedAttempt;
import io.nvent.FlowStep;
import io.nvent.HeartbeatTimeoutException;
import io.nvent.HistoryEvent;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A step with a heartbeat timeout runs on as long as it sends heartbeats, by {@code heartbeat()} or by its progress
 * reports, however far past that timeout it goes; once it stops, the watchdog fails its attempt after the timeout, by
 * the engine's clock, as a timed-out attempt fails (interrupted, retried, whatever its {@code noRetryFor} lists).
 */
class HeartbeatTimeoutTest {

    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMinutes(1);
    /** Less than the heartbeat timeout: the clock moves by this between two heartbeats. */
    static final Duration BETWEEN_BEATS = Duration.ofSeconds(40);

    static final AtomicInteger beats = new AtomicInteger();
    static volatile boolean pulsing = true;
    static volatile CountDownLatch stoppedBeating = new CountDownLatch(1);

    /**
     * Its first attempt sends heartbeats (by {@code heartbeat()}, or by progress reports for the input
     * {@code "progress"}) until the test stops it, then hangs until interrupted; its retry imports at once.
     */
    @FlowStep(flow = "import", name = "import", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 0,
            timeoutMs = 600_000, heartbeatTimeoutMs = 60_000, noRetryFor = InterruptedException.class)
    static class Import implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            if (ctx.attempt() > 1) {
                return "imported";
            }
            long row = 0;
            while (pulsing) {
                if ("progress".equals(input)) {
                    ctx.reportProgress(++row % 100, 100);
                } else {
                    ctx.heartbeat();
                }
                beats.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            stoppedBeating.countDown();
            Thread.sleep(Long.MAX_VALUE); // a hung call: only the interrupt ends it
            return "never";
        }
    }

    /** A healthy step that returns at once, with a heartbeat timeout of 5 s and no retry. */
    @FlowStep(flow = "slow-start", name = "import", role = StepRole.ENTRY, timeoutMs = 600_000,
            heartbeatTimeoutMs = 5_000)
    static class ImportAtOnce implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            return "imported";
        }
    }

    /** Hangs without a heartbeat until interrupted, with no retry. */
    @FlowStep(flow = "hang", name = "import", role = StepRole.ENTRY, timeoutMs = 600_000, heartbeatTimeoutMs = 60_000)
    static class Hang implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            stoppedBeating.countDown();
            Thread.sleep(Long.MAX_VALUE);
            return "never";
        }
    }

    static volatile CountDownLatch released = new CountDownLatch(1);
    static volatile boolean interrupted;

    /** Sends no heartbeat and ignores the interrupt, as a call that swallows it does: it runs on until released. */
    @FlowStep(flow = "stubborn", name = "import", role = StepRole.ENTRY, timeoutMs = 600_000,
            heartbeatTimeoutMs = 60_000)
    static class IgnoresTheInterrupt implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            stoppedBeating.countDown();
            while (released.getCount() > 0) {
                interrupted |= Thread.interrupted();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return "imported";
        }
    }

    /** Stores a run's changes as a busy store may: each write takes twice a heartbeat timeout of 5 s on the clock. */
    static final class SlowWrites extends MemoryFlowStore {
        volatile VirtualClock clock;

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (clock != null) {
                clock.advance(Duration.ofSeconds(10));
            }
            return super.updateRun(runId, mutation);
        }
    }

    /** What the retry decider of {@link HangOnceDecided} was given to decide on. */
    static final AtomicReference<Throwable> decidedOn = new AtomicReference<>();

    /** Keeps the declared delay, and the failure it decided on. */
    public static class KeepsWhatItSees implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            decidedOn.set(failed.error());
            return RetryDecision.retryAfter(failed.declaredDelay());
        }
    }

    /** Hangs without a heartbeat in its first attempt; its retry, which a retry decider decides, imports at once. */
    @FlowStep(flow = "hang-once", name = "import", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 0,
            timeoutMs = 600_000, heartbeatTimeoutMs = 60_000, retryDecider = KeepsWhatItSees.class)
    static class HangOnceDecided extends Hang {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            return ctx.attempt() > 1 ? "imported" : super.execute(input, ctx);
        }
    }

    /** Stores a step's start as a busy store may: the write takes twice the step's heartbeat timeout of the clock. */
    static final class SlowStarts extends MemorySchedulingStore {
        volatile VirtualClock clock;

        @Override
        public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
            clock.advance(Duration.ofSeconds(10));
            return super.startStep(runs, lease, now, mutation);
        }
    }

    @BeforeEach
    void reset() {
        beats.set(0);
        pulsing = true;
        stoppedBeating = new CountDownLatch(1);
        released = new CountDownLatch(1);
        interrupted = false;
    }

    @Test
    void aStepThatSendsHeartbeatsRunsOnPastItsHeartbeatTimeoutAndFailsItsAttemptOnceItStops() {
        aStepRunsOnWhileItBeatsAndIsRetriedOnceItStops("heartbeat");
    }

    @Test
    void everyProgressReportCountsAsAHeartbeat() {
        aStepRunsOnWhileItBeatsAndIsRetriedOnceItStops("progress");
    }

    private static void aStepRunsOnWhileItBeatsAndIsRetriedOnceItStops(String beatingBy) {
        try (EngineHarness harness = new EngineHarness(new Import())) {
            String runId = harness.engine.start("import", beatingBy);
            for (int i = 0; i < 5; i++) {
                awaitABeat();
                harness.clock.advance(BETWEEN_BEATS);
            }
            awaitABeat();
            assertThat(harness.engine.run(runId).orElseThrow().status()).as("200 s past a 60 s heartbeat timeout")
                    .isEqualTo(RunStatus.RUNNING);
            assertThat(harness.eventsOf(runId, EventType.STEP_RETRY)).isEmpty();

            pulsing = false;
            awaitLatch(stoppedBeating);
            harness.clock.advance(HEARTBEAT_TIMEOUT);

            harness.awaitStatus(runId, RunStatus.COMPLETED);
            List<HistoryEvent> retries = harness.eventsOf(runId, EventType.STEP_RETRY);
            assertThat(retries).singleElement().satisfies(retry -> assertThat(retry.data()).contains(
                    "NVENT-0237 step 'import' of run " + runId + " sent no heartbeat for PT1M (its heartbeat timeout;"
                            + " last heartbeat at " + EngineHarness.START.plus(BETWEEN_BEATS.multipliedBy(5)) + ")"));
            assertThat(harness.eventsOf(runId, EventType.STEP_STARTED)).as("the retry's attempt ran").hasSize(2);
            assertThat(harness.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(completed -> assertThat(completed.data()).contains("imported"));
        }
    }

    @Test
    void aRunningStepsWaitShowsItsLastHeartbeatAndByWhenItFailsWithoutAnother() {
        try (EngineHarness harness = new EngineHarness(new Import())) {
            String runId = harness.engine.start("import", "heartbeat");
            awaitABeat();
            harness.clock.advance(Duration.ofSeconds(10));
            awaitABeat();

            // Once its start is stored: until then the run shows the step starting.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(harness.engine.waits(runId))
                    .filteredOn(wait -> wait.reason() == StepWait.Reason.RUNNING).singleElement().satisfies(running -> {
                        assertThat(running.lastHeartbeatAt()).contains(EngineHarness.START.plusSeconds(10));
                        assertThat(running.detail()).contains("; last heartbeat at "
                                + EngineHarness.START.plusSeconds(10) + " (PT0S ago); fails without one by "
                                + EngineHarness.START.plusSeconds(70) + " (its heartbeat timeout of 60000 ms)");
                    }));

            pulsing = false;
            awaitLatch(stoppedBeating);
            harness.clock.advance(HEARTBEAT_TIMEOUT);
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepThatRunsOnAfterItMissedItsHeartbeatShowsInItsWaitThatItMissedItAndWasAskedToStop() {
        try (EngineHarness harness = new EngineHarness(new IgnoresTheInterrupt())) {
            String runId = harness.engine.start("stubborn", "file");
            awaitLatch(stoppedBeating);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.waits(runId).stream()
                    .anyMatch(wait -> wait.reason() == StepWait.Reason.RUNNING));

            harness.clock.advance(HEARTBEAT_TIMEOUT);
            harness.sweep(); // renews the lease, which the clock's move let expire

            await().atMost(Duration.ofSeconds(10)).until(() -> interrupted);
            assertThat(harness.engine.waits(runId)).singleElement().satisfies(running -> {
                assertThat(running.reason()).isEqualTo(StepWait.Reason.RUNNING);
                assertThat(running.lastHeartbeatAt()).contains(EngineHarness.START);
                assertThat(running.detail()).contains("; it missed its heartbeat at "
                        + EngineHarness.START.plus(HEARTBEAT_TIMEOUT) + " (last heartbeat at " + EngineHarness.START
                        + ", its heartbeat timeout of 60000 ms), so it was asked to stop (interrupted)")
                        .doesNotContain("fails without one by");
            });
            released.countDown();
            assertThat(harness.awaitStatus(runId, RunStatus.FAILED).error()).hasValueSatisfying(error ->
                    assertThat(error).contains("NVENT-0237"));
        }
    }

    @Test
    void aStepWhoseStartTakesLongerToStoreThanItsHeartbeatTimeoutRunsAsItsCodeSendsHeartbeatsOnlyOnceItBegins() {
        SlowStarts slowStore = new SlowStarts();
        try (EngineHarness harness = EngineHarness.withStartsStoredFirst(slowStore, new ImportAtOnce())) {
            slowStore.clock = harness.clock;
            String runId = harness.engine.start("slow-start", "file");

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> harness.engine.run(runId).orElseThrow().status().isTerminal());
            assertThat(harness.engine.run(runId).orElseThrow().error()).isEmpty();
            assertThat(harness.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepWhoseResultTakesLongerToStoreThanItsHeartbeatTimeoutIsNotSaidToMissAHeartbeat() {
        SlowWrites slowStore = new SlowWrites();
        try (EngineHarness harness = EngineHarness.over(slowStore, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new ImportAtOnce());
             RetentionSweepTest.Messages watchdog = new RetentionSweepTest.Messages(Heartbeats.class)) {
            slowStore.clock = harness.clock;
            String runId = harness.engine.start("slow-start", "file");

            harness.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(watchdog.logged).noneMatch(message -> message.contains("NVENT-0434"));
        }
    }

    @Test
    void theLastAttemptWithoutAHeartbeatFailsTheStepAndTheRunWithTheMissedHeartbeat() {
        try (EngineHarness harness = new EngineHarness(new Hang())) {
            String runId = harness.engine.start("hang", "file");
            awaitLatch(stoppedBeating);

            harness.clock.advance(HEARTBEAT_TIMEOUT);

            String missed = "NVENT-0237 step 'import' of run " + runId + " sent no heartbeat for PT1M (its heartbeat"
                    + " timeout; last heartbeat at " + EngineHarness.START + ")";
            assertThat(harness.awaitStatus(runId, RunStatus.FAILED).error()).hasValueSatisfying(
                    error -> assertThat(error).contains(missed));
            assertThat(harness.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains(missed));
            assertThat(harness.eventsOf(runId, EventType.FLOW_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains(missed));
        }
    }

    @Test
    void aRetryDeciderTellsAMissedHeartbeatByItsTypeATimeoutException() {
        decidedOn.set(null);
        try (EngineHarness harness = new EngineHarness(new HangOnceDecided())) {
            String runId = harness.engine.start("hang-once", "file");
            awaitLatch(stoppedBeating);

            harness.clock.advance(HEARTBEAT_TIMEOUT);

            harness.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(decidedOn.get()).isInstanceOf(TimeoutException.class)
                    .isInstanceOfSatisfying(HeartbeatTimeoutException.class, missed -> {
                        assertThat(missed.runId()).isEqualTo(runId);
                        assertThat(missed.step()).isEqualTo("import");
                        assertThat(missed.heartbeatTimeout()).isEqualTo(HEARTBEAT_TIMEOUT);
                        assertThat(missed.lastHeartbeatAt()).isEqualTo(EngineHarness.START);
                        assertThat(missed).hasMessage("NVENT-0237 step 'import' of run " + runId + " sent no"
                                + " heartbeat for PT1M (its heartbeat timeout; last heartbeat at " + EngineHarness.START
                                + ")");
                    });
        }
    }

    /** Waits until the step sent a heartbeat after the clock last moved. */
    private static void awaitABeat() {
        int seen = beats.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> beats.get() > seen + 1);
    }

    private static void awaitLatch(CountDownLatch latch) {
        await().atMost(Duration.ofSeconds(10)).until(() -> latch.getCount() == 0);
    }
}

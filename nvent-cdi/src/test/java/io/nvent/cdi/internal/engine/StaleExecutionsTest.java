package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.NonRetryableStepException;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobRecord;
import io.nvent.spi.RunChange;
import io.nvent.spi.StepLease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An execution that lost its step's lease (its instance hung past the lease, and another instance
 * recovered the step) no longer writes for the step: its writes through the step context are refused,
 * its result and its failure are dropped, and the execution that holds the step decides its outcome.
 */
class StaleExecutionsTest {

    static final AtomicInteger executions = new AtomicInteger();
    static volatile CountDownLatch firstGoesOn = new CountDownLatch(1);
    static volatile CountDownLatch secondGoesOn = new CountDownLatch(1);
    static final AtomicReference<RuntimeException> refusedWrite = new AtomicReference<>();
    static final AtomicReference<RuntimeException> refusedLog = new AtomicReference<>();

    @BeforeEach
    void reset() {
        executions.set(0);
        firstGoesOn = new CountDownLatch(1);
        secondGoesOn = new CountDownLatch(1);
        refusedWrite.set(null);
        refusedLog.set(null);
    }

    /** Writes state and then a log line, keeping what each write threw. */
    private static void writeStateAndLog(StepContext ctx, String key) {
        try {
            ctx.state().set(key, "attempt " + ctx.attempt());
        } catch (RuntimeException refused) {
            refusedWrite.set(refused);
        }
        try {
            ctx.logger().info("wrote " + key);
        } catch (RuntimeException refused) {
            refusedLog.set(refused);
        }
    }

    /** The first execution hangs past its lease, then writes state and a log line and returns its result. */
    @FlowStep(flow = "stale-import", name = "load", role = StepRole.ENTRY)
    static class Load implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (executions.incrementAndGet() == 1) {
                assertThat(firstGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
                try {
                    ctx.state().set("loadedBy", "first");
                } catch (RuntimeException refused) {
                    refusedWrite.set(refused);
                }
                return "first";
            }
            assertThat(secondGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
            return "second";
        }
    }

    /** The first execution hangs past its lease, then fails. */
    @FlowStep(flow = "stale-failure", name = "fetch", role = StepRole.ENTRY)
    static class Fetch implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (executions.incrementAndGet() == 1) {
                assertThat(firstGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
                throw new IllegalStateException("the first execution fails after it lost the step");
            }
            assertThat(secondGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
            return "second";
        }
    }

    /**
     * Starts a run on {@code hung} whose step's lease runs out there, and has {@code survivor}
     * recover the step and run it again, until that second execution waits.
     */
    private static String takenOverBy(EngineHarness survivor, EngineHarness hung, String flow, String step) {
        return takenOverBy(survivor, hung, flow, step, executions);
    }

    /**
     * Starts a run on {@code hung} whose step's lease runs out there, and has {@code survivor}
     * recover the step and run it again as the same attempt, until that second execution (the step
     * counts its executions in {@code executions}) runs.
     */
    static String takenOverBy(EngineHarness survivor, EngineHarness hung, String flow, String step,
                              AtomicInteger executions) {
        return takenOverBy(survivor, hung, flow, step, executions, true);
    }

    /**
     * As {@link #takenOverBy(EngineHarness, EngineHarness, String, String, AtomicInteger)}; unless
     * {@code hungSeesItsLeaseEnd}, the hung instance's clock stays behind (its clock lags the other's),
     * so that it does not see its lease ran out and only the run's history tells the takeover.
     */
    private static String takenOverBy(EngineHarness survivor, EngineHarness hung, String flow, String step,
                                      AtomicInteger executions, boolean hungSeesItsLeaseEnd) {
        String runId = hung.engine.start(flow, null);
        // The lease too: the memory store shows the run's change a moment before the lease taken with it.
        await().until(() -> hung.engine.run(runId).orElseThrow().steps().get(step) == StepStatus.RUNNING
                && !hung.scheduling.leasesOfRun(runId).isEmpty());
        if (hungSeesItsLeaseEnd) {
            hung.clock.advance(Duration.ofSeconds(61));
        }
        survivor.clock.advance(Duration.ofSeconds(61));
        survivor.sweep();
        await().until(() -> executions.get() == 2
                && survivor.engine.run(runId).orElseThrow().steps().get(step) == StepStatus.RUNNING);
        return runId;
    }

    @Test
    void aStepThatLostItsLeaseHasItsWritesRefusedAndItsResultDropped() {
        try (EngineHarness hung = new EngineHarness(new Load());
             EngineHarness survivor = new EngineHarness(hung.store, hung.scheduling, "instance-b", new Load())) {
            String runId = takenOverBy(survivor, hung, "stale-import", "load");

            assertTheFirstExecutionIsRefusedAndTheSecondDecides(hung, survivor, runId);
        }
    }

    /**
     * The hung instance comes back and renews its leases again: that renewal cannot give it back the
     * lease the other instance took over, so its late execution still counts as having lost the step
     * (its writes, result and a stop's hand-back go by the store, not by the renewal).
     */
    @Test
    void aStepThatLostItsLeaseStaysRefusedAfterItsInstanceRenewsItsLeasesAgain() {
        try (EngineHarness hung = new EngineHarness(new Load());
             EngineHarness survivor = new EngineHarness(hung.store, hung.scheduling, "instance-b", new Load())) {
            String runId = takenOverBy(survivor, hung, "stale-import", "load");

            hung.engine.lostSteps().renewLeases();

            assertTheFirstExecutionIsRefusedAndTheSecondDecides(hung, survivor, runId);
        }
    }

    private static void assertTheFirstExecutionIsRefusedAndTheSecondDecides(EngineHarness hung, EngineHarness survivor,
                                                                            String runId) {
        firstGoesOn.countDown();
        await().until(() -> refusedWrite.get() != null);
        assertThat(refusedWrite.get()).isInstanceOf(StaleExecutionException.class)
                .hasMessageContaining("NVENT-0260").hasMessageContaining(runId).hasMessageContaining("'load'");
        await().during(Duration.ofMillis(200)).until(() ->
                survivor.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.RUNNING);
        assertThat(hung.store.getState(runId, "loadedBy", hung.clock.instant())).isEmpty();

        secondGoesOn.countDown();
        survivor.awaitStatus(runId, RunStatus.COMPLETED);
        assertThat(survivor.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                .extracting(HistoryEvent::data).asString().contains("second");
    }

    /**
     * A memory store on which another instance takes a step's lease over just as a state value reaches
     * the store (on a thread of its own, waited for at most half a second), recording whose lease it
     * was when the value was written.
     */
    static final class TakeoverAsStateArrives extends MemoryFlowStore {
        final AtomicReference<String> ownerWhenWritten = new AtomicReference<>();
        private final ExecutorService otherInstance;
        private volatile MemorySchedulingStore leases;
        private volatile StepLease takeover;

        TakeoverAsStateArrives(ExecutorService otherInstance) {
            this.otherInstance = otherInstance;
        }

        /** From now on, a state value of the lease's run that arrives comes with this takeover. */
        void takeOverAsStateArrives(MemorySchedulingStore leases, StepLease takeover) {
            this.leases = leases;
            this.takeover = takeover;
        }

        @Override
        public void putState(String runId, String key, String json, Optional<Instant> expiresAt) {
            StepLease wanted = takeover;
            if (wanted != null && wanted.runId().equals(runId)) {
                Future<Boolean> takenOver = otherInstance.submit(() ->
                        leases.acquireLease(wanted, wanted.renewedAt().orElseThrow()));
                try {
                    takenOver.get(500, TimeUnit.MILLISECONDS);
                } catch (TimeoutException waitsForTheWrite) {
                    // The store holds the takeover off until the write is done.
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException(e);
                }
                ownerWhenWritten.set(leases.leasesOfRun(runId).stream().filter(l -> l.step().equals(wanted.step()))
                        .map(StepLease::owner).findFirst().orElse("nobody"));
            }
            super.putState(runId, key, json, expiresAt);
        }
    }

    /**
     * Past the end of its lease, a step's write is checked against the lease in the same step as it is
     * made: a takeover that comes just as the write reaches the store waits for it (or, had it come
     * first, the write would be refused). The write never lands after the step was taken over.
     */
    @Test
    void aWritePastTheLeaseLandsOnlyWhileTheStepIsStillThisInstancesThoughItIsTakenOverJustThen() {
        ExecutorService otherInstance = Executors.newSingleThreadExecutor(Threads.daemonThreads("other-instance"));
        TakeoverAsStateArrives store = new TakeoverAsStateArrives(otherInstance);
        MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness hung = EngineHarness.over(store, queue, new Load())) {
            String runId = hung.engine.start("stale-import", null);
            await().until(() -> hung.engine.run(runId).orElseThrow().steps().get("load") == StepStatus.RUNNING);
            hung.clock.advance(Duration.ofSeconds(61));
            Instant now = hung.clock.instant();
            store.takeOverAsStateArrives(hung.scheduling, StepLease.renewed(runId, "load", "instance-b", now,
                    now.plusSeconds(60)));

            firstGoesOn.countDown();
            await().until(() -> store.ownerWhenWritten.get() != null);
            assertThat(store.ownerWhenWritten.get()).as("whose lease the step was when its state was written")
                    .startsWith("instance-a@");
        } finally {
            otherInstance.shutdownNow();
        }
    }

    @Test
    void theFailureOfAnAttemptTheStepWasTakenOverFromIsIgnored() {
        try (EngineHarness hung = new EngineHarness(new Fetch());
             EngineHarness survivor = new EngineHarness(hung.store, hung.scheduling, "instance-b", new Fetch())) {
            String runId = takenOverBy(survivor, hung, "stale-failure", "fetch");

            firstGoesOn.countDown();
            await().during(Duration.ofMillis(300)).until(() ->
                    survivor.engine.run(runId).orElseThrow().steps().get("fetch") == StepStatus.RUNNING);
            assertThat(survivor.types(runId)).as("only the stall recovery's step.retry")
                    .containsOnlyOnce("step.retry").doesNotContain("step.failed", "flow.failed");

            secondGoesOn.countDown();
            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(survivor.types(runId)).doesNotContain("step.failed");
        }
    }

    /** The first execution hangs past its lease, then fails saying no retry can mend it; three attempts. */
    @FlowStep(flow = "stale-refusal", name = "verify", role = StepRole.ENTRY, maxAttempts = 3,
            backoffDelayMs = 3_600_000, backoffMaxDelayMs = 3_600_000)
    static class Verify implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (executions.incrementAndGet() == 1) {
                assertThat(firstGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
                throw new NonRetryableStepException("the first execution refuses after it lost the step");
            }
            assertThat(secondGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
            return "second";
        }
    }

    /**
     * The engine ignores the failure of the attempt the step was taken over from, which the run's history
     * shows (NVENT-0530): its queue is not told to make the job a dead letter (a failed job beside a run
     * that completes), but goes on with it as before.
     */
    @Test
    void theNonRetryableFailureOfAnAttemptTheStepWasTakenOverFromLeavesNoDeadLetter() {
        try (EngineHarness hung = new EngineHarness(new Verify());
             EngineHarness survivor = new EngineHarness(hung.store, hung.scheduling, "instance-b", new Verify())) {
            String runId = takenOverBy(survivor, hung, "stale-refusal", "verify", executions, false);

            firstGoesOn.countDown();
            await().until(() -> hung.queue.counts("stale-refusal").delayed() == 1
                    || hung.queue.counts("stale-refusal").failed() == 1);
            assertThat(hung.queue.counts("stale-refusal").failed()).as("dead letters of the hung instance").isZero();

            secondGoesOn.countDown();
            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(survivor.types(runId)).doesNotContain("step.failed");
        }
    }

    /** Fails on its own once the test lets it go on; it has one attempt only. */
    @FlowStep(flow = "stale-last-failure", name = "charge", role = StepRole.ENTRY, maxAttempts = 1)
    static class Charge implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            executions.incrementAndGet();
            assertThat(firstGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
            throw new IllegalStateException("the card was declined after the lease ran out");
        }
    }

    /**
     * The other instance's sweep took the expired lease over and has not changed the run yet (it takes
     * the lease before it records the stall), so the history still shows this attempt as the step's
     * latest start: its failure is dropped all the same, not recorded as the step's last.
     */
    @Test
    void theFailureOfAnAttemptWhoseLeaseWasTakenOverIsIgnoredBeforeTheTakeoverShowsInTheHistory() {
        try (EngineHarness hung = new EngineHarness(new Charge())) {
            String runId = hung.engine.start("stale-last-failure", null);
            await().until(() -> hung.engine.run(runId).orElseThrow().steps().get("charge") == StepStatus.RUNNING);
            hung.clock.advance(Duration.ofSeconds(61));
            Instant now = hung.clock.instant();
            assertThat(hung.scheduling.acquireLease(StepLease.renewed(runId, "charge", "instance-b@sweep", now,
                    now.plusSeconds(60)), now)).as("the other instance's takeover").isTrue();

            firstGoesOn.countDown();
            await().during(Duration.ofMillis(300)).until(() ->
                    hung.engine.run(runId).orElseThrow().status() == RunStatus.RUNNING);
            assertThat(hung.types(runId)).doesNotContain("step.failed", "flow.failed", "step.retry");
            assertThat(hung.engine.run(runId).orElseThrow().steps()).containsEntry("charge", StepStatus.RUNNING);
        }
    }

    /** Goes on past its timeout of 200 ms, ignoring the interrupt, then writes; its retry comes after an hour. */
    @FlowStep(flow = "overdue", name = "sync", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 3_600_000,
            timeoutMs = 200)
    static class Sync implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            executions.incrementAndGet();
            OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
            writeStateAndLog(ctx, "syncedBy");
            return "late";
        }
    }

    /**
     * The queue failed the attempt for its timeout (its retry may run beside it, on this instance under
     * the same lease), so the lease does not tell: the attempt's writes after that are refused all the same.
     */
    @Test
    void anAttemptTheQueueFailedForItsTimeoutHasItsLaterWritesRefused() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            assertTheWritesAfterTheTimeoutAreRefusedForIt(h);
        }
    }

    /**
     * The attempt's start is not stored yet when the queue fails it for its timeout (the start-write delay is
     * longer): its first write then tries to store the start, which is refused as the attempt is past its
     * timeout. The timeout, which came first, stays the reason its writes are refused.
     */
    @Test
    void anAttemptPastItsTimeoutWhoseDeferredStartIsThenRefusedHasItsWritesRefusedForItsTimeout() {
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ofSeconds(30), new Sync())) {
            assertTheWritesAfterTheTimeoutAreRefusedForIt(h);
        }
    }

    /** Runs {@link Sync} until the queue failed its attempt for its timeout, then has it write. */
    private static void assertTheWritesAfterTheTimeoutAreRefusedForIt(EngineHarness h) {
        String runId = h.engine.start("overdue", null);
        await().until(() -> h.engine.run(runId).orElseThrow().steps().get("sync") == StepStatus.RETRYING);

        firstGoesOn.countDown();
        await().until(() -> refusedLog.get() != null);
        assertThat(refusedWrite.get()).isInstanceOf(StaleExecutionException.class)
                .hasMessageContaining("NVENT-0260").hasMessageContaining("timeout of 200 ms");
        assertThat(refusedLog.get()).isInstanceOf(StaleExecutionException.class)
                .hasMessageContaining("timeout of 200 ms");
        assertThat(h.store.getState(runId, "syncedBy", h.clock.instant())).isEmpty();
        assertThat(h.types(runId)).doesNotContain("log", "step.completed");
    }

    /** Waits for the test before it logs and writes state; runs until then before its start is stored. */
    @FlowStep(flow = "overtaken", name = "scan", role = StepRole.ENTRY)
    static class Scan implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            executions.incrementAndGet();
            assertThat(firstGoesOn.await(10, TimeUnit.SECONDS)).isTrue();
            writeStateAndLog(ctx, "scannedBy");
            return "scanned";
        }
    }

    /**
     * A step runs before its start is stored (the start-write delay); when its start is then refused
     * (here: another instance started the step meanwhile), the attempt holds no lease and never will,
     * and its writes are refused as a stale execution's.
     */
    @Test
    void anAttemptWhoseDeferredStartWasRefusedHasItsWritesRefused() {
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ofSeconds(30), new Scan())) {
            String runId = h.engine.start("overtaken", null);
            await().until(() -> executions.get() == 1);
            Instant now = h.clock.instant();
            assertThat(h.scheduling.startStep(h.store, StepLease.renewed(runId, "scan", "instance-b", now,
                    now.plusSeconds(60)), now, run -> Optional.of(new RunChange(run.withStep("scan", StepStatus.RUNNING),
                    List.of())))).as("another instance's start of the step").isPresent();

            firstGoesOn.countDown();
            await().until(() -> refusedLog.get() != null);
            assertThat(refusedWrite.get()).isInstanceOf(StaleExecutionException.class)
                    .hasMessageContaining("NVENT-0260").hasMessageContaining("deferred start was refused");
            assertThat(refusedLog.get()).isInstanceOf(StaleExecutionException.class);
            assertThat(h.store.getState(runId, "scannedBy", now)).isEmpty();
            assertThat(h.types(runId)).doesNotContain("log", "step.completed");
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("scan", StepStatus.RUNNING);
        }
    }

    /** Fails every attempt; the queue's retry comes only after an hour. */
    @FlowStep(flow = "flaky", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 3_600_000)
    static class Call implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            executions.incrementAndGet();
            throw new IllegalStateException("the partner is down");
        }
    }

    @Test
    void aJobDeliveredAgainForAFailureAlreadyRecordedQueuesTheRetryUnderARecoveryJobInsteadOfRunningTheStep()
            throws Exception {
        StallDetectionTest.RedeliveringQueue queue = new StallDetectionTest.RedeliveringQueue();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new Call())) {
            String runId = h.engine.start("flaky", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("call") == StepStatus.RETRYING);

            // The instance stopped after recording the failure, before the queue stored the retry.
            queue.redeliver("flaky", runId, "flaky", "call");

            assertThat(executions).as("attempt 1 is not run again").hasValue(1);
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).hasSize(1);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).hasSize(1);
            String recoveryJobId = StepJob.recoveryJobId(runId, "call", h.store.findRun(runId).orElseThrow().version());
            Optional<JobRecord> retry = queue.job("flaky", recoveryJobId);
            assertThat(retry).as("the retry, queued under a job id of its own").isPresent();
            assertThat(StepJob.parse(retry.get().payload()).attemptsBefore()).as("it runs as attempt 2").isEqualTo(1);
        }
    }
}

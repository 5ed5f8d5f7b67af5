package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepProgress;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * A step reports how far it has come; the run's view shows it while the attempt runs, on every instance
 * over the store, the store is written at most once a second per step however often the step reports,
 * and the attempt's end takes it away, its {@code step.completed} entry keeping the last value. The writes
 * follow the harness's clock: the test moves it and counts them.
 */
class StepProgressTest {

    static final int ROWS = 10_000;
    static volatile CountDownLatch finish = new CountDownLatch(1);
    /** Counted down once {@link Load} has made its reports and waits to finish. */
    static volatile CountDownLatch reported = new CountDownLatch(1);
    /** Counted down once {@link Poll} has made its first report. */
    static volatile CountDownLatch polling = new CountDownLatch(1);
    static final AtomicReference<Throwable> refused = new AtomicReference<>();

    /** Imports its rows, reporting each one, then waits until the test lets it finish. */
    @FlowStep(flow = "import", name = "load", role = StepRole.ENTRY)
    static class Load implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            for (int row = 1; row <= ROWS; row++) {
                ctx.reportProgress(row, ROWS, "row " + row);
            }
            if (!"quick".equals(input)) {
                reported.countDown();
                finish.await();
            }
            ctx.reportProgress(ROWS, ROWS);
            return "loaded";
        }
    }

    /** Reports again and again until the test lets it finish: a step that goes on making progress. */
    @FlowStep(flow = "poll", name = "poll", role = StepRole.ENTRY)
    static class Poll implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            long done = 0;
            while (finish.getCount() > 0) {
                ctx.reportProgress(++done % 100, 100);
                polling.countDown();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            return "polled";
        }
    }

    /** Makes reports the API refuses, and keeps what it was told. */
    @FlowStep(flow = "wrong", name = "wrong", role = StepRole.ENTRY)
    static class Wrong implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            try {
                switch (input) {
                    case "negative" -> ctx.reportProgress(-1, 10);
                    case "beyond" -> ctx.reportProgress(11, 10);
                    case "no-total" -> ctx.reportProgress(0, 0);
                    case "control" -> ctx.reportProgress(1, 10, "row 1\u0000");
                    default -> ctx.reportProgress(1, 10, "x".repeat(StepProgress.MAX_MESSAGE_LENGTH + 1));
                }
            } catch (RuntimeException e) {
                refused.set(e);
            }
            return "done";
        }
    }

    /** Counted down once {@link Overdue}'s retry runs, holding the step's lease. */
    static volatile CountDownLatch retryRunning = new CountDownLatch(1);

    /**
     * Its first attempt reports, then outlives its timeout ignoring the interrupt until the test lets it go; its
     * retry reports nothing and waits for the test too.
     */
    @FlowStep(flow = "overdue", name = "sync", role = StepRole.ENTRY, maxAttempts = 2, timeoutMs = 2_000)
    static class Overdue implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                ctx.reportProgress(1, 10, "attempt 1");
                reported.countDown();
                OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(finish);
                return "late";
            }
            retryRunning.countDown();
            OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(finish);
            return "synced";
        }
    }

    /** Lets {@link Retrying}'s retry finish. */
    static volatile CountDownLatch retryMayFinish = new CountDownLatch(1);

    /**
     * Its first attempt reports, then fails once the test lets it finish; its retry reports nothing and waits for
     * the test (review: attempt 1's progress must not show as the retry's).
     */
    @FlowStep(flow = "retrying", name = "copy", role = StepRole.ENTRY, maxAttempts = 2)
    static class Retrying implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                ctx.reportProgress(4, 10, "attempt 1");
                reported.countDown();
                OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(finish);
                throw new IllegalStateException("the share went away");
            }
            retryRunning.countDown();
            OrchestrationTest.IgnoresInterrupts.awaitUninterruptibly(retryMayFinish);
            return "copied";
        }
    }

    /** A memory store that runs something once, when told to, between its next read of a run's progress and its return. */
    static final class StoreActingAfterAProgressRead extends MemorySchedulingStore {
        volatile Runnable afterTheNextProgressRead;

        @Override
        public Map<String, StepProgress> progressOfRun(String runId) {
            Map<String, StepProgress> read = super.progressOfRun(runId);
            Runnable after = afterTheNextProgressRead;
            if (after != null) {
                afterTheNextProgressRead = null;
                after.run();
            }
            return read;
        }
    }

    /** Each attempt gets a tenth further than the one before, then fails. */
    @FlowStep(flow = "flaky", name = "copy", role = StepRole.ENTRY, maxAttempts = 2)
    static class Flaky implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            ctx.reportProgress(10L * ctx.attempt(), 100, "attempt " + ctx.attempt());
            throw new IllegalStateException("the share went away");
        }
    }

    /** Its first attempt fails; its retry succeeds. */
    @FlowStep(flow = "stumbling", name = "fetch", role = StepRole.ENTRY, maxAttempts = 2)
    static class Stumbling implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("the share went away");
            }
            return "fetched";
        }
    }

    /** Reports, outlives its timeout of 200 ms, then fails. */
    @FlowStep(flow = "overran", name = "scan", role = StepRole.ENTRY, maxAttempts = 1, timeoutMs = 200)
    static class Overran implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            ctx.reportProgress(3, 10, "page 3");
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
            while (System.nanoTime() < until) {
                LockSupport.parkNanos(until - System.nanoTime());
            }
            throw new IllegalStateException("the scanner jammed");
        }
    }

    /**
     * A queue that fails an attempt for its timeout only once the step's code returned, as JMS does: it does not
     * interrupt the attempt when the time is up.
     */
    static final class QueueCheckingTimeoutsAfterwards extends MemoryJobQueue {
        QueueCheckingTimeoutsAfterwards() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void enqueue(JobRequest request) {
            super.enqueue(request.withTimeout(Duration.ofMinutes(5)));
        }
    }

    /**
     * Counts the progress writes that reach the store; can fail them, or hold them until the test lets them go,
     * and fail the giving up of leases.
     */
    static final class CountingStore extends MemorySchedulingStore {
        final AtomicInteger progressWrites = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        /** How many of the next lease releases fail, as with the store away. */
        final AtomicInteger releaseFailures = new AtomicInteger();
        volatile CountDownLatch held = new CountDownLatch(0);
        /** How long a held write goes on once interrupted, as a JDBC call under way does. */
        volatile Duration outlastsInterrupt = Duration.ZERO;
        final AtomicInteger landed = new AtomicInteger();
        /** Holds the start of a step's second attempt, once it began, until the test lets it go. */
        volatile CountDownLatch retryStartHeld = new CountDownLatch(0);
        final CountDownLatch retryStarting = new CountDownLatch(1);

        @Override
        public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
            if (lease.attempt().equals(OptionalInt.of(2))) {
                retryStarting.countDown();
                awaitLatch(retryStartHeld, "the test lets the retry's start go on");
            }
            return super.startStep(runs, lease, now, mutation);
        }

        @Override
        public boolean recordProgress(StepLease lease, StepProgress progress, Instant now) {
            progressWrites.incrementAndGet();
            if (failures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new IllegalStateException("the database is away");
            }
            try {
                held.await();
            } catch (InterruptedException e) {
                long until = System.nanoTime() + outlastsInterrupt.toNanos();
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
                Thread.currentThread().interrupt();
            }
            boolean stored = super.recordProgress(lease, progress, now);
            landed.incrementAndGet();
            return stored;
        }

        /**
         * Once set, the next read of a run's leases is followed, before it returns, by the step's lease taken on the
         * same owner for attempt 2: a retry starting here just after the read.
         */
        volatile boolean retryTakesTheLeaseAfterTheNextRead;

        @Override
        public List<StepLease> leasesOfRun(String runId) {
            List<StepLease> read = super.leasesOfRun(runId);
            if (retryTakesTheLeaseAfterTheNextRead) {
                retryTakesTheLeaseAfterTheNextRead = false;
                StepLease held = read.get(0);
                assertThat(acquireLease(new StepLease(runId, held.step(), held.owner(), held.expiresAt(),
                        held.renewedAt(), OptionalInt.of(2)), held.expiresAt())).isTrue();
            }
            return read;
        }

        @Override
        public void releaseLease(String runId, String step, String owner) {
            failReleaseIfAway();
            super.releaseLease(runId, step, owner);
        }

        @Override
        public boolean releaseLease(StepLease lease) {
            failReleaseIfAway();
            return super.releaseLease(lease);
        }

        private void failReleaseIfAway() {
            if (releaseFailures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new IllegalStateException("the database is away");
            }
        }
    }

    /**
     * A scheduling store of one's own that keeps progress, as the SPI lets it (it keeps the attempt a lease is taken
     * for), and leaves every other method with a default body to it: its finish of a step is the default, which
     * writes the run's change and gives the lease, and with it the progress, up after. Once told to, it holds the
     * next lease given up between the two until the test lets it go.
     */
    static class ProgressKeepingStoreOfOnesOwn extends StoreOfOnesOwn {
        final CountDownLatch finishWritten = new CountDownLatch(1);
        final CountDownLatch readersDone = new CountDownLatch(1);
        volatile boolean holdsTheNextRelease;

        @Override
        public boolean acquireLease(StepLease lease, Instant now) {
            return kept.acquireLease(lease, now);
        }

        @Override
        public boolean recordProgress(StepLease lease, StepProgress progress, Instant now) {
            return kept.recordProgress(lease, progress, now);
        }

        @Override
        public Map<String, StepProgress> progressOfRun(String runId) {
            return kept.progressOfRun(runId);
        }

        @Override
        public void releaseLease(String runId, String step, String owner) {
            if (holdsTheNextRelease) {
                holdsTheNextRelease = false;
                finishWritten.countDown();
                awaitLatch(readersDone, "the test read the run between its finish and the lease given up");
            }
            super.releaseLease(runId, step, owner);
        }
    }

    /**
     * Review: a progress-keeping store of one's own whose read of a run's leases by the given thread lets the step
     * finish as far as the run's change, holding its lease given up, before it returns: as a finish landing between
     * the run's read and the progress's read of {@link FlowService#waits}.
     */
    static final class FinishingAfterALeaseRead extends ProgressKeepingStoreOfOnesOwn {
        volatile Thread reader;

        @Override
        public List<StepLease> leasesOfRun(String runId) {
            List<StepLease> read = super.leasesOfRun(runId);
            if (Thread.currentThread() == reader) {
                reader = null;
                holdsTheNextRelease = true;
                finish.countDown();
                awaitLatch(finishWritten, "the step's finish is written, its lease not yet given up");
            }
            return read;
        }
    }

    @BeforeEach
    void reset() {
        finish = new CountDownLatch(1);
        reported = new CountDownLatch(1);
        polling = new CountDownLatch(1);
        retryRunning = new CountDownLatch(1);
        retryMayFinish = new CountDownLatch(1);
        refused.set(null);
    }

    private static Optional<StepWait> running(EngineHarness harness, String runId, String step) {
        return harness.engine.waits(runId).stream()
                .filter(w -> w.step().equals(step) && w.reason() == StepWait.Reason.RUNNING).findFirst();
    }

    @Test
    void aRunningStepsProgressShowsInItsRunsWaitsOnEveryInstanceAndItsCompletionKeepsTheLastValue() {
        try (EngineHarness harness = new EngineHarness(new Load());
             EngineHarness other = EngineHarness.beside(harness, "instance-b", settings -> settings)) {
            String runId = harness.engine.start("import", "slow");
            awaitReports();
            assertThat(harness.engine.progress(runId)).as("not written before a second has passed").isEmpty();

            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(running(harness, runId, "load"))
                    .get().satisfies(wait -> {
                        assertThat(wait.progress()).get().satisfies(progress -> {
                            assertThat(progress.done()).isEqualTo(ROWS);
                            assertThat(progress.total()).isEqualTo(ROWS);
                            assertThat(progress.percent()).isEqualTo(100);
                            assertThat(progress.message()).contains("row " + ROWS);
                            assertThat(progress.reportedAt()).isEqualTo(EngineHarness.START);
                        });
                        assertThat(wait.detail()).contains("reported 10000 of 10000 done (100 %)", ": row 10000");
                    }));
            assertThat(other.engine.progress(runId)).as("another instance over the store sees it")
                    .containsOnlyKeys("load");

            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(harness.engine.progress(runId)).as("it went with the attempt's lease").isEmpty();
            assertThat(harness.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(entry -> assertThat(entry.data())
                            .isEqualTo("{\"result\":\"loaded\",\"progress\":{\"done\":10000,\"total\":10000}}"));
        }
    }

    @Test
    void noViewShowsAFinishedStepsProgressThatAStoreFinishingByTheSpisDefaultKeepsUntilItGivesTheLeaseUp() {
        ProgressKeepingStoreOfOnesOwn scheduling = new ProgressKeepingStoreOfOnesOwn();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Load()).schedulingStore(scheduling)
                .build()) {
            FlowService flows = engine.flows();
            String runId = flows.start("import", "slow");
            awaitReports();
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.progress(runId).containsKey("load"));

            scheduling.holdsTheNextRelease = true;
            finish.countDown();
            try {
                awaitLatch(scheduling.finishWritten, "the step's finish is written, its lease not yet given up");

                assertThat(flows.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
                assertThat(scheduling.progressOfRun(runId)).as("the store keeps it still").containsKey("load");
                assertThat(flows.progress(runId)).as("shown beside the step's end").isEmpty();
            } finally {
                scheduling.readersDone.countDown();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> scheduling.progressOfRun(runId).isEmpty());
        }
    }

    /**
     * Review: FlowService.progress reads the progress, then the run. A failed attempt's progress read just before the
     * attempt ends, its retry starting before the run is read, shows as the retry's: the run shows the step running
     * again, and a retry starts without progress.
     */
    @Test
    void aFailedAttemptsProgressReadJustBeforeItsRetryStartsDoesNotShowAsTheRetrys() {
        StoreActingAfterAProgressRead scheduling = new StoreActingAfterAProgressRead();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new Retrying())) {
            String runId = harness.engine.start("retrying", "");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(runId).containsKey("copy"));
            scheduling.afterTheNextProgressRead = () -> {
                finish.countDown();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !harness.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
                harness.clock.advance(Duration.ofSeconds(1));
                awaitLatch(retryRunning, "the retry runs");
            };

            Map<String, StepProgress> shown = harness.engine.progress(runId);

            assertThat(harness.engine.run(runId).orElseThrow().steps()).containsEntry("copy",
                    io.nvent.StepStatus.RUNNING);
            assertThat(scheduling.progressOfRun(runId)).as("the retry reported nothing").isEmpty();
            assertThat(shown).as("attempt 1's progress, shown as the running retry's").isEmpty();
            retryMayFinish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * Review: FlowService.waits (and with it GET /api/nvent/runs/{id}) reads the run, then the progress, so a finish
     * between the two shows the finished step's progress that the store still keeps, against README's "only while
     * its run, read after the progress, shows the step running".
     */
    @Test
    void aRunsWaitsShowNoProgressOfAStepWhoseFinishWasWrittenBeforeTheProgressWasRead() {
        FinishingAfterALeaseRead scheduling = new FinishingAfterALeaseRead();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Load()).schedulingStore(scheduling)
                .build()) {
            FlowService flows = engine.flows();
            String runId = flows.start("import", "slow");
            awaitReports();
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.progress(runId).containsKey("load"));
            scheduling.reader = Thread.currentThread();
            try {
                List<StepWait> waits = flows.waits(runId);

                assertThat(flows.run(runId).orElseThrow().status()).as("ended before the progress was read")
                        .isEqualTo(RunStatus.COMPLETED);
                assertThat(waits).as("the finished step's progress, read after its finish")
                        .allSatisfy(wait -> assertThat(wait.progress()).isEmpty());
            } finally {
                scheduling.readersDone.countDown();
            }
        }
    }

    /**
     * FlowService.progress reads the run only while a step reported progress: once, between two reads of the
     * progress. (Review: its Javadoc said "one read, cheap enough to poll"; the run read between the two reads of the
     * progress is what keeps a finished step's and a failed attempt's progress from showing, and the SPI has no
     * lighter read of a step's status, so the Javadoc now says the cost.)
     */
    @Test
    void progressOfARunReadsTheRunOnceWhileAStepReportedSomeAndOtherwiseNot() {
        AtomicInteger runReads = new AtomicInteger();
        Thread test = Thread.currentThread();
        MemoryFlowStore runs = new MemoryFlowStore() {
            @Override
            public Optional<io.nvent.spi.RunRecord> findRun(String runId) {
                if (Thread.currentThread() == test) {
                    runReads.incrementAndGet();
                }
                return super.findRun(runId);
            }
        };
        AtomicInteger progressReads = new AtomicInteger();
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public Map<String, StepProgress> progressOfRun(String runId) {
                if (Thread.currentThread() == test) {
                    progressReads.incrementAndGet();
                }
                return super.progressOfRun(runId);
            }
        };
        try (EngineHarness harness = new EngineHarness(runs, scheduling, "instance-a", new Load())) {
            String runId = harness.engine.start("import", "slow");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(runId).containsKey("load"));
            runReads.set(0);
            progressReads.set(0);

            assertThat(harness.engine.progress(runId)).containsKey("load");

            assertThat(runReads).as("reads of the run").hasValue(1);
            assertThat(progressReads).as("reads of its progress, before and after the run's").hasValue(2);
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
            runReads.set(0);
            progressReads.set(0);

            assertThat(harness.engine.progress(runId)).isEmpty();

            assertThat(runReads).as("reads of the run where no step keeps progress").hasValue(0);
            assertThat(progressReads).hasValue(1);
        }
    }

    @Test
    void tenThousandReportsOfAStepCostOneStoreWriteAndAShortStepNone() {
        CountingStore scheduling = new CountingStore();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Load())) {
            String quick = harness.engine.start("import", "quick");
            harness.awaitStatus(quick, RunStatus.COMPLETED);
            assertThat(scheduling.progressWrites).as("a step done within a second writes no progress").hasValue(0);
            assertThat(harness.eventsOf(quick, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("\"progress\":{\"done\":10000"));

            String slow = harness.engine.start("import", "slow");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(slow).containsKey("load"));
            assertThat(harness.engine.progress(slow).get("load").done()).as("the last report, written after the"
                    + " reports stopped").isEqualTo(ROWS);
            harness.clock.advance(Duration.ofSeconds(5));
            assertThat(scheduling.progressWrites).as("writes for " + ROWS + " reports, none once they stopped")
                    .hasValue(1);
            finish.countDown();
            harness.awaitStatus(slow, RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepReportingAgainAndAgainWritesAboutOnceASecondAndEachWriteRenewsItsLease() {
        CountingStore scheduling = new CountingStore();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Poll())) {
            String runId = harness.engine.start("poll", "");
            awaitPolling();
            for (int second = 1; second <= 5; second++) {
                harness.clock.advance(ProgressReports.INTERVAL);
                int writes = second;
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.progressWrites)
                        .as("a write a second of the clock, of reports every 2 ms").hasValue(writes));
            }
            Instant leaseEnd = lease(harness, runId).expiresAt();

            harness.clock.advance(Duration.ofSeconds(40));
            Instant now = harness.clock.instant();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lease(harness, runId).expiresAt())
                    .as("renewed by a progress write, a lease from the clock's time on")
                    .isEqualTo(now.plus(Duration.ofMinutes(1)))
                    .isAfter(leaseEnd));
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(harness.engine.progress(runId)).isEmpty();
        }
    }

    @Test
    void aReportOutsideItsBoundsIsRefusedWhereTheStepMakesIt() {
        try (EngineHarness harness = new EngineHarness(new Wrong())) {
            for (String input : List.of("negative", "beyond", "no-total", "control", "long-message")) {
                harness.awaitStatus(harness.engine.start("wrong", input), RunStatus.COMPLETED);
                assertThat(refused.get()).as(input).isInstanceOf(IllegalArgumentException.class);
                refused.set(null);
            }
        }
        assertThatThrownBy(() -> new StepProgress(3, 2, Optional.empty(), Instant.EPOCH))
                .hasMessage("progress done must be from 0 to the total 2, was 3");
        assertThatThrownBy(() -> new StepProgress(0, 0, Optional.empty(), Instant.EPOCH))
                .hasMessage("progress total must be at least 1, was 0");
        assertThatThrownBy(() -> new StepProgress(1, 2, Optional.of("row 1\u0000"), Instant.EPOCH))
                .as("PostgreSQL refuses NUL in text: every write of it would fail")
                .hasMessage("progress message must not contain control characters, has U+0000 at offset 5");
        assertThatThrownBy(() -> new StepProgress(1, 2, Optional.of("a\nb"), Instant.EPOCH))
                .hasMessageEndingWith("has U+000A at offset 1");
        assertThat(new StepProgress(9_999, 10_000, Optional.empty(), Instant.EPOCH).percent()).isEqualTo(99);
        assertThat(new StepProgress(Long.MAX_VALUE - 1, Long.MAX_VALUE, Optional.empty(), Instant.EPOCH).percent())
                .as("not 100 before the end, however large the numbers").isEqualTo(99);
    }

    @Test
    void aSlowProgressWriteHoldsUpNoTimerOfTheEngine() throws Exception {
        CountingStore scheduling = new CountingStore();
        scheduling.held = new CountDownLatch(1);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Load(),
                new Poll())) {
            String slow = harness.engine.start("import", "slow");
            awaitReports();
            String polling = harness.engine.start("poll", "");
            awaitPolling();

            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> harness.clock.advance(ProgressReports.INTERVAL),
                    "the timers only hand the writes over, however long one takes (a row lock, a pool)");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.progressWrites)
                    .as("one write under way, the other waits its turn").hasValue(1));
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> harness.clock.advance(ProgressReports.INTERVAL));

            scheduling.held.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(slow).containsKey("load")
                    && harness.engine.progress(polling).containsKey("poll"));
            finish.countDown();
            harness.awaitStatus(slow, RunStatus.COMPLETED);
            harness.awaitStatus(polling, RunStatus.COMPLETED);
        }
    }

    @Test
    void stoppingAwaitsTheProgressWriteUnderWaySoThatNoneLandsAfterTheEngineStopped() {
        CountingStore scheduling = new CountingStore();
        scheduling.held = new CountDownLatch(1);
        scheduling.outlastsInterrupt = Duration.ofMillis(300);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Load())) {
            String runId = harness.engine.start("import", "slow");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.progressWrites)
                    .hasValue(1));

            assertThat(harness.progressWrites.stop(Duration.ofSeconds(5))).as("the write under way ended").isTrue();

            assertThat(scheduling.landed).as("it landed before stop returned, not after").hasValue(1);
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void aFailedWriteOfTheLastReportIsTriedOnceMore() {
        CountingStore scheduling = new CountingStore();
        scheduling.failures.set(1);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Load())) {
            String runId = harness.engine.start("import", "slow");
            awaitReports();

            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.progressWrites)
                    .hasValue(1));
            assertThat(harness.engine.progress(runId)).as("the write failed").isEmpty();

            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(runId).containsKey("load"));
            assertThat(harness.engine.progress(runId).get("load").done()).isEqualTo(ROWS);
            harness.clock.advance(Duration.ofSeconds(5));
            assertThat(scheduling.progressWrites).as("once stored, not again").hasValue(2);
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * A write of the timed-out attempt checked before its timeout (a second after it began) and held up (a row
     * lock, a pool) until its retry runs on this same instance under the step's lease: the store refuses it, as
     * the lease is the retry's attempt's now, not the timed-out one's.
     */
    @Test
    void aTimedOutAttemptsWriteLandingAfterItsRetryTookTheLeaseOnThisInstanceDoesNotShowAsTheRetrysProgress() {
        CountingStore scheduling = new CountingStore();
        scheduling.held = new CountDownLatch(1);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new Overdue())) {
            String runId = harness.engine.start("overdue", "");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.progressWrites)
                    .as("the write passed the engine's checks and waits in the store").hasValue(1));

            awaitRetryHoldingTheLease(harness, runId);
            scheduling.held.countDown();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.landed).hasValue(1));

            assertThat(harness.engine.progress(runId)).as("the retry reported nothing").isEmpty();
            assertThat(running(harness, runId, "sync")).get().satisfies(wait -> assertThat(wait.progress()).isEmpty());
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * The timed-out attempt's lease could not be given up (the store away for a moment), so it still holds it
     * when its retry takes the step's lease on this same instance: the retry starts without its progress, and the
     * release left over for the next renewal round leaves the retry's lease alone.
     */
    @Test
    void aRetryTakingTheLeaseWhereItsTimedOutAttemptStillHoldsItStartsWithoutThatAttemptsProgressAndKeepsTheLease() {
        CountingStore scheduling = new CountingStore();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new Overdue())) {
            String runId = harness.engine.start("overdue", "");
            awaitReports();
            harness.clock.advance(ProgressReports.INTERVAL);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.engine.progress(runId).containsKey("sync"));
            scheduling.releaseFailures.set(1);

            awaitRetryHoldingTheLease(harness, runId);

            assertThat(harness.eventsOf(runId, EventType.STEP_RETRY)).as("the failure of the attempt the queue"
                    + " failed for its timeout while it ran").singleElement().satisfies(entry -> assertThat(
                    entry.data()).contains("\"progress\":{\"done\":1,\"total\":10,\"message\":\"attempt 1\"}"));
            assertThat(scheduling.releaseFailures).as("the timed-out attempt's lease was not given up").hasValue(0);
            assertThat(harness.engine.progress(runId)).as("the timed-out attempt's progress went with the lease"
                    + " its retry took").isEmpty();
            harness.engine.lostSteps().renewLeases();
            assertThat(harness.scheduling.leasesOfRun(runId)).as("the release left over of the timed-out attempt"
                    + " does not give its retry's lease up").extracting(StepLease::attempt)
                    .containsExactly(OptionalInt.of(2));
            finish.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * A failed attempt's lease could not be given up (the store away for a moment); its retry runs here before the
     * next renewal round, its start not stored yet: the round gives the failed attempt's lease up all the same,
     * instead of renewing it with this instance's other leases for as long as it runs steps.
     */
    @Test
    void aLeaseLeftOverByAFailedAttemptIsGivenUpWhileItsRetryRunsHereWithoutTheLease() {
        CountingStore scheduling = new CountingStore();
        scheduling.retryStartHeld = new CountDownLatch(1);
        scheduling.releaseFailures.set(1);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new Stumbling())) {
            String runId = harness.engine.start("stumbling", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> !harness.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
            assertThat(harness.scheduling.leasesOfRun(runId)).as("the failed attempt's lease was not given up")
                    .extracting(StepLease::attempt).containsExactly(OptionalInt.of(1));
            harness.clock.advance(Duration.ofSeconds(1));
            awaitLatch(scheduling.retryStarting, "the retry runs here, its start under way");

            harness.engine.lostSteps().renewLeases();

            assertThat(harness.scheduling.leasesOfRun(runId)).as("the failed attempt's lease, given up").isEmpty();
            scheduling.retryStartHeld.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * The renewal round gives up a lease left over by a failed release only while it is that attempt's: read as the
     * failed attempt's, and taken by its retry on this instance just after the read, it stays the retry's (the
     * store decides in the delete, not by the read).
     */
    @Test
    void aLeaseLeftOverByAFailedAttemptThatItsRetryTakesJustAfterTheRoundReadItStaysTheRetrys() {
        CountingStore scheduling = new CountingStore();
        scheduling.retryStartHeld = new CountDownLatch(1);
        scheduling.releaseFailures.set(1);
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a",
                new Stumbling())) {
            String runId = harness.engine.start("stumbling", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> !harness.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
            assertThat(harness.scheduling.leasesOfRun(runId)).as("the failed attempt's lease was not given up")
                    .extracting(StepLease::attempt).containsExactly(OptionalInt.of(1));
            scheduling.retryTakesTheLeaseAfterTheNextRead = true;

            harness.engine.lostSteps().renewLeases();

            assertThat(harness.scheduling.leasesOfRun(runId)).as("the lease the retry took after the round read it")
                    .extracting(StepLease::attempt).containsExactly(OptionalInt.of(2));
            harness.clock.advance(Duration.ofSeconds(1));
            scheduling.retryStartHeld.countDown();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void aFailedAttemptsLastProgressGoesIntoItsRetryEntryAndTheLastAttemptsIntoItsFailedEntry() {
        try (EngineHarness harness = new EngineHarness(new Flaky())) {
            String runId = harness.engine.start("flaky", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> !harness.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
            harness.clock.advance(Duration.ofSeconds(1));
            harness.awaitStatus(runId, RunStatus.FAILED);

            assertThat(harness.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(entry -> assertThat(
                    entry.data()).contains("\"progress\":{\"done\":10,\"total\":100,\"message\":\"attempt 1\"}"));
            assertThat(harness.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(entry -> assertThat(
                    entry.data()).contains("\"progress\":{\"done\":20,\"total\":100,\"message\":\"attempt 2\"}"));
        }
    }

    /** An attempt past its time that the queue has not failed for it yet is still the one to report its progress. */
    @Test
    void anAttemptOutlivingItsTimeoutOnAQueueThatChecksItAfterwardsKeepsItsProgressInItsFailedEntry() {
        try (EngineHarness harness = EngineHarness.onQueue(new QueueCheckingTimeoutsAfterwards(), true,
                new Overran())) {
            String runId = harness.engine.start("overran", "");
            harness.awaitStatus(runId, RunStatus.FAILED);

            assertThat(harness.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(entry -> assertThat(
                    entry.data()).contains("\"progress\":{\"done\":3,\"total\":10,\"message\":\"page 3\"}"));
        }
    }

    /** Waits for the queue to fail attempt 1 for its timeout, lets the retry's backoff pass and its start take the lease. */
    private static void awaitRetryHoldingTheLease(EngineHarness harness, String runId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !harness.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
        harness.clock.advance(Duration.ofSeconds(1));
        awaitLatch(retryRunning, "the retry runs");
        assertThat(harness.scheduling.leasesOfRun(runId)).as("the retry holds the step's lease, on this instance")
                .singleElement().satisfies(lease -> {
                    assertThat(lease.owner()).startsWith("instance-a");
                    assertThat(lease.attempt()).hasValue(2);
                });
    }

    private static void awaitReports() {
        awaitLatch(reported, "the step made its reports");
    }

    private static void awaitPolling() {
        awaitLatch(polling, "the step began to report");
    }

    private static void awaitLatch(CountDownLatch latch, String what) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as(what).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static StepLease lease(EngineHarness harness, String runId) {
        return harness.scheduling.leasesOfRun(runId).stream().filter(l -> l.step().equals("poll")).findFirst()
                .orElseThrow();
    }
}

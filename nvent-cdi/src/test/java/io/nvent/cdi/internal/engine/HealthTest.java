package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.HealthReport;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An engine reports its health from what it observes: its start, its sweeps and the store's answers. */
class HealthTest {

    /** The live event stream's check as an adapter reports it while it works. */
    private static final HealthReport.Check STREAM_WORKS = new HealthReport.Check("stream", true,
            "memory: delivers this instance's events to its own listeners");
    /** The check of the queues no live instance takes, as the instance registry reports it when all are taken. */
    private static final HealthReport.Check QUEUES_TAKEN = new HealthReport.Check("queues", true,
            "every queue with waiting jobs has a live instance taking it");

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    /** A scheduling store whose database can be taken away. */
    static final class SchedulingStoreThatCanFail extends MemorySchedulingStore {
        volatile boolean down;
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public synchronized List<AwaitRecord> dueAwaits(Instant now, int limit) {
            reads.incrementAndGet();
            if (down) {
                throw new IllegalStateException("could not read awaits",
                        new java.sql.SQLException("Connection to 127.0.0.1:5432 refused"));
            }
            return super.dueAwaits(now, limit);
        }
    }

    private static HealthReport.Check check(HealthReport report, String name) {
        return report.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aStartedEngineWhoseSweepsWorkIsLiveAndReady() {
        try (EngineHarness harness = new EngineHarness(new Noop())) {
            harness.sweep();

            HealthReport report = harness.engine.health();

            assertThat(report.live()).isTrue();
            assertThat(report.ready()).isTrue();
            assertThat(report.checks()).extracting(HealthReport.Check::name).containsExactly("engine", "maintenance", "store", "queue", "queues",
                    "stream");
            assertThat(check(report, "store").detail()).isEqualTo("answered the last maintenance sweep");
        }
    }

    /** The memory stream said nothing of itself: its check is UP naming its kind, as the JMS and PostgreSQL ones. */
    @Test
    void theMemoryStreamsCheckIsUpAndNamesItsKind() {
        try (EngineHarness harness = new EngineHarness(new Noop())) {
            HealthReport.Check stream = check(harness.engine.health(), "stream");

            assertThat(stream.up()).isTrue();
            assertThat(stream.detail()).startsWith("memory: delivers this instance's events to its own listeners")
                    .contains("no other instance sees them");
        }
    }

    @Test
    void aStoreThatFailsTheSweepMakesTheInstanceNotReadyUntilItAnswersAgain() {
        SchedulingStoreThatCanFail scheduling = new SchedulingStoreThatCanFail();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Noop())) {
            scheduling.down = true;
            harness.sweep();
            harness.clock.advance(Duration.ofSeconds(1));
            harness.sweep();

            HealthReport outage = harness.engine.health();
            assertThat(outage.ready()).isFalse();
            assertThat(outage.live()).as("a database away is no reason to restart the instance").isTrue();
            assertThat(check(outage, "store").detail())
                    .isEqualTo("due awaits fails since 2026-11-30T10:00:00Z (2 sweeps): "
                            + "SQLException: Connection to 127.0.0.1:5432 refused");

            scheduling.down = false;
            harness.clock.advance(Maintenance.MAX_BACKOFF);
            harness.sweep();
            assertThat(harness.engine.health().ready()).isTrue();
        }
    }

    /** Stands for a store that is away: every part of the sweep fails. */
    static final class StoreAway extends MemorySchedulingStore {
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public synchronized List<AwaitRecord> dueAwaits(Instant now, int limit) {
            calls.incrementAndGet();
            throw new IllegalStateException("database away");
        }

        @Override
        public synchronized List<io.nvent.spi.StepLease> expiredLeases(Instant now, int limit) {
            throw new IllegalStateException("database away");
        }
    }

    @Test
    void whileEveryPartOfTheSweepFailsSweepsBackOffUpToTenSecondsAndLivenessHolds() {
        StoreAway away = new StoreAway();
        try (EngineHarness harness = new EngineHarness(new MemoryFlowStore(), away, "instance-a", new Noop())) {
            harness.sweep();   // the first sweep renews leases etc.; parts that do nothing succeed
            int afterFirst = away.calls.get();

            for (int i = 0; i < 40; i++) {
                harness.clock.advance(Duration.ofMillis(500));
                harness.sweep();
            }

            int reads = away.calls.get() - afterFirst;
            assertThat(reads).as("store reads in 20 s of sweeps every 500 ms while it is away").isBetween(3, 8);
            assertThat(harness.engine.health().live()).isTrue();
        }
    }

    @Test
    void aFailingPartIsReportedOnceWithItsCauseThenEveryFiveMinutesAndWhenItWorksAgain() {
        HealthMonitor monitor = new HealthMonitor();
        Instant start = Instant.parse("2026-12-02T10:00:00Z");
        RuntimeException refused = new IllegalStateException("refused");

        Optional<HealthMonitor.Notice> first = monitor.partFailed("due awaits", refused, start, false);
        assertThat(first).hasValueSatisfying(n -> {
            assertThat(n.level()).isEqualTo(System.Logger.Level.WARNING);
            assertThat(n.message()).startsWith("NVENT-0140 maintenance due awaits failed");
            assertThat(n.cause()).contains(refused);
        });
        for (int sweep = 1; sweep < 600; sweep++) {
            assertThat(monitor.partFailed("due awaits", refused, start.plusMillis(500L * sweep), false)).isEmpty();
        }
        assertThat(monitor.partFailed("due awaits", refused, start.plus(HealthMonitor.REMIND_EVERY), false))
                .hasValueSatisfying(n -> assertThat(n.message())
                        .isEqualTo("NVENT-0143 maintenance due awaits still fails, since 2026-12-02T10:00:00Z "
                                + "(601 sweeps): IllegalStateException: refused")
                        .satisfies(m -> assertThat(n.cause()).isEmpty()));
        assertThat(monitor.partSucceeded("due awaits", start.plusSeconds(310)))
                .hasValueSatisfying(n -> assertThat(n.message())
                        .isEqualTo("NVENT-0142 maintenance due awaits works again after 601 failed sweeps over 310.0 s"));
        assertThat(monitor.partSucceeded("due awaits", start.plusSeconds(311))).isEmpty();
    }

    @Test
    void aFailureIsDescribedByTheDatabasesOwnErrorRatherThanTheLayersAroundIt() {
        java.sql.SQLException refused = new java.sql.SQLException(
                "FATAL: database \"nvent\" is not currently accepting connections", new NullPointerException());
        RuntimeException wrapped = new IllegalStateException("transaction rolled back",
                new RuntimeException("could not open connection", refused));

        assertThat(HealthMonitor.describe(wrapped))
                .isEqualTo("SQLException: FATAL: database \"nvent\" is not currently accepting connections");
        assertThat(HealthMonitor.describe(new IllegalStateException("outer", new NullPointerException())))
                .as("no database error: the innermost cause that says something").isEqualTo("IllegalStateException: outer");
    }

    @Test
    void anEngineWhoseSweepsStoppedIsNoLongerLive() {
        HealthMonitor monitor = new HealthMonitor();
        Instant start = Instant.parse("2026-12-02T10:00:00Z");
        monitor.started();
        monitor.sweepsEvery(Duration.ofMillis(500), start);
        monitor.sweepEnded(start.plusMillis(500));

        assertThat(monitor.report(start.plusSeconds(60), Optional.empty(), QUEUES_TAKEN, STREAM_WORKS).live()).isTrue();
        HealthReport wedged = monitor.report(start.plusSeconds(121), Optional.empty(), QUEUES_TAKEN, STREAM_WORKS);
        assertThat(wedged.live()).isFalse();
        assertThat(wedged.ready()).isFalse();
        assertThat(check(wedged, "maintenance").detail()).startsWith("last sweep ended 120.5 s ago (every 500 ms");
    }

    @Test
    void aQueueThatCannotReachItsBrokerMakesTheInstanceNotReady() {
        HealthMonitor monitor = new HealthMonitor();
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        monitor.started();

        HealthReport report = monitor.report(now, Optional.of("workers of queue order cannot reach the broker"),
                QUEUES_TAKEN, STREAM_WORKS);

        assertThat(report.ready()).isFalse();
        assertThat(report.live()).isTrue();
        assertThat(check(report, "queue").detail()).isEqualTo("workers of queue order cannot reach the broker");
    }

    @Test
    void aLiveEventStreamWithoutSubscriptionIsShownDownWithItsCauseButLeavesTheInstanceReady() {
        HealthMonitor monitor = new HealthMonitor();
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        monitor.started();

        HealthReport lost = monitor.report(now, Optional.empty(), QUEUES_TAKEN, new HealthReport.Check("stream", false,
                "NVENT-0671 the live event stream on topic nvent-events has had no subscription since …"));
        HealthReport back = monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS);

        assertThat(lost.ready()).as("runs, the API and the store work without it").isTrue();
        assertThat(check(lost, "stream").up()).isFalse();
        assertThat(check(lost, "stream").detail()).isEqualTo("NVENT-0671 the live event stream on topic nvent-events "
                + "has had no subscription since … (no reason to be not ready: only live views wait for it)");
        assertThat(check(back, "stream").up()).isTrue();
        assertThat(check(back, "stream").detail()).isEqualTo(STREAM_WORKS.detail());
    }

    /** Artemis's client error for a broker that is away, as the JMS queue's failures carry it. */
    static final class ActiveMQNotConnectedException extends RuntimeException {
        ActiveMQNotConnectedException() {
            super("AMQ219007: Cannot connect to server(s). Tried with all available servers.");
        }
    }

    /**
     * A queue whose broker can be taken away, failing the way the JMS queue does then: an enqueue
     * throws a retryable nvent exception around the broker's error; it knows the jobs it enqueued
     * itself (from its own registry), no others.
     */
    static final class QueueOnABrokerThatCanGoAway extends MemoryJobQueue {
        volatile boolean brokerAway;

        QueueOnABrokerThatCanGoAway() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void enqueue(JobRequest request) {
            if (brokerAway) {
                throw new NventException("NVENT-0610 could not enqueue job " + request.jobId() + " on queue "
                        + request.queue() + ": jakarta.jms.JMSRuntimeException: AMQ219007",
                        new ActiveMQNotConnectedException()) {
                    @Override
                    public boolean isRetryable() {
                        return true;
                    }
                };
            }
            super.enqueue(request);
        }

    }

    @Test
    void aLostJobCheckThatFailsOnTheBrokerIsAProblemOfTheQueueNamingItAndTheBrokersErrorNotOfTheStore() {
        QueueOnABrokerThatCanGoAway queue = new QueueOnABrokerThatCanGoAway();
        try (EngineHarness harness = EngineHarness.over(new MemoryFlowStore(), queue, new Noop())) {
            String queueName = harness.engine.registry().flow("noop").orElseThrow().step("noop").orElseThrow().queue();
            queue.brokerAway = true;
            // The run is stored but its first job could not be sent: the lost-job check sends it again.
            String runId = harness.engine.start("noop", null);
            harness.sweep();
            harness.clock.advance(harness.engine.settings().leaseDuration());
            harness.sweep();

            HealthReport outage = harness.engine.health();
            assertThat(outage.ready()).isFalse();
            assertThat(check(outage, "store").up()).as("the store answered the sweep").isTrue();
            assertThat(check(outage, "queue").up()).isFalse();
            assertThat(check(outage, "queue").detail()).isEqualTo("queue " + queueName + ": lost job check fails since "
                    + "2026-11-30T10:01:00Z (1 sweep): ActiveMQNotConnectedException: AMQ219007: Cannot connect to "
                    + "server(s). Tried with all available servers.");

            queue.brokerAway = false;
            harness.clock.advance(harness.engine.settings().leaseDuration());
            harness.sweep();
            assertThat(harness.engine.health().ready()).isTrue();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /** Its first execution hangs, as on an instance that died mid-step; later ones return at once. */
    @FlowStep(flow = "export", name = "export", role = StepRole.ENTRY)
    static class ExportHangingFirst implements Step<Object, String> {
        static final AtomicInteger executions = new AtomicInteger();
        static final CountDownLatch firstReleased = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (executions.incrementAndGet() == 1) {
                assertThat(firstReleased.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return "exported";
        }
    }

    @Test
    void aStallRecoveryWhoseJobCannotBeSentForTheBrokerIsAProblemOfTheQueueNotOfTheStore() {
        QueueOnABrokerThatCanGoAway queue = new QueueOnABrokerThatCanGoAway();
        try (EngineHarness dead = new EngineHarness(new ExportHangingFirst());
             EngineHarness survivor = EngineHarness.beside(dead, "instance-b", settings -> settings, queue,
                     new ExportHangingFirst())) {
            String runId = dead.engine.start("export", null);
            dead.awaitRunningWithLease(runId, "export");
            queue.brokerAway = true;
            // The dead instance's lease runs out: the step is marked stalled, but its recovery job cannot be sent.
            survivor.clock.advance(survivor.engine.settings().leaseDuration().plusSeconds(1));
            survivor.sweep();

            HealthReport outage = survivor.engine.health();
            assertThat(outage.ready()).isFalse();
            assertThat(check(outage, "store").up()).as("the store answered the sweep").isTrue();
            assertThat(check(outage, "queue").up()).isFalse();
            assertThat(check(outage, "queue").detail()).isEqualTo("queue export: stall detection fails since "
                    + "2026-11-30T10:01:01Z (1 sweep): ActiveMQNotConnectedException: AMQ219007: Cannot connect to "
                    + "server(s). Tried with all available servers.");

            // Back, the broker gets the step's job from the lost-job check, which finds the step queued without one.
            queue.brokerAway = false;
            survivor.clock.advance(survivor.engine.settings().leaseDuration());
            survivor.sweep();
            assertThat(survivor.engine.health().ready()).isTrue();
            survivor.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(survivor.types(runId)).containsSubsequence("step.stalled", "step.retry", "step.started",
                    "step.completed");
        } finally {
            ExportHangingFirst.firstReleased.countDown();
        }
    }

    /** A store whose database can be taken away: a change fails as the JPA store's does then. */
    static final class FlowStoreThatCanFail extends MemoryFlowStore {
        volatile boolean down;

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (down) {
                throw storeAway();
            }
            return super.updateRun(runId, mutation);
        }
    }

    static NventException storeAway() {
        return new NventException("NVENT-0325 the store could not be reached: Connection to 127.0.0.1:5432 refused") {
            @Override
            public boolean isRetryable() {
                return true;
            }
        };
    }

    /** Its first execution finds the store away; later ones return at once. */
    @FlowStep(flow = "archive", name = "archive", role = StepRole.ENTRY, maxAttempts = 1)
    static class ArchiveFindingTheStoreAwayFirst implements Step<Object, String> {
        static final AtomicInteger executions = new AtomicInteger();
        static volatile Runnable onFirstCall = () -> { };

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.incrementAndGet() == 1) {
                onFirstCall.run();
                throw storeAway();
            }
            return "archived";
        }
    }

    @Test
    void aDeadJobWhoseStepCannotBeQueuedAgainForTheBrokerIsAProblemOfTheQueueNotOfTheStore() {
        FlowStoreThatCanFail store = new FlowStoreThatCanFail();
        QueueOnABrokerThatCanGoAway queue = new QueueOnABrokerThatCanGoAway();
        try (EngineHarness harness = EngineHarness.over(store, queue, new ArchiveFindingTheStoreAwayFirst())) {
            // The step's only attempt fails for the store, which is still away when its failure is stored:
            // the queue gave up on the job, the run never heard.
            ArchiveFindingTheStoreAwayFirst.onFirstCall = () -> store.down = true;
            String runId = harness.engine.start("archive", null);
            await().until(() -> queue.counts("archive").failed() == 1);
            store.down = false;
            queue.brokerAway = true;
            harness.sweep();
            harness.clock.advance(harness.engine.settings().leaseDuration());
            harness.sweep();   // NVENT-0127: the step is queued again, but its job cannot be sent

            HealthReport outage = harness.engine.health();
            assertThat(outage.ready()).isFalse();
            assertThat(check(outage, "store").up()).as("the store answered the sweep").isTrue();
            assertThat(check(outage, "queue").detail()).isEqualTo("queue archive: lost job check fails since "
                    + "2026-11-30T10:01:00Z (1 sweep): ActiveMQNotConnectedException: AMQ219007: Cannot connect to "
                    + "server(s). Tried with all available servers.");

            queue.brokerAway = false;
            for (int check = 0; check < 2; check++) {
                harness.clock.advance(harness.engine.settings().leaseDuration());
                harness.sweep();
            }
            assertThat(harness.engine.health().ready()).isTrue();
            harness.awaitStatus(runId, RunStatus.COMPLETED);
        } finally {
            ArchiveFindingTheStoreAwayFirst.onFirstCall = () -> { };
        }
    }

    @Test
    void anEngineNotStartedYetIsNotReadyAndOneSwitchedOffOnPurposeIs() {
        HealthMonitor monitor = new HealthMonitor();
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        assertThat(monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS).ready()).isFalse();
        assertThat(check(monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS), "engine").detail())
                .isEqualTo("not started yet");

        monitor.disabled();
        assertThat(monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS).ready()).isTrue();
        assertThat(check(monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS), "engine").detail())
                .startsWith("switched off by nvent.engine.enabled=false");

        monitor.stopped();
        assertThat(monitor.report(now, Optional.empty(), QUEUES_TAKEN, STREAM_WORKS).ready()).isFalse();
    }
}

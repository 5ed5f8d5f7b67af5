package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step's heartbeats are stored with its lease, at most once per a quarter of its heartbeat timeout (at least a
 * second apart), so that another instance's waits show its last heartbeat and by when it fails without another; a step
 * that beats in a tight loop costs a bounded number of writes, one that never beats none.
 */
class StoredHeartbeatsTest {

    static volatile boolean beating;
    static final AtomicInteger beats = new AtomicInteger();
    /** The clock of the engine running the looping steps: they move it as they go. */
    static volatile VirtualClock clock;

    /** Beats until the test stops it, with a heartbeat timeout of a minute (a stored beat at most every 15 s). */
    @FlowStep(flow = "import", name = "import", role = StepRole.ENTRY, timeoutMs = 600_000,
            heartbeatTimeoutMs = 60_000)
    static class Import implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            while (beating) {
                ctx.heartbeat();
                beats.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return "imported";
        }
    }

    /** Beats 10,000 times, the engine's clock moving a second every 100 beats: 100 s in all. */
    @FlowStep(flow = "loop", name = "loop", role = StepRole.ENTRY, timeoutMs = 600_000, heartbeatTimeoutMs = 60_000)
    static class Loop implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            beatTenThousandTimes(ctx);
            return "done";
        }
    }

    /** The same without a heartbeat timeout: its beats are stored at most once a second. */
    @FlowStep(flow = "loop-untimed", name = "loop", role = StepRole.ENTRY, timeoutMs = 600_000)
    static class LoopUntimed implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            beatTenThousandTimes(ctx);
            return "done";
        }
    }

    /** Never beats. */
    @FlowStep(flow = "quiet", name = "quiet", role = StepRole.ENTRY)
    static class Quiet implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            clock.advance(Duration.ofSeconds(100));
            return "done";
        }
    }

    private static void beatTenThousandTimes(StepContext ctx) {
        for (int i = 1; i <= 10_000; i++) {
            ctx.heartbeat();
            if (i % 100 == 0) {
                clock.advance(Duration.ofSeconds(1));
                // Gives the writer's thread a moment, as real work between beats would.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }
    }

    /** Counts the heartbeats the engine stores. */
    static class CountsHeartbeats extends MemorySchedulingStore {
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public boolean recordHeartbeat(StepLease lease, Instant now) {
            writes.incrementAndGet();
            return super.recordHeartbeat(lease, now);
        }
    }

    /** A store written for nvent 0.1, keeping no heartbeats: counts the heartbeat calls the engine makes all the same. */
    static final class KeepsNoHeartbeats extends MemorySchedulingStore {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public boolean keepsHeartbeats() {
            return false;
        }

        @Override
        public boolean recordHeartbeat(StepLease lease, Instant now) {
            writes.incrementAndGet();
            return false;
        }

        @Override
        public java.util.Map<String, Instant> heartbeatsOfRun(String runId) {
            reads.incrementAndGet();
            return java.util.Map.of();
        }
    }

    /** Fails the first heartbeat write, as a store that lost its connection for a moment would. */
    static final class FailsTheFirstHeartbeatWrite extends MemorySchedulingStore {
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public boolean recordHeartbeat(StepLease lease, Instant now) {
            if (writes.incrementAndGet() == 1) {
                throw new IllegalStateException("connection reset");
            }
            return super.recordHeartbeat(lease, now);
        }
    }

    /** A store down for good: every heartbeat write fails, and is counted. */
    static final class FailsEveryHeartbeatWrite extends CountsHeartbeats {
        @Override
        public boolean recordHeartbeat(StepLease lease, Instant now) {
            writes.incrementAndGet();
            throw new IllegalStateException("connection refused");
        }
    }

    @BeforeEach
    void reset() {
        beating = true;
        beats.set(0);
    }

    @Test
    void anotherInstancesWaitsShowTheLastStoredHeartbeatOfAStepAndByWhenItFailsWithoutAnother() {
        try (EngineHarness a = new EngineHarness(new MemoryFlowStore(), new MemorySchedulingStore(), "instance-a",
                new Import());
             EngineHarness b = EngineHarness.beside(a, "instance-b", settings -> settings, new Import())) {
            String runId = a.engine.start("import", "beat");
            awaitABeat();
            a.clock.advance(Duration.ofSeconds(20));
            awaitABeat();
            a.clock.advance(Duration.ofSeconds(20));
            awaitABeat();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.engine.waits(runId))
                    .filteredOn(wait -> wait.reason() == StepWait.Reason.RUNNING).singleElement()
                    .satisfies(running -> {
                        assertThat(running.lastHeartbeatAt()).as("a heartbeat A stored, not its start")
                                .hasValueSatisfying(last -> assertThat(last).isAfter(EngineHarness.START));
                        Instant last = running.lastHeartbeatAt().orElseThrow();
                        assertThat(running.detail()).contains("; last heartbeat at " + last,
                                "; fails without one by " + last.plus(Duration.ofMinutes(1))
                                        + " (its heartbeat timeout of 60000 ms)");
                    }));

            beating = false;
            a.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void theFirstHeartbeatOfAnAttemptIsStoredAtOnceNotAQuarterOfItsHeartbeatTimeoutAfterItsStart() {
        CountsHeartbeats scheduling = new CountsHeartbeats();
        try (EngineHarness a = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Import());
             EngineHarness b = EngineHarness.beside(a, "instance-b", settings -> settings, new Import())) {
            String runId = a.engine.start("import", "beat");
            awaitABeat();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.engine.waits(runId))
                    .filteredOn(wait -> wait.reason() == StepWait.Reason.RUNNING).singleElement()
                    .satisfies(running -> assertThat(running.lastHeartbeatAt()).as("stored with the clock unmoved")
                            .isPresent()));
            assertThat(scheduling.writes).as("one write: the next waits a quarter of the timeout").hasValue(1);

            beating = false;
            a.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void aHeartbeatWhoseWriteFailedIsStoredAgainByTheNextHeartbeatASecondLaterNotAQuarterOfTheTimeoutLater() {
        FailsTheFirstHeartbeatWrite scheduling = new FailsTheFirstHeartbeatWrite();
        try (LogRecorder log = LogRecorder.recordingInfoOf(ProgressReports.class);
             EngineHarness a = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Import())) {
            String runId = a.engine.start("import", "beat");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.writes).hasValue(1));

            a.clock.advance(Duration.ofSeconds(2));
            awaitABeat();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.writes).hasValue(2));
            assertThat(log.messagesContaining("NVENT-0449")).singleElement().asString()
                    .contains("of step 'import' of run " + runId + " (attempt 1) was not stored:"
                            + " java.lang.IllegalStateException: connection reset; its next heartbeat() stores one"
                            + " again");

            beating = false;
            a.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void failedHeartbeatWritesOfManyStepsAreWarnedOfOnceAMinutePerInstanceNotOncePerStep() {
        FailsEveryHeartbeatWrite scheduling = new FailsEveryHeartbeatWrite();
        try (LogRecorder log = LogRecorder.recordingInfoOf(ProgressReports.class);
             EngineHarness a = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Import())) {
            String first = a.engine.start("import", "beat");
            String second = a.engine.start("import", "beat");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scheduling.writes).hasValue(2));
            assertThat(log.messagesContaining("NVENT-0449")).as("two steps' writes failed").hasSize(1);

            a.clock.advance(Duration.ofSeconds(30));   // in two, the steps beating in between: a minute is their timeout
            awaitABeat();
            a.clock.advance(Duration.ofSeconds(31));
            awaitABeat();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.messagesContaining("NVENT-0449"))
                    .as("a minute later").hasSize(2));
            assertThat(log.messagesContaining("NVENT-0449").get(1)).contains("more failed heartbeat writes");

            beating = false;
            a.awaitStatus(first, RunStatus.COMPLETED);
            a.awaitStatus(second, RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepBeatingTenThousandTimesOver100SecondsStoresAtMostOneHeartbeatPer15Seconds() {
        assertThat(heartbeatWritesOf("loop", new Loop())).isBetween(1, 100 / 15 + 1);
    }

    @Test
    void aStoreThatStaysDownIsAskedAgainOnceAfterAFailedHeartbeatWriteThenOncePer15SecondsNotEverySecond() {
        FailsEveryHeartbeatWrite scheduling = new FailsEveryHeartbeatWrite();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Loop())) {
            clock = h.clock;
            String runId = h.engine.start("loop", "go");
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
        assertThat(scheduling.writes).as("10,000 beats over 100 s, the store down throughout")
                .hasValueBetween(2, 2 * (100 / 15 + 1));
    }

    @Test
    void aStepWithoutAHeartbeatTimeoutStoresItsHeartbeatsAtMostOnceASecond() {
        assertThat(heartbeatWritesOf("loop-untimed", new LoopUntimed())).isBetween(1, 100 + 1);
    }

    @Test
    void aStoreThatKeepsNoHeartbeatsIsNeitherWrittenToByABeatingStepNorReadForItsWaits() {
        KeepsNoHeartbeats scheduling = new KeepsNoHeartbeats();
        try (EngineHarness a = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Loop(),
                new Import());
             EngineHarness b = EngineHarness.beside(a, "instance-b", settings -> settings, new Import())) {
            clock = a.clock;
            String looped = a.engine.start("loop", "go");
            a.awaitStatus(looped, RunStatus.COMPLETED);
            String running = a.engine.start("import", "beat");
            awaitABeat();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.engine.waits(running))
                    .filteredOn(wait -> wait.reason() == StepWait.Reason.RUNNING).singleElement()
                    .satisfies(wait -> assertThat(wait.lastHeartbeatAt()).as("not stored: not shown here").isEmpty()));
            assertThat(scheduling.writes).as("no recordHeartbeat call for 10,000 beats over 100 s").hasValue(0);
            assertThat(scheduling.reads).as("no heartbeatsOfRun read for waits").hasValue(0);
            beating = false;
            a.awaitStatus(running, RunStatus.COMPLETED);
        }
    }

    @Test
    void aStepThatNeverBeatsStoresNoHeartbeat() {
        assertThat(heartbeatWritesOf("quiet", new Quiet())).isZero();
    }

    private static int heartbeatWritesOf(String flow, Step<?, ?> step) {
        CountsHeartbeats scheduling = new CountsHeartbeats();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", step)) {
            clock = h.clock;
            String runId = h.engine.start(flow, "go");
            h.awaitStatus(runId, RunStatus.COMPLETED);
            return scheduling.writes.get();
        }
    }

    /** Waits until the step sent a heartbeat after the clock last moved. */
    private static void awaitABeat() {
        int seen = beats.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> beats.get() > seen + 1);
    }
}

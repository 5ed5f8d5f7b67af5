package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.EventType;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A step runs before its start is stored: a step that returns within the start-write delay stores
 * its start and its result in one write; one that runs longer has its start and lease stored while
 * it runs.
 */
class DeferredStartTest {

    /** Records how the run showed the step while it ran. */
    @FlowStep(flow = "quick", name = "look", role = StepRole.ENTRY)
    static class Look implements Step<Object, String> {
        final AtomicReference<StepStatus> seen = new AtomicReference<>();
        volatile FlowEngine engine;

        @Override
        public String execute(Object input, StepContext ctx) {
            seen.set(engine.run(ctx.runId()).orElseThrow().steps().get("look"));
            return "looked";
        }
    }

    @FlowStep(flow = "long", name = "wait", role = StepRole.ENTRY)
    static class Wait implements Step<Object, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    @FlowStep(flow = "chatty", name = "talk", role = StepRole.ENTRY)
    static class Talk implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.logger().info("working");
            ctx.cancel();
            return null;
        }
    }

    @FlowStep(flow = "broken", name = "fail", role = StepRole.ENTRY)
    static class Fail implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("upstream refused");
        }
    }

    /** Fails its first attempt; records how the run showed the step during the second. */
    @FlowStep(flow = "flaky", name = "retry", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 0)
    static class Retry implements Step<Object, String> {
        final AtomicReference<StepStatus> seenOnRetry = new AtomicReference<>();
        volatile FlowEngine engine;

        @Override
        public String execute(Object input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            seenOnRetry.set(engine.run(ctx.runId()).orElseThrow().steps().get("retry"));
            return "second time lucky";
        }
    }

    @Test
    void aStepThatReturnsAtOnceStoresItsStartWithItsResultInOneWrite() {
        Look look = new Look();
        long deferredVersion;
        try (EngineHarness h = new EngineHarness(look)) {
            look.engine = h.engine;
            String runId = h.engine.start("quick", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(look.seen).as("the step ran before its start was stored").hasValue(StepStatus.QUEUED);
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.completed", "flow.completed");
            deferredVersion = h.store.findRun(runId).orElseThrow().version();
        }
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ZERO, look)) {
            look.engine = h.engine;
            String runId = h.engine.start("quick", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(look.seen).as("with no delay the start is stored first").hasValue(StepStatus.RUNNING);
            assertThat(h.store.findRun(runId).orElseThrow().version())
                    .as("storing the start on its own takes one write more").isEqualTo(deferredVersion + 1);
        }
    }

    @Test
    void aStepRunningPastTheDelayShowsAsRunningAndHoldsALease() {
        Wait wait = new Wait();
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ofMillis(50), wait)) {
            String runId = h.engine.start("long", null);

            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("wait") == StepStatus.RUNNING);
            assertThat(leasesOf(h)).extracting(StepLease::runId, StepLease::step).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(runId, "wait"));

            wait.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.types(runId).stream().filter("step.started"::equals)).hasSize(1);
            assertThat(leasesOf(h)).as("the finish gave the lease up").isEmpty();
        }
    }

    @Test
    void manyStepsRunningPastTheDelayAtOnceAllShowAsRunningWithALease() {
        Wait wait = new Wait();
        try (EngineHarness h = new EngineHarness(8, wait)) {
            List<String> runIds = java.util.stream.IntStream.range(0, 8).mapToObj(i -> h.engine.start("long", null))
                    .toList();

            await().atMost(Duration.ofSeconds(10)).until(() -> runIds.stream()
                    .allMatch(id -> h.engine.run(id).orElseThrow().steps().get("wait") == StepStatus.RUNNING));
            assertThat(leasesOf(h)).extracting(StepLease::runId).containsExactlyInAnyOrderElementsOf(runIds);

            wait.release.countDown();
            runIds.forEach(id -> h.awaitStatus(id, RunStatus.COMPLETED));
            assertThat(runIds).allSatisfy(id -> assertThat(h.types(id).stream().filter("step.started"::equals))
                    .hasSize(1));
            assertThat(leasesOf(h)).as("the finishes gave the leases up").isEmpty();
        }
    }

    @Test
    void stepsThatReturnWithinTheDelayScheduleNoTimerEach() {
        Look look = new Look();
        // A delay far longer than the steps take, so that a loaded machine's slowness adds a tick a second at most.
        try (EngineHarness h = EngineHarness.withStartWriteDelay(Duration.ofSeconds(5), look)) {
            look.engine = h.engine;
            List<String> runIds = java.util.stream.IntStream.range(0, 100).mapToObj(i -> h.engine.start("quick", null))
                    .toList();
            runIds.forEach(id -> h.awaitStatus(id, RunStatus.COMPLETED));

            // One ticker for all deferred starts, ticking while any is pending: a few ticks, not a timer per step.
            assertThat(h.startTimers.getTaskCount()).as("tasks the start timers ran or hold for 100 steps")
                    .isLessThan(50);
            assertThat(runIds).allSatisfy(id -> assertThat(h.types(id)).containsSubsequence("step.started",
                    "step.completed"));
        }
    }

    @Test
    void aStepThatFailsAtOnceRecordsItsStartBeforeItsFailureAndLeavesNoLease() {
        try (EngineHarness h = new EngineHarness(new Fail())) {
            String runId = h.engine.start("broken", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.failed", "flow.failed");
            assertThat(leasesOf(h)).isEmpty();
        }
    }

    @Test
    void aStepWhoseResultCannotBeStoredRecordsItsStartBeforeItsFailure() {
        // The write that would store start and result together fails (the database went away):
        // the failure that follows must not read as if the step never started.
        Look look = new Look();
        StoreFailingOnce store = new StoreFailingOnce(EventType.STEP_COMPLETED);
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), look)) {
            look.engine = h.engine;
            String runId = h.engine.start("quick", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(store.failedWrites).hasValue(1);
            assertThat(h.types(runId)).containsExactly("flow.start", "step.started", "step.failed", "flow.failed");
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("connection to the database lost"));
            assertThat(leasesOf(h)).isEmpty();
        }
    }

    @Test
    void aStepWhoseStartCannotBeStoredWhenItLogsRecordsItsStartBeforeItsFailure() {
        // Logging stores the deferred start first; when that write fails, so does the step.
        StoreFailingOnce store = new StoreFailingOnce(EventType.STEP_STARTED);
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new Talk())) {
            String runId = h.engine.start("chatty", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(store.failedWrites).hasValue(1);
            assertThat(h.types(runId)).containsExactly("flow.start", "step.started", "step.failed", "flow.failed");
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).singleElement()
                    .satisfies(started -> assertThat(started.attempt()).isEqualTo(1));
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).as("the store's own error, not a follow-up")
                            .contains("connection to the database lost").doesNotContain("Self-suppression"));
            assertThat(leasesOf(h)).isEmpty();
        }
    }

    @FlowStep(flow = "doomed", name = "call", role = StepRole.ENTRY, maxAttempts = 1)
    public static class Doomed implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("partner refused the call");
        }
    }

    @Test
    void aFinalFailureThatCouldNotBeStoredIsRecordedByTheSweepFromTheQueuesFailedJob() {
        StoreFailingOnce store = new StoreFailingOnce(EventType.STEP_FAILED);
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new Doomed())) {
            String runId = h.engine.start("doomed", null);
            await().until(() -> store.failedWrites.get() == 1);
            await().until(() -> h.queue.counts("doomed").failed() == 1);
            assertThat(h.engine.run(runId).orElseThrow().status()).as("the run never heard").isEqualTo(RunStatus.RUNNING);

            h.sweep();   // the run becomes a suspect
            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();   // unchanged a lease later: the job's failure is recorded

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("partner refused the call"));
        }
    }

    @FlowStep(flow = "once", name = "work", role = StepRole.ENTRY, maxAttempts = 1)
    public static class WorkOnce implements Step<Object, String> {
        static final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            runs.incrementAndGet();
            return "done";
        }
    }

    /** Fails the first {@code times} writes that store a step's end, as a store that is briefly away does. */
    static final class StoreBrieflyAway extends MemoryFlowStore {
        final AtomicInteger refusals;
        private final Predicate<EventDraft> refused;

        StoreBrieflyAway(int times) {
            this(times, e -> e.type() == EventType.STEP_COMPLETED || e.type() == EventType.STEP_RETRY);
        }

        /** Fails the first {@code times} writes with an entry that {@code refused} matches. */
        StoreBrieflyAway(int times, Predicate<EventDraft> refused) {
            refusals = new AtomicInteger(times);
            this.refused = refused;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            return super.updateRun(runId, run -> {
                Optional<RunChange> change = mutation.apply(run);
                if (change.isPresent() && change.get().events().stream().anyMatch(refused)
                        && refusals.getAndDecrement() > 0) {
                    throw new io.nvent.NventException("NVENT-0325 store unavailable or busy: connection refused") {
                        @Override
                        public boolean isRetryable() {
                            return true;
                        }
                    };
                }
                return change;
            });
        }
    }

    @Test
    void aLastAttemptThatFailedOnlyBecauseTheStoreWasAwayRunsAgainInsteadOfFailingTheRun() {
        WorkOnce.runs.set(0);
        StoreBrieflyAway store = new StoreBrieflyAway(1);
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new WorkOnce())) {
            String runId = h.engine.start("once", null);

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement()
                    .satisfies(retry -> assertThat(retry.data()).contains("the store could not be reached"));
            assertThat(h.types(runId)).doesNotContain("step.failed");
            assertThat(WorkOnce.runs).as("the step ran again, its first result was not stored").hasValue(2);
            await().untilAsserted(() -> assertThat(h.queue.counts("once").failed())
                    .as("the job given up for the store is discarded once its step completed").isZero());
        }
    }

    @Test
    void aJobGivenUpWhileTheStoreWasAwayIsQueuedAgainByTheSweepInsteadOfFailingItsRun() {
        WorkOnce.runs.set(0);
        StoreBrieflyAway store = new StoreBrieflyAway(2);   // the result, and then the step.retry entry
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new WorkOnce())) {
            String runId = h.engine.start("once", null);
            await().until(() -> h.queue.counts("once").failed() == 1);

            h.sweep();
            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.types(runId)).doesNotContain("step.failed");
            await().untilAsserted(() -> assertThat(h.queue.counts("once").failed())
                    .as("the job given up for the store is discarded once its step completed").isZero());
        }
    }

    /**
     * Fails its first two attempts; its third answers, but the store is away when that answer is to be
     * stored; from then on the partner refuses again. Records the attempt it saw each time it ran.
     */
    @FlowStep(flow = "retry-demo", name = "call-partner", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 0)
    public static class CallPartner implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 3) {
                return "answered";
            }
            throw new IllegalStateException("partner refused the call");
        }
    }

    /** Entries of the third attempt of call-partner: what the store was away for in these tests. */
    private static boolean ofThirdAttempt(EventDraft entry) {
        return entry.attempt() == 3 && (entry.type() == EventType.STEP_COMPLETED || entry.type() == EventType.STEP_RETRY);
    }

    @Test
    void anAttemptThatDidNotCountForTheStoreRunsAgainAsThatAttemptSoTheRetryLimitHolds() {
        CallPartner.attemptsSeen.clear();
        StoreBrieflyAway store = new StoreBrieflyAway(1, DeferredStartTest::ofThirdAttempt);   // the result only
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new CallPartner())) {
            String runId = h.engine.start("retry-demo", null);

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.FAILED);
            assertThat(CallPartner.attemptsSeen).as("attempts 1 and 2 still count; the 3rd did not and ran again")
                    .containsExactly(1, 2, 3, 3);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).filteredOn(retry -> retry.data()
                    .contains("the store could not be reached")).singleElement()
                    .satisfies(retry -> assertThat(retry.attempt()).isEqualTo(3));
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(3);
                assertThat(failed.data()).contains("\"maxAttempts\":3").contains("partner refused the call");
            });
        }
    }

    @Test
    void aJobGivenUpForTheStoreThatTheSweepQueuesAgainRunsAgainAsThatAttempt() {
        CallPartner.attemptsSeen.clear();
        StoreBrieflyAway store = new StoreBrieflyAway(2, DeferredStartTest::ofThirdAttempt);   // and its step.retry
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new CallPartner())) {
            String runId = h.engine.start("retry-demo", null);
            await().until(() -> h.queue.counts("retry-demo").failed() == 1);

            h.sweep();
            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();   // unchanged a lease later: the job given up for the store is queued again

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(CallPartner.attemptsSeen).containsExactly(1, 2, 3, 3);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.attempt()).isEqualTo(3));
        }
    }

    /**
     * Answers its first two calls, but the store is away when those answers are to be stored; from then
     * on the partner refuses. Records the attempt it saw each time it ran.
     */
    @FlowStep(flow = "sync-demo", name = "sync-partner", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 0)
    public static class SyncPartner implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() <= 2) {
                return "answered";
            }
            throw new IllegalStateException("partner refused the call");
        }
    }

    @Test
    void attemptsBeforeTheLastThatFailedOnlyForTheStoreDoNotCountEither() {
        SyncPartner.attemptsSeen.clear();
        StoreBrieflyAway store = new StoreBrieflyAway(2, entry -> entry.type() == EventType.STEP_COMPLETED);
        try (EngineHarness h = EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(),
                Threads.daemonThreads("test-worker")), new SyncPartner())) {
            String runId = h.engine.start("sync-demo", null);

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.FAILED);
            assertThat(SyncPartner.attemptsSeen).as("attempt 1 twice for the store, then 3 attempts that counted")
                    .containsExactly(1, 1, 1, 2, 3);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).filteredOn(retry -> retry.data()
                    .contains("the store could not be reached")).hasSize(2)
                    .allSatisfy(retry -> assertThat(retry.attempt()).isEqualTo(1));
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(3);
                assertThat(failed.data()).contains("\"maxAttempts\":3").contains("partner refused the call");
            });
        }
    }

    /** Fails the first write that stores an event of one type, as a store whose database went away would. */
    static final class StoreFailingOnce extends MemoryFlowStore {
        final AtomicInteger failedWrites = new AtomicInteger();
        private final EventType failingType;

        StoreFailingOnce(EventType failingType) {
            this.failingType = failingType;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            return super.updateRun(runId, run -> {
                Optional<RunChange> change = mutation.apply(run);
                if (change.isPresent() && change.get().events().stream().anyMatch(e -> e.type() == failingType)
                        && failedWrites.compareAndSet(0, 1)) {
                    throw new IllegalStateException("connection to the database lost");
                }
                return change;
            });
        }
    }

    @Test
    void aStepThatLogsOrCancelsStoresItsStartFirstSoTheHistoryKeepsItsOrder() {
        try (EngineHarness h = new EngineHarness(new Talk())) {
            String runId = h.engine.start("chatty", null);

            await().until(() -> h.types(runId).contains("step.completed"));
            assertThat(h.types(runId)).containsExactly("flow.start", "step.started", "log", "flow.cancel",
                    "step.completed");
        }
    }

    @Test
    void aRetriedAttemptStoresItsStartAndTakesTheLeaseBeforeItRuns() {
        // A retry or a redelivery may meet another job of the same step: only the lease keeps them apart.
        Retry retry = new Retry();
        try (EngineHarness h = new EngineHarness(retry)) {
            retry.engine = h.engine;
            String runId = h.engine.start("flaky", null);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(retry.seenOnRetry).hasValue(StepStatus.RUNNING);
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.retry", "step.started",
                    "step.completed", "flow.completed");
        }
    }

    @Test
    void aStartWriteDelayMustBeShorterThanTheLease() {
        assertThatThrownBy(() -> new EngineSettings("i", "http://x", Duration.ofSeconds(1), true, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the lease");
        assertThatThrownBy(() -> new EngineSettings("i", "http://x", Duration.ofSeconds(1), true, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
    }

    /**
     * A scheduling store that cannot give up leases while it is away; a step's finish then changes the
     * run and gives its lease up in two steps, as a store keeping runs elsewhere does, the second failing.
     */
    static final class LeasesStuckWhileAway extends io.nvent.cdi.internal.memory.MemorySchedulingStore {
        volatile boolean away;

        @Override
        public Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
            if (!away) {
                return super.finishStep(runs, lease, mutation);
            }
            try {
                return runs.updateRun(lease.runId(), mutation);
            } finally {
                releaseLease(lease.runId(), lease.step(), lease.owner());
            }
        }

        @Override
        public void releaseLease(String runId, String step, String owner) {
            failIfAway();
            super.releaseLease(runId, step, owner);
        }

        @Override
        public boolean releaseLease(StepLease lease) {
            failIfAway();
            return super.releaseLease(lease);
        }

        private void failIfAway() {
            if (away) {
                throw new IllegalStateException("database away");
            }
        }
    }

    @Test
    void aLeaseThatCouldNotBeGivenUpIsGivenUpByTheNextSweepInsteadOfBeingRenewed() {
        LeasesStuckWhileAway scheduling = new LeasesStuckWhileAway();
        Wait first = new Wait();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", first)) {
            String runId = h.engine.start("long", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("wait") == StepStatus.RUNNING);

            scheduling.away = true;
            first.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(leasesOf(h)).as("left behind while the store was away").hasSize(1);

            scheduling.away = false;
            h.clock.advance(Duration.ofSeconds(20));
            h.sweep();
            assertThat(leasesOf(h)).isEmpty();
        }
    }

    private static List<StepLease> leasesOf(EngineHarness h) {
        return h.scheduling.expiredLeases(Instant.MAX, 100);
    }
}

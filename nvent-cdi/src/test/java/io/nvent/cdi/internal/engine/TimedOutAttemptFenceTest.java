package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.engine.OrchestrationTest.IgnoresInterrupts;
import io.nvent.cdi.internal.engine.RetentionSweepTest.Messages;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A step's attempt times out and its retry runs on the same instance, under the same lease owner, while the
 * timed-out attempt still runs: a write of the timed-out attempt that passed the engine's checks before its
 * timeout and was held up on its way to the store (a row lock, a connection from a pool) lands, if at all,
 * before its retry takes the step's lease, never beside the retry: the run completes once, with the retry's
 * result and state.
 */
class TimedOutAttemptFenceTest {

    /** Lets the first attempt return, or write, once its start is stored. */
    static volatile CountDownLatch firstGoesOn = new CountDownLatch(1);
    /** Counted down once the retry has written what it writes, holding the step's lease. */
    static volatile CountDownLatch retryWrote = new CountDownLatch(1);
    /** Lets the retry return. */
    static volatile CountDownLatch retryGoesOn = new CountDownLatch(1);

    @BeforeEach
    void reset() {
        firstGoesOn = new CountDownLatch(1);
        retryWrote = new CountDownLatch(1);
        retryGoesOn = new CountDownLatch(1);
        NoteOnce.executions.set(0);
    }

    /** Its first attempt returns when the test lets it; its retry returns when the test lets it. */
    @FlowStep(flow = "late-result", name = "sync", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 5,
            timeoutMs = 2_000)
    static class Sync implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
                return "attempt 1";
            }
            retryWrote.countDown();
            IgnoresInterrupts.awaitUninterruptibly(retryGoesOn);
            return "attempt 2";
        }
    }

    /** Each attempt notes itself in the run's state; the first when the test lets it. */
    @FlowStep(flow = "late-state", name = "note", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 5,
            timeoutMs = 2_000)
    static class Note implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
            }
            ctx.state().set("notedBy", "attempt " + ctx.attempt());
            if (ctx.attempt() == 2) {
                retryWrote.countDown();
                IgnoresInterrupts.awaitUninterruptibly(retryGoesOn);
            }
            return "attempt " + ctx.attempt();
        }
    }

    /**
     * Has one attempt, which times out: its first execution notes itself in the run's state when the test lets it;
     * an operator's retry of the step, whose job counts its attempts from 1 again, notes itself and returns when the
     * test lets it.
     */
    @FlowStep(flow = "late-state-retried", name = "note", role = StepRole.ENTRY, maxAttempts = 1, timeoutMs = 2_000)
    static class NoteOnce implements Step<String, String> {
        static final AtomicInteger executions = new AtomicInteger();

        @Override
        public String execute(String input, StepContext ctx) {
            boolean first = executions.incrementAndGet() == 1;
            if (first) {
                IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
            }
            String notedBy = first ? "the first execution" : "the operator's retry";
            ctx.state().set("notedBy", notedBy);
            if (!first) {
                retryWrote.countDown();
                IgnoresInterrupts.awaitUninterruptibly(retryGoesOn);
            }
            return notedBy;
        }
    }

    /**
     * Its first attempt arms the run store's hold of its next write on its thread, then returns at once (before
     * its start is stored); its retry is due two seconds after the timeout.
     */
    @FlowStep(flow = "late-quick", name = "quick", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 2_000,
            timeoutMs = 1_000)
    static class Quick implements Step<String, String> {
        static volatile RunWriteHeld store;

        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                store.armOn(Thread.currentThread());
            }
            return "attempt " + ctx.attempt();
        }
    }

    /** Each attempt starts a child run; the first arms the run store's hold of that start on its thread. */
    @FlowStep(flow = "late-child", name = "spawn", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 5,
            timeoutMs = 1_000)
    static class Spawn implements Step<String, String> {
        static volatile RunWriteHeld store;

        @Override
        public String execute(String input, StepContext ctx) {
            if (ctx.attempt() == 1) {
                store.armOn(Thread.currentThread());
            }
            return ctx.startFlow("child", "from attempt " + ctx.attempt());
        }
    }

    /** The child flow's one step. */
    @FlowStep(flow = "child", name = "grow", role = StepRole.ENTRY)
    static class Grow implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            return input;
        }
    }

    /** Its first attempt returns when the test lets it, whatever its timeout; its retry is due a minute later. */
    @FlowStep(flow = "late-lease", name = "hold", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 60_000,
            timeoutMs = 3_000)
    static class Hold implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
            return "attempt " + ctx.attempt();
        }
    }

    /** Holds the first write that reaches it until the test lets it go on, as a row lock or a pool would. */
    static final class FirstWriteHeld {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch goesOn = new CountDownLatch(1);
        /** Counted down once the held write went on and ended, stored or refused (where the store says so). */
        final CountDownLatch ended = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean(true);

        /** {@return whether this was the first write, which was held} */
        boolean holdIfFirst() {
            if (armed.getAndSet(false)) {
                reached.countDown();
                IgnoresInterrupts.awaitUninterruptibly(goesOn);
                return true;
            }
            return false;
        }
    }

    /** A scheduling store that holds the first finish of a step on its way. */
    static final class FinishHeld extends MemorySchedulingStore {
        final FirstWriteHeld held = new FirstWriteHeld();

        @Override
        public Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
            held.holdIfFirst();
            return super.finishStep(runs, lease, mutation);
        }
    }

    /** A flow store that holds the first state write on its way. */
    static final class StateHeld extends MemoryFlowStore {
        final FirstWriteHeld held = new FirstWriteHeld();

        @Override
        public void putState(String runId, String key, String json, Optional<Instant> expiresAt) {
            held.holdIfFirst();
            super.putState(runId, key, json, expiresAt);
        }
    }

    /** A run store that holds the first run write of the thread it is armed on. */
    static final class RunWriteHeld extends MemoryFlowStore {
        final FirstWriteHeld held = new FirstWriteHeld();
        private volatile Thread armedOn;

        void armOn(Thread thread) {
            armedOn = thread;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            holdIfArmedHere();
            return super.updateRun(runId, mutation);
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            holdIfArmedHere();
            return super.createRun(run, events, idempotencyKey);
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            holdIfArmedHere();
            return super.createRun(run, events);
        }

        private void holdIfArmedHere() {
            if (Thread.currentThread() == armedOn) {
                armedOn = null;
                held.holdIfFirst();
            }
        }
    }

    /** A run store that holds the first run write once armed, on whichever thread makes it. */
    static final class NextRunWriteHeld extends MemoryFlowStore {
        final FirstWriteHeld held = new FirstWriteHeld();
        volatile boolean armed;

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (armed) {
                held.holdIfFirst();
            }
            return super.updateRun(runId, mutation);
        }
    }

    /** A scheduling store that holds the first start of a step made on the thread it is armed on. */
    static final class StartHeld extends MemorySchedulingStore {
        final FirstWriteHeld held = new FirstWriteHeld();
        volatile Thread armedOn;

        @Override
        public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
            if (Thread.currentThread() == armedOn) {
                held.holdIfFirst();
            }
            return super.startStep(runs, lease, now, mutation);
        }
    }

    /** A memory queue that keeps the engine's job handler, for a delivery of the test's, and what it handled. */
    static final class HandlerKept extends MemoryJobQueue {
        final List<JobExecution> handled = new CopyOnWriteArrayList<>();
        /** Counted down as the first delivery's handling ends, its execution no longer registered. */
        final CountDownLatch firstEnded = new CountDownLatch(1);
        volatile JobHandler engine;

        HandlerKept() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void registerWorker(String queueName, int concurrency, JobHandler handler) {
            engine = handler;
            super.registerWorker(queueName, concurrency, new JobHandler() {
                @Override
                public void handle(JobExecution job) throws Exception {
                    handled.add(job);
                    try {
                        handler.handle(job);
                    } finally {
                        firstEnded.countDown();
                    }
                }

                @Override
                public void prepare(List<JobExecution> claimed) {
                    handler.prepare(claimed);
                }

                @Override
                public boolean isRetryable(JobExecution job, Throwable error) {
                    return handler.isRetryable(job, error);
                }

                @Override
                public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                    handler.onAttemptFailed(job, error, nextAttemptAt);
                }
            });
        }
    }

    /** A scheduling store that holds the first state write checked against a step's lease on its way. */
    static final class CheckedStateHeld extends MemorySchedulingStore {
        final FirstWriteHeld held = new FirstWriteHeld();

        @Override
        public void putStateHolding(FlowStore runs, StepLease lease, String key, String json,
                                    Optional<Instant> expiresAt) {
            boolean wasHeld = held.holdIfFirst();
            try {
                super.putStateHolding(runs, lease, key, json, expiresAt);
            } finally {
                if (wasHeld) {
                    held.ended.countDown();
                }
            }
        }
    }

    @Test
    void aTimedOutAttemptsResultHeldUpUntilItsRetryRunsHereDoesNotCompleteTheStepItsRetryRuns() {
        FinishHeld scheduling = new FinishHeld();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Sync());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = h.engine.start("late-result", "");
            awaitStartStored(h, runId, "sync");
            firstGoesOn.countDown();
            awaitLatch(scheduling.held.reached, "the first attempt's result passed the engine's checks");

            letTheHeldWriteGoOnOnceTheRetryRuns(h, runId, scheduling.held, messages);
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).as("the step completed once, by its retry")
                    .singleElement().satisfies(entry -> {
                        assertThat(entry.attempt()).isEqualTo(2);
                        assertThat(entry.data()).contains("\"result\":\"attempt 2\"");
                    });
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).as("the first attempt failed for its timeout")
                    .filteredOn(entry -> entry.data().contains("exceeded its timeout")).singleElement()
                    .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(1));
        }
    }

    @Test
    void aTimedOutAttemptsStateWriteHeldUpUntilItsRetryRunsHereDoesNotOverwriteTheRetrys() {
        StateHeld store = new StateHeld();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Note());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = startWithTheFirstAttemptsStateWriteHeld(h, store);

            letTheHeldWriteGoOnOnceTheRetryRuns(h, runId, store.held, messages);
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertTheRetryAloneWroteAndCompleted(h, runId);
        }
    }

    /**
     * Past the end its lease was known to hold until (its instance's renewals stopped, say), the first attempt's
     * state write goes to the store checked against the lease; held up there until its retry took the lease on
     * this instance, it is refused as the lease is the retry's attempt's, though its owner is the same.
     */
    @Test
    void aTimedOutAttemptsStateWriteCheckedAgainstTheLeaseIsRefusedOnceItsRetryTookTheLeaseHere() {
        CheckedStateHeld scheduling = new CheckedStateHeld();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Note());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = h.engine.start("late-state", "");
            awaitStartStored(h, runId, "note");
            h.clock.advance(Duration.ofMinutes(2));
            firstGoesOn.countDown();
            awaitLatch(scheduling.held.reached, "the first attempt's state write is checked against the lease");

            letTheHeldWriteGoOnOnceTheRetryRuns(h, runId, scheduling.held, messages);
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertTheRetryAloneWroteAndCompleted(h, runId);
        }
    }

    /**
     * The README's scenario: an operator retries a step whose only attempt timed out, and the retry runs on the
     * instance where that attempt 1 still runs. The retry's job counts its attempts from 1 again, yet the state write
     * the timed-out attempt checked against the lease just as the retry took it is refused: the lease is the retry's
     * execution's. The run completes with the retry's state and result.
     */
    @Test
    void aTimedOutAttemptsStateWriteCheckedAgainstTheLeaseIsRefusedOnceAnOperatorsRetryOfTheStepTookTheLeaseHere() {
        CheckedStateHeld scheduling = new CheckedStateHeld();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new NoteOnce())) {
            String runId = h.engine.start("late-state-retried", "");
            awaitStartStored(h, runId, "note");
            h.clock.advance(Duration.ofMinutes(2));
            firstGoesOn.countDown();
            awaitLatch(scheduling.held.reached, "the first attempt's state write is checked against the lease");
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "note");
            awaitLatch(retryWrote, "the operator's retry took the step's lease and wrote under it");
            scheduling.held.goesOn.countDown();
            awaitLatch(scheduling.held.ended, "the timed-out attempt's held state write went on");
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(h.store.getState(runId, "notedBy", h.clock.instant())).as("the state the retry wrote")
                    .hasValue("\"the operator's retry\"");
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).as("the step completed once, by the retry")
                    .singleElement().satisfies(entry -> {
                        assertThat(entry.attempt()).isEqualTo(1);
                        assertThat(entry.data()).contains("\"result\":\"the operator's retry\"");
                    });
        }
    }

    /**
     * The first attempt's state write, checked before its timeout and held up on its way, keeps the step's lease
     * the attempt's until it ends: no instance's retry can take the lease and run while it may still land. The
     * retry on this instance gives way (NVENT-0554) and runs once the lease is given up; nothing waits for the
     * write.
     */
    @Test
    void aTimedOutAttemptKeepsTheStepsLeaseFromEveryInstanceUntilItsStateWriteUnderWayEnds() {
        StateHeld store = new StateHeld();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Note());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = startWithTheFirstAttemptsStateWriteHeld(h, store);
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
            // Until the retry here gave way, or the lease went from the first attempt all the same.
            await().atMost(Duration.ofSeconds(10)).until(() -> logged(messages, "NVENT-0554 ")
                    || h.scheduling.leasesOfRun(runId).stream().noneMatch(lease -> lease.attempt().equals(
                            OptionalInt.of(1))));

            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "note", "instance-b", now.plusSeconds(60), now))
                    .as("another instance's retry cannot take the lease while the timed-out write is under way")
                    .isFalse();
            assertThat(h.scheduling.leasesOfRun(runId)).singleElement()
                    .satisfies(lease -> assertThat(lease.attempt()).hasValue(1));

            store.held.goesOn.countDown();
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertTheRetryAloneWroteAndCompleted(h, runId);
        }
    }

    /**
     * A write of the timed-out attempt that never ends keeps its retry here giving way: each time twice as long as
     * before, and only the first give-way writes a {@code step.retry} entry and logs at INFO; the later ones log at
     * DEBUG. Once the write ends, the retry runs and completes the step.
     */
    @Test
    void aRetryGivingWayAgainAndAgainWaitsTwiceAsLongEachTimeAndWritesOneEntry() {
        StateHeld store = new StateHeld();
        Logger engineLog = Logger.getLogger(FlowEngine.class.getName());
        Level levelBefore = engineLog.getLevel();
        engineLog.setLevel(Level.FINE);
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Note());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = startWithTheFirstAttemptsStateWriteHeld(h, store);
            await().atMost(Duration.ofSeconds(20)).until(() -> giveWayDelaysMs(messages).size() >= 3);

            assertThat(giveWayDelaysMs(messages)).as("the delay of each give-way, in ms").startsWith(1_000L, 2_000L,
                    4_000L);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).as("the entries of the give-ways")
                    .filteredOn(entry -> entry.data().contains("keeps the step's lease")).singleElement();

            store.held.goesOn.countDown();
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertTheRetryAloneWroteAndCompleted(h, runId);
        } finally {
            engineLog.setLevel(levelBefore);
        }
    }

    /**
     * The README's scenario across instances: the first attempt's state write, checked before its timeout and held up
     * on its way, keeps the step's lease on instance A; its retry, delivered on instance B, does not run beside it but
     * gives way (NVENT-0598, one {@code step.retry} entry naming A) and runs once A gave the lease up, without waiting
     * for the lost-job check.
     */
    @Test
    void aRetryOnAnotherInstanceGivesWayToTheTimedOutAttemptsLeaseAndRunsOnceItIsGivenUp() {
        StateHeld store = new StateHeld();
        try (EngineHarness a = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Note());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = startWithTheFirstAttemptsStateWriteHeld(a, store);
            // From now on the queue hands its jobs to B: the retry comes there.
            try (EngineHarness b = EngineHarness.beside(a, "instance-b", settings -> settings, a.queue, new Note())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> logged(messages, "NVENT-0598 "));

                assertThat(b.eventsOf(runId, EventType.STEP_STARTED)).as("the retry did not start beside the write")
                        .noneMatch(entry -> entry.attempt() == 2);
                assertThat(b.eventsOf(runId, EventType.STEP_RETRY)).as("the give-way's entry")
                        .filteredOn(entry -> entry.data().contains("\"leaseHeldBy\":\"instance-a@")).singleElement()
                        .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));

                store.held.goesOn.countDown();
                retryGoesOn.countDown();
                b.awaitStatus(runId, RunStatus.COMPLETED);

                assertTheRetryAloneWroteAndCompleted(b, runId);
                assertThat(b.eventsOf(runId, EventType.STEP_STARTED)).as("the retry started on instance B")
                        .filteredOn(entry -> entry.attempt() == 2).singleElement()
                        .satisfies(entry -> assertThat(entry.data()).contains("instance-b"));
            }
        }
    }

    /**
     * A second delivery of the attempt's job, declined beside the execution that took the step's lease, is still
     * registered when that execution ends past its timeout and the queue's failure of the attempt is stored: the
     * lease is given up all the same, so that another instance can take the step, not kept (and renewed) while this
     * instance lives.
     */
    @Test
    void theLeaseOfATimedOutExecutionThatEndedIsGivenUpThoughADeclinedDeliveryOfItsJobIsStillRegistered() {
        NextRunWriteHeld store = new NextRunWriteHeld();
        StartHeld scheduling = new StartHeld();
        HandlerKept queue = new HandlerKept();
        try (EngineHarness h = EngineHarness.over(store, scheduling, queue, new Hold())) {
            String runId = h.engine.start("late-lease", "");
            awaitStartStored(h, runId, "hold");
            JobExecution first = queue.handled.get(0);
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                scheduling.armedOn = Thread.currentThread();
                try {
                    queue.engine.handle(new JobExecution(first.queue(), first.jobId(), first.name(), first.payload(),
                            first.attempt(), first.maxAttempts(), true));
                } catch (Exception declined) {
                    throw new IllegalStateException(declined);
                }
            });
            awaitLatch(scheduling.held.reached, "the second delivery registered and reached its start");
            store.armed = true;
            awaitLatch(store.held.reached, "the queue's failure of the timed-out attempt reached the store");

            firstGoesOn.countDown();
            awaitLatch(queue.firstEnded, "the timed-out execution, which took the lease, ended");
            store.held.goesOn.countDown();
            await("the attempt's failure stored").atMost(Duration.ofSeconds(10)).until(() ->
                    h.engine.run(runId).orElseThrow().steps().get("hold") == StepStatus.RETRYING);
            scheduling.held.goesOn.countDown();
            second.join();

            await("the lease given up").atMost(Duration.ofSeconds(10))
                    .until(() -> h.scheduling.leasesOfRun(runId).isEmpty());
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "hold", "instance-b", now.plusSeconds(60), now))
                    .as("another instance can take the step").isTrue();
        }
    }

    @Test
    void aGiveWayToAnotherInstancesLeaseWaitsAsLongAsTheGiveWaysLastedUpToTheLeaseDurationOrAMinute() {
        Duration lease = Duration.ofMinutes(5);
        assertThat(List.of(Duration.ZERO, Duration.ofMillis(1_000), Duration.ofMillis(2_100), Duration.ofSeconds(4),
                Duration.ofMinutes(3))).map(since -> StepRunner.giveWayDelayAfter(since, lease))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(2_100),
                        Duration.ofSeconds(4), Duration.ofMinutes(1));
        assertThat(StepRunner.giveWayDelayAfter(Duration.ofSeconds(30), Duration.ofSeconds(10))).as("a shorter lease")
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(StepRunner.giveWayDelayAfter(Duration.ofSeconds(3), Duration.ofMillis(500)))
                .as("a lease shorter than the first delay").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theDelayOfAGiveWayDoublesUpToTheLeaseDurationOrAMinute() {
        Duration lease = Duration.ofMinutes(5);
        assertThat(List.of(1, 2, 3, 6, 7, 40, Integer.MAX_VALUE)).map(n -> StepRunner.giveWayDelay(n, lease))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                        Duration.ofSeconds(32), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1));
        assertThat(StepRunner.giveWayDelay(5, Duration.ofSeconds(10))).as("a shorter lease")
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(StepRunner.giveWayDelay(3, Duration.ofMillis(500))).as("a lease shorter than the first delay")
                .isEqualTo(Duration.ofSeconds(1));
    }

    /** The delays of the give-ways logged ({@code NVENT-0554}), in ms, in their order. */
    private static List<Long> giveWayDelaysMs(Messages messages) {
        Pattern delay = Pattern.compile("runs again in (\\S+) ms");
        synchronized (messages) {
            return messages.logged.stream().filter(line -> line.startsWith("NVENT-0554 ")).map(delay::matcher)
                    .filter(Matcher::find).map(found -> Long.parseLong(found.group(1).replaceAll("[^0-9]", "")))
                    .toList();
        }
    }

    /**
     * An attempt that returns before its start is stored writes its start and result in one, which passed the
     * engine's checks before the timeout; held up on its way until the queue stored the attempt's failure for its
     * timeout, that write is refused, and the step completes once, with its retry's result.
     */
    @Test
    void aDeferredStartWithResultHeldUpUntilTheTimeoutIsStoredDoesNotCompleteTheStep() {
        RunWriteHeld store = new RunWriteHeld();
        Quick.store = store;
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Quick());
             Messages messages = new Messages(FlowEngine.class)) {
            String runId = h.engine.start("late-quick", "");
            awaitLatch(store.held.reached, "the first attempt's start and result passed the engine's checks");
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.STEP_RETRY).isEmpty());

            store.held.goesOn.countDown();
            // Until the held write is dropped, or completed the run all the same.
            await().atMost(Duration.ofSeconds(10)).until(() -> logged(messages, "NVENT-0532 ")
                    || h.engine.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).as("the step completed once, by its retry")
                    .singleElement().satisfies(entry -> {
                        assertThat(entry.attempt()).isEqualTo(2);
                        assertThat(entry.data()).contains("\"result\":\"attempt 2\"");
                    });
        }
    }

    /**
     * A child run's start, checked before the attempt's timeout and held up on its way, keeps the step's lease
     * the attempt's until it ends: the retry gives way meanwhile (NVENT-0554) and starts only after it.
     */
    @Test
    void aTimedOutAttemptsChildStartHeldUpOnItsWayLandsBeforeItsRetryStarts() {
        RunWriteHeld store = new RunWriteHeld();
        Spawn.store = store;
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Spawn(),
                new Grow()); Messages messages = new Messages(FlowEngine.class)) {
            String runId = h.engine.start("late-child", "");
            awaitLatch(store.held.reached, "the first attempt's child start passed the engine's checks");
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
            // Until the retry gave way, or started all the same.
            await().atMost(Duration.ofSeconds(10)).until(() -> logged(messages, "NVENT-0554 ")
                    || h.eventsOf(runId, EventType.STEP_STARTED).stream().anyMatch(entry -> entry.attempt() == 2));

            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).as("the retry did not start beside the child start")
                    .noneMatch(entry -> entry.attempt() == 2);

            store.held.goesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));
        }
    }

    /** The run's state is the retry's (attempt 2) and its step completed once, by the retry. */
    private static void assertTheRetryAloneWroteAndCompleted(EngineHarness h, String runId) {
        assertThat(h.store.getState(runId, "notedBy", h.clock.instant())).as("the state the retry wrote")
                .hasValue("\"attempt 2\"");
        assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));
    }

    /** Starts a run whose first attempt's state write passes the engine's checks and is held up in the store. */
    private static String startWithTheFirstAttemptsStateWriteHeld(EngineHarness h, StateHeld store) {
        String runId = h.engine.start("late-state", "");
        awaitStartStored(h, runId, "note");
        firstGoesOn.countDown();
        awaitLatch(store.held.reached, "the first attempt's state write passed the engine's checks");
        return runId;
    }

    /** The first attempt's start stored (after the start-write delay), so that it holds the step's lease. */
    private static void awaitStartStored(EngineHarness h, String runId, String step) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                h.engine.run(runId).orElseThrow().steps().get(step) == StepStatus.RUNNING);
    }

    /**
     * Waits for the queue to fail the first attempt for its timeout and for its retry to come here, then lets the
     * first attempt's held write go on: once the retry wrote under the step's lease, or once it gave way to that
     * write, which keeps the lease the first attempt's (NVENT-0554).
     */
    private static void letTheHeldWriteGoOnOnceTheRetryRuns(EngineHarness h, String runId, FirstWriteHeld held,
                                                             Messages messages) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !h.eventsOf(runId, EventType.STEP_RETRY).isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> retryWrote.getCount() == 0
                || logged(messages, "NVENT-0554 "));
        held.goesOn.countDown();
    }

    private static boolean logged(Messages messages, String id) {
        synchronized (messages) {
            return messages.logged.stream().anyMatch(line -> line.startsWith(id));
        }
    }

    private static void awaitLatch(CountDownLatch latch, String what) {
        await(what).atMost(Duration.ofSeconds(10)).until(() -> latch.getCount() == 0);
    }
}

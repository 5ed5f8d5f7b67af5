package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import io.nvent.spi.AwaitRecord;
import io.nvent.testkit.EngineStopContractTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Once an engine says it stopped, nothing of it runs, and it starts no run it could not hand on; on the memory
 * queue, which keeps a job handed back while the JVM lives, as the JMS and PostgreSQL queues keep theirs.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineStopTest extends EngineStopContractTest {

    /** The queue the test's instances take turns on, created by the first. */
    private MemoryJobQueue sharedQueue;

    @Override
    protected SharedStores newStores() {
        return new SharedStores(new MemoryFlowStore(), new MemorySchedulingStore());
    }

    @Override
    protected Instance startInstance(SharedStores stores, Step<?, ?>... steps) {
        if (sharedQueue == null) {
            sharedQueue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder();
        Arrays.asList(steps).forEach(builder::step);
        EmbeddedEngine engine = builder.store(stores.store()).schedulingStore(stores.scheduling()).queue(sharedQueue)
                .leaseDuration(LEASE).build();
        return new Instance(engine.flows(), engine::close);
    }

    /** A memory queue lives in its instance: the next instance starts once the stopped one is gone. */
    @Override
    protected boolean instancesRunSideBySide() {
        return false;
    }

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    /** A scheduling store that can hold a sweep in its read of due awaits, as a slow database would. */
    static final class SweepHoldingStore extends MemorySchedulingStore {
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hold;

        @Override
        public List<AwaitRecord> dueAwaits(Instant now, int limit) {
            reads.incrementAndGet();
            if (hold) {
                hold = false;
                held.countDown();
                awaitAsADatabaseCallWould(release);
            }
            return super.dueAwaits(now, limit);
        }
    }

    @Test
    void a_sweep_running_when_the_engine_closes_ends_before_close_returns_and_no_sweep_follows() throws Exception {
        SweepHoldingStore scheduling = new SweepHoldingStore();
        EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).schedulingStore(scheduling)
                .sweepEvery(Duration.ofMillis(10)).build();
        scheduling.hold = true;
        assertThat(scheduling.held.await(10, TimeUnit.SECONDS)).as("a sweep reads due awaits").isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(engine::close);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> !closing.isDone());
        scheduling.release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        int readsAtClose = scheduling.reads.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                .until(() -> scheduling.reads.get() == readsAtClose);
    }

    /**
     * Waits for the latch without giving up on an interrupt, as a JDBC call waiting for its database
     * does, and keeps the interrupt for the caller.
     */
    static void awaitAsADatabaseCallWould(CountDownLatch release) {
        boolean interrupted = false;
        while (true) {
            try {
                release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A flow store whose next change, once armed, waits until the test lets it go, then fails: a database that hangs. */
    static final class HangingStore extends MemoryFlowStore {
        volatile boolean armed;
        final CountDownLatch hanging = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** Whether the change goes through once let go, rather than failing. */
        volatile boolean thenWrite;

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (armed) {
                armed = false;
                hanging.countDown();
                awaitAsADatabaseCallWould(release);
                if (!thenWrite) {
                    throw new IllegalStateException("the database did not answer");
                }
            }
            return super.updateRun(runId, mutation);
        }
    }

    /**
     * An instance on the stopping one's queue ({@code instanceId}: the same one restarted, or another) completes the
     * run at once, without a sweep or time passing (no lease can run out, the lost-job check never looks): nothing
     * finds a step stalled, and {@code cutShort}, started twice, shows one attempt, the one cut short not counted.
     *
     * @return the types of the run's history
     */
    private static List<String> completesAtOnceOn(EngineHarness stopping, String instanceId, String runId,
                                                  String cutShort, Step<?, ?>... steps) {
        try (EngineHarness next = EngineHarness.beside(stopping, instanceId, settings -> settings, stopping.queue,
                steps)) {
            next.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(next.clock.instant()).isEqualTo(EngineHarness.START);
            assertThat(next.types(runId)).doesNotContain("step.stalled");
            assertThat(next.eventsOf(runId, EventType.STEP_STARTED))
                    .filteredOn(entry -> entry.step().filter(cutShort::equals).isPresent()).extracting(HistoryEvent::attempt)
                    .as("the attempt cut short does not count").containsExactly(1, 1);
            return next.types(runId);
        }
    }

    @Test
    void a_step_cut_short_by_the_stop_is_handed_back_and_runs_again_at_once_on_a_fresh_engine_that_takes_its_job()
            throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        EngineHarness stopping = new EngineHarness(step);
        String runId = startUploadUntilStored(stopping, step);

        stopping.engine.closeQueue();

        assertThat(step.interrupted.getCount()).as("the step was interrupted").isZero();
        assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.QUEUED);
        assertThat(stopping.scheduling.leasesOfRun(runId)).as("leases of the run").isEmpty();
        HistoryEvent handedBack = stopping.eventsOf(runId, EventType.STEP_RETRY).get(0);
        assertThat(handedBack.attempt()).isEqualTo(1);
        assertThat(handedBack.data()).contains("\"instanceStopped\":\"instance-a\"", "NVENT-0535")
                .doesNotContain("nextAttempt");
        assertThat(stopping.types(runId)).doesNotContain("step.failed", "flow.failed");
        assertThat(stopping.engine.metrics().counts().keySet()).extracting(EngineMetrics.Series::counter)
                .as("no retry of the step's").doesNotContain(EngineMetrics.Counter.STEP_RETRIES);

        // The memory queue keeps the job while the JVM lives, as the JMS and PostgreSQL queues keep theirs.
        assertThat(completesAtOnceOn(stopping, "instance-a", runId, "upload", step))
                .containsSubsequence("step.started", "step.retry", "step.started", "step.completed");
        assertThat(step.executions).hasValue(2);
    }

    @Test
    void a_step_continued_in_the_worker_of_the_step_before_it_and_cut_short_by_the_stop_is_queued_again_and_runs_at_once_on_the_next_instance()
            throws Exception {
        Take take = new Take();
        Pack pack = new Pack();
        EngineHarness stopping = new EngineHarness(take, pack);
        String runId = startUntilBlocked(stopping, "shipping", pack, "pack runs");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stopping.eventsOf(runId, EventType.STEP_STARTED).size() == 2);
        String queue = stopping.engine.registry().flow("shipping").orElseThrow().step("pack").orElseThrow().queue();
        String packJob = StepJob.jobId(runId, "pack");
        assertThat(stopping.queue.job(queue, packJob)).as("pack went on in take's worker").isPresent();

        try (RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            stopping.engine.closeQueue();
            assertThat(messages.logged).filteredOn(line -> line.startsWith("NVENT-0535")).singleElement()
                    .satisfies(line -> assertThat(line).contains("run " + runId + ": step pack", "queued as job "
                            + StepJob.jobId(runId, "pack") + ":recover-", "it runs again at once"));
        }

        assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("pack", StepStatus.QUEUED);
        HistoryEvent handedBack = stopping.eventsOf(runId, EventType.STEP_RETRY).get(0);
        // The queue keeps nothing of the continuation, once its worker is past it.
        await().atMost(Duration.ofSeconds(10)).until(() -> stopping.queue.job(queue, packJob).isEmpty());
        List<String> waiting = stopping.queue.jobs(queue, JobState.WAITING, 0, 10).stream().map(JobRecord::jobId)
                .toList();
        assertThat(waiting).as("the job queued in its place").singleElement()
                .satisfies(job -> assertThat(StepJob.isRecoveryJob(job)).as(job + " is a recovery job").isTrue());
        assertThat(handedBack.data()).contains("NVENT-0535", "\"jobId\":\"" + waiting.get(0) + "\"");

        completesAtOnceOn(stopping, "instance-b", runId, "pack", take, pack);
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
        assertThat(take.executions).hasValue(1);
    }

    @FlowStep(flow = "reshipping", name = "take", role = StepRole.ENTRY, emits = "taken")
    static class TakeAgain extends Take {
    }

    /** Continued in take's worker, fails on its own at first; its retry, from the queue, blocks until interrupted. */
    @FlowStep(flow = "reshipping", name = "pack", subscribes = "taken", maxAttempts = 3, backoffDelayMs = 0)
    static class PackAfterAFailure extends BlocksAtFirst {
        PackAfterAFailure() {
            super(2);
        }

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.get() == 0) {
                executions.incrementAndGet();
                throw new IllegalStateException("the scale is off");
            }
            return super.execute(input, ctx);
        }
    }

    @Test
    void the_retry_of_a_step_that_continued_in_its_worker_cut_short_by_the_stop_keeps_its_job_and_runs_at_once_on_the_next_instance()
            throws Exception {
        TakeAgain take = new TakeAgain();
        PackAfterAFailure pack = new PackAfterAFailure();
        EngineHarness stopping = new EngineHarness(take, pack);
        String runId = startUntilBlocked(stopping, "reshipping", pack, "pack's retry runs");
        String queue = stopping.engine.registry().flow("reshipping").orElseThrow().step("pack").orElseThrow().queue();
        String packJob = StepJob.jobId(runId, "pack");
        await().atMost(Duration.ofSeconds(10)).until(() -> stopping.eventsOf(runId, EventType.STEP_STARTED).stream()
                .filter(entry -> entry.step().filter("pack"::equals).isPresent()).count() == 2);

        stopping.engine.closeQueue();

        assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("pack", StepStatus.QUEUED);
        // The job of pack's retry, which ran from the queue, not as a continuation: put back once its worker is past it.
        await().atMost(Duration.ofSeconds(10)).until(() -> stopping.queue.job(queue, packJob).map(JobRecord::state)
                .filter(JobState.WAITING::equals).isPresent());
        try (EngineHarness next = EngineHarness.beside(stopping, "instance-b", settings -> settings, stopping.queue,
                take, pack)) {
            // No sweep and no time passing: the lost-job check never looks.
            next.awaitStatus(runId, RunStatus.COMPLETED);
        }
        assertThat(pack.executions).as("pack failed once, cut short once, then run").hasValue(3);
    }

    @FlowStep(flow = "restocking", name = "take", role = StepRole.ENTRY, emits = "taken")
    static class TakeToRestock extends Take {
    }

    @FlowStep(flow = "restocking", name = "pack", subscribes = "taken")
    static class PackToRestock extends BlocksAtFirst {
    }

    /** A memory queue an operator pauses just as a worker took a continuation: it goes into the queue instead. */
    static final class PausedAsAContinuationIsTaken extends MemoryJobQueue {
        PausedAsAContinuationIsTaken() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public boolean continueWith(JobRequest next) {
            boolean taken = super.continueWith(next);
            if (taken) {
                pause(next.queue());
            }
            return taken;
        }
    }

    @Test
    void a_continuation_that_went_into_the_queue_and_was_taken_from_it_by_the_same_worker_keeps_its_job_at_the_stop()
            throws Exception {
        TakeToRestock take = new TakeToRestock();
        PackToRestock pack = new PackToRestock();
        PausedAsAContinuationIsTaken queue = new PausedAsAContinuationIsTaken();
        // One worker: the one that offered pack to continue with takes its job from the queue.
        EngineHarness stopping = EngineHarness.pooled(new MemoryFlowStore(), new MemorySchedulingStore(), queue,
                "instance-a", name -> 1, take, pack);
        String runId = stopping.engine.start("restocking", null);
        String packJob = StepJob.jobId(runId, "pack");
        await().until(() -> queue.job("restocking", packJob).map(JobRecord::state).filter(JobState.WAITING::equals)
                .isPresent());
        queue.resume("restocking");
        assertThat(pack.blocking.await(10, TimeUnit.SECONDS)).as("pack runs, from the queue").isTrue();
        await().until(() -> stopping.eventsOf(runId, EventType.STEP_STARTED).size() == 2);

        try (RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            stopping.engine.closeQueue();
            assertThat(messages.logged).filteredOn(line -> line.startsWith("NVENT-0535")).singleElement()
                    .satisfies(line -> assertThat(line).contains("run " + runId + ": step pack", "(attempt 1, job "
                            + packJob + ")").doesNotContain("continued in its worker", ":recover-"));
        }

        await().until(() -> queue.job("restocking", packJob).map(JobRecord::state).filter(JobState.WAITING::equals)
                .isPresent());
        assertThat(queue.jobs("restocking", JobState.WAITING, 0, 10)).extracting(JobRecord::jobId)
                .as("its own job, put back, and no recovery job beside it").containsExactly(packJob);
        try (EngineHarness next = EngineHarness.beside(stopping, "instance-b", settings -> settings, queue, take,
                pack)) {
            next.awaitStatus(runId, RunStatus.COMPLETED);
        }
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
    }

    /** A memory queue whose enqueues fail while the test says so, as one whose broker or database is away. */
    static final class RefusingQueue extends MemoryJobQueue {
        volatile boolean refusing;

        RefusingQueue() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void enqueue(JobRequest request) {
            if (refusing) {
                throw new IllegalStateException("the broker is away");
            }
            super.enqueue(request);
        }
    }

    @Test
    void a_continued_step_whose_job_cannot_be_queued_as_the_stop_hands_it_back_says_so_and_the_lost_job_check_queues_it()
            throws Exception {
        Take take = new Take();
        Pack pack = new Pack();
        RefusingQueue queue = new RefusingQueue();
        EngineHarness stopping = EngineHarness.onQueue(queue, true, take, pack);
        String runId = startUntilBlocked(stopping, "shipping", pack, "pack runs");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stopping.eventsOf(runId, EventType.STEP_STARTED).size() == 2);
        String queueName = stopping.engine.registry().flow("shipping").orElseThrow().step("pack").orElseThrow().queue();
        queue.refusing = true;

        try (RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            stopping.engine.closeQueue();
            assertThat(messages.logged).noneMatch(line -> line.startsWith("NVENT-0535"));
            assertThat(messages.logged).filteredOn(line -> line.startsWith("NVENT-0052")).singleElement()
                    .satisfies(line -> assertThat(line).contains("run " + runId + ": step pack", "could not be queued",
                            "the broker is away", "the lost-job check", "NVENT-0124"));
        }
        assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("pack", StepStatus.QUEUED);
        assertThat(queue.counts(queueName).waiting()).as("jobs waiting").isZero();
        queue.refusing = false;

        try (EngineHarness next = EngineHarness.beside(stopping, "instance-b", settings -> settings, queue, take,
                pack)) {
            sweepTwiceALeaseApart(next);

            next.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(next.types(runId)).doesNotContain("step.stalled");
        }
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
    }

    @Test
    void a_step_the_stop_cuts_short_in_a_run_canceled_elsewhere_ends_canceled_instead_of_waiting_again()
            throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        try (EngineHarness stopping = new EngineHarness(step);
             EngineHarness other = EngineHarness.beside(stopping, "instance-b", settings -> settings, step)) {
            String runId = startUploadUntilStored(stopping, step);
            // Canceled on another instance, and this one stops before its sweep looks.
            other.engine.cancel(runId);

            stopping.engine.closeQueue();

            assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.CANCELED);
            assertThat(stopping.eventsOf(runId, EventType.STEP_CANCELED)).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("interrupted (its instance stopping)"));
            assertThat(stopping.types(runId)).doesNotContain("step.retry");
            assertThat(stopping.scheduling.leasesOfRun(runId)).as("leases of the run").isEmpty();
        }
    }

    @Test
    void a_step_cut_short_before_its_start_was_stored_is_handed_back_with_its_start_in_one_write() throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        try (EngineHarness stopping = EngineHarness.withStartWriteDelay(Duration.ofSeconds(30), step)) {
            String runId = startUntilBlocked(stopping, "export", step, "the step runs");
            long versionBefore = stopping.store.findRun(runId).orElseThrow().version();

            stopping.engine.closeQueue();

            assertThat(stopping.store.findRun(runId).orElseThrow().version()).isEqualTo(versionBefore + 1);
            assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.QUEUED);
            assertThat(stopping.types(runId)).endsWith("step.started", "step.retry");
            assertThat(stopping.scheduling.leasesOfRun(runId)).as("leases of the run").isEmpty();
        }
    }

    @Test
    void a_step_blocked_in_its_work_while_the_engine_stops_is_not_failed_and_runs_again_after_a_restart_whose_queue_lost_its_job()
            throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        EngineHarness stopping = new EngineHarness(step);
        String runId = startUntilBlocked(stopping, "export", step, "the step runs");

        stopping.engine.closeQueue();
        assertThat(step.interrupted.await(10, TimeUnit.SECONDS)).as("the step was interrupted").isTrue();
        String queue = uploadQueue(stopping);
        await().atMost(Duration.ofSeconds(10)).until(() -> stopping.queue.counts(queue).active() == 0);

        // Its only attempt: recorded as failed, it would have failed the run for good.
        assertThat(stopping.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(stopping.types(runId)).doesNotContain("step.failed", "flow.failed");
        stopping.close();

        try (EngineHarness restarted = new EngineHarness(stopping.store, stopping.scheduling, "instance-a", step)) {
            // The memory queue's job went with its instance: the sweep finds the step lost once the run has
            // not changed for a lease, which it sees on two looks a lease apart, and queues it again.
            sweepTwiceALeaseApart(restarted);

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(restarted.types(runId)).as("handed back, it never stalled").doesNotContain("step.stalled");
        }
        assertThat(step.executions).hasValue(2);
    }

    @Test
    void the_lost_job_check_leaves_a_handed_back_step_to_the_job_it_ran_under_while_the_queue_holds_it()
            throws Exception {
        BlocksAtFirst step = new BlocksAtFirst(2);
        EngineHarness first = new EngineHarness(step);
        String runId = startUntilBlocked(first, "export", step, "the step runs");
        first.engine.closeQueue();
        first.close();
        String queue = uploadQueue(first);
        // Its job gone with the first queue, the step runs again under a recovery job, and is cut short again.
        EngineHarness second = new EngineHarness(first.store, first.scheduling, "instance-a", step);
        sweepTwiceALeaseApart(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> step.executions.get() == 2
                && second.engine.run(runId).orElseThrow().steps().get("upload") == StepStatus.RUNNING);
        second.engine.closeQueue();
        await().atMost(Duration.ofSeconds(10)).until(() -> second.queue.counts(queue).waiting() == 1);
        String recoveryJob = second.queue.jobs(queue, JobState.WAITING, 0, 10).get(0).jobId();
        assertThat(StepJob.isRecoveryJob(recoveryJob)).as(recoveryJob + " is a recovery job").isTrue();
        second.close();

        // The next instance takes the job only once its queue is resumed, two lost-job checks later.
        second.queue.pause(queue);
        try (EngineHarness third = EngineHarness.beside(second, "instance-a", settings -> settings, second.queue,
                step)) {
            sweepTwiceALeaseApart(third);

            assertThat(third.queue.jobs(queue, JobState.WAITING, 0, 10)).extracting(JobRecord::jobId)
                    .as("no second job of the step").containsExactly(recoveryJob);
            third.queue.resume(queue);
            third.awaitStatus(runId, RunStatus.COMPLETED);
        }
        assertThat(step.executions).hasValue(3);
    }

    @Test
    void a_step_whose_hand_back_the_store_cannot_take_in_time_does_not_hold_the_stop_and_comes_back_once_its_lease_expires()
            throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        HangingStore store = new HangingStore();
        EngineHarness stopping = EngineHarness.over(store, new HandlerKeepingQueue(), step);
        stopping.engine.useStopPatience(Duration.ofMillis(300));
        String runId = startUploadUntilStored(stopping, step);
        try {
            store.armed = true;
            long began = System.nanoTime();
            stopping.engine.closeQueue();

            assertThat(Duration.ofNanos(System.nanoTime() - began)).as("the stop").isLessThan(Duration.ofSeconds(5));
            assertThat(store.hanging.await(10, TimeUnit.SECONDS)).as("the hand-back hangs").isTrue();
            assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.RUNNING);
            stopping.close();

            try (EngineHarness restarted = new EngineHarness(store, stopping.scheduling, "instance-a", step)) {
                restarted.sweep();
                assertThat(restarted.engine.run(runId).orElseThrow().status()).as("within the stopped start's lease")
                        .isEqualTo(RunStatus.RUNNING);

                restarted.clock.advance(Duration.ofMinutes(1).plusSeconds(1));
                restarted.sweep();

                restarted.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(restarted.types(runId)).contains("step.stalled");
                assertThat(restarted.eventsOf(runId, EventType.STEP_RETRY)).extracting(HistoryEvent::data)
                        .noneMatch(data -> data.contains("instanceStopped"));
            }
        } finally {
            store.release.countDown();
        }
    }

    @Test
    void a_hand_back_the_store_takes_only_after_the_stop_gave_up_on_it_changes_nothing() throws Exception {
        BlocksAtFirst step = new BlocksAtFirst();
        HangingStore store = new HangingStore();
        store.thenWrite = true;
        try (EngineHarness stopping = EngineHarness.over(store, new HandlerKeepingQueue(), step)) {
            stopping.engine.useStopPatience(Duration.ofMillis(300));
            String runId = startUploadUntilStored(stopping, step);
            long versionBefore = store.findRun(runId).orElseThrow().version();
            store.armed = true;
            stopping.engine.closeQueue();

            assertThat(store.hanging.await(10, TimeUnit.SECONDS)).as("the hand-back hangs").isTrue();
            store.release.countDown();
            String queue = uploadQueue(stopping);
            await().atMost(Duration.ofSeconds(10)).until(() -> stopping.queue.counts(queue).active() == 0);

            // Once the stop's patience is over, the stopped instance may no longer be sure of its lease.
            assertThat(store.findRun(runId).orElseThrow().version()).isEqualTo(versionBefore);
            assertThat(stopping.types(runId)).doesNotContain("step.retry");
            assertThat(stopping.engine.run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.RUNNING);
            // The step waits under its lease, whose expiry the sweep finds (step.stalled), not lease-less.
            assertThat(stopping.scheduling.leasesOfRun(runId)).singleElement()
                    .satisfies(lease -> assertThat(lease.owner()).startsWith("instance-a"));
        }
    }

    @Test
    void a_failed_attempt_a_queue_reports_after_the_engine_closed_it_is_not_recorded() {
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new BlocksAtFirst())) {
            String queueName = uploadQueue(h);
            h.queue.pause(queueName);
            String runId = h.engine.start("export", null);
            JobRecord job = h.queue.job(queueName, StepJob.jobId(runId, "upload")).orElseThrow();

            h.engine.closeQueue();
            // Its last attempt, failed as an adapter that knows nothing of shutdowns would report it.
            queue.handler.onAttemptFailed(new JobExecution(queueName, job.jobId(), job.name(), job.payload(), 1, 1),
                    new IllegalStateException("the upload was interrupted"), Optional.empty());

            assertThat(h.engine.run(runId).orElseThrow().status()).isNotEqualTo(RunStatus.FAILED);
            assertThat(h.types(runId)).doesNotContain("step.retry", "step.failed", "flow.failed");
        }
    }

    @Test
    void a_start_after_the_engine_closed_its_queue_is_refused_as_retryable_and_stores_no_run() {
        EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).build();
        engine.close();

        assertThatThrownBy(() -> engine.flows().start("noop", Map.of()))
                .isInstanceOfSatisfying(NventException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageStartingWith("NVENT-0527 flow 'noop' was not started: the engine of this instance has "
                        + "stopped");
        assertThat(engine.flows().stats("noop").total()).as("runs").isZero();
    }

    /** Two lost-job checks a lease apart: the second finds a step lost whose run did not change in between. */
    private static void sweepTwiceALeaseApart(EngineHarness h) {
        h.sweep();
        h.clock.advance(Duration.ofMinutes(1));
        h.sweep();
    }

    /** The queue of the export flow's upload step. */
    private static String uploadQueue(EngineHarness h) {
        return h.engine.registry().flow("export").orElseThrow().step("upload").orElseThrow().queue();
    }

    /** Starts the flow and waits until the step blocks in its work. */
    private static String startUntilBlocked(EngineHarness h, String flow, BlocksAtFirst step, String description)
            throws InterruptedException {
        String runId = h.engine.start(flow, null);
        assertThat(step.blocking.await(10, TimeUnit.SECONDS)).as(description).isTrue();
        return runId;
    }

    /** Starts an export and waits until its upload blocks in its work and its start is stored. */
    private static String startUploadUntilStored(EngineHarness h, BlocksAtFirst step) throws InterruptedException {
        String runId = startUntilBlocked(h, "export", step, "the step runs");
        await().atMost(Duration.ofSeconds(10)).until(() -> h.types(runId).contains("step.started"));
        return runId;
    }
}

package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine on the {@link JobQueue} under test, stopped while a step runs, as a rolling deploy stops an instance:
 * the step cut short is handed back to the queue and runs again at once on the next instance, not once the
 * lost-job check finds it a lease later. Subclass it once per queue adapter: {@link #newStores()} and
 * {@link #startInstance}.
 *
 * @since 0.2
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class EngineStopContractTest {

    /** The lease to give the instances: long, so a step that came back only once its lease expired would not come back within the test. */
    protected static final Duration LEASE = Duration.ofMinutes(10);
    /** How long the test waits for what a slow shared machine may take. */
    protected static final Duration PATIENCE = Duration.ofSeconds(20);

    /** The stores the instances of one test share, as the instances of a cluster share their database. */
    public record SharedStores(FlowStore store, SchedulingStore scheduling) {
    }

    /**
     * One instance's engine, as the contract drives it.
     *
     * @param flows its flow service
     * @param stop  stops the engine as {@code close()} of the embedded engine does, returning once nothing of it runs
     */
    public record Instance(FlowService flows, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    /**
     * Creates the stores one test's instances share.
     *
     * @return a flow store and a scheduling store, empty
     */
    protected abstract SharedStores newStores();

    /**
     * Starts an instance: an engine with the steps deployed, over the shared stores, on the queue under test (the
     * queue of the test's other instances: the same broker or database), with a lease of {@link #LEASE}.
     *
     * @param stores the test's stores
     * @param steps  the steps to deploy
     * @return the started instance
     */
    protected abstract Instance startInstance(SharedStores stores, Step<?, ?>... steps);

    /**
     * Whether two instances can take jobs from the queue side by side. A queue that lives in its instance's memory
     * cannot: its instances take turns on it, the next starting once the stopped one is gone.
     *
     * @return {@code true} unless the adapter says otherwise
     */
    protected boolean instancesRunSideBySide() {
        return true;
    }

    /**
     * A step whose first executions block in their work until interrupted, and turn the interrupt into a failure of
     * their own, as a step blocked in an HTTP or JDBC call does; later executions complete.
     */
    @FlowStep(flow = "export", name = "upload", role = StepRole.ENTRY)
    public static class BlocksAtFirst implements Step<Object, String> {
        /** How often it was executed. */
        public final AtomicInteger executions = new AtomicInteger();
        /** Counted down once an execution blocks. */
        public final CountDownLatch blocking = new CountDownLatch(1);
        /** Counted down once a blocked execution was interrupted. */
        public final CountDownLatch interrupted = new CountDownLatch(1);
        private final int blockingExecutions;

        /** Blocks in its first execution only. */
        public BlocksAtFirst() {
            this(1);
        }

        /**
         * Blocks in its first executions.
         *
         * @param blockingExecutions how many executions block
         */
        public BlocksAtFirst(int blockingExecutions) {
            this.blockingExecutions = blockingExecutions;
        }

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.incrementAndGet() > blockingExecutions) {
                return "uploaded";
            }
            blocking.countDown();
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IllegalStateException("the upload was interrupted", e);
            }
        }
    }

    /** Takes an order and says so; pack goes on in its worker. */
    @FlowStep(flow = "shipping", name = "take", role = StepRole.ENTRY, emits = "taken")
    public static class Take implements Step<Object, String> {
        /** How often it was executed. */
        public final AtomicInteger executions = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            executions.incrementAndGet();
            ctx.emit("taken", Map.of("order", "o-1"));
            return "taken";
        }
    }

    /** Packs what was taken, in the worker that ran take: its first execution blocks until interrupted. */
    @FlowStep(flow = "shipping", name = "pack", subscribes = "taken")
    public static class Pack extends BlocksAtFirst {
    }

    @Test
    void a_step_the_stop_cut_short_runs_again_at_once_on_the_next_instance_without_being_found_stalled()
            throws Exception {
        SharedStores stores = newStores();
        BlocksAtFirst step = new BlocksAtFirst();
        Instance stopping = startInstance(stores, step);
        String runId = stopping.flows().start("export", null);
        awaitBlockedAndRunning(stopping, runId, step, "upload");

        // Its grace over, the queue interrupts the step and hands its job back; the engine hands the step back.
        stopping.close();

        assertThat(stopping.flows().run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.QUEUED);
        assertThat(stores.scheduling().leasesOfRun(runId)).as("leases of the run").isEmpty();
        try (Instance next = startInstance(stores, step)) {
            List<HistoryEvent> history = awaitCompleted(next, runId);
            assertThat(history).extracting(event -> event.type().wireName()).doesNotContain("step.stalled")
                    .containsSubsequence("step.started", "step.retry", "step.started", "step.completed");
            assertThat(history).filteredOn(event -> event.type() == EventType.STEP_RETRY)
                    .singleElement().satisfies(retry -> assertThat(retry.data()).contains("instanceStopped"));
        }
        assertThat(step.executions).hasValue(2);
    }

    @Test
    void a_step_continued_in_the_worker_of_the_step_before_it_and_cut_short_by_the_stop_runs_at_once_on_the_other_instance()
            throws Exception {
        SharedStores stores = newStores();
        Take take = new Take();
        Pack pack = new Pack();
        Instance stopping = startInstance(stores, take, pack);
        String runId = stopping.flows().start("shipping", null);
        awaitBlockedAndRunning(stopping, runId, pack, "pack");
        Instance other = instancesRunSideBySide() ? startInstance(stores, take, pack) : null;
        // Pack has no job of its own in the queue: it went on in take's worker, whose job completed.
        stopping.close();

        try (Instance next = other != null ? other : startInstance(stores, take, pack)) {
            List<HistoryEvent> history = awaitCompleted(next, runId);
            assertThat(history).extracting(event -> event.type().wireName()).doesNotContain("step.stalled")
                    .containsSubsequence("step.started", "step.completed", "step.started", "step.retry",
                            "step.started", "step.completed");
            HistoryEvent handedBack = history.stream().filter(event -> event.type() == EventType.STEP_RETRY)
                    .findFirst().orElseThrow();
            assertThat(handedBack.data()).contains("instanceStopped", runId + ":pack:recover-");
            assertThat(history).filteredOn(event -> event.type() == EventType.STEP_STARTED
                    && event.step().filter("pack"::equals).isPresent()).extracting(HistoryEvent::attempt)
                    .as("the attempt cut short does not count").containsExactly(1, 1);
        }
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
        // A queue that rolls take's job back with pack's work may deliver it again: it finds take done and runs nothing.
        assertThat(take.executions).hasValue(1);
    }

    private static void awaitBlockedAndRunning(Instance instance, String runId, BlocksAtFirst step, String name)
            throws InterruptedException {
        assertThat(step.blocking.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as(name + " runs").isTrue();
        await().atMost(PATIENCE).until(() -> instance.flows().run(runId).orElseThrow().steps().get(name)
                == StepStatus.RUNNING);
    }

    /** Within the test's patience, far less than the lease the lost-job check waits for; returns the run's history. */
    private static List<HistoryEvent> awaitCompleted(Instance instance, String runId) {
        await().atMost(PATIENCE).until(() -> instance.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
        return instance.flows().events(runId, EventQuery.all());
    }
}

package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobRecord;
import io.nvent.spi.AwaitRecord;
import java.time.Duration;
import java.time.Instant;
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

/** Once an engine says it stopped, nothing of it runs, and it starts no run it could not hand on. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineStopTest {

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    /**
     * A step whose first execution blocks in its work until interrupted, and turns the interrupt into
     * a failure of its own, as a step blocked in an HTTP or JDBC call does; later executions complete.
     */
    @FlowStep(flow = "export", name = "upload", role = StepRole.ENTRY)
    static class BlocksOnce implements Step<Object, String> {
        final AtomicInteger executions = new AtomicInteger();
        final CountDownLatch blocking = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.incrementAndGet() > 1) {
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
                // Not interruptible, as a JDBC call that waits for its database.
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

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !closing.isDone());
        scheduling.release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        int readsAtClose = scheduling.reads.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> scheduling.reads.get() == readsAtClose);
    }

    @Test
    void a_step_blocked_in_its_work_while_the_engine_stops_is_not_failed_and_runs_again_after_a_restart()
            throws Exception {
        BlocksOnce step = new BlocksOnce();
        EngineHarness stopping = new EngineHarness(step);
        String runId = stopping.engine.start("export", null);
        assertThat(step.blocking.await(10, TimeUnit.SECONDS)).as("the step runs").isTrue();

        stopping.engine.closeQueue();
        assertThat(step.interrupted.await(10, TimeUnit.SECONDS)).as("the step was interrupted").isTrue();
        String queue = stopping.engine.registry().flow("export").orElseThrow().step("upload").orElseThrow().queue();
        await().atMost(Duration.ofSeconds(10)).until(() -> stopping.queue.counts(queue).active() == 0);

        // Its only attempt: recorded as failed, it would have failed the run for good.
        assertThat(stopping.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(stopping.types(runId)).doesNotContain("step.retry", "step.failed", "flow.failed");
        stopping.close();

        try (EngineHarness restarted = new EngineHarness(stopping.store, stopping.scheduling, "instance-a", step)) {
            // The memory queue's job went with its instance: the sweep finds the step lost once the run has
            // not changed for a lease, which it sees on two looks a lease apart.
            restarted.sweep();
            restarted.clock.advance(Duration.ofMinutes(1));
            restarted.sweep();

            restarted.awaitStatus(runId, RunStatus.COMPLETED);
        }
        assertThat(step.executions).hasValue(2);
    }

    @Test
    void a_failed_attempt_a_queue_reports_after_the_engine_closed_it_is_not_recorded() {
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new BlocksOnce())) {
            String queueName = h.engine.registry().flow("export").orElseThrow().step("upload").orElseThrow().queue();
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
}

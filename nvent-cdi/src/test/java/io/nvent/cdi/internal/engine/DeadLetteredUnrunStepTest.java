package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.engine.OrchestrationTest.IgnoresInterrupts;
import io.nvent.cdi.internal.engine.TimedOutAttemptFenceTest.HandlerKept;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.RetryPolicy;
import io.nvent.spi.EventDraft;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.RunChange;
import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A queue with a delivery limit (the JMS queue's {@code nvent.queue.jms.max-deliveries}) moves a step's job to its
 * dead letters without running it on the delivery past the limit, and tells the engine of a last attempt that
 * failed ({@code onAttemptFailed}, no next attempt) for an attempt it did not start on that delivery.
 */
class DeadLetteredUnrunStepTest {

    static volatile CountDownLatch lostExecutionEnds = new CountDownLatch(1);

    /** Its first attempt stands for one that killed its JVM: it never ends while the test looks. */
    @FlowStep(flow = "poison", name = "crash", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 5)
    static class Crash implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) {
            IgnoresInterrupts.awaitUninterruptibly(lostExecutionEnds);
            return "attempt " + ctx.attempt();
        }
    }

    @Test
    void a_step_whose_job_the_queue_dead_letters_unrun_past_its_delivery_limit_fails_for_good_at_that_attempt_and_runs_no_more() {
        lostExecutionEnds = new CountDownLatch(1);
        HandlerKept queue = new HandlerKept();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new Crash())) {
            String runId = h.engine.start("poison", "");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    h.engine.run(runId).orElseThrow().steps().get("crash") == StepStatus.RUNNING);
            JobExecution lost = queue.handled.get(0);

            queue.engine.onAttemptFailed(new JobExecution(lost.queue(), lost.jobId(), lost.name(), lost.payload(),
                    lost.attempt(), lost.maxAttempts(), true), new IllegalStateException("NVENT-0623 job "
                    + lost.jobId() + " attempt 1: 3 deliveries ended without an outcome; delivery 4 moved it to the dead letters"),
                    Optional.empty());

            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.run(runId).orElseThrow().status()
                    == RunStatus.FAILED);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("crash", StepStatus.FAILED);
            List<HistoryEvent> history = h.history(runId);
            assertThat(history).filteredOn(e -> e.type() == EventType.STEP_FAILED).singleElement()
                    .satisfies(failed -> {
                        assertThat(failed.attempt()).isOne();
                        assertThat(failed.data()).contains("NVENT-0623");
                    });
            assertThat(history).noneMatch(e -> e.type() == EventType.STEP_RETRY);
            assertThat(queue.handled).as("not run again").hasSize(1);
        } finally {
            lostExecutionEnds.countDown();
        }
    }

    /**
     * The job of an execution lost with its instance comes back past the limit after the lost-step sweep had
     * recovered the step, which another job now runs on this instance: its dead letter fails the step for no one.
     */
    @Test
    void the_dead_letter_of_a_lost_executions_job_after_the_step_was_recovered_leaves_the_execution_that_holds_it_alone() {
        lostExecutionEnds = new CountDownLatch(1);
        Dropping queue = new Dropping();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new Crash())) {
            String stepQueue = crashQueue(h);
            // Another instance ran the step's job and died; the sweep marked it stalled and recovered it.
            String runId = startedOnAnInstanceNowGone(h, queue, 1);
            String lostJob = runId + ":crash";
            queue.dropped.add(lostJob);
            Instant then = h.clock.instant();
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStep("crash", StepStatus.QUEUED),
                    List.of(EventDraft.ofStep(EventType.STEP_STALLED, "crash", 0, then, "{\"reason\":\"lost\"}"),
                            EventDraft.ofStep(EventType.STEP_RETRY, "crash", 0, then,
                                    "{\"reason\":\"recovered after stall\"}")))));
            String recoveryJob = StepJob.recoveryJobId(runId, "crash", h.store.findRun(runId).orElseThrow().version());
            queue.enqueue(new JobRequest(stepQueue, recoveryJob, "crash",
                    new StepJob(runId, "poison", "crash", OptionalLong.empty()).toJson(), Duration.ZERO, 0,
                    RetryPolicy.NO_RETRY, Duration.ofMinutes(1)));
            queue.resume(stepQueue);
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.handled.contains(recoveryJob)
                    && h.engine.run(runId).orElseThrow().steps().get("crash") == StepStatus.RUNNING);
            JobExecution recovering = queue.executions.get(0);

            queue.engine.onAttemptFailed(new JobExecution(stepQueue, lostJob, "crash", recovering.payload(), 1,
                    recovering.maxAttempts(), true), new IllegalStateException("NVENT-0623 job " + lostJob
                    + " attempt 1: 1 delivery ended without an outcome; delivery 2 moved it to the dead letters"), Optional.empty());

            assertThat(h.engine.run(runId).orElseThrow().steps()).as("still the recovery's")
                    .containsEntry("crash", StepStatus.RUNNING);
            lostExecutionEnds.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).isEmpty();
        } finally {
            lostExecutionEnds.countDown();
        }
    }

    /**
     * The dead letter's failure report could not reach the store ({@code NVENT-0604}): the step stayed running under
     * the lease of its lost execution. Once that lease runs out, the sweep finds the job dead in the queue and fails
     * the step with its error, rather than run it again past the queue's delivery limit.
     */
    @Test
    void a_step_whose_dead_letter_the_run_never_heard_of_is_failed_by_the_sweep_when_its_lease_runs_out_not_run_again() {
        Dropping queue = new Dropping();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new Crash())) {
            // Another instance ran the step's job and died; its job came back past the limit and went to the dead
            // letters, but the failure report found the store away.
            String runId = deadLetteredAsItsLeaseRunsOut(h, queue, 1);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0623"));
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).as("not queued again").isEmpty();
            assertThat(queue.counts(crashQueue(h)).waiting()).as("no recovery job beside the one given up on").isOne();
        }
    }

    /** The dead letter of an earlier attempt says nothing of the one whose lease ran out: that one is recovered. */
    @Test
    void a_dead_letter_of_an_earlier_attempt_leaves_the_sweep_recovering_the_step_whose_lease_ran_out() {
        Dropping queue = new Dropping();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), queue, new Crash())) {
            String runId = deadLetteredAsItsLeaseRunsOut(h, queue, 2);

            assertThat(h.eventsOf(runId, EventType.STEP_STALLED)).hasSize(1);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).isEmpty();
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("crash", StepStatus.QUEUED);
        }
    }

    /** The queue of the poison flow's step. */
    private static String crashQueue(EngineHarness h) {
        return h.engine.registry().flow("poison").orElseThrow().step("crash").orElseThrow().queue();
    }

    /**
     * Starts a poison run, its step's queue paused, and stores its step running as an instance now gone started
     * {@code attempt} of it with the run's first job, {@code <run>:crash}; returns the run's id.
     */
    private static String startedOnAnInstanceNowGone(EngineHarness h, Dropping queue, int attempt) {
        queue.pause(crashQueue(h));
        String runId = h.engine.start("poison", "");
        String lostJob = runId + ":crash";
        Instant then = h.clock.instant();
        h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStep("crash", StepStatus.RUNNING),
                List.of(EventDraft.ofStep(EventType.STEP_STARTED, "crash", attempt, then,
                        "{\"jobId\":\"" + lostJob + "\",\"instance\":\"instance-gone\"}")))));
        return runId;
    }

    /**
     * A step {@link #startedOnAnInstanceNowGone started on an instance now gone}, under its lease, whose first job the
     * queue shows among its dead letters (attempt 1 delivered past the limit): the lease runs out and the sweep looks.
     */
    private static String deadLetteredAsItsLeaseRunsOut(EngineHarness h, Dropping queue, int attempt) {
        String runId = startedOnAnInstanceNowGone(h, queue, attempt);
        String lostJob = runId + ":crash";
        Instant then = h.clock.instant();
        Duration lease = h.engine.settings().leaseDuration();
        assertThat(h.scheduling.acquireLease(runId, "crash", "instance-gone", then.plus(lease), then)).isTrue();
        queue.dead.put(lostJob, "NVENT-0623 job " + lostJob + " attempt 1: 3 deliveries ended without an outcome;"
                + " delivery 4 moved it to the dead letters");

        h.clock.advance(lease.plusSeconds(1));
        h.sweep();
        return runId;
    }

    /** A memory queue that keeps the engine's job handler and ends the jobs of lost executions unrun. */
    static final class Dropping extends MemoryJobQueue {
        final Set<String> dropped = new CopyOnWriteArraySet<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        final List<JobExecution> executions = new CopyOnWriteArrayList<>();
        /** Jobs the queue shows as dead letters, by id, with the error of their last attempt. */
        final Map<String, String> dead = new ConcurrentHashMap<>();
        volatile JobHandler engine;

        Dropping() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public Optional<JobRecord> job(String queueName, String jobId) {
            Optional<JobRecord> job = super.job(queueName, jobId);
            String error = dead.get(jobId);
            if (error == null || job.isEmpty()) {
                return job;
            }
            JobRecord kept = job.get();
            return Optional.of(new JobRecord(kept.queue(), jobId, kept.name(), JobState.FAILED, kept.payload(),
                    kept.maxAttempts(), kept.createdAt(), kept.availableAt(), List.of(new JobAttempt(1,
                    kept.createdAt(), Optional.of(kept.createdAt()), Optional.of(error)))));
        }

        @Override
        public void registerWorker(String queueName, int concurrency, JobHandler handler) {
            engine = handler;
            super.registerWorker(queueName, concurrency, new JobHandler() {
                @Override
                public void handle(JobExecution job) throws Exception {
                    if (dropped.contains(job.jobId())) {
                        return;
                    }
                    handled.add(job.jobId());
                    executions.add(job);
                    handler.handle(job);
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
}

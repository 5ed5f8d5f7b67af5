package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.StepStatus;
import io.nvent.spi.JobRecord;
import io.nvent.spi.RunChange;
import io.nvent.spi.StepLease;
import io.nvent.spi.StepHandOn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A step the maintenance sweep queues again goes on in the trace its earlier job carried, where the queue still holds
 * that job; where it does not, the interceptors are told it is a recovery ({@link AttemptInterceptor#captureRecovered}).
 */
class RecoveredStepTraceTest {

    @FlowStep(flow = "mail", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    /** Numbers what it captures, and says "recovered" where it is asked for a recovery. */
    static final class Tracing implements AttemptInterceptor {
        private final AtomicInteger captures = new AtomicInteger();

        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            return Map.of("traceparent", "capture " + captures.incrementAndGet() + " of " + handOn.runId());
        }

        @Override
        public Map<String, String> captureRecovered(StepHandOn handOn) {
            return Map.of("traceparent", "recovered " + handOn.runId());
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return AttemptScope.NONE;
        }
    }

    private static Map<String, String> traceOfJob(EngineHarness h, String queue, String jobId) {
        Optional<JobRecord> job = h.queue.job(queue, jobId);
        assertThat(job).as("job " + jobId).isPresent();
        return StepJob.parse(job.get().payload()).trace();
    }

    @Test
    void aStalledStepIsQueuedAgainInTheTraceItsJobCarried() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            h.engine.useInterceptors(List.of(new Tracing()));
            String queue = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            h.queue.pause(queue);
            String runId = h.engine.start("mail", null);
            // Its execution started on an instance that died: running, under a lease that ran out.
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStep("send", StepStatus.RUNNING),
                    List.of())));
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "send", "instance-gone", now.plusSeconds(1), now)).isTrue();
            h.clock.advance(Duration.ofSeconds(2));
            StepLease expired = h.scheduling.leasesOfRun(runId).get(0);

            h.engine.lostSteps().handleExpiredLease(expired);

            long version = h.store.findRun(runId).orElseThrow().version();
            assertThat(traceOfJob(h, queue, StepJob.recoveryJobId(runId, "send", version)))
                    .as("what its start captured, not a capture of the sweep's")
                    .containsExactly(Map.entry("traceparent", "capture 1 of " + runId));
        }
    }

    @Test
    void aStepWhoseJobIsGoneFromTheQueueIsQueuedAgainMarkedAsARecovery() {
        LostStepSweepTest.TakesEachJobIdOnce queue = new LostStepSweepTest.TakesEachJobIdOnce();
        try (EngineHarness h = EngineHarness.onQueue(queue, false, new Send())) {
            h.engine.useInterceptors(List.of(new Tracing()));
            String queueName = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            queue.pause(queueName);
            queue.loseTheNextJob.set(true);
            String runId = h.engine.start("mail", null);
            long version = h.store.findRun(runId).orElseThrow().version();

            h.engine.lostSteps().requeueLostSteps(Map.of(runId, version), Optional.empty(), 100);

            assertThat(traceOfJob(h, queueName, StepJob.recoveryJobId(runId, "send", version)))
                    .containsExactly(Map.entry("traceparent", "recovered " + runId));
        }
    }

    /** A queue whose jobs read back garbled once asked to: a payload of an unknown release, or damaged. */
    static final class GarbledPayloads extends io.nvent.cdi.internal.memory.MemoryJobQueue {
        final java.util.concurrent.atomic.AtomicBoolean garble = new java.util.concurrent.atomic.AtomicBoolean();

        GarbledPayloads() {
            super(java.time.Clock.systemUTC(), io.nvent.cdi.internal.Threads.daemonThreads("test-worker"));
        }

        @Override
        public Optional<JobRecord> job(String queue, String jobId) {
            return super.job(queue, jobId).map(job -> !garble.get() ? job : new JobRecord(job.queue(), job.jobId(),
                    job.name(), job.state(), "{\"trace\":{\"traceparent\":", job.maxAttempts(), job.createdAt(),
                    job.availableAt(), job.attempts()));
        }
    }

    @Test
    void aStalledStepWhoseEarlierJobCannotBeReadIsQueuedAgainAllTheSameMarkedAsARecovery() {
        GarbledPayloads queue = new GarbledPayloads();
        try (EngineHarness h = EngineHarness.onQueue(queue, false, new Send())) {
            h.engine.useInterceptors(List.of(new Tracing()));
            String queueName = h.engine.registry().flow("mail").orElseThrow().step("send").orElseThrow().queue();
            queue.pause(queueName);
            String runId = h.engine.start("mail", null);
            h.store.updateRun(runId, run -> Optional.of(new RunChange(run.withStep("send", StepStatus.RUNNING),
                    List.of())));
            Instant now = h.clock.instant();
            assertThat(h.scheduling.acquireLease(runId, "send", "instance-gone", now.plusSeconds(1), now)).isTrue();
            h.clock.advance(Duration.ofSeconds(2));
            StepLease expired = h.scheduling.leasesOfRun(runId).get(0);
            queue.garble.set(true);

            h.engine.lostSteps().handleExpiredLease(expired);

            queue.garble.set(false);
            long version = h.store.findRun(runId).orElseThrow().version();
            assertThat(traceOfJob(h, queueName, StepJob.recoveryJobId(runId, "send", version)))
                    .as("recovered, its earlier trace unreadable: the recovery matters more than the trace")
                    .containsExactly(Map.entry("traceparent", "recovered " + runId));
        }
    }
}

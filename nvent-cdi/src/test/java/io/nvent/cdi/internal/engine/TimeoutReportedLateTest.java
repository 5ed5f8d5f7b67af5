package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.engine.OrchestrationTest.IgnoresInterrupts;
import io.nvent.cdi.internal.engine.TimedOutAttemptFenceTest.FirstWriteHeld;
import io.nvent.cdi.internal.engine.TimedOutAttemptFenceTest.StateHeld;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.nvent.cdi.internal.engine.TimedOutAttemptFenceTest.awaitLatch;
import static io.nvent.cdi.internal.engine.TimedOutAttemptFenceTest.awaitStartStored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue reports a step's timeout after the timed-out execution ended (the JMS queue always does; the PostgreSQL
 * queue's maintenance thread may), or while it runs beside a second delivery of the same attempt: the lease the
 * timed-out execution took is given up then, that lease only. An execution of the step that began here meanwhile (an
 * operator's retry, numbering its attempts from 1 again) keeps the lease it took, so that no sweep finds the step
 * running without a lease and queues it again: the step runs once more, not twice.
 */
class TimeoutReportedLateTest {

    /** The step's timeout in these flows. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** Lets the first execution go on. */
    static volatile CountDownLatch firstGoesOn = new CountDownLatch(1);
    /** Counted down once the next execution (the retry) runs the step's code. */
    static volatile CountDownLatch retryRuns = new CountDownLatch(1);
    /** Lets the retry return. */
    static volatile CountDownLatch retryGoesOn = new CountDownLatch(1);

    @BeforeEach
    void reset() {
        firstGoesOn = new CountDownLatch(1);
        retryRuns = new CountDownLatch(1);
        retryGoesOn = new CountDownLatch(1);
    }

    /**
     * One attempt, so that a timeout fails the run: the first execution returns when the test lets it, past its
     * timeout; the next one (an operator's retry, at attempt 1 again) returns when the test lets it.
     */
    @FlowStep(flow = "late-report", name = "load", role = StepRole.ENTRY, maxAttempts = 1, timeoutMs = 1_000)
    static class Load implements Step<String, String> {
        static final AtomicInteger executions = new AtomicInteger();

        @Override
        public String execute(String input, StepContext ctx) {
            long began = System.nanoTime();
            int execution = executions.incrementAndGet();
            if (execution == 1) {
                IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
                outliveTheTimeout(began);
            } else {
                retryRuns.countDown();
                IgnoresInterrupts.awaitUninterruptibly(retryGoesOn);
            }
            return "execution " + execution;
        }
    }

    /**
     * One attempt: the first execution writes the run's state when the test lets it; the next one (an operator's
     * retry) returns when the test lets it.
     */
    @FlowStep(flow = "late-write", name = "write", role = StepRole.ENTRY, maxAttempts = 1, timeoutMs = 1_000)
    static class Write implements Step<String, String> {
        static final AtomicInteger executions = new AtomicInteger();
        /** Counted down once the first execution's state write returned. */
        static volatile CountDownLatch firstWrote = new CountDownLatch(1);

        @Override
        public String execute(String input, StepContext ctx) {
            int execution = executions.incrementAndGet();
            if (execution == 1) {
                IgnoresInterrupts.awaitUninterruptibly(firstGoesOn);
                ctx.state().set("writtenBy", "execution 1");
                firstWrote.countDown();
            } else {
                retryRuns.countDown();
                IgnoresInterrupts.awaitUninterruptibly(retryGoesOn);
            }
            return "execution " + execution;
        }
    }

    /**
     * A scheduling store that holds, once armed, the next release of a lease on its way ({@link #holdNextRelease});
     * and a step's start on the thread it is armed on ({@link #startHeldOn}).
     */
    static final class LeaseWritesHeld extends MemorySchedulingStore {
        final FirstWriteHeld start = new FirstWriteHeld();
        volatile Thread startHeldOn;
        /** Counted down once the release held returned. */
        final CountDownLatch releaseReturned = new CountDownLatch(1);
        private volatile FirstWriteHeld release;

        FirstWriteHeld holdNextRelease() {
            release = new FirstWriteHeld();
            return release;
        }

        @Override
        public boolean releaseLease(StepLease lease) {
            FirstWriteHeld held = release;
            boolean wasHeld = held != null && held.holdIfFirst();
            try {
                return super.releaseLease(lease);
            } finally {
                if (wasHeld) {
                    releaseReturned.countDown();
                }
            }
        }

        @Override
        public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
            if (Thread.currentThread() == startHeldOn) {
                start.holdIfFirst();
            }
            return super.startStep(runs, lease, now, mutation);
        }
    }

    @Test
    void anOperatorsRetryBeginningBeforeTheLateTimeoutReportGaveUpTheLeaseKeepsTheLeaseItTook() {
        Load.executions.set(0);
        LeaseWritesHeld scheduling = new LeaseWritesHeld();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), scheduling, new TimeoutOnReturnQueue(),
                new Load())) {
            String runId = h.engine.start("late-report", "");
            awaitStartStored(h, runId, "load");
            FirstWriteHeld release = scheduling.holdNextRelease();
            firstGoesOn.countDown();
            awaitLatch(release.reached, "the queue's report of the timeout, once the execution ended, gives up its lease");
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "load");
            awaitLatch(retryRuns, "the operator's retry, at attempt 1 again, runs the step");
            awaitStartStored(h, runId, "load");
            release.goesOn.countDown();
            awaitLatch(scheduling.releaseReturned, "the timed-out execution's lease was given up");

            assertThat(h.scheduling.leasesOfRun(runId)).as("the lease the retry took, which the release left alone")
                    .singleElement().satisfies(lease -> {
                        assertThat(lease.owner()).as("this instance's").startsWith("instance-a");
                        assertThat(lease.attempt()).as("an attempt of the retry's own").hasValue(2);
                    });
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).as("the step completed once, by the retry")
                    .singleElement().satisfies(entry -> assertThat(entry.data()).contains("\"result\":\"execution 2\""));
            assertThat(Load.executions).hasValue(2);
        }
    }

    /**
     * The queue delivers the attempt a second time while it runs, as JMS may: refused its start, that delivery takes
     * no lease. The attempt returns past its timeout, keeping its lease, and the queue's report of the timeout gives
     * that lease up: none is left to hold up a retry on another instance, or the run's deletion.
     */
    @Test
    void theLateTimeoutReportGivesUpTheLeaseTheAttemptKeptThoughASecondDeliveryOfItWasRefused() throws Exception {
        Load.executions.set(0);
        TimeoutOnReturnQueue queue = new TimeoutOnReturnQueue();
        try (EngineHarness h = EngineHarness.over(new MemoryFlowStore(), new MemorySchedulingStore(), queue,
                new Load())) {
            String runId = h.engine.start("late-report", "");
            awaitStartStored(h, runId, "load");
            queue.handler.handle(deliveredAgain(queue, "late-report", runId, "load"));
            firstGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.FAILED);

            await("the lease the timed-out attempt kept is given up").atMost(Duration.ofSeconds(5))
                    .until(() -> h.scheduling.leasesOfRun(runId).isEmpty());
            assertThat(Load.executions).as("the second delivery did not run the step").hasValue(1);
        }
    }

    /**
     * The queue reports the timeout while the attempt runs (the memory queue does), beside a second delivery of the
     * attempt held up on its way to its start: refused it, that one took no lease, though it had an attempt of its
     * own to take it for, the one above the timed-out attempt's. The timed-out attempt's state write under way keeps
     * the step's lease until it ends; then the lease that attempt took is given up, not the one the second delivery
     * never took, which an operator's retry beginning here meanwhile took.
     */
    @Test
    void aTimeoutReportGivesUpTheLeasesTheAttemptTookNotOneASecondDeliveryOfItNeverTook() {
        Write.executions.set(0);
        Write.firstWrote = new CountDownLatch(1);
        StateHeld store = new StateHeld();
        LeaseWritesHeld scheduling = new LeaseWritesHeld();
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness h = EngineHarness.over(store, scheduling, queue, new Write())) {
            String runId = h.engine.start("late-write", "");
            awaitStartStored(h, runId, "write");
            Thread secondDelivery = deliverAgainOnItsOwnThread(queue, queue.handler, "late-write", runId, "write",
                    scheduling);
            awaitLatch(scheduling.start.reached, "the second delivery is on its way to its start");
            firstGoesOn.countDown();
            awaitLatch(store.held.reached, "the first execution's state write is under way");
            h.awaitStatus(runId, RunStatus.FAILED);

            FirstWriteHeld release = scheduling.holdNextRelease();
            scheduling.start.goesOn.countDown();
            await("the second delivery ended, refused its start").atMost(Duration.ofSeconds(10))
                    .until(() -> !secondDelivery.isAlive());
            store.held.goesOn.countDown();
            awaitLatch(release.reached, "the state write ended: the lease the timed-out attempt took is given up");
            h.engine.retryStep(runId, "write");
            awaitLatch(retryRuns, "the operator's retry, at attempt 1 again, runs the step");
            awaitStartStored(h, runId, "write");
            release.goesOn.countDown();
            awaitLatch(Write.firstWrote, "the first execution's state write returned, the leases given up");

            assertThat(h.scheduling.leasesOfRun(runId)).as("the lease the retry took").singleElement()
                    .satisfies(lease -> assertThat(lease.attempt()).hasValue(2));
            retryGoesOn.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).as("the step completed once, by the retry")
                    .singleElement().satisfies(entry -> assertThat(entry.data()).contains("\"result\":\"execution 2\""));
        }
    }

    /** Returns once the step's timeout has passed since {@code began}, whatever interrupts it. */
    private static void outliveTheTimeout(long began) {
        long until = began + TIMEOUT.plusMillis(100).toNanos();
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** The step's job delivered again at its first attempt, as JMS may deliver a message twice. */
    private static JobExecution deliveredAgain(MemoryJobQueue queue, String queueName, String runId, String step) {
        JobRecord queued = queue.job(queueName, StepJob.jobId(runId, step)).orElseThrow();
        return new JobExecution(queued.queue(), queued.jobId(), queued.name(), queued.payload(), 1,
                queued.maxAttempts());
    }

    /** Delivers the step's job again on a thread of its own, whose start {@code scheduling} holds on its way. */
    private static Thread deliverAgainOnItsOwnThread(MemoryJobQueue queue, JobHandler handler, String queueName,
                                                     String runId, String step, LeaseWritesHeld scheduling) {
        JobExecution again = deliveredAgain(queue, queueName, runId, step);
        Thread delivery = new Thread(() -> {
            scheduling.startHeldOn = Thread.currentThread();
            try {
                handler.handle(again);
            } catch (Exception e) {
                throw new IllegalStateException("the second delivery failed", e);
            }
        }, "second-delivery");
        delivery.setDaemon(true);
        delivery.start();
        return delivery;
    }
}

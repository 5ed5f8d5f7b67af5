package io.nvent.cdi.internal.engine;

import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import io.nvent.spi.StepHandOn;
import io.nvent.spi.internal.ExitSafeLogger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Sends the jobs of steps to the queue: a step handed over as its run goes on, and a step of a run under way
 * queued again (a retry, a recovery). Every step job is built here ({@link #stepJob}), with the terms an
 * instance lacking the step needs to hand it back.
 */
final class StepQueueing {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    private final JobQueue queue;
    private final EngineSettings settings;
    private final StepHistory history;
    private volatile AttemptInterception interception = AttemptInterception.NONE;
    /**
     * The job the worker on this thread took to continue with ({@link JobQueue#continueWith}), until the next
     * attempt on the thread begins ({@link #isContinuation}).
     */
    private final ThreadLocal<String> continued = new ThreadLocal<>();

    StepQueueing(JobQueue queue, EngineSettings settings, StepHistory history) {
        this.queue = queue;
        this.settings = settings;
        this.history = history;
    }

    /** The attempt interceptors whose trace each step's job carries from now on. */
    void use(AttemptInterception value) {
        this.interception = value;
    }

    /** The interceptors the step jobs are queued for. */
    AttemptInterception interception() {
        return interception;
    }

    /**
     * Hands a step stored as queued to the queue. A step that continues a run goes on in the worker
     * slot of the step that queued it where the queue can do so ({@link JobQueue#continueWith}), and
     * is otherwise enqueued without waiting for its job to be durable, so the worker that finished
     * the previous step (or the caller that started the run) is free one commit earlier. Either
     * way the run row says the step is queued before its job exists: if the job is lost in a crash,
     * the maintenance sweep enqueues it again (see {@link LostStepRecovery#requeueLostSteps}).
     */
    void handOver(String runId, String flow, StepDefinition step, boolean continuesRun, long runVersion) {
        String jobId = StepJob.jobId(runId, step.name());
        JobRequest job = stepJob(traced(new StepJob(runId, flow, step.name(), OptionalLong.of(runVersion)), step), step,
                jobId, continuesRun);
        if (continuesRun && settings.continueInWorker() && queue.continueWith(job)) {
            continued.set(jobId);
            return;
        }
        queue.enqueueAsync(job).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0125 could not enqueue step ''{0}'' of run {1}"
                        + " (job {2}); the maintenance sweep enqueues it again: {3}", step.name(), runId, jobId,
                        failure);
            }
        });
    }

    /**
     * Hands over the steps a change of a run made ready, as they continue it. Handed on where no step of the run
     * carries a trace (a timer or another run's event resolved an await), they carry one capture: a fan-out of the
     * run is one trace, not one per step.
     */
    void handOver(String runId, String flow, List<StepDefinition> steps, long runVersion) {
        AttemptInterception current = interception;
        if (steps.size() < 2 || !current.isActive()) {
            handOverEach(runId, flow, steps, runVersion);   // without interceptors, the loop it always was
            return;
        }
        StepDefinition first = steps.get(0);
        Object carriedBefore = current.carry(runId, current.traceFor(new StepHandOn(runId, flow, first.name(),
                first.role() == StepRole.ENTRY)));
        try {
            handOverEach(runId, flow, steps, runVersion);
        } finally {
            current.restore(carriedBefore);
        }
    }

    private void handOverEach(String runId, String flow, List<StepDefinition> steps, long runVersion) {
        for (StepDefinition step : steps) {
            handOver(runId, flow, step, true, runVersion);
        }
    }

    /**
     * Whether the attempt beginning on this thread runs the job its worker took to continue with: a job the queue
     * holds nowhere while it runs, and keeps nothing of if its instance stops first ({@link JobQueue#continueWith}).
     * Asked once as each attempt begins, which forgets the job taken before.
     */
    boolean isContinuation(JobExecution attempt) {
        String taken = continued.get();
        if (taken == null) {
            return false;
        }
        continued.remove();
        return taken.equals(attempt.jobId());
    }

    /**
     * Forgets that the worker on this thread took {@code jobId} to continue with: the queue enqueues it instead
     * ({@link io.nvent.spi.JobHandler#notContinued}), and its attempt, maybe on this thread, is a queued job's.
     */
    void notContinued(String jobId) {
        if (jobId.equals(continued.get())) {
            continued.remove();
        }
    }

    /** Enqueues a step of a run that is already under way (a retry, a recovery). */
    void enqueue(String runId, String flow, StepDefinition step, String jobId) {
        enqueue(runId, flow, step, jobId, 0);
    }

    /**
     * Enqueues a step of a run under way again after {@code attemptsBefore} of its attempts counted:
     * the step goes on at the next one, with the attempts it has left.
     */
    void enqueue(String runId, String flow, StepDefinition step, String jobId, int attemptsBefore) {
        queue.enqueue(stepJob(traced(new StepJob(runId, flow, step.name(), OptionalLong.empty())
                .afterAttempts(attemptsBefore), step), step, jobId, true));
    }

    /**
     * Enqueues again, after {@code attemptsBefore} of its attempts counted, a step the maintenance sweep recovers
     * (stalled, or its job lost): with the trace its earlier job carried, {@code earlierJob}'s payload if the queue
     * still had it, else one the interceptors make for a recovery ({@link AttemptInterception#traceOfRecovered}).
     */
    void requeue(String runId, String flow, StepDefinition step, String jobId, int attemptsBefore,
                 Optional<String> earlierJob) {
        StepJob job = new StepJob(runId, flow, step.name(), OptionalLong.empty()).afterAttempts(attemptsBefore);
        AttemptInterception current = interception;
        if (current.isActive()) {
            Map<String, String> kept = earlierJob.map(StepQueueing::traceOf).orElse(Map.of());
            job = job.withTrace(current.traceOfRecovered(new StepHandOn(runId, flow, step.name(), false), kept));
        }
        queue.enqueue(stepJob(job, step, jobId, true));
    }

    /**
     * The trace an earlier job's payload carried; none if it cannot be read (damaged, or not a step job): the step is
     * queued again all the same, marked as a recovery, as its recovery matters more than its trace.
     */
    private static Map<String, String> traceOf(String payload) {
        try {
            return StepJob.parse(payload).trace();
        } catch (RuntimeException unreadable) {
            LOG.log(System.Logger.Level.DEBUG, "the trace of a step's earlier job was not read: {0}",
                    unreadable.toString());
            return Map.of();
        }
    }

    /** The job carrying the trace its step is handed on with, if any interceptor is registered. */
    private StepJob traced(StepJob job, StepDefinition step) {
        AttemptInterception current = interception;
        return current.isActive() ? job.withTrace(current.traceFor(new StepHandOn(job.runId(), job.flow(), job.step(),
                step.role() == StepRole.ENTRY))) : job;
    }

    static JobRequest stepJob(StepJob ref, StepDefinition step, String jobId, boolean continuesRun) {
        int priority = queuePriority(step.priority(), continuesRun);
        // Its terms go with it, so that an instance whose deployment lacks the step can hand it back alike.
        return new JobRequest(step.queue(), jobId, step.name(),
                ref.withTerms(new StepJob.JobTerms(priority, step.retry(), step.timeout())).toJson(),
                Duration.ZERO, priority, StepJob.remainingRetry(step.retry(), ref.attemptsBefore()), step.timeout());
    }

    /**
     * The job priority for a step: twice the step's priority, plus one when the step continues a
     * run already under way. Steps of higher priority still run first; among steps of equal
     * priority, runs in progress finish before new runs start, so a burst of new runs does not
     * push every handoff of the runs already started behind the whole burst (FIFO would).
     */
    static int queuePriority(int stepPriority, boolean continuesRun) {
        long doubled = 2L * stepPriority + (continuesRun ? 1 : 0);
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, doubled));
    }

    /**
     * Sends a retried step to its queue. The job that ran the step last goes again if it failed: each
     * failure leaves one dead job per step, not one more per retry. A step failed otherwise (its await
     * timed out) gets a job of its own.
     */
    void sendRetry(String runId, String flowName, StepDefinition step, long runVersion) {
        String usualJob = StepJob.jobId(runId, step.name());
        boolean retried = history.lastJobOf(runId, step.name()).filter(id -> !id.equals(usualJob))
                .map(id -> queue.retry(step.queue(), id)).orElse(false);
        if (!retried && !queue.retry(step.queue(), usualJob)) {
            enqueue(runId, flowName, step, StepJob.manualRetryJobId(runId, step.name(), runVersion));
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.FlowDefinition;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.RetryPolicy;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepProgress;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.engine.StepExecutions.StepExecution;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the steps whose execution or job was lost and has them run again (or, with
 * {@code nvent.stall.recover=false}, leaves them to an operator): keeps this instance's step leases
 * renewed and gives up those it could not give up when their step ended; marks stalled the steps whose
 * lease ran out (their instance died or hung), or whose lease an earlier start of this instance id holds
 * and no longer renews; and queues again the steps whose job the queue lost, or whose job failed for good
 * without the run hearing of it.
 *
 * <p>Kept apart from {@link StepRunner}, which executes steps: this is what the maintenance sweep, and a
 * delivery that finds its step's execution lost, do about executions that are no longer anywhere, each
 * under the step's lease as the step's executions are. What it needs of the execution (the leases it
 * takes, recording a failure) it asks through {@link Engine}; it queues steps through {@link StepQueueing}.
 */
final class LostStepRecovery {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    /**
     * The message ids of store failures that may pass, as kept in a job's record: the JPA store's
     * NVENT-0325, and any adapter's {@link AdapterUnavailableException}.
     */
    private static final List<String> STORE_UNAVAILABLE_IDS = List.of("NVENT-0325",
            AdapterUnavailableException.MESSAGE_ID);
    /**
     * A lease of an earlier start of this instance id unrenewed for this part of its duration (a half:
     * two renewals missed) belongs to a start that is gone ({@link #takeOverLeasesOfDeadStarts}).
     */
    static final int DEAD_START_UNRENEWED = 2;

    /** What recovering a step asks of the engine that executes steps. */
    interface Engine {

        /** This instance's lease of the step for the step's attempt {@code attempt}, by no execution in particular. */
        StepLease leaseOf(String runId, String step, int attempt);

        /** This instance's lease of the step for {@code execution}, which names its attempt and its number. */
        StepLease leaseOf(String runId, String step, StepExecution execution);

        /** A lease taken now for the lease duration, with the time it was taken. */
        StepLease leaseFrom(Instant now, String runId, String step, String owner);

        /** Records a failed attempt of a step: retried, or failed for good. */
        void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt,
                           Optional<StepProgress> progress);

        /** Queues again a step whose attempt failed because the store could not be reached. */
        void requeueAfterStoreFailure(StepJob ref, JobExecution job, String message, Instant now,
                                      Optional<Instant> ranFrom);

        /**
         * Cancels the original of a run that is the copy of a keyed restart whose instance stopped before it
         * canceled the original, if still active; nothing for any other run ({@link OperatorActions#finishStoppedRestart}).
         */
        void finishStoppedRestart(RunRecord run);

        /**
         * Goes on with the compensation of a compensating run none of whose steps waits: its last compensation
         * completed, but the next was never queued nor the run ended (its instance stopped in between, or
         * NVENT-0021); nothing if a step of it waits meanwhile.
         */
        void goOnCompensating(RunRecord run);
    }

    private final FlowRegistry registry;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final JobQueue queue;
    private final Clock clock;
    private final EngineSettings settings;
    private final StepHistory history;
    /** Steps this instance executes right now (the engine's). */
    private final StepExecutions executionsHere;
    private final RunPublisher publisher;
    private final StepQueueing queueing;
    private final Engine engine;
    /** Owner of this engine's step leases (see {@code StepRunner.leaseOwner}). */
    private final String leaseOwner;
    /** The token of this start in {@link #leaseOwner}. */
    private final String startToken;
    /** Owners of leases taken by a start of this instance id, this one or another, with the start's token. */
    private final Pattern ownerOfAStartOfThisInstance;
    /**
     * When this start began: a lease of an earlier start of this instance id renewed since belongs to a
     * start that lived alongside this one, not to one that is gone.
     */
    private final Instant startedAt;
    /**
     * Leases of steps that ended here but could not be given up (the store was away), each for the attempt
     * that held it. Renewal goes by owner: left in the store, they would be renewed with this instance's
     * other leases for as long as it runs steps, and their steps never found stalled.
     */
    private final Set<StepLease> unreleasedLeases = ConcurrentHashMap.newKeySet();
    /**
     * Whether the last look found a lease of an earlier start of this instance id that may still be taken
     * over; past this start's first lease, {@link #takeOverLeasesOfDeadStarts} looks again only then.
     */
    private volatile boolean earlierStartsLeasesLeft = true;
    /** Numbers the owners that {@link #markStalledUnderLease} takes a step's lease under. */
    private final AtomicLong stallMarks = new AtomicLong();

    LostStepRecovery(FlowRegistry registry, FlowStore store, SchedulingStore scheduling, JobQueue queue, Clock clock,
                     EngineSettings settings, StepHistory history, StepExecutions executionsHere, String leaseOwner,
                     String startToken, RunPublisher publisher, StepQueueing queueing,
                     Engine engine) {
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.queue = queue;
        this.clock = clock;
        this.settings = settings;
        this.history = history;
        this.executionsHere = executionsHere;
        this.leaseOwner = leaseOwner;
        this.startToken = startToken;
        // The token is 8 hex digits: an instance id that itself has an @ in it is not taken for another start.
        this.ownerOfAStartOfThisInstance = Pattern.compile(Pattern.quote(settings.instanceId())
                + "@([0-9a-f]{8})(/.*)?");
        this.startedAt = clock.instant();
        this.publisher = publisher;
        this.queueing = queueing;
        this.engine = engine;
    }

    /**
     * Gives up the lease an execution of a step took here, now that it ended; if the store is away, the next
     * renewal round does it, while the lease is still that execution's.
     */
    void releaseOwnLease(String runId, String step, StepExecution execution) {
        release(engine.leaseOf(runId, step, execution));
    }

    /**
     * Gives up the lease an attempt of a step took here, whichever execution of it took it: for an attempt that
     * no longer runs here, whose execution is not known. Another execution of the same attempt number (an operator's
     * retry, counting from 1 again) comes only after the attempt's failure was recorded, which follows this.
     */
    void releaseOwnLease(String runId, String step, JobExecution job) {
        release(engine.leaseOf(runId, step, job.attempt()));
    }

    /**
     * Gives up the lease this instance holds of the step for the attempt of {@code job} when the execution that took
     * it no longer runs here: an execution that ended past its timeout leaves its lease to the queue's failure of the
     * attempt ({@code StepRunner.giveUpTimedOutAttempt}), which otherwise gives up only the leases of the attempt's
     * executions it still finds here. A second delivery of the same job, declined beside it and still registered, took
     * no lease, so without this the lease stayed, renewed, while the instance lives, and the retry elsewhere never
     * ran. The lease read is given up only as it was read, so one another execution took meanwhile stays.
     */
    void releaseLeaseOfEndedExecution(String runId, String step, JobExecution job) {
        try {
            scheduling.leasesOfRun(runId).stream().filter(held -> held.step().equals(step)
                            && held.owner().equals(leaseOwner) && held.attempt().orElse(job.attempt()) == job.attempt()
                            && held.execution().stream().noneMatch(number -> executionsHere.runs(runId, step, number)))
                    .findFirst().ifPresent(this::release);
        } catch (RuntimeException storeAway) {
            unreleasedLeases.add(engine.leaseOf(runId, step, job.attempt()));
            LOG.log(System.Logger.Level.DEBUG, "run {0}: the lease of step {1} is given up by the next sweep: {2}",
                    runId, step, storeAway);
        }
    }

    private void release(StepLease own) {
        try {
            // Given up only while it is this execution's: its retry may have taken it on this instance already.
            scheduling.releaseLease(own);
        } catch (RuntimeException storeAway) {
            unreleasedLeases.add(own);
            LOG.log(System.Logger.Level.DEBUG, "run {0}: the lease of step {1} is given up by the next sweep: {2}",
                    own.runId(), own.step(), storeAway);
        }
    }

    /**
     * Extends the leases of the steps this instance executes. The store renews the leases this owner
     * still holds; an execution counts its own lease as extended only if it was known before the renewal
     * and had not run out by the time the renewal was stored: a lease that ran out unrenewed (this
     * instance's renewals failed, or it paused) may have been taken over meanwhile, which the renewal
     * would not undo, so its execution's writes go on checking the store ({@link StepRunner#requireCurrent}).
     * First it gives up the leases whose release failed ({@link #releaseOwnLease}).
     */
    void renewLeases() {
        for (StepLease left : unreleasedLeases) {
            // Failing here (the store still away) skips the renewal too, which would extend this lease.
            if (isStillHeldFor(left)) {
                // Decided again where the lease is deleted: another attempt may take it here after the read.
                scheduling.releaseLease(left);
            }
            unreleasedLeases.remove(left);
        }
        if (!executionsHere.isEmpty()) {
            Map<StepExecution, Instant> known = executionsHere.leaseEnds();
            Instant now = clock.instant();
            Instant until = now.plus(settings.leaseDuration());
            scheduling.renewLeases(leaseOwner, until, now);
            Instant renewedBy = clock.instant();
            known.forEach((execution, end) -> execution.leaseRenewed(end, renewedBy, until));
        }
    }

    /**
     * Whether this instance still holds the step's lease for the ended attempt whose release failed, not for
     * another one of its attempts that took it since (the retry of a timed-out or failed attempt): that one
     * gives it up when it ends. Whether an execution of the step runs here does not tell: a duplicate job the
     * engine declined, a retry whose start failed or is under way, or the ended attempt itself before it is
     * deregistered hold no lease. A store that keeps no attempt with its leases (one of 0.1) cannot tell them
     * apart: its lease is taken to be a running execution's if one runs here.
     */
    private boolean isStillHeldFor(StepLease left) {
        return scheduling.leasesOfRun(left.runId()).stream()
                .filter(held -> held.step().equals(left.step()) && held.owner().equals(leaseOwner))
                .anyMatch(held -> held.attempt().isPresent() ? held.isHeldFor(left)
                        : !executionsHere.isRunning(left.runId(), left.step()));
    }

    /**
     * Marks the run of a step whose lease ran out (its instance died or hung) as stalled and, when
     * recovery is on, queues the step again so a live instance executes it.
     *
     * <p>The sweep takes the expired lease over, under an owner of its own, before it changes the
     * run: the lease is the step's mutex. If the step's queue job was redelivered meanwhile and its
     * execution already took the lease, the step is running again and the sweep leaves it alone;
     * if the sweep wins, that execution is refused its start and the recovery job runs the step.
     * Either way the step runs once.
     */
    void handleExpiredLease(StepLease lease) {
        if (!markStalledUnderLease(lease.runId(), lease.step(), "the lease of instance " + lease.owner()
                + " expired at " + lease.expiresAt(), Optional.of(lease.owner()), clock.instant())) {
            LOG.log(System.Logger.Level.DEBUG, "run {0}: the expired lease of step {1} was taken over meanwhile",
                    lease.runId(), lease.step());
        }
    }

    /**
     * Marks stalled, as if their leases had run out, the steps whose lease an earlier start of this
     * instance id holds and no longer renews: that start is gone (this process started under its id),
     * so its steps are recovered, or left stalled with {@code nvent.stall.recover=false}, soon after
     * the crash instead of a whole lease after it.
     *
     * <p>The id alone does not prove the other start dead: two live processes misconfigured with the
     * same instance id must not take each other's running steps. A live start renews its leases every
     * quarter of its lease; one whose lease went unrenewed for {@link #DEAD_START_UNRENEWED} of that
     * lease has missed two renewals, which only a start that is gone (or wedged for as long) does. That
     * start's lease duration is the one it stored (from the lease's last renewal to its end), not this
     * start's, which may have been changed between the two: judged by this start's, a longer one took
     * the leases of a live start at once and a shorter one waited for the whole of a longer lease. A
     * lease renewed since this start began belongs to a start that lived alongside it, so it is left to
     * run out. The lease is taken over only if its end is still the one read here (see
     * {@link #markStalledUnderLease}): a renewal meanwhile keeps the step with its start. A lease of
     * another instance id is left to run out.
     *
     * <p>A lease stored without its renewal time (by an earlier version, or a store that does not keep
     * it) is judged by this start's lease duration, within this start's first lease, as it was before.
     * The leases of earlier starts are looked for until a look past the first lease finds none left to
     * take.
     *
     * @param limit the most leases to look at
     */
    void takeOverLeasesOfDeadStarts(Instant now, int limit) {
        Duration lease = settings.leaseDuration();
        boolean withinFirstLease = !now.isAfter(startedAt.plus(lease));
        if (!withinFirstLease && !earlierStartsLeasesLeft) {
            return;
        }
        // Least recently renewed first, so this start's own leases come last.
        List<StepLease> found = scheduling.leasesOfOwners(settings.instanceId() + "@", limit);
        boolean left = found.size() >= limit;
        for (StepLease held : found) {
            if (!held.expiresAt().isAfter(now) || !isOfAnotherStartOfThisInstance(held.owner())) {
                continue; // run out already (the sweep's usual look takes it), or not an earlier start's
            }
            Optional<Instant> deadBy = deadStartBy(held, withinFirstLease);
            left |= deadBy.isPresent();
            if (deadBy.isEmpty() || now.isBefore(deadBy.get())) {
                continue;
            }
            String cause = "instance " + settings.instanceId() + " started again; the lease of its earlier start "
                    + held.owner() + ", due to run out at " + held.expiresAt() + ", is no longer renewed"
                    + held.renewedAt().map(at -> " (last renewed at " + at + ")").orElse("");
            if (!markStalledUnderLease(held.runId(), held.step(), cause, Optional.of(held.owner()),
                    held.expiresAt())) {
                LOG.log(System.Logger.Level.DEBUG, "run {0}: the lease of step {1} held by {2} was renewed or taken"
                        + " over meanwhile", held.runId(), held.step(), held.owner());
            }
        }
        earlierStartsLeasesLeft = left;
    }

    /**
     * When a lease of an earlier start of this instance id counts as that start's that is gone: once it
     * went unrenewed for {@link #DEAD_START_UNRENEWED} of its own duration; empty if it is not taken over
     * (renewed since this start began, or without a renewal time past this start's first lease).
     */
    private Optional<Instant> deadStartBy(StepLease held, boolean withinFirstLease) {
        if (held.renewedAt().isPresent()) {
            Instant renewedAt = held.renewedAt().get();
            return renewedAt.isAfter(startedAt) ? Optional.empty()
                    : held.duration().map(duration -> renewedAt.plus(duration.dividedBy(DEAD_START_UNRENEWED)));
        }
        // Stored without its renewal time: judged by this start's lease duration, as before leases kept it.
        Duration lease = settings.leaseDuration();
        return withinFirstLease
                ? Optional.of(held.expiresAt().minus(lease).plus(lease.dividedBy(DEAD_START_UNRENEWED)))
                : Optional.empty();
    }

    private boolean isOfAnotherStartOfThisInstance(String owner) {
        Matcher start = ownerOfAStartOfThisInstance.matcher(owner);
        return start.matches() && !start.group(1).equals(startToken);
    }

    /**
     * Takes the step's lease under an owner of the sweep's own (only if nobody else holds it, or
     * theirs ran out), marks the run stalled, gives the lease back and then, when recovery is on,
     * queues the step again.
     *
     * @param expiredBy a lease of another owner ending by then is taken over: the current time, or the end
     *     read of a lease that is to be taken over unless it was renewed since
     * @return false if another owner holds the step's lease: nothing was changed
     */
    private boolean markStalledUnderLease(String runId, String step, String cause, Optional<String> owner,
                                          Instant expiredBy) {
        Instant now = clock.instant();
        // An owner of this call's own: the sweep and a delivery that found the step's execution lost may
        // mark the same step at once on this instance, and under one shared owner both would hold the lease.
        String recoveryOwner = leaseOwner + "/stall-recovery-" + stallMarks.incrementAndGet();
        if (!scheduling.acquireLease(engine.leaseFrom(now, runId, step, recoveryOwner), expiredBy)) {
            return false;
        }
        Optional<Runnable> requeue;
        try {
            requeue = markStalled(runId, step, cause, owner, now);
        } finally {
            scheduling.releaseLease(runId, step, recoveryOwner);
        }
        // Only now: the recovery job, picked up at once, would find the sweep's lease and be refused.
        requeue.ifPresent(Runnable::run);
        return true;
    }

    /**
     * Marks the run stalled (and the step queued again, when recovery is on); returns the enqueue of
     * the recovery job, if any. The caller holds the step's lease.
     *
     * <p>A step this deployment does not have (its flow, or the step, was removed or renamed in a
     * later version) is marked stalled all the same, and failed: no deployed code can run it again,
     * so it is not queued again; an operator cancels the run, or deploys the step again and retries
     * it.
     *
     * @param cause why the step counts as stalled, for the history and the log
     * @param owner the instance that executed the step, where known
     */
    private Optional<Runnable> markStalled(String runId, String stepName, String cause, Optional<String> owner,
                                           Instant now) {
        Optional<RunRecord> found = store.findRun(runId);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String flowName = found.get().flow();
        Optional<StepDefinition> step = registry.flow(flowName).flatMap(flow -> flow.step(stepName));
        Optional<String> missing = step.isPresent() ? Optional.empty()
                : Optional.of(StepWaits.whyNotDeployed(registry, flowName, stepName));
        boolean recover = settings.recoverStalled() && step.isPresent();
        if (recover && recordedFromDeadJob(found.get(), step.get())) {
            return Optional.empty();
        }
        AtomicBoolean ofCanceledRun = new AtomicBoolean();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            StepStatus status = run.steps().get(stepName);
            ofCanceledRun.set(run.status() == RunStatus.CANCELED);
            if (ofCanceledRun.get()) {
                // Nothing would ever end it: the run is over, so the step is, saying why.
                return CanceledSteps.lostStepOfCanceledRun(stepName, now, cause).apply(run);
            }
            if (run.status().isTerminal() || status != StepStatus.RUNNING) {
                return Optional.empty();
            }
            String reason = "step '" + stepName + "' made no progress: " + cause
                    + missing.map(m -> "; " + m + ": it is not queued again").orElse("");
            JsonText stalled = JsonText.object().str("reason", reason);
            owner.ifPresent(o -> stalled.str("owner", o));
            List<EventDraft> events = new ArrayList<>();
            events.add(EventDraft.ofStep(EventType.STEP_STALLED, stepName, 0, now, stalled.build()));
            events.add(EventDraft.ofRun(EventType.FLOW_STALLED, now, JsonText.object().str("reason", reason)
                    .str("previousStatus", run.status().wireName()).str("stalledAt", now.toString()).build()));
            RunRecord next = run.withStatus(RunStatus.STALLED, now);
            if (recover) {
                // A compensating run goes on undoing its steps.
                next = next.withStep(stepName, StepStatus.QUEUED).withStatus(
                        run.status() == RunStatus.COMPENSATING ? RunStatus.COMPENSATING : RunStatus.RUNNING, now);
                events.add(EventDraft.ofStep(EventType.STEP_RETRY, stepName, 0, now,
                        JsonText.object().str("reason", "recovered after stall").build()));
            } else if (missing.isPresent()) {
                // Failed, so that once the step is deployed again an operator can retry it.
                next = next.withStep(stepName, StepStatus.FAILED);
                events.add(EventDraft.ofStep(EventType.STEP_FAILED, stepName, 0, now, JsonText.object()
                        .str("error", "NVENT-0169 " + missing.get()).build()));
            }
            return Optional.of(new RunChange(next, events));
        });
        if (change.isEmpty()) {
            return Optional.empty();
        }
        publisher.publish(change.get());
        if (ofCanceledRun.get()) {
            CanceledSteps.logLostStepOfCanceledRun(runId, stepName, cause);
            return Optional.empty();
        }
        if (missing.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0169 run {0} stalled in step {1}: {2}; {3}: the step is"
                    + " failed, not queued again; deploy it again and retry the step, or cancel the run",
                    runId, stepName, cause, missing.get());
            return Optional.empty();
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0122 run {0} stalled in step {1}: {2}{3}",
                runId, stepName, cause, recover ? "; step queued again" : "");
        if (!recover) {
            return Optional.empty();
        }
        String jobId = StepJob.recoveryJobId(runId, stepName, change.get().run().version());
        int attemptsBefore = history.attemptsCounted(runId, stepName);
        return Optional.of(() -> QueueFailure.sendToQueue(step.get().queue(),
                () -> queueing.requeue(runId, flowName, step.get(), jobId, attemptsBefore,
                        earlierJob(runId, step.get()))));
    }

    /**
     * Whether the running step's failure was recorded from its job, which the queue holds as failed: the queue gave
     * up on the attempt (e.g. the JMS queue dead-lettered it unrun past its delivery limit) and its report of that
     * could not reach the store, so the step stayed running under its lost execution's lease.
     * Queued again, the step would run past the queue's verdict. Only the job the step's latest start names, failed
     * at that start's attempt: an earlier attempt's dead letter says nothing of the attempt under way. The caller
     * holds the step's lease. False when there is no such job, the queue cannot say, or the run took no failure from it
     * (still running): it is stalled as usual.
     */
    private boolean recordedFromDeadJob(RunRecord run, StepDefinition step) {
        if (run.status().isTerminal() || run.steps().get(step.name()) != StepStatus.RUNNING) {
            return false;
        }
        Optional<HistoryEvent> started = history.latestEntryOfStep(run.runId(), EventType.STEP_STARTED, step.name());
        Optional<String> jobId = history.lastJobOf(run.runId(), step.name());
        if (started.isEmpty() || jobId.isEmpty()) {
            return false;
        }
        Optional<JobRecord> dead;
        try {
            dead = queue.job(step.queue(), jobId.get());
        } catch (RuntimeException queueAway) {
            // Not known: the step is recovered as before rather than left running until the queue answers.
            return false;
        }
        dead = dead.filter(job -> job.state() == JobState.FAILED && !job.attempts().isEmpty()
                && job.attempts().get(job.attempts().size() - 1).attempt() == started.get().attempt());
        if (dead.isEmpty()) {
            return false;
        }
        recordFailureOfDeadJobHoldingLease(run, step.name(), dead.get());
        return store.findRun(run.runId()).filter(now -> now.steps().get(step.name()) == StepStatus.RUNNING).isEmpty();
    }

    /**
     * With stall recovery off ({@code nvent.stall.recover=false}), the queue's redelivery of the job
     * of a step recorded running (its instance was lost mid-step) does not run the step again: the
     * run is marked stalled, as the sweep marks it when the step's lease runs out, and left to an
     * operator. While the lost execution's lease still holds, the job just ends: the sweep marks
     * the run once the lease runs out.
     *
     * @return whether the job must not run the step
     */
    boolean leftStalledInsteadOfRunningAgain(StepJob ref) {
        Optional<RunRecord> run = store.findRun(ref.runId());
        if (run.isEmpty() || run.get().status().isTerminal()
                || run.get().steps().get(ref.step()) != StepStatus.RUNNING) {
            return false;
        }
        if (!markStalledUnderLease(ref.runId(), ref.step(), deliveredAfterLostExecution(), Optional.empty(),
                clock.instant())) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0157 run {0}: step {1} was delivered again while the lease of"
                    + " its execution holds; not run again (nvent.stall.recover=false): the run is marked stalled"
                    + " once the lease runs out", ref.runId(), ref.step());
        }
        return true;
    }

    /**
     * A delivery of a step's job that found the step recorded running, its lease free or run out and
     * no execution of it here: the execution that started it was lost (its instance died, or this
     * instance restarted), whether or not the queue flagged the delivery as a redelivery. It is a stall
     * found early: marked as the sweep marks a step whose lease ran out ({@code step.stalled}, counted
     * as such), then queued again as the attempt that was lost, or with {@code nvent.stall.recover=false}
     * left to an operator; the job itself does not run the step.
     */
    void markStalledAfterLostExecution(StepJob ref) {
        if (!markStalledUnderLease(ref.runId(), ref.step(), deliveredAfterLostExecution(), Optional.empty(),
                clock.instant())) {
            LOG.log(System.Logger.Level.DEBUG, "run {0}: step {1}, whose execution was lost, was taken over"
                    + " meanwhile", ref.runId(), ref.step());
        }
    }

    private String deliveredAfterLostExecution() {
        return "its job was delivered again after the execution that started it was lost"
                + (settings.recoverStalled() ? "" : ", and nvent.stall.recover=false leaves it to an operator");
    }

    /**
     * Queues again the steps whose job was lost: a step's completion is stored before the next
     * steps' jobs are enqueued, so an instance that dies in between leaves those steps
     * {@code queued} with no job. Likewise a failed attempt is stored before the queue stores its
     * retry; a step continued in a worker slot ({@link JobQueue#continueWith}) has no job before
     * that, so a crash in between leaves it {@code retrying} with no job. A run is suspect when it
     * still has such steps and has not changed since the previous check (at least a lease duration
     * ago); its steps are enqueued again only if the queue has no job for them (its usual one, a
     * retrying step's the job whose retry it waits for, nor the recovery job of the run's version),
     * and not while the step's latest {@code step.retry} says its next attempt is not due yet (plus a
     * lease): a delayed job need not show in the queue before then. A step whose job completed
     * although the step is still queued (its start was refused), or still retrying (its retry was
     * delivered, but its attempt refused or never stored), is queued again alike. Either way under
     * the recovery job of the run's version ({@link #requeueLost}), at the attempt it was at.
     *
     * @param previous the suspects of the previous check: run id to version
     * @param after where among the running runs (newest first) to start reading: after this run, or
     *     at the newest if empty; the sweep moves on through them by position rather than offset, so
     *     that runs ending meanwhile make it skip none of the others
     * @param limit how many running runs to read
     * @return the suspects of this check, for the next one
     */
    LostJobScan requeueLostSteps(Map<String, Long> previous, Optional<RunPosition> after, int limit) {
        Map<String, Long> suspects = new LinkedHashMap<>();
        Optional<RunPosition> position = after;
        if (after.isEmpty()) {
            // Compensating runs (few: runs undoing their steps after a failure) are read first in each round.
            for (RunRecord run : store.findRuns(new RunQuery(Optional.empty(), Optional.of(RunStatus.COMPENSATING), 0,
                    Math.max(1, Math.min(1000, limit)), Optional.empty()))) {
                checkWaitingSteps(run, previous, suspects);
            }
        }
        for (int read = 0; read < limit; ) {
            int pageSize = Math.min(1000, limit - read);
            RunQuery query = new RunQuery(Optional.empty(), Optional.of(RunStatus.RUNNING), 0, pageSize, position);
            List<RunRecord> page = store.findRuns(query);
            for (RunRecord run : page) {
                position = Optional.of(new RunPosition(run.startedAt(), run.runId()));
                checkWaitingSteps(run, previous, suspects);
            }
            if (page.size() < pageSize) {
                return new LostJobScan(suspects, position, true);
            }
            read += pageSize;
        }
        return new LostJobScan(suspects, position, false);
    }

    /** A run with steps waiting for their jobs is a suspect; one unchanged since the previous check is checked. */
    private void checkWaitingSteps(RunRecord run, Map<String, Long> previous, Map<String, Long> suspects) {
        Map<String, StepStatus> waiting = new LinkedHashMap<>(run.steps());
        waiting.values().removeIf(status -> status != StepStatus.QUEUED && status != StepStatus.RETRYING
                && status != StepStatus.RUNNING);
        if (waiting.isEmpty()) {
            if (run.status() == RunStatus.COMPENSATING && run.steps().values().stream().allMatch(StepStatus::isFinal)) {
                // A compensation completed, and the next was never queued: taken on once the run sat still.
                suspects.put(run.runId(), run.version());
                if (Long.valueOf(run.version()).equals(previous.get(run.runId()))) {
                    engine.goOnCompensating(run);
                }
            }
            return;
        }
        suspects.put(run.runId(), run.version());
        if (Long.valueOf(run.version()).equals(previous.get(run.runId()))) {
            requeueIfLost(run, waiting);
        }
    }

    /**
     * What one lost-job check read: the runs with a step waiting for its job (id to version), the
     * last running run it read, and whether it read up to the oldest running run.
     */
    record LostJobScan(Map<String, Long> suspects, Optional<RunPosition> last, boolean reachedEnd) {
    }

    /** The job a queued step waits for: a compensation's names the step it undoes ({@link Compensations#jobId}). */
    private String usualJobId(RunRecord run, String name, Optional<StepDefinition> step) {
        if (run.status() == RunStatus.COMPENSATING && step.filter(s -> s.role() == StepRole.COMPENSATION).isPresent()) {
            Optional<Compensations.Undo> undo = new Compensations(store).planOf(run.runId())
                    .flatMap(Compensations.Plan::current).filter(u -> u.by().equals(name));
            if (undo.isPresent()) {
                return Compensations.jobId(run.runId(), undo.get());
            }
        }
        return StepJob.jobId(run.runId(), name);
    }

    private void requeueIfLost(RunRecord run, Map<String, StepStatus> waitingSteps) {
        Optional<FlowDefinition> flow = registry.flow(run.flow());
        List<StepLease> leases = null;
        List<Runnable> requeues = new ArrayList<>();
        for (Map.Entry<String, StepStatus> waiting : waitingSteps.entrySet()) {
            String name = waiting.getKey();
            // A step this deployment lacks has no queue to look in; recorded running without a lease,
            // it lost its execution all the same (e.g. a kill -9 before the redeploy).
            Optional<StepDefinition> step = flow.flatMap(f -> f.step(name));
            // A retrying step waits for the queue's retry of the job whose attempt failed, which need not
            // be its usual job (a recovery job's retry, say): only that job tells whether the retry is lost.
            String jobId = waiting.getValue() == StepStatus.RETRYING ? jobOfRetry(run.runId(), name)
                    : usualJobId(run, name, step);
            Optional<JobRecord> job = step.flatMap(s -> QueueFailure.askQueue(s.queue(),
                    () -> queue.job(s.queue(), jobId)));
            // The job an earlier check of this version queued in place of a lost one, if any, stands in for it.
            String recoveryJobId = StepJob.recoveryJobId(run.runId(), name, run.version());
            if (job.isEmpty() && waiting.getValue() != StepStatus.RUNNING) {
                job = step.flatMap(s -> QueueFailure.askQueue(s.queue(), () -> queue.job(s.queue(), recoveryJobId)));
            }
            if (job.isPresent() && job.get().state() == JobState.FAILED) {
                // The queue gave up on the job, but the run never heard: storing the final failure
                // failed (e.g. the database went away at that moment). Record it now from the job.
                recordFailureOfDeadJob(run, name, job.get());
            } else if (waiting.getValue() == StepStatus.RUNNING) {
                // Running steps are watched by their leases; one that has none lost its execution.
                if (leases == null) {
                    leases = scheduling.leasesOfRun(run.runId());
                }
                if (leases.stream().noneMatch(lease -> lease.step().equals(name))
                        && !executionsHere.isRunning(run.runId(), name)) {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0159 run {0}: step {1} is recorded running but no"
                            + " instance holds its lease: its execution was lost (the store was away when it ended?)",
                            run.runId(), name);
                    markStalledUnderLease(run.runId(), name, "it is recorded running but no instance holds its"
                            + " lease: its execution was lost", Optional.empty(), clock.instant());
                }
            } else if (step.isEmpty()) {
                // Queued or retrying, its job waits where no deployed step takes it: the run's waits say so.
                continue;
            } else if ((job.isEmpty() || !StepWaits.isPending(job.get())) && QueueFailure.askQueue(step.get().queue(),
                    () -> StepWaits.lastHandedBack(queue, step.get().queue(), run, name))
                    .filter(StepWaits::isPending).isPresent()) {
                // An instance that lacks the step handed its job back (a rolling deploy): it waits under another id.
                continue;
            } else if (job.isEmpty() || job.get().state() == JobState.COMPLETED) {
                if (waitsForADelayedJob(run.runId(), step.get())) {
                    // Its job is delayed until then (a queue's retry after its backoff, a requeue for the store
                    // or a rate limit), which a queue need not show before it is due: the JMS broker shows
                    // no delayed message, and another node's registry knows no job it did not send. Or a
                    // stop handed it back, and the queue still holds the job it ran under.
                    continue;
                }
                requeueLost(run, name, waiting.getValue(), step.get(), job, recoveryJobId).ifPresent(requeues::add);
            }
        }
        // Every lost step's job was looked up before this one check: the run unchanged since the sweep read
        // it, none of them ran meanwhile. Once for all of them, as a step queued again first may run at
        // once and change the run, which says nothing about the others: checked after each, a run's second
        // lost step (a fan-out's other branch) waited two more checks a lease apart.
        if (!requeues.isEmpty() && unchangedSince(run)) {
            // The copy of a keyed restart whose instance stopped before it canceled the original and queued the
            // copy's first step: the original is canceled first, as the request would have, or both would run.
            engine.finishStoppedRestart(run);
            requeues.forEach(Runnable::run);
        }
    }

    /**
     * Whether the step waits for a job due later: its latest {@code step.retry} entry names when the
     * next attempt is due ({@code nextAttemptAt}), and that time, plus a lease for the job to be
     * delivered and started, has not passed yet. A requeue of the engine's (for the store, or a rate
     * limit) set that time by the engine's clock; a failed attempt's entry has it from the queue, by
     * the queue's clock, so it is not waited for beyond the backoff the step's retry policy gives the
     * attempt after the failure, spread by the jitter, this deployment's or the job's own, which the entry
     * records ({@code retryJitter}): a queue's clock far ahead must not keep a lost retry waiting. A step
     * an instance's stop handed back ({@code StepRunner.waitingAgainAfterStop}) waits for the job it ran under,
     * whatever its id, as long as the queue shows that job still to run. A job that instances lacking
     * the step hand back waits until its hand-backs may be due at the latest, plus a lease
     * ({@link HandBackEntry#dueAtTheLatest}): the entry records the first hand-back only, and the job
     * the later ones queued, which the queue need not show, may be due any time until then.
     */
    private boolean waitsForADelayedJob(String runId, StepDefinition step) {
        Optional<HistoryEvent> retry = history.latestEntryOfStep(runId, EventType.STEP_RETRY, step.name());
        if (retry.isEmpty()) {
            return false;
        }
        Optional<HandBackEntry> handBack = HandBackEntry.of(retry.get());
        if (handBack.isPresent()) {
            return clock.instant().isBefore(handBack.get().dueAtTheLatest().plus(settings.leaseDuration()));
        }
        JsonObject data = Json.PROVIDER.createReader(new StringReader(retry.get().data())).readObject();
        if (data.containsKey("instanceStopped") && data.get("jobId") instanceof JsonString kept) {
            return QueueFailure.askQueue(step.queue(), () -> queue.job(step.queue(), kept.getString()))
                    .filter(StepWaits::isPending).isPresent();
        }
        if (!(data.get("nextAttemptAt") instanceof JsonString at)) {
            return false;
        }
        Instant due;
        try {
            due = Instant.parse(at.getString());
        } catch (DateTimeParseException unreadable) {
            return false;
        }
        if (data.containsKey("maxAttempts")) {
            RetryPolicy policy = step.retry();
            // Without nextAttempt the failure did not count: the queue's backoff was for an attempt unknown here.
            Duration backoff = data.containsKey("nextAttempt") ? policy.delayBefore(retry.get().attempt() + 1)
                    : policy.initialDelay().compareTo(policy.maxDelay()) >= 0 ? policy.initialDelay() : policy.maxDelay();
            // The queue may have spread it by up to the jitter: this deployment's, or the one the job was queued
            // with, which the entry records (at most 1).
            double jitter = policy.jitter();
            if (data.get(StepRunner.RETRY_JITTER) instanceof JsonNumber queued) {
                jitter = Math.max(jitter, Math.min(1, queued.doubleValue()));
            }
            Instant byPolicy = retry.get().timestamp().plusMillis(Math.round(backoff.toMillis() * (1 + jitter)));
            if (data.get(RetryDecisions.DELAY_MS) instanceof JsonNumber chosen) {
                // The step's retry decider chose the delay, unbounded by the declared backoff (though by a day, or the declared delay when longer).
                byPolicy = retry.get().timestamp().plusMillis(chosen.longValue());
            }
            due = due.isAfter(byPolicy) ? byPolicy : due;
        }
        return clock.instant().isBefore(due.plus(settings.leaseDuration()));
    }

    /**
     * Queues again a step whose job is lost (none in the queue) or ended without running it
     * (completed): under the recovery job of the run's version, never under the lost job's own id.
     * A queue that deduplicates job ids beyond a job's life refuses that id again: the JMS broker's
     * duplicate detection remembers it for as long as its id cache holds it, whether the job's
     * message still waits or was lost, and the step would wait for ever. The run's version keeps the
     * id the same for every check that finds the run unchanged (on any instance: one job), and a
     * new one once the run moved on. Answers the requeue, to be done once the caller found the run
     * unchanged since the sweep read it (its job may have run meanwhile, on a node whose queue alone
     * knows it), or nothing when the step is not lost after all.
     */
    private Optional<Runnable> requeueLost(RunRecord run, String name, StepStatus status, StepDefinition step,
                                           Optional<JobRecord> job, String recoveryJobId) {
        String queueName = step.queue();
        if (job.isPresent() && (QueueFailure.askQueue(queueName, () -> queue.job(queueName, recoveryJobId)).isPresent()
                || history.rateLimitedJobOf(run.runId(), name)
                .flatMap(rateLimited -> QueueFailure.askQueue(queueName, () -> queue.job(queueName, rateLimited)))
                .filter(StepWaits::isPending).isPresent())) {
            return Optional.empty();
        }
        int attemptsBefore = history.attemptsCounted(run.runId(), name);
        return Optional.of(() -> {
            if (job.isEmpty()) {
                // Not only a crash: an enqueue that failed (the broker away, the queue closing) leaves the
                // step stored as queued without its job too, and saying "an instance stopped" then sent
                // operators looking for a restart that never happened.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0124 run {0}: step {1} was {2} but the queue holds no"
                        + " job for it (its enqueue failed, e.g. NVENT-0125 with the broker or database of the queue"
                        + " away, or an instance stopped between storing the step and enqueueing its job); queued"
                        + " again as job {3}", run.runId(), name, status.wireName(), recoveryJobId);
            } else {
                // The job ended without running the step: its start was refused, e.g. by the lease of an
                // instance that died while storing its own start. Nothing else would run the step. The
                // stall-recovery job of this version of the run, if there is one, is the same job. A
                // retrying step alike: its retry was delivered, but its attempt was refused or never stored,
                // and the queue retries a completed job no more.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0126 run {0}: the job of step {1} ended without"
                        + " running the step, which is still {2}; queued again", run.runId(), name, status.wireName());
            }
            QueueFailure.sendToQueue(queueName, () -> queueing.requeue(run.runId(), run.flow(), step, recoveryJobId,
                    attemptsBefore, job.isPresent() ? job.map(JobRecord::payload) : earlierJob(run.runId(), step)));
        });
    }

    /**
     * The payload of the job that last ran the step (its latest {@code step.started} entry names it), else of its
     * usual job, if the queue still holds it: the trace it carried goes on with the step queued again. Looked up only
     * with attempt interceptors; a queue that cannot be asked gives none.
     */
    private Optional<String> earlierJob(String runId, StepDefinition step) {
        if (!queueing.interception().isActive()) {
            return Optional.empty();
        }
        try {
            String jobId = history.lastJobOf(runId, step.name()).orElseGet(() -> StepJob.jobId(runId, step.name()));
            return queue.job(step.queue(), jobId).map(JobRecord::payload);
        } catch (RuntimeException queueAway) {
            return Optional.empty();
        }
    }

    /**
     * The job whose retry a retrying step waits for: the one that ran its failed attempt, named by the
     * step's latest {@code step.started} entry (a failure stores the start of its attempt, if it was not
     * stored yet), else its usual job.
     */
    private String jobOfRetry(String runId, String step) {
        return history.lastJobOf(runId, step).orElseGet(() -> StepJob.jobId(runId, step));
    }

    /**
     * Whether the run is still at the version the sweep read: a step the sweep saw queued may have run
     * since, its job completing in the meantime, which the job alone would mistake for a lost step.
     */
    private boolean unchangedSince(RunRecord run) {
        return store.findRun(run.runId()).filter(now -> now.version() == run.version()).isPresent();
    }

    private void recordFailureOfDeadJob(RunRecord run, String step, JobRecord job) {
        // The step's lease is its mutex: held by anyone, the step is running again (e.g. a recovery job).
        String owner = settings.instanceId() + "/dead-job";
        Instant now = clock.instant();
        if (!scheduling.acquireLease(engine.leaseFrom(now, run.runId(), step, owner), now)) {
            return;
        }
        try {
            recordFailureOfDeadJobHoldingLease(run, step, job);
        } finally {
            scheduling.releaseLease(run.runId(), step, owner);
        }
    }

    private void recordFailureOfDeadJobHoldingLease(RunRecord run, String step, JobRecord job) {
        Optional<JobAttempt> last = job.attempts().isEmpty() ? Optional.empty()
                : Optional.of(job.attempts().get(job.attempts().size() - 1));
        String error = StepErrors.storable(last.flatMap(JobAttempt::error).orElse("the queue gave up on the job"));
        int attempts = last.map(JobAttempt::attempt).orElse(job.maxAttempts());
        // The attempt's text holds message and stack trace (kept in the job's record); the first line is the message.
        int lineEnd = error.indexOf('\n');
        String message = lineEnd < 0 ? error : error.substring(0, lineEnd);
        JobExecution lastAttempt = StepJob.asStepAttempt(new JobExecution(job.queue(), job.jobId(), job.name(),
                job.payload(), attempts, job.maxAttempts()));
        if (STORE_UNAVAILABLE_IDS.stream().anyMatch(error::contains)) {
            // Its last attempt failed for the store, not for the step: run it again instead of failing the run.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0127 run {0}: the queue gave up on the job of step {1} while"
                    + " the store could not be reached, and the run never heard; the step is queued again",
                    run.runId(), step);
            engine.requeueAfterStoreFailure(StepJob.parse(job.payload()), lastAttempt, message, clock.instant(),
                    Optional.empty());
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0127 run {0}: the queue gave up on the job of step {1} after"
                + " {2} attempts, but the run never recorded it (storing the failure failed); recorded now",
                run.runId(), step, attempts);
        RuntimeException failure = new RuntimeException(message);
        failure.setStackTrace(new StackTraceElement[0]);
        engine.recordFailure(lastAttempt, failure, Optional.empty(), Optional.empty());
    }
}

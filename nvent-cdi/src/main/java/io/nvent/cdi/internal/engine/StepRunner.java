package io.nvent.cdi.internal.engine;

import io.nvent.AwaitPosition;
import io.nvent.ConcurrentRunModificationException;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.HeartbeatTimeoutException;
import io.nvent.HistoryEvent;
import io.nvent.InvalidPayloadException;
import io.nvent.NonRetryableStepException;
import io.nvent.NventException;
import io.nvent.PayloadViolation;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.Step;
import io.nvent.StepDefinition;
import io.nvent.StepProgress;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.UndeclaredEventException;
import io.nvent.cdi.internal.engine.StepExecutions.StepExecution;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepBinding;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepHandOn;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.Causes;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.Interrupts;
import io.nvent.spi.internal.LogText;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Executes the steps of runs: takes a step's job from the queue ({@link #jobHandler()}), stores its start
 * under the step's lease (or defers it), invokes the step's bean with its {@link DefaultStepContext}, and
 * records how the attempt ended: completed, with what it emitted and the steps that follow handed over, or
 * failed, to be retried or to fail its run. A job that cannot run now gives way: queued again for the store,
 * a rate limit, an attempt that outlived its timeout, or handed back by an instance lacking its step.
 *
 * <p>It drives {@link LostStepRecovery}, which it builds: a delivery may find its step's execution lost, and
 * recovery records failures and takes leases as the execution does ({@link LostStepRecovery.Engine}).
 *
 * <p>It also owns the engine's stop ({@link #closeQueue}): it closes the queue, refuses starts from then on
 * ({@link #queueClosed}), and waits for the attempts the close cut short to hand their steps back.
 */
final class StepRunner implements LostStepRecovery.Engine {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    /** The engine as a step's context offers it to the step: child runs, cancels, queries of runs. */
    private final FlowEngine engine;
    private final FlowRegistry registry;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final JobQueue queue;
    private final EngineRateLimits rateLimits;
    private final Json json;
    /**
     * The most bytes of a step's error in its history entries (half of nvent.payload.max-bytes), and half of that for
     * its stack trace: the entry fits.
     */
    private final long errorBytes;
    private final Clock clock;
    private final EngineSettings settings;
    private final EngineMetrics metrics;
    private final FinalFailureLog finalFailures;
    /** Steps this instance executes right now. */
    private final StepExecutions executionsHere;
    private final StepHistory history;
    private final Compensations compensations;
    private final AwaitResolution awaitResolution;
    private final RunPublisher publisher;
    private final StepQueueing queueing;
    private final ChangeFollowUp followUp;
    /**
     * Owner of this engine's step leases: the instance id plus a token of this start. An instance
     * restarted under the same id must not renew the leases its crashed predecessor held (renewal
     * goes by owner), or those steps would never be found stalled.
     */
    private final String leaseOwner;
    /** Stall detection and the recovery of steps whose execution or job was lost. */
    private final LostStepRecovery lostSteps;
    /** Queues whose adapter retried a failure not worth a retry ({@code NVENT-0548}, logged once each). */
    private final Set<String> queuesIgnoringNotRetryable = ConcurrentHashMap.newKeySet();
    /** Steps' retry deciders' decisions, from the queue's question to the failure's record. */
    private final RetryDecisions retryDecisions = new RetryDecisions();
    private final Function<Class<?>, Step<?, ?>> stepInstances;
    private final Map<Class<?>, Step<?, ?>> stepCache = new ConcurrentHashMap<>();
    /**
     * The {@link TimeoutException}s that steps' own code threw (a call the step made timed out), until
     * their failure is recorded: a queue reports an attempt it failed for its timeout with a
     * {@code TimeoutException} too, and only that one is the attempt's timeout. Counted: a library may
     * throw one shared instance to several steps at once. Weak: the failure of a stale execution is
     * never recorded.
     */
    private final Map<Throwable, Integer> timeoutsOfStepCode = new WeakHashMap<>();
    private final JobHandler jobHandler = new StepJobHandler();
    private volatile DeferredStarts deferredStarts;
    /** Time and make the writes of the steps' progress; none keeps it in memory only. */
    private volatile ProgressWrites progressWrites;
    /** Watches the heartbeats of steps with a heartbeat timeout, on the timers of the progress writes. */
    private final Heartbeats heartbeats;
    /**
     * The queue was closed as the engine stops: a run created now would be stored without its first
     * job, which only the next instance's lost-job check would enqueue, so starts are refused.
     */
    private volatile boolean queueClosed;
    /** {@link #closeQueue()} began: the queue interrupts the attempts still running once its grace ran out. */
    private volatile boolean queueClosing;
    /**
     * How long the stop gives the attempts it cut short to hand their steps back: short, so that a store
     * that is away or stuck does not hold the shutdown up, and well within a lease.
     */
    static final Duration STOP_PATIENCE = Duration.ofSeconds(5);
    /** See {@link #useStopPatience}. */
    private volatile Duration stopPatience = STOP_PATIENCE;
    /** {@link #closeQueue()} no longer waits for the attempts it cut short: a hand-back now comes too late. */
    private volatile boolean stopGaveUp;
    /** The longest a job handed back by an instance lacking its step waits before it is due again. */
    static final Duration LONGEST_HAND_BACK_DELAY = Duration.ofSeconds(30);
    /** Steps this instance lacks whose jobs it has handed back, logged once each ({@code NVENT-0171}). */
    private final Set<String> handingBack = ConcurrentHashMap.newKeySet();
    /** How long a step whose attempt failed for the store waits before it runs again. */
    static final Duration STORE_RETRY_DELAY = Duration.ofSeconds(5);
    /**
     * How long a delivery of a step waits before it runs again when an earlier attempt of the step, past its
     * timeout, still keeps the step's lease here for a write under way ({@link #giveWayToTimedOutAttempt}): the
     * first time; each time it gives way to that attempt again, twice as long, up to {@link #LONGEST_GIVE_WAY_DELAY}.
     */
    static final Duration TIMED_OUT_WRITE_DELAY = Duration.ofSeconds(1);
    /** The longest a step waits to give way to a timed-out attempt's write, if the lease duration is not shorter. */
    static final Duration LONGEST_GIVE_WAY_DELAY = Duration.ofMinutes(1);
    /**
     * The field of the {@code step.retry} entry of a step that gave way to a lease another instance holds
     * ({@link #giveWayToLeaseHeldElsewhere}): that lease's owner. The later give-ways of the attempt read it.
     */
    static final String LEASE_HELD_BY = "leaseHeldBy";
    /** See {@link #longestWaitInWorker}. */
    static final Duration LONGEST_RATE_LIMIT_WAIT_IN_WORKER = Duration.ofSeconds(2);
    /** See {@link #longestWaitInWorker}. */
    static final Duration LONGEST_GROUP_RATE_LIMIT_WAIT_IN_WORKER = Duration.ofMillis(50);

    StepRunner(FlowEngine engine, FlowRegistry registry, FlowStore store, SchedulingStore scheduling, JobQueue queue,
               EngineRateLimits rateLimits, Json json, Clock clock, EngineSettings settings,
               Function<Class<?>, Step<?, ?>> stepInstances, EngineMetrics metrics, FinalFailureLog finalFailures,
               StepExecutions executionsHere, StepHistory history, AwaitResolution awaitResolution,
               RunPublisher publisher, StepQueueing queueing, ChangeFollowUp followUp, String leaseOwner,
               String startToken) {
        this.engine = engine;
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.queue = queue;
        this.rateLimits = rateLimits;
        this.json = json;
        this.errorBytes = json.maxPayloadBytes() / 2;
        this.clock = clock;
        this.settings = settings;
        this.stepInstances = stepInstances;
        this.metrics = metrics;
        this.finalFailures = finalFailures;
        this.executionsHere = executionsHere;
        this.history = history;
        this.compensations = new Compensations(store);
        this.awaitResolution = awaitResolution;
        this.publisher = publisher;
        this.queueing = queueing;
        this.followUp = followUp;
        this.leaseOwner = leaseOwner;
        this.lostSteps = new LostStepRecovery(registry, store, scheduling, queue, clock, settings, history,
                executionsHere, leaseOwner, startToken, publisher, queueing, this);
        this.heartbeats = new Heartbeats(clock, () -> Optional.ofNullable(progressWrites).map(ProgressWrites::timers));
    }

    /** Receives the step jobs of every queue the flows use. */
    JobHandler jobHandler() {
        return jobHandler;
    }

    /** Stall detection and lost-step recovery (the maintenance sweep's, and a delivery's that finds a step lost). */
    LostStepRecovery lostSteps() {
        return lostSteps;
    }

    /** Whether the queue was closed as the engine stops (see {@link #closeQueue}): starts are refused. */
    boolean queueClosed() {
        return queueClosed;
    }

    /**
     * Stores the progress steps report ({@link io.nvent.StepContext#reportProgress}) through {@code writes}: at most once
     * a second per running step, timed by its timers and made by its writer, off the engine's scheduler.
     * Without it, a step's progress is kept in memory only (its {@code step.completed} entry has the last).
     */
    /** Where the steps' retry deciders come from (by default made with their no-argument constructors). */
    void useRetryDeciders(RetryDeciderInstances instances) {
        retryDecisions.use(instances);
    }

    void useProgressWrites(ProgressWrites writes) {
        this.progressWrites = writes;
    }

    /**
     * Lets steps run before their start is stored (see {@link EngineSettings#startWriteDelay()});
     * {@code executor} stores the start of a step that runs longer. Without it, every start is
     * stored before its step runs.
     */
    void useStartTimers(ScheduledExecutorService executor) {
        this.deferredStarts = new DeferredStarts(executor, settings.startWriteDelay());
    }

    /**
     * Closes the queue as the engine stops: its workers finish within its shutdown grace, and what
     * they and the starts meanwhile enqueue goes through. From then on starts are refused with a
     * retryable failure (503 on the REST API) instead of storing runs whose first step nothing enqueues.
     */
    void closeQueue() {
        queueClosing = true;
        try {
            queue.close();
        } finally {
            queueClosed = true;
            awaitAttemptsCutShort();
        }
    }

    /**
     * Waits, at most {@link #stopPatience}, for the attempts the queue's close cut short to end here:
     * each hands its step back in the store as it ends ({@link #settledAtStop}), while the store is
     * still there (the queues interrupt the attempts still running once their grace ran out, and return
     * without waiting for them). An attempt that ignores its interrupt, or whose write is stuck, is left
     * behind: its step comes back as before, once its lease expires ({@code NVENT-0536}).
     */
    private void awaitAttemptsCutShort() {
        Duration patience = stopPatience;
        try {
            if (executionsHere.awaitNone(patience)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopGaveUp = true;
        List<String> left = executionsHere.describe();
        if (!left.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0536 " + left.size() + " step attempt(s) still run here "
                    + patience.toMillis() + " ms after the queue closed, not handed back: " + left.stream().limit(10)
                    .collect(Collectors.joining(", ")) + (left.size() > 10 ? ", ..." : "") + "; their steps run again"
                    + " once their leases expire, after the sweep marks them stalled");
        }
    }

    /**
     * How long {@link #closeQueue} waits, once the queue closed, for the attempts it cut short to hand
     * their steps back (tests shorten it).
     */
    void useStopPatience(Duration patience) {
        this.stopPatience = patience;
    }

    /** Receives step jobs from the queue. */
    private final class StepJobHandler implements JobHandler {

        @Override
        public void handle(JobExecution job) throws Exception {
            execute(StepJob.asStepAttempt(job));
        }

        @Override
        public void prepare(List<JobExecution> claimed) {
            readAheadForFirstDeliveries(claimed);
        }

        @Override
        public void notContinued(JobRequest job) {
            queueing.notContinued(job.jobId());
        }

        /**
         * Whether the queue may retry the job: not when the step's failure is one no retry can mend,
         * unless the attempt was superseded (the step taken over since it started): the engine ignores
         * its failure ({@code NVENT-0530}), and a dead letter of it would be a failed job beside a
         * healthy run, so the queue goes on with it as before.
         */
        @Override
        public boolean isRetryable(JobExecution job, Throwable error) {
            try {
                return notRetryableFor(job, error).isEmpty()
                        || takeoverSinceStartOf(StepJob.asStepAttempt(job)).isPresent();
            } catch (RuntimeException unknown) {
                return true; // retried as before; its failure's record decides again
            }
        }

        /**
         * The delay before the next attempt: the step's retry decider's, if it names one and the failure is
         * the step's own and worth a retry, else the declared one (or none, as {@link #isRetryable} says).
         * A decider that gives up about an attempt superseded since it started decides nothing: the
         * engine ignores that failure, as {@link #isRetryable} explains.
         */
        @Override
        public Optional<Duration> retryDelay(JobExecution job, Throwable error, Duration declaredDelay) {
            if (!isRetryable(job, error)) {
                return Optional.empty();
            }
            try {
                if (cutShortByStop(error) || isStoreUnavailable(error)) {
                    return Optional.of(declaredDelay); // not the step's failure: not the decider's to judge
                }
                StepJob ref = StepJob.parse(job.payload());
                Optional<Class<? extends io.nvent.RetryDecider>> decider = registry.binding(ref.flow(), ref.step())
                        .flatMap(StepBinding::retryDecider);
                if (decider.isEmpty()) {
                    return Optional.of(declaredDelay);
                }
                JobExecution attempt = StepJob.asStepAttempt(job);
                Optional<Duration> delay = retryDecisions.decide(job, decider.get(), new io.nvent.FailedAttempt(
                        ref.runId(), ref.flow(), ref.step(), attempt.attempt(), attempt.maxAttempts(), error,
                        declaredDelay)).delay();
                if (delay.isEmpty() && takeoverSinceStartOf(attempt).isPresent()) {
                    retryDecisions.takeFor(job);
                    return Optional.of(declaredDelay);
                }
                return delay;
            } catch (RuntimeException unknown) {
                return Optional.of(declaredDelay); // retried as declared; its failure's record decides again
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            Optional<RetryDecisions.Decided> decided = retryDecisions.takeFor(job);
            if (cutShortByStop(error)) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0533 job {0} attempt {1} of queue {2} was cut short by the"
                        + " engine stopping ({3}): not recorded as a failure; the step runs again once an instance"
                        + " takes it up (its job redelivered, or the sweep finding it lost)", job.jobId(),
                        job.attempt(), job.queue(), String.valueOf(error));
                return;
            }
            JobExecution attempt = StepJob.asStepAttempt(job);
            StepExecutions.Left left = leftByFailed(attempt);
            if (!isSuperseded(attempt)) {
                recordFailure(attempt, error, nextAttemptAt, left, decided);
            }
        }
    }

    /**
     * The last progress the failed attempt reported here, if any, and its trace (see
     * {@link StepExecutions#leftByFailed}).
     */
    private StepExecutions.Left leftByFailed(JobExecution attempt) {
        try {
            StepJob ref = StepJob.parse(attempt.payload());
            return executionsHere.leftByFailed(ref.runId(), ref.step(), attempt);
        } catch (IllegalArgumentException notAStepJob) {
            return StepExecutions.Left.NOTHING;
        }
    }

    /**
     * Whether an attempt failed because the engine's stop cut it short: the queue interrupts the
     * attempts still running when its shutdown grace ends, and a step may turn the interrupt into any
     * failure. Such a failure is the shutdown's, not the step's: recorded, it would take a retry of
     * the step or fail its run for good, and a retry it stored would be queued on a closed queue. Once
     * the queue's close returned, every attempt still running was interrupted; while it waits, only
     * a failure that shows the interrupt counts as cut short, and one of its own is recorded.
     */
    private boolean cutShortByStop(Throwable failure) {
        return queueClosed || queueClosing && Interrupts.showsInterrupt(failure);
    }

    /**
     * The exception that makes a step's failed attempt final: its {@link io.nvent.NonRetryableStepException}
     * or one of its {@code noRetryFor} types ({@link NonRetryable}). Never a timeout of the attempt (the
     * step's own code may throw a {@code TimeoutException} it lists), the store being away, or a stop
     * cutting the attempt short: those are not the step's to judge.
     */
    private Optional<Throwable> notRetryableFor(JobExecution job, Throwable error) {
        if (cutShortByStop(error) || isStoreUnavailable(error)
                || error instanceof TimeoutException && !isTimeoutOfStepCode(error)) {
            return Optional.empty();
        }
        StepJob ref;
        try {
            ref = StepJob.parse(job.payload());
        } catch (IllegalArgumentException notAStepJob) {
            return Optional.empty();
        }
        return registry.binding(ref.flow(), ref.step()).flatMap(b -> NonRetryable.reason(b.definition(), error));
    }

    /**
     * Reads, with one query, the runs whose steps a queue just claimed together and whose first
     * delivery would otherwise each read its run (see {@link #stateBeforeFirstDelivery}): the store
     * keeps what it read, and each step then starts on that state. Runs the store still has a
     * recent state of are not read; one run alone is left to its step.
     */
    private void readAheadForFirstDeliveries(List<JobExecution> claimed) {
        if (deferredStarts == null || settings.startWriteDelay().isZero()) {
            return;
        }
        Set<String> runIds = new LinkedHashSet<>();
        for (JobExecution job : claimed) {
            if (!isFirstDelivery(job)) {
                continue;
            }
            StepJob ref;
            try {
                ref = StepJob.parse(job.payload());
            } catch (IllegalArgumentException notAStepJob) {
                continue; // its attempt reports it
            }
            if (ref.queuedAtVersion().isPresent() && store.recentRun(ref.runId(),
                    ref.queuedAtVersion().getAsLong(), settings.startWriteDelay()).isEmpty()) {
                runIds.add(ref.runId());
            }
        }
        if (runIds.size() > 1) {
            store.readRuns(runIds);
        }
    }

    private void execute(JobExecution job) throws Exception {
        StepJob ref = StepJob.parse(job.payload());
        AttemptInterception interception = queueing.interception();
        if (!interception.isActive()) {
            execute(ref, job);
            return;
        }
        // The steps of this run it hands on carry its trace; what it starts otherwise captures its own.
        Object carriedBefore = interception.carry(ref.runId(), ref.trace());
        try {
            execute(ref, job);
        } finally {
            interception.restore(carriedBefore);
        }
    }

    private void execute(StepJob ref, JobExecution job) throws Exception {
        boolean continuation = queueing.isContinuation(job);
        Optional<StepBinding> deployed = registry.binding(ref.flow(), ref.step());
        if (deployed.isEmpty()) {
            handBackOrRefuse(ref, job);
            return;
        }
        StepBinding binding = deployed.get();
        if (gaveWayToRecordedAttempt(ref, job) || requeuedRecordedFailure(ref, job, binding.definition())
                || failedInsteadOfRetry(ref, job)) {
            return;
        }
        // A job whose step no longer waits for it (a stale duplicate) starts nothing: it takes no start.
        Optional<RunRecord> toStart = rateLimits.of(job.queue()).isPresent() ? runStillToRun(ref) : Optional.empty();
        if (toStart.isPresent()) {
            RateLimitGroup group = rateLimits.groupOf(job.queue(),
                    key -> AwaitResolution.stepDataField(toStart.get(), binding.definition(), AwaitPosition.BEFORE,
                            key));
            // A step back from a requeue under its group's limit comes at the time booked for it: it may wait
            // as long as under a queue's limit, if not too many of the queue's workers do so already.
            boolean longWaitTurn = !group.isWholeQueue() && StepJob.isRateLimitedJob(job.jobId())
                    && rateLimits.takeLongWaitTurn(job.queue());
            Optional<Duration> untilAllowed;
            try {
                untilAllowed = rateLimits.awaitStart(job, group, longestWaitInWorker(binding.definition(),
                        !group.isWholeQueue() && !longWaitTurn), () -> queue.isPaused(job.queue()));
            } finally {
                if (longWaitTurn) {
                    rateLimits.endLongWaitTurn(job.queue());
                }
            }
            if (untilAllowed.isPresent()) {
                requeueUnderRateLimit(ref, job, group, untilAllowed.get());
                return;
            }
        }
        // A compensation's step.started says which step it undoes; other steps read nothing more.
        UnaryOperator<RunChange> compensates = binding.definition().role() != StepRole.COMPENSATION
                ? UnaryOperator.identity()
                : compensations.planOf(ref.runId()).flatMap(Compensations.Plan::current)
                        .<UnaryOperator<RunChange>>map(undo -> change -> Compensations.naming(change, ref.step(),
                                undo.step()))
                        .orElse(UnaryOperator.identity());
        Instant startedAt = clock.instant();
        StepExecution self = executionsHere.begin(ref.runId(), ref.step(), job, binding.definition().timeout());
        if (continuation) {
            self.markContinued();
        }
        boolean alreadyRunningHere = executionsHere.anotherRunsBeside(self);
        Exception storeAway = null;
        AtomicBoolean foundLost = new AtomicBoolean();
        // The run's concurrency key, as the start of the step found it: a holder that ended while the step ran
        // hands its key on once the step has ended (its lease gone).
        AtomicReference<String> concurrencyKey = new AtomicReference<>();
        try {
            Optional<StepExecution> leaseKeeper = executionsHere.leaseKeptBeside(self);
            if (leaseKeeper.isPresent()) {
                giveWayToTimedOutAttempt(ref, job, leaseKeeper.get());
                return;
            }
            if (job.redelivered() && !settings.recoverStalled() && !alreadyRunningHere
                    && lostSteps.leftStalledInsteadOfRunningAgain(ref)) {
                return;
            }
            DeferredStarts starts = deferredStarts;
            if (starts != null && !settings.startWriteDelay().isZero() && !alreadyRunningHere
                    && isFirstDelivery(job)) {
                Optional<RunRecord> before = stateBeforeFirstDelivery(ref);
                // A run with a concurrency key stores its start (and lease) first: a step running without a
                // lease, canceled meanwhile, would let the key go to the next run while it still runs.
                if (before.isPresent() && startsCleanly(before.get(), ref.step())
                        && before.get().concurrencyKey().isEmpty()) {
                    // Not once the attempt is past its timeout: the queue's failure of it may be stored already
                    // (the step retrying), and a start stored after it would run, or complete, the step as this
                    // timed-out attempt (recordFailure marks it timed out before it stores the failure).
                    executeWithDeferredStart(binding, job, self, before.get(), run -> self.isPastTimeout()
                            ? Optional.empty() : lateStartChange(run, ref.step(), job, startedAt)
                            .map(compensates), starts);
                    return;
                }
            }
            executeStarted(binding, job, self, ref.runId(), run -> {
                run.concurrencyKey().ifPresent(concurrencyKey::set);
                return startChange(run, ref.step(), job, startedAt, alreadyRunningHere, foundLost)
                        .map(compensates);
            });
        } catch (Exception failure) {
            if (self.isStale() && !self.isPastTimeout()) {
                // Another execution holds the step: this one's failure is not the step's, nor a retry due.
                logStaleOutcome(job, "its failure", failure);
                return;
            }
            // A last attempt fails to the queue, and one past its timeout was failed by the queue already.
            if (job.isLastAttempt() || self.isPastTimeout() || !isStoreUnavailable(failure)
                    || cutShortByStop(failure)) {
                // For the entry that records the failure once the queue reports it (step.retry or step.failed).
                executionsHere.failedWith(self);
                throw failure;
            }
            storeAway = failure;
        } finally {
            executionsHere.end(self);
            if (concurrencyKey.get() != null) {
                awaitResolution.handOnConcurrencyKeyIfEnded(ref.runId(), concurrencyKey.get());
            }
        }
        // Only once this job no longer counts as executing the step here: the recovery job, picked up at
        // once, would take it for an execution of the step under way and be refused.
        if (foundLost.get()) {
            lostSteps.markStalledAfterLostExecution(ref);
        }
        if (storeAway != null) {
            try {
                giveWayForTheStore(ref, job, storeAway, self.hasInvoked() ? Optional.of(startedAt) : Optional.empty(),
                        self.left());
            } catch (Exception stillAway) {
                // It fails to the queue after all: the entry recording that failure names the attempt that ran.
                executionsHere.failedWith(self);
                throw stillAway;
            }
        }
    }

    /**
     * Whether a failed attempt is no longer its step's current attempt: its own {@code step.started}
     * entry (this job, this attempt, this instance) is followed by a newer start or a stall of the
     * step, because its lease ran out and the step was taken over. Its failure is then ignored
     * ({@code NVENT-0530}): recorded, it would retry or fail the step under the execution that holds
     * it now. An attempt whose start was never stored counts as current, as does every attempt when
     * the history cannot be read (the failure's own handling deals with the store being away).
     */
    private boolean isSuperseded(JobExecution job) {
        Optional<HistoryEvent> takeover = takeoverSinceStartOf(job);
        takeover.ifPresent(newest -> {
            StepJob ref = StepJob.parse(job.payload());
            LOG.log(System.Logger.Level.INFO, "NVENT-0530 run {0}: the failure of attempt {1} of step {2} (job"
                    + " {3}) is ignored: the step was taken over since that attempt started ({4}), and the"
                    + " execution that holds it now decides its outcome", ref.runId(), job.attempt(), ref.step(),
                    job.jobId(), newest.type().wireName());
        });
        return takeover.isPresent();
    }

    /**
     * The newest start or stall of the attempt's step when it follows the attempt's own start (see
     * {@link #isSuperseded}); empty while the attempt is current, its start was never stored, or the
     * history cannot be read.
     */
    private Optional<HistoryEvent> takeoverSinceStartOf(JobExecution job) {
        List<HistoryEvent> newestFirst;
        try {
            StepJob ref = StepJob.parse(job.payload());
            newestFirst = store.readEvents(ref.runId(), new EventQuery(Set.of(EventType.STEP_STARTED,
                    EventType.STEP_STALLED), 0, EventQuery.MAX_LIMIT, true)).stream()
                    .filter(entry -> entry.step().filter(ref.step()::equals).isPresent()).toList();
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        for (int i = 0; i < newestFirst.size(); i++) {
            if (isStartOf(newestFirst.get(i), job, true)) {
                return i == 0 ? Optional.empty() : Optional.of(newestFirst.get(0));
            }
        }
        if (job.redelivered()) {
            // A redelivery this instance failed without starting it (a queue's delivery limit moved it to the dead
            // letters unrun): the attempt is the one another instance started, lost since, perhaps recovered.
            for (int i = 0; i < newestFirst.size(); i++) {
                if (isStartOf(newestFirst.get(i), job, false)) {
                    return i == 0 ? Optional.empty() : Optional.of(newestFirst.get(0));
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the entry is the {@code step.started} of this attempt of this job, on this instance if {@code here}. */
    private boolean isStartOf(HistoryEvent entry, JobExecution job, boolean here) {
        if (entry.type() != EventType.STEP_STARTED || entry.attempt() != job.attempt()) {
            return false;
        }
        JsonObject data = Json.PROVIDER.createReader(new StringReader(entry.data())).readObject();
        return job.jobId().equals(data.getString("jobId", null))
                && (!here || settings.instanceId().equals(data.getString("instance", null)));
    }

    /**
     * A job the queue delivers again for an attempt whose failure the run recorded already, with the
     * attempt that follows ({@code step.retry} naming {@code nextAttempt}): the instance that recorded
     * it stopped before the queue stored the retry (a crash between the two). Running the step now
     * would repeat the failed attempt under its number, ahead of its backoff; instead the retry the
     * history promises is queued, due when the entry says, under a recovery job of its own id (the
     * queue still knows this job's id, and would drop a job under it as a duplicate), and this
     * delivery ends ({@code NVENT-0531}). Read for redeliveries only.
     *
     * @return whether this delivery ended without running the step
     */
    private boolean requeuedRecordedFailure(StepJob ref, JobExecution job, StepDefinition step) {
        if (!job.redelivered()) {
            return false;
        }
        Optional<RunRecord> run = store.findRun(ref.runId());
        if (run.isEmpty() || run.get().status().isTerminal()
                || run.get().steps().get(ref.step()) != StepStatus.RETRYING
                || !history.lastJobOf(ref.runId(), ref.step()).filter(job.jobId()::equals).isPresent()) {
            return false;
        }
        Optional<JsonObject> retry = history.latestEntryOfStep(ref.runId(), EventType.STEP_RETRY, ref.step())
                .filter(entry -> entry.attempt() == job.attempt())
                .map(entry -> Json.PROVIDER.createReader(new StringReader(entry.data())).readObject())
                .filter(data -> data.getInt("nextAttempt", 0) == job.attempt() + 1
                        && data.get("nextAttemptAt") instanceof JsonString);
        if (retry.isEmpty()) {
            return false;
        }
        Instant due = Instant.parse(retry.get().getString("nextAttemptAt"));
        Duration delay = due.isAfter(clock.instant()) ? Duration.between(clock.instant(), due) : Duration.ZERO;
        String jobId = StepJob.recoveryJobId(ref.runId(), ref.step(), run.get().version());
        QueueFailure.sendToQueue(step.queue(), () -> queue.enqueue(StepQueueing.stepJob(new StepJob(ref.runId(),
                ref.flow(), ref.step(), OptionalLong.empty()).afterAttempts(job.attempt()).withTrace(ref.trace()), step,
                jobId, true)
                .withDelay(delay)));
        LOG.log(System.Logger.Level.WARNING, "NVENT-0531 run {0}: job {1} of step {2} was delivered again for attempt"
                + " {3}, whose failure the run recorded already; its retry (attempt {4}, due {5}) is queued as job {6}",
                ref.runId(), job.jobId(), ref.step(), job.attempt(), job.attempt() + 1, due, jobId);
        return true;
    }

    /**
     * A retry by the queue of a step's job whose number is above the attempt the run's history shows
     * the step at ({@link #asRecordedAttempt}): deliveries before it failed only because the store
     * could not be reached, and could not give way, so the queue counted them. The step, waiting for
     * its job, is queued again at once under a recovery job, as the attempt it is at and with the
     * attempts it has left ({@link #requeueLater}), and this delivery ends without running it; were it
     * to run, its attempt would show the queue's number, and the queue would give up on the job with
     * attempts of the step left. A step recorded running lost its execution instead, which its start
     * finds and queues again as the attempt it was at ({@link LostStepRecovery#markStalledAfterLostExecution}). The
     * history is read for a queue's retries only: a job's first delivery numbers the attempts before
     * it from the history already ({@link StepJob#attemptsBefore}).
     *
     * @return whether this delivery gave way and must not run the step
     */
    private boolean gaveWayToRecordedAttempt(StepJob ref, JobExecution job) {
        if (job.attempt() - ref.attemptsBefore() <= 1) {
            return false;
        }
        JobExecution recorded = asRecordedAttempt(ref, job);
        if (recorded.attempt() >= job.attempt()) {
            return false;
        }
        Optional<RunRecord> run = store.findRun(ref.runId());
        StepStatus status = run.map(r -> r.steps().get(ref.step())).orElse(null);
        if (run.isEmpty() || run.get().status().isTerminal()
                || (status != StepStatus.QUEUED && status != StepStatus.RETRYING)) {
            return false;
        }
        JsonText why = JsonText.object().str("reason", "the queue delivered the step as attempt " + job.attempt()
                + ", counting deliveries that failed only because the store could not be reached; they do not count")
                .num("queueAttempt", job.attempt());
        requeueLater(ref, recorded, Duration.ZERO, clock.instant(), Optional.of(why), false, Optional.empty())
                .ifPresent(change -> LOG.log(System.Logger.Level.WARNING, "NVENT-0521 run {0}: the queue delivered step"
                        + " {1} as attempt {2}, counting deliveries that failed only because the store could not be"
                        + " reached; queued again as attempt {3}, the one its history shows", ref.runId(), ref.step(),
                        job.attempt(), recorded.attempt()));
        return true;
    }

    /**
     * An attempt before the step's last failed only because the store could not be reached: like a
     * last one, it does not count. The queue would retry it as the next attempt (every queue numbers
     * a job's attempts itself), so the job ends here instead, and the step is queued again as this
     * attempt, with the attempts it has left ({@link #requeueAfterStoreFailure}). If even that cannot
     * be stored, the attempt fails to the queue as it would have: the queue retries it as the next
     * attempt, which the step's history does not bear out, so that retry gives way to this attempt
     * ({@link #gaveWayToRecordedAttempt}), or the sweep queues it as this attempt once the queue gave up.
     */
    private void giveWayForTheStore(StepJob ref, JobExecution job, Exception failure, Optional<Instant> ranFrom,
                                    StepExecutions.Left left) throws Exception {
        String message = StepErrors.of(failure, errorBytes);
        try {
            requeueAfterStoreFailure(ref, job, message, clock.instant(), ranFrom, left);
        } catch (RuntimeException stillAway) {
            failure.addSuppressed(stillAway);
            throw failure;
        }
    }

    /**
     * A job of a step this deployment lacks: during a rolling deploy, the other version may have it.
     * Within {@link EngineSettings#missingStepGrace()} of its first hand-back the job is handed back:
     * queued again under a new id ({@link StepJob#handedBackJobId}) after {@link #handBackDelay}, with
     * the attempts the step has used so far, while this job completes; no attempt counts and the run
     * stays as it is, its history saying, once per job and attempt, that the job is handed back, when it
     * is due again and until when the hand-backs go on ({@link #recordHandBack}). A job whose run ended, or whose step waits for no job, starts
     * nothing. After the grace period, for a step not waiting in the queue (recorded running: its
     * lease and the sweep look after it) and for a job queued without its terms, the job is refused
     * as an attempt of the step ({@code NVENT-0111}), to be retried or to fail it visibly.
     */
    private void handBackOrRefuse(StepJob ref, JobExecution job) {
        String lacking = "NVENT-0111 run '" + ref.runId() + "': flow '" + ref.flow() + "' has no step '" + ref.step()
                + "' in this deployment";
        Optional<RunRecord> run = store.findRun(ref.runId());
        StepStatus status = run.map(r -> r.steps().get(ref.step())).orElse(null);
        if (run.isEmpty() || run.get().status().isTerminal() || status == null || status.isFinal()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + ref.runId() + ": job " + job.jobId() + " of step "
                    + ref.step() + ", which this deployment lacks, starts nothing: the run ended or the step did");
            return;
        }
        Duration grace = settings.missingStepGrace();
        Instant now = clock.instant();
        Instant since = ref.handBack().map(StepJob.HandBack::since).orElse(now);
        if (grace.isZero() || ref.terms().isEmpty()
                || (status != StepStatus.QUEUED && status != StepStatus.RETRYING)) {
            throw new NventException(lacking);
        }
        Instant graceEnd = since.plus(grace);
        if (!now.isBefore(graceEnd)) {
            throw new NventException(lacking + "; instances without the step have handed its job back since " + since
                    + ", and the grace period (nvent.upgrade.missing-step-grace=" + grace + ") ended at " + graceEnd);
        }
        int count = ref.handBack().map(StepJob.HandBack::count).orElse(0) + 1;
        StepJob.JobTerms terms = ref.terms().get();
        int attemptsBefore = job.attempt() - 1;
        StepJob next = ref.handedBack(new StepJob.HandBack(since, count)).afterAttempts(attemptsBefore);
        long version = run.get().version();
        int index = StepJob.handedBackIndex(job.jobId(), version).orElse(0) + 1;
        while (queue.job(job.queue(), StepJob.handedBackJobId(ref.runId(), ref.step(), version, index)).isPresent()) {
            index++; // another job of the step was handed back at this version too: each keeps its own id
        }
        Duration delay = handBackDelay(count);
        String nextJobId = StepJob.handedBackJobId(ref.runId(), ref.step(), version, index);
        boolean recorded = history.latestEntryOfStep(ref.runId(), EventType.STEP_RETRY, ref.step())
                .filter(entry -> entry.attempt() == job.attempt())
                .flatMap(HandBackEntry::of).filter(entry -> entry.at(ref.runId(), ref.step(), version))
                // An instance with a grace of its own says until when it hands the job back: the lost-job
                // check reads that end from the latest entry.
                .filter(entry -> entry.since().equals(Optional.of(since))
                        && entry.until().equals(Optional.of(graceEnd)))
                .isPresent();
        if (!recorded) {
            recordHandBack(ref, job.attempt(), new HandBackEntry(nextJobId, count, now.plus(delay), Optional.of(since),
                    Optional.of(graceEnd)), now);
        }
        queue.enqueue(new JobRequest(job.queue(), nextJobId, job.name(), next.toJson(), delay, terms.priority(),
                StepJob.remainingRetry(terms.retry(), attemptsBefore), terms.timeout()));
        if (handingBack.add(ref.flow() + "/" + ref.step())) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0171 flow {0} has no step {1} in this deployment: this instance"
                    + " hands its jobs back to the queue, without counting an attempt, for an instance that has the step"
                    + " (a rolling deploy); each job for up to {2} from its first hand-back"
                    + " (nvent.upgrade.missing-step-grace), then as a failed attempt (NVENT-0111). Logged once per step",
                    ref.flow(), ref.step(), grace);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "run " + ref.runId() + ": job " + job.jobId() + " of step "
                + ref.step() + " handed back, due again in " + delay);
    }

    /**
     * Records in the step's history that its job was handed back, when it is due again and until when
     * instances lacking the step hand it back ({@link HandBackEntry}: {@code step.retry} with
     * {@code nextAttemptAt} and no {@code nextAttempt}, as no attempt counts), before the job is queued;
     * at the job's first hand-back in the attempt only, not at each one. The lost-job check of another
     * instance may see none of the job's chain: the JMS broker shows no delayed message, and the jobs
     * before it completed on this instance. Without the entry it queued the step's recovery job as
     * well (two jobs of one step); with it, the check waits until the hand-backs may be due at the
     * latest, plus a lease ({@link LostStepRecovery#waitsForADelayedJob}), and then queues the step, whose job the
     * queue lost. Appended without changing the run: the hand-backs' ids and the check keep to the
     * run's version.
     */
    private void recordHandBack(StepJob ref, int attempt, HandBackEntry entry, Instant now) {
        publisher.publish(ref.flow(), store.appendEvents(ref.runId(), List.of(EventDraft.ofStep(EventType.STEP_RETRY,
                ref.step(), attempt, now, entry.data()))));
    }

    /**
     * How long a handed-back job waits before a worker may take it again: 1 s after the first
     * hand-back, doubling with each one up to {@link #LONGEST_HAND_BACK_DELAY}. Short at first, so
     * that an instance with the step soon gets its turn; then rarely enough that instances lacking
     * the step do not keep their workers busy with it.
     */
    static Duration handBackDelay(int count) {
        Duration grown = Duration.ofSeconds(1L << Math.min(count - 1, 10));
        return grown.compareTo(LONGEST_HAND_BACK_DELAY) > 0 ? LONGEST_HAND_BACK_DELAY : grown;
    }

    /** The job's run, if it goes on and its step has yet to end: what a start under a rate limit is for. */
    private Optional<RunRecord> runStillToRun(StepJob ref) {
        return store.findRun(ref.runId()).filter(run -> !run.status().isTerminal())
                .filter(run -> Optional.ofNullable(run.steps().get(ref.step())).filter(s -> !s.isFinal()).isPresent());
    }

    /**
     * How long a worker may wait for the rate limit to allow a step's start before it hands the step
     * back to the queue: a short wait costs less than a round through the queue, a long one would hold
     * a worker and count against the attempt's timeout. Under a limit per group a worker that took a
     * step fresh from the queue would also keep the steps of every other group from starting (the
     * queue hands out jobs in order, whatever their group), so it waits only moments.
     */
    private static Duration longestWaitInWorker(StepDefinition step, boolean holdsUpOtherGroups) {
        Duration longest = holdsUpOtherGroups ? LONGEST_GROUP_RATE_LIMIT_WAIT_IN_WORKER : LONGEST_RATE_LIMIT_WAIT_IN_WORKER;
        Duration quarterOfTimeout = step.timeout().dividedBy(4);
        return quarterOfTimeout.compareTo(longest) < 0 ? quarterOfTimeout : longest;
    }

    /**
     * The run's state for a step's first delivery: the one this instance committed or read lately,
     * if it is at least as new as the write that queued the job, instead of a read. The deferred
     * start already lets a step run for {@link EngineSettings#startWriteDelay()} before the store
     * shows it started, and its write checks that the step is still waiting for it; a state no
     * older than that delay adds no other kind of race (a run canceled on another instance within
     * it may see its queued step run, as it may see a step just begun run on).
     */
    private Optional<RunRecord> stateBeforeFirstDelivery(StepJob ref) {
        Optional<RunRecord> recent = ref.queuedAtVersion().isPresent()
                ? store.recentRun(ref.runId(), ref.queuedAtVersion().getAsLong(), settings.startWriteDelay())
                : Optional.empty();
        return recent.isPresent() ? recent : store.findRun(ref.runId());
    }

    /**
     * The first delivery of the first attempt of a step's usual job. A retried attempt, a
     * redelivery after a lost instance and a stall-recovery job may meet another job of the same
     * step, so they store their start, and take the step's lease, before running.
     */
    private static boolean isFirstDelivery(JobExecution job) {
        return job.attempt() == 1 && !job.redelivered() && !StepJob.isRecoveryJob(job.jobId());
    }

    /** A run that goes on and a step waiting for this job: the common case, which may defer its start. */
    private static boolean startsCleanly(RunRecord run, String step) {
        StepStatus status = run.steps().get(step);
        return !run.status().isTerminal() && (status == StepStatus.QUEUED || status == StepStatus.RETRYING);
    }

    /** Stores the step's start (with its lease) before invoking the step. */
    private void executeStarted(StepBinding binding, JobExecution job, StepExecution self, String runId,
                                RunMutation start) throws Exception {
        AtomicBoolean startDeclined = new AtomicBoolean();
        RunMutation watchedStart = run -> {
            Optional<RunChange> change = start.apply(run);
            startDeclined.set(change.isEmpty());
            return change;
        };
        Optional<StoredChange> started = writeStart(binding, job, self, runId, watchedStart);
        if (started.isEmpty() && !startDeclined.get()) {
            // The step's lease refused the start, not the run: another instance holds it.
            Optional<StepLease> held = leaseHeldElsewhere(runId, binding.step());
            if (held.isPresent()) {
                giveWayToLeaseHeldElsewhere(StepJob.parse(job.payload()), job, held.get());
                return;
            }
            // Given up (its write ended) or run out since it refused the start: nothing holds the step back now,
            // and nothing else would run it before the lost-job check. Once: a store that cannot be read gives way
            // to that check.
            started = writeStart(binding, job, self, runId, watchedStart);
            if (started.isEmpty() && !startDeclined.get()) {
                leaseHeldElsewhere(runId, binding.step()).ifPresent(taken -> giveWayToLeaseHeldElsewhere(
                        StepJob.parse(job.payload()), job, taken));
            }
        }
        if (started.isEmpty()) {
            return;
        }
        boolean holdingLease = true;
        try {
            RunRecord run = started.get().run();
            DefaultStepContext context = contextOf(binding, job, run, self);
            String resultJson;
            try {
                resultJson = invokeForResult(binding, run, context, self);
            } catch (Exception failure) {
                if (!self.isPastTimeout()) {
                    // Given up by settledAsCanceled whatever it finds.
                    holdingLease = false;
                    if (settledAsCanceled(self, job, runId, binding.step(), failure)) {
                        return;
                    }
                }
                throw failure;
            }
            holdingLease = false;
            complete(binding, job, self, context, resultJson, Optional.of(leaseOf(run.runId(), binding.step(),
                    job.attempt())), start);
        } finally {
            if (holdingLease && !self.isPastTimeout()) {
                lostSteps.releaseOwnLease(started.get().run().runId(), binding.step(), self);
            }
        }
    }

    /**
     * Invokes the step before its start is stored, on the state read just before; a step that
     * returns within {@link EngineSettings#startWriteDelay()} stores its start and its result in
     * one write (no lease: nothing else can take the step meanwhile, the write checks that it is
     * still waiting for this job). A step that runs longer gets its start (and lease) stored by the
     * ticker of {@code starts} (within a tick after the delay), so it shows as running and stall
     * detection covers it; a failing attempt stores its start before its failure, so the history
     * reads the same either way.
     */
    private void executeWithDeferredStart(StepBinding binding, JobExecution job, StepExecution self, RunRecord before,
                                          RunMutation start, DeferredStarts starts) throws Exception {
        DeferredStart deferred = new DeferredStart(() -> {
            Optional<StoredChange> started = writeStart(binding, job, self, before.runId(), start);
            if (started.isEmpty() && self.isPastTimeout()) {
                // Refused for the timeout (see the start's change), which came first: it stays the reason.
                self.markStaleForItsTimeout();
            } else if (started.isEmpty()) {
                // The step ran on elsewhere or ended meanwhile: what this attempt writes from now on is refused.
                self.markStale("its deferred start was refused: the step no longer waited for this job");
            }
            return started;
        }, self::isPastTimeout);
        String resultJson;
        DefaultStepContext context = contextOf(binding, job, before, self);
        context.storeStartBeforeWrites(() -> {
            deferred.writeIfPending();
            deferred.outcome();
        });
        // Every way out below takes the start over or writes it, which lets the ticker go of it.
        starts.register(deferred);
        boolean holdingLease = false;
        try {
            resultJson = invokeForResult(binding, before, context, self);
            if (deferred.takeOver()) {
                complete(binding, job, self, context, resultJson, Optional.empty(), start);
                return;
            }
            Optional<StoredChange> started = deferred.outcome();
            if (started.isEmpty()) {
                // The run was canceled or the step taken over while it ran: its result is not stored.
                return;
            }
            holdingLease = false;
            complete(binding, job, self, context, resultJson, Optional.of(leaseOf(before.runId(), binding.step(),
                    job.attempt())), start);
        } catch (Exception | Error failure) {
            if (failure instanceof Exception cutShort && !self.isPastTimeout() && !self.isCancelRequested()
                    && cutShortByStop(cutShort) && deferred.takeOver()) {
                // Its start is stored along with its hand-back, in one write.
                if (settledAtStop(self, job, before.runId(), binding.step(), cutShort, Optional.of(start))) {
                    return;
                }
                throw failure;
            }
            try {
                deferred.writeIfPending();
                holdingLease = deferred.outcome().isPresent();
            } catch (RuntimeException notStored) {
                // The failure may be the start's own write failing, rethrown here once more.
                if (notStored != failure) {
                    failure.addSuppressed(notStored);
                }
            }
            if (holdingLease && !self.isPastTimeout() && failure instanceof Exception stopped) {
                // Given up by settledAsCanceled whatever it finds.
                holdingLease = false;
                if (settledAsCanceled(self, job, before.runId(), binding.step(), stopped)) {
                    return;
                }
            }
            throw failure;
        } finally {
            if (holdingLease && !self.isPastTimeout()) {
                lostSteps.releaseOwnLease(before.runId(), binding.step(), self);
            }
        }
    }

    /** Stores the step's start and its lease; empty if the step must not run (see {@link #startChange}). */
    private Optional<StoredChange> writeStart(StepBinding binding, JobExecution job, StepExecution self, String runId,
                                              RunMutation start) {
        // For this execution: the progress the store keeps with the lease is this attempt's only, and the writes of
        // an earlier execution still running here past its timeout are refused once this one holds it, also one of
        // the same attempt number (an operator's retry counts its attempts from 1 again).
        StepLease lease = leaseOf(runId, binding.step(), self);
        Optional<StoredChange> started;
        try {
            started = scheduling.startStep(store, lease, clock.instant(), start);
        } catch (RunNotFoundException deleted) {
            // Its run was deleted (retention, a cleared history) while the job waited: a canceled run's job
            // on a paused queue, a retry's or a rate limit's delay. It has nothing to run; failed on its last
            // attempt it would be kept as a dead letter for ever. An earlier attempt still fails, to be
            // retried. Or the run is not shown yet: the queue's commit showed the job before the store's
            // showed the run (two resources of one transaction). Then the run, once shown, has its step
            // queued and no job: the lost-job check queues the step again (two checks a lease apart).
            if (!job.isLastAttempt()) {
                throw deleted;
            }
            LOG.log(System.Logger.Level.INFO, "NVENT-0549 job {0} did not run: its run {1} is not in the store"
                    + " (deleted while the job waited, or not committed yet: then the lost-job check queues the"
                    + " step again once the run shows)", job.jobId(), runId);
            return Optional.empty();
        }
        if (started.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "skipping job {0}: run ended, step finished or executed by"
                    + " another instance", job.jobId());
            return started;
        }
        self.holdsLeaseUntil(lease.expiresAt());
        publisher.publish(started.get());
        return started;
    }

    private StepLease leaseOf(String runId, String step) {
        return leaseFrom(clock.instant(), runId, step, leaseOwner);
    }

    /**
     * This instance's lease of the step for the step's attempt {@code attempt}: what the attempt takes with its start
     * and writes under, so that the store refuses its writes and its release once the lease is another attempt's
     * (the retry of a timed-out attempt, taking the lease on this same instance).
     */
    @Override
    public StepLease leaseOf(String runId, String step, int attempt) {
        return leaseOf(runId, step).forAttempt(attempt);
    }

    /**
     * This instance's lease of the step for {@code execution}: its attempt and its number, which tells it from every
     * other execution of the step here, an operator's retry of the step included (its attempts start at 1 again).
     */
    @Override
    public StepLease leaseOf(String runId, String step, StepExecution execution) {
        return leaseOf(runId, step).forExecution(execution.attempt(), execution.number());
    }

    /** A lease taken now for the lease duration, with the time it was taken (which tells its duration to readers). */
    @Override
    public StepLease leaseFrom(Instant now, String runId, String step, String owner) {
        return StepLease.renewed(runId, step, owner, now, now.plus(settings.leaseDuration()));
    }

    /**
     * The step's start: running, with a {@code step.started} entry; empty when the job must not run
     * (canceled run, a redelivered job of a finished step, one this instance already executes, or one
     * whose execution was lost: then {@code foundLost} is set, see {@link LostStepRecovery#markStalledAfterLostExecution}).
     */
    private Optional<RunChange> startChange(RunRecord run, String step, JobExecution job, Instant startedAt,
                                            boolean alreadyRunningHere, AtomicBoolean foundLost) {
        StepStatus status = run.steps().get(step);
        foundLost.set(false);
        // A job of a step that failed for good (a redelivery, or a retry or redrive of its dead letter
        // straight on the queue) runs nothing either: only the run's own retry (FlowService.retryStep,
        // which the REST API's queue retry goes through) revives a failed run, and it queues the step
        // first. Run here, the job would resume a run nobody asked to, and a redelivered attempt of a
        // failure already recorded would run the step once more than its retries allow.
        if (run.status().isTerminal() || status == null || status.isFinal() || status == StepStatus.AWAITING) {
            // Canceled or failed run, or a redelivered job of a step that already finished: idempotent no-op.
            return Optional.empty();
        }
        if (alreadyRunningHere) {
            // A second job of a step this instance is executing (e.g. a stall-recovery job and the
            // queue's redelivery of the original): our own lease would let it in, and the first
            // execution may not have stored its start yet, so refuse here.
            return Optional.empty();
        }
        if (status == StepStatus.RUNNING) {
            // This job took the step's lease, so no live instance holds it, and no execution here runs the
            // step: the one recorded running was lost. The queue need not say so (Artemis restarted from
            // its journal delivers the job unflagged), so it is the store's record that decides.
            foundLost.set(true);
            return Optional.empty();
        }
        List<EventDraft> events = new ArrayList<>();
        RunRecord next = run.withStep(step, StepStatus.RUNNING);
        if (next.status() != statusRunning(run, step)) {
            next = next.withStatus(statusRunning(run, step), startedAt);
        }
        events.add(startedEvent(step, job, startedAt));
        return Optional.of(new RunChange(next, events));
    }

    /**
     * The status of a run whose step starts, from any other it may be in (awaiting, stalled, or running for a
     * compensation an operator retried that waited for its concurrency key): compensating when the step is a
     * compensation (it runs in no other), or the run is compensating already; else running.
     */
    private RunStatus statusRunning(RunRecord run, String step) {
        boolean compensation = run.status() == RunStatus.COMPENSATING || registry.flow(run.flow())
                .flatMap(flow -> flow.step(step)).filter(definition -> definition.role() == StepRole.COMPENSATION)
                .isPresent();
        return compensation ? RunStatus.COMPENSATING : RunStatus.RUNNING;
    }

    /**
     * The start of a step that began before it was stored: stored as if it had been at once, so a
     * run canceled meanwhile still records the step that ran (as it would had it been running);
     * empty if the step is no longer waiting (another instance took it, or it finished).
     */
    private Optional<RunChange> lateStartChange(RunRecord run, String step, JobExecution job, Instant startedAt) {
        StepStatus status = run.steps().get(step);
        if (status != StepStatus.QUEUED && status != StepStatus.RETRYING) {
            return Optional.empty();
        }
        RunRecord next = run.withStep(step, StepStatus.RUNNING);
        if (!run.status().isTerminal() && next.status() != statusRunning(run, step)) {
            next = next.withStatus(statusRunning(run, step), startedAt);
        }
        return Optional.of(new RunChange(next, List.of(startedEvent(step, job, startedAt))));
    }

    /**
     * Refuses a write of an execution that no longer holds its step, with a
     * {@link StaleExecutionException} to the step's code: the lease the attempt took with its start
     * is no longer this instance's (it ran out, and the sweep or another delivery took the step
     * over), the queue failed the attempt for its timeout (its retry may run beside it here, under this
     * instance's lease, so the lease does not tell), or the attempt's deferred start was refused (the
     * step ran on elsewhere or ended). The store is read only once the lease may have run out: until
     * the end the attempt's start gave it, or a renewal extended it to, nobody else can have taken
     * it. An attempt whose start is not stored yet holds no lease: the write of its start checks that
     * the step still waits for it. For the writes that go to the store, {@link #writeAsCurrent} makes
     * the check and the write one.
     */
    void requireCurrent(StepExecution self, String runId, String step) {
        refuseIfStale(self, runId, step);
        checkLease(self, runId, step);
        refuseIfStale(self, runId, step);
    }

    /**
     * Marks the attempt stale if the lease it took may have run out and is no longer this instance's;
     * reads the store only past the lease's end.
     */
    private void checkLease(StepExecution self, String runId, String step) {
        if (!self.isStale() && leaseMayHaveRunOut(self) && !holdsLease(runId, step, self)) {
            markLeaseLost(self);
        }
    }

    private void markLeaseLost(StepExecution self) {
        self.markStale("its lease ran out and is no longer held by " + leaseOwner);
    }

    /**
     * Makes a write of the step's through its context, as {@link #requireCurrent} allows: {@code plain}
     * while the lease the attempt took surely holds (no store round trip more than the write), else
     * {@code held}, which the store makes only while this instance still holds the step's lease, in the
     * same transaction where it can (see {@link SchedulingStore#finishStepHolding}).
     */
    <T> T writeAsCurrent(StepExecution self, String runId, String step, Supplier<T> plain,
                         Function<StepLease, T> held) {
        refuseIfStale(self, runId, step);
        try {
            // A store may refuse the plain write too, when it tells that the lease is gone at no cost
            // (the JPA store's finish: its delete of the lease finds none, or none of this attempt's). Once the
            // queue failed this attempt for its timeout, its plain writes are closed: the store checks each write
            // against the lease's attempt from then on, and the lease is given up once those under way ended.
            if (!leaseMayHaveRunOut(self) && self.beginUncheckedWrite()) {
                try {
                    return plain.get();
                } finally {
                    self.endUncheckedWrite();
                }
            }
            return held.apply(leaseOf(runId, step, self));
        } catch (StaleExecutionException notHeld) {
            markLeaseLost(self);
            throw notHeld;
        }
    }

    /** Throws for an attempt known to no longer hold its step: stale, or failed by the queue for its timeout. */
    private static void refuseIfStale(StepExecution self, String runId, String step) {
        if (self.isPastTimeout()) {
            self.markStaleForItsTimeout();
        }
        Optional<String> why = self.staleBecause();
        if (why.isPresent()) {
            throw new StaleExecutionException(runId, step, why.get());
        }
    }

    /**
     * Whether the lease the attempt took with its start may have run out: it is past the end its start
     * gave it or a renewal extended it to ({@link LostStepRecovery#renewLeases}). An attempt whose start is not stored
     * holds no lease yet.
     */
    private boolean leaseMayHaveRunOut(StepExecution self) {
        Optional<Instant> until = self.leaseUntil();
        return until.isPresent() && !clock.instant().isBefore(until.get());
    }

    /** Whether this instance holds the step's lease, not taken for another execution than {@code self}. */
    private boolean holdsLease(String runId, String step, StepExecution self) {
        StepLease mine = leaseOf(runId, step, self);
        return scheduling.leasesOfRun(runId).stream()
                .anyMatch(lease -> lease.step().equals(step) && lease.admits(mine));
    }

    /** The outcome of an execution that no longer holds its step is dropped, once, saying so. */
    private static void logStaleOutcome(JobExecution job, String what, Throwable why) {
        String message = why instanceof StaleExecutionException stale ? stale.getMessage()
                : "the execution no longer holds its step";
        LOG.log(System.Logger.Level.WARNING, "NVENT-0532 job {0} (attempt {1}): {2} is dropped: {3}", job.jobId(),
                job.attempt(), what, message);
    }

    private EventDraft startedEvent(String step, JobExecution job, Instant startedAt) {
        String data = JsonText.object().str("jobId", job.jobId()).str("queue", job.queue())
                .str("instance", settings.instanceId()).build();
        return EventDraft.ofStep(EventType.STEP_STARTED, step, job.attempt(), startedAt, data);
    }

    private DefaultStepContext contextOf(StepBinding binding, JobExecution job, RunRecord run, StepExecution self) {
        // The await before the step: its declared one, or the time await of a delayed start, which an
        // operator may have resolved early with data.
        String runId = run.runId();
        String step = binding.step();
        DefaultStepContext.Fence fence = new DefaultStepContext.Fence() {
            @Override
            public void requireCurrent() {
                StepRunner.this.requireCurrent(self, runId, step);
            }

            @Override
            public <T> T write(Supplier<T> plain, Function<StepLease, T> held) {
                return writeAsCurrent(self, runId, step, plain, held);
            }
        };
        DefaultStepContext context = new DefaultStepContext(engine, publisher, awaitResolution, history, runId,
                run.flow(), step, job, store, scheduling, json, clock, settings.stateCleanup(),
                () -> awaitResolution.resolvedData(runId, step, AwaitPosition.BEFORE),
                self::isCancelRequested, fence, binding.definition().emits(),
                json.runEmittedLimit().tally(runId, run.emitted()), Optional.ofNullable(progressWrites),
                progress -> storeProgress(self, job.attempt(), runId, step, progress),
                beat -> storeHeartbeat(self, job.attempt(), runId, step, beat));
        self.reportsProgress(context::latestProgress);
        if (binding.definition().role() == StepRole.COMPENSATION) {
            compensations.planOf(runId).filter(plan -> plan.current().isPresent())
                    .ifPresent(plan -> context.compensating(plan.compensating()));
        }
        return context;
    }

    /**
     * Keeps a step's progress with its lease, renewing that lease as a sign of life; not for an execution
     * that no longer holds the step, nor one past its timeout (its retry may run beside it on this instance).
     * Nothing is written if the lease ran out, is another owner's or was taken for another attempt.
     *
     * <p>A lease is this instance's whichever of its attempts runs, so the store's condition names the attempt
     * too ({@link StepLease#forExecution}, as {@link #writeStart} takes it): the timeout check here and the write
     * are two steps, and a write checked just before its attempt passed its timeout and made after the queue
     * failed that attempt and its retry took the step's lease on this same instance (a write that waited that
     * long for a row lock or a connection) is refused by the store, as the lease is the retry's. Likewise a retry
     * that takes the step's lease on this instance while its timed-out attempt still holds it (its release failed)
     * starts without that attempt's progress: the store forgets it with the lease taken for another attempt.
     */
    private void storeProgress(StepExecution self, int attempt, String runId, String step, StepProgress progress) {
        if (self.isStale() || self.isPastTimeout()) {
            return;
        }
        Instant now = clock.instant();
        scheduling.recordProgress(leaseFrom(now, runId, step, leaseOwner).forExecution(attempt, self.number()),
                progress, now);
    }

    /** Keeps a step's heartbeat with its lease, for other instances' {@code waits}: as {@link #storeProgress} does. */
    private void storeHeartbeat(StepExecution self, int attempt, String runId, String step, Instant beat) {
        if (self.isStale() || self.isPastTimeout()) {
            return;
        }
        Instant now = clock.instant();
        scheduling.recordHeartbeat(leaseFrom(now, runId, step, leaseOwner).forExecution(attempt, self.number()), beat);
    }

    /**
     * A {@code step.completed} entry's data: the step's result and, if the attempt reported progress, the
     * last it reported ({@code done}, {@code total}, {@code message}): the one trace a completed attempt's
     * progress leaves, since its lease, which kept it, goes with the completion; and the attempt's trace, if
     * an interceptor named one.
     */
    static String completedData(String resultJson, Optional<StepProgress> progress, Map<String, String> trace) {
        JsonText data = JsonText.object().raw("result", resultJson);
        progress.ifPresent(last -> withProgress(data, last));
        withTrace(data, trace);
        return data.build();
    }

    /**
     * Adds what the attempt interceptors' scopes named the attempt as ({@link io.nvent.spi.AttemptScope#trace}) to the
     * data of the entry that ends it: {@code "trace":{"traceId","spanId"}} for a traced one; nothing for none.
     */
    static void withTrace(JsonText data, Map<String, String> trace) {
        if (!trace.isEmpty()) {
            data.fields("trace", trace);
        }
    }

    /**
     * Adds an attempt's last progress to the data of the entry that ends it ({@code step.completed},
     * {@code step.retry}, {@code step.failed}): {@code "progress":{"done","total","message"}}.
     */
    private static void withProgress(JsonText data, StepProgress last) {
        JsonText progress = JsonText.object().num("done", last.done()).num("total", last.total());
        last.message().ifPresent(message -> progress.str("message", message));
        data.raw("progress", progress.build());
    }

    /**
     * Records as canceled an attempt that failed in a run canceled meanwhile, and gives its lease up in
     * the same call, whatever it finds: the attempt then ends without failing its job (no retry; the
     * worker goes on with the next one), and the step does not stay running in a run that ended. The
     * run is read for every failed attempt, not only for one that the cancel interrupted or that saw
     * {@link io.nvent.StepContext#isCancelRequested()}: a step may fail on its own after its run was
     * canceled on another instance, before this instance's sweep finds the cancel (up to 2 s), and its
     * failure must neither be retried nor fail the step. That costs a failed attempt one read of its
     * run (by primary key); a run that was not canceled is left to the queue's failure handling
     * ({@link #recordFailure}), which also covers a cancel made just after the read. Not for an
     * attempt past its timeout: the queue failed it already.
     *
     * <p>An attempt the engine's stop cut short in a run that goes on is handed back in the same
     * write instead ({@link #waitingAgainAfterStop}).
     *
     * @return whether the attempt was recorded as canceled
     */
    private boolean settledAsCanceled(StepExecution self, JobExecution job, String runId, String step,
                                      Exception failure) {
        refuseFailureOfLostLease(self, runId, step, failure);
        if (self.isStale()) {
            // The step is another execution's now, which settles it; the lease is given up if still held.
            lostSteps.releaseOwnLease(runId, step, self);
            return false;
        }
        if (!self.isCancelRequested() && cutShortByStop(failure)) {
            return settledAtStop(self, job, runId, step, failure, Optional.empty());
        }
        String error = StepErrors.of(failure, errorBytes);
        String reason;
        if (self.isCancelRequested()) {
            reason = "the run was canceled while the attempt ran, and it stopped: " + error;
        } else if (Interrupts.showsInterrupt(failure)) {
            reason = "the attempt was interrupted (its instance stopping) after its run was canceled: " + error;
        } else {
            reason = CanceledSteps.FAILED_AFTER_CANCEL + error;
            try {
                // A plain read first: a change the store refuses on a run state it keeps from its own
                // writes makes a grouped commit run again write by write (JPA store), too dear for every
                // failure of a run that was not canceled.
                if (store.findRun(runId).filter(run -> run.status() == RunStatus.CANCELED).isEmpty()) {
                    lostSteps.releaseOwnLease(runId, step, self);
                    return false;
                }
            } catch (RuntimeException notRead) {
                failure.addSuppressed(notRead);
                lostSteps.releaseOwnLease(runId, step, self);
                return false;
            }
        }
        Optional<StoredChange> change;
        try {
            change = scheduling.finishStep(store, leaseOf(runId, step, job.attempt()),
                    CanceledSteps.canceledStep(step, job.attempt(), clock.instant(), reason, self.trace()));
        } catch (StaleExecutionException notHeld) {
            // The step is another execution's now: this attempt's failure is dropped.
            markLeaseLost(self);
            return false;
        } catch (RuntimeException notStored) {
            failure.addSuppressed(notStored);
            // The store away: the sweep gives the lease up once it is back, and the queue records the failure.
            lostSteps.releaseOwnLease(runId, step, self);
            return false;
        }
        change.ifPresent(c -> {
            publisher.publish(c);
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + ": attempt " + job.attempt() + " of step "
                    + step + " ended as canceled: " + reason);
        });
        return change.isPresent();
    }

    /**
     * Marks stale a failed attempt whose lease ran out and is another owner's now, before it gives the
     * lease up: its failure is then dropped ({@code NVENT-0532}) instead of reaching the queue, also
     * when the takeover has not written to the run's history yet (the sweep takes the lease over
     * before it changes the run), which {@link #isSuperseded} could not tell. The lease is read only
     * past its end, as for a write ({@link #requireCurrent}); unread, the failure goes on as it is.
     */
    private void refuseFailureOfLostLease(StepExecution self, String runId, String step, Exception failure) {
        try {
            checkLease(self, runId, step);
        } catch (RuntimeException unread) {
            failure.addSuppressed(unread);
        }
    }

    /**
     * Settles an attempt the engine's stop cut short (see {@link #cutShortByStop}), on its worker before
     * the queue keeps its job for the next instance: in a run canceled meanwhile as canceled
     * ({@link #settledAsCanceled}), else handed back ({@link #waitingAgainAfterStop}). One write, bounded by
     * {@link #stopPatience}: with its start stored, it gives the step's lease up once the change is
     * stored (the run's write refuses a hand-back unless the lease surely still holds, and a takeover
     * changes the run after it); with its start not stored yet ({@code unstoredStart}), it stores the
     * start along, as a failure would, and takes no lease. If the write cannot be made in time (the
     * store away or stuck, or the lease no longer surely held), the step stays running under its lease
     * and comes back as before, through the sweep once the lease expires ({@code step.stalled}).
     *
     * @return whether the attempt was recorded as canceled, which ends its job
     */
    private boolean settledAtStop(StepExecution self, JobExecution job, String runId, String step, Exception failure,
                                  Optional<RunMutation> unstoredStart) {
        String error = StepErrors.of(failure, errorBytes);
        Instant now = clock.instant();
        RunMutation canceled = CanceledSteps.canceledStep(step, job.attempt(), now, (Interrupts.showsInterrupt(failure)
                ? "the attempt was interrupted (its instance stopping) after its run was canceled: "
                : "the attempt was cut short by its instance stopping after its run was canceled: ") + error,
                self.trace());
        AtomicBoolean tooLate = new AtomicBoolean();
        AtomicReference<String> waitsFor = new AtomicReference<>(job.jobId());
        RunMutation waitingAgain = waitingAgainAfterStop(self, step, job, now, error,
                System.nanoTime() + stopPatience.toNanos(), unstoredStart.isEmpty(), tooLate, waitsFor);
        RunMutation settle = run -> canceled.apply(run).or(() -> waitingAgain.apply(run));
        Optional<StoredChange> change;
        try {
            change = uninterrupted(() -> store.updateRun(runId,
                    unstoredStart.isPresent() ? startThen(unstoredStart.get(), settle) : settle));
        } catch (RuntimeException notStored) {
            failure.addSuppressed(notStored);
            LOG.log(System.Logger.Level.WARNING, "NVENT-0535 run {0}: step {1}, cut short by this instance stopping"
                    + " (attempt {2}, job {3}), could not be handed back ({4}); it comes back once its lease"
                    + " expires, as a stalled step", runId, step, job.attempt(), job.jobId(), notStored.toString());
            return false;
        }
        if (unstoredStart.isEmpty() && (change.isPresent() || !tooLate.get())) {
            // Kept while the step stays running for it: the sweep finds the step once the lease expires.
            lostSteps.releaseOwnLease(runId, step, self);
        }
        if (change.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + ": step " + step + ", cut short by this instance"
                    + " stopping, was not handed back: " + (tooLate.get()
                    ? "the write came too late, and the step waits under its lease for the sweep"
                    : "it no longer runs under attempt " + job.attempt()));
            return false;
        }
        publisher.publish(change.get());
        if (change.get().run().steps().get(step) == StepStatus.CANCELED) {
            return true;
        }
        if (!self.isContinued()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0535 run {0}: step {1} was cut short by this instance stopping"
                    + " (attempt {2}, job {3}): handed back, not counted as an attempt; it runs again at once on an"
                    + " instance that takes its job", runId, step, job.attempt(), job.jobId());
            return false;
        }
        Optional<RuntimeException> notQueued = enqueueHandedBack(job, runId, step, waitsFor.get());
        if (notQueued.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0535 run {0}: step {1} was cut short by this instance stopping"
                    + " (attempt {2}, continued in its worker after the step before it, with no job of its own):"
                    + " handed back, not counted as an attempt, and queued as job {3}; it runs again at once on an"
                    + " instance that takes that job", runId, step, job.attempt(), waitsFor.get());
        } else {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0052 run {0}: step {1} was cut short by this instance"
                    + " stopping (attempt {2}, continued in its worker after the step before it, with no job of its"
                    + " own) and handed back, not counted as an attempt, but its job {3} could not be queued ({4});"
                    + " the lost-job check of an instance queues it once the run has not changed for a lease"
                    + " (NVENT-0124)", runId, step, job.attempt(), waitsFor.get(), notQueued.get().toString());
        }
        return false;
    }

    /**
     * Queues the job a continued attempt that the stop cut short now waits for ({@code jobId}, which its hand-back
     * entry names): the queue keeps nothing of a job it ran as a continuation ({@link io.nvent.spi.JobQueue#continueWith};
     * the JMS queue rolls back only the message of the step before it, completed), and without a job the step would
     * wait for the lost-job check. Queued as that check's recovery does, at the attempt the step was at, with the
     * trace of the job it ran under, and only after the hand-back is stored: taken before, its start would find the
     * step still running here. A job the queue holds already under that id is not queued twice.
     *
     * @return what kept the job from being queued, if anything
     */
    private Optional<RuntimeException> enqueueHandedBack(JobExecution job, String runId, String step, String jobId) {
        try {
            StepJob ref = StepJob.parse(job.payload());
            StepDefinition definition = registry.binding(ref.flow(), step).orElseThrow(() -> new IllegalStateException(
                    "step " + step + " of flow " + ref.flow() + " is not deployed here")).definition();
            uninterrupted(() -> {
                QueueFailure.sendToQueue(definition.queue(), () -> queueing.requeue(runId, ref.flow(), definition,
                        jobId, job.attempt() - 1, Optional.of(job.payload())));
                return null;
            });
            return Optional.empty();
        } catch (RuntimeException notQueued) {
            return Optional.of(notQueued);
        }
    }

    /**
     * Calls {@code call} with this thread's interrupt cleared, and sets it again afterwards: a step that kept the
     * interrupt for its caller must not fail the write or the enqueue of its hand-back on it (a pool refuses an
     * interrupted thread); the queue's own handling of the attempt sees it again.
     */
    private static <T> T uninterrupted(Supplier<T> call) {
        boolean interrupted = Thread.interrupted();
        try {
            return call.get();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A step the engine's stop cut short goes back to waiting for its job, which the queue keeps (the
     * JMS queue rolls its delivery back, the PostgreSQL queue hands it back, a memory queue keeps it
     * while its JVM lives; the lost-job check queues a recovery job for one it lost), with a
     * {@code step.retry} entry that says so: no attempt counted ({@code nextAttempt} absent), due at
     * once ({@code nextAttemptAt} absent), the instance that stopped ({@code instanceStopped}) and the
     * job. An attempt that ran the job its worker took to continue with ({@link StepExecution#isContinued}) has no
     * job the queue keeps: it waits for the recovery job of the run's version as read here, which the caller queues
     * once this is stored ({@code waitsFor} tells which job the entry names). Another instance, or this one
     * restarted, then runs it as soon as it takes the job, instead of
     * finding it stalled once its lease expired. Declined once {@code deadline} ({@link System#nanoTime})
     * has passed or the stop gave up waiting for it, and, for an attempt that holds the step's lease
     * ({@code leased}), once this instance can no longer be sure that it still does: a late write must
     * not undo a takeover. {@code tooLate} tells whether the last call declined for one of those.
     */
    private RunMutation waitingAgainAfterStop(StepExecution self, String step, JobExecution job, Instant now,
                                              String error, long deadline, boolean leased, AtomicBoolean tooLate,
                                              AtomicReference<String> waitsFor) {
        return run -> {
            tooLate.set(false);
            if (run.status().isTerminal() || run.steps().get(step) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            if (stopGaveUp || System.nanoTime() - deadline > 0 || leased && !surelyHoldsLease(self)) {
                tooLate.set(true);
                return Optional.empty();
            }
            String jobId = self.isContinued() ? StepJob.recoveryJobId(run.runId(), step, run.version()) : job.jobId();
            waitsFor.set(jobId);
            JsonText data = JsonText.object().str("reason", "instance " + settings.instanceId() + " stopped while the"
                            + " attempt ran (NVENT-0535): it does not count, and the step waits again for its job "
                            + jobId).str("instanceStopped", settings.instanceId()).str("jobId", jobId)
                    .str("error", error);
            withTrace(data, self.trace());   // the attempt ran, traced like any other
            return Optional.of(new RunChange(run.withStep(step, StepStatus.QUEUED),
                    List.of(EventDraft.ofStep(EventType.STEP_RETRY, step, job.attempt(), now, data.build()))));
        };
    }

    /**
     * Whether this execution's lease of its step holds by what this instance knows, without reading
     * the store: the end its start gave it, or a renewal extended it to, is still ahead.
     */
    private boolean surelyHoldsLease(StepExecution self) {
        return !self.isStale() && !leaseMayHaveRunOut(self) && self.leaseUntil().isPresent();
    }

    private String invokeForResult(StepBinding binding, RunRecord run, DefaultStepContext context,
                                   StepExecution self) throws Exception {
        Object input = json.readInput(inputOf(binding, run), binding.inputType(),
                "input of " + binding.step() + " in run " + run.runId());
        requireValid(binding, run, input);
        long began = System.nanoTime();
        boolean succeeded = false;
        Object result;
        try {
            watchHeartbeats(binding, run.runId(), context, self);
            self.invoking();
            try {
                result = invoke(binding, run, input, context, self);
            } catch (Exception failure) {
                throw self.missedHeartbeat().<Exception>map(missed -> {
                    missed.addSuppressed(failure); // what the step's code made of its interrupt
                    return missed;
                }).or(() -> context.refusedChildStart(failure)).orElse(failure);
            } finally {
                self.invoked();
                self.heartbeat().ifPresent(Heartbeats.Heartbeat::end);
                context.endProgress();
                cancelChildrenIfRunCanceledWithThem(context, run.runId());
            }
            Optional<UndeclaredEventException> undeclared = context.undeclaredEmit();
            if (undeclared.isPresent()) {
                throw undeclared.get();   // also when the step caught it: its emits would not be what it declares
            }
            succeeded = true;
        } finally {
            metrics.executed(binding.flow(), binding.step(), System.nanoTime() - began, succeeded);
        }
        refuseLateResult(binding, run.runId(), context, self);
        if (self.missedHeartbeat().isPresent()) {
            // Failed by the watchdog, it may have run on regardless: its result is dropped, as a late one is.
            throw self.missedHeartbeat().get();
        }
        return json.toJson(result, "result of step '" + binding.step() + "'");
    }

    /**
     * Fails the attempt finally when its input breaks the Bean Validation constraints of its class: the same input
     * breaks them again on every attempt. An entry step's input was checked as its run started (or restarted) and is
     * not checked again, so a time-based constraint ({@code @Future}) kept at the start holds for a delayed start or
     * a retry hours later: except for a batch refused as a whole as its run started (NVENT-0028), which its entry
     * step's attempts check again (a redeploy with wider constraints lets a retry through).
     */
    private void requireValid(StepBinding binding, RunRecord run, Object input) {
        String runId = run.runId();
        if (checkedAtStart(binding, run)) {
            return;
        }
        List<PayloadViolation> violations;
        try {
            violations = engine.inputConstraints().violations(input, "input of step '" + binding.step() + "' in run "
                    + runId);
        } catch (NventException uncheckable) {
            // Its constraints fail every attempt alike (NVENT-0448): a deployment must fix them, not a retry.
            throw new NonRetryableStepException(uncheckable.getMessage(), uncheckable);
        }
        if (!violations.isEmpty()) {
            String broken = InputConstraints.describe(violations);
            throw new NonRetryableStepException("NVENT-0417 input of step '" + binding.step() + "' of flow '"
                    + binding.flow() + "' in run " + runId + " is not valid: " + broken + "; the same input fails "
                    + "every attempt, so the step is not retried: fix what emits it, or the constraints of "
                    + binding.inputType().getTypeName() + ", then retry the step",
                    new InvalidPayloadException("input of step '" + binding.step() + "' in run " + runId
                            + " is not valid: " + broken, violations));
        }
    }

    /**
     * Whether the step is its flow's entry step, whose input was checked as the run started: not a batching trigger's
     * run whose batch that check refused (its delayed start's {@code await.resolved} says {@code batchRefused}). That
     * entry is read only for a run that may be such a one by its id and its input: any other run reads nothing more.
     */
    private boolean checkedAtStart(StepBinding binding, RunRecord run) {
        boolean entry = registry.flow(binding.flow()).map(f -> f.entry().name().equals(binding.step()))
                .orElse(false);
        return entry && !(TriggerDebounce.mayHoldSlot(run.runId()) && TriggerDebounce.mayBeBatchInput(run.input())
                && history.latestEntryOfStep(run.runId(), EventType.AWAIT_RESOLVED, binding.step())
                        .map(resolved -> Json.PROVIDER.createReader(new StringReader(resolved.data())).readObject())
                        .filter(data -> data.containsKey("batchRefused")).isPresent());
    }

    /**
     * Watches the heartbeats of a step with a heartbeat timeout while its code runs, from the moment it begins: what
     * comes before (the start's write, held up by a busy store or grouped commits) is no heartbeat the code could send.
     */
    private void watchHeartbeats(StepBinding binding, String runId, DefaultStepContext context, StepExecution self) {
        Optional<Duration> timeout = binding.definition().heartbeatTimeout();
        if (timeout.isPresent()) {
            Heartbeats.Heartbeat beats = heartbeats.watch(self, runId, binding.step(), timeout.get());
            self.beatsTo(beats);
            context.heartbeatsTo(beats);
        }
    }

    /**
     * See {@link DefaultStepContext#cancelChildrenIfRunCanceledWithThem}; a failure is logged, not the attempt's:
     * a cancel of the run with its children, repeated, goes on with those children.
     */
    private static void cancelChildrenIfRunCanceledWithThem(DefaultStepContext context, String runId) {
        try {
            context.cancelChildrenIfRunCanceledWithThem();
        } catch (RuntimeException failed) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0413 could not check whether run " + runId + " was canceled"
                    + " with its children after a step's attempt that started children ended; if it was, cancel it with"
                    + " its children again to cancel those too: " + failed, failed);
        }
    }

    /**
     * Fails an attempt that returned after its timeout. The queue counts such an attempt as failed
     * (its watchdog interrupted the step, which went on regardless), and may have recorded the failure
     * and scheduled the retry already: storing the result as well would complete a step whose retry
     * then runs it again. So the late result and the step's emits are dropped, as a timed-out attempt's.
     */
    private void refuseLateResult(StepBinding binding, String runId, DefaultStepContext context, StepExecution self)
            throws TimeoutException {
        if (!self.isPastTimeout()) {
            return;
        }
        Duration timeout = binding.definition().timeout();
        String message = "step '" + binding.step() + "' of run " + runId + " returned after " + self.elapsed().toMillis()
                + " ms, past its timeout of " + timeout.toMillis() + " ms; its result and its "
                + context.emissions().size() + " emit(s) were dropped";
        LOG.log(System.Logger.Level.WARNING, "NVENT-0154 " + message);
        throw new TimeoutException(message);
    }

    @SuppressWarnings("unchecked")
    private Object invoke(StepBinding binding, RunRecord run, Object input, DefaultStepContext context,
                          StepExecution self) throws Exception {
        Step<Object, Object> step = (Step<Object, Object>) stepCache.computeIfAbsent(binding.beanClass(),
                stepInstances);
        AttemptInterception interception = queueing.interception();
        if (interception.isActive()) {
            return interception.around(new AttemptInfo(context.runId(), binding.flow(), binding.step(),
                    context.attempt(), binding.definition().queue(), settings.instanceId(), run.parentRunId()),
                    self::tracedAs, () -> {
                        Object result = executeStep(step, input, context);
                        if (context.emitted() && followUp.mayStartOrResumeRuns(context.emissions())) {
                            // In the attempt's scope: the runs its events start or resume are linked to it.
                            context.emittedIn(interception.capture(new StepHandOn(context.runId(), binding.flow(),
                                    binding.step(), false)));
                        }
                        return result;
                    });
        }
        return executeStep(step, input, context);
    }

    private Object executeStep(Step<Object, Object> step, Object input, DefaultStepContext context) throws Exception {
        try {
            return step.execute(input, context);
        } catch (TimeoutException ownCall) {
            synchronized (timeoutsOfStepCode) {
                timeoutsOfStepCode.merge(ownCall, 1, Integer::sum);
            }
            throw ownCall;
        }
    }

    /** Whether the step's own code threw {@code timeout}, counting none of its throws off. */
    private boolean isTimeoutOfStepCode(Throwable timeout) {
        synchronized (timeoutsOfStepCode) {
            return timeoutsOfStepCode.containsKey(timeout);
        }
    }

    /** Whether the step's own code threw {@code timeout}, counting one of its throws off if so. */
    private boolean thrownByStepCode(Throwable timeout) {
        synchronized (timeoutsOfStepCode) {
            Integer times = timeoutsOfStepCode.get(timeout);
            if (times == null) {
                return false;
            }
            if (times == 1) {
                timeoutsOfStepCode.remove(timeout);
            } else {
                timeoutsOfStepCode.put(timeout, times - 1);
            }
            return true;
        }
    }

    private String inputOf(StepBinding binding, RunRecord run) {
        if (binding.definition().role() == StepRole.ENTRY) {
            return run.input();
        }
        if (binding.definition().role() == StepRole.COMPENSATION) {
            return compensations.planOf(run.runId()).filter(plan -> plan.current().isPresent())
                    .map(plan -> compensations.inputOf(run.runId(), plan)).orElse("null");
        }
        JsonText inputs = JsonText.object();
        for (String event : binding.definition().subscribes()) {
            inputs.raw(event, run.emitted().getOrDefault(event, "null"));
        }
        return inputs.build();
    }

    /**
     * Stores the step's completion and gives its lease up (also if storing fails). Without a lease
     * the step's start was not stored yet: {@code start} then runs first, in the same write.
     */
    private void complete(StepBinding binding, JobExecution job, StepExecution self, DefaultStepContext context,
                          String resultJson, Optional<StepLease> lease, RunMutation start) {
        if (lease.isPresent()) {
            try {
                refuseIfStale(self, context.runId(), binding.step());
            } catch (StaleExecutionException stale) {
                // The step's lease is another execution's now: this result would overwrite its outcome.
                // Releasing at once frees no lease but this execution's own: the store gives a lease up only while
                // it admits this execution (owner, attempt and execution, StepLease#admits, checked in the delete),
                // so a retry's lease, here or elsewhere, stays. Nor does it let a third delivery run beside this
                // attempt: its step code has returned and its result is dropped here; if stale for its timeout,
                // the queue's failure of it releases the same lease, after any write under way (giveUpTimedOutAttempt),
                // and a delivery that takes the step meanwhile finds it running and lost, as after any ended attempt.
                lostSteps.releaseOwnLease(context.runId(), binding.step(), self);
                logStaleOutcome(job, "its result", stale);
                return;
            }
        }
        FlowDefinition flow = registry.require(binding.flow());
        StepDefinition step = binding.definition();
        Instant now = clock.instant();
        Pending pending = new Pending();
        pending.producer = context.emittedIn();
        List<Emission> emissions = context.emissions();
        if (step.role() == StepRole.COMPENSATION) {
            completeCompensation(flow, step, job, context, resultJson, lease, start, self, now);
            return;
        }
        // A step that completes while its run compensates (it ran on past the stop): see completedLate.
        AtomicBoolean late = new AtomicBoolean();
        AtomicBoolean canceled = new AtomicBoolean();
        RunMutation finish = run -> {
            pending.reset();
            if (run.steps().get(step.name()) != StepStatus.RUNNING) {
                canceled.set(run.steps().get(step.name()) == StepStatus.CANCELED);
                late.set(run.status() == RunStatus.COMPENSATING && canceled.get());
                return late.get() && step.compensation().isEmpty()
                        ? Optional.of(completedLate(run, step, job, resultJson, emissions, now, Optional.empty()))
                        : Optional.empty();
            }
            // Fails the attempt (its emits discarded, retried as any failure) if a step of the run that
            // ran beside it completed first with emits of its own, and its own no longer fit.
            json.runEmittedLimit().keepWithinEmittedLimit(run, emissions);
            // A run canceled while this one ran schedules nothing: its emits are recorded, saying so, and
            // reach no step, event trigger or await. A run failed by another step may be retried
            // (retryStep), and then its steps go on from what it emitted: their emits go out as ever.
            boolean ended = run.status() == RunStatus.CANCELED;
            List<EventDraft> events = new ArrayList<>();
            for (Emission emission : emissions) {
                events.add(EventDraft.ofStep(EventType.EMIT, step.name(), job.attempt(), emission.at(), ended
                        ? Emission.unscheduledEmitData(emission)
                        : Emission.emitData(emission.event(), emission.payloadJson())));
            }
            events.add(EventDraft.ofStep(EventType.STEP_COMPLETED, step.name(), job.attempt(), now,
                    completedData(resultJson, context.endProgress(), self.trace())));
            RunRecord next = run.withResult(resultJson);
            if (step.awaitAfter().isPresent() && !run.status().isTerminal()) {
                // The step's effects wait: its emissions are held in the await until it resolves.
                next = next.withStep(step.name(), StepStatus.AWAITING);
                AwaitRecord await = awaitResolution.newAwait(next, step, AwaitPosition.AFTER, now,
                        Emission.toJson(emissions, context.emittedIn(), json));
                pending.awaits.add(await);
                events.add(awaitResolution.registeredEvent(await));
                return Optional.of(pending.advance(awaitResolution, flow, next, events, now));
            }
            next = next.withStep(step.name(), StepStatus.COMPLETED);
            for (Emission emission : emissions) {
                next = next.withEmitted(emission.event(), emission.payloadJson());
            }
            if (!ended) {
                pending.released.addAll(emissions);
            }
            return Optional.of(pending.advance(awaitResolution, flow, next, events, now));
        };
        Optional<StoredChange> change;
        if (lease.isEmpty()) {
            // The deferred start stored with the result, which its start refuses past the attempt's timeout; a
            // retry of the attempt here gives way while this write is under way (see writeAsCurrent).
            boolean counted = self.beginUncheckedWrite();
            try {
                change = awaitResolution.writeWithAwaits(pending, startThen(start, finish),
                        mutation -> store.updateRun(context.runId(), mutation));
            } finally {
                if (counted) {
                    self.endUncheckedWrite();
                }
            }
            if (change.isEmpty() && self.isPastTimeout()) {
                logStaleOutcome(job, "its result", new StaleExecutionException(context.runId(), step.name(),
                        "the queue failed the attempt for its timeout of " + self.timeout().toMillis() + " ms"));
                return;
            }
        } else {
            try {
                // Past the lease's end, the result and its emits are stored only while the lease is still
                // this instance's, in the same transaction: taken over, it is another execution's outcome.
                // A refused await gave the lease up with the write: the step then fails in an update of its run.
                Function<RunMutation, Optional<StoredChange>> failing = mutation -> store.updateRun(context.runId(),
                        mutation);
                change = writeAsCurrent(self, context.runId(), step.name(),
                        () -> awaitResolution.writeWithAwaits(pending, finish,
                                mutation -> scheduling.finishStep(store, lease.get(), mutation), failing),
                        held -> awaitResolution.writeWithAwaits(pending, finish,
                                mutation -> scheduling.finishStepHolding(store, held, mutation), failing));
            } catch (StaleExecutionException stale) {
                logStaleOutcome(job, "its result", stale);
                return;
            }
        }
        if (canceled.get() && change.isEmpty() && Compensations.compensates(flow)) {
            // Its lease is given up: the run has it canceled, so nothing runs it again meanwhile. A run stalled in a
            // compensation takes it too (a step naming none recorded with nothing to undo); one whose compensation
            // has ended (the last one's write landed first) cannot.
            change = addLateToPlan(context.runId(), step, job, resultJson, emissions, now);
            if (change.isEmpty() && recordNotUndone(flow, context.runId(), step, job, resultJson, now)) {
                // An operator retried the failed compensation as it was recorded: the retry's plan takes it in.
                change = addLateToPlan(context.runId(), step, job, resultJson, emissions, now);
            }
        }
        change.ifPresent(c -> followUp.afterChange(flow.name(), c, pending));
        if (change.isPresent() && StepJob.isRecoveryJob(job.jobId())) {
            discardReplacedJob(context.runId(), step);
        }
    }

    /**
     * A step that completed while its run compensates, the run having canceled it (it ran on another instance, or
     * ignored the stop): its completion is recorded (its emits too, starting nothing), and, if it names a
     * compensation, {@code plan} adds it to the steps to undo, next after the compensation under way.
     */
    private RunChange completedLate(RunRecord run, StepDefinition step, JobExecution job, String resultJson,
                                    List<Emission> emissions, Instant now, Optional<Compensations.Plan> plan) {
        List<EventDraft> events = new ArrayList<>();
        for (Emission emission : emissions) {
            events.add(EventDraft.ofStep(EventType.EMIT, step.name(), job.attempt(), emission.at(),
                    Emission.unscheduledEmitData(emission)));
        }
        events.add(EventDraft.ofStep(EventType.STEP_COMPLETED, step.name(), job.attempt(), now, JsonText.object()
                .raw("result", resultJson).str("reason", step.compensation().isPresent()
                        ? "completed while the run compensated" : NOTHING_TO_UNDO).build()));
        plan.ifPresent(p -> {
            Compensations.Undo undo = new Compensations.Undo(step.name(), step.compensation().orElseThrow());
            events.add(p.replanned(p.withLate(undo), now, data -> data.add("added", step.name())));
        });
        return new RunChange(run.withResult(resultJson).withStep(step.name(), StepStatus.COMPLETED), events);
    }

    /**
     * The reason of the {@code step.completed} entry of a step naming no compensation that completed after its run's
     * compensation ended.
     */
    static final String NOTHING_TO_UNDO_AFTER = "completed after the run's compensation ended; it names no"
            + " compensation: nothing to undo";

    /** The reason of the {@code step.completed} entry of a step naming no compensation that completed late. */
    static final String NOTHING_TO_UNDO = "completed while the run compensated; it names no compensation: nothing to"
            + " undo";

    /**
     * {@link #completedLate} with the plan read first and the write checked against the run's version then: a
     * compensation that completed meanwhile is read again, not skipped. A step naming no compensation (its run
     * stalled in a compensation as it completed) is recorded alone, the plan unchanged: once, as its write takes it
     * from {@code canceled} to {@code completed}, which a stale delivery of it then finds.
     */
    private Optional<StoredChange> addLateToPlan(String runId, StepDefinition step, JobExecution job,
                                                 String resultJson, List<Emission> emissions, Instant now) {
        for (int tries = 0; tries < 10; tries++) {
            Optional<RunRecord> read = store.findRun(runId);
            Optional<Compensations.Plan> plan = compensations.planOf(runId).filter(p -> p.current().isPresent());
            if (read.isEmpty() || plan.isEmpty()) {
                return Optional.empty();
            }
            AtomicBoolean moved = new AtomicBoolean();
            Optional<StoredChange> change = store.updateRun(runId, run -> {
                if (!undoing(run) || run.steps().get(step.name()) != StepStatus.CANCELED) {
                    return Optional.empty();
                }
                moved.set(run.version() != read.get().version());
                return moved.get() ? Optional.empty() : Optional.of(completedLate(run, step, job, resultJson,
                        emissions, now, plan.filter(p -> step.compensation().isPresent())));
            });
            if (change.isPresent() || !moved.get()) {
                change.filter(c -> step.compensation().isPresent()).ifPresent(c -> LOG.log(System.Logger.Level.INFO,
                        "NVENT-0020 run {0}: step {1} completed"
                        + " while the run compensated; it is undone by {2} after the compensation under way", runId,
                        step.name(), step.compensation().orElseThrow()));
                return change;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0020 run {0}: step {1} completed while the run compensated, but"
                + " the run kept changing: its completion is not recorded{2}", runId, step.name(),
                step.compensation().isPresent() ? " and it is not undone" : " (it names no compensation)");
        return Optional.empty();
    }

    /**
     * A step naming a compensation that completed after its run's compensation had ended (the run failed or was
     * canceled after its last compensation, whose write landed first, or a compensation failed for good): nothing
     * undoes it now, so its completion goes in the run's history, saying so ({@code "notCompensated":true}), and a
     * WARNING {@code NVENT-0033} tells the operator to undo it by hand. A step naming none is recorded with nothing
     * to undo ({@link #NOTHING_TO_UNDO_AFTER}), without a warning. A run that never compensated (a plain cancel
     * or failure) drops the result, as ever. Returns whether, instead, the run compensates again with the step
     * canceled (an operator retried the failed compensation meanwhile), for {@link #addLateToPlan} to take it.
     */
    private boolean recordNotUndone(FlowDefinition flow, String runId, StepDefinition step, JobExecution job,
                                    String resultJson, Instant now) {
        Optional<String> by = step.compensation();
        EventDraft entry = EventDraft.ofStep(EventType.STEP_COMPLETED, step.name(), job.attempt(), now, by.isPresent()
                ? JsonText.object().raw("result", resultJson).str("reason", "completed after the run's compensation"
                        + " ended: not undone").raw("notCompensated", "true").str("compensation", by.get()).build()
                : JsonText.object().raw("result", resultJson).str("reason", NOTHING_TO_UNDO_AFTER).build());
        String recorded = by.isPresent() ? "\"notCompensated\":true" : NOTHING_TO_UNDO_AFTER;
        // Once, though stale deliveries of the attempt complete together: each reads the run and whether the entry is
        // there, and writes it only on the run's version it read, as addLateToPlan does.
        for (int tries = 0; tries < 10; tries++) {
            Optional<RunRecord> read = store.findRun(runId);
            if (read.isEmpty() || !endedWithCompensation(read.get(), step) || compensations.planOf(runId).isEmpty()
                    || history.latestEntryOfStep(runId, EventType.STEP_COMPLETED, step.name())
                            .filter(e -> e.attempt() == job.attempt() && e.data().contains(recorded))
                            .isPresent()) {
                return read.isPresent() && compensatingAgain(read.get(), step);
            }
            AtomicBoolean moved = new AtomicBoolean();
            AtomicBoolean stillLate = new AtomicBoolean(true);
            AtomicBoolean again = new AtomicBoolean();
            Optional<StoredChange> change;
            try {
                change = store.updateRun(runId, run -> {
                    if (!endedWithCompensation(run, step)) {
                        stillLate.set(false);   // restarted or retried since: nothing to record here
                        again.set(compensatingAgain(run, step));
                        return Optional.empty();
                    }
                    moved.set(run.version() != read.get().version());
                    return moved.get() ? Optional.empty() : Optional.of(new RunChange(run, List.of(entry)));
                });
            } catch (RuntimeException storeAway) {
                LOG.log(System.Logger.Level.DEBUG, "run {0}: the late completion of {1} could not be recorded", runId,
                        step.name(), storeAway);
                if (by.isPresent()) {
                    warnNotRecorded(flow, runId, step, resultJson, LogText.of(String.valueOf(storeAway.getMessage()),
                            200));
                }
                return false;
            }
            change.ifPresent(publisher::publish);
            if (!stillLate.get()) {
                return again.get();
            }
            if ((change.isPresent() || !moved.get()) && by.isEmpty()) {
                return false;   // nothing to undo by hand
            }
            if (change.isPresent() || !moved.get()) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0033 run {0} of flow {1}: step {2} completed after the"
                        + " run''s compensation had ended (the run is {3}), so {4} does not undo it: its effect stays."
                        + " Undo it by hand from its result, recorded in the run''s history as a step.completed entry"
                        + " with \"notCompensated\":true", runId, flow.name(), step.name(),
                        change.map(c -> c.run()).orElse(read.get()).status().wireName(), by.get());
                return false;
            }
        }
        if (by.isPresent()) {
            warnNotRecorded(flow, runId, step, resultJson, "the run kept changing");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "run {0}: the late completion of {1} was not recorded: the run kept"
                    + " changing", runId, step.name());
        }
        return false;
    }

    /** Whether the run compensates again with the step canceled (a failed compensation retried): it takes the step. */
    private static boolean compensatingAgain(RunRecord run, StepDefinition step) {
        return undoing(run) && run.steps().get(step.name()) == StepStatus.CANCELED;
    }

    /** {@link #recordNotUndone} that could not write its entry: the warning carries the result itself. */
    private static void warnNotRecorded(FlowDefinition flow, String runId, StepDefinition step, String resultJson,
                                        String why) {
        LOG.log(System.Logger.Level.WARNING, "NVENT-0045 run {0} of flow {1}: step {2} completed after the run''s"
                + " compensation had ended, so {3} does not undo it: its effect stays, and its completion is not"
                + " recorded in the run''s history ({4}). Undo it by hand from its result: {5}", runId, flow.name(),
                step.name(), step.compensation().orElseThrow(), why, LogText.of(resultJson, 500));
    }

    /** Whether the run's compensation has ended with the step canceled, as a step completing late finds it. */
    private static boolean endedWithCompensation(RunRecord run, StepDefinition step) {
        return run.status() != RunStatus.COMPENSATING && run.steps().get(step.name()) == StepStatus.CANCELED;
    }

    /**
     * A compensation completed: the next one is queued, or, after the last, the run fails with the failure that
     * started it, its {@code run.compensated} entry listing the steps undone.
     */
    private void completeCompensation(FlowDefinition flow, StepDefinition step, JobExecution job,
                                      DefaultStepContext context, String resultJson, Optional<StepLease> lease,
                                      RunMutation start, StepExecution self, Instant now) {
        // The run's version before its plan: a plan changed meanwhile (a step added) changed the run too.
        Optional<RunRecord> read = store.findRun(context.runId());
        Optional<Compensations.Plan> plan = compensations.planOf(context.runId())
                .filter(p -> p.current().isPresent());
        if (plan.isEmpty() || read.isEmpty()) {
            return;
        }
        Compensations.Plan was = plan.get();
        Compensations.Plan after = was.next();
        AtomicBoolean moved = new AtomicBoolean();
        RunMutation finish = run -> {
            if (run.steps().get(step.name()) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            List<EventDraft> events = new ArrayList<>();
            JsonText data = JsonText.object().raw("result", resultJson)
                    .str(Compensations.COMPENSATES, was.current().get().step());
            withTrace(data, self.trace());
            events.add(EventDraft.ofStep(EventType.STEP_COMPLETED, step.name(), job.attempt(), now, data.build()));
            RunRecord next = run.withStep(step.name(), StepStatus.COMPLETED);
            if (!undoing(run)) {
                // Canceled (or timed out) while it ran: its completion is recorded, and nothing more is undone.
                return Optional.of(new RunChange(next, events));
            }
            moved.set(run.version() != read.get().version());
            // A plan changed meanwhile goes on from the plan read again after this write.
            return Optional.of(moved.get() ? new RunChange(next, events) : compensated(after, next, events, now));
        };
        Optional<StoredChange> change;
        try {
            change = lease.isEmpty() ? store.updateRun(context.runId(), startThen(start, finish))
                    : writeAsCurrent(self, context.runId(), step.name(),
                            () -> scheduling.finishStep(store, lease.get(), finish),
                            held -> scheduling.finishStepHolding(store, held, finish));
        } catch (StaleExecutionException stale) {
            logStaleOutcome(job, "its result", stale);
            return;
        }
        change.ifPresent(c -> {
            publisher.publish(c);
            if (moved.get()) {
                goOnCompensating(flow, context.runId(), now);
            } else {
                afterCompensation(flow, after, c);
            }
        });
    }

    /** Whether the run undoes its steps: compensating, or stalled in a compensation that now completed. */
    private static boolean undoing(RunRecord run) {
        return run.status() == RunStatus.COMPENSATING || run.status() == RunStatus.STALLED;
    }

    /**
     * After a compensation completed: {@code after}'s next compensation queued, or, after the last, the run ended
     * (failed with the failure that started it, or canceled), its {@code run.compensated} entry listing the steps
     * undone. A run stalled in the compensation (with {@code nvent.stall.recover=false}) goes on compensating.
     */
    private static RunChange compensated(Compensations.Plan after, RunRecord next, List<EventDraft> events,
                                         Instant now) {
        if (after.current().isPresent()) {
            RunRecord queued = next.withStep(after.current().get().by(), StepStatus.QUEUED);
            return new RunChange(queued.status() == RunStatus.STALLED
                    ? queued.withStatus(RunStatus.COMPENSATING, now) : queued, events);
        }
        events.add(EventDraft.ofRun(EventType.RUN_COMPENSATED, now, JsonText.object()
                .strings("compensated", after.undone()).build()));
        if (after.canceled()) {
            // Canceled with compensation: it ends canceled, its flow.cancel entry written now.
            RunChange canceled = OperatorActions.canceled(next, now, Optional.of(after.failure()),
                    after.withChildren());
            events.addAll(canceled.events());
            return new RunChange(canceled.updated(), events);
        }
        JsonText failed = after.timedOut() ? JsonText.object().str("reason", "timed out")
                : JsonText.object().str("step", after.failedStep());
        events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, failed.str("error", after.failure()).build()));
        return new RunChange(next.withFailure(now, after.failure()), events);
    }

    /** What follows a compensation's completion stored: the next compensation queued, or the run's end followed. */
    private void afterCompensation(FlowDefinition flow, Compensations.Plan after, StoredChange change) {
        String runId = change.run().runId();
        after.current().filter(next -> change.run().status() == RunStatus.COMPENSATING)
                .ifPresent(next -> queueing.enqueue(runId, flow.name(), Orchestration.stepOf(flow, next.by()),
                        Compensations.jobId(runId, next)));
        // No sweep of its children as a run canceled with them ends: a child started while it compensated was
        // canceled as it started, and a sweep now would cancel them before the operator's own sweep counts them.
    }

    /**
     * A compensation completed while the run's plan changed (a step completed late was added to it): the run goes on
     * from its plan read again, the write checked against the run's version as read with it.
     */
    @Override
    public void goOnCompensating(RunRecord run) {
        registry.flow(run.flow()).ifPresent(flow -> {
            LOG.log(System.Logger.Level.INFO, "NVENT-0024 run {0} of flow {1} was compensating with nothing queued"
                    + " (its instance stopped as a compensation completed): its compensation goes on", run.runId(),
                    run.flow());
            goOnCompensating(flow, run.runId(), clock.instant());
        });
    }

    private void goOnCompensating(FlowDefinition flow, String runId, Instant now) {
        for (int tries = 0; tries < 10; tries++) {
            Optional<RunRecord> read = store.findRun(runId);
            Optional<Compensations.Plan> plan = compensations.planOf(runId);
            if (read.isEmpty() || plan.isEmpty() || !undoing(read.get())) {
                return;
            }
            AtomicBoolean moved = new AtomicBoolean();
            Optional<StoredChange> change = store.updateRun(runId, run -> {
                moved.set(run.version() != read.get().version());
                // A step that waits means the compensation went on already (the sweep's and this, both).
                return moved.get() || !undoing(run) || !run.steps().values().stream().allMatch(StepStatus::isFinal)
                        ? Optional.empty()
                        : Optional.of(compensated(plan.get(), run, new ArrayList<>(), now));
            });
            if (change.isPresent()) {
                publisher.publish(change.get());
                afterCompensation(flow, plan.get(), change.get());
                return;
            }
            if (!moved.get()) {
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0021 run {0} kept changing as its compensation went on: it is"
                + " left compensating with no compensation queued; the maintenance sweep goes on with it", runId);
    }

    /**
     * A step completed by a recovery job may have left its usual job dead in the queue: one whose last
     * attempt failed only because the store could not be reached ({@link #requeueAfterStoreFailure}).
     * The run no longer needs it, so it is discarded: the queue's failed jobs stay the ones that need
     * an operator. A usual job in any other state is left alone (the queue discards failed jobs only).
     */
    private void discardReplacedJob(String runId, StepDefinition step) {
        String jobId = StepJob.jobId(runId, step.name());
        try {
            if (queue.discard(step.queue(), jobId)) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0152 run {0}: step {1} completed in a recovery job;"
                        + " its failed job {2} was discarded", runId, step.name(), jobId);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0152 run {0}: step {1} completed in a recovery job, but its"
                    + " failed job {2} could not be discarded and still counts as failed: {3}", runId, step.name(),
                    jobId, e.toString());
        }
    }

    /** {@code start} and then {@code finish} as one change, with the entries of both in order. */
    private static RunMutation startThen(RunMutation start, RunMutation finish) {
        return run -> start.apply(run).flatMap(started -> finish.apply(started.updated()).map(finished -> {
            List<EventDraft> events = new ArrayList<>(started.events());
            events.addAll(finished.events());
            return new RunChange(finished.updated(), events);
        }));
    }

    /**
     * Records a failed attempt: {@code step.retry} if the queue retries it, else {@code step.failed}, each with
     * the last progress the attempt reported ({@code progress}), if any, so that an operator sees how far it got.
     */
    @Override
    public void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt,
                               Optional<StepProgress> progress) {
        recordFailure(job, error, nextAttemptAt, new StepExecutions.Left(progress, Map.of()), Optional.empty());
    }

    /**
     * Records a failed attempt as {@link #recordFailure(JobExecution, Throwable, Optional, Optional)} does, with
     * what the step's retry decider decided about it, if it was asked.
     */
    private void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt,
                               StepExecutions.Left left, Optional<RetryDecisions.Decided> decided) {
        StepJob ref;
        try {
            ref = StepJob.parse(job.payload());
        } catch (RuntimeException unreadable) {
            LOG.log(System.Logger.Level.ERROR, "NVENT-0112 job " + job.jobId() + " has an unreadable payload", error);
            return;
        }
        Instant now = clock.instant();
        String message = StepErrors.of(error, errorBytes);
        Optional<String> notRetryable = notRetryableFor(job, error).map(reason -> reason.getClass().getName());
        boolean timedOut = error instanceof TimeoutException && !thrownByStepCode(error);
        if (timedOut && !message.contains("exceeded its timeout") // the queues' own messages say so
                && !(error instanceof HeartbeatTimeoutException)) {
            message = "attempt " + job.attempt() + " exceeded its timeout: " + message;
        }
        String finalMessage = message;
        if (nextAttemptAt.isEmpty() && isStoreUnavailable(error)) {
            requeueAfterStoreFailure(ref, job, finalMessage, now, Optional.empty(), left);
            return;
        }
        // A delivery that failed only because the store could not be reached, which it could not give way
        // for, does not count, although the queue retries it as its next attempt: its entries show the
        // attempt the step is at, and its step.retry names no next attempt (see asRecordedAttempt).
        boolean storeAway = isStoreUnavailable(error);
        JobExecution attempt = storeAway ? asRecordedAttempt(ref, job) : job;
        AtomicBoolean canceledRun = new AtomicBoolean();
        Saga saga = sagaOf(ref);
        if (timedOut) {
            // Before its failure is stored: a deferred start of the attempt stored after it would run the step as
            // the timed-out attempt (see executeWithDeferredStart).
            executionsHere.markTimedOut(ref.runId(), ref.step(), job);
        }
        try {
            Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
                canceledRun.set(false);
                StepStatus status = run.steps().get(ref.step());
                if (status == null || status.isFinal() || status == StepStatus.AWAITING) {
                    return Optional.empty();
                }
                // An attempt that failed before its start was stored (a start left to be written with
                // the result, or a start whose write failed) is recorded as started first, so that
                // every failure in the history follows the start of its attempt.
                Optional<RunChange> unstoredStart = lateStartChange(run, ref.step(), attempt, now);
                RunRecord started = unstoredStart.map(RunChange::updated).orElse(run);
                List<EventDraft> events = new ArrayList<>(unstoredStart.map(RunChange::events).orElse(List.of()));
                if (started.status() == RunStatus.CANCELED) {
                    // Canceled before its failure was stored (its start refused, a timeout, or a cancel
                    // just after the attempt looked): no step.retry or step.failed in a canceled run; the
                    // queue's retry, if it made one, finds the run ended and runs nothing.
                    canceledRun.set(true);
                    return CanceledSteps.canceledStep(ref.step(), attempt.attempt(), now,
                            CanceledSteps.FAILED_AFTER_CANCEL + finalMessage, left.trace()).apply(started)
                            .map(canceled -> {
                                events.addAll(canceled.events());
                                return new RunChange(canceled.updated(), events);
                            });
                }
                JsonText data = JsonText.object().str("error", finalMessage).str("stack", stackTrace(error, errorBytes / 2))
                        .num("attempt", attempt.attempt()).num("maxAttempts", job.maxAttempts());
                // The next attempt of a queue that retries it all the same fails the step without running it.
                notRetryable.ifPresent(type -> data.raw("retryable", "false").str("errorType", type));
                decided.ifPresent(decision -> decision.describeIn(data));
                left.progress().ifPresent(last -> withProgress(data, last));
                withTrace(data, left.trace());
                if (nextAttemptAt.isPresent()) {
                    saga.undoing(started, ref.step()).ifPresent(undo -> data.str(Compensations.COMPENSATES,
                            undo.step()));
                    if (storeAway) {
                        data.str("reason", "the store could not be reached; the attempt does not count");
                    } else {
                        data.num("nextAttempt", attempt.attempt() + 1L);
                    }
                    data.str("nextAttemptAt", nextAttemptAt.get().toString());
                    // The jitter the queue spread the delay by: the job's own, queued perhaps under a setting
                    // this deployment no longer has; the lost-step sweep allows for it (waitsForADelayedJob).
                    ref.terms().map(terms -> terms.retry().jitter()).filter(jitter -> jitter > 0)
                            .ifPresent(jitter -> data.raw(RETRY_JITTER, String.valueOf(jitter)));
                    events.add(EventDraft.ofStep(EventType.STEP_RETRY, ref.step(), attempt.attempt(), now, data.build()));
                    return Optional.of(new RunChange(started.withStep(ref.step(), StepStatus.RETRYING), events));
                }
                return Optional.of(stepFailedFinally(started, ref.step(), attempt.attempt(), now, data, finalMessage,
                        events, saga));
            });
            change.ifPresent(publisher::publish);
            change.ifPresent(c -> afterFinalFailure(saga, c, ref.step(), now));
            if (change.isPresent() && timedOut) {
                giveUpTimedOutAttempt(ref, job);
            }
            if (change.isPresent() && nextAttemptAt.isPresent() && notRetryable.isPresent()
                    && queuesIgnoringNotRetryable.add(job.queue())) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0548 queue adapter {0} retries the jobs of queue {1}"
                        + " whose failure is not worth a retry (it does not ask JobHandler.isRetryable, new in 0.2):"
                        + " step {2} of run {3} failed with {4}; its next attempt, due {5}, fails the step without"
                        + " running it. Logged once per queue", queue.getClass().getName(), job.queue(), ref.step(),
                        ref.runId(), notRetryable.get(), nextAttemptAt.get());
            }
            Optional<String> gaveUpFor = decided.flatMap(RetryDecisions.Decided::gaveUpFor);
            if (change.isPresent() && nextAttemptAt.isEmpty() && gaveUpFor.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0582 run {0}: the retry decider {1} of step {2} gave up"
                        + " after attempt {3} of {4}: {5}", ref.runId(), decided.get().decider(), ref.step(),
                        attempt.attempt(), attempt.maxAttempts(), gaveUpFor.get());
            }
            if (change.isPresent() && nextAttemptAt.isEmpty() && !canceledRun.get()) {
                // Operators watch logs more than histories: a final failure shows in both, the stack in the history.
                logFinalFailure(ref.runId(), change.get().run().flow(), ref.step(), job.attempt(), job.maxAttempts(),
                        notRetryable, finalMessage, now);
            }
        } catch (RunNotFoundException gone) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0113 job {0} failed for run {1}, which no longer exists",
                    job.jobId(), ref.runId());
        }
    }

    /**
     * The step failed for good: {@code step.failed} with {@code data}, and the run failed, unless it
     * cannot go there (it was failed already by another step).
     */
    private static RunChange stepFailedFinally(RunRecord run, String step, int attempt, Instant now, JsonText data,
                                               String message, List<EventDraft> events, Saga saga) {
        Optional<Compensations.Undo> undoing = saga.undoing(run, step);
        undoing.ifPresent(undo -> data.str(Compensations.COMPENSATES, undo.step()));
        events.add(EventDraft.ofStep(EventType.STEP_FAILED, step, attempt, now, data.build()));
        RunRecord next = run.withStep(step, StepStatus.FAILED);
        if (undoing.isPresent()) {
            Compensations.Plan plan = saga.plan().get();
            String error = "the compensation of step " + undoing.get().step() + " by " + step + " failed: " + message
                    + "; steps left not compensated: " + plan.left() + "; " + plan.cause();
            events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                    .str("step", step).str("error", error).str(Compensations.COMPENSATES, undoing.get().step())
                    .strings("notCompensated", plan.left()).build()));
            return new RunChange(next.withFailure(now, error), events);
        }
        List<Compensations.Undo> undo = saga.flow().map(flow -> Compensations.toUndo(flow, run, saga.completed()))
                .orElse(List.of());
        if (!undo.isEmpty() && run.status().canTransitionTo(RunStatus.COMPENSATING)) {
            return new RunChange(Compensations.compensating(next, step, message, undo, now, events), events);
        }
        if (run.status().canTransitionTo(RunStatus.FAILED)) {
            next = next.withFailure(now, message);
            events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                    .str("step", step).str("error", message).build()));
        }
        return new RunChange(next, events);
    }

    /**
     * What a final failure needs to know of the run's compensation, read before its write: the flow, the steps
     * completed newest first (read only for a flow with compensations) and the compensation under way, if any.
     */
    private record Saga(Optional<FlowDefinition> flow, Compensations.Completed completed,
                        Optional<Compensations.Plan> plan) {
        static final Saga NONE = new Saga(Optional.empty(), Compensations.Completed.NONE, Optional.empty());

        /** The compensation {@code step} makes in {@code run}, if it runs as one now. */
        Optional<Compensations.Undo> undoing(RunRecord run, String step) {
            return plan.flatMap(Compensations.Plan::current)
                    .filter(undo -> undo.by().equals(step) && run.status() == RunStatus.COMPENSATING);
        }
    }

    private Saga sagaOf(StepJob ref) {
        Optional<FlowDefinition> flow = registry.flow(ref.flow()).filter(Compensations::compensates);
        if (flow.isEmpty()) {
            return Saga.NONE;
        }
        boolean isCompensation = flow.get().step(ref.step()).map(s -> s.role() == StepRole.COMPENSATION)
                .orElse(false);
        return new Saga(flow, isCompensation ? Compensations.Completed.NONE
                : compensations.completedNewestFirst(ref.runId()),
                isCompensation ? compensations.planOf(ref.runId()) : Optional.empty());
    }

    /**
     * After a final failure: a run that went compensating has its other steps asked to stop, its awaits closed,
     * and its first compensation queued; a failed compensation is logged.
     */
    private void afterFinalFailure(Saga saga, StoredChange change, String step, Instant now) {
        RunRecord run = change.run();
        if (saga.flow().isEmpty()) {
            return;
        }
        if (run.status() == RunStatus.COMPENSATING) {
            executionsHere.requestCancel(run.runId());
            awaitResolution.closeAwaitsOf(run.runId(), now);
            compensations.queueCurrent(queueing, saga.flow().get(), run.runId());
        } else if (run.status() == RunStatus.FAILED && saga.plan().isPresent()) {
            // The run's error holds the compensation's own text: escaped and cut, as NVENT-0128 has it.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0006 run {0} of flow {1}: {2}", run.runId(), run.flow(),
                    LogText.of(run.error().orElse(step), FinalFailureLog.MAX_ERROR_LENGTH));
        }
    }

    private void logFinalFailure(String runId, String flow, String step, int attempt, int maxAttempts,
                                 Optional<String> notRetryable, String message, Instant now) {
        if (notRetryable.isPresent() && attempt < maxAttempts) {
            finalFailures.failedNotRetried(runId, flow, step, attempt, maxAttempts, notRetryable.get(), message, now);
        } else {
            finalFailures.failed(runId, flow, step, attempt, maxAttempts, message, now);
        }
    }

    /**
     * A queue's next attempt of a step whose failure was not worth one, which a queue adapter that does
     * not ask {@link JobHandler#isRetryable} (written for 0.1) retried all the same: the step's latest
     * {@code step.retry} says {@code "retryable":false} and names this attempt as the next. The step
     * fails finally now, without running, with that failure's error ({@code step.failed} of the failed
     * attempt, and the run failed), and this delivery ends; an operator's retry runs the step again.
     * Read for a queue's retries only.
     *
     * @return whether this delivery ended without running the step
     */
    private boolean failedInsteadOfRetry(StepJob ref, JobExecution job) {
        if (job.attempt() <= 1) {
            return false;
        }
        Optional<JsonObject> failure = history.latestEntryOfStep(ref.runId(), EventType.STEP_RETRY, ref.step())
                .filter(entry -> entry.attempt() == job.attempt() - 1)
                .map(entry -> Json.PROVIDER.createReader(new StringReader(entry.data())).readObject())
                .filter(data -> data.get("retryable") == JsonValue.FALSE
                        && data.getInt("nextAttempt", 0) == job.attempt());
        if (failure.isEmpty()) {
            return false;
        }
        JsonObject was = failure.get();
        String message = was.getString("error", "");
        Instant now = clock.instant();
        int failed = job.attempt() - 1;
        Saga saga = sagaOf(ref);
        Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
            if (run.status().isTerminal() || run.steps().get(ref.step()) != StepStatus.RETRYING) {
                return Optional.empty();
            }
            JsonText data = JsonText.object().str("error", message).str("stack", was.getString("stack", ""))
                    .num("attempt", failed).num("maxAttempts", was.getInt("maxAttempts", job.maxAttempts()))
                    .raw("retryable", "false").str("errorType", was.getString("errorType", ""))
                    .str("reason", "not worth a retry; the queue retried it all the same, and attempt "
                            + job.attempt() + " did not run");
            return Optional.of(stepFailedFinally(run, ref.step(), failed, now, data, message, new ArrayList<>(),
                    saga));
        });
        change.ifPresent(c -> {
            publisher.publish(c);
            afterFinalFailure(saga, c, ref.step(), now);
            logFinalFailure(ref.runId(), c.run().flow(), ref.step(), failed, job.maxAttempts(),
                    Optional.of(was.getString("errorType", "")), message, now);
        });
        return true;
    }

    /**
     * The queue failed an attempt for its timeout; the step may still run here, past its interrupt.
     * Its lease goes, so its retry can start on any instance (here too: the attempt no longer counts
     * as this step's execution), and the attempt keeps no lease to give up when it ends; its result
     * will be refused ({@link #refuseLateResult}). The lease goes at once, unless the attempt has
     * writes under way that the store makes without checking the lease (checked by the engine before
     * the timeout, held up on their way): then once the last of them ends, on its thread, so that none
     * lands after another attempt took the lease, on any instance. Its later writes go to the store
     * checked. Nobody waits for them.
     */
    private void giveUpTimedOutAttempt(StepJob ref, JobExecution job) {
        List<StepExecution> stillRunning = executionsHere.markTimedOut(ref.runId(), ref.step(), job);
        if (stillRunning.isEmpty()) {
            lostSteps.releaseOwnLease(ref.runId(), ref.step(), job);
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0156 run {0}: attempt {2} of step {1} timed out and its"
                + " thread was interrupted; until the step's code returns, its retry may run beside it, and"
                + " its result will be dropped", ref.runId(), ref.step(), job.attempt());
        AtomicInteger writing = new AtomicInteger(stillRunning.size());
        for (StepExecution execution : stillRunning) {
            execution.closeUncheckedWrites(() -> {
                if (writing.decrementAndGet() == 0) {
                    // Each gives up only the lease it took, if it still holds it: at most one of them does.
                    stillRunning.forEach(ended -> lostSteps.releaseOwnLease(ref.runId(), ref.step(), ended));
                    if (stillRunning.stream().noneMatch(declined -> declined.leaseUntil().isPresent())) {
                        // Deliveries declined beside the attempt's execution, which took the lease and ended.
                        lostSteps.releaseLeaseOfEndedExecution(ref.runId(), ref.step(), job);
                    }
                }
            });
        }
    }

    // ---------------------------------------------------------------- queue calls and requeues

    /**
     * The field of a failed attempt's {@code step.retry} entry that records the jitter the queue spread its
     * retry by: the lost-step sweep allows for it ({@link LostStepRecovery}).
     */
    static final String RETRY_JITTER = "retryJitter";

    /**
     * Whether an attempt failed because the engine's store could not be reached (an adapter's
     * {@link AdapterUnavailableException}, or another retryable nvent exception, e.g. the JPA store's
     * database away), not because of the step. Such a failure says nothing about the step, so it does
     * not use up the step's attempts.
     */
    static boolean isStoreUnavailable(Throwable error) {
        return Causes.anyMatch(error, t -> t instanceof AdapterUnavailableException
                || t instanceof NventException nvent && nvent.isRetryable()
                && !(nvent instanceof ConcurrentRunModificationException));
    }

    @Override
    public void finishStoppedRestart(RunRecord run) {
        engine.operatorActions().finishStoppedRestart(run);
    }

    /**
     * An attempt of a step failed because the store could not be reached: the step is queued
     * again under a recovery job, after {@link #STORE_RETRY_DELAY}, with a {@code step.retry} entry
     * that says why, as the attempt its run's history shows it at ({@link #asRecordedAttempt}), not
     * as the queue numbered the job's delivery. If even that cannot be stored after a last attempt,
     * the queue's failed job is found by the sweep ({@link LostStepRecovery#requeueLostSteps}), which queues the step
     * again in the same way.
     *
     * @param ranFrom when the step's code ran in the attempt, if it did: a start that was not stored
     *     (left to be written with the result) is stored first, so that the history shows the attempt
     *     that ran before the one that gives way
     */
    @Override
    public void requeueAfterStoreFailure(StepJob ref, JobExecution job, String message, Instant now,
                                          Optional<Instant> ranFrom) {
        requeueAfterStoreFailure(ref, job, message, now, ranFrom, StepExecutions.Left.NOTHING);
    }

    /**
     * The same, for an attempt whose code ran here: its {@code step.retry} entry ends that attempt, and holds, as every
     * other entry ending an attempt does, the last progress it reported and what the attempt interceptors' scopes
     * named it as ({@code left}; nothing for none).
     */
    private void requeueAfterStoreFailure(StepJob ref, JobExecution job, String message, Instant now,
                                          Optional<Instant> ranFrom, StepExecutions.Left left) {
        JsonText why = JsonText.object().str("reason", "the store could not be reached; the attempt does not count")
                .str("error", message);
        left.progress().ifPresent(last -> withProgress(why, last));
        withTrace(why, left.trace());
        Optional<StoredChange> change = requeueLater(ref, asRecordedAttempt(ref, job), STORE_RETRY_DELAY, now,
                Optional.of(why), false, ranFrom);
        if (change.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0129 run {0}: step {1} could not be stored ({2}); it runs again"
                    + " in {3} s", ref.runId(), ref.step(), message, STORE_RETRY_DELAY.toSeconds());
        }
    }

    /**
     * A delivery of a step's job as the attempt its run's history shows the step at: the one after
     * the attempts that counted ({@link StepHistory#attemptsCounted}). Every queue numbers a job's attempts by
     * the deliveries that failed before, whatever failed them; while the store cannot be reached, a
     * delivery that fails on it cannot give way either (that is a write too), and the queue counts it
     * although the step's attempt does not count. The run's history never recorded such a delivery,
     * so it is the history that tells the step's attempt.
     */
    private JobExecution asRecordedAttempt(StepJob ref, JobExecution job) {
        int attempt = history.attemptsCounted(ref.runId(), ref.step()) + 1;
        return attempt == job.attempt() ? job : new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(),
                attempt, job.maxAttempts(), job.redelivered());
    }

    /**
     * A delivery of a step beside an earlier attempt of it that outlived its timeout, still runs here and keeps
     * the step's lease until its writes under way without the store's check have ended
     * ({@link #giveUpTimedOutAttempt}): the lease is this instance's whichever of its attempts runs, so the store
     * would let this one take it, and those writes could land beside it. The step is queued again, due after
     * {@link #giveWayDelay} ({@link #TIMED_OUT_WRITE_DELAY} the first time); this attempt never started and does not
     * count. Nobody waits. Only the first delivery to give way to {@code keeper} writes a {@code step.retry} entry and
     * logs at INFO: a write that never ends would otherwise add both for ever.
     */
    private void giveWayToTimedOutAttempt(StepJob ref, JobExecution job, StepExecution keeper) {
        Instant now = clock.instant();
        int giveWay = keeper.gaveWayOnceMore();
        Duration delay = giveWayDelay(giveWay, settings.leaseDuration());
        Optional<JsonText> entry = giveWay > 1 ? Optional.empty() : Optional.of(JsonText.object().str("reason",
                "an earlier attempt of the step outlived its timeout and keeps the step's lease until its write under"
                        + " way ends; the attempt did not start and does not count"));
        Optional<StoredChange> change = requeueLater(ref, job, delay, now, entry, false, Optional.empty());
        if (change.isPresent()) {
            LOG.log(giveWay > 1 ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, "NVENT-0554 run {0}: attempt"
                    + " {1} of step {2} did not start on this instance: an earlier attempt of the step outlived its"
                    + " timeout, still runs here and keeps the step''s lease until its write under way ends; the step"
                    + " runs again in {3} ms (given way {4} times)", ref.runId(), job.attempt(), ref.step(),
                    delay.toMillis(), giveWay);
        }
    }

    /** The unexpired lease of the step another owner holds; empty if none does, or the store cannot be read. */
    private Optional<StepLease> leaseHeldElsewhere(String runId, String step) {
        Instant now = clock.instant();
        try {
            return scheduling.leasesOfRun(runId).stream().filter(held -> held.step().equals(step)
                    && !held.owner().equals(leaseOwner) && held.expiresAt().isAfter(now)).findFirst();
        } catch (RuntimeException unread) {
            return Optional.empty(); // the lost-job check queues the step again once the lease is free
        }
    }

    /**
     * A delivery of a step waiting for its job found the step's lease held by another instance: an earlier attempt
     * there outlived its timeout and keeps the lease until its write under way ends
     * ({@link #giveUpTimedOutAttempt}), or that instance is gone and its lease runs out. This attempt never started
     * and does not count; the step is queued again, as on the instance of the lease ({@link #giveWayToTimedOutAttempt}),
     * so that it goes on soon after that lease is given up, without waiting for the lost-job check, and never
     * beside the attempt that holds it. The delay grows as the give-ways go on, whichever instance they are on: as long
     * as they have lasted since the first one's {@code step.retry} entry, between {@link #TIMED_OUT_WRITE_DELAY} and
     * the lease duration or {@link #LONGEST_GIVE_WAY_DELAY} ({@link #giveWayDelayAfter}), doubling each time. Only the
     * first give-way of the attempt writes that entry (naming the lease's owner) and logs at INFO. Nothing is queued
     * unless the step still waits for a job: a duplicate of a step that runs elsewhere ends as before.
     */
    private void giveWayToLeaseHeldElsewhere(StepJob ref, JobExecution delivered, StepLease held) {
        Instant now = clock.instant();
        // As the attempt the step's history shows it at: the queue may have counted deliveries that did not.
        JobExecution job = asRecordedAttempt(ref, delivered);
        Optional<Instant> firstGaveWay = history.latestEntryOfStep(ref.runId(), EventType.STEP_RETRY, ref.step())
                .filter(entry -> entry.attempt() == job.attempt() && Json.PROVIDER.createReader(
                        new StringReader(entry.data())).readObject().containsKey(LEASE_HELD_BY))
                .map(HistoryEvent::timestamp);
        Duration delay = giveWayDelayAfter(firstGaveWay.map(first -> Duration.between(first, now))
                .orElse(Duration.ZERO), settings.leaseDuration());
        Optional<JsonText> entry = firstGaveWay.isPresent() ? Optional.empty() : Optional.of(JsonText.object()
                .str("reason", "another instance holds the step's lease (an earlier attempt there outlived its timeout"
                        + " and keeps it until its write under way ends, or the instance is gone and its lease runs"
                        + " out); the attempt did not start and does not count").str(LEASE_HELD_BY, held.owner()));
        Optional<StoredChange> change;
        try {
            change = requeueLater(ref, job, delay, now, entry, false, Optional.empty(),
                    status -> status == StepStatus.QUEUED || status == StepStatus.RETRYING);
        } catch (RunNotFoundException deleted) {
            return; // nothing left to run: the lease decided before the run was read
        }
        if (change.isPresent()) {
            LOG.log(firstGaveWay.isPresent() ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, "NVENT-0598 run"
                    + " {0}: attempt {1} of step {2} did not start on this instance: {3} holds the step''s lease (an"
                    + " earlier attempt there outlived its timeout and keeps it until its write under way ends, or that"
                    + " instance is gone); the step runs again in {4} ms", ref.runId(), job.attempt(), ref.step(),
                    held.owner(), delay.toMillis());
        }
    }

    /**
     * How long a step waits to run again when it gives way to a lease another instance holds
     * ({@link #giveWayToLeaseHeldElsewhere}), its give-ways having gone on for {@code sinceFirst}: as long again, so
     * that the delay doubles from {@link #TIMED_OUT_WRITE_DELAY} as {@link #giveWayDelay} does, up to the same longest.
     */
    static Duration giveWayDelayAfter(Duration sinceFirst, Duration leaseDuration) {
        Duration longest = giveWayDelay(Integer.MAX_VALUE, leaseDuration);
        if (sinceFirst.compareTo(TIMED_OUT_WRITE_DELAY) < 0) {
            return TIMED_OUT_WRITE_DELAY;
        }
        return sinceFirst.compareTo(longest) > 0 ? longest : sinceFirst;
    }

    /**
     * How long a step waits to run again the {@code giveWay}-th time it gives way to the same timed-out attempt
     * ({@link #giveWayToTimedOutAttempt}): {@link #TIMED_OUT_WRITE_DELAY}, doubled each time, up to the lease
     * duration or {@link #LONGEST_GIVE_WAY_DELAY}, whichever is shorter (never below the first delay).
     */
    static Duration giveWayDelay(int giveWay, Duration leaseDuration) {
        Duration longest = leaseDuration.compareTo(LONGEST_GIVE_WAY_DELAY) < 0 ? leaseDuration : LONGEST_GIVE_WAY_DELAY;
        if (longest.compareTo(TIMED_OUT_WRITE_DELAY) < 0) {
            return TIMED_OUT_WRITE_DELAY;
        }
        Duration delay = TIMED_OUT_WRITE_DELAY.multipliedBy(1L << Math.min(Math.max(giveWay - 1, 0), 30));
        return delay.compareTo(longest) > 0 ? longest : delay;
    }

    /**
     * The rate limit would keep the worker waiting for longer than it should hold a job: the step is
     * queued again under a recovery job due when the limit expects to allow a start (see
     * {@link EngineRateLimits#requeueAt}), with a {@code step.retry} entry that says why. The attempt
     * never started and does not count.
     */
    private void requeueUnderRateLimit(StepJob ref, JobExecution job, RateLimitGroup group, Duration untilAllowed) {
        Instant now = clock.instant();
        EngineRateLimits.Kept kept = rateLimits.of(job.queue()).orElseThrow();
        Instant due = rateLimits.requeueAt(group, kept.limit(), now.plus(untilAllowed));
        String limit = "the rate limit of queue " + job.queue() + " (" + kept.describe()
                + (group.isWholeQueue() ? "" : "; its group: " + group.group()) + ")";
        String why = queue.isPaused(job.queue())
                ? "queue " + job.queue() + " was paused while its worker waited for " + limit + "; the step starts once "
                        + "the queue is resumed"
                : limit + " allows no start before " + now.plus(untilAllowed);
        try {
            requeueLater(ref, job, Duration.between(now, due), now, Optional.of(JsonText.object().str("reason", why
                    + "; the attempt did not start and does not count").raw("rateLimited", "true")), true,
                    Optional.empty())
                    .ifPresent(change -> LOG.log(System.Logger.Level.DEBUG, () -> "run " + ref.runId() + ": step "
                            + ref.step() + " queued again for " + due + " under the rate limit of queue " + group));
        } catch (RuntimeException e) {
            // The step never started: failing the attempt would fail a step for the limit's sake (and,
            // while the queue shuts down, its run). The step stays queued; the sweep queues it again.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0160 run {0}: step {1} could not be queued again under the"
                    + " rate limit of queue {2} ({3}); the engine''s sweep queues it", ref.runId(), ref.step(),
                    job.queue(), e.toString());
        }
    }

    /**
     * Queues a step again after {@code delay} under a recovery job of the run's new version, with a
     * {@code step.retry} entry carrying {@code why} (none if empty: the run's version moves on all the same, which
     * names the job); the attempt that gives way does not count. If even that cannot be stored, the sweep
     * ({@link LostStepRecovery#requeueLostSteps}) finds the step and queues it.
     *
     * @param ranFrom when the step's code began in the attempt that gives way, if it did and its start
     *     is not stored (see {@link #requeueAfterStoreFailure})
     */
    private Optional<StoredChange> requeueLater(StepJob ref, JobExecution job, Duration delay, Instant now,
                                                Optional<JsonText> why, boolean underRateLimit,
                                                Optional<Instant> ranFrom) {
        return requeueLater(ref, job, delay, now, why, underRateLimit, ranFrom, status -> true);
    }

    /** The same, only while the step's status is one {@code requeued} accepts (besides the checks above). */
    private Optional<StoredChange> requeueLater(StepJob ref, JobExecution job, Duration delay, Instant now,
                                                Optional<JsonText> why, boolean underRateLimit,
                                                Optional<Instant> ranFrom, Predicate<StepStatus> requeued) {
        Optional<StepDefinition> step = registry.flow(ref.flow()).flatMap(f -> f.step(ref.step()));
        if (step.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> data = why.map(entry -> entry.str("nextAttemptAt", now.plus(delay).toString()).build());
        Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
            StepStatus status = run.steps().get(ref.step());
            if (run.status().isTerminal() || status == null || status.isFinal() || status == StepStatus.AWAITING
                    || !requeued.test(status)) {
                return Optional.empty();
            }
            Optional<RunChange> unstoredStart = ranFrom.flatMap(startedAt -> lateStartChange(run, ref.step(), job,
                    startedAt));
            List<EventDraft> events = new ArrayList<>(unstoredStart.map(RunChange::events).orElse(List.of()));
            data.ifPresent(entry -> events.add(EventDraft.ofStep(EventType.STEP_RETRY, ref.step(), job.attempt(), now,
                    entry)));
            RunRecord started = unstoredStart.map(RunChange::updated).orElse(run);
            return Optional.of(new RunChange(started.withStep(ref.step(), StepStatus.QUEUED), events));
        });
        if (change.isEmpty()) {
            return change;
        }
        publisher.publish(change.get());
        String jobId = underRateLimit ? StepJob.rateLimitedJobId(ref.runId(), ref.step(),
                change.get().events().get(change.get().events().size() - 1).seq())
                : StepJob.recoveryJobId(ref.runId(), ref.step(), change.get().run().version());
        // The attempt gives way without counting: the step runs again as this attempt, with the attempts it has left.
        QueueFailure.sendToQueue(step.get().queue(), () -> queue.enqueue(StepQueueing.stepJob(new StepJob(ref.runId(),
                ref.flow(), ref.step(), OptionalLong.empty()).afterAttempts(job.attempt() - 1).withTrace(ref.trace()),
                step.get(), jobId, true)
                .withDelay(delay)));
        return change;
    }

    static String stackTrace(Throwable error, long maxBytes) {
        StringBuilder out = new StringBuilder();
        Throwable current = error;
        for (int depth = 0; current != null && depth < 5; depth++, current = current.getCause()) {
            out.append(depth == 0 ? "" : "Caused by: ").append(current).append('\n');
            StackTraceElement[] frames = current.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 40); i++) {
                out.append("\tat ").append(frames[i]).append('\n');
            }
        }
        return StepErrors.storable(out.toString(), maxBytes);
    }
}

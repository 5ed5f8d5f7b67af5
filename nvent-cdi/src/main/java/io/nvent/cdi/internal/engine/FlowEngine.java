package io.nvent.cdi.internal.engine;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.ClearedHistory;
import io.nvent.Emitted;
import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.EventQuery;
import io.nvent.DeletedRun;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.HealthReport;
import io.nvent.InvalidPayloadException;
import io.nvent.HistoryEvent;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.IllegalRunTransitionException;
import io.nvent.NventException;
import io.nvent.PayloadViolation;
import io.nvent.RestartOptions;
import io.nvent.Overlap;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunNotStartedException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepDefinition;
import io.nvent.StepProgress;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.UnexpectedEventException;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.QueueControls;
import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.InputProperties;
import io.nvent.cdi.internal.registry.Spelling;
import io.nvent.cdi.internal.registry.StepBinding;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.DebouncedFire;
import io.nvent.spi.EventDraft;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RequestKey;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Moves runs through their flows. Every change of a run goes through
 * {@link FlowStore#updateRun}, so the run's state and the history entries describing the change
 * are stored together; the rules deciding what happens next live in {@link Orchestration}.
 *
 * <p>It starts runs; its other parts are collaborators of their own, each told only what it needs:
 * {@link StepRunner} (executing steps, from the job handed to the engine to the steps that follow),
 * {@link StepQueueing} (sending step jobs to the queue), {@link RunPublisher} (publishing what was stored),
 * {@link ChangeFollowUp} (what follows a stored change), {@link AwaitResolution} (awaits, their timers,
 * concurrency keys), {@link LostStepRecovery} (step leases, stall detection, lost jobs),
 * {@link OperatorActions} (cancel, restart, rerun, retry, delete, clear) and {@link StepHistory} (what a
 * run's history says of a step).
 *
 * <p>Plain class, no container types: {@link EngineBean} wires it into CDI, and tests build it
 * directly.
 */
public final class FlowEngine implements FlowService {

    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    private final FlowRegistry registry;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final JobQueue queue;
    private final QueuePauses queuePauses;
    private final WorkerOverrides workerOverrides;
    private final EngineRateLimits rateLimits;
    /** The workers of each queue on this instance, as started; read by waits and the REST API. */
    private final Map<String, Integer> workersHere = new java.util.concurrent.ConcurrentHashMap<>();
    private final Json json;
    private final Clock clock;
    private final FinalFailureLog finalFailures = new FinalFailureLog(LOG);
    private final EngineMetrics metrics = new EngineMetrics();
    private final Object[] keyStripes = java.util.stream.IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();
    private final EngineSettings settings;
    /** Steps this instance executes right now. */
    private final StepExecutions executionsHere = new StepExecutions();
    /** What the runs' histories say about their steps. */
    private final StepHistory history;
    /** The awaits of runs: made, saved, resolved, timed out and closed there. */
    private final AwaitResolution awaitResolution;
    /** Publishes what was stored of runs: the engine's parts all publish through it. */
    private final RunPublisher publisher;
    /** Sends the jobs of steps to the queue. */
    private final StepQueueing queueing;
    /** What follows a stored change of a run: published, its ready steps handed over, its emissions delivered. */
    private final ChangeFollowUp followUp;
    /** Whether the scheduling store held a concurrency key once (see {@link #requireConcurrencyKeys}). */
    private volatile boolean concurrencyKeysSupported;
    /** The Bean Validation constraints of the steps' inputs ({@link #useInputConstraints}). */
    private volatile InputConstraints inputConstraints = InputConstraints.NONE;
    private final HealthMonitor health = new HealthMonitor();
    /** Most runs per status {@link #reportRunsAtStepsNotDeployed} reads. */
    static final int NOT_DEPLOYED_CHECK_RUNS = 1000;
    /** Most flows and steps {@link #reportRunsAtStepsNotDeployed} names. */
    private static final int NOT_DEPLOYED_NAMED = 20;
    /** Stall detection and the recovery of steps whose execution or job was lost. */
    private final LostStepRecovery lostSteps;
    /** Executes the steps of runs, from a job handed to the engine to the steps that follow it. */
    private final StepRunner runner;
    /** What operators do to runs: cancel, restart, rerun, retry a step, delete, clear a flow's history. */
    private final OperatorActions operatorActions;
    /** Ends the runs under way past their deadline, for the maintenance sweep. */
    private final RunDeadlines runDeadlines;
    /** Emits and publishes with an idempotency key. */
    private final RequestKeys requestKeys;
    /** Tells the hooks about runs that started, runs that ended and steps that failed. */
    private final RunLifecycleHooks lifecycleHooks;
    /** The record this start keeps of itself in the store, and the view of every start's record. */
    private final InstanceRegistry instances;
    /** This start: the instance id, {@code @}, and the token its instance record and step leases carry. */
    private final String startOwner;
    /** The live event stream, asked for its problem by the health report. */
    private final EventStream stream;

    public FlowEngine(FlowRegistry registry, FlowStore store, SchedulingStore scheduling, JobQueue queue,
                      EventStream stream, Json json, Clock clock, Function<Class<?>, Step<?, ?>> stepInstances,
                      Consumer<Object> hooks, EngineSettings settings) {
        AwaitResolution.requireChildRunCounts(registry, store);
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.queue = queue;
        this.queuePauses = new QueuePauses(queue, scheduling, clock);
        this.workerOverrides = new WorkerOverrides(queue, scheduling, this::workersHere,
                this::workersChanged, clock);
        this.rateLimits = new EngineRateLimits(scheduling, clock);
        this.json = json;
        this.clock = clock;
        this.settings = settings;
        this.requestKeys = new RequestKeys(scheduling, clock, settings.requestKeyRetention(),
                settings.leaseDuration());
        this.history = new StepHistory(store);
        this.queueing = new StepQueueing(queue, settings, history);
        this.awaitResolution = new AwaitResolution(registry, store, scheduling, json, clock, hooks, history,
                settings.webhookBaseUrl(), queueing, new AwaitContinuation());
        this.lifecycleHooks = new RunLifecycleHooks(hooks);
        this.stream = stream;
        this.publisher = new RunPublisher(store, stream, clock, settings, metrics, awaitResolution, lifecycleHooks);
        this.followUp = new ChangeFollowUp(registry, clock, finalFailures, awaitResolution, publisher, queueing);
        String startToken = UUID.randomUUID().toString().substring(0, 8);
        // Owner of this engine's step leases: the instance id plus a token of this start. An instance restarted
        // under the same id must not renew the leases its crashed predecessor held (renewal goes by owner), or
        // those steps would never be found stalled.
        String leaseOwner = settings.instanceId() + "@" + startToken;
        this.startOwner = leaseOwner;
        this.runner = new StepRunner(this, registry, store, scheduling, queue, rateLimits, json, clock, settings,
                stepInstances, metrics, finalFailures, executionsHere, history, awaitResolution, publisher, queueing,
                followUp, leaseOwner, startToken);
        this.lostSteps = runner.lostSteps();
        this.operatorActions = new OperatorActions(registry, store, scheduling, clock, awaitResolution,
                executionsHere, publisher, queueing, new OperatorCalls());
        this.runDeadlines = new RunDeadlines(store, clock, publisher, awaitResolution, executionsHere,
                registry, queueing, settings.missingStepGrace());
        this.instances = new InstanceRegistry(scheduling, queue, clock, settings.instanceId(), startToken,
                registry::flowsByQueue);
    }

    /** Starts a worker for every queue the flows use. */
    public void startWorkers(ToIntFunction<String> concurrencyOfQueue,
                             Function<String, Optional<RateLimit>> rateLimitOfQueue,
                             Predicate<String> rateLimitPerInstance,
                             Function<String, Optional<String>> rateLimitGroupKeyOfQueue) {
        Map<String, Integer> recordedWorkers = workerOverrides.recordedAtStart();
        for (String name : registry.queues()) {
            // Before the workers, so that the limit holds from their first attempt.
            Optional<RateLimit> limit = rateLimitOfQueue.apply(name);
            if (limit.isPresent()) {
                Optional<String> groupKey = rateLimitGroupKeyOfQueue.apply(name);
                boolean cluster = !rateLimitPerInstance.test(name) && rateLimits.storeShares();
                if (groupKey.isEmpty()) {
                    // The adapter tells no groups apart: it keeps a limit of the whole queue, per instance.
                    queue.limitRate(name, limit);
                }
                EngineRateLimits.Kept kept = new EngineRateLimits.Kept(limit.get(), groupKey, cluster);
                if (cluster || groupKey.isPresent() || !rateLimits.adapterLimitsFollowTheClock()) {
                    rateLimits.limit(name, kept, concurrencyOfQueue.applyAsInt(name));
                }
                LOG.log(System.Logger.Level.INFO, "NVENT-0511 queue {0} starts {1}{2}", name, kept.describe(),
                        !cluster && !rateLimitPerInstance.test(name)
                                ? " (the scheduling store keeps no limits for the cluster)" : "");
            }
            int workers = concurrencyOfQueue.applyAsInt(name);
            workersHere.put(name, workers);
            int startWith = workerOverrides.atStart(name, workers, recordedWorkers);
            if (startWith == 0 && workers > 0) {
                // Set to 0 at run time: taken here, but not one of its jobs runs until the workers are raised.
                queue.registerIdleWorker(name, runner.jobHandler());
            } else {
                registerWorker(name, startWith);
            }
        }
        followRecordedWorkers();
        health.started();
        recordInstance(true);
        // Which build this is: snapshots of two builds carry one nvent version, but not one commit or store schema.
        LOG.log(System.Logger.Level.INFO, "NVENT-0110 engine {0} started (nvent {3}, commit {5}, store schema {4}):"
                + " flows {1}, queues {2}", settings.instanceId(), registry.flows().stream().map(FlowDefinition::name)
                        .toList(), registry.queues(), Build.CURRENT.version(), scheduling.schemaVersion()
                        .map(version -> "V" + version).orElse("none (a store without a versioned schema, as the memory"
                                + " store)"), Build.CURRENT.commitOrUnknown());
        reportRunsAtStepsNotDeployed();
    }

    /**
     * Applies the workers operators set at run time as soon as the workers started; a store that is
     * away only delays it to the maintenance sweep.
     */
    private void followRecordedWorkers() {
        try {
            workerOverrides.follow();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0048 could not apply the workers of queues set at run time"
                    + " when the workers started; they run their configured concurrency until the sweep reads them: "
                    + e);
        }
    }

    /**
     * An adapter written before queues without workers here (concurrency 0) may refuse them: nothing
     * of the queue would run here either way, and its enqueues need no registration.
     */
    private void registerWorker(String name, int workers) {
        try {
            queue.registerWorker(name, workers, runner.jobHandler());
        } catch (IllegalArgumentException refused) {
            if (workers > 0) {
                throw refused;
            }
            LOG.log(System.Logger.Level.INFO, "NVENT-0443 the queue adapter " + queue.getClass().getName()
                    + " refuses a queue without workers, so queue " + name + " is not registered with it here;"
                    + " its jobs are still enqueued here, for the instances that take it: " + refused.getMessage());
        }
    }

    /**
     * The workers this instance runs for a queue: 0 for a queue left to other instances
     * ({@code nvent.queue.<name>.concurrency=0}, {@code nvent.queues.include} or {@code exclude}),
     * one the deployment lacks, or before the workers started.
     */
    public int workersHere(String queueName) {
        return workersHere.getOrDefault(queueName, 0);
    }

    /**
     * Warns once, at start-up, of unfinished runs at steps this deployment does not have (removed or
     * renamed in it, or their whole flow is): nothing here runs those steps, so the operator learns
     * at deploy time rather than from runs that never end. Reads the newest
     * {@link #NOT_DEPLOYED_CHECK_RUNS} running, awaiting and compensating runs, one query each; a store away at
     * start-up skips the check.
     */
    private void reportRunsAtStepsNotDeployed() {
        Map<String, Integer> runsAt = new TreeMap<>();
        int runs = 0;
        boolean capped = false;
        try {
            for (RunStatus status : List.of(RunStatus.RUNNING, RunStatus.AWAITING, RunStatus.COMPENSATING)) {
                List<RunRecord> page = store.findRuns(new RunQuery(Optional.empty(), Optional.of(status), 0,
                        NOT_DEPLOYED_CHECK_RUNS));
                capped |= page.size() == NOT_DEPLOYED_CHECK_RUNS;
                for (RunRecord run : page) {
                    Optional<FlowDefinition> flow = registry.flow(run.flow());
                    Set<String> missing = new TreeSet<>();
                    run.steps().forEach((step, stepStatus) -> {
                        if (!stepStatus.isFinal() && flow.flatMap(f -> f.step(step)).isEmpty()) {
                            missing.add(flow.isEmpty() ? "flow " + run.flow() : run.flow() + "/" + step);
                        }
                    });
                    missing.forEach(where -> runsAt.merge(where, 1, Integer::sum));
                    runs += missing.isEmpty() ? 0 : 1;
                }
            }
        } catch (RuntimeException storeAway) {
            LOG.log(System.Logger.Level.DEBUG, "runs at steps not deployed not checked: {0}", storeAway.toString());
            return;
        }
        if (runs == 0) {
            return;
        }
        String named = runsAt.entrySet().stream().limit(NOT_DEPLOYED_NAMED)
                .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "))
                + (runsAt.size() > NOT_DEPLOYED_NAMED ? " and " + (runsAt.size() - NOT_DEPLOYED_NAMED) + " more" : "");
        LOG.log(System.Logger.Level.WARNING, "NVENT-0170 " + runs + " unfinished run(s)"
                + (capped ? " among the newest " + NOT_DEPLOYED_CHECK_RUNS + " running and awaiting ones" : "")
                + " are at steps this deployment does not have, which nothing here runs: " + named
                + "; deploy those steps again (their runs then go on) or cancel the runs; a run's waits"
                + " (GET /api/nvent/runs/{id}) say where its step's job waits");
    }

    /**
     * Where webhook-await URLs start from now on: the container knows the application's context root
     * only once the application has started, after the engine may have been built.
     */
    public void useWebhookBaseUrl(String url) {
        awaitResolution.useWebhookBaseUrl(url);
    }

    /** Lets time and schedule awaits resolve on time instead of at the next maintenance sweep. */
    public void useTimers(ScheduledExecutorService executor) {
        useTimers(executor, ClockTimers.on(executor, clock));
    }

    /**
     * As {@link #useTimers(ScheduledExecutorService)}, with awaits resolving through {@code awaitTimers}
     * (which follow the engine's clock, e.g. one a test moves); {@code executor} still times the
     * deferred start writes, which measure how long a step's code runs.
     */
    public void useTimers(ScheduledExecutorService executor, ClockTimers awaitTimers) {
        awaitResolution.useTimers(awaitTimers);
        runner.useStartTimers(executor);
        rateLimits.followClockOf(awaitTimers);
    }

    /**
     * Stores the progress steps report ({@link io.nvent.StepContext#reportProgress}) through {@code writes}: at most once
     * a second per running step, timed by its timers and made by its writer, off the engine's scheduler.
     * Without it, a step's progress is kept in memory only (its {@code step.completed} entry has the last).
     */
    /**
     * Where the steps' retry deciders come from: CDI beans in a container; outside one, those given and
     * else made with their public no-argument constructors (the default).
     */
    public void useRetryDeciders(RetryDeciderInstances instances) {
        runner.useRetryDeciders(instances);
    }

    /**
     * The Bean Validation constraints that the steps' inputs are checked against, before the workers start: at
     * each start (the entry step's input, refused with {@link InvalidPayloadException}) and as each attempt
     * starts (its step failing finally).
     */
    public void useInputConstraints(InputConstraints constraints) {
        inputConstraints = Objects.requireNonNull(constraints, "constraints");
        awaitResolution.useInputConstraints(constraints);
    }

    /** The Bean Validation constraints of the steps' inputs; {@link InputConstraints#NONE} until set. */
    InputConstraints inputConstraints() {
        return inputConstraints;
    }

    /**
     * The attempt interceptors, before the workers start: CDI beans in a container, those given to the embedded
     * engine outside one. None (the default) leaves the step path as it is.
     */
    public void useInterceptors(java.util.List<io.nvent.spi.AttemptInterceptor> interceptors) {
        queueing.use(AttemptInterception.of(interceptors));
    }

    /**
     * Which of {@link io.nvent.RunStarted}, {@link io.nvent.RunEnded} and {@link io.nvent.StepFailed} anyone
     * observes, asked once per type now: the hooks get only those, and an event no one observes costs nothing.
     * Without it, the hooks get all three.
     */
    public void useLifecycleObservers(java.util.function.Predicate<Class<?>> observed) {
        lifecycleHooks.observedBy(observed);
    }

    public void useProgressWrites(ProgressWrites writes) {
        runner.useProgressWrites(writes);
    }

    /**
     * Lets steps run before their start is stored (see {@link EngineSettings#startWriteDelay()});
     * {@code executor} stores the start of a step that runs longer. Without it, every start is
     * stored before its step runs.
     */
    void useStartTimers(ScheduledExecutorService executor) {
        runner.useStartTimers(executor);
    }

    /**
     * Closes the queue as the engine stops: its workers finish within its shutdown grace, and what
     * they and the starts meanwhile enqueue goes through. From then on starts are refused with a
     * retryable failure (503 on the REST API) instead of storing runs whose first step nothing enqueues.
     */
    public void closeQueue() {
        runner.closeQueue();
    }

    /**
     * How long {@link #closeQueue} waits, once the queue closed, for the attempts it cut short to hand
     * their steps back (tests shorten it).
     */
    void useStopPatience(Duration patience) {
        runner.useStopPatience(patience);
    }

    /** Connects the triggers that fire on named events. */
    void useEventTriggers(EventTriggers triggers) {
        followUp.useEventTriggers(triggers);
    }

    /** Pauses and resumes of queues, recorded for every instance. */
    public QueuePauses queuePauses() {
        return queuePauses;
    }

    /**
     * The queue's name, if a deployed step runs on it or the queue adapter has it, or, {@code orRecorded}, it has a
     * pause or workers recorded (an earlier deployment's, for an operator to undo).
     *
     * @throws IllegalArgumentException (NVENT-0061) otherwise, naming the queues known
     */
    public String requireQueue(String name, boolean orRecorded) {
        Set<String> known = knownQueues(name);
        if (known.contains(name) || orRecorded && (scheduling.pausedQueues().contains(name)
                || workerOverrides.override(name).isPresent())) {
            return name;
        }
        throw new IllegalArgumentException("NVENT-0061 no queue named '" + io.nvent.spi.internal.LogText.of(name)
                + "': no deployed step runs on it and the queue adapter does not have it; known queues are " + known
                + ". Nothing was recorded");
    }

    /**
     * The queue's name, for a pause or workers to be recorded: one this instance does not know (no deployed step runs
     * on it, the queue adapter does not have it) may be another instance's, or one a later deployment adds (paused
     * ahead of it), so it is recorded all the same, with a warning (NVENT-0062) naming the queues known here, in case
     * it is misspelt.
     *
     * @param recorded what is recorded, for the warning ("its pause is recorded")
     * @param undo how an operator undoes it, for the warning, before the queue's name ("Resume")
     */
    public String warnIfUnknownQueue(String name, String recorded, String undo) {
        Set<String> known = knownQueues(name);
        if (!known.contains(name)) {
            String quoted = "'" + io.nvent.spi.internal.LogText.of(name) + "'";
            LOG.log(System.Logger.Level.WARNING, "NVENT-0062 queue " + quoted + " is not known on this instance (no"
                    + " deployed step runs on it and the queue adapter does not have it; known queues are " + known + "): " + recorded + " for the instances that have it, or a"
                    + " deployment that adds it. Misspelt? " + undo + " " + quoted + " and name one of those");
        }
        return name;
    }

    private Set<String> knownQueues(String name) {
        Objects.requireNonNull(name, "queue");
        Set<String> known = new TreeSet<>(queue.queues());
        known.addAll(registry.queues());
        return known;
    }

    /** Workers of queues set at run time, recorded for every instance. */
    public WorkerOverrides workerOverrides() {
        return workerOverrides;
    }

    /** A queue's rate limit, if it has one: where it holds and whether per group. */
    public Optional<QueueControls.QueueRateLimit> rateLimitOf(String queueName) {
        Optional<EngineRateLimits.Kept> kept = rateLimits.of(queueName);
        if (kept.isPresent()) {
            return Optional.of(new QueueControls.QueueRateLimit(kept.get().limit(), kept.get().groupKey(),
                    kept.get().cluster()));
        }
        return queue.rateLimit(queueName).map(limit -> new QueueControls.QueueRateLimit(limit, Optional.empty(), false));
    }

    /**
     * The groups of a queue's rate limit with the most starts within its span, most first, and when
     * each may start next; the whole queue's starts under a limit without a group key. Empty unless the
     * engine keeps the queue's limit (for the cluster, or per group).
     */
    public List<QueueControls.RateLimitGroupUsage> rateLimitUsage(String queueName, int most) {
        Instant now = clock.instant();
        return rateLimits.busiestGroups(queueName, now, most).stream().map(busy -> {
            Duration untilAllowed = rateLimits.untilAllows(busy.group(), now);
            return new QueueControls.RateLimitGroupUsage(busy.group().isWholeQueue() ? Optional.empty()
                    : Optional.of(busy.group().group()), busy.starts(),
                    untilAllowed.isZero() ? Optional.empty() : Optional.of(now.plus(untilAllowed)));
        }).toList();
    }

    /** Forgets the groups of rate limits that started no step for a day (a limit per customer would keep them all). */
    void forgetIdleRateLimitGroups(Instant now) {
        int forgotten = rateLimits.forgetIdleGroups(now);
        if (forgotten > 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "forgot " + forgotten + " rate-limit group(s) idle for a day");
        }
    }

    public FlowRegistry registry() {
        return registry;
    }

    /** Whether the run store keeps a run's labels ({@link FlowStore#keepsLabels}): a trigger's need it too. */
    boolean keepsLabels() {
        return store.keepsLabels();
    }

    /** Whether the run store keeps run deadlines ({@link FlowStore#keepsDeadlines}): a trigger's timeout needs them. */
    boolean keepsDeadlines() {
        return store.keepsDeadlines();
    }

    /**
     * Warns, once at startup, of each flow whose entry step declares a run timeout that the run store cannot keep:
     * every start of it is refused ({@link FlowStore#requireDeadlines}) until the store keeps deadlines.
     */
    void warnIfRunTimeoutsNotKept() {
        if (store.keepsDeadlines()) {
            return;
        }
        for (FlowDefinition flow : registry.flows()) {
            flow.entry().runTimeout().ifPresent(timeout -> LOG.log(System.Logger.Level.WARNING, "NVENT-0402 flow '"
                    + flow.name() + "' declares run timeout " + timeout + " on its entry step '" + flow.entry().name()
                    + "' (@FlowStep(runTimeoutMs)), but run store " + runStoreName() + " keeps no run deadlines"
                    + " (FlowStore.keepsDeadlines is false, written for nvent 0.1): every start of it is refused ("
                    + FlowStore.DEADLINES_UNSUPPORTED + ") until the store keeps them (the memory or the JPA store)"
                    + " or the flow declares none"));
        }
    }

    /** The run's flow if the run is stored and has not ended: a trigger's overlap policy asks it of the runs with its key. */
    Optional<String> flowUnderWay(String runId) {
        return store.findRun(runId).filter(run -> !run.status().isTerminal()).map(RunRecord::flow);
    }

    /** Cancels a run unless it has ended, its {@code flow.cancel} entry giving the reason: a trigger's overlap policy. */
    boolean cancelBecause(String runId, String reason) {
        return operatorActions.cancelBecause(runId, reason);
    }

    /** The run store's class, to name it in a message. */
    String runStoreName() {
        return store.getClass().getName();
    }

    EngineSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- FlowService: runs

    @Override
    public String start(String flow, Object input) {
        Objects.requireNonNull(flow, "flow");
        return start(flow, json.toJson(input, "input of flow '" + flow + "'"), StartOptions.DEFAULTS).runId();
    }

    @Override
    public String startWithJson(String flow, String jsonInput) {
        Objects.requireNonNull(flow, "flow");
        return start(flow, json.validate(jsonInput, "input of flow '" + flow + "'"), StartOptions.DEFAULTS).runId();
    }

    @Override
    public StartedRun start(String flow, Object input, StartOptions options) {
        Objects.requireNonNull(flow, "flow");
        return start(flow, json.toJson(input, "input of flow '" + flow + "'"), options);
    }

    @Override
    public StartedRun startWithJson(String flow, String jsonInput, StartOptions options) {
        Objects.requireNonNull(flow, "flow");
        return start(flow, json.validate(jsonInput, "input of flow '" + flow + "'"), options);
    }

    /**
     * A start with a key creates a run that holds the key in the store, whose refusal of a second
     * holder makes the key's first start the only one, across instances: a racing second start
     * fails to create its run and returns the first's.
     */
    private StartedRun start(String flowName, String inputJson, StartOptions options) {
        return start(flowName, inputJson, options, Optional.empty(), Optional.empty());
    }

    /**
     * Starts a run as {@code options} say, as a child of {@code parentRunId} if given. Without a key
     * in the options, a start that {@code executionKey} names (a step execution's, see
     * {@link ChildStarts}) is made once under that key, whatever the input.
     */
    private StartedRun start(String flowName, String inputJson, StartOptions options, Optional<String> parentRunId,
                             Optional<String> executionKey) {
        Objects.requireNonNull(options, "options");
        FlowDefinition flow = registry.require(flowName);
        Optional<Duration> delay = options.delay();
        if (delay.isPresent() && flow.entry().awaitBefore().isPresent()) {
            throw new IllegalArgumentException("flow '" + flowName + "' cannot start delayed: its entry step '"
                    + flow.entry().name() + "' waits before it runs already (@AwaitBefore)");
        }
        JsonText data = JsonText.object();
        parentRunId.ifPresent(parent -> data.str("parentRunId", parent));
        Optional<StartKey> key = options.idempotencyKey().map(StartKey::callers)
                .or(() -> executionKey.map(StartKey::execution));
        Optional<String> concurrencyKey = options.concurrencyKey();
        concurrencyKey.ifPresent(k -> requireConcurrencyKeys(k, options.concurrencyLimit()));
        if (key.isEmpty()) {
            requireReadableByEntry(flow, inputJson);
            return new StartedRun(createAndSchedule(flow, inputJson, parentRunId, Map.of(), Map.of(),
                    flow.entry(), data, delay, Optional.empty(), Optional.empty(), concurrencyKey,
                    options.concurrencyLimit(), options.labels(), runTimeout(flow, options)), true);
        }
        return startOnce(flow, inputJson, parentRunId, key.get(), data.str("idempotencyKey", key.get().key()), delay,
                concurrencyKey, options.concurrencyLimit(), options.labels(), options.timeout(),
                runTimeout(flow, options));
    }

    /**
     * Refuses a start with a concurrency key before its run exists when the store cannot hold keys
     * (one written for nvent 0.1): its run would wait for ever. Asked once, by settling the key. A limit above 1
     * the store cannot keep is refused too: its runs would take turns one at a time.
     */
    private void requireConcurrencyKeys(String key, int limit) {
        scheduling.requireConcurrencyLimit(limit);
        if (!concurrencyKeysSupported) {
            scheduling.settleConcurrencyKey(store, key, clock.instant());
            concurrencyKeysSupported = true;
        }
    }

    /**
     * An idempotency key as a start is given it: the key (as the run's {@code flow.start} entry records
     * it), the text the store's key is derived from (the key in its scope: a trigger's, a step
     * execution's, or none for a caller's) and whether an earlier run with the key must have had the
     * same input, and the same labels.
     */
    private record StartKey(String key, String seed, boolean sameInput, boolean sameLabels) {

        private StartKey(String key, String seed, boolean sameInput) {
            this(key, seed, sameInput, false);
        }

        /**
         * A key of the caller's: another input, or other labels, with it is a mistake. A trigger's keys compare
         * the input only: the labels of its fires are mostly the trigger's, which an operator may change between
         * a webhook's delivery and the sender's retry of it.
         */
        static StartKey callers(String key) {
            return new StartKey(key, key, true, true);
        }

        /** A sender's key for a trigger's fire, per trigger. */
        static StartKey trigger(String trigger, String key) {
            return new StartKey(key, "trigger " + trigger + '\u0000' + key, true);
        }

        /**
         * A publish's key for the run a trigger of its event starts: per event, payload and trigger, and apart from
         * the keys of callers and of fires, which hold no control character.
         */
        static StartKey published(EventTriggers.PublishKey publish, String trigger) {
            return new StartKey(publish.key(), "publish " + publish.event() + '\u0000' + "trigger " + trigger
                    + '\u0000' + publish.payloadDigest() + '\u0000' + publish.key(), true);
        }

        /**
         * A step execution's key for a child run: an execution that runs again as the same attempt
         * gets the earlier child, also when it gives another input (a timestamp in it, say).
         */
        static StartKey execution(String key) {
            return new StartKey(key, ChildStarts.SCOPE + key, false);
        }
    }

    /**
     * Starts a run of {@code flow} holding the key, unless a run holds it: then it is the run an
     * earlier start with the same key created, and must have had the same input if the key says so (and a caller's
     * key the same labels and, where the start gives its own timeout, the same timeout). A
     * deleted run frees its key, and the next start gets a new run with a new id: an id of its own,
     * since queues remember the jobs of a run id long after the run is gone.
     */
    private StartedRun startOnce(FlowDefinition flow, String inputJson, Optional<String> parentRunId, StartKey key,
                                 JsonText startData, Optional<Duration> delay, Optional<String> concurrencyKey,
                                 int concurrencyLimit, Set<String> labels, Optional<Duration> ownTimeout,
                                 Optional<Duration> timeout) {
        return startOnce(flow, inputJson, parentRunId, key, startData, delay, concurrencyKey, concurrencyLimit, labels,
                ownTimeout, timeout, Overlap.ALLOW_ALL);
    }

    /** @param claim as {@link #startFromTrigger(String, String, String, StartOptions, Optional, Overlap)}'s */
    private StartedRun startOnce(FlowDefinition flow, String inputJson, Optional<String> parentRunId, StartKey key,
                                 JsonText startData, Optional<Duration> delay, Optional<String> concurrencyKey,
                                 int concurrencyLimit, Set<String> labels, Optional<Duration> ownTimeout,
                                 Optional<Duration> timeout, Overlap claim) {
        String storedKey = storedKey(flow.name(), key.seed());
        // Starts with one key on this instance take turns, so the loser of a race finds the winner's run
        // rather than failing an insert (which stores log); across instances the store decides.
        CreatedRun created;
        synchronized (stripeOf(storedKey)) {
            Optional<StartedRun> earlier = earlierStart(storedKey, flow.name(), key, inputJson, labels, ownTimeout);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            requireReadableByEntry(flow, inputJson);
            try {
                created = create(flow, inputJson, parentRunId, Map.of(), Map.of(), flow.entry(), startData, delay,
                        Optional.of(new HeldKey(key.key(), storedKey)), Optional.empty(), concurrencyKey,
                        concurrencyLimit, labels, timeout);
            } catch (NventException raced) {
                return earlierStart(storedKey, flow.name(), key, inputJson, labels, ownTimeout)
                        .orElseThrow(() -> raced);
            }
        }
        // Scheduled, and its start told, once the stripe is free: an @Observes RunStarted, which runs as the start
        // is told, holds up no other start whose key shares the stripe. A repeat of the key finds the run stored.
        try {
            return new StartedRun(schedule(created, claim), true);
        } catch (NventException failed) {
            return earlierStart(storedKey, flow.name(), key, inputJson, labels, ownTimeout).orElseThrow(() -> failed);
        }
    }

    /** The lock that starts with one stored key on this instance take turns on. */
    private Object stripeOf(String storedKey) {
        return keyStripes[Math.floorMod(storedKey.hashCode(), keyStripes.length)];
    }

    /**
     * The key a run is started with: as its starter gave it (the run shows it) and as the store holds it
     * ({@link #storedKey}).
     */
    private record HeldKey(String given, String stored) {
    }

    /** The key as stores hold it: fixed length, whatever the caller's key, and per flow and scope. */
    static String storedKey(String flow, String keySeed) {
        return UUID.nameUUIDFromBytes((flow + '\u0000' + keySeed).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    @Override
    public Optional<RunInfo> runByIdempotencyKey(String flow, String idempotencyKey) {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        return runHoldingKey(storedKey(flow, idempotencyKey)).map(RunRecord::toInfo);
    }

    /**
     * The run holding the key; else one whose id is the stored key, as runs of keyed starts were
     * identified before stores held keys.
     */
    private Optional<RunRecord> runHoldingKey(String storedKey) {
        return store.findRunByKey(storedKey).or(() -> store.findRun(storedKey));
    }

    /**
     * @param ownTimeout the start's own timeout ({@link StartOptions#timeout()}), compared for a caller's key with the
     *     timeout the earlier run was started with (its own or its flow's): its length, which a retry of the run keeps
     *     while it moves the deadline; empty compares none
     */
    private Optional<StartedRun> earlierStart(String storedKey, String flow, StartKey key, String inputJson,
                                              Set<String> labels, Optional<Duration> ownTimeout) {
        // A step execution's keys are newer than runs identified by their key: one read, not two.
        Optional<RunRecord> holder = key.sameInput() ? runHoldingKey(storedKey) : store.findRunByKey(storedKey);
        return holder.map(run -> {
            if (!JsonMatch.sameJson(run.input(), inputJson)) {
                if (key.sameInput()) {
                    throw new IdempotencyKeyConflictException(flow, key.key(), run.runId());
                }
                LOG.log(System.Logger.Level.INFO, "NVENT-0537 run {0} of flow {1} was started under key {2} by an"
                        + " earlier execution of the same step attempt, with another input than this execution"
                        + " gives: that run is returned, with the input it was started with", run.runId(), flow,
                        key.key());
            }
            // As sets: the order a caller gives them in, or a label given twice, makes no other request.
            if (key.sameLabels() && !run.labels().equals(labels)) {
                throw IdempotencyKeyConflictException.ofLabels(flow, key.key(), run.runId(), run.labels(), labels);
            }
            if (key.sameLabels() && ownTimeout.isPresent() && !run.timeout().equals(ownTimeout)) {
                throw IdempotencyKeyConflictException.ofTimeout(flow, key.key(), run.runId(), run.timeout(),
                        ownTimeout.get());
            }
            return new StartedRun(run.runId(), false);
        });
    }

    /**
     * Starts a run for a trigger fire; the payload is the run's input. With a key (a webhook
     * sender's delivery id), once per trigger, flow and key: the key's runs are the trigger's own,
     * apart from runs started directly with the same key. With a delay, as a delayed start. With a
     * concurrency key (the trigger's, {@link TriggerConcurrencyKey}), as a start with that key.
     */
    StartedRun startFromTrigger(String flowName, String payloadJson, String trigger, StartOptions options) {
        return startFromTrigger(flowName, payloadJson, trigger, options, Optional.empty());
    }

    /**
     * @param published the key of the publish whose event fires the trigger: its run of the flow is started once
     *     with it, as with a fire's key
     */
    StartedRun startFromTrigger(String flowName, String payloadJson, String trigger, StartOptions options,
                                Optional<EventTriggers.PublishKey> published) {
        return startFromTrigger(flowName, payloadJson, trigger, options, published, Overlap.ALLOW_ALL);
    }

    /**
     * @param claim the policy of the trigger whose fire's run decides whether the fire starts, once the store settled
     *     its concurrency key: under {@link Overlap#SKIP} it goes on only if no other run under way holds the key or
     *     waited for it longer, under {@link Overlap#BUFFER_ONE} only if no other run of its flow waits ahead of it;
     *     else it is removed again and {@link OverlapTakenException} names the other run. {@link Overlap#ALLOW_ALL}
     *     for a run that claims nothing
     */
    StartedRun startFromTrigger(String flowName, String payloadJson, String trigger, StartOptions options,
                                Optional<EventTriggers.PublishKey> published, Overlap claim) {
        FlowDefinition flow = registry.require(flowName);
        scheduling.requireConcurrencyLimit(options.concurrencyLimit());
        Optional<Duration> delay = options.delay();
        Optional<StartKey> key = triggerStartKey(trigger, options, published);
        if (key.isPresent()) {
            return startOnce(flow, payloadJson, Optional.empty(), key.get(),
                    JsonText.object().str("trigger", trigger).str("idempotencyKey", key.get().key()), delay,
                    options.concurrencyKey(), options.concurrencyLimit(), options.labels(), Optional.empty(),
                    runTimeout(flow, options), claim);
        }
        requireReadableByEntry(flow, payloadJson);
        return new StartedRun(schedule(create(flow, payloadJson, Optional.empty(), Map.of(), Map.of(), flow.entry(),
                JsonText.object().str("trigger", trigger), delay, Optional.empty(), Optional.empty(),
                options.concurrencyKey(), options.concurrencyLimit(), options.labels(), runTimeout(flow, options)),
                claim), true);
    }

    /**
     * Checks that a debounced trigger's fire can start its run of the flow, before a slot is opened for it: the flow
     * is deployed, its entry step can start delayed and read the payload.
     *
     * @throws IllegalArgumentException if the entry step waits before it runs already ({@code @AwaitBefore})
     * @throws InvalidPayloadException if the entry step cannot read the payload
     */
    void requireDebounceable(String flowName, String payloadJson, String trigger) {
        requireDelayable(flowName, payloadJson, trigger, "debounced");
    }

    /**
     * Checks that a batching trigger's fire can be appended to a batch of the flow, before it is: as
     * {@link #requireDebounceable}, the entry step reading the run's input (a batch of the one payload,
     * {@link TriggerDebounce#batchInput}). The constraints checked are the event's, not the batch's: those Bean Validation checks
     * of the batch's element {@code events[0]} ({@code List<@Valid Event>}, {@code List<@NotBlank String>}); a batch of one
     * would break a {@code @Size(min = 2)} of every first fire. The batch as a whole is checked when its run starts
     * (NVENT-0028, {@link AwaitResolution}).
     *
     * @throws InvalidPayloadException ({@code NVENT-0029}) if the payload breaks the constraints of the event class
     */
    void requireBatchable(String flowName, String payloadJson, String trigger, String batchKey) {
        FlowDefinition flow = requireDelayable(flowName, trigger, "batched");
        Optional<Object> batchOfOne = readEntryInput(flow, TriggerDebounce.batchInput("[" + payloadJson + "]", 1,
                batchKey));
        if (batchOfOne.isEmpty()) {
            return;
        }
        // Only what Bean Validation checks of the event inside the batch (events[0]...: its class's constraints when
        // cascaded to with @Valid, its element constraints): never the batch's own (events' @Size, count, the class's).
        String what = "event of batching trigger '" + trigger + "' for flow '" + flow.name() + "'";
        List<PayloadViolation> violations = inputConstraints.violations(batchOfOne.get(), what).stream()
                .filter(v -> v.path().startsWith("events[0]"))
                .map(v -> new PayloadViolation(v.path().startsWith("events[0].") ? v.path().substring(10) : v.path(),
                        v.message(), v.invalidValue()))
                .toList();
        if (!violations.isEmpty()) {
            throw new InvalidPayloadException("NVENT-0029 " + what + " is not valid: "
                    + InputConstraints.describe(violations) + " (the constraints of the entry step's events); nothing"
                    + " was appended or started", violations);
        }
    }

    private void requireDelayable(String flowName, String payloadJson, String trigger, String done) {
        requireReadableByEntry(requireDelayable(flowName, trigger, done), payloadJson);
    }

    private FlowDefinition requireDelayable(String flowName, String trigger, String done) {
        FlowDefinition flow = registry.require(flowName);
        if (flow.entry().awaitBefore().isPresent()) {
            throw new IllegalArgumentException("trigger '" + trigger + "' is " + done + " and cannot start flow '" + flowName
                    + "' delayed: its entry step '" + flow.entry().name() + "' waits before it runs already (@AwaitBefore)");
        }
        return flow;
    }

    /**
     * Starts a debounced trigger's pending run of a flow under the id its slot names ({@link TriggerDebounce}): delayed
     * by the debounce, as a delayed start; it takes the latest payload folded into its slot when it starts.
     */
    StartedRun startDebounced(String flowName, String runId, String payloadJson, String trigger, StartOptions options,
                              Optional<EventTriggers.PublishKey> published, io.nvent.Debounce debounce,
                              String debounceKey) {
        JsonText startData = JsonText.object().str("trigger", trigger).str("debounceKey", debounceKey);
        debounce.max().ifPresent(max -> startData.str("debounceMaxAt", clock.instant().plus(max).toString()));
        return startPending(flowName, runId, payloadJson, trigger, options, published, startData, debounce.window());
    }

    /**
     * Starts a batching trigger's pending run of a flow under the id its slot names ({@link TriggerDebounce}): delayed
     * by the batch window, its input the batch of the one fire that opened it ({@link TriggerDebounce#batchInput}); it
     * takes the batch of its slot when it starts.
     */
    StartedRun startBatched(String flowName, String runId, String payloadJson, String trigger, StartOptions options,
                            Optional<EventTriggers.PublishKey> published, io.nvent.Batch batch, String batchKey) {
        JsonText startData = JsonText.object().str("trigger", trigger).str("batchKey", batchKey)
                .num("batchMax", batch.max());
        return startPending(flowName, runId, TriggerDebounce.batchInput("[" + payloadJson + "]", 1, batchKey),
                trigger, options, published, startData, batch.window());
    }

    private StartedRun startPending(String flowName, String runId, String inputJson, String trigger,
                                    StartOptions options, Optional<EventTriggers.PublishKey> published,
                                    JsonText startData, Duration delay) {
        FlowDefinition flow = registry.require(flowName);
        scheduling.requireConcurrencyLimit(options.concurrencyLimit());
        // The fire's key, held as a keyed fire's run holds it: a retry of it after the run started finds the run.
        Optional<StartKey> key = triggerStartKey(trigger, options, published);
        key.ifPresent(k -> startData.str("idempotencyKey", k.key()));
        return new StartedRun(schedule(create(runId, flow, inputJson, Optional.empty(), Map.of(), Map.of(),
                flow.entry(), startData, Optional.of(delay),
                key.map(k -> new HeldKey(k.key(), storedKey(flow.name(), k.seed()))), Optional.empty(),
                options.concurrencyKey(),
                options.concurrencyLimit(), options.labels(), runTimeout(flow, options))), true);
    }

    /**
     * The run an earlier fire with this fire's key (a sender's retry, a publish's) opened for a debounced trigger
     * ({@link #startDebounced}), pending or started: the fire is a repeat, and folds nothing. Empty for a fire without
     * a key, and for one whose key opened no run still stored.
     */
    Optional<StartedRun> debouncedRepeat(String flowName, String trigger, StartOptions options,
                                         Optional<EventTriggers.PublishKey> published) {
        return triggerStartKey(trigger, options, published)
                .flatMap(key -> runHoldingKey(storedKey(flowName, key.seed())))
                .map(run -> new StartedRun(run.runId(), false));
    }

    /**
     * Claims the key of a fire of a debounced or batching trigger ({@link RequestKeys#fireClaim}) before it is folded
     * or appended, so that its retry, on any instance and after the run started, is answered with the run it went into
     * ({@link #keepFireKey}). Empty for a fire without a key, and with a store that keeps no request keys (a retry
     * then folds once more, or is appended once while its batch is pending).
     *
     * @throws FireKeyConflictException (NVENT-0450) if an earlier fire gave the key with another payload
     */
    Optional<FireKeyClaim> claimFireKey(String flowName, String trigger, StartOptions options,
                                        Optional<EventTriggers.PublishKey> published, String payloadJson) {
        Optional<StartKey> key = triggerStartKey(trigger, options, published);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        RequestKey claim = requestKeys.fireClaim(flowName, key.get().seed(), payloadJson);
        Optional<RequestKey> earlier;
        try {
            earlier = scheduling.claimRequestKey(claim, claim.createdAt());
        } catch (io.nvent.UnsupportedByAdapterException | UnsupportedOperationException cannot) {
            return Optional.empty();   // a store written before 0.2 keeps no request keys
        }
        if (earlier.filter(first -> RequestKeys.isOtherFire(first, claim)).isPresent()) {
            throw new FireKeyConflictException(trigger, flowName, key.get().key(), earlier.get().response());
        }
        earlier.ifPresent(first -> requestKeys.refuseFireUnderWay(first, key.get().key(), "a fire of trigger '"
                + trigger + "' for flow '" + flowName + "'"));
        return Optional.of(new FireKeyClaim(claim, earlier));
    }

    /** Keeps the key of a fire claimed ({@link #claimFireKey}) with the run it went into, for its retries. */
    void keepFireKey(FireKeyClaim fire, String runId) {
        try {
            scheduling.answerRequestKey(fire.claim().withResponse(runId));
        } catch (RuntimeException e) {
            // The fire went into the run all the same; its retry finds the claim unanswered and folds once more.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0447 a fire went into pending run " + runId + ", but the"
                    + " store could not keep its idempotency key with the run (" + e + "): a retry of it is folded into"
                    + " (or appended to) the pending run of its key once more instead of being answered with " + runId, e);
        }
    }

    /** Gives up the key of a fire claimed ({@link #claimFireKey}) that went into no run, so that its retry does. */
    void forgetFireKey(FireKeyClaim fire, RuntimeException failed) {
        try {
            scheduling.forgetRequestKey(fire.claim());
        } catch (RuntimeException notForgotten) {
            failed.addSuppressed(notForgotten);
        }
    }

    /**
     * A fire's key claimed for a debounced or batching trigger, and the claim an earlier fire with it made, if any.
     *
     * @param claim this fire's claim
     * @param earlier the claim found instead: an earlier fire's, answered with its run once it went into one
     */
    record FireKeyClaim(RequestKey claim, Optional<RequestKey> earlier) {

        /** Whether this fire claimed the key, and keeps it with the run it goes into. */
        boolean claimed() {
            return earlier.isEmpty();
        }
    }

    /**
     * Applies to a debounced or batching trigger's run just stored the fires folded into or appended to its slot while
     * it was being stored: their instances found no run to update, so its start is moved (a debounce's, to the latest
     * fold's due time, with its payload as the input; a batch's, to now if the batch closed) and its history says so.
     * A failure is logged, not thrown: the run is stored, and takes its slot as it starts.
     */
    void applyFoldsWhileStored(String runId, String key, Optional<io.nvent.Batch> batch) {
        try {
            scheduling.debounceSlotOf(runId).filter(slot -> slot.folded() > 0).ifPresent(slot -> {
                if (batch.isPresent()) {
                    batchAppended(new io.nvent.spi.BatchedFire(runId, slot.firstFireAt(), slot.dueAt(),
                            slot.folded() + 1, true, slot.closed()), batch.get().max(), key);
                } else {
                    foldDebounced(new DebouncedFire(runId, slot.firstFireAt(), slot.dueAt(), slot.folded()),
                            slot.payloadJson(), key);
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0445 pending run " + runId + " was stored, but the fires of"
                    + " key '" + key + "' that went into its slot meanwhile could not be applied to it (" + e + "): it"
                    + " starts at the time it was stored with, with the payloads its slot holds then", e);
        }
    }

    /**
     * Stores the run of a debounced or batching trigger's slot whose instance stopped before it stored it (the
     * maintenance sweep finds the slot due and no run): under the id the slot names, so that of instances recovering
     * it at once one stores it (the others find the id taken), starting at once with the slot's payload(s).
     *
     * @param recovered what its {@code flow.start} entry says of the recovery
     * @return the run stored; empty if another instance stored it first
     */
    Optional<StartedRun> startRecovered(io.nvent.spi.PendingSlot slot, String flowName, String trigger,
                                        StartOptions options, String key, Optional<io.nvent.Batch> batch,
                                        String recovered) {
        String input = batch.isPresent() ? TriggerDebounce.batchInput(slot.payloadJson(), slot.folded() + 1, key)
                : slot.payloadJson();
        JsonText startData = JsonText.object().str("trigger", trigger).str(batch.isPresent() ? "batchKey"
                : "debounceKey", key);
        batch.ifPresent(b -> startData.num("batchMax", b.max()));
        startData.str("recovered", recovered);
        try {
            return Optional.of(startPending(flowName, slot.runId(), input, trigger, options, Optional.empty(), startData,
                    Duration.ZERO));
        } catch (RuntimeException taken) {
            // A store refuses a second run under one id, each in its own words: the run there decides.
            if (store.findRun(slot.runId()).isPresent()) {
                return Optional.empty();
            }
            throw taken;
        }
    }

    /** The key a trigger's fire is kept by in a batch ({@link SchedulingStore#appendBatch}); empty for none. */
    Optional<String> triggerFireKey(String trigger, StartOptions options,
                                    Optional<EventTriggers.PublishKey> published) {
        return triggerStartKey(trigger, options, published).map(StartKey::key);
    }

    /**
     * Records a fire appended to a batching trigger's pending run ({@code run.batched}) and, when its batch closed,
     * starts the run now.
     *
     * @return {@code false} if the run has started: it took its slot's batch as it started, unless the slot still
     *     names it (its start failed to take it, NVENT-0013)
     */
    boolean batchAppended(io.nvent.spi.BatchedFire appended, int max, String batchKey) {
        Instant now = clock.instant();
        String data = JsonText.object().num("count", appended.count()).num("batchMax", max).str("batchKey", batchKey)
                .str("startAt", (appended.closed() ? now : appended.dueAt()).toString())
                .str("firstFireAt", appended.firstFireAt().toString()).raw("full", String.valueOf(appended.closed())).build();
        // Not stored yet (being stored on the instance that opened the slot: it starts at the opener's due time with
        // the batch), or counted already (by the fire or by the opener, whichever came first: once is enough).
        Applied applied = applyOnce(appended.runId(), EventType.RUN_BATCHED, "count", appended.count(),
                run -> pendingEntry(run).map(pending -> new RunChange(pending,
                        List.of(EventDraft.ofRun(EventType.RUN_BATCHED, now, data)))));
        if (applied.counted()) {
            if (appended.closed()) {
                awaitResolution.postponeDelayedStart(appended.runId(), now);   // its wait may have been saved since
            }
            return true;
        }
        Optional<StoredChange> change = applied.change();
        change.ifPresent(c -> {
            publisher.publish(c.run().flow(), c.events());
            if (appended.closed()) {
                awaitResolution.postponeDelayedStart(appended.runId(), now);
            }
        });
        return change.isPresent();
    }

    /** The run, if its entry step still waits for its delayed start (a debounced or batching trigger's pending run). */
    private Optional<RunRecord> pendingEntry(RunRecord run) {
        FlowDefinition flow = registry.flow(run.flow()).orElse(null);
        return flow == null || run.status() != RunStatus.AWAITING
                || run.steps().get(flow.entry().name()) != StepStatus.AWAITING ? Optional.empty() : Optional.of(run);
    }

    /** The status of a stored run; empty if there is none (not yet created, or deleted). */
    Optional<RunStatus> runStatus(String runId) {
        return store.findRun(runId).map(RunRecord::status);
    }

    /**
     * Folds a debounced trigger's fire into its pending run: the run's input is the fire's payload, its history says
     * so ({@code run.debounced}), and its start is put off to the slot's new due time. A run that has started meanwhile
     * is left as it is. A fold the run already counts (its history has a {@code run.debounced} of as many folds or
     * more) is left out: the fire and the instance that stored the run ({@link #applyFoldsWhileStored}) may both apply
     * it, and a fold that comes late must not put back an older payload.
     *
     * @return {@code false} if the run has started: it took the slot's payload as it started, unless the slot still
     *     names it (its start failed to take it, NVENT-0013)
     */
    boolean foldDebounced(DebouncedFire fold, String payloadJson, String debounceKey) {
        Instant now = clock.instant();
        String data = JsonText.object().num("folded", fold.folded()).str("debounceKey", debounceKey)
                .str("startAt", fold.dueAt().toString()).str("firstFireAt", fold.firstFireAt().toString())
                .raw("input", payloadJson).build();
        // Not stored yet: its slot was opened a moment ago on another instance, which is storing it; the fold is in the
        // slot, whose payload the run takes as it starts, and that instance applies it once the run is stored.
        Applied applied = applyOnce(fold.runId(), EventType.RUN_DEBOUNCED, "folded", fold.folded(),
                run -> updatedByFold(run, payloadJson, now, data));
        if (applied.counted()) {
            // Its start is put off all the same: the fold may have been applied before the run's wait was saved.
            awaitResolution.putOffDelayedStart(fold.runId(), fold.dueAt());
            return true;
        }
        applied.change().ifPresent(c -> {
            publisher.publish(c.run().flow(), c.events());
            awaitResolution.putOffDelayedStart(fold.runId(), fold.dueAt());
        });
        return applied.change().isPresent();
    }

    /**
     * A fold or an append applied to a pending run ({@link #applyOnce}).
     *
     * @param counted whether the run was not stored (yet), or counted it already: nothing was changed
     * @param change the change stored; empty if the run has started (or {@code counted})
     */
    private record Applied(boolean counted, Optional<StoredChange> change) {
    }

    /**
     * Applies a fold ({@code run.debounced}) or an append ({@code run.batched}) to a pending run once: the fire and the
     * instance that stored the run ({@link #applyFoldsWhileStored}) may both apply it, and one whose count the run's
     * latest such entry reaches is left out.
     */
    private Applied applyOnce(String runId, EventType type, String countField, int count,
                              java.util.function.Function<RunRecord, Optional<RunChange>> change) {
        Optional<StoredChange> stored = Optional.empty();
        for (int attempt = 1; attempt <= 3; attempt++) {
            Optional<RunRecord> seen = store.findRun(runId);
            if (seen.isEmpty() || pendingEntry(seen.get()).isPresent() && counted(runId, type, countField) >= count) {
                return new Applied(true, Optional.empty());
            }
            long version = seen.get().version();
            java.util.concurrent.atomic.AtomicBoolean moved = new java.util.concurrent.atomic.AtomicBoolean();
            boolean last = attempt == 3;
            try {
                stored = store.updateRun(runId, run -> {
                    // Changed since its entries were counted: count again (the last attempt applies it as it finds it).
                    moved.set(!last && run.version() != version);
                    return moved.get() ? Optional.empty() : change.apply(run);
                });
            } catch (RunNotFoundException deleted) {
                return new Applied(true, Optional.empty());
            }
            if (!moved.get()) {
                break;
            }
        }
        return new Applied(false, stored);
    }

    /** The count the pending run's latest entry of the type gives ({@code folded}, {@code count}); 0 for none. */
    private int counted(String runId, EventType type, String countField) {
        return store.readEvents(runId, new EventQuery(Set.of(type), 0, Long.MAX_VALUE, 1, true))
                .stream().findFirst().map(e -> Json.PROVIDER.createReader(new java.io.StringReader(e.data()))
                        .readObject().getInt(countField, 0)).orElse(0);
    }

    private Optional<RunChange> updatedByFold(RunRecord run, String payloadJson, Instant now, String data) {
        return pendingEntry(run).map(pending -> new RunChange(pending.withInput(payloadJson),
                List.of(EventDraft.ofRun(EventType.RUN_DEBOUNCED, now, data))));
    }

    /** The key a trigger's fire starts its run of a flow once with: the publish's, else the sender's; empty for none. */
    private static Optional<StartKey> triggerStartKey(String trigger, StartOptions options,
                                                      Optional<EventTriggers.PublishKey> published) {
        return published.map(publish -> StartKey.published(publish, trigger))
                .or(() -> options.idempotencyKey().map(given -> StartKey.trigger(trigger, given)));
    }

    /**
     * Whether an earlier fire with this fire's key (a sender's retry, a publish's) started a run of the flow that is
     * still stored: {@link #startFromTrigger} would hand that run back, so the trigger's overlap policy must not count
     * it against the fire.
     */
    boolean startedByEarlierFire(String flowName, String trigger, StartOptions options,
                                 Optional<EventTriggers.PublishKey> published) {
        return triggerStartKey(trigger, options, published)
                .flatMap(key -> runHoldingKey(storedKey(flowName, key.seed()))).isPresent();
    }

    /**
     * How long a run started with {@code options} may take: the start's own timeout, else the flow's, declared on
     * its entry step; empty for no deadline.
     */
    private static Optional<Duration> runTimeout(FlowDefinition flow, StartOptions options) {
        return options.timeout().or(() -> flow.entry().runTimeout());
    }

    /**
     * Refuses input that the entry step could not read, before a run exists: the caller gets the
     * error (a 400 on the API) instead of a run that fails. JSON objects for JSON-P or map inputs are
     * only checked for being objects: reading them twice would cost every start.
     */
    private void requireReadableByEntry(FlowDefinition flow, String inputJson) {
        Optional<Object> input = readEntryInput(flow, inputJson);
        if (input.isEmpty()) {
            return;
        }
        String what = "input of flow '" + flow.name() + "' for step '" + flow.entry().name() + "'";
        List<PayloadViolation> violations = inputConstraints.violations(input.get(), what);
        if (!violations.isEmpty()) {
            throw new InvalidPayloadException(what + " is not valid: " + InputConstraints.describe(violations),
                    violations);
        }
    }

    /**
     * The input as the entry step reads it, for its constraints; empty for a type any JSON object reads as.
     *
     * @throws InvalidPayloadException if the entry step cannot read it
     */
    private Optional<Object> readEntryInput(FlowDefinition flow, String inputJson) {
        Optional<StepBinding> entry = registry.binding(flow.name(), flow.entry().name());
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        Type type = entry.get().inputType();
        Class<?> raw = type instanceof Class<?> c ? c
                : type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
        if (raw == Object.class || raw == String.class || raw == JsonValue.class
                || inputJson.strip().equals("null")) {
            return Optional.empty();   // any JSON reads as these types, and null as any (a step may take no input)
        }
        String what = "input of flow '" + flow.name() + "' for step '" + flow.entry().name() + "'";
        boolean objectOnly = InputProperties.userClass(type).isPresent();
        if (objectOnly || raw == JsonObject.class || (raw != null && Map.class.isAssignableFrom(raw))) {
            if (!inputJson.stripLeading().startsWith("{")) {
                // Said in JSON's terms, not the step's Java type: the sender may be a webhook's, who knows no Java.
                throw new InvalidPayloadException(what + " must be a JSON object, got " + Json.kindOf(inputJson));
            }
            if (!objectOnly) {
                return Optional.empty();
            }
        }
        return Optional.ofNullable(json.readInput(inputJson, type, what));
    }

    /**
     * Creates a run from the input of {@code original} (a restart or rerun of it) whose given steps and
     * emissions are already done, and schedules its first step, having run {@code cancelOriginal}; unless
     * {@code original} was deleted meanwhile (see {@link #createAndSchedule(FlowDefinition, String, Optional, Map,
     * Map, StepDefinition, JsonText, Optional, Optional, Optional, Optional, int, Set, Optional)}). With an
     * idempotency key, as a start with one ({@link #startOnce}): the key is a caller's key of the flow, which the store lets one run
     * hold, so a repeat of {@code copy} (a retry, on any instance, also racing the first) returns the run the
     * first created ({@link #earlierCopy}); a run holding the key that another request made is refused.
     *
     * <p>With a key the copy is stored first, taking the key, and {@code cancelOriginal} runs only then, before
     * the copy's first step is scheduled: a request refused because another one took the key after this one
     * found it free, on any instance, has changed nothing. A request that stopped between the steps (its
     * instance died) leaves a copy whose original may still be active; its repeat finishes the restart, or, before
     * that, the lost-job sweep or an await letting the copy's first step go on, canceling an active original
     * first ({@link OperatorActions#finishStoppedRestart}).
     */
    private StartedRun createCopyAndSchedule(FlowDefinition flow, RunRecord original, Map<String, StepStatus> doneSteps,
                                             Map<String, String> doneEvents, StepDefinition first,
                                             OperatorActions.Copy copy, Optional<String> idempotencyKey,
                                             Runnable cancelOriginal) {
        if (idempotencyKey.isEmpty()) {
            cancelOriginal.run();
            return new StartedRun(schedule(createCopy(flow, original, doneSteps, doneEvents, first, copy.startData(),
                    Optional.empty())), true);
        }
        String key = idempotencyKey.get();
        String storedKey = storedKey(flow.name(), StartKey.callers(key).seed());
        CreatedRun created;
        synchronized (stripeOf(storedKey)) {
            Optional<StartedRun> earlier = earlierCopy(storedKey, flow.name(), key, copy, cancelOriginal);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            try {
                created = createCopy(flow, original, doneSteps, doneEvents, first,
                        copy.startData().str("idempotencyKey", key), Optional.of(new HeldKey(key, storedKey)));
            } catch (RunNotFoundException originalDeleted) {
                throw originalDeleted;
            } catch (NventException raced) {
                return earlierCopy(storedKey, flow.name(), key, copy, cancelOriginal).orElseThrow(() -> raced);
            }
            try {
                cancelOriginal.run();
            } catch (RuntimeException | Error failed) {
                created.publishStart().run();   // the copy stays: a repeat of the request, or the sweep, goes on
                created.tellStarted().run();    // with it
                throw failed;
            }
        }
        // Outside the stripe, as a keyed start's (startOnce); a repeat meanwhile schedules it too, which is harmless.
        return new StartedRun(schedule(created), true);
    }

    private CreatedRun createCopy(FlowDefinition flow, RunRecord original, Map<String, StepStatus> doneSteps,
                                  Map<String, String> doneEvents, StepDefinition first, JsonText startData,
                                  Optional<HeldKey> idempotencyKey) {
        return create(flow, original.input(), original.parentRunId(), doneSteps, doneEvents, first,
                startData, Optional.empty(), idempotencyKey, Optional.of(original.runId()), original.concurrencyKey(),
                original.concurrencyLimit(), original.labels(),
                original.timeout().or(() -> flow.entry().runTimeout()));   // as long a deadline, from the copy's start
    }

    /**
     * The run a keyed restart or rerun made, for a repeat of it: looked for under the key in {@code flow}, the
     * original's flow, or, the original deleted, in each deployed flow (a run another request made there is then
     * no answer: this request's flow is unknown). See {@link #earlierCopy(String, String, String,
     * OperatorActions.Copy, Runnable)}.
     */
    private Optional<StartedRun> earlierCopy(Optional<String> flow, String key, OperatorActions.Copy copy,
                                             Runnable cancelOriginal) {
        if (flow.isPresent()) {
            return earlierCopy(storedKey(flow.get(), StartKey.callers(key).seed()), flow.get(), key, copy,
                    cancelOriginal);
        }
        for (FlowDefinition deployed : registry.flows()) {
            Optional<RunRecord> holder = runHoldingKey(storedKey(deployed.name(), StartKey.callers(key).seed()))
                    .filter(run -> copy.made(OperatorActions.Copy.startEntryOf(store, run)));
            if (holder.isPresent()) {
                return Optional.of(repeated(holder.get(), copy, cancelOriginal));
            }
        }
        return Optional.empty();
    }

    /**
     * The run holding the key, if {@code copy} made it (its {@code flow.start} entry says so, read only when a
     * run holds the key), with what its request may have left undone finished ({@link #repeated}); refused if
     * another request made it: returning that run would answer this one wrongly.
     */
    private Optional<StartedRun> earlierCopy(String storedKey, String flow, String key, OperatorActions.Copy copy,
                                             Runnable cancelOriginal) {
        return runHoldingKey(storedKey).map(holder -> {
            JsonObject startEntry = OperatorActions.Copy.startEntryOf(store, holder);
            if (!copy.made(startEntry)) {
                throw new IdempotencyKeyConflictException(flow, key, holder.runId(),
                        OperatorActions.Copy.describe(startEntry), copy.toString());
            }
            return repeated(holder, copy, cancelOriginal);
        });
    }

    /**
     * The answer to a repeat of the request that made {@code copyRun}, having done again what that request does
     * after storing it, in case it stopped before (its instance died): cancel the original (if still active)
     * and schedule the copy's first step (if still waiting for that). Both are harmless when done already: the
     * queue ignores a job id it holds, a step taken is no longer queued, and a settled concurrency key stays so.
     */
    private StartedRun repeated(RunRecord copyRun, OperatorActions.Copy copy, Runnable cancelOriginal) {
        cancelOriginal.run();
        Optional<StepDefinition> first = registry.flow(copyRun.flow())
                .flatMap(flow -> flow.step(copy.fromStep().orElse(flow.entry().name())));
        if (first.isPresent() && copyRun.status() == RunStatus.AWAITING && copyRun.concurrencyKey().isPresent()) {
            schedule(new CreatedRun(copyRun, copyRun.flow(), first.get(), copyRun.concurrencyKey(), false,
                    () -> { }));
        } else if (first.isPresent() && copyRun.status() == RunStatus.RUNNING
                && copyRun.steps().get(first.get().name()) == StepStatus.QUEUED) {
            schedule(new CreatedRun(copyRun, copyRun.flow(), first.get(), Optional.empty(), true, () -> { }));
        }
        return new StartedRun(copyRun.runId(), false);
    }

    /**
     * Creates a run and schedules its first step, at once, after its before-await, or after
     * {@code delay}: a delayed start is a time await of the first step, so it is stored, swept,
     * shown and resolvable as any other.
     *
     * <p>A run copying {@code copyOf} (a restart or rerun, which read it before) is created only if that
     * run is still stored once the copy is: one deleted meanwhile may have held personal data, which its
     * copy must not keep. The check follows the copy's commit, so a read may see the copy briefly; it is
     * then canceled and deleted before any step of it is scheduled or it is published (a store written for
     * nvent 0.1, which cannot delete a single run, keeps it canceled), and the caller finds the run gone.
     * A deletion after that check is one after the restart.
     *
     * <p>A run with a concurrency key waits for it before its first step: an await of type
     * {@link AwaitType#CONCURRENCY_KEY}, saved before the key is settled, so that a holder ending
     * meanwhile hands the key on to it or to a run that waited longer, never to nobody. With a {@code delay}
     * too, it waits for the delay first, not holding the key: the delay's time await carries the key, and
     * the run joins the key's line once it resolves ({@link AwaitResolution#delayedStartWithKey}).
     *
     * @throws RunNotFoundException if the run {@code copyOf} names was deleted meanwhile
     */
    private String createAndSchedule(FlowDefinition flow, String inputJson, Optional<String> parentRunId,
                                     Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                                     StepDefinition first, JsonText startData, Optional<Duration> delay,
                                     Optional<HeldKey> idempotencyKey, Optional<String> copyOf,
                                     Optional<String> concurrencyKey, int concurrencyLimit, Set<String> labels,
                                     Optional<Duration> timeout) {
        return schedule(create(flow, inputJson, parentRunId, doneSteps, doneEvents, first, startData, delay,
                idempotencyKey, copyOf, concurrencyKey, concurrencyLimit, labels, timeout));
    }

    /**
     * {@link #createAndSchedule(FlowDefinition, String, Optional, Map, Map, StepDefinition, JsonText, Optional,
     * Optional, Optional, Optional, int, Set, Optional) createAndSchedule} up to scheduling the first step
     * ({@link #schedule}).
     */
    private CreatedRun create(FlowDefinition flow, String inputJson, Optional<String> parentRunId,
                              Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                              StepDefinition first, JsonText startData, Optional<Duration> delay,
                              Optional<HeldKey> idempotencyKey, Optional<String> copyOf,
                              Optional<String> concurrencyKey, int concurrencyLimit, Set<String> labels,
                              Optional<Duration> timeout) {
        return create(UUID.randomUUID().toString(), flow, inputJson, parentRunId, doneSteps, doneEvents, first,
                startData, delay, idempotencyKey, copyOf, concurrencyKey, concurrencyLimit, labels, timeout);
    }

    /** As {@link #create(FlowDefinition, String, Optional, Map, Map, StepDefinition, JsonText, Optional, Optional,
     * Optional, Optional, int, Set, Optional) create}, under a run id chosen before (a debounced run's). */
    private CreatedRun create(String runId, FlowDefinition flow, String inputJson, Optional<String> parentRunId,
                              Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                              StepDefinition first, JsonText startData, Optional<Duration> delay,
                              Optional<HeldKey> idempotencyKey, Optional<String> copyOf,
                              Optional<String> concurrencyKey, int concurrencyLimit, Set<String> labels,
                              Optional<Duration> timeout) {
        if (runner.queueClosed()) {
            throw new EngineStoppedException(flow.name());
        }
        if (!labels.isEmpty()) {
            store.requireLabels(flow.name(), labels);   // asked only then: a run without labels costs no call
        }
        if (timeout.isPresent()) {
            store.requireDeadlines(flow.name(), timeout.get());   // likewise: a run without a deadline costs no call
        }
        Instant now = clock.instant();
        RunRecord run = RunRecord.started(runId, flow.name(), inputJson, parentRunId, now);
        if (idempotencyKey.isPresent()) {
            run = run.withIdempotencyKey(idempotencyKey.get().given());
        }
        for (Map.Entry<String, StepStatus> step : doneSteps.entrySet()) {
            run = run.withStep(step.getKey(), step.getValue());
        }
        for (Map.Entry<String, String> event : doneEvents.entrySet()) {
            run = run.withEmitted(event.getKey(), event.getValue());
        }
        if (concurrencyKey.isPresent()) {
            run = run.withConcurrencyKey(concurrencyKey.get(), concurrencyLimit);
            startData.str("concurrencyKey", concurrencyKey.get());
            if (concurrencyLimit > 1) {
                startData.num("concurrencyLimit", concurrencyLimit);
            }
        }
        if (!labels.isEmpty()) {
            run = run.withLabels(labels);
            startData.strings("labels", run.labels());
        }
        if (timeout.isPresent()) {
            run = run.withTimeout(timeout.get(), now);
            startData.str("timeout", timeout.get().toString()).str("deadline", run.deadline().orElseThrow().toString());
        }
        List<EventDraft> events = new ArrayList<>();
        delay.ifPresent(d -> startData.str("startAt", now.plus(d).toString()));
        events.add(EventDraft.ofRun(EventType.FLOW_START, now,
                OperatorScope.stamp(startData.raw("input", inputJson).build())));
        List<AwaitRecord> awaits = new ArrayList<>();
        if (concurrencyKey.isPresent() && delay.isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = AwaitResolution.delayedStartWithKey(run, first, now, delay.get());
            awaits.add(await);
            events.add(awaitResolution.registeredEvent(await));
        } else if (concurrencyKey.isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = AwaitResolution.concurrencyKeyAwait(run, first.name(), now);
            awaits.add(await);
            events.add(awaitResolution.registeredEvent(await));
        } else if (delay.isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = AwaitResolution.delayedStart(run, first, now, delay.get());
            awaits.add(await);
            events.add(awaitResolution.registeredEvent(await));
        } else if (first.awaitBefore().isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = awaitResolution.newAwait(run, first, AwaitPosition.BEFORE, now, "[]");
            awaits.add(await);
            events.add(awaitResolution.registeredEvent(await));
        } else {
            run = run.withStep(first.name(), StepStatus.QUEUED);
        }
        List<HistoryEvent> stored = idempotencyKey.isPresent()
                ? store.createRun(run, events, idempotencyKey.get().stored()) : store.createRun(run, events);
        if (copyOf.isPresent() && store.findRun(copyOf.get()).isEmpty()) {
            discardCopyOfDeletedRun(runId, copyOf.get(), now);
            throw new RunNotFoundException(copyOf.get());
        }
        Runnable alsoPublish = () -> { };
        if (delay.isPresent() || concurrencyKey.isPresent()) {
            // The start's own await: one the store refuses is the caller's to hear of, with nothing left behind.
            // Only its save: a failure after it (a read of the run) must not remove a run whose await is kept.
            boolean saved;
            try {
                saved = awaitResolution.saveAwaitsOfStart(awaits);
            } catch (RuntimeException refused) {
                RunNotStartedException notStarted = new RunNotStartedException(runId, flow.name(), first.name(),
                        StepRunner.isStoreUnavailable(refused), refused);
                try {
                    discard(runId, "the store refused to save the await of its start", now);
                } catch (RuntimeException alsoFailed) {
                    notStarted.addSuppressed(alsoFailed);
                }
                throw notStarted;
            }
            if (concurrencyKey.isEmpty() || delay.isPresent()) {
                publisher.publish(flow.name(), stored);
                if (saved) {
                    awaitResolution.registeredAtStart(awaits);
                }
            } else if (saved) {
                alsoPublish = () -> awaitResolution.registeredAtStart(awaits);
            }
        } else {
            publisher.publish(flow.name(), stored);
            awaitResolution.saveAwaits(awaits);
        }
        RunRecord started = run;
        // A run that waits for its key now is published (its await told registered) as it is scheduled, once it is
        // known not to be removed for another run holding the key.
        Runnable registered = alsoPublish;
        Runnable publishStart = concurrencyKey.isPresent() && delay.isEmpty() ? () -> {
            publisher.publish(flow.name(), stored);
            registered.run();
        } : () -> { };
        return new CreatedRun(run, flow.name(), first, concurrencyKey.filter(k -> delay.isEmpty()), awaits.isEmpty(),
                () -> lifecycleHooks.started(started, delay.map(now::plus), stored), publishStart);
    }

    /**
     * A run stored, published and with its awaits saved, whose first step is not yet scheduled: neither
     * queued nor, waiting for a concurrency key, handed the key if free.
     *
     * @param keyToSettle the concurrency key the first step waits for now (not after a delay)
     * @param queueFirst whether the first step is queued at once (it awaits nothing)
     * @param tellStarted tells the hooks of the run's start ({@link io.nvent.RunStarted}); nothing for a run
     *     created before, scheduled again
     * @param publishStart publishes the run's start to the live stream, if {@link #create} left that to the scheduling
     */
    private record CreatedRun(RunRecord run, String flow, StepDefinition first, Optional<String> keyToSettle,
                              boolean queueFirst, Runnable tellStarted, Runnable publishStart) {

        CreatedRun(RunRecord run, String flow, StepDefinition first, Optional<String> keyToSettle, boolean queueFirst,
                   Runnable tellStarted) {
            this(run, flow, first, keyToSettle, queueFirst, tellStarted, () -> { });
        }
    }

    /**
     * Schedules the first step of a run just created, having told its start: an observer hears of the start
     * before the run's steps or end. Called outside the key stripes ({@link #startOnce}), so that an
     * {@code @Observes RunStarted} holds up no other start.
     */
    private String schedule(CreatedRun created) {
        return schedule(created, Overlap.ALLOW_ALL);
    }

    /**
     * @param claim the policy of a trigger's fire whose run goes on only if the key's line lets it
     *     ({@link #startFromTrigger(String, String, String, StartOptions, Optional, Overlap)}): one that loses is
     *     removed before its start is told
     * @throws OverlapTakenException if the run was removed for the run holding the key, or waiting ahead of it
     */
    private String schedule(CreatedRun created, Overlap claim) {
        String runId = created.run().runId();
        if (claim != Overlap.ALLOW_ALL && created.keyToSettle().isPresent()) {
            String key = created.keyToSettle().get();
            Optional<String> other = claim == Overlap.BUFFER_ONE
                    ? awaitResolution.otherWaiterOfKey(runId, key, created.flow())
                    : awaitResolution.otherHolderOfKey(runId, key);
            if (other.isPresent() && withdrawn(created, other.get(), claim)) {
                throw new OverlapTakenException(runId, other.get());
            }
        }
        created.publishStart().run();
        created.tellStarted().run();
        if (created.keyToSettle().isPresent()) {
            awaitResolution.settleConcurrencyKeyOfWaiter(runId, created.keyToSettle().get());
        } else if (created.queueFirst()) {
            queueing.handOver(runId, created.flow(), created.first(), false, created.run().version());
        }
        return runId;
    }

    /**
     * Removes the run of a skipping trigger's fire that the store did not let hold its key, before its start is told:
     * first out of the key's line (so that no settle lets it go on, should the holder end now), then canceled and
     * deleted ({@link #discard}). A holder that ended meanwhile may have let it hold the key and go on already: it is
     * then the fire's run, not removed. A store failing as it leaves the line leaves it waiting its turn behind the
     * holder, as before the store decided (NVENT-0454): the fire is then no skipped one. Out of the line, it never runs,
     * whatever fails after (NVENT-0456); removed, the key is settled again, so that it never names the run for long.
     *
     * @return whether the run was taken out of the key's line (the fire is skipped)
     */
    private boolean withdrawn(CreatedRun created, String holder, Overlap claim) {
        String runId = created.run().runId();
        String key = created.keyToSettle().get();
        String other = "run " + holder + (claim == Overlap.BUFFER_ONE ? " waits for" : " holds") + " concurrency key '"
                + key + "'";
        String why = " by a fire of a trigger with overlap " + claim.wireName() + " while " + other;
        try {
            if (!awaitResolution.leftConcurrencyKeyLine(runId, key)) {
                return false;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0454 run " + runId + " of flow " + created.flow() + " was"
                    + " started" + why + ", and could not be removed again: " + e + "; it waits its turn"
                    + " behind that run (cancel it if it should not run)");
            return false;
        }
        try {
            discard(runId, "overlap " + claim.wireName() + ": " + other, clock.instant());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0456 run " + runId + " of flow " + created.flow() + ", started"
                    + why + ", no longer waits for the key and never runs (the fire is skipped), but could not be"
                    + " deleted: " + e + "; it is kept canceled, or, if it could not be canceled, the maintenance sweep fails it"
                    + " (NVENT-0027); delete it if it is in the way");
        }
        // A holder ending as the run left the line may have handed it the key before it left: settled again, the key
        // names it no longer and passes on to the next waiting, if any, rather than at the sweep's next look.
        awaitResolution.handOnConcurrencyKeyOfRemoved(runId, key, holder);
        return true;
    }

    /**
     * Removes a run just created as a copy of a run deleted meanwhile, before it was published or a step
     * of it scheduled: canceled, then deleted as an ended run is. A store that cannot delete a single run
     * (written for nvent 0.1) keeps it canceled, its cancel saying why.
     */
    private void discardCopyOfDeletedRun(String runId, String original, Instant now) {
        discard(runId, "run '" + original + "', whose input it was to take, was deleted meanwhile", now);
    }

    /**
     * Removes a run just created, before it was published or a step of it scheduled: canceled, then deleted as an
     * ended run is ({@link #discardCopyOfDeletedRun}). A store away meanwhile leaves it to the sweep, which fails a
     * run left awaiting with no await ({@code NVENT-0027}).
     */
    private void discard(String runId, String reason, Instant now) {
        store.updateRun(runId, run -> Optional.of(OperatorActions.canceled(run, now, Optional.of(reason)))).ifPresent(change -> {
            try {
                store.deleteFinishedRun(runId, change.run().version());
            } catch (UnsupportedOperationException notSupported) {
                LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + " kept canceled: " + reason + "; "
                        + notSupported.getMessage());
            }
        });
    }

    @Override
    public void emit(String runId, String event, Object payload) {
        Objects.requireNonNull(runId, "runId");
        requireEventName(event);
        emitJson(runId, event, json.toJson(payload, "payload of event '" + event + "'"), () -> { });
    }

    @Override
    public Emitted emit(String runId, String event, Object payload, EventOptions options) {
        Objects.requireNonNull(runId, "runId");
        requireEventName(event);
        String payloadJson = json.toJson(payload, "payload of event '" + event + "'");
        if (Objects.requireNonNull(options, "options").idempotencyKey().isEmpty()) {
            emitJson(runId, event, payloadJson, () -> { });
            return new Emitted(false);
        }
        RequestKeys.KeyedRequest request = new RequestKeys.KeyedRequest(RequestKey.Scope.EMIT, runId,
                options.idempotencyKey().get(), event, payloadJson, "an emit of event '" + event + "' into run " + runId,
                "another event or payload into run " + runId);
        return requestKeys.once(request, recorded -> {
            emitJson(runId, event, payloadJson, () -> recorded.accept(new Emitted(false)));
            return new Emitted(false);
        }, emitted -> "{}", answer -> new Emitted(true));
    }

    /**
     * Records the emit in the run and delivers it on.
     *
     * @param recorded told once the run holds the emit, before it is delivered on: from then on it is delivered
     */
    private void emitJson(String runId, String event, String payloadJson, Runnable recorded) {
        Instant now = clock.instant();
        RunRecord target = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(target.flow());
        requireListenedTo(flow, runId, event);
        // The emit is the run's first update if it is a keyed restart's copy whose request stopped before
        // canceling the original: after it, nothing would tell the copy apart, and its steps could run beside
        // the original's.
        operatorActions.finishStoppedRestart(target);
        Pending pending = new Pending();
        Optional<StoredChange> change = awaitResolution.writeWithAwaits(pending, run -> {
            if (run.status().isTerminal()) {
                throw new IllegalRunTransitionException(runId, run.status(), "receive event '" + event + "'");
            }
            Emission emission = new Emission(event, payloadJson, now);
            json.runEmittedLimit().keepWithinEmittedLimit(run, List.of(emission));
            pending.reset();
            // Delivered as a step's emission is: to event triggers and awaiting runs, this one included.
            pending.released.add(emission);
            EventDraft emitted = EventDraft.ofRun(EventType.EMIT, now,
                    OperatorScope.stamp(Emission.emitData(event, payloadJson)));
            return Optional.of(pending.advance(awaitResolution, flow, run.withEmitted(event, payloadJson),
                    List.of(emitted), now));
        }, mutation -> store.updateRun(runId, mutation));
        recorded.run();
        change.ifPresent(c -> followUp.afterChange(flow.name(), c, pending));
    }

    /**
     * Refuses an operator's event that neither a step of the run's flow nor an await of the run takes:
     * recorded, it would change nothing, and a misspelt name would look delivered.
     */
    private void requireListenedTo(FlowDefinition flow, String runId, String event) {
        Set<String> listened = new TreeSet<>();
        for (StepDefinition step : flow.steps()) {
            listened.addAll(step.subscribes());
            Stream.of(step.awaitBefore(), step.awaitAfter()).flatMap(Optional::stream)
                    .flatMap(await -> await.event().stream()).forEach(listened::add);
        }
        if (listened.contains(event)) {
            return;
        }
        // An await registered under an earlier deployment of the flow may wait for an event it no longer names.
        boolean awaited = scheduling.awaitsOfRun(runId).stream()
                .anyMatch(a -> a.type() == AwaitType.EVENT && a.status() == AwaitStatus.WAITING
                        && a.event().filter(event::equals).isPresent());
        if (!awaited) {
            throw new UnexpectedEventException(runId, flow.name(), event, listened,
                    Spelling.closest(event, listened, Spelling.MOST_EDITS_OF_A_TYPO));
        }
    }

    @Override
    public boolean cancel(String runId) {
        return operatorActions.cancel(runId);
    }

    @Override
    public CanceledRuns cancel(String runId, CancelOptions options) {
        return operatorActions.cancel(runId, options);
    }

    @Override
    public String restart(String runId) {
        return operatorActions.restart(runId);
    }

    @Override
    public String rerunFrom(String runId, String stepName) {
        return operatorActions.rerunFrom(runId, stepName);
    }

    @Override
    public StartedRun restart(String runId, RestartOptions options) {
        return operatorActions.restart(runId, options);
    }

    @Override
    public StartedRun rerunFrom(String runId, String stepName, RestartOptions options) {
        return operatorActions.rerunFrom(runId, stepName, options);
    }

    @Override
    public void retryStep(String runId, String stepName) {
        operatorActions.retryStep(runId, stepName);
    }

    @Override
    public BulkResult retryFailed(BulkRetry selection) {
        return new BulkActions(this, store, registry).retryFailed(Objects.requireNonNull(selection, "selection"));
    }

    @Override
    public BulkResult cancelRuns(BulkCancel selection) {
        return new BulkActions(this, store, registry).cancelRuns(Objects.requireNonNull(selection, "selection"));
    }

    @Override
    public int clearHistory(String flow) {
        return operatorActions.clearHistory(flow);
    }

    @Override
    public ClearedHistory clearHistory(String flow, int limit) {
        return operatorActions.clearHistory(flow, limit);
    }

    @Override
    public DeletedRun deleteRun(String runId, String requestedBy) {
        return operatorActions.deleteRun(runId, OperatorScope.current()
                .map(operator -> "operator '" + io.nvent.spi.internal.LogText.operator(operator) + "'")
                .orElse(requestedBy));
    }

    /** The actions operators take on runs (the maintenance sweep follows cancels and deletes awaits through it). */
    OperatorActions operatorActions() {
        return operatorActions;
    }

    RunDeadlines runDeadlines() {
        return runDeadlines;
    }

    @Override
    public Optional<RunInfo> run(String runId) {
        return store.findRun(Objects.requireNonNull(runId, "runId must not be null")).map(this::withLostStepsSettled)
                .map(RunRecord::toInfo);
    }

    @Override
    public io.nvent.DescendantRuns descendants(String runId) {
        Objects.requireNonNull(runId, "runId must not be null");
        if (store.findRun(runId).isEmpty()) {
            throw new RunNotFoundException(runId);
        }
        if (!store.countsDescendantRuns()) {
            throw new io.nvent.UnsupportedByAdapterException("NVENT-0463 the runs below run " + runId + " cannot be"
                    + " counted: the flow store " + store.getClass().getName() + " counts no descendant runs"
                    + " (FlowStore.countsDescendantRuns); list its child runs a level at a time instead"
                    + " (FlowService.runs with RunQuery.withParentRunId, GET /api/nvent/runs?parent=" + runId + "), or"
                    + " use the memory or the JPA store");
        }
        io.nvent.spi.ChildRunCounts below = store.descendantRunCounts(runId);
        // A run deeper than the limit has a chain of at least that many runs above it: a smaller tree cannot reach it.
        boolean limitReached = below.total() >= FlowStore.DESCENDANT_DEPTH_LIMIT
                && store.hasDescendantRunsBeyondDepthLimit(runId);
        return new io.nvent.DescendantRuns(runId, below.total(), below.underWay(), below.completed(), below.failed(),
                below.canceled(), limitReached);
    }

    @Override
    public List<StepWait> waits(String runId) {
        RunRecord run = withLostStepsSettled(store.findRun(Objects.requireNonNull(runId, "runId must not be null"))
                .orElseThrow(() -> new RunNotFoundException(runId)));
        return new StepWaits(registry, queue, scheduling, rateLimits, this::workersHere, this::lastChangeOf,
                history::rateLimitedJobOf,
                history::lastJobOf, settings.missingStepGrace(),
                (id, step) -> history.latestEntryOfStep(id, EventType.STEP_STARTED, step),
                (id, step) -> history.latestEntryOfStep(id, EventType.STEP_RETRY, step), this::progress,
                (id, type) -> AwaitResolution.runsBelow(store, id, type), executionsHere::heartbeat,
                id -> store.findRun(id).map(RunRecord::status), clock.instant()).of(run).stream()
                .map(wait -> debounced(run, wait)).map(wait -> underWayDeadline(run).map(wait::beforeRunDeadline)
                        .orElse(wait)).toList();
    }

    /**
     * The wait of a debounced trigger's pending run ({@link #startDebounced}) said as such: until when, at most until
     * when, and the key whose fires it folds, as its {@code flow.start} entry records them; any other wait as it is.
     */
    private StepWait debounced(RunRecord run, StepWait wait) {
        if (run.status() != RunStatus.AWAITING || wait.awaitType().filter(AwaitType.TIME::equals).isEmpty()
                || !registry.flow(run.flow()).map(f -> f.entry().name().equals(wait.step())).orElse(false)) {
            return wait;
        }
        Optional<jakarta.json.JsonObject> start = store.readEvents(run.runId(), new EventQuery(
                Set.of(EventType.FLOW_START), 0, 1, false)).stream().findFirst()
                .map(entry -> Json.PROVIDER.createReader(new java.io.StringReader(entry.data())).readObject())
                .filter(data -> data.get("debounceKey") instanceof jakarta.json.JsonString
                        || data.get("batchKey") instanceof jakarta.json.JsonString);
        if (start.isEmpty()) {
            return wait;
        }
        jakarta.json.JsonObject data = start.get();
        if (data.get("batchKey") instanceof jakarta.json.JsonString batchKey) {
            int count = store.readEvents(run.runId(), new EventQuery(Set.of(EventType.RUN_BATCHED), 0, Long.MAX_VALUE, 1, true))
                    .stream().findFirst().map(entry -> Json.PROVIDER.createReader(new java.io.StringReader(entry.data()))
                            .readObject().getInt("count", 1)).orElse(1);
            return withDetail(wait, "batching: " + count + " of " + data.getInt("batchMax", 0) + " events of trigger '"
                    + data.getString("trigger", "?") + "' of key '" + batchKey.getString() + "', starts by "
                    + wait.until().map(Instant::toString).orElse("its time") + " or once the batch is full");
        }
        String detail = "before it runs, it is debounced until " + wait.until().map(Instant::toString).orElse("its time")
                + (data.get("debounceMaxAt") instanceof jakarta.json.JsonString max ? " (at most until " + max.getString()
                + ")" : "") + ", folding the fires of trigger '" + data.getString("trigger", "?") + "' of key '"
                + data.getString("debounceKey") + "' into it: each one puts its start off and gives it its payload";
        return withDetail(wait, detail);
    }

    private static StepWait withDetail(StepWait wait, String detail) {
        return new StepWait(wait.step(), wait.status(), wait.reason(), wait.queue(), wait.until(), wait.awaitId(), detail,
                wait.progress(), wait.awaitType(), wait.runDeadline(), wait.lastHeartbeatAt(), wait.awaitTimeoutAt());
    }

    /** The deadline of a run still under way: an ended run's steps still running no longer wait for it. */
    private static Optional<Instant> underWayDeadline(RunRecord run) {
        return run.status().isTerminal() ? Optional.empty() : run.deadline();
    }

    /**
     * Settles, when the run is read, the steps of a canceled run still recorded running whose
     * execution is gone without a lease to show for it: an nvent before 0.2 left them so (a cancel
     * did not stop its running steps, and a step that ended after it kept its status). The sweep's
     * NVENT-0195 finds only lost executions that held a lease; finding these there would read the
     * steps of every canceled run, which no index narrows, while here it costs one read of the run's
     * leases, and only for a canceled run that shows a step running. Not within a lease duration of
     * the cancel: an attempt ending at that moment gives its lease up before its failure is stored.
     * A read does not fail for want of the write: the run is then shown as stored.
     */
    private RunRecord withLostStepsSettled(RunRecord run) {
        Instant now = clock.instant();
        if (run.status() != RunStatus.CANCELED || !run.steps().containsValue(StepStatus.RUNNING)
                || run.endedAt().filter(ended -> ended.plus(settings.leaseDuration()).isBefore(now)).isEmpty()) {
            return run;
        }
        RunRecord settled = run;
        try {
            Set<String> leased = scheduling.leasesOfRun(run.runId()).stream().map(StepLease::step)
                    .collect(Collectors.toSet());
            for (Map.Entry<String, StepStatus> step : run.steps().entrySet()) {
                if (step.getValue() != StepStatus.RUNNING || leased.contains(step.getKey())) {
                    continue;
                }
                String cause = "it holds no lease, as a run canceled before nvent 0.2 could leave a step";
                Optional<StoredChange> change = store.updateRun(run.runId(),
                        CanceledSteps.lostStepOfCanceledRun(step.getKey(), now, cause));
                if (change.isPresent()) {
                    settled = change.get().run();
                    publisher.publish(change.get());
                    CanceledSteps.logLostStepOfCanceledRun(run.runId(), step.getKey(), cause);
                }
            }
        } catch (RuntimeException notSettled) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + run.runId() + ": its steps left running are settled"
                    + " at a later read: " + notSettled);
        }
        return settled;
    }

    private Optional<Instant> lastChangeOf(String runId) {
        return store.readEvents(runId, new EventQuery(Set.of(), 0, 1, true)).stream().findFirst()
                .map(HistoryEvent::timestamp);
    }

    /**
     * Lists the runs as the store finds them. A store written for nvent 0.1 knows no parent filter and
     * lists runs of any parent: refused rather than passed on as if they were the parent's children. Nor does it
     * keep labels: a query by label, answered with runs that lack it, is refused likewise.
     */
    @Override
    public List<RunInfo> runs(RunQuery query) {
        Objects.requireNonNull(query, "query");
        List<RunRecord> found = store.findRuns(query);
        if (query.parentRunId().isPresent()
                && found.stream().anyMatch(run -> !run.parentRunId().equals(query.parentRunId()))) {
            throw new UnsupportedByAdapterException("NVENT-0564 the store " + store.getClass().getName()
                    + " cannot list the runs of one parent (written for nvent 0.1, it lists runs of any parent):"
                    + " list the runs of the child flow and compare their parentRunId, or upgrade the store adapter");
        }
        if (query.label().isPresent() && found.stream().anyMatch(run -> !run.labels().contains(query.label().get()))) {
            throw new UnsupportedByAdapterException("NVENT-0347 the store " + store.getClass().getName()
                    + " cannot list the runs of one label (written for nvent 0.1, it keeps no labels and lists runs"
                    + " of any label): upgrade the store adapter to find runs by label");
        }
        return found.stream().map(RunRecord::toInfo).toList();
    }

    @Override
    public List<HistoryEvent> events(String runId, EventQuery query) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(query, "query");
        if (store.findRun(runId).isEmpty()) {
            throw new RunNotFoundException(runId);
        }
        return store.readEvents(runId, query);
    }

    @Override
    public List<FlowDefinition> flows() {
        return registry.flows();
    }

    @Override
    public Optional<FlowDefinition> flow(String name) {
        Objects.requireNonNull(name, "name");
        return registry.flow(name);
    }

    @Override
    public FlowDefinition deployedFlow(String name) {
        Objects.requireNonNull(name, "name");
        return registry.require(name);
    }

    @Override
    public FlowService actingAs(io.nvent.Operator operator) {
        return OperatorView.of(this, operator);
    }

    @Override
    public HealthReport health() {
        return health.report(clock.instant(), queue.problem(), instances.check(), streamCheck());
    }

    /**
     * The live event stream's problem, else how it works; a stream that cannot say (its bean failed) has a problem,
     * not a failed report.
     */
    private HealthReport.Check streamCheck() {
        try {
            Optional<String> problem = stream.problem();
            return new HealthReport.Check("stream", problem.isEmpty(), problem.orElseGet(stream::working));
        } catch (RuntimeException e) {
            return new HealthReport.Check("stream", false, "the live event stream cannot tell how it is: " + e);
        }
    }

    @Override
    public io.nvent.Instances instances() {
        return instances.view();
    }

    /** The record this start keeps of itself, refreshed by the maintenance sweep. */
    InstanceRegistry instanceRegistry() {
        return instances;
    }

    /**
     * This start as its instance record and step leases name it ({@code id@token}): what it holds in the store under
     * that name is free for others once the instance records show it stopped or gone.
     */
    String startOwner() {
        return startOwner;
    }

    /**
     * The live starts of instances as the latest refresh of this start's record counted them; empty if the scheduling
     * store keeps no instance records (no count, rather than a 0 an alert on no live instance would fire on).
     */
    public java.util.OptionalLong liveInstances() {
        return instances.liveCount();
    }

    /**
     * Records this start in the store, its engine running the workers it started or switched off; a store that
     * fails now leaves it to the next refresh.
     */
    public void recordInstance(boolean engineEnabled) {
        try {
            instances.started(engineEnabled, engineEnabled ? workersNow() : registry.queues().stream()
                    .collect(Collectors.toMap(name -> name, name -> 0)));
        } catch (RuntimeException storeAway) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0032 the record of instance " + settings.instanceId()
                    + " was not stored at start; the maintenance sweep stores it within "
                    + io.nvent.Instances.REFRESH.toSeconds() + " s (GET /api/nvent/instances lists it then): "
                    + storeAway);
        }
    }

    /** Shows the workers of this instance's queues as they run now in its record. */
    private void workersChanged() {
        instances.workersChanged(workersNow());
    }

    /** The workers of each queue on this instance now: those set at run time where they apply, else as started. */
    private Map<String, Integer> workersNow() {
        return workersHere.keySet().stream().collect(Collectors.toMap(name -> name, workerOverrides::effective));
    }

    /** Refreshes this start's record when it is due (an engine switched off has no sweep, and calls it on a timer). */
    public void refreshInstance() {
        instances.refresh(clock.instant());
    }

    /**
     * Records that this start stopped cleanly; a store that fails now leaves the record to show it gone once it is not
     * refreshed for {@link io.nvent.Instances#GONE_AFTER}, which the stop does not wait for.
     */
    public void recordInstanceStopped() {
        try {
            instances.stopped();
        } catch (RuntimeException storeAway) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0032 the record of instance " + settings.instanceId()
                    + " was not marked stopped; it shows gone " + io.nvent.Instances.GONE_AFTER.toSeconds()
                    + " s after its last refresh instead: " + storeAway);
        }
    }

    /** Where the engine's own observations of its health are kept. */
    public HealthMonitor healthMonitor() {
        return health;
    }

    @Override
    public FlowStats stats(String flow) {
        Objects.requireNonNull(flow, "flow");
        registry.require(flow);
        return store.stats(flow);
    }

    // ---------------------------------------------------------------- FlowService: events and awaits

    @Override
    public EventDelivery publishEvent(String event, Object payload) {
        requireEventName(event);
        return followUp.deliverEvent(event, json.toJson(payload, "payload of event '" + event + "'"));
    }

    @Override
    public EventDelivery publishEvent(String event, Object payload, EventOptions options) {
        requireEventName(event);
        String payloadJson = json.toJson(payload, "payload of event '" + event + "'");
        if (Objects.requireNonNull(options, "options").idempotencyKey().isEmpty()) {
            return followUp.deliverEvent(event, payloadJson);
        }
        RequestKeys.KeyedRequest request = new RequestKeys.KeyedRequest(RequestKey.Scope.PUBLISH, event,
                options.idempotencyKey().get(), event, payloadJson, "a publish of event '" + event + "'",
                "another payload of event '" + event + "'");
        // A publish failing part way (a trigger's run started, the next trigger failed) frees its key: its retry
        // starts each trigger's run with a key derived from this one, so it gets the runs started before and starts
        // only what is missing (README, "Other requests and the key").
        return requestKeys.once(request, delivered -> followUp.deliverEvent(event, payloadJson,
                        options.idempotencyKey()),
                FlowEngine::deliveryJson, answer -> delivery(answer).asReplayed());
    }

    /** What a keyed publish keeps for its repeats. */
    private static String deliveryJson(EventDelivery delivery) {
        return Json.PROVIDER.createObjectBuilder()
                .add("startedRuns", Json.PROVIDER.createArrayBuilder(delivery.startedRuns()))
                .add("resolvedAwaits", delivery.resolvedAwaits()).build().toString();
    }

    private static EventDelivery delivery(String deliveryJson) {
        JsonObject kept = JsonMatch.read(deliveryJson).asJsonObject();
        return new EventDelivery(kept.getJsonArray("startedRuns").getValuesAs(jakarta.json.JsonString::getString),
                kept.getInt("resolvedAwaits"));
    }

    /** An event is found by its name: a blank one could never be awaited or subscribed to. */
    private static void requireEventName(String event) {
        if (event == null || event.isBlank()) {
            throw new IllegalArgumentException("NVENT-0155 an event needs a name; this one is "
                    + (event == null ? "missing" : "blank"));
        }
    }

    @Override
    public List<AwaitInfo> awaits(boolean pendingOnly, int limit) {
        return awaitResolution.awaits(pendingOnly, limit);
    }

    @Override
    public void resolveAwait(String awaitId, Object data) {
        awaitResolution.resolveAwait(awaitId, data);
    }

    @Override
    public AwaitInfo moveAwaitTimeout(String awaitId, Instant timeoutAt) {
        AwaitResolution.MovedTimeout moved = awaitResolution.moveTimeout(awaitId, timeoutAt);
        publisher.publish(moved.await().flow(), moved.entries());
        return moved.await();
    }

    @Override
    public void resolveWebhook(String token, String jsonBody) {
        awaitResolution.resolveWebhook(token, jsonBody);
    }

    @Override
    public Optional<AwaitInfo> webhookAwait(String token) {
        return awaitResolution.webhookAwait(token);
    }

    /** The awaits of runs, resolved and timed out (the maintenance sweep, its timers). */
    AwaitResolution awaitResolution() {
        return awaitResolution;
    }

    /** Passes the changes awaits make on to {@link ChangeFollowUp} (see {@link AwaitResolution.RunContinuation}). */
    private final class AwaitContinuation implements AwaitResolution.RunContinuation {

        @Override
        public void afterChange(String flow, StoredChange change, Pending pending) {
            followUp.afterChange(flow, change, pending);
        }

        @Override
        public void finishStoppedRestart(RunRecord run) {
            operatorActions.finishStoppedRestart(run);
        }
    }

    /**
     * The progress the store keeps of the steps whose attempt, the one that reported it, the run shows running:
     * the progress read, then the run, then the progress again, keeping a step's progress only where the run shows
     * the step running and the second read returns the same report. A store forgets an attempt's progress with its
     * lease, and a retry starts without one, so the same report before and after the run's read is the progress of
     * an attempt that held its lease throughout, while the run showed the step running: not a failed attempt's
     * whose retry the run shows running, and not a finished step's that a store giving the lease up after writing
     * the finish ({@link io.nvent.spi.SchedulingStore#finishStep}'s default) still keeps for a moment. Reads the run
     * and the progress again only when a step reported some ({@link #waits} shows its running steps' progress
     * through this, after its own read of the run). The SPI has no lighter read of a step's status:
     * {@link io.nvent.spi.FlowStore#recentRun} only returns what this instance itself last read or wrote.
     */
    @Override
    public Map<String, StepProgress> progress(String runId) {
        Map<String, StepProgress> read = scheduling.progressOfRun(Objects.requireNonNull(runId,
                "runId must not be null"));
        if (read.isEmpty()) {
            return read;
        }
        Map<String, StepStatus> steps = store.findRun(runId).map(RunRecord::steps).orElse(Map.of());
        Map<String, StepProgress> running = read.entrySet().stream()
                .filter(step -> steps.get(step.getKey()) == StepStatus.RUNNING)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
        if (running.isEmpty()) {
            return running;
        }
        Map<String, StepProgress> readAgain = scheduling.progressOfRun(runId);
        return running.entrySet().stream().filter(step -> step.getValue().equals(readAgain.get(step.getKey())))
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Stall detection and lost-step recovery (the maintenance sweep). */
    LostStepRecovery lostSteps() {
        return lostSteps;
    }

    /** What an operator's action asks of the engine (see {@link OperatorActions}). */
    private final class OperatorCalls implements OperatorActions.Engine {

        @Override
        public void requireReadableByEntry(FlowDefinition flow, String inputJson) {
            FlowEngine.this.requireReadableByEntry(flow, inputJson);
        }

        @Override
        public StartedRun createCopyAndSchedule(FlowDefinition flow, RunRecord original,
                                                Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                                                StepDefinition first, OperatorActions.Copy copy,
                                                Optional<String> idempotencyKey, Runnable cancelOriginal) {
            return FlowEngine.this.createCopyAndSchedule(flow, original, doneSteps, doneEvents, first, copy,
                    idempotencyKey, cancelOriginal);
        }

        @Override
        public Optional<StartedRun> earlierCopy(Optional<String> flow, String idempotencyKey,
                                                OperatorActions.Copy copy, Runnable cancelOriginal) {
            return FlowEngine.this.earlierCopy(flow, idempotencyKey, copy, cancelOriginal);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Starts a child run of {@code parentRunId} for a step ({@code StepContext.startFlow}): under the
     * options' key if they have one, else once under the execution's key for it ({@link ChildStarts}).
     */
    StartedRun startChild(String flow, Object input, StartOptions options, String parentRunId,
                          Optional<String> executionKey) {
        return startChildWithJson(flow, json.toJson(input, "input of flow '" + flow + "'"), options, parentRunId,
                executionKey);
    }

    /** {@link #startChild} of an input in JSON already. */
    StartedRun startChildWithJson(String flow, String inputJson, StartOptions options, String parentRunId,
                                  Optional<String> executionKey) {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(options, "options");
        StartedRun child = start(flow, inputJson, options, Optional.of(parentRunId), executionKey);
        operatorActions.cancelChildOfParentCanceledWithChildren(child.runId(), parentRunId);
        return child;
    }

    /**
     * Cancels the children an attempt of a step of {@code parentRunId} started, now that it has ended, if the run
     * was canceled with its children meanwhile: a step in a transaction of its own stored them only as it returned.
     */
    void cancelChildrenOfEndedAttempt(String parentRunId) {
        operatorActions.cancelChildrenOfAttemptOfRunCanceledWithChildren(parentRunId);
    }

    /** Logs the summaries of final step failures held back for minutes now over (the sweep calls it). */
    public void logHeldFailures(Instant now) {
        finalFailures.logDue(now);
    }

    /** Logs every summary of final step failures held back: the engine stops. */
    public void logHeldFailures() {
        finalFailures.logAll();
    }

    /** The engine's clock, for what reports ages (the metrics' oldest waiting job). */
    public Clock clock() {
        return clock;
    }

    /** What this instance did since it started, for the metrics endpoint. */
    public EngineMetrics metrics() {
        return metrics;
    }
}

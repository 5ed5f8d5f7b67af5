package io.nvent.cdi.internal.engine;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.ClearedHistory;
import io.nvent.EmittedPayloadsTooLargeException;
import io.nvent.EventDelivery;
import io.nvent.EventQuery;
import io.nvent.ConcurrentRunModificationException;
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
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepDefinition;
import io.nvent.StepProgress;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.UndeclaredEventException;
import io.nvent.UnexpectedEventException;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.QueueControls;
import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.engine.StepExecutions.StepExecution;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.InputProperties;
import io.nvent.cdi.internal.registry.Spelling;
import io.nvent.cdi.internal.registry.StepBinding;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.EventDraft;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.Causes;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.Interrupts;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Moves runs through their flows. Every change of a run goes through
 * {@link FlowStore#updateRun}, so the run's state and the history entries describing the change
 * are stored together; the rules deciding what happens next live in {@link Orchestration}.
 *
 * <p>It starts runs and executes their steps; its other parts are collaborators of their own, each
 * told only what it needs: {@link AwaitResolution} (awaits, their timers, concurrency keys),
 * {@link LostStepRecovery} (step leases, stall detection, lost jobs), {@link OperatorActions} (cancel,
 * restart, rerun, retry, delete, clear) and {@link StepHistory} (what a run's history says of a step).
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
    private final EngineRateLimits rateLimits;
    private final EventStream stream;
    private final Json json;
    private final Clock clock;
    private final FinalFailureLog finalFailures = new FinalFailureLog(LOG);
    /** Queues whose adapter retried a failure not worth a retry ({@code NVENT-0548}, logged once each). */
    private final Set<String> queuesIgnoringNotRetryable = ConcurrentHashMap.newKeySet();
    private final EngineMetrics metrics = new EngineMetrics();
    private final Object[] keyStripes = java.util.stream.IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();
    private final Function<Class<?>, Step<?, ?>> stepInstances;
    private final EngineSettings settings;
    private static final Duration PUBLISH_FAILURE_REPORT_INTERVAL = Duration.ofMinutes(1);
    private final AtomicLong lastPublishFailureReport = new AtomicLong();
    private final AtomicLong unreportedPublishFailures = new AtomicLong();
    private final Map<Class<?>, Step<?, ?>> stepCache = new ConcurrentHashMap<>();
    /**
     * The {@link TimeoutException}s that steps' own code threw (a call the step made timed out), until
     * their failure is recorded: a queue reports an attempt it failed for its timeout with a
     * {@code TimeoutException} too, and only that one is the attempt's timeout. Counted: a library may
     * throw one shared instance to several steps at once. Weak: the failure of a stale execution is
     * never recorded.
     */
    private final Map<Throwable, Integer> timeoutsOfStepCode = new WeakHashMap<>();
    /** Steps this instance executes right now. */
    private final StepExecutions executionsHere = new StepExecutions();
    /** What the runs' histories say about their steps. */
    private final StepHistory history;
    /** The awaits of runs: made, saved, resolved, timed out and closed there. */
    private final AwaitResolution awaitResolution;
    private final JobHandler jobHandler = new StepJobHandler();
    private volatile DeferredStarts deferredStarts;
    /** Time and make the writes of the steps' progress; none keeps it in memory only. */
    private volatile ProgressWrites progressWrites;
    /**
     * The queue was closed as the engine stops: a run created now would be stored without its first
     * job, which only the next instance's lost-job check would enqueue, so starts are refused.
     */
    private volatile boolean queueClosed;
    /** Whether the scheduling store held a concurrency key once (see {@link #requireConcurrencyKeys}). */
    private volatile boolean concurrencyKeysSupported;
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
    private volatile EventTriggers eventTriggers = EventTriggers.NONE;
    private final HealthMonitor health = new HealthMonitor();
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
    /** See {@link #longestWaitInWorker}. */
    static final Duration LONGEST_RATE_LIMIT_WAIT_IN_WORKER = Duration.ofSeconds(2);
    /** See {@link #longestWaitInWorker}. */
    static final Duration LONGEST_GROUP_RATE_LIMIT_WAIT_IN_WORKER = Duration.ofMillis(50);
    /** Most runs per status {@link #reportRunsAtStepsNotDeployed} reads. */
    static final int NOT_DEPLOYED_CHECK_RUNS = 1000;
    /** Most flows and steps {@link #reportRunsAtStepsNotDeployed} names. */
    private static final int NOT_DEPLOYED_NAMED = 20;
    /** How a {@code step.canceled} entry begins for an attempt that failed on its own in a run canceled meanwhile. */
    private static final String FAILED_AFTER_CANCEL = "the attempt failed after its run was canceled: ";
    /**
     * Owner of this engine's step leases: the instance id plus a token of this start. An instance
     * restarted under the same id must not renew the leases its crashed predecessor held (renewal
     * goes by owner), or those steps would never be found stalled.
     */
    private final String leaseOwner;
    /** Stall detection and the recovery of steps whose execution or job was lost. */
    private final LostStepRecovery lostSteps;
    /** What operators do to runs: cancel, restart, rerun, retry a step, delete, clear a flow's history. */
    private final OperatorActions operatorActions;

    public FlowEngine(FlowRegistry registry, FlowStore store, SchedulingStore scheduling, JobQueue queue,
                      EventStream stream, Json json, Clock clock, Function<Class<?>, Step<?, ?>> stepInstances,
                      Consumer<Object> hooks, EngineSettings settings) {
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.queue = queue;
        this.queuePauses = new QueuePauses(queue, scheduling);
        this.rateLimits = new EngineRateLimits(scheduling, clock);
        this.stream = stream;
        this.json = json;
        this.clock = clock;
        this.stepInstances = stepInstances;
        this.settings = settings;
        this.history = new StepHistory(store);
        this.awaitResolution = new AwaitResolution(registry, store, scheduling, json, clock, hooks, history,
                settings.webhookBaseUrl(), new AwaitContinuation());
        String startToken = UUID.randomUUID().toString().substring(0, 8);
        this.leaseOwner = settings.instanceId() + "@" + startToken;
        this.lostSteps = new LostStepRecovery(registry, store, scheduling, queue, clock, settings, history,
                executionsHere, leaseOwner, startToken, new StepRecoveryCalls());
        this.operatorActions = new OperatorActions(registry, store, scheduling, queue, clock, history, awaitResolution,
                executionsHere, new OperatorCalls());
    }

    /** Starts a worker for every queue the flows use. */
    public void startWorkers(ToIntFunction<String> concurrencyOfQueue,
                             Function<String, Optional<RateLimit>> rateLimitOfQueue,
                             Predicate<String> rateLimitPerInstance,
                             Function<String, Optional<String>> rateLimitGroupKeyOfQueue) {
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
            queue.registerWorker(name, concurrencyOfQueue.applyAsInt(name), jobHandler);
        }
        health.started();
        LOG.log(System.Logger.Level.INFO, "NVENT-0110 engine {0} started: flows {1}, queues {2}",
                settings.instanceId(), registry.flows().stream().map(FlowDefinition::name).toList(),
                registry.queues());
        reportRunsAtStepsNotDeployed();
    }

    /**
     * Warns once, at start-up, of unfinished runs at steps this deployment does not have (removed or
     * renamed in it, or their whole flow is): nothing here runs those steps, so the operator learns
     * at deploy time rather than from runs that never end. Reads the newest
     * {@link #NOT_DEPLOYED_CHECK_RUNS} running and awaiting runs, one query each; a store away at
     * start-up skips the check.
     */
    private void reportRunsAtStepsNotDeployed() {
        Map<String, Integer> runsAt = new TreeMap<>();
        int runs = 0;
        boolean capped = false;
        try {
            for (RunStatus status : List.of(RunStatus.RUNNING, RunStatus.AWAITING)) {
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
        this.deferredStarts = new DeferredStarts(executor, settings.startWriteDelay());
        rateLimits.followClockOf(awaitTimers);
    }

    /**
     * Stores the progress steps report ({@link io.nvent.StepContext#reportProgress}) through {@code writes}: at most once
     * a second per running step, timed by its timers and made by its writer, off the engine's scheduler.
     * Without it, a step's progress is kept in memory only (its {@code step.completed} entry has the last).
     */
    public void useProgressWrites(ProgressWrites writes) {
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
    public void closeQueue() {
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

    /** Connects the triggers that fire on named events. */
    void useEventTriggers(EventTriggers triggers) {
        this.eventTriggers = triggers;
    }

    /** Pauses and resumes of queues, recorded for every instance. */
    public QueuePauses queuePauses() {
        return queuePauses;
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
        concurrencyKey.ifPresent(this::requireConcurrencyKeys);
        if (key.isEmpty()) {
            requireReadableByEntry(flow, inputJson);
            return new StartedRun(createAndSchedule(flow, inputJson, parentRunId, Map.of(), Map.of(),
                    flow.entry(), data, delay, Optional.empty(), Optional.empty(), concurrencyKey), true);
        }
        return startOnce(flow, inputJson, parentRunId, key.get(), data.str("idempotencyKey", key.get().key()), delay,
                concurrencyKey);
    }

    /**
     * Refuses a start with a concurrency key before its run exists when the store cannot hold keys
     * (one written for nvent 0.1): its run would wait for ever. Asked once, by settling the key.
     */
    private void requireConcurrencyKeys(String key) {
        if (!concurrencyKeysSupported) {
            scheduling.settleConcurrencyKey(store, key, clock.instant());
            concurrencyKeysSupported = true;
        }
    }

    /**
     * An idempotency key as a start is given it: the key (as the run's {@code flow.start} entry records
     * it), the text the store's key is derived from (the key in its scope: a trigger's, a step
     * execution's, or none for a caller's) and whether an earlier run with the key must have had the
     * same input.
     */
    private record StartKey(String key, String seed, boolean sameInput) {

        /** A key of the caller's: another input with it is a mistake. */
        static StartKey callers(String key) {
            return new StartKey(key, key, true);
        }

        /** A sender's key for a trigger's fire, per trigger. */
        static StartKey trigger(String trigger, String key) {
            return new StartKey(key, "trigger " + trigger + '\u0000' + key, true);
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
     * earlier start with the same key created, and must have had the same input if the key says so. A
     * deleted run frees its key, and the next start gets a new run with a new id: an id of its own,
     * since queues remember the jobs of a run id long after the run is gone.
     */
    private StartedRun startOnce(FlowDefinition flow, String inputJson, Optional<String> parentRunId, StartKey key,
                                 JsonText startData, Optional<Duration> delay, Optional<String> concurrencyKey) {
        String storedKey = storedKey(flow.name(), key.seed());
        // Starts with one key on this instance take turns, so the loser of a race finds the winner's run
        // rather than failing an insert (which stores log); across instances the store decides.
        synchronized (keyStripes[Math.floorMod(storedKey.hashCode(), keyStripes.length)]) {
            return startOnceHoldingStripe(flow, inputJson, parentRunId, key, storedKey, startData, delay,
                    concurrencyKey);
        }
    }

    private StartedRun startOnceHoldingStripe(FlowDefinition flow, String inputJson, Optional<String> parentRunId,
                                              StartKey key, String storedKey, JsonText startData,
                                              Optional<Duration> delay, Optional<String> concurrencyKey) {
        Optional<StartedRun> earlier = earlierStart(storedKey, flow.name(), key, inputJson);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        requireReadableByEntry(flow, inputJson);
        try {
            return new StartedRun(createAndSchedule(flow, inputJson, parentRunId, Map.of(), Map.of(),
                    flow.entry(), startData, delay, Optional.of(new HeldKey(key.key(), storedKey)), Optional.empty(),
                    concurrencyKey), true);
        } catch (NventException raced) {
            return earlierStart(storedKey, flow.name(), key, inputJson).orElseThrow(() -> raced);
        }
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

    private Optional<StartedRun> earlierStart(String storedKey, String flow, StartKey key, String inputJson) {
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
            return new StartedRun(run.runId(), false);
        });
    }

    /**
     * Starts a run for a trigger fire; the payload is the run's input. With a key (a webhook
     * sender's delivery id), once per trigger, flow and key: the key's runs are the trigger's own,
     * apart from runs started directly with the same key. With a delay, as a delayed start.
     */
    StartedRun startFromTrigger(String flowName, String payloadJson, String trigger, StartOptions options) {
        FlowDefinition flow = registry.require(flowName);
        Optional<Duration> delay = options.delay();
        if (options.concurrencyKey().isPresent()) {
            throw new IllegalArgumentException("NVENT-0559 trigger '" + trigger + "' cannot start runs with a"
                    + " concurrency key (not yet): start the flow with FlowService.start and"
                    + " StartOptions.newBuilder().concurrencyKey(…) instead");
        }
        if (options.idempotencyKey().isPresent()) {
            String key = options.idempotencyKey().get();
            return startOnce(flow, payloadJson, Optional.empty(), StartKey.trigger(trigger, key),
                    JsonText.object().str("trigger", trigger).str("idempotencyKey", key), delay, Optional.empty());
        }
        requireReadableByEntry(flow, payloadJson);
        return new StartedRun(createAndSchedule(flow, payloadJson, Optional.empty(), Map.of(), Map.of(), flow.entry(),
                JsonText.object().str("trigger", trigger), delay, Optional.empty(), Optional.empty(), Optional.empty()),
                true);
    }

    /**
     * Refuses input that the entry step could not read, before a run exists: the caller gets the
     * error (a 400 on the API) instead of a run that fails. JSON objects for JSON-P or map inputs are
     * only checked for being objects: reading them twice would cost every start.
     */
    private void requireReadableByEntry(FlowDefinition flow, String inputJson) {
        Optional<StepBinding> entry = registry.binding(flow.name(), flow.entry().name());
        if (entry.isEmpty()) {
            return;
        }
        Type type = entry.get().inputType();
        Class<?> raw = type instanceof Class<?> c ? c
                : type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
        if (raw == Object.class || raw == String.class || raw == JsonValue.class
                || inputJson.strip().equals("null")) {
            return;   // any JSON reads as these types, and null as any (a step may take no input)
        }
        String what = "input of flow '" + flow.name() + "' for step '" + flow.entry().name() + "'";
        boolean objectOnly = InputProperties.userClass(type).isPresent();
        if (objectOnly || raw == JsonObject.class || (raw != null && Map.class.isAssignableFrom(raw))) {
            if (!inputJson.stripLeading().startsWith("{")) {
                // Said in JSON's terms, not the step's Java type: the sender may be a webhook's, who knows no Java.
                throw new InvalidPayloadException(what + " must be a JSON object, got " + Json.kindOf(inputJson));
            }
            if (!objectOnly) {
                return;
            }
        }
        json.readInput(inputJson, type, what);
    }

    /**
     * Creates a run from the input of {@code original} (a restart or rerun of it) whose given steps and
     * emissions are already done, and schedules its first step; unless {@code original} was deleted
     * meanwhile (see {@link #createAndSchedule(FlowDefinition, String, Optional, Map, Map, StepDefinition,
     * JsonText, Optional, Optional, Optional, Optional)}).
     */
    private String createCopyAndSchedule(FlowDefinition flow, RunRecord original, Map<String, StepStatus> doneSteps,
                                         Map<String, String> doneEvents, StepDefinition first, JsonText startData) {
        return createAndSchedule(flow, original.input(), original.parentRunId(), doneSteps, doneEvents, first,
                startData, Optional.empty(), Optional.empty(), Optional.of(original.runId()), original.concurrencyKey());
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
                                     Optional<String> concurrencyKey) {
        if (queueClosed) {
            throw new EngineStoppedException(flow.name());
        }
        String runId = UUID.randomUUID().toString();
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
            run = run.withConcurrencyKey(concurrencyKey.get());
            startData.str("concurrencyKey", concurrencyKey.get());
        }
        List<EventDraft> events = new ArrayList<>();
        delay.ifPresent(d -> startData.str("startAt", now.plus(d).toString()));
        events.add(EventDraft.ofRun(EventType.FLOW_START, now, startData.raw("input", inputJson).build()));
        List<AwaitRecord> awaits = new ArrayList<>();
        if (concurrencyKey.isPresent() && delay.isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = AwaitResolution.delayedStartWithKey(run, first, now, delay.get(), concurrencyKey.get());
            awaits.add(await);
            events.add(awaitResolution.registeredEvent(await));
        } else if (concurrencyKey.isPresent()) {
            run = run.withStep(first.name(), StepStatus.AWAITING).withStatus(RunStatus.AWAITING, now);
            AwaitRecord await = AwaitResolution.concurrencyKeyAwait(run, first.name(), now, concurrencyKey.get());
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
        publish(flow.name(), stored);
        awaitResolution.saveAwaits(awaits);
        if (concurrencyKey.isPresent() && delay.isEmpty()) {
            awaitResolution.settleConcurrencyKeyOfWaiter(runId, concurrencyKey.get());
        } else if (awaits.isEmpty()) {
            handOver(runId, flow.name(), first, false, run.version());
        }
        return runId;
    }

    /**
     * Removes a run just created as a copy of a run deleted meanwhile, before it was published or a step
     * of it scheduled: canceled, then deleted as an ended run is. A store that cannot delete a single run
     * (written for nvent 0.1) keeps it canceled, its cancel saying why.
     */
    private void discardCopyOfDeletedRun(String runId, String original, Instant now) {
        String reason = "run '" + original + "', whose input it was to take, was deleted meanwhile";
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
        String payloadJson = json.toJson(payload, "payload of event '" + event + "'");
        Instant now = clock.instant();
        FlowDefinition flow = flowOf(runId);
        requireListenedTo(flow, runId, event);
        Pending pending = new Pending();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (run.status().isTerminal()) {
                throw new IllegalRunTransitionException(runId, run.status(), "receive event '" + event + "'");
            }
            Emission emission = new Emission(event, payloadJson, now);
            keepWithinEmittedLimit(run, List.of(emission));
            pending.reset();
            // Delivered as a step's emission is: to event triggers and awaiting runs, this one included.
            pending.released.add(emission);
            EventDraft emitted = EventDraft.ofRun(EventType.EMIT, now, emitData(event, payloadJson));
            return Optional.of(pending.advance(this, flow, run.withEmitted(event, payloadJson), List.of(emitted), now));
        });
        change.ifPresent(c -> afterChange(flow.name(), c, pending));
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

    /**
     * Refuses emissions that would take what the run keeps of its emitted events beyond
     * {@code nvent.payload.max-run-emitted-bytes}, on the run as the write that records them reads it:
     * an operator's emit, or a step's completion, whose emits were checked against the run as its
     * attempt read it, which a step completing beside it may have changed since; or the resolution
     * of an after-await, whose held emits were checked at the step's completion.
     *
     * @throws io.nvent.EmittedPayloadsTooLargeException (NVENT-0198) for the first emission that does not fit
     */
    private void keepWithinEmittedLimit(RunRecord run, List<Emission> emissions) {
        RunEmittedLimit.Tally tally = json.runEmittedLimit().tally(run.runId(), run.emitted());
        for (Emission emission : emissions) {
            tally.admit(emission.event(), emission.payloadJson());
        }
    }

    @Override
    public boolean cancel(String runId) {
        return operatorActions.cancel(runId);
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
        return operatorActions.deleteRun(runId, requestedBy);
    }

    /** The actions operators take on runs (the maintenance sweep follows cancels and deletes awaits through it). */
    OperatorActions operatorActions() {
        return operatorActions;
    }

    @Override
    public Optional<RunInfo> run(String runId) {
        return store.findRun(Objects.requireNonNull(runId, "runId must not be null")).map(this::withLostStepsSettled)
                .map(RunRecord::toInfo);
    }

    @Override
    public List<StepWait> waits(String runId) {
        RunRecord run = withLostStepsSettled(store.findRun(Objects.requireNonNull(runId, "runId must not be null"))
                .orElseThrow(() -> new RunNotFoundException(runId)));
        return new StepWaits(registry, queue, scheduling, rateLimits, this::lastChangeOf, history::rateLimitedJobOf,
                history::lastJobOf, settings.missingStepGrace(),
                (id, step) -> history.latestEntryOfStep(id, EventType.STEP_STARTED, step),
                (id, step) -> history.latestEntryOfStep(id, EventType.STEP_RETRY, step), clock.instant()).of(run);
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
                        lostStepOfCanceledRun(step.getKey(), now, cause));
                if (change.isPresent()) {
                    settled = change.get().run();
                    publish(change.get());
                    logLostStepOfCanceledRun(run.runId(), step.getKey(), cause);
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
     * lists runs of any parent: refused rather than passed on as if they were the parent's children.
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
    public HealthReport health() {
        return health.report(clock.instant(), queue.problem());
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
        return deliverEvent(event, json.toJson(payload, "payload of event '" + event + "'"));
    }

    /** An event is found by its name: a blank one could never be awaited or subscribed to. */
    private static void requireEventName(String event) {
        if (event == null || event.isBlank()) {
            throw new IllegalArgumentException("NVENT-0155 an event needs a name; this one is "
                    + (event == null ? "missing" : "blank"));
        }
    }

    /** Hands a named event to event triggers and to runs awaiting it. */
    EventDelivery deliverEvent(String event, String payloadJson) {
        List<String> started = eventTriggers.fireOnEvent(event, payloadJson);
        return new EventDelivery(started, awaitResolution.resolveAwaitsOf(event, payloadJson));
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

    /** What the engine does once an await let its step go on, or failed it (see {@link AwaitResolution}). */
    private final class AwaitContinuation implements AwaitResolution.RunContinuation {

        @Override
        public RunChange release(Pending pending, FlowDefinition flow, RunRecord run, AwaitRecord await,
                                 List<EventDraft> events, Instant now) {
            return pending.release(FlowEngine.this, flow, run, await, events, now);
        }

        @Override
        public void afterChange(String flow, StoredChange change, Pending pending) {
            FlowEngine.this.afterChange(flow, change, pending);
        }

        @Override
        public void sendRetry(String runId, String flowName, StepDefinition step, long runVersion) {
            operatorActions.sendRetry(runId, flowName, step, runVersion);
        }
    }

    // ---------------------------------------------------------------- step execution

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

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            if (cutShortByStop(error)) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0533 job {0} attempt {1} of queue {2} was cut short by the"
                        + " engine stopping ({3}): not recorded as a failure; the step runs again once an instance"
                        + " takes it up (its job redelivered, or the sweep finding it lost)", job.jobId(),
                        job.attempt(), job.queue(), String.valueOf(error));
                return;
            }
            JobExecution attempt = StepJob.asStepAttempt(job);
            Optional<StepProgress> progress = progressOfFailed(attempt);
            if (!isSuperseded(attempt)) {
                recordFailure(attempt, error, nextAttemptAt, progress);
            }
        }
    }

    /** The last progress the failed attempt reported here, if any (see {@link StepExecutions#progressOfFailed}). */
    private Optional<StepProgress> progressOfFailed(JobExecution attempt) {
        try {
            StepJob ref = StepJob.parse(attempt.payload());
            return executionsHere.progressOfFailed(ref.runId(), ref.step(), attempt);
        } catch (IllegalArgumentException notAStepJob) {
            return Optional.empty();
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
        Instant startedAt = clock.instant();
        StepExecution self = executionsHere.begin(ref.runId(), ref.step(), job, binding.definition().timeout());
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
                            ? Optional.empty() : lateStartChange(run, ref.step(), job, startedAt), starts);
                    return;
                }
            }
            executeStarted(binding, job, self, ref.runId(), run -> {
                run.concurrencyKey().ifPresent(concurrencyKey::set);
                return startChange(run, ref.step(), job, startedAt, alreadyRunningHere, foundLost);
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
            giveWayForTheStore(ref, job, storeAway, self.hasInvoked() ? Optional.of(startedAt) : Optional.empty());
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
            if (isStartOf(newestFirst.get(i), job)) {
                return i == 0 ? Optional.empty() : Optional.of(newestFirst.get(0));
            }
        }
        return Optional.empty();
    }

    /** Whether the entry is the {@code step.started} of this attempt of this job on this instance. */
    private boolean isStartOf(HistoryEvent entry, JobExecution job) {
        if (entry.type() != EventType.STEP_STARTED || entry.attempt() != job.attempt()) {
            return false;
        }
        JsonObject data = Json.PROVIDER.createReader(new StringReader(entry.data())).readObject();
        return job.jobId().equals(data.getString("jobId", null))
                && settings.instanceId().equals(data.getString("instance", null));
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
        sendToQueue(step.queue(), () -> queue.enqueue(stepJob(new StepJob(ref.runId(), ref.flow(), ref.step(),
                OptionalLong.empty()).afterAttempts(job.attempt()), step, jobId, true).withDelay(delay)));
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
    private void giveWayForTheStore(StepJob ref, JobExecution job, Exception failure, Optional<Instant> ranFrom)
            throws Exception {
        String message = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
        try {
            requeueAfterStoreFailure(ref, job, message, clock.instant(), ranFrom);
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
        publish(ref.flow(), store.appendEvents(ref.runId(), List.of(EventDraft.ofStep(EventType.STEP_RETRY,
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
        Optional<StoredChange> started = writeStart(binding, job, self, runId, start);
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
                lostSteps.releaseOwnLease(started.get().run().runId(), binding.step(), job);
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
            if (started.isEmpty()) {
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
                lostSteps.releaseOwnLease(before.runId(), binding.step(), job);
            }
        }
    }

    /** Stores the step's start and its lease; empty if the step must not run (see {@link #startChange}). */
    private Optional<StoredChange> writeStart(StepBinding binding, JobExecution job, StepExecution self, String runId,
                                              RunMutation start) {
        // For this attempt: the progress the store keeps with the lease is this attempt's only, and the writes of
        // an earlier attempt still running here past its timeout are refused once this one holds it.
        StepLease lease = leaseOf(runId, binding.step(), job.attempt());
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
        publish(started.get());
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
    private StepLease leaseOf(String runId, String step, int attempt) {
        return leaseOf(runId, step).forAttempt(attempt);
    }

    /** A lease taken now for the lease duration, with the time it was taken (which tells its duration to readers). */
    private StepLease leaseFrom(Instant now, String runId, String step, String owner) {
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
        if (next.status() != RunStatus.RUNNING) {
            next = next.withStatus(RunStatus.RUNNING, startedAt);
        }
        events.add(startedEvent(step, job, startedAt));
        return Optional.of(new RunChange(next, events));
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
        if (!run.status().isTerminal() && next.status() != RunStatus.RUNNING) {
            next = next.withStatus(RunStatus.RUNNING, startedAt);
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
        if (!self.isStale() && leaseMayHaveRunOut(self) && !holdsLease(runId, step, self.attempt())) {
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
            return held.apply(leaseOf(runId, step, self.attempt()));
        } catch (StaleExecutionException notHeld) {
            markLeaseLost(self);
            throw notHeld;
        }
    }

    /** Throws for an attempt known to no longer hold its step: stale, or failed by the queue for its timeout. */
    private static void refuseIfStale(StepExecution self, String runId, String step) {
        if (!self.isStale() && self.isPastTimeout()) {
            self.markStale("the queue fails the attempt for its timeout of " + self.timeout().toMillis()
                    + " ms, and its retry may run");
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

    /** Whether this instance holds the step's lease, not taken for another attempt than {@code attempt}. */
    private boolean holdsLease(String runId, String step, int attempt) {
        StepLease mine = leaseOf(runId, step, attempt);
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
                FlowEngine.this.requireCurrent(self, runId, step);
            }

            @Override
            public <T> T write(Supplier<T> plain, Function<StepLease, T> held) {
                return writeAsCurrent(self, runId, step, plain, held);
            }
        };
        DefaultStepContext context = new DefaultStepContext(this, runId, run.flow(), step, job, store, scheduling,
                json, clock,
                settings.stateCleanup(), () -> resolvedData(runId, step, AwaitPosition.BEFORE),
                self::isCancelRequested, fence, binding.definition().emits(),
                json.runEmittedLimit().tally(runId, run.emitted()), Optional.ofNullable(progressWrites),
                progress -> storeProgress(self, job.attempt(), runId, step, progress));
        self.reportsProgress(context::latestProgress);
        return context;
    }

    /**
     * Keeps a step's progress with its lease, renewing that lease as a sign of life; not for an execution
     * that no longer holds the step, nor one past its timeout (its retry may run beside it on this instance).
     * Nothing is written if the lease ran out, is another owner's or was taken for another attempt.
     *
     * <p>A lease is this instance's whichever of its attempts runs, so the store's condition names the attempt
     * too ({@link StepLease#forAttempt}, as {@link #writeStart} takes it): the timeout check here and the write
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
        scheduling.recordProgress(leaseFrom(now, runId, step, leaseOwner).forAttempt(attempt), progress, now);
    }

    /**
     * A {@code step.completed} entry's data: the step's result and, if the attempt reported progress, the
     * last it reported ({@code done}, {@code total}, {@code message}): the one trace a completed attempt's
     * progress leaves, since its lease, which kept it, goes with the completion.
     */
    static String completedData(String resultJson, Optional<StepProgress> progress) {
        JsonText data = JsonText.object().raw("result", resultJson);
        progress.ifPresent(last -> withProgress(data, last));
        return data.build();
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

    @Override
    public Map<String, StepProgress> progress(String runId) {
        return scheduling.progressOfRun(Objects.requireNonNull(runId, "runId must not be null"));
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
            lostSteps.releaseOwnLease(runId, step, job);
            return false;
        }
        if (!self.isCancelRequested() && cutShortByStop(failure)) {
            return settledAtStop(self, job, runId, step, failure, Optional.empty());
        }
        String error = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
        String reason;
        if (self.isCancelRequested()) {
            reason = "the run was canceled while the attempt ran, and it stopped: " + error;
        } else if (Interrupts.showsInterrupt(failure)) {
            reason = "the attempt was interrupted (its instance stopping) after its run was canceled: " + error;
        } else {
            reason = FAILED_AFTER_CANCEL + error;
            try {
                // A plain read first: a change the store refuses on a run state it keeps from its own
                // writes makes a grouped commit run again write by write (JPA store), too dear for every
                // failure of a run that was not canceled.
                if (store.findRun(runId).filter(run -> run.status() == RunStatus.CANCELED).isEmpty()) {
                    lostSteps.releaseOwnLease(runId, step, job);
                    return false;
                }
            } catch (RuntimeException notRead) {
                failure.addSuppressed(notRead);
                lostSteps.releaseOwnLease(runId, step, job);
                return false;
            }
        }
        Optional<StoredChange> change;
        try {
            change = scheduling.finishStep(store, leaseOf(runId, step, job.attempt()),
                    canceledStep(step, job.attempt(), clock.instant(), reason));
        } catch (StaleExecutionException notHeld) {
            // The step is another execution's now: this attempt's failure is dropped.
            markLeaseLost(self);
            return false;
        } catch (RuntimeException notStored) {
            failure.addSuppressed(notStored);
            // The store away: the sweep gives the lease up once it is back, and the queue records the failure.
            lostSteps.releaseOwnLease(runId, step, job);
            return false;
        }
        change.ifPresent(c -> {
            publish(c);
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
        String error = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
        Instant now = clock.instant();
        RunMutation canceled = canceledStep(step, job.attempt(), now, (Interrupts.showsInterrupt(failure)
                ? "the attempt was interrupted (its instance stopping) after its run was canceled: "
                : "the attempt was cut short by its instance stopping after its run was canceled: ") + error);
        AtomicBoolean tooLate = new AtomicBoolean();
        RunMutation waitingAgain = waitingAgainAfterStop(self, step, job, now, error,
                System.nanoTime() + stopPatience.toNanos(), unstoredStart.isEmpty(), tooLate);
        RunMutation settle = run -> canceled.apply(run).or(() -> waitingAgain.apply(run));
        // A step that kept the interrupt for its caller must not fail the write on it (a pool refuses an
        // interrupted thread); the queue's own handling of the attempt sees it again.
        boolean interrupted = Thread.interrupted();
        Optional<StoredChange> change;
        try {
            change = store.updateRun(runId,
                    unstoredStart.isPresent() ? startThen(unstoredStart.get(), settle) : settle);
        } catch (RuntimeException notStored) {
            failure.addSuppressed(notStored);
            LOG.log(System.Logger.Level.WARNING, "NVENT-0535 run {0}: step {1}, cut short by this instance stopping"
                    + " (attempt {2}, job {3}), could not be handed back ({4}); it comes back once its lease"
                    + " expires, as a stalled step", runId, step, job.attempt(), job.jobId(), notStored.toString());
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (unstoredStart.isEmpty() && (change.isPresent() || !tooLate.get())) {
            // Kept while the step stays running for it: the sweep finds the step once the lease expires.
            lostSteps.releaseOwnLease(runId, step, job);
        }
        if (change.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + ": step " + step + ", cut short by this instance"
                    + " stopping, was not handed back: " + (tooLate.get()
                    ? "the write came too late, and the step waits under its lease for the sweep"
                    : "it no longer runs under attempt " + job.attempt()));
            return false;
        }
        publish(change.get());
        if (change.get().run().steps().get(step) == StepStatus.CANCELED) {
            return true;
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0535 run {0}: step {1} was cut short by this instance stopping"
                + " (attempt {2}, job {3}): handed back, not counted as an attempt; it runs again at once on an"
                + " instance that takes its job", runId, step, job.attempt(), job.jobId());
        return false;
    }

    /**
     * A step the engine's stop cut short goes back to waiting for its job, which the queue keeps (the
     * JMS queue rolls its delivery back, the PostgreSQL queue hands it back, a memory queue keeps it
     * while its JVM lives; the lost-job check queues a recovery job for one it lost), with a
     * {@code step.retry} entry that says so: no attempt counted ({@code nextAttempt} absent), due at
     * once ({@code nextAttemptAt} absent), the instance that stopped ({@code instanceStopped}) and the
     * job. Another instance, or this one restarted, then runs it as soon as it takes the job, instead of
     * finding it stalled once its lease expired. Declined once {@code deadline} ({@link System#nanoTime})
     * has passed or the stop gave up waiting for it, and, for an attempt that holds the step's lease
     * ({@code leased}), once this instance can no longer be sure that it still does: a late write must
     * not undo a takeover. {@code tooLate} tells whether the last call declined for one of those.
     */
    private RunMutation waitingAgainAfterStop(StepExecution self, String step, JobExecution job, Instant now,
                                              String error, long deadline, boolean leased, AtomicBoolean tooLate) {
        String data = JsonText.object().str("reason", "instance " + settings.instanceId() + " stopped while the"
                        + " attempt ran (NVENT-0535): it does not count, and the step waits again for its job "
                        + job.jobId()).str("instanceStopped", settings.instanceId()).str("jobId", job.jobId())
                .str("error", error).build();
        return run -> {
            tooLate.set(false);
            if (run.status().isTerminal() || run.steps().get(step) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            if (stopGaveUp || System.nanoTime() - deadline > 0 || leased && !surelyHoldsLease(self)) {
                tooLate.set(true);
                return Optional.empty();
            }
            return Optional.of(new RunChange(run.withStep(step, StepStatus.QUEUED),
                    List.of(EventDraft.ofStep(EventType.STEP_RETRY, step, job.attempt(), now, data))));
        };
    }

    /**
     * Whether this execution's lease of its step holds by what this instance knows, without reading
     * the store: the end its start gave it, or a renewal extended it to, is still ahead.
     */
    private boolean surelyHoldsLease(StepExecution self) {
        return !self.isStale() && !leaseMayHaveRunOut(self) && self.leaseUntil().isPresent();
    }

    /**
     * A step recorded running in a canceled run ends as canceled, with a {@code step.canceled} entry
     * saying why; any other state is left as it is.
     *
     * @param attempt the attempt that ended, or 0 for an execution that was lost
     */
    private static RunMutation canceledStep(String step, int attempt, Instant now, String reason) {
        return run -> {
            if (run.status() != RunStatus.CANCELED || run.steps().get(step) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            return Optional.of(new RunChange(run.withStep(step, StepStatus.CANCELED), List.of(EventDraft.ofStep(
                    EventType.STEP_CANCELED, step, attempt, now, JsonText.object().str("reason", reason).build()))));
        };
    }

    /** A step recorded running in a canceled run, whose execution was lost ({@code cause}), ends as canceled. */
    static RunMutation lostStepOfCanceledRun(String step, Instant now, String cause) {
        return canceledStep(step, 0, now, "the run was canceled and the step's execution was lost (" + cause
                + "); it is not queued again");
    }

    static void logLostStepOfCanceledRun(String runId, String step, String cause) {
        LOG.log(System.Logger.Level.INFO, "NVENT-0195 run {0} was canceled, and the execution of its step {1} was"
                + " lost ({2}): the step is recorded canceled", runId, step, cause);
    }

    private String invokeForResult(StepBinding binding, RunRecord run, DefaultStepContext context,
                                   StepExecution self) throws Exception {
        Object input = json.readInput(inputOf(binding, run), binding.inputType(),
                "input of " + binding.step() + " in run " + run.runId());
        long began = System.nanoTime();
        boolean succeeded = false;
        Object result;
        try {
            self.invoking();
            try {
                result = invoke(binding, input, context);
            } finally {
                self.invoked();
                context.endProgress();
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
        return json.toJson(result, "result of step '" + binding.step() + "'");
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

    /** See {@link io.nvent.StepContext#afterAwaitData}. */
    Optional<String> afterAwaitData(String runId, String flow, String step) {
        Objects.requireNonNull(step, "step must not be null");
        StepDefinition awaited = registry.flow(flow).flatMap(f -> f.step(step)).orElseThrow(() ->
                new IllegalArgumentException("flow '" + flow + "' has no step '" + step + "'"));
        if (awaited.awaitAfter().isEmpty()) {
            throw new IllegalArgumentException("step '" + step + "' of flow '" + flow + "' has no after-await");
        }
        return resolvedData(runId, step, AwaitPosition.AFTER);
    }

    private Optional<String> resolvedData(String runId, String step, AwaitPosition position) {
        return scheduling.awaitsOfRun(runId).stream()
                .filter(a -> a.step().equals(step) && a.position() == position && a.status() == AwaitStatus.RESOLVED
                        && a.type() != AwaitType.CONCURRENCY_KEY)
                .reduce((first, second) -> second)
                .flatMap(AwaitRecord::data);
    }

    @SuppressWarnings("unchecked")
    private Object invoke(StepBinding binding, Object input, DefaultStepContext context) throws Exception {
        Step<Object, Object> step = (Step<Object, Object>) stepCache.computeIfAbsent(binding.beanClass(),
                stepInstances);
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
                lostSteps.releaseOwnLease(context.runId(), binding.step(), job);
                logStaleOutcome(job, "its result", stale);
                return;
            }
        }
        FlowDefinition flow = registry.require(binding.flow());
        StepDefinition step = binding.definition();
        Instant now = clock.instant();
        Pending pending = new Pending();
        List<Emission> emissions = context.emissions();
        RunMutation finish = run -> {
            pending.reset();
            if (run.steps().get(step.name()) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            // Fails the attempt (its emits discarded, retried as any failure) if a step of the run that
            // ran beside it completed first with emits of its own, and its own no longer fit.
            keepWithinEmittedLimit(run, emissions);
            // A run canceled while this one ran schedules nothing: its emits are recorded, saying so, and
            // reach no step, event trigger or await. A run failed by another step may be retried
            // (retryStep), and then its steps go on from what it emitted: their emits go out as ever.
            boolean ended = run.status() == RunStatus.CANCELED;
            List<EventDraft> events = new ArrayList<>();
            for (Emission emission : emissions) {
                events.add(EventDraft.ofStep(EventType.EMIT, step.name(), job.attempt(), emission.at(), ended
                        ? unscheduledEmitData(emission)
                        : emitData(emission.event(), emission.payloadJson())));
            }
            events.add(EventDraft.ofStep(EventType.STEP_COMPLETED, step.name(), job.attempt(), now,
                    completedData(resultJson, context.endProgress())));
            RunRecord next = run.withResult(resultJson);
            if (step.awaitAfter().isPresent() && !run.status().isTerminal()) {
                // The step's effects wait: its emissions are held in the await until it resolves.
                next = next.withStep(step.name(), StepStatus.AWAITING);
                AwaitRecord await = awaitResolution.newAwait(next, step, AwaitPosition.AFTER, now,
                        Emission.toJson(emissions));
                pending.awaits.add(await);
                events.add(awaitResolution.registeredEvent(await));
                return Optional.of(pending.advance(this, flow, next, events, now));
            }
            next = next.withStep(step.name(), StepStatus.COMPLETED);
            for (Emission emission : emissions) {
                next = next.withEmitted(emission.event(), emission.payloadJson());
            }
            if (!ended) {
                pending.released.addAll(emissions);
            }
            return Optional.of(pending.advance(this, flow, next, events, now));
        };
        Optional<StoredChange> change;
        if (lease.isEmpty()) {
            // The deferred start stored with the result, which its start refuses past the attempt's timeout; a
            // retry of the attempt here gives way while this write is under way (see writeAsCurrent).
            boolean counted = self.beginUncheckedWrite();
            try {
                change = store.updateRun(context.runId(), startThen(start, finish));
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
                change = writeAsCurrent(self, context.runId(), step.name(),
                        () -> scheduling.finishStep(store, lease.get(), finish),
                        held -> scheduling.finishStepHolding(store, held, finish));
            } catch (StaleExecutionException stale) {
                logStaleOutcome(job, "its result", stale);
                return;
            }
        }
        change.ifPresent(c -> afterChange(flow.name(), c, pending));
        if (change.isPresent() && StepJob.isRecoveryJob(job.jobId())) {
            discardReplacedJob(context.runId(), step);
        }
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
    private void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt,
                               Optional<StepProgress> progress) {
        StepJob ref;
        try {
            ref = StepJob.parse(job.payload());
        } catch (RuntimeException unreadable) {
            LOG.log(System.Logger.Level.ERROR, "NVENT-0112 job " + job.jobId() + " has an unreadable payload", error);
            return;
        }
        Instant now = clock.instant();
        String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        Optional<String> notRetryable = notRetryableFor(job, error).map(reason -> reason.getClass().getName());
        boolean timedOut = error instanceof TimeoutException && !thrownByStepCode(error);
        if (timedOut && !message.contains("exceeded its timeout")) { // the queues' own messages say so
            message = "attempt " + job.attempt() + " exceeded its timeout: " + message;
        }
        String finalMessage = message;
        if (nextAttemptAt.isEmpty() && isStoreUnavailable(error)) {
            requeueAfterStoreFailure(ref, job, finalMessage, now, Optional.empty());
            return;
        }
        // A delivery that failed only because the store could not be reached, which it could not give way
        // for, does not count, although the queue retries it as its next attempt: its entries show the
        // attempt the step is at, and its step.retry names no next attempt (see asRecordedAttempt).
        boolean storeAway = isStoreUnavailable(error);
        JobExecution attempt = storeAway ? asRecordedAttempt(ref, job) : job;
        AtomicBoolean canceledRun = new AtomicBoolean();
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
                    return canceledStep(ref.step(), attempt.attempt(), now, FAILED_AFTER_CANCEL + finalMessage)
                            .apply(started).map(canceled -> {
                                events.addAll(canceled.events());
                                return new RunChange(canceled.updated(), events);
                            });
                }
                JsonText data = JsonText.object().str("error", finalMessage).str("stack", stackTrace(error))
                        .num("attempt", attempt.attempt()).num("maxAttempts", job.maxAttempts());
                // The next attempt of a queue that retries it all the same fails the step without running it.
                notRetryable.ifPresent(type -> data.raw("retryable", "false").str("errorType", type));
                progress.ifPresent(last -> withProgress(data, last));
                if (nextAttemptAt.isPresent()) {
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
                        events));
            });
            change.ifPresent(this::publish);
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
                                               String message, List<EventDraft> events) {
        events.add(EventDraft.ofStep(EventType.STEP_FAILED, step, attempt, now, data.build()));
        RunRecord next = run.withStep(step, StepStatus.FAILED);
        if (run.status().canTransitionTo(RunStatus.FAILED)) {
            next = next.withFailure(now, message);
            events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                    .str("step", step).str("error", message).build()));
        }
        return new RunChange(next, events);
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
        Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
            if (run.status().isTerminal() || run.steps().get(ref.step()) != StepStatus.RETRYING) {
                return Optional.empty();
            }
            JsonText data = JsonText.object().str("error", message).str("stack", was.getString("stack", ""))
                    .num("attempt", failed).num("maxAttempts", was.getInt("maxAttempts", job.maxAttempts()))
                    .raw("retryable", "false").str("errorType", was.getString("errorType", ""))
                    .str("reason", "not worth a retry; the queue retried it all the same, and attempt "
                            + job.attempt() + " did not run");
            return Optional.of(stepFailedFinally(run, ref.step(), failed, now, data, message, new ArrayList<>()));
        });
        change.ifPresent(c -> {
            publish(c);
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
                    lostSteps.releaseOwnLease(ref.runId(), ref.step(), job);
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
     * A call of the engine to the queue adapter, where the store is called too (the sweep's lost-job
     * check and stall recovery, a requeue): its failure (the broker away) names the queue, so that
     * health reports a sweep that failed on it under the queue, not under the store.
     */
    static <T> T askQueue(String queueName, Supplier<T> call) {
        try {
            return call.get();
        } catch (QueueFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new QueueFailure(queueName, e);
        }
    }

    static void sendToQueue(String queueName, Runnable call) {
        askQueue(queueName, () -> {
            call.run();
            return null;
        });
    }

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
    private void requeueAfterStoreFailure(StepJob ref, JobExecution job, String message, Instant now,
                                          Optional<Instant> ranFrom) {
        Optional<StoredChange> change = requeueLater(ref, asRecordedAttempt(ref, job), STORE_RETRY_DELAY, now,
                Optional.of(JsonText.object().str("reason", "the store could not be reached; the attempt does not"
                        + " count").str("error", message)), false, ranFrom);
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
        Optional<StepDefinition> step = registry.flow(ref.flow()).flatMap(f -> f.step(ref.step()));
        if (step.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> data = why.map(entry -> entry.str("nextAttemptAt", now.plus(delay).toString()).build());
        Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
            StepStatus status = run.steps().get(ref.step());
            if (run.status().isTerminal() || status == null || status.isFinal() || status == StepStatus.AWAITING) {
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
        publish(change.get());
        String jobId = underRateLimit ? StepJob.rateLimitedJobId(ref.runId(), ref.step(),
                change.get().events().get(change.get().events().size() - 1).seq())
                : StepJob.recoveryJobId(ref.runId(), ref.step(), change.get().run().version());
        // The attempt gives way without counting: the step runs again as this attempt, with the attempts it has left.
        sendToQueue(step.get().queue(), () -> queue.enqueue(stepJob(new StepJob(ref.runId(), ref.flow(), ref.step(),
                OptionalLong.empty()).afterAttempts(job.attempt() - 1), step.get(), jobId, true).withDelay(delay)));
        return change;
    }

    /** Stall detection and lost-step recovery (the maintenance sweep). */
    LostStepRecovery lostSteps() {
        return lostSteps;
    }

    /** What recovering a lost or stalled step asks of the engine (see {@link LostStepRecovery}). */
    private final class StepRecoveryCalls implements LostStepRecovery.Engine {

        @Override
        public StepLease leaseOf(String runId, String step, int attempt) {
            return FlowEngine.this.leaseOf(runId, step, attempt);
        }

        @Override
        public StepLease leaseFrom(Instant now, String runId, String step, String owner) {
            return FlowEngine.this.leaseFrom(now, runId, step, owner);
        }

        @Override
        public void publish(StoredChange change) {
            FlowEngine.this.publish(change);
        }

        @Override
        public void enqueue(String runId, String flow, StepDefinition step, String jobId, int attemptsBefore) {
            FlowEngine.this.enqueue(runId, flow, step, jobId, attemptsBefore);
        }

        @Override
        public void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt,
                                  Optional<StepProgress> progress) {
            FlowEngine.this.recordFailure(job, error, nextAttemptAt, progress);
        }

        @Override
        public void requeueAfterStoreFailure(StepJob ref, JobExecution job, String message, Instant now,
                                             Optional<Instant> ranFrom) {
            FlowEngine.this.requeueAfterStoreFailure(ref, job, message, now, ranFrom);
        }
    }

    /** What an operator's action asks of the engine (see {@link OperatorActions}). */
    private final class OperatorCalls implements OperatorActions.Engine {

        @Override
        public void requireReadableByEntry(FlowDefinition flow, String inputJson) {
            FlowEngine.this.requireReadableByEntry(flow, inputJson);
        }

        @Override
        public String createCopyAndSchedule(FlowDefinition flow, RunRecord original,
                                            Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                                            StepDefinition first, JsonText startData) {
            return FlowEngine.this.createCopyAndSchedule(flow, original, doneSteps, doneEvents, first, startData);
        }

        @Override
        public void publish(StoredChange change) {
            FlowEngine.this.publish(change);
        }

        @Override
        public void enqueue(String runId, String flow, StepDefinition step, String jobId) {
            FlowEngine.this.enqueue(runId, flow, step, jobId);
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
        return start(flow, inputJson, options, Optional.of(parentRunId), executionKey);
    }

    /**
     * How often a step failed for good in a run (its {@code step.failed} entries): an operator's retry
     * takes it up again after each, from its first attempt.
     */
    int failuresOf(String runId, String step) {
        return (int) store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_FAILED), 0, EventQuery.MAX_LIMIT,
                false)).stream().filter(e -> e.step().filter(step::equals).isPresent()).count();
    }

    /** Publishes entries of one run that are stored, and removes the run's state if they call for it. */
    private void reportPublishFailure(String flow, RuntimeException failure) {
        long now = clock.millis();
        long last = lastPublishFailureReport.get();
        if (now - last < PUBLISH_FAILURE_REPORT_INTERVAL.toMillis() && last != 0) {
            unreportedPublishFailures.incrementAndGet();
            return;
        }
        if (lastPublishFailureReport.compareAndSet(last, now)) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0114 could not publish events of flow " + flow + " to the live "
                    + "stream (" + unreportedPublishFailures.getAndSet(0) + " more failures since the last report; "
                    + "at most one report a minute); runs go on, live listeners catch up from the store", failure);
        }
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

    /**
     * Publishes a stored change of a run and, if it ended the run, hands on the concurrency key the run
     * held: every change that ends a run is published through here, with the run as stored, so that
     * the hand-on costs no read of the run.
     */
    private void publish(StoredChange change) {
        publish(change.run().flow(), change.events());
        if (change.run().concurrencyKey().isPresent() && change.events().stream().anyMatch(e -> e.type().isTerminal())) {
            awaitResolution.handOnConcurrencyKey(change.run());
        }
    }

    void publish(String flow, List<HistoryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        metrics.stored(flow, events);
        try {
            stream.publish(flow, events);
        } catch (RuntimeException e) {
            // Live listeners catch up from the store; a stream hiccup must not fail the run. Every
            // publish fails while the stream is away: one report a minute, not a stack trace per step.
            reportPublishFailure(flow, e);
        }
        for (String runId : settings.stateCleanup().runsToClearAfter(events)) {
            try {
                store.clearState(runId);
            } catch (RuntimeException e) {
                // The run's outcome is stored; left-over state goes with the run's retention.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0117 could not remove the state of run " + runId
                        + " (" + settings.stateCleanup().strategy().configValue() + ")", e);
            }
        }
    }

    private void afterChange(String flow, StoredChange change, Pending pending) {
        publish(change);
        if (pending.failedAwait != null) {
            // Logged as a step that used up its attempts is: operators watch the log more than histories.
            finalFailures.failedAtAwait(change.run().runId(), flow, pending.failedAwait.step(),
                    pending.failedAwait.position(), pending.failure, clock.instant());
        }
        awaitResolution.saveAwaits(pending.awaits);
        for (StepDefinition step : pending.ready) {
            handOver(change.run().runId(), flow, step, true, change.run().version());
        }
        for (Emission emission : pending.released) {
            if (mayBeAwaitedOrTriggering(emission.event())) {
                deliverEvent(emission.event(), emission.payloadJson());
            }
        }
    }

    /** Cheap check on the hot path: only events something could listen to are delivered. */
    private boolean mayBeAwaitedOrTriggering(String event) {
        return registry.awaitedEvents().contains(event) || eventTriggers.listensTo(event);
    }

    /**
     * Hands a step stored as queued to the queue. A step that continues a run goes on in the worker
     * slot of the step that queued it where the queue can do so ({@link JobQueue#continueWith}), and
     * is otherwise enqueued without waiting for its job to be durable, so the worker that finished
     * the previous step (or the caller that started the run) is free one commit earlier. Either
     * way the run row says the step is queued before its job exists: if the job is lost in a crash,
     * the maintenance sweep enqueues it again (see {@link LostStepRecovery#requeueLostSteps}).
     */
    private void handOver(String runId, String flow, StepDefinition step, boolean continuesRun, long runVersion) {
        String jobId = StepJob.jobId(runId, step.name());
        JobRequest job = stepJob(new StepJob(runId, flow, step.name(), OptionalLong.of(runVersion)), step, jobId,
                continuesRun);
        if (continuesRun && settings.continueInWorker() && queue.continueWith(job)) {
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

    /** Enqueues a step of a run that is already under way (a retry, a recovery). */
    private void enqueue(String runId, String flow, StepDefinition step, String jobId) {
        enqueue(runId, flow, step, jobId, 0);
    }

    /**
     * Enqueues a step of a run under way again after {@code attemptsBefore} of its attempts counted:
     * the step goes on at the next one, with the attempts it has left.
     */
    private void enqueue(String runId, String flow, StepDefinition step, String jobId, int attemptsBefore) {
        queue.enqueue(stepJob(new StepJob(runId, flow, step.name(), OptionalLong.empty()).afterAttempts(attemptsBefore),
                step, jobId, true));
    }

    private static JobRequest stepJob(StepJob ref, StepDefinition step, String jobId, boolean continuesRun) {
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

    private FlowDefinition flowOf(String runId) {
        RunRecord run = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        return registry.require(run.flow());
    }

    static StepDefinition stepOf(FlowDefinition flow, String stepName) {
        return flow.step(stepName).orElseThrow(() -> new IllegalArgumentException(
                "flow '" + flow.name() + "' has no step '" + stepName + "'"));
    }

    private static String emitData(String event, String payloadJson) {
        return emitEntry(event, payloadJson).build();
    }

    /** An emit of a step that returned after its run was canceled: {@code "scheduled": false} and why. */
    private static String unscheduledEmitData(Emission emission) {
        return emitEntry(emission.event(), emission.payloadJson()).raw("scheduled", "false")
                .str("reason", "the run was canceled before the step returned").build();
    }

    private static JsonText emitEntry(String event, String payloadJson) {
        return JsonText.object().str("name", event).raw("payload", payloadJson);
    }

    static String stackTrace(Throwable error) {
        StringBuilder out = new StringBuilder();
        Throwable current = error;
        for (int depth = 0; current != null && depth < 5; depth++, current = current.getCause()) {
            out.append(depth == 0 ? "" : "Caused by: ").append(current).append('\n');
            StackTraceElement[] frames = current.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 40); i++) {
                out.append("\tat ").append(frames[i]).append('\n');
            }
        }
        return out.length() > 8000 ? out.substring(0, 8000) + "..." : out.toString();
    }

    /**
     * What a run mutation decided beyond the stored change: steps to enqueue, awaits to save and
     * emissions to deliver. Stores may call a mutation several times; only the last call counts,
     * hence {@link #reset()} at its start.
     */
    static final class Pending {
        final List<StepDefinition> ready = new ArrayList<>();
        final List<AwaitRecord> awaits = new ArrayList<>();
        final List<Emission> released = new ArrayList<>();
        /** The await whose step the change fails, with why; {@code null} if it fails none. */
        AwaitRecord failedAwait;
        String failure;

        void reset() {
            ready.clear();
            awaits.clear();
            released.clear();
            failedAwait = null;
            failure = null;
        }

        /**
         * Fails the step of an await that closed without letting it go on, and its run with it: an
         * await timed out with {@code FAIL} (or out of retries), or an after-await whose held emits no
         * longer fit the run when it resolved. The queue does not retry it: an after-await's step
         * completed its attempt, and running it again would repeat what it did; only an operator's
         * retry does that.
         */
        RunChange fail(RunRecord run, AwaitRecord await, String why, List<EventDraft> events, Instant now) {
            failedAwait = await;
            failure = why;
            String step = await.step();
            List<EventDraft> all = new ArrayList<>(events);
            all.add(EventDraft.ofStep(EventType.STEP_FAILED, step, 0, now,
                    JsonText.object().str("error", why).build()));
            all.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                    .str("step", step).str("error", why).build()));
            return new RunChange(run.withStep(step, StepStatus.FAILED).withFailure(now, why), all);
        }

        RunChange advance(FlowEngine engine, FlowDefinition flow, RunRecord run, List<EventDraft> events,
                          Instant now) {
            Orchestration.Advance advance = Orchestration.advance(flow, run, events, now);
            ready.addAll(advance.ready());
            List<EventDraft> all = new ArrayList<>(advance.events());
            for (Orchestration.AwaitStart start : advance.awaits()) {
                AwaitRecord await = engine.awaitResolution.newAwait(advance.run(), start.step(), start.position(), now,
                        "[]");
                awaits.add(await);
                all.add(engine.awaitResolution.registeredEvent(await));
            }
            return new RunChange(advance.run(), all);
        }

        /** The step of a closed await goes on: queued (before) or completed with its held emissions (after). */
        RunChange release(FlowEngine engine, FlowDefinition flow, RunRecord run, AwaitRecord await,
                          List<EventDraft> events, Instant now) {
            if (await.position() == AwaitPosition.BEFORE) {
                StepDefinition step = stepOf(flow, await.step());
                ready.add(step);
                RunRecord next = Orchestration.settleStatus(run.withStep(await.step(), StepStatus.QUEUED),
                        new ArrayList<>(), now);
                return new RunChange(next, events);
            }
            List<Emission> held = Emission.fromJson(await.held());
            try {
                // Checked at completion against the run then; another step or an operator's emit may
                // have filled the run while the step waited. Its held emits are then discarded.
                engine.keepWithinEmittedLimit(run, held);
            } catch (EmittedPayloadsTooLargeException tooLarge) {
                return fail(run, await, tooLarge.getMessage(), events, now);
            }
            RunRecord next = run.withStep(await.step(), StepStatus.COMPLETED);
            for (Emission emission : held) {
                next = next.withEmitted(emission.event(), emission.payloadJson());
            }
            released.addAll(held);
            return advance(engine, flow, next, events, now);
        }
    }
}

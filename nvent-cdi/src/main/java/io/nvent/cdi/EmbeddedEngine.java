package io.nvent.cdi;

import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.RetryDecider;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.TriggerService;
import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.EngineScheduler;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.engine.EngineSettings;
import io.nvent.cdi.internal.engine.FlowEngine;
import io.nvent.cdi.internal.engine.InputConstraints;
import io.nvent.cdi.internal.engine.Json;
import io.nvent.cdi.internal.engine.RunEmittedLimit;
import io.nvent.cdi.internal.engine.Maintenance;
import io.nvent.cdi.internal.engine.ProgressWrites;
import io.nvent.cdi.internal.engine.QueueRateLimits;
import io.nvent.cdi.internal.engine.RetryDeciderInstances;
import io.nvent.cdi.internal.engine.StateCleanup;
import io.nvent.cdi.internal.engine.TriggerHistoryLimits;
import io.nvent.cdi.internal.engine.TriggerManager;
import io.nvent.cdi.internal.engine.TriggerMisfires;
import io.nvent.cdi.internal.engine.UnfencedStoreWarning;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepDeclaration;
import io.nvent.cdi.internal.registry.StepDefaults;
import io.nvent.cdi.internal.schedule.ExecutorTickScheduler;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.RateLimit;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The engine without a container: the same orchestration, adapters and rules as inside CDI, for
 * plain-JVM tests, tools and benchmarks. Steps are given as instances instead of beans.
 *
 * <pre>{@code
 * try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Validate()).step(new Ship()).build()) {
 *     String runId = engine.flows().start("order", order);
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class EmbeddedEngine implements AutoCloseable {

    private final FlowEngine engine;
    private final QueueControls queueControls;
    private final TriggerManager triggers;
    private final Maintenance maintenance;
    private final JobQueue queue;
    private final FlowStore store;
    private final ScheduledExecutorService executor;
    /** The engine's tasks on {@link #executor}, taken back when it closes. */
    private final EngineScheduler timers;
    /** The steps' progress writes, off {@link #timers}. */
    private final ProgressWrites progressWrites;
    private final java.util.concurrent.ScheduledFuture<?> sweeps;

    private EmbeddedEngine(Builder b) {
        Map<Class<?>, Step<?, ?>> instances = new HashMap<>();
        for (Step<?, ?> step : b.steps) {
            instances.put(step.getClass(), step);
        }
        List<StepDeclaration> declarations = FlowValidation.validated(b.steps.stream()
                .<Class<?>>map(Object::getClass).toList());
        Map<Class<?>, RetryDecider> givenDeciders = givenDeciders(declarations, b.retryDeciders);
        FlowValidation.failOn(FlowGraphValidator.checkRetryDeciders(declarations,
                type -> givenDeciders.containsKey(type) || RetryDeciderInstances.canMake(type),
                "was not given to EmbeddedEngine.Builder.retryDecider(...) and is not a public class with a public"
                        + " no-argument constructor"));
        this.queue = b.queue;
        this.store = b.store;
        this.executor = Threads.daemonScheduler("nvent-embedded", 2);
        this.timers = new EngineScheduler(executor);
        Json json = new Json(b.maxPayloadBytes, b.maxRunEmittedBytes.map(RunEmittedLimit::new)
                .orElse(RunEmittedLimit.atLeast(b.maxPayloadBytes)));
        engine = new FlowEngine(FlowRegistry.build(declarations, b.defaults), b.store, b.scheduling, b.queue,
                b.stream, json, b.clock, instances::get, b.hooks.orElse(event -> { }),
                new EngineSettings(b.instanceId, b.webhookBaseUrl, b.leaseDuration, true, b.startWriteDelay,
                        b.continueInWorker, b.stateCleanup).withRequestKeyRetention(b.requestKeyRetention));
        ClockTimers clockTimers = b.clock instanceof VirtualClock virtual ? virtual.timers()
                : ClockTimers.on(timers, b.clock);
        queueControls = QueueControls.of(engine);
        engine.useTimers(timers, clockTimers);
        engine.useRetryDeciders(RetryDeciderInstances.givenOrMade(givenDeciders));
        engine.useInputConstraints(InputConstraints.ofClassPath(json, b.clock));
        engine.useInterceptors(b.interceptors);
        engine.useLifecycleObservers(type -> b.hooks.isPresent());
        progressWrites = ProgressWrites.startedOn(clockTimers, Threads.daemonThreads("nvent-embedded-progress"));
        engine.useProgressWrites(progressWrites);
        triggers = new TriggerManager(engine, b.scheduling, json, b.clock, new ExecutorTickScheduler(clockTimers, b.clock),
                TriggerHistoryLimits.DEFAULTS, b.misfires);
        triggers.useExclusionCalendars(b.exclusionCalendars);
        triggers.useRecoveryGrace(b.debounceRecoveryGrace);
        maintenance = new Maintenance(engine, triggers, b.store, b.scheduling, b.clock, Duration.ofSeconds(10));
        UnfencedStoreWarning.warnIfUnfenced(b.scheduling.getClass());
        engine.queuePauses().follow();
        engine.startWorkers(name -> b.queueConcurrency.getOrDefault(name, b.concurrency),
                name -> b.queueRateLimits.getOrDefault(name, b.rateLimit), name -> b.rateLimitsPerInstance,
                name -> Optional.ofNullable(b.rateLimitGroupKeys.get(name)));
        triggers.start();
        sweeps = maintenance.scheduleOn(timers, b.sweepEvery);
    }

    /** Who used a queue's rate limit lately; see {@link QueueControls#rateLimitUsage}. */
    public List<QueueControls.RateLimitGroupUsage> rateLimitUsage(String queueName, int most) {
        return engine.rateLimitUsage(queueName, most);
    }

    /**
     * This engine's queue controls, as {@link QueueControls} is inside CDI: pause, resume and workers of its queues
     * for every engine sharing the scheduling store, their rate limits, and {@link QueueControls#actingAs} so that
     * the audit log names who acted and why (NVENT-0016, refused NVENT-0017):
     *
     * <pre>{@code
     * engine.queueControls().actingAs(Operator.signedIn("alice").because("ERP down")).pause("invoices");
     * }</pre>
     *
     * <p>Called on the controls themselves (or through {@link #pauseQueue} and the other queue methods here), an
     * action is recorded for every engine alike but names nobody: no audit line.
     *
     * @since 0.2
     */
    public QueueControls queueControls() {
        return queueControls;
    }

    /**
     * Pauses a queue: its workers start no new attempts, here and on every engine sharing the
     * scheduling store (within about a second), also after a restart, until {@link #resumeQueue}.
     * Names nobody; see {@link #queueControls} and {@link QueueControls#pause}.
     */
    public void pauseQueue(String name) {
        queueControls.pause(name);
    }

    /**
     * Resumes a paused queue, here and on every engine sharing the scheduling store. Names nobody; see
     * {@link #queueControls} and {@link QueueControls#resume}.
     */
    public void resumeQueue(String name) {
        queueControls.resume(name);
    }

    /**
     * Sets a queue's workers on this engine and every engine sharing the scheduling store (within a few
     * seconds), in place of their configured concurrency, until {@link #removeQueueWorkers}; see
     * {@link QueueControls#setWorkers}.
     *
     * @since 0.2
     */
    public void setQueueWorkers(String name, int workers) {
        queueControls.setWorkers(name, workers);
    }

    /** Goes back to the configured concurrency of a queue on every engine; see {@link QueueControls#removeWorkers}. */
    public void removeQueueWorkers(String name) {
        queueControls.removeWorkers(name);
    }

    /**
     * The workers this engine runs for a queue now: the ones set at run time where they apply, else the
     * configured ones.
     *
     * @since 0.2
     */
    public int queueWorkersHere(String name) {
        return engine.workerOverrides().effective(name);
    }

    /** The workers per instance set for a queue at run time, if any. */
    public java.util.OptionalInt queueWorkersOverride(String name) {
        return engine.workerOverrides().override(name);
    }

    /**
     * The instance given for each step's declared decider class: of that class or a subclass (a proxy's), the one
     * whose class is nearest the declared one, leaving out those of another declared class that extends it.
     * Fails, naming the step and the instances, where several are given and none is nearer than the others.
     */
    private static Map<Class<?>, RetryDecider> givenDeciders(List<StepDeclaration> declarations,
                                                             List<RetryDecider> given) {
        Map<Class<?>, RetryDecider> byDeclaredClass = new HashMap<>();
        List<String> problems = new ArrayList<>();
        List<Class<?>> declared = declarations.stream().flatMap(d -> d.retryDecider().stream())
                .<Class<?>>map(type -> type).distinct().toList();
        for (StepDeclaration declaration : declarations) {
            declaration.retryDecider().ifPresent(type -> {
                List<RetryDecider> nearest = RetryDeciderInstances.nearest(type, given, declared);
                if (nearest.size() == 1) {
                    byDeclaredClass.put(type, nearest.get(0));
                } else if (nearest.size() > 1) {
                    problems.add("NVENT-0420 " + declaration.describe() + ": its retryDecider " + type.getName()
                            + " is matched by " + nearest.size() + " instances given to EmbeddedEngine.Builder"
                            + ".retryDecider(...), none of a class nearer to it than the others (" + nearest.stream()
                            .map(decider -> decider.getClass().getName()).collect(Collectors.joining(", "))
                            + "); give one of them");
                }
            });
        }
        FlowValidation.failOn(problems);
        return byDeclaredClass;
    }

    /** A builder with in-memory adapters and the standard defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** Starts, steers and inspects runs. */
    public FlowService flows() {
        return engine;
    }

    /** Manages triggers. */
    public TriggerService triggers() {
        return triggers;
    }

    /**
     * The engine's metrics in the Prometheus text format, as {@code GET /api/nvent/metrics} serves
     * them in a container (see {@link PrometheusMetrics}).
     */
    public String prometheusMetrics() {
        return PrometheusMetrics.render(engine, triggers, queue);
    }

    /**
     * The engine's metrics with run counts taken elsewhere (see {@link PrometheusMetrics#scrape(Map)}).
     *
     * @param runCounts each flow's runs by status, by flow name; a flow missing from it is counted
     * @return the metrics text
     * @since 0.2
     */
    public String prometheusMetrics(Map<String, FlowStats> runCounts) {
        Map<String, FlowStats> counted = Map.copyOf(runCounts);
        return prometheusMetrics(() -> counted);
    }

    /** The metrics with run counts given when the scrape reaches them, as {@link PrometheusMetrics#scrape(java.util.function.Supplier)}. */
    String prometheusMetrics(java.util.function.Supplier<Map<String, FlowStats>> runCounts) {
        return PrometheusMetrics.render(engine, triggers, queue, Optional.of(runCounts));
    }

    /** The queue adapter in use. */
    public JobQueue queue() {
        return queue;
    }

    /** The store adapter in use. */
    public FlowStore store() {
        return store;
    }

    /** Runs one maintenance sweep now (due awaits, leases, stalls). */
    public void sweep() {
        maintenance.sweep();
    }

    /**
     * Stops the engine: triggers and sweeps end, the queue's workers finish the steps under way
     * (within its shutdown grace) and hand their runs on, then the engine's timers are canceled and
     * those running awaited, so that nothing of the engine runs once this returns. Starts are refused
     * from when the queue is closed.
     */
    @Override
    public void close() {
        engine.healthMonitor().stopped();
        sweeps.cancel(false);
        triggers.stop();
        engine.closeQueue();
        engine.recordInstanceStopped();
        timers.stop(STOP_PATIENCE);
        progressWrites.stop(STOP_PATIENCE);
        executor.shutdownNow();
        engine.logHeldFailures(); // the attempts the queue let finish may have failed too
    }

    /** How long {@link #close()} waits for a sweep, an await's timer or a tick that runs when it begins. */
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(10);

    /** Builder of {@link EmbeddedEngine}. */
    public static final class Builder {
        private final List<Step<?, ?>> steps = new ArrayList<>();
        private final Map<String, Integer> queueConcurrency = new HashMap<>();
        private final Map<String, Optional<RateLimit>> queueRateLimits = new HashMap<>();
        private Optional<RateLimit> rateLimit = Optional.empty();
        private boolean rateLimitsPerInstance;
        private final Map<String, String> rateLimitGroupKeys = new HashMap<>();
        private Clock clock = Clock.systemUTC();
        private FlowStore store = MemoryAdapters.store();
        private SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        private JobQueue queue;
        private EventStream stream = MemoryAdapters.stream();
        private StepDefaults defaults = StepDefaults.STANDARD;
        private int concurrency = 4;
        private int maxPayloadBytes = 1024 * 1024;
        private Optional<Long> maxRunEmittedBytes = Optional.empty();
        private String instanceId = "embedded-" + UUID.randomUUID().toString().substring(0, 8);
        private String webhookBaseUrl = "http://localhost:8080";
        private Duration leaseDuration = Duration.ofSeconds(60);
        private Duration startWriteDelay = EngineSettings.DEFAULT_START_WRITE_DELAY;
        private Duration requestKeyRetention = EngineSettings.DEFAULT_REQUEST_KEY_RETENTION;
        private boolean continueInWorker = true;
        private StateCleanup stateCleanup = StateCleanup.NEVER;
        private Duration sweepEvery = Duration.ofMillis(500);
        private TriggerMisfires misfires = TriggerMisfires.DEFAULTS;
        private Duration debounceRecoveryGrace = TriggerManager.UNSTORED_SLOT_GRACE;
        private final List<RetryDecider> retryDeciders = new ArrayList<>();
        private final List<AttemptInterceptor> interceptors = new ArrayList<>();
        private final List<io.nvent.ExclusionCalendar> exclusionCalendars = new ArrayList<>();
        /** None until {@link #hooks} gives them: then no run's end or step's failure is made into an event. */
        private Optional<Consumer<Object>> hooks = Optional.empty();

        private Builder() {
        }

        /**
         * Adds the instance of a step's {@link FlowStep#retryDecider()}, shared by every decision: a decider
         * class not given is made once with its public no-argument constructor. The instance serves each step
         * whose declared decider class it is an instance of (its own class, or one it extends or implements,
         * as a proxy's class extends its bean's), unless it is also of another step's declared decider class
         * that extends that one: given for that step's decider, it does not serve the steps of the class extended.
         * Of several given for one declared class, the one whose class is nearest it (a subclass of every other's),
         * and {@link #build()} refuses several with none nearest ({@code NVENT-0420}). Giving the same instance
         * again adds nothing.
         *
         * @since 0.2
         */
        public Builder retryDecider(RetryDecider decider) {
            Objects.requireNonNull(decider, "decider");
            if (retryDeciders.stream().noneMatch(added -> added == decider)) {
                retryDeciders.add(decider);
            }
            return this;
        }

        /**
         * Adds an interceptor of the steps' attempts (to trace them, {@link AttemptInterceptor}); their scopes open
         * in the order they were added. Without any, the engine captures nothing and opens nothing.
         *
         * @since 0.2
         */
        public Builder interceptor(AttemptInterceptor value) {
            interceptors.add(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Adds a named calendar whose ticks schedules may exclude ({@code calendar:<name>} in
         * {@link io.nvent.TriggerSpec#exclude()}), as a CDI bean of that type is in a container. A trigger naming
         * none of those given is refused ({@code NVENT-0419}); two of one name fail the start.
         *
         * @param calendar the calendar
         * @return this builder
         * @since 0.2
         */
        public Builder exclusionCalendar(io.nvent.ExclusionCalendar calendar) {
            exclusionCalendars.add(Objects.requireNonNull(calendar, "calendar"));
            return this;
        }

        /** Adds a step; its class must carry {@link FlowStep}. */
        public Builder step(Step<?, ?> step) {
            steps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        /**
         * The engine's clock (default: the system clock in UTC). On a {@link VirtualClock} the engine's
         * timers (delayed jobs and retries of the default in-memory queue, time and schedule awaits,
         * schedule ticks) wait for that clock and come due when the test moves it.
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value);
            return this;
        }

        /** The store of runs, history and state (default: an in-memory one, gone when the JVM ends). */
        public Builder store(FlowStore value) {
            this.store = Objects.requireNonNull(value);
            return this;
        }

        /**
         * The store of leases, awaits, trigger ticks, pauses and shared rate limits (default: an
         * in-memory one); engines sharing one act as a cluster. The JPA store is both kinds of store.
         */
        public Builder schedulingStore(SchedulingStore value) {
            this.scheduling = Objects.requireNonNull(value);
            return this;
        }

        /** The job queue the steps run from (default: an in-memory one on the engine's clock). */
        public Builder queue(JobQueue value) {
            this.queue = Objects.requireNonNull(value);
            return this;
        }

        /** Where stored history entries are published live (default: in-memory, this JVM only). */
        public Builder stream(EventStream value) {
            this.stream = Objects.requireNonNull(value);
            return this;
        }

        /** Workers per queue (default 4). */
        public Builder concurrency(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + value);
            }
            this.concurrency = value;
            return this;
        }

        /**
         * Workers of one queue; 0 runs none here, leaving the queue to other instances that share the
         * queue adapter (its jobs are still enqueued here).
         */
        public Builder concurrency(String queueName, int value) {
            if (value < 0) {
                throw new IllegalArgumentException("concurrency must be >= 0, was " + value);
            }
            queueConcurrency.put(queueName, value);
            return this;
        }

        /** How fast every queue starts attempts (default: no limit); see {@link RateLimit}. */
        public Builder rateLimit(RateLimit value) {
            this.rateLimit = Optional.of(value);
            return this;
        }

        /** How fast one queue starts attempts; empty exempts it from {@link #rateLimit(RateLimit)}. */
        public Builder rateLimit(String queueName, Optional<RateLimit> value) {
            queueRateLimits.put(Objects.requireNonNull(queueName, "queueName"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Keeps a queue's rate limit per group of its steps: each value of the top-level field
         * {@code field} of a step's data (its events' payloads, else the run's input) has the limit
         * to itself, as {@code nvent.queue.<name>.limiter.group-key} does.
         */
        public Builder rateLimitGroupKey(String queueName, String field) {
            rateLimitGroupKeys.put(Objects.requireNonNull(queueName, "queueName"), QueueRateLimits.checkGroupKey(
                    Objects.requireNonNull(field, "field"), "rate-limit group key of queue " + queueName));
            return this;
        }

        /**
         * Whether each instance keeps the rate limits on its own instead of sharing them through the
         * scheduling store with every instance that uses it (the default: shared, where the store can).
         */
        public Builder rateLimitsPerInstance(boolean value) {
            this.rateLimitsPerInstance = value;
            return this;
        }

        /**
         * The largest input, emitted payload, result or state value, in UTF-8 bytes
         * ({@code nvent.payload.max-bytes}; default 1 MiB).
         *
         * @throws IllegalArgumentException if below one byte
         */
        public Builder maxPayloadBytes(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxPayloadBytes must be >= 1, was " + value);
            }
            this.maxPayloadBytes = value;
            return this;
        }

        /**
         * The most a run keeps of its emitted events' payloads, in UTF-8 bytes
         * ({@code nvent.payload.max-run-emitted-bytes}); at least {@link #maxPayloadBytes}. By default
         * 16 MiB, or the single payload limit where that is larger.
         */
        public Builder maxRunEmittedBytes(long value) {
            this.maxRunEmittedBytes = Optional.of(value);
            return this;
        }

        /**
         * This engine's name among the engines sharing its stores, as leases and history entries
         * record it (default: {@code embedded-} and eight random hexadecimal digits).
         */
        public Builder instanceId(String value) {
            this.instanceId = Objects.requireNonNull(value);
            return this;
        }

        /**
         * Where webhook awaits are reached, as {@code nvent.webhooks.base-url}: an await's URL is this
         * and {@code /api/nvent/awaits/<token>} (default {@code http://localhost:8080}).
         */
        public Builder webhookBaseUrl(String value) {
            this.webhookBaseUrl = Objects.requireNonNull(value);
            return this;
        }

        /**
         * How long a step's lease lasts between renewals ({@code nvent.stall.timeout-ms}; default a
         * minute): a step whose engine stops renewing it is taken over once it ran out.
         *
         * @throws IllegalArgumentException if not above zero
         */
        public Builder leaseDuration(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("leaseDuration must be above zero, was " + value);
            }
            this.leaseDuration = value;
            return this;
        }

        /**
         * How long a step may run before its start is stored on its own; a step that returns sooner
         * stores its start with its result, in one write. Zero stores every start before the step runs.
         */
        public Builder startWriteDelay(Duration value) {
            this.startWriteDelay = Objects.requireNonNull(value);
            return this;
        }

        /**
         * How long the idempotency key of an emit or a publish is kept, as
         * {@code nvent.idempotency.request-key-retention} says in a container (default a day): a repeat within it is
         * answered with what the first delivered, not delivered again; the sweep drops expired keys.
         *
         * @throws NullPointerException if {@code value} is {@code null}
         * @throws IllegalArgumentException ({@code NVENT-0593}) if not above zero, or longer than
         *     {@link StartOptions#LONGEST_DELAY} (as {@link StartOptions#requireAtMostLongestDelay} refuses it)
         * @since 0.2
         */
        public Builder requestKeyRetention(Duration value) {
            if (Objects.requireNonNull(value, "requestKeyRetention").isNegative() || value.isZero()) {
                throw new IllegalArgumentException("NVENT-0593 requestKeyRetention (nvent.idempotency"
                        + ".request-key-retention) must be above zero, was " + value);
            }
            this.requestKeyRetention = StartOptions.requireAtMostLongestDelay("requestKeyRetention", value);
            return this;
        }

        /**
         * Whether a step that continues a run goes on in the worker that ran the step before it, where
         * the queue can do so (the default), or goes through the queue like a run's first step.
         */
        public Builder continueInWorker(boolean value) {
            this.continueInWorker = value;
            return this;
        }

        /**
         * When a run's state is removed, as {@code nvent.store.state.cleanup.strategy} and
         * {@code .ttl-ms} say in a container: {@code never} (the default), {@code on-complete},
         * {@code immediate} or {@code ttl}, with the time to live {@code ttl} gives values set
         * without one.
         *
         * @throws IllegalArgumentException for another strategy or a time to live below one millisecond
         */
        public Builder stateCleanup(String strategy, Duration ttl) {
            this.stateCleanup = StateCleanup.of(strategy, ttl);
            return this;
        }

        /**
         * What the start does with schedule ticks that fell while no engine ran on the scheduling
         * store, as {@code nvent.triggers.misfire} and {@code .misfire-grace} say in a container:
         * {@code fire-once} (the default) fires the latest of them once, as that tick, if it is at
         * most {@code grace} old (default a day); {@code fire-all} fires each of them within the grace,
         * the oldest first, as its tick (at most {@value io.nvent.Misfire#MOST_FIRED_ALL}, since 0.2);
         * {@code skip} fires none.
         *
         * @throws IllegalArgumentException for another policy or a grace not above zero
         */
        public Builder misfire(String policy, Duration grace) {
            this.misfires = TriggerMisfires.of(policy, grace);
            return this;
        }

        /**
         * How long after its time the pending run of a debounce or batch slot whose instance stopped before storing it
         * (it opened the slot, then stopped) is left before the maintenance sweep stores and starts it with the slot's
         * payloads, as {@code nvent.triggers.debounce.recovery-grace} says in a container (default a minute): long
         * enough that an instance still storing its run is not overtaken, short enough that a lost fire's run does not
         * wait long.
         *
         * @throws NullPointerException if {@code value} is {@code null}
         * @throws IllegalArgumentException ({@code NVENT-0001}, the setting's message) if not above zero, or longer
         *     than a day
         * @since 0.2
         */
        public Builder debounceRecoveryGrace(Duration value) {
            this.debounceRecoveryGrace = TriggerManager.checkRecoveryGrace(
                    Objects.requireNonNull(value, "debounceRecoveryGrace"));
            return this;
        }

        /**
         * How often the maintenance sweep runs (default 500 ms): it renews leases, finds stalled and
         * lost steps, follows cancels made elsewhere and purges what retention lets go.
         *
         * @throws IllegalArgumentException if not above zero
         */
        public Builder sweepEvery(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("sweepEvery must be above zero, was " + value);
            }
            this.sweepEvery = value;
            return this;
        }

        /**
         * Receives the hooks that CDI observers get in a container: the await hooks ({@code AwaitRegistered}, …) and,
         * since 0.2, {@code RunStarted} for each run stored as started, {@code RunEnded} for each run that ended
         * and {@code StepFailed} for each step that failed,
         * after what they tell is stored. It is called on the engine's thread and must be quick: hand slow work
         * (a page, a mail) to an executor of your own. What it throws is logged and changes nothing.
         */
        public Builder hooks(Consumer<Object> value) {
            this.hooks = Optional.of(value);
            return this;
        }

        /**
         * Validates the flows and starts the engine.
         *
         * @throws NventException listing every problem of the flow graph
         */
        public EmbeddedEngine build() {
            if (queue == null) {
                queue = MemoryAdapters.queue(clock);
            }
            return new EmbeddedEngine(this);
        }
    }
}

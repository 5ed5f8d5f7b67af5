package io.nvent.cdi.internal.engine;

import io.nvent.FlowService;
import io.nvent.NventException;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.TriggerService;
import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.cdi.WebModuleAddress;
import io.nvent.cdi.WebModuleStarted;
import io.nvent.cdi.WebhookEndpoints;
import io.nvent.cdi.internal.EngineScheduler;
import io.nvent.cdi.internal.NventExtension;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepDefaults;
import io.nvent.cdi.internal.schedule.ExecutorTickScheduler;
import io.nvent.cdi.internal.schedule.TickScheduler;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.RateLimit;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.context.control.RequestContextController;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Builds the engine from the collected steps and the selected adapters, starts its workers,
 * triggers and maintenance sweep once the application is up, and stops them on shutdown.
 */
@ApplicationScoped
public class EngineBean {

    private static final System.Logger LOG = ExitSafeLogger.of(EngineBean.class);
    private static final String DEVELOPMENT_BASE_URL = "http://localhost:8080";

    @Inject
    NventExtension extension;
    @Inject
    NventConfig config;
    @Inject
    FlowStore store;
    @Inject
    SchedulingStore scheduling;
    @Inject
    JobQueue queue;
    @Inject
    EventStream stream;
    @Inject
    Clock clock;
    @Inject
    BeanManager beanManager;
    @Inject
    @io.nvent.cdi.Worker
    java.util.concurrent.ThreadFactory workerThreads;

    /** A step lease renewed by sweeps every {@code nvent.scheduler.poll-ms} must outlast a few of them. */
    private static final Duration MIN_LEASE = Duration.ofSeconds(1);
    /** How long a stop waits for a sweep, an await's timer or a tick that runs when it begins. */
    static final Duration TIMERS_PATIENCE = Duration.ofSeconds(10);
    /** Below this, a step's own log entries and emits would not fit. */
    private static final int MIN_PAYLOAD_BYTES = 1024;

    private volatile FlowEngine engine;
    private volatile TriggerManager triggers;
    /**
     * The {@code @Dependent} beans made for the engine's life (its exclusion calendars, asked at every tick, and its
     * attempt interceptors, at every attempt): destroyed as the engine stops, after its queue, so that their
     * {@code @PreDestroy} runs.
     */
    private final List<Instance.Handle<?>> dependentBeans = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScheduledExecutorService executor;
    private boolean ownExecutor;
    /** The engine's tasks on {@link #executor}, taken back when it stops. */
    private EngineScheduler timers;
    /** The steps' progress writes, timed on {@link #timers} and made off them, on a thread of their own. */
    private ProgressWrites progressWrites;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    private ScheduledFuture<?> sweep;
    /** Settings read with the others when the engine is built, used when it starts. */
    private boolean enabled;
    private QueueWorkers queueWorkers;
    private java.util.Map<String, Optional<RateLimit>> queueRateLimits;
    private Set<String> rateLimitsPerInstance;
    private java.util.Map<String, Optional<String>> rateLimitGroupKeys;
    private Duration triggerRefresh;
    private Duration sweepInterval;
    /** Whether the web module told the address it is reached at: the context root alone then says less. */
    private volatile boolean addressSeen;

    /** The engine, built on first use. */
    public FlowEngine engine() {
        FlowEngine current = engine;
        if (current == null) {
            synchronized (this) {
                if (engine == null) {
                    build();
                }
                current = engine;
            }
        }
        return current;
    }

    /** The trigger manager, built with the engine. */
    public TriggerManager triggers() {
        engine();
        return triggers;
    }

    private void build() {
        // Every invalid value is reported at once (NVENT-0191), so a user fixes them in one redeploy.
        SettingsReading read = new SettingsReading(config);
        StepDefaults defaults = read.retrySchedule(new StepDefaults(
                read.getInt("nvent.step.max-attempts", StepDefaults.STANDARD.maxAttempts(), 1),
                read.getDelayMillis("nvent.step.backoff-delay-ms", StepDefaults.STANDARD.backoffDelay(), Duration.ZERO),
                read.getDelayMillis("nvent.step.backoff-max-delay-ms", StepDefaults.STANDARD.backoffMaxDelay(),
                        Duration.ZERO),
                read.getMillis("nvent.step.timeout-ms", StepDefaults.STANDARD.timeout(), Duration.ofMillis(1)),
                read.getDelayMillis("nvent.await.timeout-ms", StepDefaults.STANDARD.awaitTimeout(),
                        Duration.ofMillis(1)),
                read.getInt("nvent.await.timeout-retries", StepDefaults.STANDARD.awaitTimeoutRetries())));
        FlowRegistry registry = FlowRegistry.build(extension.declarations(), defaults);
        int maxPayloadBytes = read.getInt("nvent.payload.max-bytes", 1024 * 1024, MIN_PAYLOAD_BYTES);
        RunEmittedLimit runEmittedLimit = read.valid(() -> RunEmittedLimit.of(config, maxPayloadBytes),
                RunEmittedLimit.atLeast(maxPayloadBytes));
        Json json = new Json(maxPayloadBytes, runEmittedLimit);
        Duration leaseDuration = read.getMillis("nvent.stall.timeout-ms", Duration.ofSeconds(60), MIN_LEASE);
        Duration startWriteDelay = read.getMillis("nvent.step.start-write-delay-ms",
                EngineSettings.DEFAULT_START_WRITE_DELAY);
        if (!startWriteDelay.isZero() && startWriteDelay.compareTo(leaseDuration) >= 0) {
            read.invalid("NVENT-0001 configuration key nvent.step.start-write-delay-ms (" + startWriteDelay.toMillis()
                    + " ms) must be 0 or shorter than nvent.stall.timeout-ms (" + leaseDuration.toMillis() + " ms)");
        }
        String webhookBaseUrl = read.valid(this::webhookBaseUrl, DEVELOPMENT_BASE_URL);
        boolean recoverStalled = read.getBoolean("nvent.stall.recover", true);
        boolean continueInWorker = read.getBoolean("nvent.step.continue-in-worker", true);
        StateCleanup stateCleanup = read.valid(() -> StateCleanup.of(read.get("nvent.store.state.cleanup.strategy",
                "never"), read.getMillis("nvent.store.state.cleanup.ttl-ms", StateCleanup.DEFAULT_TTL)),
                StateCleanup.of("never", StateCleanup.DEFAULT_TTL));
        TriggerHistoryLimits historyLimits = TriggerHistoryLimits.DEFAULTS
                .withMaxEntries(read.getInt("nvent.triggers.history.max-entries",
                        TriggerHistoryLimits.DEFAULTS.maxEntries(), 1))
                .withMaxPayloadBytes(read.getInt("nvent.triggers.history.max-payload-bytes",
                        TriggerHistoryLimits.DEFAULTS.maxPayloadBytes()));
        Duration misfireGrace = read.getPositiveDuration("nvent.triggers.misfire-grace",
                TriggerMisfires.DEFAULTS.grace(), TriggerMisfires.NO_GRACE_HINT);
        TriggerMisfires misfires = read.valid(() -> TriggerMisfires.of(read.get("nvent.triggers.misfire",
                TriggerMisfires.DEFAULTS.wireName()), misfireGrace), TriggerMisfires.DEFAULTS);
        Duration slotGrace = read.valid(() -> TriggerManager.checkRecoveryGrace(read.getPositiveDuration(
                "nvent.triggers.debounce.recovery-grace", TriggerManager.UNSTORED_SLOT_GRACE, "")),
                TriggerManager.UNSTORED_SLOT_GRACE);
        // Read here, not at start, so that they are reported with the others.
        enabled = read.getBoolean("nvent.engine.enabled", true);
        queueWorkers = QueueWorkers.read(read, config, registry.queues());
        read.valid(() -> {
            QueueRateLimits.checkDefaults(config);
            return null;
        }, null);
        queueRateLimits = new java.util.TreeMap<>();
        registry.queues().forEach(queueName -> queueRateLimits.put(queueName,
                read.valid(() -> QueueRateLimits.of(config, queueName), Optional.empty())));
        rateLimitsPerInstance = new java.util.TreeSet<>();
        registry.queues().forEach(queueName -> {
            if (read.valid(() -> QueueRateLimits.perInstance(config, queueName), false)) {
                rateLimitsPerInstance.add(queueName);
            }
        });
        rateLimitGroupKeys = new java.util.TreeMap<>();
        registry.queues().forEach(queueName -> rateLimitGroupKeys.put(queueName,
                read.valid(() -> QueueRateLimits.groupKey(config, queueName), Optional.empty())));
        Duration missingStepGrace = read.getDuration("nvent.upgrade.missing-step-grace",
                EngineSettings.DEFAULT_MISSING_STEP_GRACE);
        Duration requestKeyRetention = read.valid(() -> StartOptions.requireAtMostLongestDelay(
                "configuration key nvent.idempotency.request-key-retention", read.getPositiveDuration(
                        "nvent.idempotency.request-key-retention", EngineSettings.DEFAULT_REQUEST_KEY_RETENTION,
                        " (an emit or publish without a key keeps none)")), EngineSettings.DEFAULT_REQUEST_KEY_RETENTION);
        triggerRefresh = read.getMillis("nvent.triggers.refresh-ms", Duration.ofSeconds(10), Duration.ofMillis(100));
        sweepInterval = Duration.ofMillis(read.getLong("nvent.scheduler.poll-ms", 500, 10));
        // The web layer's settings are checked with these, so that one invalid there does not hide the others.
        beanManager.getEvent().select(SettingsCheck.class).fire(read);
        read.failIfInvalid();
        EngineSettings settings = new EngineSettings(read.get("nvent.instance-id", defaultInstanceId()), webhookBaseUrl,
                leaseDuration, recoverStalled, startWriteDelay, continueInWorker, stateCleanup, missingStepGrace,
                requestKeyRetention);
        executor = scheduledExecutor();
        timers = new EngineScheduler(executor);
        CdiHooks hooks = new CdiHooks(beanManager, store.joinsCallerTransaction());
        FlowEngine built = new FlowEngine(registry, store, scheduling, queue, stream, json, clock,
                this::stepBean, hooks, settings);
        built.useLifecycleObservers(hooks::observes);
        built.useTimers(timers);
        built.useRetryDeciders(this::retryDeciderBean);
        built.useInputConstraints(InputConstraints.inContainer(beanManager, json, clock));
        built.useInterceptors(beansForTheEngine(io.nvent.spi.AttemptInterceptor.class));
        progressWrites = ProgressWrites.startedOn(io.nvent.cdi.internal.ClockTimers.on(timers, clock), workerThreads);
        built.useProgressWrites(progressWrites);
        triggers = new TriggerManager(built, scheduling, json, clock, new ExecutorTickScheduler(timers, clock),
                historyLimits, misfires);
        triggers.useExclusionCalendars(beansForTheEngine(io.nvent.ExclusionCalendar.class));
        triggers.useRecoveryGrace(slotGrace);
        engine = built;
    }

    /** The beans of a type, made once for the engine's life; the {@code @Dependent} ones are destroyed as it stops. */
    private <T> List<T> beansForTheEngine(Class<T> type) {
        return beanManager.createInstance().select(type).handlesStream().map(bean -> {
            if (bean.getBean().getScope() == Dependent.class) {
                dependentBeans.add(bean);
            }
            return bean.get();
        }).toList();
    }

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        warnAboutUnknownSettings();
        warnAboutSettingsOfUnknownQueues(engine().registry().queues());
        // The stream is created on first use, which would be the first event published: a wrong
        // data source would then fail every publish instead of the deployment, as the store's and
        // the queue's do. Publishing nothing creates it now.
        stream.publish("", java.util.List.of());
        FlowEngine started = engine();
        if (!enabled) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0115 engine disabled by nvent.engine.enabled=false");
            started.healthMonitor().disabled();
            // No sweep here: the record of this instance (switched off, taking no queue) is refreshed on a timer.
            started.recordInstance(false);
            sweep = timers.scheduleWithFixedDelay(() -> {
                try {
                    started.refreshInstance();
                } catch (RuntimeException storeAway) {
                    LOG.log(System.Logger.Level.DEBUG, "instance record not refreshed: {0}", storeAway.toString());
                }
            }, io.nvent.Instances.REFRESH.toMillis(), io.nvent.Instances.REFRESH.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        String storeAdapter = config.get("nvent.store.adapter", "memory");
        String queueAdapter = config.get("nvent.queue.adapter", "memory");
        LOG.log(System.Logger.Level.INFO, "NVENT-0118 adapters: store {0}, queue {1}, stream {2}{3}", storeAdapter,
                queueAdapter, config.get("nvent.stream.adapter", "memory"), inMemory(storeAdapter, queueAdapter));
        warnIfWebhooksLeadNowhere(started.registry());
        warnIfClusterRateLimitsStayOnThisInstance(storeAdapter);
        warnIfStoreUnfenced(storeAdapter);
        followRecordedPauses(started);
        queueWorkers.warnings(queueAdapter.equals("memory"))
                .forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        started.startWorkers(queueWorkers::of, queueRateLimits::get, rateLimitsPerInstance::contains,
                rateLimitGroupKeys::get);
        queueWorkers.startLine().ifPresent(line -> LOG.log(System.Logger.Level.INFO, line));
        triggers.start();
        Maintenance maintenance = new Maintenance(started, triggers, store, scheduling, clock, triggerRefresh);
        sweep = maintenance.scheduleOn(timers, sweepInterval);
    }

    /**
     * What the in-memory adapters in use lose, each for what it holds: with a durable store and the
     * memory queue the runs survive a restart, only the queue's jobs do not.
     */
    static String inMemory(String storeAdapter, String queueAdapter) {
        boolean store = storeAdapter.equals("memory");
        boolean queue = queueAdapter.equals("memory");
        if (store && queue) {
            return " (memory: runs and jobs are lost on restart and take no part in transactions)";
        }
        if (store) {
            return " (memory store: runs, awaits and triggers are lost on restart and take no part in transactions)";
        }
        return queue ? " (memory queue: the jobs it holds are lost on restart and are not enqueued with a "
                + "transaction; the runs are kept by the " + storeAdapter + " store)" : "";
    }

    /**
     * A rate limit kept for the cluster (the default scope) in a scheduling store in memory holds on
     * this instance only, since another instance has a memory of its own: n instances start up to n
     * times the limit. Not refused, as one instance is a cluster of one and the limit holds there, but
     * said once at start for each such queue, as a store that keeps no limits for the cluster is.
     */
    private void warnIfClusterRateLimitsStayOnThisInstance(String storeAdapter) {
        boolean inMemory = storeAdapter.equals("memory") || beanManager.createInstance()
                .select(SchedulingStore.class, io.nvent.spi.Adapter.Literal.of(storeAdapter)).isUnsatisfied();
        if (!inMemory && scheduling.sharesRateLimits()) {
            return;
        }
        queueRateLimits.forEach((queueName, limit) -> limit.filter(unused -> !rateLimitsPerInstance.contains(queueName))
                .ifPresent(kept -> LOG.log(System.Logger.Level.WARNING, "NVENT-0516 queue {0} has a rate limit for the "
                        + "cluster ({1} starts per {2} ms, limiter.scope=cluster), but the {3} keeps it on this instance"
                        + " only: each instance starts up to {1} per {2} ms. Use a store that shares rate limits (jpa),"
                        + " or set limiter.scope=instance", queueName, String.valueOf(kept.max()),
                        String.valueOf(kept.per().toMillis()),
                        inMemory ? "scheduling store in memory" : "scheduling store of adapter '" + storeAdapter + "'")));
    }

    /**
     * A warning only: a store whose class cannot be told (its bean's context not active at start, a
     * producer of one's own failing a second call) starts the engine without it.
     */
    private void warnIfStoreUnfenced(String storeAdapter) {
        try {
            UnfencedStoreWarning.warnIfUnfenced(schedulingStoreClass(storeAdapter));
        } catch (RuntimeException unknown) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0544 could not tell the class of the scheduling store behind"
                    + " its proxy, so whether it overrides the writes under a step''s lease (NVENT-0543) is not"
                    + " checked: {0}", unknown.toString());
        }
    }

    /**
     * The class of the scheduling store the engine uses, behind the client proxies of normal scopes: a
     * proxy implements every method of its type itself, which would hide the ones the store leaves to
     * the defaults. The engine's store is made by {@link io.nvent.cdi.internal.Adapters} from the
     * adapter named in {@code nvent.store.adapter} (the memory one if that has none), unless an
     * alternative replaced that producer; behind a proxy stands the contextual instance, which the
     * scope's context gives.
     */
    private Class<? extends SchedulingStore> schedulingStoreClass(String storeAdapter) {
        Bean<?> produced = beanManager.resolve(beanManager.getBeans(SchedulingStore.class));
        Object store = behindProxy(produced, scheduling);
        if (produced != null && produced.getBeanClass() == io.nvent.cdi.internal.Adapters.class) {
            Set<Bean<?>> named = beanManager.getBeans(SchedulingStore.class,
                    io.nvent.spi.Adapter.Literal.of(storeAdapter));
            store = behindProxy(beanManager.resolve(named.isEmpty() ? beanManager.getBeans(SchedulingStore.class,
                    io.nvent.spi.Adapter.Literal.of("memory")) : named), store);
        }
        return ((SchedulingStore) store).getClass();
    }

    /** The instance a contextual reference of {@code bean} stands for; itself where that is no client proxy. */
    private Object behindProxy(Bean<?> bean, Object reference) {
        if (bean == null || !beanManager.isNormalScope(bean.getScope())) {
            return reference;
        }
        return contextualInstance(bean);
    }

    private <T> T contextualInstance(Bean<T> bean) {
        return beanManager.getContext(bean.getScope()).get(bean, beanManager.createCreationalContext(bean));
    }

    /**
     * Webhook-await URLs and webhook triggers are served by the web layer: with only the engine
     * deployed (and no base URL pointing elsewhere) an await's URL leads to a 404 that nobody would
     * notice until a person clicks it, so the start says so, once, with what to do instead.
     */
    private void warnIfWebhooksLeadNowhere(FlowRegistry registry) {
        if (config.get("nvent.webhooks.base-url").isPresent()
                || !beanManager.createInstance().select(WebhookEndpoints.class).isUnsatisfied()) {
            return;
        }
        java.util.List<String> awaits = registry.flows().stream().flatMap(flow -> flow.steps().stream()
                .filter(step -> java.util.stream.Stream.of(step.awaitBefore(), step.awaitAfter())
                        .flatMap(Optional::stream).anyMatch(await -> await.type() == io.nvent.AwaitType.WEBHOOK))
                .map(step -> flow.name() + "/" + step.name())).toList();
        java.util.List<String> hooks = registry.declaredTriggers().values().stream()
                .filter(trigger -> trigger.type() == io.nvent.TriggerType.WEBHOOK).map(io.nvent.TriggerSpec::name)
                .sorted().toList();
        if (awaits.isEmpty() && hooks.isEmpty()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0192 "
                + (awaits.isEmpty() ? "" : "steps " + awaits + " await webhooks")
                + (awaits.isEmpty() || hooks.isEmpty() ? "" : " and ")
                + (hooks.isEmpty() ? "" : "webhook triggers " + hooks + " are declared")
                + ", but this application serves no REST API of nvent (nvent-web is not deployed) and "
                + "nvent.webhooks.base-url is not set: webhook-await URLs (" + DEVELOPMENT_BASE_URL
                + "/api/nvent/awaits/<token>) and /api/nvent/triggers/<name>/webhook lead nowhere. Resolve the "
                + "awaits with FlowService.resolveWebhook(AwaitRegistered.webhookToken(), body) and fire the "
                + "triggers with TriggerService.fire, or add nvent-web, or set nvent.webhooks.base-url to an "
                + "endpoint of yours that serves /api/nvent/awaits/<token>");
    }

    /**
     * Applies the queue pauses recorded in the store before any worker starts, so that a restart
     * does not run what an operator paused. A store that is away only delays it: the maintenance
     * sweep applies them once it can read them. Any other failure (a table missing, a queue that
     * refuses the pause) would not pass, and left to the sweep the workers would start on queues
     * paused for a reason, or on some paused and some not: the deployment fails, before any worker
     * starts, saying why.
     */
    private static void followRecordedPauses(FlowEngine started) {
        try {
            started.queuePauses().follow();
        } catch (RuntimeException e) {
            if (!StepRunner.isStoreUnavailable(e)) {
                throw new NventException("NVENT-0534 could not apply the queue pauses recorded in the store at start,"
                        + " so no worker started (a queue an operator paused would have run): " + e
                        + ". Fix the cause (the scheduling store's schema, e.g. its queue_pause table, or the queue"
                        + " adapter) and deploy again", e);
            }
            LOG.log(System.Logger.Level.WARNING, "NVENT-0514 could not read the recorded queue pauses at start; "
                    + "queues run until the sweep reads them: " + e);
        }
    }

    /**
     * A queue's setting for a queue the deployment does not have ({@code nvent.queue.ordr.concurrency})
     * matches the declared pattern, so {@link #warnAboutUnknownSettings} cannot see it; it does nothing.
     */
    private void warnAboutSettingsOfUnknownQueues(Set<String> queues) {
        Pattern perQueue = Pattern.compile(
                "nvent\\.queue\\.(.+)\\.(concurrency|limiter\\.max|limiter\\.duration-ms|limiter\\.scope|limiter\\.group-key)");
        for (String name : config.names()) {
            Matcher key = perQueue.matcher(name);
            if (key.matches() && !queues.contains(key.group(1))) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0515 configuration key " + name + " names queue "
                        + key.group(1) + ", which this deployment does not have (its queues: " + queues
                        + "); the key does nothing");
            }
        }
    }

    /**
     * A misspelt key ({@code nvent.queue.concurency}) or one of a module the application lacks does
     * nothing at all; saying so at start spares a user the hunt for why a setting does not take effect.
     * A warning, not a failure: the application works, on the defaults.
     */
    private void warnAboutUnknownSettings() {
        ClassLoader loader = Optional.ofNullable(Thread.currentThread().getContextClassLoader())
                .orElse(EngineBean.class.getClassLoader());
        KnownSettings known = KnownSettings.declaredIn(loader);
        for (String unknown : known.unknownAmong(config.names())) {
            LOG.log(System.Logger.Level.WARNING, known.warningFor(unknown));
        }
    }

    /**
     * The step the engine keeps for a bean class: the bean's client proxy for a normal scope, so each
     * execution reaches the instance its scope means; for a {@code @Dependent} step, which has no
     * proxy, an instance made for each execution and destroyed after it (its {@code @PreDestroy}
     * runs), as CDI means that scope, instead of one instance kept for the engine's life.
     */
    private Step<?, ?> stepBean(Class<?> beanClass) {
        Instance<?> beans = beanManager.createInstance().select(beanClass);
        if (beans.getHandle().getBean().getScope() != Dependent.class) {
            return inRequestContext(beans.get());
        }
        return (input, context) -> executeFresh(beanClass, input, context);
    }

    @SuppressWarnings("unchecked")
    private <T> Object executeFresh(Class<T> beanClass, Object input, StepContext context) throws Exception {
        Instance<T> beans = beanManager.createInstance().select(beanClass);
        T bean = beans.get();
        try {
            return ((Step<Object, Object>) inRequestContext(bean)).execute(input, context);
        } finally {
            beans.destroy(bean);
        }
    }

    /**
     * The step bean, run in a request context of its own: steps run on worker threads outside any
     * request, and a step may use {@code @RequestScoped} beans as a message-driven bean could.
     */
    @SuppressWarnings("unchecked")
    private Step<?, ?> inRequestContext(Object bean) {
        Step<Object, Object> step = (Step<Object, Object>) bean;
        return (input, context) -> {
            Instance<RequestContextController> controllers = beanManager.createInstance()
                    .select(RequestContextController.class);
            RequestContextController controller = controllers.get();
            boolean activated = controller.activate();
            try {
                return step.execute(input, context);
            } finally {
                if (activated) {
                    controller.deactivate();
                }
                controllers.destroy(controller);
            }
        };
    }

    /** Hands schedule triggers to the EJB timer service once it is available. */
    public void useTickScheduler(TickScheduler scheduler) {
        triggers().useTickScheduler(scheduler);
    }

    /**
     * Stops the engine before the application's beans are destroyed: the queue's workers finish the
     * steps under way (within its shutdown grace) while the store still works. Stopped only when the
     * application's context goes, the store could be gone first, and steps that were still running
     * failed for good on a graceful shutdown instead of being handed back.
     */
    void beforeShutdown(@Observes(notifyObserver = Reception.IF_EXISTS) @BeforeDestroyed(ApplicationScoped.class)
                        Object ignored) {
        shutdown();
    }

    /**
     * Stops the engine as its web module ends, earlier still: Payara takes the JMS connection pools
     * of the application's {@code glassfish-resources.xml} away between the two (see
     * {@link WebModuleEnd}), and the queue's shutdown grace needs them.
     */
    void onWebModuleEnd(@Observes(notifyObserver = Reception.IF_EXISTS) WebModuleEnd.Stopping ignored) {
        shutdown();
    }

    @PreDestroy
    void shutdown() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        // Each step runs even if one before it failed: stopped is set, so no later stop would take
        // the rest (the timers, the held failures, the executor) back.
        runEach(() -> {
            if (engine != null) {
                engine.healthMonitor().stopped();
            }
        }, () -> {
            if (sweep != null) {
                sweep.cancel(false);
            }
        }, () -> {
            if (triggers != null) {
                triggers.stop();
            }
        }, () -> {
            if (engine != null) {
                engine.closeQueue();
            } else {
                queue.close();
            }
        }, () -> {
            if (engine != null) {
                engine.recordInstanceStopped(); // after the queue let its last attempts finish
            }
        }, () -> {
            if (timers != null) {
                // The container's executor outlives the application: what the engine left planned there
                // (awaits' timers, the ticks and sweep running now) would run after it said it stopped.
                timers.stop(TIMERS_PATIENCE);
            }
        }, () -> {
            if (progressWrites != null) {
                progressWrites.stop(TIMERS_PATIENCE);
            }
        }, () -> {
            if (engine != null) {
                engine.logHeldFailures(); // the attempts the queue let finish may have failed too
            }
        }, () -> {
            if (ownExecutor && executor != null) {
                executor.shutdownNow();
            }
        }, () -> {
            // Once nothing asks them any more; each even if one before it throws in its @PreDestroy.
            runEach(dependentBeans.stream().map(bean -> (Runnable) bean::destroy).toArray(Runnable[]::new));
            dependentBeans.clear();
        }, () -> LOG.log(System.Logger.Level.INFO, "NVENT-0116 engine stopped"));
    }

    /**
     * Runs every step in turn, each even if one before it failed, then throws the first failure with
     * the later ones suppressed.
     */
    private static void runEach(Runnable... steps) {
        Throwable first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException | Error failed) {
                if (first == null) {
                    first = failed;
                } else {
                    first.addSuppressed(failed);
                }
            }
        }
        if (first instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (first instanceof Error error) {
            throw error;
        }
    }

    /** The public flow service, backed by the engine. */
    @Produces
    @ApplicationScoped
    FlowService flowService() {
        return engine();
    }

    /** The public trigger service. */
    @Produces
    @ApplicationScoped
    TriggerService triggerService() {
        return triggers();
    }

    private ScheduledExecutorService scheduledExecutor() {
        try {
            return (ScheduledExecutorService) new InitialContext()
                    .lookup("java:comp/DefaultManagedScheduledExecutorService");
        } catch (NamingException | RuntimeException noContainer) {
            ownExecutor = true;
            return Threads.daemonScheduler("nvent-scheduler", 2);
        }
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "host";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The configured base URL; unset, this server on its default port (the context root is added at
     * start, the real address at the first request).
     */
    private String webhookBaseUrl() {
        return config.get("nvent.webhooks.base-url").isPresent()
                ? stripSlash(config.getHttpUrl("nvent.webhooks.base-url", "")) : DEVELOPMENT_BASE_URL;
    }

    /**
     * Unless a base URL is configured, webhook-await URLs take the application's context root: a WAR
     * deployed at {@code /shop} serves its awaits under {@code /shop/api/nvent}, and URLs without it
     * would answer 404. Only the web layer knows the context root, once its module has started (in
     * Payara after the engine's workers), so it tells the engine.
     */
    void onWebModuleStarted(@Observes WebModuleStarted started) {
        if (config.get("nvent.webhooks.base-url").isPresent() || addressSeen) {
            return;
        }
        String url = DEVELOPMENT_BASE_URL + stripSlash(started.contextPath());
        engine().useWebhookBaseUrl(url);
        LOG.log(System.Logger.Level.INFO, "NVENT-0119 webhook-await URLs start with {0} until the first request "
                + "shows the address this server listens on; set nvent.webhooks.base-url to the address their callers "
                + "reach", url);
    }

    /**
     * Unless a base URL is configured, webhook-await URLs follow the address the server listens on,
     * as the first request to the web module shows it: the server's real port, not 8080.
     */
    void onWebModuleAddress(@Observes WebModuleAddress address) {
        if (config.get("nvent.webhooks.base-url").isPresent()) {
            return;
        }
        addressSeen = true;
        String url = stripSlash(address.baseUrl());
        engine().useWebhookBaseUrl(url);
        LOG.log(System.Logger.Level.WARNING, "NVENT-0190 webhook-await URLs start with {0}, the address the first "
                + "request came in on, as nvent.webhooks.base-url is not set; set it to the address their callers "
                + "reach", url);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * A step's retry decider for one decision, as a CDI bean: its contextual reference, released with the
     * creational context it was made in after the decision, which destroys a {@code @Dependent} one (and
     * leaves a normal-scoped one to its context).
     */
    private RetryDeciderInstances.Held retryDeciderBean(Class<? extends io.nvent.RetryDecider> type) {
        Bean<?> bean = beanManager.resolve(beanManager.getBeans(type));
        if (bean == null) {
            throw new IllegalStateException("no bean of " + type.getName());
        }
        jakarta.enterprise.context.spi.CreationalContext<?> context = beanManager.createCreationalContext(bean);
        return new RetryDeciderInstances.Held((io.nvent.RetryDecider) beanManager.getReference(bean, type, context),
                context::release);
    }
}

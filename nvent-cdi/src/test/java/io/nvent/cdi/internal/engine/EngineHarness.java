package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepStatus;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepDeclaration;
import io.nvent.cdi.internal.registry.StepDefaults;
import io.nvent.cdi.internal.schedule.Schedule;
import io.nvent.cdi.internal.schedule.TickCursor;
import io.nvent.cdi.internal.schedule.TickScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real engine on the in-memory adapters, without a container: the fast way to test
 * orchestration. Time-driven work runs only when the test calls {@link #sweep()}, against a
 * {@link VirtualClock} it moves by hand.
 */
final class EngineHarness implements AutoCloseable {

    /** When a harness starts unless the test says otherwise. */
    static final Instant START = Instant.parse("2026-11-30T10:00:00Z");

    final VirtualClock clock;
    final MemoryFlowStore store;
    final MemorySchedulingStore scheduling;
    final MemoryJobQueue queue;
    final MemoryEventStream stream = new MemoryEventStream();
    final List<Object> hooks = new CopyOnWriteArrayList<>();
    /** What else a hook does once it is recorded in {@link #hooks}: a test's observer, which may throw. */
    volatile java.util.function.Consumer<Object> onHook = event -> { };
    final ManualTicks ticks;
    /** Stores the start of steps that run longer than the start-write delay; a test counts the tasks it ran. */
    final ScheduledThreadPoolExecutor startTimers = new ScheduledThreadPoolExecutor(1,
            Threads.daemonThreads("test-start-timer"));
    /**
     * Writes the progress steps report, timed by {@link #clock}: a step's progress is written only as the test
     * moves the clock (a second after the attempt began, then at most once a second), so a test counts writes.
     */
    final ProgressWrites progressWrites;
    final FlowEngine engine;
    final TriggerManager triggers;
    final Maintenance maintenance;

    EngineHarness(Step<?, ?>... steps) {
        this(4, steps);
    }

    /** An engine whose queues run at most {@code concurrency} jobs at a time. */
    EngineHarness(int concurrency, Step<?, ?>... steps) {
        this(new MemoryFlowStore(), new MemorySchedulingStore(), "instance-a", concurrency, steps);
    }

    /** An engine over existing stores, as a second instance or after a restart would be. */
    EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, String instanceId, Step<?, ?>... steps) {
        this(store, scheduling, instanceId, 4, steps);
    }

    private EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, String instanceId, int concurrency,
                          Step<?, ?>... steps) {
        this(store, scheduling, concurrency, settings(instanceId), newQueue(), steps);
    }

    /** An engine that stores a step's start on its own once the step has run for {@code startWriteDelay}. */
    static EngineHarness withStartWriteDelay(Duration startWriteDelay, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), new MemorySchedulingStore(), 4,
                new EngineSettings("instance-a", "http://test", Duration.ofMinutes(1), true, startWriteDelay),
                newQueue(), steps);
    }

    /** An engine over a scheduling store of the test's that stores each step's start before the step's code runs. */
    static EngineHarness withStartsStoredFirst(MemorySchedulingStore scheduling, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), scheduling, 4,
                new EngineSettings("instance-a", "http://test", Duration.ofMinutes(1), true, Duration.ZERO),
                newQueue(), steps);
    }

    /** An engine whose settings the test adjusts. */
    static EngineHarness withSettings(UnaryOperator<EngineSettings> adjust, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), new MemorySchedulingStore(), 4,
                adjust.apply(settings("instance-a")), newQueue(), steps);
    }

    /** An engine over a store of the test's, with settings the test adjusts. */
    static EngineHarness withSettings(MemoryFlowStore store, UnaryOperator<EngineSettings> adjust,
                                      Step<?, ?>... steps) {
        return new EngineHarness(store, new MemorySchedulingStore(), 4, adjust.apply(settings("instance-a")),
                newQueue(), steps);
    }

    /** Another instance over the stores of {@code other}, with settings the test adjusts. */
    static EngineHarness beside(EngineHarness other, String instanceId, UnaryOperator<EngineSettings> adjust,
                                Step<?, ?>... steps) {
        return new EngineHarness(other.store, other.scheduling, 4, adjust.apply(settings(instanceId)), newQueue(),
                steps);
    }

    /** Another instance over the stores of {@code other}, on a queue of the test's. */
    static EngineHarness beside(EngineHarness other, String instanceId, UnaryOperator<EngineSettings> adjust,
                                MemoryJobQueue queue, Step<?, ?>... steps) {
        return new EngineHarness(other.store, other.scheduling, 4, adjust.apply(settings(instanceId)), queue, steps);
    }

    /** Another instance over the stores of {@code other}, started at {@code startAt}, with settings the test adjusts. */
    static EngineHarness beside(EngineHarness other, String instanceId, UnaryOperator<EngineSettings> adjust,
                                Instant startAt, Step<?, ?>... steps) {
        return new EngineHarness(other.store, other.scheduling, 4, adjust.apply(settings(instanceId)),
                TriggerHistoryLimits.DEFAULTS, newQueue(), startAt, TriggerMisfires.DEFAULTS, steps);
    }

    /** An engine over a store of the test's whose triggers keep a history within these limits. */
    static EngineHarness withTriggerHistory(TriggerHistoryLimits limits, MemoryFlowStore store, Step<?, ?>... steps) {
        return new EngineHarness(store, new MemorySchedulingStore(), 4, settings("instance-a"), limits, newQueue(),
                steps);
    }

    /**
     * An instance that starts at {@code startAt} over the stores of {@code other} (stopped, or starting
     * too), dealing with the ticks missed while none ran as {@code misfires} says.
     */
    static EngineHarness startingAt(Instant startAt, EngineHarness other, String instanceId, TriggerMisfires misfires,
                                    Step<?, ?>... steps) {
        return startingAt(startAt, other, instanceId, misfires, TriggerHistoryLimits.DEFAULTS, steps);
    }

    /** The same, its triggers keeping a history within these limits. */
    static EngineHarness startingAt(Instant startAt, EngineHarness other, String instanceId, TriggerMisfires misfires,
                                    TriggerHistoryLimits limits, Step<?, ?>... steps) {
        return new EngineHarness(other.store, other.scheduling, 4, settings(instanceId), limits, newQueue(), startAt,
                misfires, steps);
    }

    /** A first instance, on stores of its own, dealing with ticks missed while none ran as {@code misfires} says. */
    static EngineHarness withMisfires(TriggerMisfires misfires, Step<?, ?>... steps) {
        return withMisfires(misfires, new MemorySchedulingStore(), steps);
    }

    /** The same on a scheduling store of the test's. */
    static EngineHarness withMisfires(TriggerMisfires misfires, MemorySchedulingStore scheduling, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), scheduling, 4, settings("instance-a"),
                TriggerHistoryLimits.DEFAULTS, newQueue(), START, misfires, steps);
    }

    /** An engine on a queue of the test's, with steps that continue a run sent through it or not. */
    static EngineHarness onQueue(MemoryJobQueue queue, boolean continueInWorker, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), new MemorySchedulingStore(), 4,
                settings("instance-a").withContinueInWorker(continueInWorker), queue, steps);
    }

    /** An engine over stores and on a queue of the test's. */
    static EngineHarness over(MemoryFlowStore store, MemorySchedulingStore scheduling, MemoryJobQueue queue,
                              Step<?, ?>... steps) {
        return new EngineHarness(store, scheduling, 4, settings("instance-a"), queue, steps);
    }

    /** An engine over a store and on a queue of the test's. */
    static EngineHarness over(MemoryFlowStore store, MemoryJobQueue queue, Step<?, ?>... steps) {
        return new EngineHarness(store, new MemorySchedulingStore(), 4, settings("instance-a"), queue, steps);
    }

    /**
     * An instance over stores and a queue of the test's, with the workers of each queue on it as
     * {@code workersOf} says (0: it leaves the queue to the other instances on that queue).
     */
    static EngineHarness pooled(MemoryFlowStore store, MemorySchedulingStore scheduling, MemoryJobQueue queue,
                                String instanceId, ToIntFunction<String> workersOf, Step<?, ?>... steps) {
        return new EngineHarness(store, scheduling, workersOf, settings(instanceId), TriggerHistoryLimits.DEFAULTS,
                queue, START, TriggerMisfires.DEFAULTS, new Json(1024 * 1024), steps);
    }

    /** An engine whose payloads are checked against these limits ({@code nvent.payload.*}). */
    static EngineHarness withPayloadLimits(Json json, Step<?, ?>... steps) {
        return new EngineHarness(new MemoryFlowStore(), new MemorySchedulingStore(), queueName -> 4,
                settings("instance-a"), TriggerHistoryLimits.DEFAULTS, newQueue(), START, TriggerMisfires.DEFAULTS, json,
                steps);
    }

    /** The same over a store of the test's. */
    static EngineHarness withPayloadLimits(Json json, MemoryFlowStore store, Step<?, ?>... steps) {
        return new EngineHarness(store, new MemorySchedulingStore(), queueName -> 4, settings("instance-a"),
                TriggerHistoryLimits.DEFAULTS, newQueue(), START, TriggerMisfires.DEFAULTS, json, steps);
    }

    private static EngineSettings settings(String instanceId) {
        return new EngineSettings(instanceId, "http://test", Duration.ofMinutes(1), true,
                EngineSettings.DEFAULT_START_WRITE_DELAY);
    }

    private static MemoryJobQueue newQueue() {
        return new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
    }

    private EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, int concurrency,
                          EngineSettings settings, MemoryJobQueue queue, Step<?, ?>... steps) {
        this(store, scheduling, concurrency, settings, TriggerHistoryLimits.DEFAULTS, queue, steps);
    }

    private EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, int concurrency,
                          EngineSettings settings, TriggerHistoryLimits triggerHistory, MemoryJobQueue queue,
                          Step<?, ?>... steps) {
        this(store, scheduling, concurrency, settings, triggerHistory, queue, START, TriggerMisfires.DEFAULTS, steps);
    }

    private EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, int concurrency,
                          EngineSettings settings, TriggerHistoryLimits triggerHistory, MemoryJobQueue queue,
                          Instant startAt, TriggerMisfires misfires, Step<?, ?>... steps) {
        this(store, scheduling, queueName -> concurrency, settings, triggerHistory, queue, startAt, misfires,
                new Json(1024 * 1024), steps);
    }

    private EngineHarness(MemoryFlowStore store, MemorySchedulingStore scheduling, ToIntFunction<String> workersOf,
                          EngineSettings settings, TriggerHistoryLimits triggerHistory, MemoryJobQueue queue,
                          Instant startAt, TriggerMisfires misfires, Json json, Step<?, ?>... steps) {
        this.clock = VirtualClock.startingAt(startAt);
        this.ticks = new ManualTicks(clock);
        this.store = store;
        this.queue = queue;
        this.scheduling = scheduling;
        Map<Class<?>, Step<?, ?>> instances = new ConcurrentHashMap<>();
        List<StepDeclaration> declarations = Arrays.stream(steps).flatMap(step -> {
            instances.put(step.getClass(), step);
            return StepDeclaration.allOf(step.getClass()).stream();
        }).toList();
        assertThat(FlowGraphValidator.validate(declarations)).as("graph problems").isEmpty();
        StepDefaults defaults = new StepDefaults(1, Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(30), Duration.ofHours(1), StepDefaults.STANDARD.awaitTimeoutRetries());
        engine = new FlowEngine(FlowRegistry.build(declarations, defaults), store, scheduling, queue, stream,
                json, clock, instances::get, event -> {
                    hooks.add(event);
                    onHook.accept(event);
                }, settings);
        engine.useStartTimers(startTimers);
        progressWrites = ProgressWrites.startedOn(io.nvent.cdi.VirtualClockTimers.of(clock),
                Threads.daemonThreads("test-progress-writer"));
        engine.useProgressWrites(progressWrites);
        triggers = new TriggerManager(engine, scheduling, json, clock, ticks, triggerHistory,
                misfires);
        maintenance = new Maintenance(engine, triggers, store, scheduling, clock, Duration.ofSeconds(10));
        engine.startWorkers(workersOf, queueName -> Optional.empty(), queueName -> false,
                queueName -> Optional.empty());
        triggers.start();
    }

    /**
     * Moves the clocks of instances over the same stores together: an instance whose clock stays behind reads the
     * leases and deadlines the others store as not yet due, and one whose clock runs ahead reads theirs as long past.
     */
    static void moveClocks(Duration by, EngineHarness... instances) {
        for (EngineHarness instance : instances) {
            instance.clock.advance(by);
        }
    }

    /** Runs one maintenance sweep at the clock's current time. */
    void sweep() {
        maintenance.sweep();
    }

    RunInfo awaitStatus(String runId, RunStatus status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.run(runId).orElseThrow().status() == status);
        return engine.run(runId).orElseThrow();
    }

    /**
     * Waits until the run's step shows running and its lease is stored. The memory store shows the run's change a
     * moment before the lease taken with it: a sweep in between finds no lease to judge expired, and a test that
     * gives the step's leases up finds none to give up, now and then on a loaded machine.
     */
    void awaitRunningWithLease(String runId, String step) {
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.run(runId).orElseThrow().steps().get(step)
                == StepStatus.RUNNING
                && scheduling.leasesOfRun(runId).stream().anyMatch(lease -> lease.step().equals(step)));
    }

    /**
     * Waits until no queue has a job running, or one waiting while it is not paused: the steps a sweep queued again
     * have ended. Moved by a lease while such a step takes its lease, the clock makes the next sweep find that lease
     * (stored with the end read before the move) expired, and take the step for stalled: its retry then comes after
     * the step's backoff, not within the test.
     */
    void awaitQueuesIdle() {
        await().until(() -> queue.queues().stream().allMatch(name -> queue.counts(name).active() == 0
                && (queue.counts(name).waiting() == 0 || queue.isPaused(name))));
    }

    List<HistoryEvent> history(String runId) {
        return engine.events(runId, EventQuery.all());
    }

    List<String> types(String runId) {
        return history(runId).stream().map(e -> e.type().wireName()).toList();
    }

    List<HistoryEvent> eventsOf(String runId, EventType type) {
        return history(runId).stream().filter(e -> e.type() == type).toList();
    }

    /** The n-th (0-based) await registration hook call, waiting for it to happen. */
    io.nvent.AwaitRegistered registration(int index) {
        await().atMost(Duration.ofSeconds(10)).until(() -> hooksOf(io.nvent.AwaitRegistered.class).size() > index);
        return hooksOf(io.nvent.AwaitRegistered.class).get(index);
    }

    <T> List<T> hooksOf(Class<T> type) {
        return hooks.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        queue.close();
        startTimers.shutdownNow();
        progressWrites.stop(Duration.ofSeconds(10));
    }

    /**
     * Records armed schedules; the test fires ticks itself, or has {@link #fireDue()} hand out what a
     * timer expiring now would, as the EJB timer service's does.
     */
    static final class ManualTicks implements TickScheduler {
        private record Timer(TickCursor cursor, BiConsumer<String, Instant> onTick) {
        }

        private final VirtualClock clock;
        final Map<String, Schedule> armed = new ConcurrentHashMap<>();
        private final Map<String, Timer> timers = new ConcurrentHashMap<>();
        /** Expressions this timer service refuses, as a server's own schedule parser may. */
        final java.util.Set<String> refused = ConcurrentHashMap.newKeySet();

        ManualTicks(VirtualClock clock) {
            this.clock = clock;
        }

        /** How long disarming everything takes on the clock, as a busy server's timer service may. */
        volatile Duration disarmingTakes = Duration.ZERO;
        /** The ticks this timer service handed out, oldest first. */
        final Queue<Instant> handedOut = new ConcurrentLinkedQueue<>();

        /** Expires every armed timer at the clock's time: each hands out the ticks due since it last did. */
        void fireDue() {
            timers.forEach((trigger, timer) -> timer.cursor().dueAt(clock.instant()).forEach(tick -> {
                handedOut.add(tick);
                timer.onTick().accept(trigger, tick);
            }));
        }

        @Override
        public void arm(String trigger, Schedule schedule, Instant after, BiConsumer<String, Instant> onTick) {
            armed.remove(trigger);
            timers.remove(trigger);
            if (refused.contains(schedule.expression())) {
                throw new IllegalArgumentException("Invalid minute value: " + schedule.expression());
            }
            armed.put(trigger, schedule);
            timers.put(trigger, new Timer(new TickCursor(schedule, after), onTick));
        }

        @Override
        public void disarm(String trigger) {
            armed.remove(trigger);
            timers.remove(trigger);
        }

        @Override
        public void disarmAll() {
            armed.clear();
            timers.clear();
            clock.advance(disarmingTakes);
        }
    }
}

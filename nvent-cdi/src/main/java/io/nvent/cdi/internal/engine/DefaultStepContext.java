package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.InvalidPayloadException;
import io.nvent.NonRetryableStepException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunState;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.StepContext;
import io.nvent.StepLogger;
import io.nvent.StepProgress;
import io.nvent.UndeclaredEventException;
import io.nvent.cdi.internal.registry.Spelling;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.internal.Causes;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.BooleanSupplier;

/**
 * The context of one step attempt. Emissions are buffered and applied with the step's completion,
 * so a failed attempt never triggers downstream steps; log entries and state are written at once,
 * each only while the attempt still holds its step: once its lease may have run out, under the lease in
 * the store ({@link Fence#write}).
 */
final class DefaultStepContext implements StepContext {

    /** The runs {@link #isRunning} counts: running, awaiting, and compensating (undoing their steps, since 0.2). */
    private static final List<RunStatus> UNDER_WAY = List.of(RunStatus.RUNNING, RunStatus.AWAITING,
            RunStatus.COMPENSATING);

    /** Runs read per page by {@link #runningFlows}: the most a {@link RunQuery} returns. */
    private static final int RUNS_PAGE = 1000;

    private final FlowEngine engine;
    private volatile Optional<io.nvent.Compensating> compensating = Optional.empty();
    private final RunPublisher publisher;
    private final AwaitResolution awaitResolution;
    private final StepHistory history;
    private final String runId;
    private final String flow;
    private final String step;
    private final JobExecution job;
    private final FlowStore store;
    private final Json json;
    private final Clock clock;
    private final StateCleanup stateCleanup;
    private final List<Emission> emissions = new ArrayList<>();
    /** What the attempt interceptors captured in the attempt's scope, once it emitted; empty without interceptors. */
    private volatile Map<String, String> emittedIn = Map.of();
    /** The events the step declares in {@code emits}: the only ones it may emit. */
    private final List<String> declaredEmits;
    /** The first emit refused as undeclared, which fails the attempt even if the step caught it. */
    private UndeclaredEventException undeclaredEmit;
    /** The child starts {@link #startFlow} refused for their input, each with the flow it would have started. */
    private final List<Map.Entry<InvalidPayloadException, String>> refusedChildren = new ArrayList<>();
    private final StepLogger logger = this::log;
    /** Read from the store when the step first asks: most steps never do. */
    private final Supplier<Optional<String>> triggerDataLookup;
    /** Whether the run was canceled while the attempt runs, as this instance knows it. */
    private final BooleanSupplier cancelRequested;
    /** Refuses the step's writes once its execution no longer holds its step. */
    private final Fence fence;
    private final SchedulingStore scheduling;
    private Optional<String> triggerData;
    private final RunState state = new StoreRunState();
    /** The keys of the children this execution starts, the same as an earlier execution of its attempt's. */
    /** Made by the first child start: most executions start none, and the step path stays lean. */
    private ChildStarts childStarts;
    /** Whether the execution started a child run (or tried to): see {@link #cancelChildrenIfRunCanceledWithThem}. */
    private volatile boolean startedChildren;
    /** Runs before the step writes to the store; see {@link #storeStartBeforeWrites}. */
    private volatile Runnable beforeWrite = () -> { };
    /**
     * What the run keeps of its emitted events, as the attempt read the run, with this attempt's
     * emits: checked at each emit, so that the step's code sees a refusal where it emits.
     */
    private final RunEmittedLimit.Tally emitted;
    /** The attempt's progress, written at most once a second, with the step's deferred start stored first. */
    private final ProgressReports progress;
    /** Whether the scheduling store keeps heartbeats ({@link SchedulingStore#keepsHeartbeats()}): else none is written. */
    private final boolean heartbeatsKept;
    /** The heartbeats of a step with a heartbeat timeout; null for any other, whose heartbeats do nothing. */
    private Heartbeats.Heartbeat heartbeat;

    DefaultStepContext(FlowEngine engine, RunPublisher publisher, AwaitResolution awaitResolution,
                       StepHistory history, String runId, String flow, String step, JobExecution job,
                       FlowStore store, SchedulingStore scheduling, Json json, Clock clock,
                       StateCleanup stateCleanup, Supplier<Optional<String>> triggerData,
                       BooleanSupplier cancelRequested, Fence fence, List<String> declaredEmits,
                       RunEmittedLimit.Tally emitted, Optional<ProgressWrites> progressWrites,
                       Consumer<StepProgress> storeProgress, Consumer<Instant> storeHeartbeat) {
        this.progress = new ProgressReports(progressWrites, ProgressReports.INTERVAL, clock, reported -> {
            beforeWrite.run();
            storeProgress.accept(reported);
        }, beat -> {
            beforeWrite.run();
            storeHeartbeat.accept(beat);
        }, "step '" + step + "' of run " + runId + " (attempt " + job.attempt() + ")");
        this.fence = fence;
        this.scheduling = scheduling;
        this.heartbeatsKept = scheduling.keepsHeartbeats();
        this.declaredEmits = List.copyOf(declaredEmits);
        this.triggerDataLookup = triggerData;
        this.emitted = emitted;
        this.cancelRequested = cancelRequested;
        this.engine = engine;
        this.publisher = publisher;
        this.awaitResolution = awaitResolution;
        this.history = history;
        this.runId = runId;
        this.flow = flow;
        this.step = step;
        this.job = job;
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.stateCleanup = stateCleanup;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public String flow() {
        return flow;
    }

    @Override
    public String step() {
        return step;
    }

    @Override
    public String jobId() {
        return job.jobId();
    }

    @Override
    public String queue() {
        return job.queue();
    }

    @Override
    public int attempt() {
        return job.attempt();
    }

    @Override
    public synchronized Optional<String> triggerData() {
        if (triggerData == null) {
            triggerData = triggerDataLookup.get();
        }
        return triggerData;
    }

    @Override
    public Optional<String> afterAwaitData(String awaitedStep) {
        return awaitResolution.afterAwaitData(runId, flow, awaitedStep);
    }

    @Override
    public StepLogger logger() {
        return logger;
    }

    @Override
    public RunState state() {
        return state;
    }

    @Override
    public synchronized void emit(String event, Object payload) {
        Objects.requireNonNull(event, "event");
        if (event.isBlank()) {
            throw new IllegalArgumentException("event name must not be blank");
        }
        if (!declaredEmits.contains(event)) {
            // emits draws the graph deployment checks: an event beyond it (a typo, mostly) would let
            // the run complete without the steps that wait for the intended one.
            UndeclaredEventException undeclared = new UndeclaredEventException(runId, flow, step, event,
                    declaredEmits, Spelling.closest(event, declaredEmits, Spelling.MOST_EDITS_OF_A_TYPO));
            if (undeclaredEmit == null) {
                undeclaredEmit = undeclared;
            }
            throw undeclared;
        }
        String payloadJson = json.toJson(payload, "payload of event '" + event + "'");
        fence.requireCurrent();
        keepWithinEmittedLimit(event, payloadJson);
        emissions.add(new Emission(event, payloadJson, clock.instant()));
    }

    /**
     * Refuses an emit that would take what the run keeps of its emitted events beyond
     * {@code nvent.payload.max-run-emitted-bytes}: the step's code gets the exception, and the attempt
     * fails unless the step catches it.
     */
    private void keepWithinEmittedLimit(String event, String payloadJson) {
        emitted.admit(event, payloadJson);
    }

    synchronized List<Emission> emissions() {
        return List.copyOf(emissions);
    }

    /** Whether the step emitted an event in this attempt. */
    synchronized boolean emitted() {
        return !emissions.isEmpty();
    }

    /** What the attempt interceptors captured in the attempt's scope, for the runs its emits start or resume. */
    void emittedIn(Map<String, String> producer) {
        emittedIn = producer;
    }

    /** What {@link #emittedIn(Map)} was given; empty if nothing. */
    Map<String, String> emittedIn() {
        return emittedIn;
    }

    /** The first undeclared emit the step made, also one it caught: the attempt fails with it. */
    synchronized Optional<UndeclaredEventException> undeclaredEmit() {
        return Optional.ofNullable(undeclaredEmit);
    }

    @Override
    public String startFlow(String otherFlow, Object input) {
        return startFlow(otherFlow, input, StartOptions.DEFAULTS).runId();
    }

    @Override
    public StartedRun startFlow(String otherFlow, Object input, StartOptions options) {
        try {
            return startChild(otherFlow, input, options);
        } catch (InvalidPayloadException refused) {
            synchronized (this) {
                refusedChildren.add(Map.entry(refused, otherFlow));
            }
            throw refused;
        }
    }

    /**
     * What fails the attempt, in place of {@code failure}, when the step let a refusal of {@link #startFlow} escape
     * (as {@code failure} or one of its causes): the step gives the same input at every attempt, so a retry cannot
     * mend it (NVENT-0453). Empty for any other failure, and for one the step made of a refusal it caught.
     */
    synchronized Optional<NonRetryableStepException> refusedChildStart(Throwable failure) {
        for (Throwable cause : Causes.chain(failure)) {   // each once: a chain may loop
            for (Map.Entry<InvalidPayloadException, String> refused : refusedChildren) {
                if (refused.getKey() == cause) {
                    return Optional.of(new NonRetryableStepException("NVENT-0453 step '" + step + "' of flow '" + flow
                            + "' in run " + runId + " could not start flow '" + refused.getValue() + "': "
                            + cause.getMessage() + "; the step gives the same input at every attempt, so it is not"
                            + " retried: fix what the step gives ctx.startFlow, or catch InvalidPayloadException in"
                            + " the step to go on without the child", failure));
                }
            }
        }
        return Optional.empty();
    }

    private StartedRun startChild(String otherFlow, Object input, StartOptions options) {
        fence.requireCurrent();
        startedChildren = true;
        if (options.idempotencyKey().isPresent()) {
            return fence.writeUnchecked(() -> engine.startChild(otherFlow, input, options, runId, Optional.empty()));
        }
        String inputJson = json.toJson(input, "input of flow '" + otherFlow + "'");
        return childStarts().startNext(otherFlow, inputJson, key -> fence.writeUnchecked(
                () -> engine.startChildWithJson(otherFlow, inputJson, options, runId, Optional.of(key))));
    }

    /**
     * Once the step's code has returned or thrown: cancels the children it started if its run was canceled with its
     * children meanwhile, which a step in a transaction of its own stored only as it returned (see
     * {@link OperatorActions#cancelChildrenOfAttemptOfRunCanceledWithChildren}). Nothing for a step that started none.
     */
    void cancelChildrenIfRunCanceledWithThem() {
        if (startedChildren) {
            engine.cancelChildrenOfEndedAttempt(runId);
        }
    }

    private synchronized ChildStarts childStarts() {
        if (childStarts == null) {
            childStarts = new ChildStarts(runId, step, job.attempt(), () -> history.failuresOf(runId, step));
        }
        return childStarts;
    }

    /**
     * Makes the step store its start (if it has not yet) before it writes to the store: a log entry or
     * a cancel never precedes {@code step.started}, and a write of an attempt whose start is refused is
     * refused too (the start's refusal makes the execution stale).
     */
    void storeStartBeforeWrites(Runnable storeStart) {
        this.beforeWrite = storeStart;
    }

    @Override
    public void cancel() {
        beforeWrite.run();
        fence.requireCurrent();
        fence.writeUnchecked(() -> {
            engine.cancel(runId);
            return null;
        });
    }

    @Override
    public void reportProgress(long done, long total, String message) {
        progress.report(new StepProgress(done, total, Optional.ofNullable(message), clock.instant()));
        beatHere();
    }

    @Override
    public void heartbeat() {
        beatHere();
        if (heartbeatsKept) {
            progress.beat();   // for other instances' waits: a store keeping none is not called at all
        }
    }

    /** A heartbeat for the watchdog on this instance only: a progress report is stored as a sign of life itself. */
    private void beatHere() {
        if (heartbeat != null) {
            heartbeat.beat();
        }
    }

    /**
     * The step's heartbeats go to {@code beats}: set before the step's code runs, on its thread. They are stored at
     * most once per a quarter of its heartbeat timeout (at least once a second), for other instances to see.
     */
    void heartbeatsTo(Heartbeats.Heartbeat beats) {
        heartbeat = beats;
        progress.beatsAtMostEvery(beats.timeout().dividedBy(4));
    }

    /**
     * Ends the attempt's progress reports once its code has returned or thrown: nothing more is written.
     *
     * @return the latest progress it reported, if any
     */
    Optional<StepProgress> endProgress() {
        return progress.end();
    }

    /** {@return the latest progress the attempt reported, if any, whether or not its reports ended} */
    Optional<StepProgress> latestProgress() {
        return progress.latest();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public boolean isCancelRequested() {
        return cancelRequested.getAsBoolean();
    }

    @Override
    public Optional<String> startedByTrigger() {
        // Read on demand: few steps ask, and the start entry is the run's first.
        return store.readEvents(runId, new EventQuery(Set.of(EventType.FLOW_START), 0, 1, false)).stream()
                .findFirst()
                .map(start -> Json.PROVIDER.createReader(new StringReader(start.data())).readObject())
                .filter(data -> data.get("trigger") instanceof JsonString)
                .map(data -> data.getString("trigger"));
    }

    @Override
    public boolean isRunning(String otherFlow, String otherRunId) {
        return store.findRun(otherRunId)
                .filter(r -> r.flow().equals(otherFlow))
                .map(r -> UNDER_WAY.contains(r.status()))
                .orElse(false);
    }

    @Override
    public boolean isRunning(String otherFlow) {
        // Two of each status are enough to find one that is not the current run.
        RunQuery query = RunQuery.ofFlow(otherFlow).page(0, 2);
        return UNDER_WAY.stream()
                .anyMatch(status -> engine.runs(query.withStatus(status)).stream()
                        .anyMatch(r -> !r.runId().equals(runId)));
    }

    @Override
    public List<RunInfo> runningFlows(String otherFlow) {
        // All of them, page by page; a run listed twice (the pages moved under a new run) counts once.
        Map<String, RunInfo> found = new LinkedHashMap<>();
        for (RunStatus status : UNDER_WAY) {
            RunQuery query = RunQuery.ofFlow(otherFlow).withStatus(status);
            List<RunInfo> page;
            int offset = 0;
            do {
                page = engine.runs(query.page(offset, RUNS_PAGE));
                page.forEach(r -> found.putIfAbsent(r.runId(), r));
                offset += page.size();
            } while (page.size() == RUNS_PAGE);
        }
        found.remove(runId);
        return List.copyOf(found.values());
    }

    private void log(StepLogger.Level level, String message, Map<String, ?> meta) {
        // A diagnostic too large to store is cut down rather than failing the step that wrote it.
        int room = json.maxPayloadBytes() / 2;
        String metaJson;
        try {
            metaJson = json.toJson(meta == null ? Map.of() : meta, "log details");
        } catch (InvalidPayloadException tooLargeOrNotJson) {
            metaJson = JsonText.object().str("omitted", tooLargeOrNotJson.getMessage()).build();
        }
        if ((long) metaJson.length() * 3 > room && metaJson.getBytes(StandardCharsets.UTF_8).length > room) {
            metaJson = JsonText.object().str("omitted", "log details of " + metaJson.length()
                    + " characters, more than half of nvent.payload.max-bytes").build();
        }
        String text = message == null ? "" : message;
        int keep = room / 6;   // at most 3 UTF-8 bytes a char: a quarter of the limit
        if (text.length() > keep) {
            int cut = Character.isHighSurrogate(text.charAt(keep - 1)) ? keep - 1 : keep;
            text = text.substring(0, cut) + "… (" + text.length() + " characters, cut)";
        }
        String data = JsonText.object()
                .str("level", level.name().toLowerCase(java.util.Locale.ROOT))
                .str("message", text)
                .raw("meta", metaJson)
                .build();
        beforeWrite.run();
        List<EventDraft> entry = List.of(EventDraft.ofStep(EventType.LOG, step, job.attempt(), clock.instant(), data));
        publisher.publish(flow, fence.write(() -> store.appendEvents(runId, entry),
                lease -> scheduling.appendEventsHolding(store, lease, entry)));
    }

    private final class StoreRunState implements RunState {

        @Override
        public <T> Optional<T> get(String key, Class<T> type) {
            // A value set to null reads as none, whatever the type asked for (JsonValue too).
            return store.getState(runId, key, clock.instant()).filter(text -> !Json.isNull(text))
                    .map(text -> type.cast(json.fromJson(text, type, "state '" + key + "'")));
        }

        @Override
        public void set(String key, Object value) {
            put(key, value, stateCleanup.expiryOfUntimedValue(clock.instant()));
        }

        @Override
        public void set(String key, Object value, Duration ttl) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive, was " + ttl);
            }
            put(key, value, Optional.of(clock.instant().plus(ttl)));
        }

        private void put(String key, Object value, Optional<Instant> expiresAt) {
            String valueJson = json.toJson(value, "state '" + key + "'");
            beforeWrite.run();
            fence.write(() -> {
                store.putState(runId, key, valueJson, expiresAt);
                return null;
            }, lease -> {
                scheduling.putStateHolding(store, lease, key, valueJson, expiresAt);
                return null;
            });
        }

        @Override
        public void delete(String key) {
            beforeWrite.run();
            fence.write(() -> {
                store.deleteState(runId, key);
                return null;
            }, lease -> {
                scheduling.deleteStateHolding(store, lease, key);
                return null;
            });
        }
    }

    /**
     * Refuses the writes of an execution that no longer holds its step, with a
     * {@link io.nvent.StaleExecutionException} to the step's code (see {@code StepRunner.requireCurrent}).
     */
    interface Fence {

        /** Throws unless the execution may still write for its step; for writes that go elsewhere than the store. */
        void requireCurrent();

        /**
         * Makes a write to the store: {@code plain} while the execution surely holds its step, else
         * {@code held}, which the store makes under the step's lease; throws instead of writing once
         * the execution no longer holds its step.
         */
        <T> T write(Supplier<T> plain, Function<StepLease, T> held);

        /**
         * Makes a write the store cannot check against the step's lease (a child run's start, a cancel) as
         * {@link #write} makes its {@code plain} one, so that a timed-out attempt's write under way keeps the
         * step's lease until it ends; past the lease's end, after {@link #requireCurrent}.
         */
        default <T> T writeUnchecked(Supplier<T> write) {
            return write(write, held -> {
                requireCurrent();
                return write.get();
            });
        }
    }

    /** What this attempt undoes, set before the step's code runs, when it runs as a compensation. */
    void compensating(io.nvent.Compensating what) {
        compensating = Optional.of(what);
    }

    @Override
    public Optional<io.nvent.Compensating> compensating() {
        return compensating;
    }
}

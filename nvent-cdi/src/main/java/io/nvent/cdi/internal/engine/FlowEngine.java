package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.NventException;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepBinding;
import io.nvent.spi.EventDraft;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Moves runs through their flows. Every change of a run goes through
 * {@link FlowStore#updateRun}, so the run's state and the history entries describing the change
 * are stored together; the rules deciding what happens next live in {@link Orchestration}.
 *
 * <p>Plain class, no container types: {@link EngineBean} wires it into CDI, and tests build it
 * directly.
 */
public final class FlowEngine implements FlowService {

    private static final System.Logger LOG = System.getLogger(FlowEngine.class.getName());

    private final FlowRegistry registry;
    private final FlowStore store;
    private final JobQueue queue;
    private final EventStream stream;
    private final Json json;
    private final Clock clock;
    private final Function<Class<?>, Step<?, ?>> stepInstances;
    private final Map<Class<?>, Step<?, ?>> stepCache = new ConcurrentHashMap<>();
    private final JobHandler jobHandler = new StepJobHandler();

    public FlowEngine(FlowRegistry registry, FlowStore store, JobQueue queue, EventStream stream, Json json,
                      Clock clock, Function<Class<?>, Step<?, ?>> stepInstances) {
        this.registry = registry;
        this.store = store;
        this.queue = queue;
        this.stream = stream;
        this.json = json;
        this.clock = clock;
        this.stepInstances = stepInstances;
    }

    /** Starts a worker for every queue the flows use. */
    public void startWorkers(ToIntFunction<String> concurrencyOfQueue) {
        for (String name : registry.queues()) {
            queue.registerWorker(name, concurrencyOfQueue.applyAsInt(name), jobHandler);
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0110 engine started: flows {0}, queues {1}",
                registry.flows().stream().map(FlowDefinition::name).toList(), registry.queues());
    }

    public FlowRegistry registry() {
        return registry;
    }

    // ---------------------------------------------------------------- FlowService

    @Override
    public String start(String flow, Object input) {
        return start(flow, json.toJson(input, "input of flow '" + flow + "'"), Optional.empty());
    }

    @Override
    public String startWithJson(String flow, String jsonInput) {
        return start(flow, json.validate(jsonInput, "input of flow '" + flow + "'"), Optional.empty());
    }

    String start(String flowName, String inputJson, Optional<String> parentRunId) {
        FlowDefinition flow = registry.require(flowName);
        JsonText data = JsonText.object();
        parentRunId.ifPresent(parent -> data.str("parentRunId", parent));
        return createAndEnqueue(flow, inputJson, parentRunId, Map.of(), Map.of(), flow.entry(), data);
    }

    /** Creates a run whose given steps and emissions are already done, and enqueues its first step. */
    private String createAndEnqueue(FlowDefinition flow, String inputJson, Optional<String> parentRunId,
                                    Map<String, StepStatus> doneSteps, Map<String, String> doneEvents,
                                    StepDefinition first, JsonText startData) {
        Instant now = clock.instant();
        String runId = UUID.randomUUID().toString();
        RunRecord run = RunRecord.started(runId, flow.name(), inputJson, parentRunId, now);
        for (Map.Entry<String, StepStatus> step : doneSteps.entrySet()) {
            run = run.withStep(step.getKey(), step.getValue());
        }
        for (Map.Entry<String, String> event : doneEvents.entrySet()) {
            run = run.withEmitted(event.getKey(), event.getValue());
        }
        run = run.withStep(first.name(), StepStatus.QUEUED);
        List<HistoryEvent> stored = store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, now,
                startData.raw("input", inputJson).build())));
        publish(flow.name(), stored);
        enqueue(runId, flow.name(), first);
        return runId;
    }

    @Override
    public void emit(String runId, String event, Object payload) {
        String payloadJson = json.toJson(payload, "payload of event '" + event + "'");
        Instant now = clock.instant();
        RunRecord current = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(current.flow());
        ReadyHolder holder = new ReadyHolder();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (run.status().isTerminal()) {
                throw new IllegalRunTransitionException(runId, run.status(), "receive event '" + event + "'");
            }
            RunRecord next = run.withEmitted(event, payloadJson);
            EventDraft emitted = EventDraft.ofRun(EventType.EMIT, now, emitData(event, payloadJson));
            Orchestration.Advance advance = Orchestration.advance(flow, next, List.of(emitted), now);
            holder.ready = advance.ready();
            return Optional.of(new RunChange(advance.run(), advance.events()));
        });
        change.ifPresent(c -> afterChange(flow.name(), c, holder.ready));
    }

    @Override
    public boolean cancel(String runId) {
        Instant now = clock.instant();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (run.status().isTerminal()) {
                return Optional.empty();
            }
            String data = JsonText.object().str("canceledAt", now.toString())
                    .str("previousStatus", run.status().wireName()).build();
            return Optional.of(new RunChange(run.withStatus(RunStatus.CANCELED, now),
                    List.of(EventDraft.ofRun(EventType.FLOW_CANCEL, now, data))));
        });
        change.ifPresent(c -> publish(c.run().flow(), c.events()));
        return change.isPresent();
    }

    @Override
    public String restart(String runId) {
        RunRecord original = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        if (original.status().isActive() || original.status() == RunStatus.STALLED) {
            cancel(runId);
        }
        FlowDefinition flow = registry.require(original.flow());
        return createAndEnqueue(flow, original.input(), original.parentRunId(), Map.of(), Map.of(),
                flow.entry(), JsonText.object().str("restartOf", runId));
    }

    @Override
    public String rerunFrom(String runId, String stepName) {
        RunRecord original = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(original.flow());
        StepDefinition chosen = flow.step(stepName).orElseThrow(() -> new IllegalArgumentException(
                "flow '" + flow.name() + "' has no step '" + stepName + "'"));
        Set<String> rerun = Orchestration.downstreamOf(flow, chosen);
        Set<String> rerunEvents = new HashSet<>();
        flow.steps().stream().filter(s -> rerun.contains(s.name())).forEach(s -> rerunEvents.addAll(s.emits()));
        Map<String, StepStatus> kept = new LinkedHashMap<>();
        original.steps().forEach((name, status) -> {
            if (!rerun.contains(name) && status == StepStatus.COMPLETED) {
                kept.put(name, status);
            }
        });
        Map<String, String> keptEvents = new LinkedHashMap<>(original.emitted());
        keptEvents.keySet().removeAll(rerunEvents);
        if (!keptEvents.keySet().containsAll(chosen.subscribes())) {
            throw new IllegalArgumentException("step '" + stepName + "' cannot be rerun from run '" + runId
                    + "': its subscriptions " + chosen.subscribes() + " were not all emitted in that run");
        }
        return createAndEnqueue(flow, original.input(), original.parentRunId(), kept, keptEvents, chosen,
                JsonText.object().str("rerunOf", runId).str("fromStep", stepName));
    }

    @Override
    public void retryStep(String runId, String stepName) {
        Instant now = clock.instant();
        RunRecord current = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        StepDefinition step = registry.require(current.flow()).step(stepName).orElseThrow(() ->
                new IllegalArgumentException("flow '" + current.flow() + "' has no step '" + stepName + "'"));
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (run.steps().get(stepName) != StepStatus.FAILED || run.status() == RunStatus.CANCELED) {
                throw new IllegalRunTransitionException(runId, run.status(),
                        "retry step '" + stepName + "', which has not failed");
            }
            RunRecord next = run.withStep(stepName, StepStatus.QUEUED);
            if (next.status() != RunStatus.RUNNING) {
                next = next.withStatus(RunStatus.RUNNING, now);
            }
            return Optional.of(new RunChange(next, List.of(EventDraft.ofStep(EventType.STEP_RETRY, stepName, 0, now,
                    JsonText.object().str("reason", "manual retry").build()))));
        });
        change.ifPresent(c -> {
            publish(c.run().flow(), c.events());
            String jobId = StepJob.jobId(runId, stepName);
            if (!queue.retry(step.queue(), jobId)) {
                enqueue(runId, current.flow(), step, jobId + ":retry-" + c.run().version());
            }
        });
    }

    @Override
    public Optional<RunInfo> run(String runId) {
        return store.findRun(runId).map(RunRecord::toInfo);
    }

    @Override
    public List<RunInfo> runs(RunQuery query) {
        return store.findRuns(query).stream().map(RunRecord::toInfo).toList();
    }

    @Override
    public List<HistoryEvent> events(String runId, EventQuery query) {
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
        return registry.flow(name);
    }

    @Override
    public FlowStats stats(String flow) {
        registry.require(flow);
        return store.stats(flow);
    }

    // ---------------------------------------------------------------- step execution

    /** Receives step jobs from the queue. */
    private final class StepJobHandler implements JobHandler {

        @Override
        public void handle(JobExecution job) throws Exception {
            execute(job);
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            recordFailure(job, error, nextAttemptAt);
        }
    }

    private void execute(JobExecution job) throws Exception {
        StepJob ref = StepJob.parse(job.payload());
        Optional<StepBinding> found = registry.binding(ref.flow(), ref.step());
        if (found.isEmpty()) {
            // A job of a step that no longer exists (redeployed code): fail it visibly, never drop silently.
            throw new NventException("NVENT-0111 run '" + ref.runId() + "': flow '" + ref.flow()
                    + "' has no step '" + ref.step() + "' in this deployment");
        }
        StepBinding binding = found.get();
        Instant startedAt = clock.instant();
        Optional<StoredChange> started = store.updateRun(ref.runId(), run -> {
            StepStatus status = run.steps().get(ref.step());
            if (run.status().isTerminal() || status == null || status.isFinal()) {
                // Canceled run, or a redelivered job of a step that already finished: idempotent no-op.
                return Optional.empty();
            }
            String data = JsonText.object().str("jobId", job.jobId()).str("queue", job.queue()).build();
            return Optional.of(new RunChange(run.withStep(ref.step(), StepStatus.RUNNING),
                    List.of(EventDraft.ofStep(EventType.STEP_STARTED, ref.step(), job.attempt(), startedAt, data))));
        });
        if (started.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "skipping job {0}: run ended or step already finished", job.jobId());
            return;
        }
        RunRecord run = started.get().run();
        publish(run.flow(), started.get().events());

        Object input = json.fromJson(inputOf(binding, run), binding.inputType(),
                "input of " + binding.step() + " in run " + run.runId());
        DefaultStepContext context = new DefaultStepContext(this, run.runId(), run.flow(), binding.step(), job,
                store, json, clock);
        Object result = invoke(binding, input, context);
        complete(binding, job, context, json.toJson(result, "result of step '" + binding.step() + "'"));
    }

    @SuppressWarnings("unchecked")
    private Object invoke(StepBinding binding, Object input, DefaultStepContext context) throws Exception {
        Step<Object, Object> step = (Step<Object, Object>) stepCache.computeIfAbsent(binding.beanClass(),
                stepInstances);
        return step.execute(input, context);
    }

    private String inputOf(StepBinding binding, RunRecord run) {
        if (binding.definition().role() == io.nvent.StepRole.ENTRY) {
            return run.input();
        }
        JsonText inputs = JsonText.object();
        for (String event : binding.definition().subscribes()) {
            inputs.raw(event, run.emitted().getOrDefault(event, "null"));
        }
        return inputs.build();
    }

    private void complete(StepBinding binding, JobExecution job, DefaultStepContext context, String resultJson) {
        FlowDefinition flow = registry.require(binding.flow());
        String step = binding.step();
        Instant now = clock.instant();
        ReadyHolder holder = new ReadyHolder();
        List<DefaultStepContext.Emission> emissions = context.emissions();
        Optional<StoredChange> change = store.updateRun(context.runId(), run -> {
            if (run.steps().get(step) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            List<EventDraft> events = new ArrayList<>();
            RunRecord next = run.withStep(step, StepStatus.COMPLETED).withResult(resultJson);
            for (DefaultStepContext.Emission emission : emissions) {
                next = next.withEmitted(emission.event(), emission.payloadJson());
                events.add(EventDraft.ofStep(EventType.EMIT, step, job.attempt(), emission.at(),
                        emitData(emission.event(), emission.payloadJson())));
            }
            events.add(EventDraft.ofStep(EventType.STEP_COMPLETED, step, job.attempt(), now,
                    JsonText.object().raw("result", resultJson).build()));
            Orchestration.Advance advance = Orchestration.advance(flow, next, events, now);
            holder.ready = advance.ready();
            return Optional.of(new RunChange(advance.run(), advance.events()));
        });
        change.ifPresent(c -> afterChange(flow.name(), c, holder.ready));
    }

    private void recordFailure(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
        StepJob ref;
        try {
            ref = StepJob.parse(job.payload());
        } catch (RuntimeException unreadable) {
            LOG.log(System.Logger.Level.ERROR, "NVENT-0112 job " + job.jobId() + " has an unreadable payload", error);
            return;
        }
        Instant now = clock.instant();
        String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        if (error instanceof TimeoutException) {
            message = "attempt " + job.attempt() + " exceeded its timeout: " + message;
        }
        String finalMessage = message;
        try {
            Optional<StoredChange> change = store.updateRun(ref.runId(), run -> {
                StepStatus status = run.steps().get(ref.step());
                if (status == null || status.isFinal()) {
                    return Optional.empty();
                }
                JsonText data = JsonText.object().str("error", finalMessage).str("stack", stackTrace(error))
                        .num("attempt", job.attempt()).num("maxAttempts", job.maxAttempts());
                if (nextAttemptAt.isPresent()) {
                    data.num("nextAttempt", job.attempt() + 1L).str("nextAttemptAt", nextAttemptAt.get().toString());
                    return Optional.of(new RunChange(run.withStep(ref.step(), StepStatus.RETRYING),
                            List.of(EventDraft.ofStep(EventType.STEP_RETRY, ref.step(), job.attempt(), now,
                                    data.build()))));
                }
                List<EventDraft> events = new ArrayList<>();
                events.add(EventDraft.ofStep(EventType.STEP_FAILED, ref.step(), job.attempt(), now, data.build()));
                RunRecord next = run.withStep(ref.step(), StepStatus.FAILED);
                if (run.status().canTransitionTo(RunStatus.FAILED)) {
                    next = next.withStatus(RunStatus.FAILED, now);
                    events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                            .str("step", ref.step()).str("error", finalMessage).build()));
                }
                return Optional.of(new RunChange(next, events));
            });
            change.ifPresent(c -> publish(c.run().flow(), c.events()));
        } catch (RunNotFoundException gone) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0113 job {0} failed for run {1}, which no longer exists",
                    job.jobId(), ref.runId());
        }
    }

    // ---------------------------------------------------------------- helpers used by the step context

    String startChild(String flow, Object input, String parentRunId) {
        return start(flow, json.toJson(input, "input of flow '" + flow + "'"), Optional.of(parentRunId));
    }

    void publish(String flow, List<HistoryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            stream.publish(flow, events);
        } catch (RuntimeException e) {
            // Live listeners catch up from the store; a stream hiccup must not fail the run.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0114 could not publish events of flow " + flow, e);
        }
    }

    private void afterChange(String flow, StoredChange change, List<StepDefinition> ready) {
        publish(flow, change.events());
        for (StepDefinition step : ready) {
            enqueue(change.run().runId(), flow, step);
        }
    }

    private void enqueue(String runId, String flow, StepDefinition step) {
        enqueue(runId, flow, step, StepJob.jobId(runId, step.name()));
    }

    private void enqueue(String runId, String flow, StepDefinition step, String jobId) {
        queue.enqueue(new JobRequest(step.queue(), jobId, step.name(),
                new StepJob(runId, flow, step.name()).toJson(), java.time.Duration.ZERO, step.priority(),
                step.retry(), step.timeout()));
    }

    private static String emitData(String event, String payloadJson) {
        return JsonText.object().str("name", event).raw("payload", payloadJson).build();
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

    /** Carries the steps made ready out of a mutation; the last invocation is the one stored. */
    private static final class ReadyHolder {
        List<StepDefinition> ready = List.of();
    }
}

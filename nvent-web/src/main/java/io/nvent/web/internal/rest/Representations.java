package io.nvent.web.internal.rest;

import io.nvent.AwaitSpec;
import io.nvent.BulkResult;
import io.nvent.FlowDefinition;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RetryPolicy;
import io.nvent.RunInfo;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.StepProgress;
import io.nvent.StepWait;
import io.nvent.TimeoutAction;
import io.nvent.cdi.OldestWaiting;
import io.nvent.cdi.QueueControls;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.QueueChange;
import io.nvent.spi.internal.PauseChanges;
import io.nvent.web.internal.stats.SharedCount.Counted;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The JSON shapes of the REST API and the live stream, kept in one place so they stay consistent.
 */
public final class Representations {

    /** The JSON-P provider, looked up once: {@code jakarta.json.Json} looks it up on every call. */
    public static final JsonProvider JSON = JsonProvider.provider();


    private Representations() {
    }

    /** A flow of the registry with its run counts and when they were counted. */
    public static JsonObject flow(FlowDefinition flow, Counted<FlowStats> stats) {
        JsonArrayBuilder steps = JSON.createArrayBuilder();
        for (StepDefinition step : flow.steps()) {
            steps.add(JSON.createObjectBuilder()
                    .add("name", step.name())
                    .add("role", step.role().name().toLowerCase(Locale.ROOT))
                    .add("queue", step.queue())
                    .add("subscribes", JSON.createArrayBuilder(step.subscribes()))
                    .add("emits", JSON.createArrayBuilder(step.emits()))
                    .add("maxAttempts", step.retry().maxAttempts())
                    .add("timeoutMs", step.timeout().toMillis())
                    .addAll(settings(step)));
        }
        return JSON.createObjectBuilder()
                .add("name", flow.name())
                .add("entry", flow.entry().name())
                .add("steps", steps)
                .add("stats", stats(stats))
                .build();
    }

    /**
     * What a step's definition says beyond its events, the same in the registry and the graph:
     * {@code priority}, {@code retry} (with {@code delaysMs} and {@code jitter} when the step has a list of
     * delays or a jitter, {@code noRetryFor} when it lists exception types, {@code decider}, the class name,
     * when a retry decider decides its retries)
     * and, when the step has them, {@code awaitBefore} / {@code awaitAfter}, and the entry step's
     * {@code runTimeoutMs} when its flow's runs have a deadline, {@code heartbeatTimeoutMs} for a step with a
     * heartbeat timeout, and {@code compensation}, the step that undoes it, for a step that names one.
     */
    static JsonObjectBuilder settings(StepDefinition step) {
        RetryPolicy retry = step.retry();
        JsonObjectBuilder retrying = JSON.createObjectBuilder()
                .add("maxAttempts", retry.maxAttempts())
                .add("backoff", retry.backoff().name().toLowerCase(Locale.ROOT))
                .add("delayMs", retry.initialDelay().toMillis())
                .add("maxDelayMs", retry.maxDelay().toMillis());
        if (!retry.delays().isEmpty()) {
            JsonArrayBuilder delays = JSON.createArrayBuilder();
            retry.delays().forEach(delay -> delays.add(delay.toMillis()));
            retrying.add("delaysMs", delays);
        }
        if (retry.jitter() != 0) {
            retrying.add("jitter", retry.jitter());
        }
        if (!step.noRetryFor().isEmpty()) {
            retrying.add("noRetryFor", JSON.createArrayBuilder(step.noRetryFor()));
        }
        step.retryDecider().ifPresent(decider -> retrying.add("decider", decider));
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("priority", step.priority())
                .add("retry", retrying);
        step.awaitBefore().ifPresent(a -> body.add("awaitBefore", await(a)));
        step.awaitAfter().ifPresent(a -> body.add("awaitAfter", await(a)));
        step.runTimeout().ifPresent(timeout -> body.add("runTimeoutMs", timeout.toMillis()));
        step.heartbeatTimeout().ifPresent(timeout -> body.add("heartbeatTimeoutMs", timeout.toMillis()));
        step.compensation().ifPresent(compensation -> body.add("compensation", compensation));
        return body;
    }

    /**
     * An await as declared, defaults applied: its type and only the fields that apply to it
     * ({@code delayMs} of a time await, {@code cron} and {@code timezone} of a schedule,
     * {@code event} and {@code filterKey} of an event await); {@code timeoutMs} and
     * {@code timeoutAction} when it times out, {@code timeoutRetries} when a timeout registers it again.
     */
    static JsonObject await(AwaitSpec await) {
        JsonObjectBuilder body = JSON.createObjectBuilder().add("type", await.type().name().toLowerCase(Locale.ROOT));
        switch (await.type()) {
            case TIME -> body.add("delayMs", await.delay().toMillis());
            case SCHEDULE -> {
                await.cron().ifPresent(cron -> body.add("cron", cron));
                body.add("timezone", await.timezone().getId());
            }
            case EVENT -> {
                await.event().ifPresent(event -> body.add("event", event));
                await.filterKey().ifPresent(key -> body.add("filterKey", key));
            }
            case WEBHOOK -> { }   // its URL is made when it registers
        }
        await.timeout().ifPresent(timeout -> {
            body.add("timeoutMs", timeout.toMillis())
                    .add("timeoutAction", await.timeoutAction().name().toLowerCase(Locale.ROOT));
            if (await.timeoutAction() == TimeoutAction.RETRY) {
                body.add("timeoutRetries", await.timeoutRetries());
            }
        });
        return body.build();
    }

    /** A flow's run counts and when they were counted ({@code countedAt}). */
    public static JsonObject stats(Counted<FlowStats> stats) {
        return JSON.createObjectBuilder(stats(stats.value()))
                .add("countedAt", stats.countedAt().toString())
                .build();
    }

    /**
     * A flow's run counts, and since 0.2 {@code lastStartedAt} and {@code lastCompletedAt} ({@code null} when the store
     * has no such run, or does not say).
     */
    public static JsonObject stats(FlowStats stats) {
        return JSON.createObjectBuilder()
                .add("total", stats.total())
                .add("running", stats.running())
                .add("awaiting", stats.awaiting())
                .add("completed", stats.completed())
                .add("failed", stats.failed())
                .add("canceled", stats.canceled())
                .add("stalled", stats.stalled())
                .add("compensating", stats.compensating())
                .add("lastStartedAt", instantOrNull(stats.lastStartedAt()))
                .add("lastCompletedAt", instantOrNull(stats.lastCompletedAt()))
                .build();
    }

    /** An instant as the API writes one (ISO-8601), {@code null} for none. */
    private static JsonValue instantOrNull(Optional<Instant> at) {
        return at.map(t -> (JsonValue) JSON.createValue(t.toString())).orElse(JsonValue.NULL);
    }

    /**
     * A run as the list and the run's page show it: {@code parentRunId}, {@code idempotencyKey},
     * {@code concurrencyKey}, {@code labels} (sorted), {@code error} and {@code deadline} only when it has them,
     * {@code concurrencyLimit} only when it is above 1.
     */
    public static JsonObject run(RunInfo run) {
        JsonObjectBuilder steps = JSON.createObjectBuilder();
        run.steps().forEach((step, status) -> steps.add(step, status.wireName()));
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("runId", run.runId())
                .add("flow", run.flow())
                .add("status", run.status().wireName())
                .add("startedAt", run.startedAt().toString())
                .add("endedAt", run.endedAt().map(t -> (JsonValue) JSON.createValue(t.toString())).orElse(JsonValue.NULL))
                .add("steps", steps);
        run.parentRunId().ifPresent(parent -> body.add("parentRunId", parent));
        run.idempotencyKey().ifPresent(key -> body.add("idempotencyKey", key));
        run.concurrencyKey().ifPresent(key -> body.add("concurrencyKey", key));
        run.concurrencyLimit().stream().filter(limit -> limit > 1).forEach(limit -> body.add("concurrencyLimit", limit));
        if (!run.labels().isEmpty()) {
            body.add("labels", JSON.createArrayBuilder(run.labels()));
        }
        run.error().ifPresent(error -> body.add("error", error));
        run.deadline().ifPresent(deadline -> body.add("deadline", deadline.toString()));
        return body.build();
    }

    /** What a waiting step waits for ({@link io.nvent.FlowService#waits}). */
    /**
     * What a bulk retry or cancel did; {@code next}, the cursor to go on with, only while more runs may
     * match.
     */
    static JsonObject bulkResult(String flow, BulkResult result) {
        JsonObjectBuilder skippedBy = JSON.createObjectBuilder();
        result.skippedBy().forEach((reason, count) -> skippedBy.add(reason.wireName(), count));
        JsonObjectBuilder body = JSON.createObjectBuilder().add("flow", flow).add("matched", result.matched())
                .add("acted", result.acted()).add("skipped", result.skipped()).add("skippedBy", skippedBy)
                .add("failed", result.failed());
        result.next().ifPresent(next -> body.add("next", RunCursors.of(next)));
        return body.build();
    }

    public static JsonObject wait(StepWait wait) {
        return JSON.createObjectBuilder()
                .add("step", wait.step())
                .add("status", wait.status().wireName())
                .add("reason", wait.reason().wireName())
                .add("queue", wait.queue())
                .add("until", wait.until().map(t -> (JsonValue) JSON.createValue(t.toString())).orElse(JsonValue.NULL))
                .add("awaitId", wait.awaitId().map(id -> (JsonValue) JSON.createValue(id)).orElse(JsonValue.NULL))
                .add("awaitType", wait.awaitType().map(type -> (JsonValue) JSON.createValue(
                        type.name().toLowerCase(Locale.ROOT))).orElse(JsonValue.NULL))
                .add("detail", wait.detail())
                .add("runDeadline", wait.runDeadline().map(t -> (JsonValue) JSON.createValue(t.toString()))
                        .orElse(JsonValue.NULL))
                .add("progress", wait.progress().map(p -> (JsonValue) progress(p)).orElse(JsonValue.NULL))
                .add("lastHeartbeatAt", wait.lastHeartbeatAt().map(t -> (JsonValue) JSON.createValue(t.toString()))
                        .orElse(JsonValue.NULL))
                .add("awaitTimeoutAt", wait.awaitTimeoutAt().map(t -> (JsonValue) JSON.createValue(t.toString()))
                        .orElse(JsonValue.NULL))
                .build();
    }

    /**
     * How far a running step's attempt has come ({@link io.nvent.StepContext#reportProgress}): {@code done} of
     * {@code total}, {@code percent} (rounded down), {@code message} ({@code null} without one) and
     * {@code reportedAt}.
     */
    public static JsonObject progress(StepProgress progress) {
        return JSON.createObjectBuilder()
                .add("done", progress.done())
                .add("total", progress.total())
                .add("percent", progress.percent())
                .add("message", progress.message().map(m -> (JsonValue) JSON.createValue(m)).orElse(JsonValue.NULL))
                .add("reportedAt", progress.reportedAt().toString())
                .build();
    }

    public static JsonObject event(HistoryEvent event) {
        return JSON.createObjectBuilder()
                .add("seq", event.seq())
                .add("type", event.type().wireName())
                .add("step", event.step().map(s -> (JsonValue) JSON.createValue(s)).orElse(JsonValue.NULL))
                .add("attempt", event.attempt())
                .add("ts", event.timestamp().toString())
                .add("data", parse(event.data()))
                .build();
    }

    /**
     * A flow as a layered graph: nodes are steps with their level (the longest chain of
     * subscriptions from the entry), edges go from the steps emitting an event to the steps
     * subscribing to it. With a run, every node carries that run's step status.
     */
    public static JsonObject graph(FlowDefinition flow, Optional<RunInfo> run) {
        Map<String, Integer> levels = levels(flow);
        JsonArrayBuilder nodes = JSON.createArrayBuilder();
        for (StepDefinition step : flow.steps()) {
            JsonObjectBuilder node = JSON.createObjectBuilder()
                    .add("id", step.name())
                    .add("role", step.role().name().toLowerCase(Locale.ROOT))
                    .add("queue", step.queue())
                    .add("level", levels.get(step.name()))
                    .add("subscribes", JSON.createArrayBuilder(step.subscribes()))
                    .add("emits", JSON.createArrayBuilder(step.emits()))
                    .add("maxAttempts", step.retry().maxAttempts())
                    .add("timeoutMs", step.timeout().toMillis())
                    .addAll(settings(step));
            run.ifPresent(r -> node.add("status", Optional.ofNullable(r.steps().get(step.name()))
                    .map(StepStatus::wireName).orElse("idle")));
            nodes.add(node);
        }
        JsonArrayBuilder edges = JSON.createArrayBuilder();
        for (StepDefinition target : flow.steps()) {
            for (String event : target.subscribes()) {
                for (StepDefinition source : flow.steps()) {
                    if (source.emits().contains(event)) {
                        edges.add(JSON.createObjectBuilder().add("from", source.name()).add("to", target.name())
                                .add("event", event));
                    }
                }
            }
        }
        JsonObjectBuilder graph = JSON.createObjectBuilder()
                .add("flow", flow.name())
                .add("entry", flow.entry().name())
                .add("levels", levels.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1)
                .add("nodes", nodes)
                .add("edges", edges);
        run.ifPresent(r -> graph.add("run", run(r)));
        return graph.build();
    }

    private static Map<String, Integer> levels(FlowDefinition flow) {
        Map<String, Integer> levels = new LinkedHashMap<>();
        flow.steps().forEach(step -> level(flow, step, levels, new HashSet<>()));
        return levels;
    }

    private static int level(FlowDefinition flow, StepDefinition step, Map<String, Integer> levels, Set<String> path) {
        Integer known = levels.get(step.name());
        if (known != null) {
            return known;
        }
        int level = 0;
        if (path.add(step.name())) {   // the registry rejects cycles; the guard only keeps this total
            for (String event : step.subscribes()) {
                for (StepDefinition source : flow.steps()) {
                    if (source.emits().contains(event) && !source.name().equals(step.name())) {
                        level = Math.max(level, level(flow, source, levels, path) + 1);
                    }
                }
            }
            path.remove(step.name());
        }
        levels.put(step.name(), level);
        return level;
    }

    /** Job counts of a queue by state. */
    public static JsonObject counts(JobCounts counts) {
        return JSON.createObjectBuilder()
                .add("waiting", counts.waiting())
                .add("delayed", counts.delayed())
                .add("active", counts.active())
                .add("completed", counts.completed())
                .add("failed", counts.failed())
                .build();
    }

    /**
     * A queue as the live stream sends it: pause flag, rate limit (or null), counts, {@code workersHere}, and
     * {@code oldestWaitingAt}, when its oldest waiting job became ready (null when none waits or
     * the adapter cannot tell); the limit's scope is {@code cluster} when every instance sharing the
     * store counts its starts together, its {@code groupKey} (or null) the field each of whose
     * values has the limit to itself. No age: the stream sends a queue again only when it changed,
     * and an age changes all the time.
     */
    public static JsonObject queue(JobQueue queue, QueueControls controls, String name) {
        return queue(queue, controls, name, QueueReads.of(controls, queue, Set.of(name)));
    }

    /**
     * {@link #queue(JobQueue, QueueControls, String)} with what it reads of every queue at once already read
     * ({@link QueueReads}): a list of queues reads them once for all of them.
     */
    public static JsonObject queue(JobQueue queue, QueueControls controls, String name, QueueReads reads) {
        return withWorkersHere(queue(queue, controls.rateLimit(name), name, reads.paused().contains(name),
                Optional.empty()), controls, name, reads);
    }

    /**
     * A queue as the REST API answers it: {@link #queue(JobQueue, QueueControls, String)} and
     * {@code oldestWaitingAgeMs}, how long its oldest waiting job has waited until {@code now}
     * (0 when none waits, null when the adapter cannot tell).
     */
    public static JsonObject queue(JobQueue queue, QueueControls controls, String name, Instant now) {
        return queue(queue, controls, name, now, QueueReads.of(controls, queue, Set.of(name)));
    }

    /**
     * {@link #queue(JobQueue, QueueControls, String, Instant)} with what it reads of every queue at once already
     * read ({@link QueueReads}): a list of queues reads them once for all of them.
     */
    public static JsonObject queue(JobQueue queue, QueueControls controls, String name, Instant now,
                                   QueueReads reads) {
        return withWorkersHere(queue(queue, controls.rateLimit(name), name, reads.paused().contains(name),
                Optional.of(now)), controls, name, reads);
    }

    /**
     * What a queue's JSON reads of the scheduling store for every queue at once: the workers operators set at run
     * time ({@link QueueControls#workersOverrides}), who paused the paused queues ({@link QueueControls#pauseChanges})
     * and who set those workers ({@link QueueControls#workersChanges}), and of the queue adapter which queues are
     * paused.
     *
     * @param overrides workers by queue
     * @param pauses who paused, by queue
     * @param workersChanges who set the workers, by queue
     * @param paused the queues paused on this instance among those read ({@link JobQueue#pausedQueues})
     */
    public record QueueReads(Map<String, Integer> overrides, Map<String, QueueChange> pauses,
                             Map<String, QueueChange> workersChanges, Set<String> paused) {

        /**
         * Reads them for {@code names}: three reads of the store and one of the queue adapter, for every queue, and
         * one more of the adapter only if a queue paused here has no change in the store (a pause made on the adapter
         * directly, in code or in SQL): who paused it as the adapter keeps it. Reads only, as a GET must: a pause
         * another instance recorded or removed a moment ago holds here from this instance's next sweep.
         */
        public static QueueReads of(QueueControls controls, JobQueue queue, Set<String> names) {
            Set<String> paused = queue.pausedQueues(names);
            return new QueueReads(controls.workersOverrides(), PauseChanges.whoPaused(queue, paused,
                    controls.pauseChanges()), controls.workersChanges(), paused);
        }
    }

    /**
     * With {@code workersHere}: the queue's workers on the instance that answers now, 0 where it takes none of its
     * jobs; {@code workers}: those it is configured with; {@code workersOverride}: the workers per instance an
     * operator set at run time, or null; {@code pause}: who paused the queue, when and why ({@link #change}), null
     * when it is not paused; {@code workersChange}: who set {@code workersOverride}, likewise, null without it.
     */
    private static JsonObject withWorkersHere(JsonObject queue, QueueControls controls, String name,
                                              QueueReads reads) {
        OptionalInt override = overrideOf(reads.overrides(), name);
        return JSON.createObjectBuilder(queue).add("workersHere", controls.workersHere(name))
                .add("workers", controls.configuredWorkers(name))
                .add("workersOverride", override.isPresent() ? JSON.createValue(override.getAsInt()) : JsonValue.NULL)
                .add("pause", queue.getBoolean("paused") ? change(reads.pauses().get(name)) : JsonValue.NULL)
                .add("workersChange", override.isPresent() ? change(reads.workersChanges().get(name))
                        : JsonValue.NULL)
                .build();
    }

    /**
     * A queue's pause or workers as the store keeps who made them: {@code by} (the operator's name, null when made
     * in code acting as nobody), {@code at}, {@code reason} (null if none given) and {@code known}: false, and the
     * rest null, when the store keeps no such change (a store written before it, a pause made on the queue adapter
     * directly).
     */
    static JsonObject change(QueueChange change) {
        if (change == null) {
            return JSON.createObjectBuilder().add("by", JsonValue.NULL).add("at", JsonValue.NULL)
                    .add("reason", JsonValue.NULL).add("known", false).build();
        }
        return JSON.createObjectBuilder()
                .add("by", change.by().map(by -> (JsonValue) JSON.createValue(by)).orElse(JsonValue.NULL))
                .add("at", change.at().toString())
                .add("reason", change.reason().map(why -> (JsonValue) JSON.createValue(why)).orElse(JsonValue.NULL))
                .add("known", true).build();
    }

    private static OptionalInt overrideOf(Map<String, Integer> overrides, String name) {
        Integer workers = overrides.get(name);
        return workers == null ? OptionalInt.empty() : OptionalInt.of(workers);
    }

    static JsonObject queue(JobQueue queue, Optional<QueueControls.QueueRateLimit> limit, String name,
                            Optional<Instant> ageAt) {
        return queue(queue, limit, name, queue.isPaused(name), ageAt);
    }

    /** {@link #queue(JobQueue, Optional, String, Optional)} with whether it is paused read already. */
    private static JsonObject queue(JobQueue queue, Optional<QueueControls.QueueRateLimit> limit, String name,
                                    boolean paused, Optional<Instant> ageAt) {
        JsonValue rateLimit = rateLimit(limit);
        JobCounts counts = queue.counts(name);
        OldestWaiting oldest = OldestWaiting.of(queue, name, counts);
        JsonObjectBuilder body = JSON.createObjectBuilder().add("name", name).add("paused", paused)
                .add("rateLimit", rateLimit).add("counts", counts(counts))
                .add("oldestWaitingAt", oldest.since().map(at -> (JsonValue) JSON.createValue(at.toString()))
                        .orElse(JsonValue.NULL));
        ageAt.ifPresent(now -> body.add("oldestWaitingAgeMs", oldest.ageAt(now)
                .map(age -> (JsonValue) JSON.createValue(age.toMillis())).orElse(JsonValue.NULL)));
        return body.build();
    }

    /** A queue's rate limit as its JSON has it ({@code rateLimit}): null for none. */
    static JsonValue rateLimit(Optional<QueueControls.QueueRateLimit> limit) {
        return limit.map(kept -> (JsonValue) JSON.createObjectBuilder()
                .add("max", kept.limit().max()).add("durationMs", kept.limit().per().toMillis())
                .add("scope", kept.cluster() ? "cluster" : "instance")
                .add("groupKey", kept.groupKey().map(key -> (JsonValue) JSON.createValue(key)).orElse(JsonValue.NULL))
                .build()).orElse(JsonValue.NULL);
    }

    /** A job in a list: no payload, no stack traces. */
    public static JsonObject jobSummary(JobRecord job) {
        JsonObjectBuilder body = jobBase(job)
                .add("attemptsMade", job.attempts().size())
                .add("lastError", job.lastError().map(e -> (JsonValue) JSON.createValue(firstLine(e)))
                        .orElse(JsonValue.NULL));
        return body.build();
    }

    /** A job with its payload and every attempt, errors with stack traces included. */
    public static JsonObject jobDetail(JobRecord job) {
        JsonArrayBuilder attempts = JSON.createArrayBuilder();
        for (JobAttempt attempt : job.attempts()) {
            attempts.add(JSON.createObjectBuilder()
                    .add("attempt", attempt.attempt())
                    .add("startedAt", attempt.startedAt().toString())
                    .add("endedAt", attempt.endedAt().map(t -> (JsonValue) JSON.createValue(t.toString()))
                            .orElse(JsonValue.NULL))
                    .add("error", attempt.error().map(e -> (JsonValue) JSON.createValue(e)).orElse(JsonValue.NULL)));
        }
        return jobBase(job)
                .add("attemptsMade", job.attempts().size())
                .add("payload", parseLenient(job.payload()))
                .add("attempts", attempts)
                .add("lastError", job.lastError().map(e -> (JsonValue) JSON.createValue(e)).orElse(JsonValue.NULL))
                .build();
    }

    private static JsonObjectBuilder jobBase(JobRecord job) {
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("queue", job.queue())
                .add("jobId", job.jobId())
                .add("name", job.name())
                .add("state", job.state().name().toLowerCase(Locale.ROOT))
                .add("maxAttempts", job.maxAttempts())
                .add("createdAt", job.createdAt().toString())
                .add("availableAt", job.availableAt().toString());
        StepJobs.of(job).ifPresent(ref -> body.add("runId", ref.runId()).add("flow", ref.flow()).add("step", ref.step()));
        return body;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    static JsonValue parse(String json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json))) {
            return reader.readValue();
        }
    }

    /** JSON as a value, or as a string when it is not valid JSON (payloads of foreign jobs). */
    static JsonValue parseLenient(String text) {
        try {
            return parse(text);
        } catch (RuntimeException notJson) {
            return JSON.createValue(text);
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.Compensating;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Saga compensation ({@link io.nvent.FlowStep#compensation()}): a run whose step failed for good after steps that
 * name a compensation completed goes {@link RunStatus#COMPENSATING}, and those steps are undone newest first, one
 * at a time, by jobs of their compensation steps. The plan is the run's {@code run.compensating} entry (the failed
 * step, its error, the steps to undo in order and the steps that undo them); how far it got is the number of
 * {@code step.completed} entries with {@code "compensates"} after it. Both are history, so any instance, and the
 * lost-step sweep, goes on where the run is.
 */
final class Compensations {

    /** The field of a compensation step's entries that names the step it undoes. */
    static final String COMPENSATES = "compensates";
    /** The field of a {@code run.compensating} entry of a run that compensates because it timed out. */
    static final String TIMED_OUT = "timedOut";
    /** The field of a {@code run.compensating} entry written as the run's deadline passed while it compensated. */
    static final String DEADLINE_PASSED = "deadlinePassed";
    /**
     * The field of a {@code run.compensating} entry that updates the plan (a step added, the deadline noted): the
     * position of the compensation's first entry, from which the steps undone count.
     */
    static final String SINCE = "since";

    /** The field of a {@code run.compensating} entry written as an operator retried a failed compensation. */
    static final String RETRIED = "retried";
    /** The field of such an entry listing the steps recorded as not undone that the retry takes in. */
    static final String TAKEN_IN = "takenIn";

    /** The steps of a run that completed, newest first, and those a compensation undid since they completed. */
    record Completed(List<String> newestFirst, Set<String> undone) {
        static final Completed NONE = new Completed(List.of(), Set.of());
    }

    /** One step to undo and the step that undoes it. */
    record Undo(String step, String by) {
    }

    /**
     * A run's compensation: what failed (or, for {@code canceled}, why an operator canceled the run: then
     * {@code failedStep} is empty and {@code failure} the cancel's reason), the steps to undo in order, how many were
     * undone, and whether the cancel was made with children.
     */
    record Plan(String failedStep, String failure, List<Undo> undo, int done, boolean canceled,
                boolean withChildren, JsonObject entry, long since) {

        Plan next() {
            return new Plan(failedStep, failure, undo, done + 1, canceled, withChildren, entry, since);
        }

        /** Whether the run compensates because it timed out ({@link RunDeadlines}). */
        boolean timedOut() {
            return entry.getBoolean(TIMED_OUT, false);
        }

        /** Whether the run's deadline was seen to pass: it timed out, or passed while the run compensated. */
        boolean deadlineNoted() {
            return timedOut() || entry.containsKey(DEADLINE_PASSED);
        }

        /** What started the compensation, for the error of a compensation that failed for good. */
        String cause() {
            return canceled ? "the run was being canceled: " + failure
                    : timedOut() ? "the run had timed out: " + failure
                    : "the run had failed as step " + failedStep + " failed: " + failure;
        }

        /**
         * The plan again as a {@code run.compensating} entry, for {@link #replan}: the first entry's fields, the
         * position of the first (what the steps undone since count from), the steps to undo now, and {@code more}.
         */
        EventDraft replanned(List<Undo> steps, Instant now, java.util.function.Consumer<JsonObjectBuilder> more) {
            JsonObjectBuilder data = Json.PROVIDER.createObjectBuilder(entry).remove("added").remove(RETRIED)
                    .remove(TAKEN_IN).add(SINCE, since)
                    .add("compensate", Json.PROVIDER.createArrayBuilder(steps.stream().map(Undo::step).toList()))
                    .add("by", Json.PROVIDER.createArrayBuilder(steps.stream().map(Undo::by).toList()));
            more.accept(data);
            return EventDraft.ofRun(EventType.RUN_COMPENSATING, now, data.build().toString());
        }

        /**
         * The plan with {@code late}, a step that completed while the run compensated, undone next: after the
         * compensation under way, before the steps left (it completed last of all).
         */
        List<Undo> withLate(Undo late) {
            return withLate(List.of(late));
        }

        /** The plan with {@code late}, newest first, undone next: after the compensation under way, in that order. */
        List<Undo> withLate(List<Undo> late) {
            List<Undo> steps = new ArrayList<>(undo);
            steps.addAll(Math.min(done + 1, steps.size()), late);
            return steps;
        }

        Optional<Undo> current() {
            return done < undo.size() ? Optional.of(undo.get(done)) : Optional.empty();
        }

        Compensating compensating() {
            return new Compensating(undo.get(done).step(), failedStep, failure);
        }

        List<String> undone() {
            return undo.subList(0, done).stream().map(Undo::step).toList();
        }

        List<String> left() {
            return undo.subList(Math.min(done, undo.size()), undo.size()).stream().map(Undo::step).toList();
        }
    }

    private final FlowStore store;

    Compensations(FlowStore store) {
        this.store = store;
    }

    /** Whether any step of the flow names a compensation: only then does a final failure read the history. */
    static boolean compensates(FlowDefinition flow) {
        for (StepDefinition step : flow.steps()) {
            if (step.compensation().isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The steps of the run that completed, newest first, by their {@code step.completed} entries, without those a
     * compensation undid since (a run whose failed step an operator retried after it was compensated, and that
     * fails again, undoes nothing twice).
     */
    Completed completedNewestFirst(String runId) {
        Set<String> steps = new LinkedHashSet<>();
        Set<String> undone = new HashSet<>();
        for (HistoryEvent entry : store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_COMPLETED), 0,
                EventQuery.MAX_LIMIT, true))) {
            if (entry.data().contains("\"" + COMPENSATES + "\"")) {
                JsonObject data = read(entry.data());
                if (data.get(COMPENSATES) instanceof JsonString compensated) {
                    undone.add(compensated.getString());
                    continue;
                }
            }
            entry.step().filter(step -> !undone.contains(step)).ifPresent(steps::add);
        }
        return new Completed(List.copyOf(steps), Set.copyOf(undone));
    }

    /**
     * The steps an operator's retry of the failed compensation of {@code plan} takes in, newest first: those whose
     * latest completion is recorded as not undone ({@code "notCompensated":true}: they completed after the
     * compensation had ended) and that name a compensation, unless a compensation undid them since or the plan still
     * has them to undo (a retry took them in before).
     */
    List<Undo> notUndone(FlowDefinition flow, String runId, Plan plan) {
        Set<String> seen = new HashSet<>();
        Set<String> undone = new HashSet<>();
        List<Undo> notUndone = new ArrayList<>();
        for (HistoryEvent entry : store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_COMPLETED), 0,
                EventQuery.MAX_LIMIT, true))) {
            if (entry.step().isEmpty()) {
                continue;
            }
            JsonObject data = read(entry.data());
            if (data.get(COMPENSATES) instanceof JsonString compensated) {
                undone.add(compensated.getString());
                continue;
            }
            String step = entry.step().get();
            if (seen.add(step) && data.getBoolean("notCompensated", false) && !undone.contains(step)
                    && !plan.left().contains(step)) {
                flow.step(step).flatMap(StepDefinition::compensation).ifPresent(by -> notUndone.add(new Undo(step,
                        by)));
            }
        }
        return notUndone;
    }

    /**
     * What a final failure of a step undoes: the completed steps that name a compensation, newest first. The history
     * was read before the failure's write: a step the run shows completed that it does not list completed since (a
     * branch beside the failed step), and is newest, unless a compensation undid it.
     */
    static List<Undo> toUndo(FlowDefinition flow, RunRecord run, Completed completed) {
        List<Undo> undo = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        run.steps().forEach((step, status) -> {
            if (status == StepStatus.COMPLETED && !completed.newestFirst().contains(step)
                    && !completed.undone().contains(step)) {
                steps.add(step);
            }
        });
        steps.addAll(completed.newestFirst());
        for (String step : steps) {
            Optional<String> by = flow.step(step).flatMap(StepDefinition::compensation);
            if (by.isPresent() && run.steps().get(step) == StepStatus.COMPLETED) {
                undo.add(new Undo(step, by.get()));
            }
        }
        return undo;
    }

    /**
     * The run goes compensating: the step failed, the steps still under way are canceled (their results and
     * failures, if they come, are dropped), and the first compensation is queued.
     */
    static RunRecord compensating(RunRecord run, String failedStep, String failure, List<Undo> undo, Instant now,
                                  List<EventDraft> events) {
        return compensating(run, failedStep, "step " + failedStep + " failed for good", undo, now, events,
                JsonText.object().str("step", failedStep).str("error", failure));
    }

    /**
     * An operator canceled the run with compensation ({@link io.nvent.CancelOptions#compensate()}): it goes
     * compensating as for a failure, its {@code run.compensating} entry saying {@code "cancel":true} with the
     * reason, and ends canceled after its last compensation.
     */
    static RunRecord compensatingOnCancel(RunRecord run, String reason, boolean withChildren, List<Undo> undo,
                                          Instant now, List<EventDraft> events) {
        JsonText plan = JsonText.object().raw("cancel", "true").str("reason", reason)
                .str("previousStatus", run.status().wireName());
        if (withChildren) {
            plan.raw("withChildren", "true");
        }
        return compensating(run, "", "an operator canceled the run", undo, now, events, plan);
    }

    /**
     * The run timed out ({@link RunDeadlines}) with completed steps to undo: it goes compensating as for a failure,
     * its {@code run.compensating} entry saying {@code "timedOut":true} with the timeout's error, and fails with that
     * error after its last compensation.
     */
    static RunRecord compensatingOnTimeout(RunRecord run, String error, List<Undo> undo, Instant now,
                                           List<EventDraft> events) {
        JsonText plan = JsonText.object().raw(TIMED_OUT, "true").str("reason", "timed out")
                .str("timeout", run.timeout().orElseThrow().toString())
                .str("deadline", run.deadline().orElseThrow().toString())
                .str("previousStatus", run.status().wireName()).str("error", error);
        return compensating(run, "", "the run timed out", undo, now, events, plan);
    }

    /** Queues the compensation under way of a run that went compensating: its first, or the one a retry resumes. */
    void queueCurrent(StepQueueing queueing, FlowDefinition flow, String runId) {
        planOf(runId).flatMap(Plan::current).ifPresent(undo -> queueing.enqueue(runId, flow.name(),
                Orchestration.stepOf(flow, undo.by()), jobId(runId, undo)));
    }

    private static RunRecord compensating(RunRecord run, String failedStep, String why, List<Undo> undo,
                                          Instant now, List<EventDraft> events, JsonText plan) {
        RunRecord next = run;
        for (var step : run.steps().entrySet()) {
            StepStatus status = step.getValue();
            if (!step.getKey().equals(failedStep) && !status.isFinal()) {
                next = next.withStep(step.getKey(), StepStatus.CANCELED);
                events.add(EventDraft.ofStep(EventType.STEP_CANCELED, step.getKey(), 0, now, JsonText.object()
                        .str("reason", why + "; the run undoes its completed steps").build()));
            }
        }
        plan.strings("compensate", undo.stream().map(Undo::step).toList())
                .strings("by", undo.stream().map(Undo::by).toList());
        events.add(EventDraft.ofRun(EventType.RUN_COMPENSATING, now, OperatorScope.stamp(plan.build())));
        return next.withStatus(RunStatus.COMPENSATING, now).withStep(undo.get(0).by(), StepStatus.QUEUED);
    }

    /** The run's compensation, from its latest {@code run.compensating} entry; empty if it never compensated. */
    Optional<Plan> planOf(String runId) {
        Optional<HistoryEvent> started = store.readEvents(runId, new EventQuery(Set.of(EventType.RUN_COMPENSATING), 0,
                1, true)).stream().findFirst();
        if (started.isEmpty()) {
            return Optional.empty();
        }
        JsonObject data = read(started.get().data());
        List<String> steps = data.getJsonArray("compensate").getValuesAs(JsonString.class).stream()
                .map(JsonString::getString).toList();
        List<String> by = data.getJsonArray("by").getValuesAs(JsonString.class).stream().map(JsonString::getString)
                .toList();
        List<Undo> undo = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            undo.add(new Undo(steps.get(i), by.get(i)));
        }
        long since = data.containsKey(SINCE) ? data.getJsonNumber(SINCE).longValue() : started.get().seq();
        int done = 0;
        for (HistoryEvent entry : store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_COMPLETED), since,
                EventQuery.MAX_LIMIT, false))) {
            if (entry.seq() > since && read(entry.data()).containsKey(COMPENSATES)) {
                done++;
            }
        }
        boolean canceled = data.getBoolean("cancel", false);
        return Optional.of(new Plan(data.getString("step", ""), data.getString(canceled ? "reason" : "error", ""), undo,
                done, canceled, data.getBoolean("withChildren", false), data, since));
    }

    /** The input of the compensation under way: the output of the step it undoes, as its completion recorded it. */
    String inputOf(String runId, Plan plan) {
        String step = plan.undo().get(plan.done()).step();
        return store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_COMPLETED), 0, EventQuery.MAX_LIMIT, true))
                .stream().filter(e -> e.step().filter(step::equals).isPresent()).findFirst()
                .map(e -> read(e.data()).get("result")).map(Object::toString).orElse("null");
    }

    /** The change with its {@code step.started} entry of {@code step} naming the step it undoes. */
    static RunChange naming(RunChange change, String step, String compensated) {
        List<EventDraft> events = new ArrayList<>();
        for (EventDraft event : change.events()) {
            boolean started = event.type() == EventType.STEP_STARTED && event.step().filter(step::equals).isPresent();
            events.add(!started ? event : new EventDraft(event.type(), event.step(), event.attempt(),
                    event.timestamp(), Json.PROVIDER.createObjectBuilder(read(event.data()))
                    .add(COMPENSATES, compensated).build().toString()));
        }
        return new RunChange(change.updated(), events);
    }

    /** The job of a compensation: one per step undone, as one compensation step may undo several. */
    static String jobId(String runId, Undo undo) {
        return StepJob.jobId(runId, undo.by()) + ":compensates-" + undo.step();
    }

    private static JsonObject read(String json) {
        return Json.PROVIDER.createReader(new StringReader(json)).readObject();
    }
}

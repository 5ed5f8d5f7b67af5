package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import io.nvent.FlowDefinition;
import io.nvent.StepRole;
import io.nvent.cdi.internal.registry.FlowRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ends the runs still under way at their deadline ({@link io.nvent.StartOptions#timeout()},
 * {@link io.nvent.FlowStep#runTimeoutMs()}): failed, with a {@code flow.failed} entry whose {@code "reason"} is
 * {@code "timed out"}, and stopped as a cancel stops a run. The maintenance sweep of every instance asks for a page
 * of them; the end is a change of the run checked against its version and its deadline, so that instances racing to
 * end one end it once, and a run that ended, or was retried to a later deadline, meanwhile is left alone.
 */
final class RunDeadlines {

    private static final System.Logger LOG = System.getLogger(RunDeadlines.class.getName());
    /** The message id a timed-out run's error begins with: what tells its end from a step's failure. */
    static final String TIMED_OUT = "NVENT-0400";

    private final FlowStore store;
    private final Clock clock;
    private final RunPublisher publisher;
    private final AwaitResolution awaitResolution;
    /** Steps this instance executes right now (the engine's). */
    private final StepExecutions executionsHere;
    private final FlowRegistry registry;
    private final StepQueueing queueing;
    private final Compensations compensations;
    /**
     * Compensating runs past their deadline whose plan says so already, by run and deadline: the sweep lists them on
     * every round until they end, and reads their plan only once here (bounded: a run forgotten is read once more;
     * a run retried later has a new deadline).
     */
    private final Set<String> noted = boundedSet();
    /** Runs of a flow this instance lacks whose deadline passed and that it leaves alone for now (logged once). */
    private final Set<String> leftForGrace = boundedSet();
    /**
     * How long past its deadline a run of a flow this instance lacks is left to an instance that has the flow
     * ({@code nvent.upgrade.missing-step-grace}): there it may have completed steps to undo first.
     */
    private final Duration missingFlowGrace;

    private static Set<String> boundedSet() {
        return Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > 10_000;
            }
        });
    }

    RunDeadlines(FlowStore store, Clock clock, RunPublisher publisher, AwaitResolution awaitResolution,
                 StepExecutions executionsHere, FlowRegistry registry, StepQueueing queueing,
                 Duration missingFlowGrace) {
        this.missingFlowGrace = missingFlowGrace;
        this.store = store;
        this.clock = clock;
        this.publisher = publisher;
        this.awaitResolution = awaitResolution;
        this.executionsHere = executionsHere;
        this.registry = registry;
        this.queueing = queueing;
        this.compensations = new Compensations(store);
    }

    /**
     * Ends up to {@code limit} runs past their deadline, earliest deadline first, from after {@code after}; the rest
     * are left to the next sweeps. A run that cannot be ended now (the store briefly away, or a row it cannot write)
     * stays under way and is tried again when the pages come round to it: it holds up none due after it.
     *
     * @return where the next page starts: after the last run of this one, or at the first due once this page came
     *     back short
     */
    Optional<RunDeadline> timeOutDue(Optional<RunDeadline> after, int limit) {
        List<RunDeadline> page = store.runsPastDeadline(clock.instant(), after, limit);
        for (RunDeadline due : page) {
            try {
                if (!isNoted(due)) {
                    timeOut(due.runId());
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0401 run " + due.runId() + " is past its deadline ("
                        + due.deadline() + ") and could not be ended as timed out; the maintenance sweep tries it"
                        + " again on its next round, and goes on with the runs due after it", e);
            }
        }
        return page.size() < limit ? Optional.empty() : Optional.of(page.get(page.size() - 1));
    }

    /**
     * Ends the run as timed out if it is still under way past its deadline: its change is stored only if the run
     * is unchanged since read, so of two instances one ends it. What follows is what follows a cancel: the end
     * published (its concurrency key handed on, its parent's await on its children checked), its awaits closed,
     * its steps running here asked to stop; those running on other instances are asked by their sweep
     * ({@link OperatorActions#followCancels}).
     *
     * @return whether this call ended it
     */
    boolean timeOut(String runId) {
        return timeOut(runId, false);
    }

    /**
     * {@link #timeOut(String)}; {@code planRead}: a run stalled of a flow this instance lacks has been found not
     * stalled in a compensation (its history read).
     */
    private boolean timeOut(String runId, boolean planRead) {
        Instant now = clock.instant();
        // A run of a flow with compensations reads its history first (a second write): a plain run's end is one.
        AtomicReference<Optional<FlowDefinition>> saga = new AtomicReference<>(Optional.empty());
        AtomicReference<RunRecord> leftAlone = new AtomicReference<>();
        AtomicReference<RunRecord> leftForGrace = new AtomicReference<>();
        AtomicReference<RunRecord> stalledLacking = new AtomicReference<>();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (!run.isPastDeadline(now)) {
                return Optional.empty();
            }
            if (run.status() == RunStatus.COMPENSATING && registry.flow(run.flow()).isEmpty()) {
                // Its compensation goes on to the end on an instance that has the flow, which notes the deadline.
                leftAlone.set(run);
                return Optional.empty();
            }
            if (registry.flow(run.flow()).isEmpty()
                    && now.isBefore(run.deadline().orElseThrow().plus(missingFlowGrace))) {
                // An instance that has the flow undoes its completed steps first if the flow says so: this one cannot
                // tell, so it leaves the run to it for the grace, then ends it as timed out.
                leftForGrace.set(run);
                return Optional.empty();
            }
            if (registry.flow(run.flow()).isEmpty() && run.status() == RunStatus.STALLED && !planRead) {
                // Stalled in a compensation? Only its history tells here, read outside this write.
                stalledLacking.set(run);
                return Optional.empty();
            }
            Optional<FlowDefinition> flow = registry.flow(run.flow()).filter(Compensations::compensates);
            saga.set(flow);
            return flow.isPresent() ? Optional.empty() : Optional.of(timedOut(run, now));
        });
        if (stalledLacking.get() != null) {
            if (compensations.planOf(runId).flatMap(Compensations.Plan::current).isEmpty()) {
                return timeOut(runId, true);
            }
            leftAlone.set(stalledLacking.get());
        }
        if (leftAlone.get() != null) {
            remember(leftAlone.get());
            LOG.log(System.Logger.Level.INFO, "NVENT-0034 run {0} of flow {1} passed its deadline ({2}) while it"
                    + " compensated, on an instance that lacks the flow: this instance leaves it to one that has the"
                    + " flow, where its compensation goes on to the end; deploy the flow if none has it", runId,
                    leftAlone.get().flow(), leftAlone.get().deadline().orElseThrow());
            return false;
        }
        if (leftForGrace.get() != null) {
            RunRecord run = leftForGrace.get();
            boolean first;
            synchronized (this.leftForGrace) {
                first = this.leftForGrace.add(runId + "@" + run.deadline().orElseThrow());
            }
            if (first) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0042 run {0} of flow {1} passed its deadline ({2}) on an"
                        + " instance that lacks the flow: this instance leaves it until {3}"
                        + " (nvent.upgrade.missing-step-grace) to one that has the flow, which undoes its completed"
                        + " steps first if the flow names compensations; then it fails it as timed out", runId,
                        run.flow(), run.deadline().orElseThrow(), run.deadline().orElseThrow().plus(missingFlowGrace));
            }
            return false;
        }
        if (saga.get().isPresent()) {
            return timeOutCompensating(runId, saga.get().get(), now);
        }
        change.ifPresent(c -> ended(c, now));
        return change.isPresent();
    }

    /** What follows a run's end at its deadline, as a cancel's end. */
    private void ended(StoredChange change, Instant now) {
        String runId = change.run().runId();
        LOG.log(System.Logger.Level.INFO, change.run().error().orElse(TIMED_OUT + " run " + runId + " timed out"));
        publisher.publish(change);
        awaitResolution.closeAwaitsOf(runId, now);
        executionsHere.requestCancel(runId);
    }

    /**
     * The deadline of a run of a flow with compensations: a run with completed steps to undo goes compensating (and
     * fails with the timeout's error after its last compensation); one compensating already goes on, its plan
     * noting the deadline once ({@code "deadlinePassed"}); one with nothing to undo ends as any other.
     */
    private boolean timeOutCompensating(String runId, FlowDefinition flow, Instant now) {
        Optional<RunRecord> read = store.findRun(runId);
        if (read.isEmpty() || !read.get().isPastDeadline(now)) {
            return false;
        }
        if (compensating(read.get())) {
            notePassed(read.get(), now);
            return false;
        }
        Compensations.Completed completed = compensations.completedNewestFirst(runId);
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (!run.isPastDeadline(now) || compensating(run)) {
                return Optional.empty();
            }
            List<Compensations.Undo> undo = Compensations.toUndo(flow, run, completed);
            if (undo.isEmpty()) {
                return Optional.of(timedOut(run, now));
            }
            List<EventDraft> events = new ArrayList<>();
            return Optional.of(new RunChange(Compensations.compensatingOnTimeout(run, errorOf(run), undo, now,
                    events), events));
        });
        if (change.isEmpty()) {
            return false;
        }
        if (change.get().run().status() != RunStatus.COMPENSATING) {
            ended(change.get(), now);
            return true;
        }
        // Its steps are asked to stop before its first compensation is queued: that would interrupt it.
        publisher.publish(change.get());
        awaitResolution.closeAwaitsOf(runId, now);
        executionsHere.requestCancel(runId);
        LOG.log(System.Logger.Level.INFO, "NVENT-0018 " + errorOf(change.get().run()) + ": it undoes its completed"
                + " steps, then fails");
        compensations.queueCurrent(queueing, flow, runId);
        return true;
    }

    /**
     * A run compensating past its deadline: the deadline does not cut the undo short. Its plan is written again
     * once with {@code "deadlinePassed"} (checked against the run's version, so that a compensation that completed
     * meanwhile is not counted twice); this instance then reads it no more.
     */
    private void notePassed(RunRecord read, Instant now) {
        String runId = read.runId();
        Optional<Compensations.Plan> plan = compensations.planOf(runId);
        if (plan.isEmpty() || plan.get().deadlineNoted()) {
            remember(read);
            return;
        }
        Optional<StoredChange> change = store.updateRun(runId, run -> run.version() != read.version()
                ? Optional.empty()
                : Optional.of(new RunChange(run, List.of(plan.get().replanned(plan.get().undo(), now, data -> data
                        .add(Compensations.DEADLINE_PASSED, run.deadline().orElseThrow().toString())
                        .add("timeout", run.timeout().orElseThrow().toString()))))));
        if (change.isPresent()) {
            remember(read);
            publisher.publish(change.get());
            LOG.log(System.Logger.Level.INFO, "NVENT-0019 run {0} of flow {1} passed its deadline ({2}) while it"
                    + " compensated: its compensation goes on to the end", runId, read.flow(),
                    read.deadline().orElseThrow());
        }
    }

    private void remember(RunRecord run) {
        synchronized (noted) {
            noted.add(run.runId() + "@" + run.deadline().orElseThrow());
        }
    }

    /** Whether this run's deadline passed while it compensated, and its plan says so already. */
    private boolean isNoted(RunDeadline due) {
        synchronized (noted) {
            return noted.contains(due.runId() + "@" + due.deadline());
        }
    }

    /**
     * Whether the run is undoing its steps: compensating, or stalled in a compensation (with
     * {@code nvent.stall.recover=false}).
     */
    private boolean compensating(RunRecord run) {
        if (run.status() == RunStatus.COMPENSATING) {
            return true;
        }
        if (run.status() != RunStatus.STALLED) {
            return false;
        }
        Optional<FlowDefinition> flow = registry.flow(run.flow());
        return run.steps().entrySet().stream().anyMatch(step -> !step.getValue().isFinal() && flow
                .flatMap(f -> f.step(step.getKey())).filter(s -> s.role() == StepRole.COMPENSATION).isPresent());
    }

    private static String errorOf(RunRecord run) {
        return TIMED_OUT + " run '" + run.runId() + "' of flow '" + run.flow() + "' timed out after "
                + run.timeout().orElseThrow() + " (its deadline was " + run.deadline().orElseThrow() + ")";
    }

    /**
     * The run failed at its deadline: every step under way failed with it (a retry of one goes on from there), a
     * {@code step.failed} entry for each, and one {@code flow.failed} entry saying it timed out.
     */
    private static RunChange timedOut(RunRecord run, Instant now) {
        String error = errorOf(run);
        List<EventDraft> events = new ArrayList<>();
        RunRecord next = run;
        List<String> stopped = new ArrayList<>();
        for (Map.Entry<String, StepStatus> step : run.steps().entrySet()) {
            if (!step.getValue().isFinal()) {
                next = next.withStep(step.getKey(), StepStatus.FAILED);
                stopped.add(step.getKey());
                events.add(EventDraft.ofStep(EventType.STEP_FAILED, step.getKey(), 0, now, JsonText.object()
                        .str("error", error).str("reason", "timed out").str("previousStatus",
                                step.getValue().wireName()).build()));
            }
        }
        events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object().str("reason", "timed out")
                .str("timeout", run.timeout().orElseThrow().toString())
                .str("deadline", run.deadline().orElseThrow().toString())
                .str("previousStatus", run.status().wireName()).strings("steps", stopped).str("error", error).build()));
        return new RunChange(next.withFailure(now, error), events);
    }

    /** Whether the run ended at its deadline: its steps still running anywhere are to stop, as a canceled run's. */
    static boolean endedByTimeout(RunRecord run) {
        return run.status() == RunStatus.FAILED && run.error().filter(e -> e.startsWith(TIMED_OUT + " ")).isPresent();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.ClearedHistory;
import io.nvent.ConcurrentRunModificationException;
import io.nvent.DeletedRun;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.IllegalRunTransitionException;
import io.nvent.RestartOptions;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartedRun;
import io.nvent.StepDefinition;
import io.nvent.StepNotFoundException;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.PageLimits;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What operators do to runs ({@link io.nvent.FlowService}): cancel a run, restart it, rerun it from a step,
 * retry a failed step, delete an ended run, clear a flow's history; and, for cancels made on another
 * instance, asking this instance's executions of the run's steps to stop.
 *
 * <p>Kept apart from {@link FlowEngine}, which starts runs, and {@link StepRunner}, which moves them through
 * their steps: these are the changes a person asks for, one run (or one flow) at a time, each checked against
 * the run as it is stored. Starting the copy of a run is the engine's, asked through {@link Engine}; a retried
 * step is queued through {@link StepQueueing}.
 */
final class OperatorActions {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    /**
     * Reads and conditional deletes {@link #deleteRun} tries: a run that changes this often meanwhile is
     * under way in all but its status, and the caller may try again.
     */
    private static final int DELETE_ATTEMPTS = 5;
    /** How often a retry of a failed compensation reads the run again as a step recorded as not undone lands. */
    private static final int COMPENSATION_RETRY_READS = 10;
    /** Why a restart cancels its original, in the original's {@code flow.cancel} entry. */
    private static final String RESTARTED = "restarted";
    /** Why a run canceled with compensation undoes its steps, in its {@code run.compensating} entry. */
    private static final String COMPENSATE_REASON = "an operator canceled the run and asked for its completed steps"
            + " to be undone";
    /** Why a cancel with children cancels a descendant, in the descendant's {@code flow.cancel} entry. */
    private static final String PARENT_CANCELED = "parent canceled";
    /** Why a run canceled alone before gets a second {@code flow.cancel} entry: canceled with its children now. */
    private static final String CANCELED_AGAIN = "canceled again with its children";
    /** The children a cancel with children lists per read of the store: the most a run query takes. */
    private static final int CHILDREN_PER_PAGE = 1000;

    /** What an operator's action asks of the engine that starts runs. */
    interface Engine {

        /** Refuses an input the flow's entry step cannot read. */
        void requireReadableByEntry(FlowDefinition flow, String inputJson);

        /**
         * Starts a new run with the input of {@code original}, the given steps done, from {@code first}, having
         * run {@code cancelOriginal}; with an idempotency key, once per key: a run holding it already is returned
         * if {@code copy} made it (see {@link #earlierCopy}), and refused if another request did, nothing changed.
         */
        StartedRun createCopyAndSchedule(FlowDefinition flow, RunRecord original, Map<String, StepStatus> doneSteps,
                                         Map<String, String> doneEvents, StepDefinition first, Copy copy,
                                         Optional<String> idempotencyKey, Runnable cancelOriginal);

        /**
         * The run {@code copy} made under the key, for a repeat of it, having run {@code cancelOriginal} and
         * scheduled the run's first step if still waiting for that (the first request may have stopped
         * between); looked for in {@code flow}, the original's, or, the original deleted, in the deployed
         * flows. Refused if another request made the run holding the key in {@code flow}.
         */
        Optional<StartedRun> earlierCopy(Optional<String> flow, String idempotencyKey, Copy copy,
                                         Runnable cancelOriginal);
    }

    /**
     * A restart of a run, or a rerun of it from a step: what the new run's {@code flow.start} entry says it
     * copies ({@code restartOf}, or {@code rerunOf} and {@code fromStep}), and so what tells a repeat of the
     * request, which gets the run an idempotency key started, from another request that reused the key.
     */
    record Copy(String originalRunId, Optional<String> fromStep) {

        static Copy restartOf(String runId) {
            return new Copy(runId, Optional.empty());
        }

        static Copy rerunOf(String runId, String step) {
            return new Copy(runId, Optional.of(step));
        }

        /** The new run's {@code flow.start} entry, begun: what it copies. */
        JsonText startData() {
            JsonText data = JsonText.object();
            return fromStep.isPresent() ? data.str("rerunOf", originalRunId).str("fromStep", fromStep.get())
                    : data.str("restartOf", originalRunId);
        }

        /** The restart or rerun that made a run, as its {@code flow.start} entry says; empty for a start. */
        static Optional<Copy> madeRun(JsonObject startEntry) {
            if (startEntry.get("restartOf") instanceof JsonString original) {
                return Optional.of(restartOf(original.getString()));
            }
            if (startEntry.get("rerunOf") instanceof JsonString original
                    && startEntry.get("fromStep") instanceof JsonString step) {
                return Optional.of(rerunOf(original.getString(), step.getString()));
            }
            return Optional.empty();
        }

        /** A run's {@code flow.start} entry; empty if the store keeps none. */
        static JsonObject startEntryOf(FlowStore store, RunRecord run) {
            return store.readEvents(run.runId(), new EventQuery(Set.of(EventType.FLOW_START), 0, 1, false)).stream()
                    .findFirst().map(start -> JsonMatch.read(start.data()).asJsonObject())
                    .orElse(JsonValue.EMPTY_JSON_OBJECT);
        }

        /** Whether a run whose {@code flow.start} entry is {@code startEntry} was made by this request. */
        boolean made(JsonObject startEntry) {
            return madeRun(startEntry).filter(this::equals).isPresent();
        }

        /** What made a run, in words, read from its {@code flow.start} entry. */
        static String describe(JsonObject startEntry) {
            return madeRun(startEntry).map(Copy::toString).orElse("a start");
        }

        @Override
        public String toString() {
            return fromStep.map(step -> "a rerun of run " + originalRunId + " from step '" + step + "'")
                    .orElse("a restart of run " + originalRunId);
        }
    }

    private final FlowRegistry registry;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final Clock clock;
    private final AwaitResolution awaitResolution;
    /** Steps this instance executes right now (the engine's). */
    private final StepExecutions executionsHere;
    private final RunPublisher publisher;
    private final StepQueueing queueing;
    private final Engine engine;
    /**
     * Runs a cancel with children here canceled, whose steps it asks to stop once its sweep is done: the look at
     * cancels ({@link #followCancels}) leaves them to it, or a step it stopped would cancel its children before the
     * sweep counts them.
     */
    private final Set<String> stopsAfterSweeps = ConcurrentHashMap.newKeySet();

    OperatorActions(FlowRegistry registry, FlowStore store, SchedulingStore scheduling, Clock clock,
                    AwaitResolution awaitResolution, StepExecutions executionsHere, RunPublisher publisher,
                    StepQueueing queueing, Engine engine) {
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.clock = clock;
        this.awaitResolution = awaitResolution;
        this.executionsHere = executionsHere;
        this.publisher = publisher;
        this.queueing = queueing;
        this.engine = engine;
    }

    /** See {@link io.nvent.FlowService#cancel}. */
    boolean cancel(String runId) {
        Objects.requireNonNull(runId, "runId");
        return cancel(runId, Optional.empty());
    }

    private boolean cancel(String runId, Optional<String> reason) {
        return cancel(runId, reason, entry -> { });
    }

    /** Cancels the run unless it has ended, with the reason its {@code flow.cancel} entry gives. */
    boolean cancelBecause(String runId, String reason) {
        return cancel(runId, Optional.of(reason));
    }

    /** Cancels the run unless it has ended, {@code details} adding to its {@code flow.cancel} entry. */
    private boolean cancel(String runId, Optional<String> reason, Consumer<JsonText> details) {
        return cancel(runId, reason, details, this::askToStopHere);
    }

    /** Cancels the run and, if it did, hands it to {@code stopSteps}, which asks its running steps to stop. */
    private boolean cancel(String runId, Optional<String> reason, Consumer<JsonText> details,
                           Consumer<String> stopSteps) {
        Instant now = clock.instant();
        Optional<StoredChange> change = store.updateRun(runId, run -> run.status().isTerminal() ? Optional.empty()
                : Optional.of(canceled(run, now, reason, details)));
        change.ifPresent(c -> {
            publisher.publish(c);
            awaitResolution.closeAwaitsOf(runId, now);
            stopSteps.accept(runId);
            closeDebounceSlotOfCanceled(runId);
        });
        return change.isPresent();
    }

    /** The run canceled, with its {@code flow.cancel} entry. */
    static RunChange canceled(RunRecord run, Instant now, Optional<String> reason) {
        return canceled(run, now, reason, entry -> { });
    }

    /** The run canceled at the end of its compensation, with its {@code flow.cancel} entry. */
    static RunChange canceled(RunRecord run, Instant now, Optional<String> reason, boolean withChildren) {
        return canceled(run, now, reason, withChildren ? OperatorActions::withChildren : entry -> { });
    }

    private static RunChange canceled(RunRecord run, Instant now, Optional<String> reason,
                                      Consumer<JsonText> details) {
        JsonText cancelData = JsonText.object().str("canceledAt", now.toString())
                .str("previousStatus", run.status().wireName());
        reason.ifPresent(r -> cancelData.str("reason", r));
        details.accept(cancelData);
        return new RunChange(run.withStatus(RunStatus.CANCELED, now),
                List.of(EventDraft.ofRun(EventType.FLOW_CANCEL, now, OperatorScope.stamp(cancelData.build()))));
    }

    /**
     * See {@link io.nvent.FlowService#cancel(String, CancelOptions)}: the run first, then its descendants that lead to
     * runs under way (see {@link #cancelDescendants}).
     */
    CanceledRuns cancel(String runId, CancelOptions options) {
        Objects.requireNonNull(runId, "runId");
        if (!Objects.requireNonNull(options, "options").children()) {
            return new CanceledRuns(options.compensate() ? cancelCompensating(runId, false, this::askToStopHere)
                    : cancel(runId), 0, false);
        }
        // A step interrupted by the cancel cancels the children its attempt started as it ends: its runs' steps are
        // asked to stop once the sweep is done, so that the sweep finds every descendant under way and counts it.
        // Until then the instance's look at cancels (followCancels) leaves them alone too.
        List<String> stopAfterTheSweep = new ArrayList<>();
        Consumer<String> stopLater = canceledRunId -> {
            stopAfterTheSweep.add(canceledRunId);
            stopsAfterSweeps.add(canceledRunId);
        };
        try {
            boolean canceled = options.compensate() ? cancelCompensating(runId, true, stopLater)
                    : cancel(runId, Optional.empty(), OperatorActions::withChildren, stopLater);
            if (!canceled) {
                markCanceledWithChildren(runId, Optional.empty());
            }
            Sweep sweep = cancelDescendants(runId, runId, options.limit(), stopLater);
            return new CanceledRuns(canceled, sweep.canceled(), sweep.more());
        } finally {
            stopAfterTheSweep.forEach(this::askToStopHere);
            stopAfterTheSweep.forEach(stopsAfterSweeps::remove);
        }
    }

    /**
     * A cancel with {@link CancelOptions#compensate()}: a run under way with completed steps to undo goes
     * compensating, as for a failure, and ends canceled after its last compensation; one with nothing to undo is
     * canceled plainly; one compensating already is left to go on ({@code false}).
     */
    private boolean cancelCompensating(String runId, boolean withChildren, Consumer<String> stopSteps) {
        Optional<FlowDefinition> flow = store.findRun(runId).filter(run -> !run.status().isTerminal())
                .flatMap(run -> registry.flow(run.flow())).filter(Compensations::compensates);
        Consumer<JsonText> details = withChildren ? OperatorActions::withChildren : entry -> { };
        if (flow.isEmpty()) {
            return cancel(runId, Optional.empty(), details, stopSteps);
        }
        Compensations.Completed completed = new Compensations(store).completedNewestFirst(runId);
        Instant now = clock.instant();
        Optional<StoredChange> change = store.updateRun(runId, run -> {
            if (run.status().isTerminal() || run.status() == RunStatus.COMPENSATING) {
                return Optional.empty();
            }
            List<Compensations.Undo> undo = Compensations.toUndo(flow.get(), run, completed);
            if (undo.isEmpty()) {
                return Optional.of(canceled(run, now, Optional.empty(), details));
            }
            List<EventDraft> events = new ArrayList<>();
            return Optional.of(new RunChange(Compensations.compensatingOnCancel(run, COMPENSATE_REASON, withChildren,
                    undo, now, events), events));
        });
        change.ifPresent(c -> {
            publisher.publish(c);
            awaitResolution.closeAwaitsOf(runId, now);
            if (c.run().status() != RunStatus.COMPENSATING) {
                stopSteps.accept(runId);
            } else {
                // Its steps are asked to stop before its first compensation is queued, not after a sweep of its
                // children: that would interrupt the compensation. A compensating run cancels no children as its
                // steps end, so the sweep misses none.
                askToStopHere(runId);
                LOG.log(System.Logger.Level.INFO, "NVENT-0008 run {0} of flow {1} was canceled by an operator with"
                        + " compensate: it undoes its completed steps, then ends canceled", runId, c.run().flow());
                new Compensations(store).queueCurrent(queueing, flow.get(), runId);
            }
        });
        if (change.isEmpty() && store.findRun(runId).filter(run -> run.status() == RunStatus.COMPENSATING)
                .isPresent()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0007 run {0} is compensating already: a cancel with compensate"
                    + " leaves it to go on (cancel it without compensate to stop its compensation)", runId);
        }
        return change.isPresent();
    }

    /** What a sweep of a run's descendants did: how many it canceled, whether more remain past its limit. */
    private record Sweep(int canceled, boolean more) {
    }

    /** A sweep going on: the run whose descendants it cancels, its limit, how many it canceled so far. */
    private static final class Walk {

        private final String rootRunId;
        private final int limit;
        private final Consumer<String> stopSteps;
        private int canceled;

        Walk(String rootRunId, int limit, Consumer<String> stopSteps) {
            this.rootRunId = rootRunId;
            this.limit = limit;
            this.stopSteps = stopSteps;
        }

        boolean full() {
            return canceled == limit;
        }
    }

    /**
     * Cancels the descendants under way of {@code runId}, canceled with those of {@code rootRunId}, reading only the
     * children that lead to runs under way ({@link FlowStore#childRunsLeadingToRunsUnderWay}): about as many runs as
     * it cancels, however many descendants ended, so that a repeat does not read again what an earlier call canceled.
     *
     * <p>A descendant under way is canceled after its own descendants under way, so that one this call leaves
     * canceled leads to none and one it could not get to is still under way for the repeat to find; its children are
     * looked for once more after it was canceled, for one a step started meanwhile, whose start read it still
     * running. A descendant that ended with a descendant under way (at any depth) is gone through too; one canceled alone before is
     * marked first as canceled with the children of {@code rootRunId}, so that a child its step starts later is
     * canceled at once.
     */
    private Sweep cancelDescendants(String runId, String rootRunId, int limit, Consumer<String> stopSteps) {
        Walk walk = new Walk(rootRunId, limit, stopSteps);
        boolean done = cancelDescendants(runId, walk);
        return new Sweep(walk.canceled, !done);
    }

    /**
     * Goes through the descendants of {@code parentRunId}; {@code false} once the limit stopped it short. A generation
     * at a time on a stack of its own, not one call per generation: a chain of runs thousands of generations deep
     * does not overflow the thread's stack.
     */
    private boolean cancelDescendants(String parentRunId, Walk walk) {
        Deque<Listing> listings = new ArrayDeque<>();
        listings.push(new Listing(parentRunId, Optional.empty()));
        while (!listings.isEmpty()) {
            Listing listing = listings.peek();
            Optional<RunRecord> next = listing.next(walk);
            if (next.isPresent()) {
                RunRecord child = next.get();
                if (child.runId().equals(parentRunId)) {
                    // The run below itself (a cycle of parents, every one of which passes through it): not its own
                    // descendant, and listing it again would go round the cycle for ever while it is under way.
                    continue;
                }
                if (walk.full()) {
                    return false;
                }
                if (child.status().isTerminal()) {
                    markCanceledWithChildren(child.runId(), Optional.of(walk.rootRunId));
                    listings.push(new Listing(child.runId(), Optional.empty()));
                } else {
                    listings.push(new Listing(child.runId(), Optional.of(child)));
                }
                continue;
            }
            listings.pop();
            if (listing.cancelOnceListed.isPresent()) {
                // A descendant under way, canceled after its own descendants under way; then its children once more.
                if (walk.full()) {
                    return false;
                }
                String runId = listing.cancelOnceListed.get().runId();
                if (cancelAsDescendant(runId, walk.rootRunId, walk.stopSteps) || canceledMeanwhile(runId)) {
                    walk.canceled++;
                }
                listings.push(new Listing(runId, Optional.empty()));
            }
        }
        return true;
    }

    /**
     * The children of one run the sweep goes through, a page at a time; {@code cancelOnceListed}, the run itself if
     * it is under way, canceled once they have all been gone through.
     */
    private final class Listing {

        private final String parentRunId;
        private final Optional<RunRecord> cancelOnceListed;
        private List<RunRecord> page;
        private int pageSize;
        private int index;

        Listing(String parentRunId, Optional<RunRecord> cancelOnceListed) {
            this.parentRunId = parentRunId;
            this.cancelOnceListed = cancelOnceListed;
        }

        /** The next child to go through, reading the next page when this one is done; empty after the last. */
        Optional<RunRecord> next(Walk walk) {
            if (page != null && index == page.size()) {
                if (page.size() < pageSize) {
                    return Optional.empty();
                }
                read(walk, Optional.of(page.get(page.size() - 1).runId()));
            } else if (page == null) {
                read(walk, Optional.empty());
            }
            return index < page.size() ? Optional.of(page.get(index++)) : Optional.empty();
        }

        private void read(Walk walk, Optional<String> after) {
            // One more than the limit leaves, to tell whether more remain.
            pageSize = Math.min(CHILDREN_PER_PAGE, walk.limit - walk.canceled + 1);
            page = childrenLeadingToRunsUnderWay(parentRunId, after, pageSize);
            index = 0;
        }
    }

    /**
     * Whether a descendant the sweep listed under way was canceled before the sweep came to it: by the same cancel,
     * through a step of an ancestor that another instance interrupted, which cancels its children as its attempt
     * ends. It counts as this call's. One read, only where the sweep's own cancel found the run ended.
     */
    private boolean canceledMeanwhile(String runId) {
        return store.findRun(runId).map(run -> run.status() == RunStatus.CANCELED).orElse(false);
    }

    /**
     * Cancels a child a step started just now, {@code childRunId}, if its parent was canceled with its children
     * meanwhile, or canceled alone under an ancestor canceled with its children: the step may have started it after
     * the cancel's sweep listed the parent's children. The child is stored before the parent is read here, and the
     * sweep lists children after it canceled the parent, so one of the two sees the other. One read of the parent
     * per child start; its {@code flow.cancel} entry, and its ancestors, only when it was canceled.
     */
    void cancelChildOfParentCanceledWithChildren(String childRunId, String parentRunId) {
        store.findRun(parentRunId).flatMap(this::cancelingItsChildren)
                .ifPresent(rootRunId -> cancelAsDescendant(childRunId, rootRunId, this::askToStopHere));
    }

    /**
     * The run whose cancel with children covers {@code run}'s children: for a canceled run, as
     * {@link #canceledWithChildrenOf}; for one compensating as an operator canceled it with its children and
     * compensate, the run itself (its children are canceled as they start, not when it ends: a compensation that
     * fails for good would never end it canceled). Reads history only for a canceled or compensating run.
     */
    private Optional<String> cancelingItsChildren(RunRecord run) {
        if (run.status() == RunStatus.COMPENSATING) {
            return new Compensations(store).planOf(run.runId()).filter(plan -> plan.canceled() && plan.withChildren())
                    .map(plan -> run.runId());
        }
        return run.status() == RunStatus.CANCELED ? canceledWithChildrenOf(run) : Optional.empty();
    }

    /**
     * Cancels the children a step's attempt of {@code parentRunId} started, once the attempt has ended, if the run
     * was canceled with its children meanwhile (or alone, under an ancestor canceled with its children). A step in a
     * transaction of its own ({@code @Transactional}, the store joining it) stores its children only when it
     * returns: a cancel's sweep before that lists none of them, and each start read the run before the cancel. One
     * read of the run per attempt that started children.
     */
    void cancelChildrenOfAttemptOfRunCanceledWithChildren(String parentRunId) {
        // Not for a compensating run: the check at each child's start covers it, and a sweep here as the stop ends a
        // step would cancel children before the operator's own sweep counts them (CanceledRuns.descendantsCanceled).
        Optional<String> canceledWith = store.findRun(parentRunId).filter(run -> run.status() == RunStatus.CANCELED)
                .flatMap(this::canceledWithChildrenOf);
        if (canceledWith.isPresent()) {
            String rootRunId = canceledWith.get();
            Sweep sweep = cancelDescendants(parentRunId, rootRunId, CancelOptions.MAX_LIMIT, this::askToStopHere);
            if (sweep.more()) {
                LOG.log(System.Logger.Level.WARNING, () -> "NVENT-0412 run " + parentRunId + ", canceled with the"
                        + " children of run " + rootRunId + ", has more than " + CancelOptions.MAX_LIMIT
                        + " descendants under way after a step's attempt ended; " + sweep.canceled() + " were canceled,"
                        + " the others go on until run " + rootRunId + " is canceled with its children again");
            }
        }
    }

    /**
     * The run whose cancel with children covers a canceled run: the run it was canceled with, if its latest
     * {@code flow.cancel} entry is marked so; for one canceled alone, the nearest ancestor canceled with its
     * children. A descendant canceled alone before its ancestor was canceled with its children is marked by the
     * ancestor's sweep only if the sweep comes to it (it reads the descendants that lead to runs under way), so its
     * late child looks up the ancestors itself: reads only when a canceled run starts a child.
     */
    private Optional<String> canceledWithChildrenOf(RunRecord canceled) {
        Optional<RunRecord> run = Optional.of(canceled);
        Set<String> seen = new HashSet<>();
        while (run.isPresent() && seen.add(run.get().runId())) {
            String runId = run.get().runId();
            if (run.get().status() == RunStatus.CANCELED) {
                JsonObject cancelEntry = lastCancelEntryOf(runId);
                if (cancelEntry.getBoolean("withChildren", false)) {
                    return Optional.of(cancelEntry.getString("canceledWith", runId));
                }
            }
            run = run.get().parentRunId().flatMap(store::findRun);
        }
        return Optional.empty();
    }

    /**
     * Marks a run canceled before, alone, as canceled with its children now (with those of {@code rootRunId}, for a
     * descendant of the run canceled), with a second {@code flow.cancel} entry: a step of it still running (one that
     * ignores the interrupt) may start a child after this call's sweep, and that child's start looks for the mark.
     * Stored without a publish, as the run ended with the first. A run that completed or failed is left as it is.
     */
    private void markCanceledWithChildren(String runId, Optional<String> rootRunId) {
        boolean canceledAlone = store.findRun(runId).filter(run -> run.status() == RunStatus.CANCELED).isPresent()
                && !lastCancelEntryOf(runId).getBoolean("withChildren", false);
        if (canceledAlone) {
            Instant now = clock.instant();
            JsonText mark = JsonText.object().str("canceledAt", now.toString())
                    .str("previousStatus", RunStatus.CANCELED.wireName()).str("reason", CANCELED_AGAIN);
            rootRunId.ifPresent(root -> mark.str("canceledWith", root));
            withChildren(mark);
            store.appendEvents(runId, List.of(EventDraft.ofRun(EventType.FLOW_CANCEL, now,
                    OperatorScope.stamp(mark.build()))));
        }
    }

    /** The run's latest {@code flow.cancel} entry, empty if it has none. */
    private JsonObject lastCancelEntryOf(String runId) {
        EventQuery lastCancel = new EventQuery(Set.of(EventType.FLOW_CANCEL), 0, 1, true);
        return store.readEvents(runId, lastCancel).stream().findFirst()
                .map(entry -> JsonMatch.read(entry.data()).asJsonObject()).orElse(JsonValue.EMPTY_JSON_OBJECT);
    }

    /** Cancels a descendant of {@code rootRunId}, canceled with its children; {@code false} if it ended or is gone. */
    private boolean cancelAsDescendant(String runId, String rootRunId, Consumer<String> stopSteps) {
        try {
            return cancel(runId, Optional.of(PARENT_CANCELED),
                    entry -> withChildren(entry.str("canceledWith", rootRunId)), stopSteps);
        } catch (RunNotFoundException deletedMeanwhile) {
            return false;
        }
    }

    /** Marks a {@code flow.cancel} entry as canceling the run's descendants too: a child started later is canceled. */
    private static void withChildren(JsonText cancelEntry) {
        cancelEntry.raw("withChildren", "true");
    }

    /**
     * A page of a run's children that lead to runs under way, by run id after {@code after}. A store written for
     * nvent 0.1 lists runs of any parent: refused, as it would cancel runs that are no descendants.
     */
    private List<RunRecord> childrenLeadingToRunsUnderWay(String parentRunId, Optional<String> after, int limit) {
        List<RunRecord> children = store.childRunsLeadingToRunsUnderWay(parentRunId, after, limit);
        if (children.stream().anyMatch(run -> !run.parentRunId().equals(Optional.of(parentRunId)))) {
            throw new UnsupportedByAdapterException("NVENT-0410 the store " + store.getClass().getName()
                    + " cannot list the runs of one parent (written for nvent 0.1, it lists runs of any parent), so"
                    + " run " + parentRunId + "'s children cannot be canceled with it; it was canceled alone: cancel"
                    + " its children one by one, or upgrade the store adapter");
        }
        return children;
    }

    private void askToStopHere(String runId) {
        askToStop(runId, "here");
    }

    /** Asks the run's step executions on this instance to stop: the run was canceled ({@code where}). */
    private void askToStop(String runId, String where) {
        int asked = executionsHere.requestCancel(runId);
        if (asked > 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + " was canceled " + where + ": " + asked
                    + " step execution(s) running on this instance interrupted");
        }
    }

    /**
     * Finds the runs canceled on another instance among those whose steps run here, with one read,
     * and asks their executions to stop; a run canceled here asked them at once, or asks them as its cancel's sweep of
     * its children ends.
     */
    void followCancels() {
        Set<String> runIds = executionsHere.runsNotAskedToStop();
        runIds.removeAll(stopsAfterSweeps);
        if (runIds.isEmpty()) {
            return;
        }
        for (RunRecord run : store.readRuns(runIds)) {
            if (run.status() == RunStatus.CANCELED || RunDeadlines.endedByTimeout(run)) {
                askToStop(run.runId(), "on another instance");
            }
        }
    }

    /** See {@link io.nvent.FlowService#restart(String)}. */
    String restart(String runId) {
        return restart(runId, RestartOptions.DEFAULTS).runId();
    }

    /**
     * Cancels an active original only once the new run can start: a flow no longer deployed, or an
     * input its entry step cannot read any more, refuses the restart and changes nothing; so does a
     * key that made the new run already (returned, also after the original was deleted) or that another
     * request used (refused).
     */
    StartedRun restart(String runId, RestartOptions options) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(options, "options");
        Copy copy = Copy.restartOf(runId);
        Runnable cancelOriginal = () -> cancelIfActive(runId, RESTARTED);
        Optional<RunRecord> found = store.findRun(runId);
        Optional<StartedRun> repeated = earlierCopy(found, options, copy, cancelOriginal);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        RunRecord original = found.orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(original.flow());
        engine.requireReadableByEntry(flow, original.input());
        return engine.createCopyAndSchedule(flow, original, Map.of(), Map.of(), flow.entry(), copy,
                options.idempotencyKey(), cancelOriginal);
    }

    /**
     * The run a keyed restart or rerun made, for its repeat: looked up before the original's checks, which
     * may fail once it was deleted or its flow redeployed; the original, if still stored, names the flow.
     */
    private Optional<StartedRun> earlierCopy(Optional<RunRecord> original, RestartOptions options, Copy copy,
                                             Runnable cancelOriginal) {
        return options.idempotencyKey().flatMap(key -> engine.earlierCopy(original.map(RunRecord::flow), key, copy,
                cancelOriginal));
    }

    /**
     * Finishes a keyed restart whose instance stopped once it had stored the copy, before the copy's first step
     * goes on by another way than a repeat of the request (the lost-job sweep queueing it, its before-await or
     * concurrency key resolving): cancels the original if still active, as the request would have, so that the
     * two never run side by side. A copy is stored holding its key at version 0, and the request changes it no
     * more: only a run with a key still at version 0 may be one, and only its {@code flow.start} entry is read,
     * once. A rerun cancels nothing; a start has no original.
     */
    void finishStoppedRestart(RunRecord run) {
        if (run.version() != 0 || run.idempotencyKey().isEmpty()) {
            return;
        }
        Copy.madeRun(Copy.startEntryOf(store, run)).filter(copy -> copy.fromStep().isEmpty())
                .ifPresent(restart -> cancelIfActive(restart.originalRunId(), RESTARTED));
    }

    /**
     * Finishes the keyed restarts whose instance stopped once it had stored the copy, where the copy waits for its
     * concurrency key (a copy keeps its original's key), which the original, still active, holds: neither the
     * lost-job sweep (the copy has no step queued) nor the await (the key is handed on only once the original ends)
     * would, and the original would go on. Part of the maintenance sweep. A copy still waiting for its key is
     * unchanged since it was stored; one stored less than {@code requestTime} ago is left to its request, which may
     * still be under way.
     *
     * @param after where among the awaiting runs (newest first) to start reading: after this run, or at the newest
     * @param limit how many awaiting runs to read
     * @param requestTime how long a restart's request may take between storing the copy and canceling the original
     * @return where the next look starts: empty once this one read the oldest awaiting run
     */
    Optional<RunPosition> finishRestartsWaitingForTheirOriginalsKey(Optional<RunPosition> after, int limit,
                                                                    Duration requestTime) {
        Instant storedBefore = clock.instant().minus(requestTime);
        Optional<RunPosition> position = after;
        for (int read = 0; read < limit; ) {
            int pageSize = Math.min(1000, limit - read);
            List<RunRecord> page = store.findRuns(new RunQuery(Optional.empty(), Optional.of(RunStatus.AWAITING), 0,
                    pageSize, position));
            List<RunRecord> waitingForKeys = new ArrayList<>();
            for (RunRecord run : page) {
                position = Optional.of(new RunPosition(run.startedAt(), run.runId()));
                if (run.concurrencyKey().isPresent() && run.version() == 0 && run.idempotencyKey().isPresent()
                        && !run.startedAt().isAfter(storedBefore)) {
                    waitingForKeys.add(run);
                }
            }
            finishCopiesWaitingBehindTheirOriginals(waitingForKeys);
            if (page.size() < pageSize) {
                return Optional.empty();
            }
            read += pageSize;
        }
        return position;
    }

    /**
     * Finishes the stopped restarts among keyed runs at version 0 waiting for their concurrency key: only a run whose
     * key a run of its flow and input holds, still active, may be the copy of that run (a copy keeps its original's
     * flow, input and key), so only such a run's {@code flow.start} entry is read. Many keyed starts waiting for a key
     * (webhook deliveries, each of its own input) thus cost one read of the holders of their keys and one of each
     * holder, not a history read each per look.
     */
    private void finishCopiesWaitingBehindTheirOriginals(List<RunRecord> waiting) {
        if (waiting.isEmpty()) {
            return;
        }
        Map<String, List<String>> holders = scheduling.concurrencyKeyHolderLists(waiting.stream()
                .map(run -> run.concurrencyKey().orElseThrow()).collect(Collectors.toSet()));
        Map<String, Optional<RunRecord>> holderRuns = new HashMap<>();
        for (RunRecord run : waiting) {
            boolean heldByARunItMayCopy = holders.getOrDefault(run.concurrencyKey().orElseThrow(), List.of()).stream()
                    .map(holder -> holderRuns.computeIfAbsent(holder, store::findRun)).flatMap(Optional::stream)
                    .anyMatch(holder -> !holder.status().isTerminal() && holder.flow().equals(run.flow())
                            && holder.input().equals(run.input()));
            if (heldByARunItMayCopy) {
                finishStoppedRestart(run);
            }
        }
    }

    /** Cancels the run if stored and not ended: the original of a restart, which a repeat may find so. */
    private void cancelIfActive(String runId, String reason) {
        if (store.findRun(runId).filter(run -> !run.status().isTerminal()).isPresent()) {
            cancel(runId, Optional.of(reason));
        }
    }

    /** See {@link io.nvent.FlowService#rerunFrom(String, String)}. */
    String rerunFrom(String runId, String stepName) {
        return rerunFrom(runId, stepName, RestartOptions.DEFAULTS).runId();
    }

    /** See {@link io.nvent.FlowService#rerunFrom(String, String, RestartOptions)}. */
    StartedRun rerunFrom(String runId, String stepName, RestartOptions options) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepName, "step");
        Objects.requireNonNull(options, "options");
        Copy copy = Copy.rerunOf(runId, stepName);
        Runnable nothingToCancel = () -> { };
        Optional<RunRecord> found = store.findRun(runId);
        Optional<StartedRun> repeated = earlierCopy(found, options, copy, nothingToCancel);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        RunRecord original = found.orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(original.flow());
        StepDefinition chosen = stepOf(flow, runId, stepName);
        if (chosen.name().equals(flow.entry().name())) {
            // A new start of the run's input, as a restart's: its entry step's attempts do not check it again.
            engine.requireReadableByEntry(flow, original.input());
        }
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
        return engine.createCopyAndSchedule(flow, original, kept, keptEvents, chosen, copy,
                options.idempotencyKey(), nothingToCancel);
    }

    /**
     * Why a step of a run that timed out and compensated has not failed: at its deadline the steps under way were
     * canceled and the completed ones undone, so nothing is left to retry (empty for every other run, which reads
     * nothing more).
     */
    private String whyNotFailed(FlowDefinition flow, RunRecord run, String stepName) {
        if (run.status() != RunStatus.FAILED || run.steps().get(stepName) != StepStatus.CANCELED
                || !Compensations.compensates(flow)
                || new Compensations(store).planOf(run.runId()).filter(Compensations.Plan::timedOut).isEmpty()) {
            return "";
        }
        return ": NVENT-0035 it was canceled as the run passed its deadline (" + run.deadline().map(Object::toString)
                .orElse("?") + ") and undid its completed steps; a run that compensated at its deadline has no failed"
                + " step to retry: restart it (FlowService.restart, POST /api/nvent/runs/" + run.runId()
                + "/restart) to run it again from its start";
    }

    /** See {@link io.nvent.FlowService#retryStep}. */
    void retryStep(String runId, String stepName) {
        retryStep(runId, stepName, 1);
    }

    private void retryStep(String runId, String stepName, int tries) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepName, "step");
        Instant now = clock.instant();
        RunRecord before = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
        FlowDefinition flow = registry.require(before.flow());
        StepDefinition step = stepOf(flow, runId, stepName);
        // A run that ended gave its concurrency key up. Should its end not have handed the key on yet (the store away
        // for a moment, its instance stopped), that is done first: the retry then waits behind the runs that waited
        // before it, instead of finding the key still its own and running ahead of them. Should the store fail now,
        // the retry fails, having changed nothing.
        if (before.status().isTerminal() && before.concurrencyKey().isPresent()) {
            awaitResolution.settleConcurrencyKey(before.concurrencyKey().get());
        }
        // A step behind an await that never let it through (it timed out and failed the step) must
        // wait for it again: a retry is no way around an approval. A step that ran and whose
        // after-await timed out has had its effects: it waits for that await again, its emissions
        // still held, instead of running (and charging, mailing…) twice.
        AwaitResolution.Gate gate = awaitResolution.gateOf(runId, step);
        boolean gatePassed = gate.passed();
        Pending pending = new Pending();
        List<AwaitRecord> awaits = pending.awaits;
        // A run that ended gave its concurrency key up: it waits for it again, behind the runs waiting now.
        boolean[] waitsForKey = new boolean[1];
        boolean[] endedSinceRead = new boolean[1];
        String notFailed = whyNotFailed(flow, before, stepName);
        TakeIn takeIn = step.role() == StepRole.COMPENSATION ? takeIn(flow, runId, stepName) : TakeIn.NONE;
        boolean[] moved = new boolean[1];
        Optional<StoredChange> change = awaitResolution.writeWithAwaits(pending, run -> {
            if (run.steps().get(stepName) != StepStatus.FAILED || run.status() == RunStatus.CANCELED) {
                throw new IllegalRunTransitionException(runId, run.status(),
                        "retry step '" + stepName + "', which has not failed" + notFailed);
            }
            // The steps recorded as not undone were read with the run at this version: one recorded since is read
            // again.
            moved[0] = takeIn.version().isPresent() && run.version() != takeIn.version().getAsLong();
            if (moved[0]) {
                return Optional.empty();
            }
            awaits.clear();
            waitsForKey[0] = run.concurrencyKey().isPresent() && run.status().isTerminal();
            // The run ended since it was read (another step of it failed again): its key was not handed on above,
            // and its end, seeing the run under way again, would keep it. Start over, handing it on first.
            endedSinceRead[0] = waitsForKey[0] && !before.status().isTerminal();
            if (endedSinceRead[0]) {
                return Optional.empty();
            }
            String reason = waitsForKey[0] ? "manual retry; the run waits for its concurrency key again"
                    : gatePassed ? "manual retry" : "manual retry; the step waits for its "
                    + (gate.timedOutAfter().isPresent() ? "after-await" : "await") + " again";
            List<EventDraft> events = new ArrayList<>(List.of(EventDraft.ofStep(EventType.STEP_RETRY, stepName, 0, now,
                    OperatorScope.stamp(JsonText.object().str("reason", reason).build()))));
            RunRecord next = run.withStep(stepName, gatePassed && !waitsForKey[0] ? StepStatus.QUEUED
                    : StepStatus.AWAITING);
            // A failed compensation retried takes the compensation up again where it stopped.
            RunStatus going = step.role() == StepRole.COMPENSATION && !waitsForKey[0] ? RunStatus.COMPENSATING
                    : RunStatus.RUNNING;
            if (next.status() != going) {
                next = next.withStatus(going, now);
            }
            next = takeIn.into(next, stepName, events, now);
            if (run.status().isTerminal() && run.timeout().isPresent()) {
                // A run that ended (timed out or not) goes on with a deadline as long as its first, from the retry.
                next = next.withTimeout(run.timeout().get(), now);
            }
            if (waitsForKey[0] || !gatePassed) {
                next = Orchestration.settleStatus(next, events, now);
                // The after-await again holds what the step emitted and matches the value it matched.
                AwaitRecord await = waitsForKey[0]
                        ? AwaitResolution.concurrencyKeyAwait(next, stepName, now)
                        : awaitResolution.gateAwait(gate, next, step, now);
                awaits.add(await);
                events.add(awaitResolution.registeredEvent(await));
            }
            return Optional.of(new RunChange(next, events));
        }, mutation -> store.updateRun(runId, mutation));
        if (endedSinceRead[0]) {
            retryStep(runId, stepName);   // now reads the run ended: at most once more, unless it is retried again
            return;
        }
        if (moved[0]) {
            if (tries == COMPENSATION_RETRY_READS) {
                throw new ConcurrentRunModificationException(runId, tries);
            }
            retryStep(runId, stepName, tries + 1);
            return;
        }
        change.ifPresent(c -> {
            if (pending.failedStep != null) {
                // The store refused the await waited for again: the step failed again instead (NVENT-0025).
                awaitResolution.failedInstead(flow.name(), c, pending);
                return;
            }
            publisher.publish(c);
            if (waitsForKey[0] || !gatePassed) {
                if (pending.awaitsSaved) {
                    awaitResolution.savedWithChange(awaits);
                } else {
                    awaitResolution.saveAwaits(awaits);
                }
                if (waitsForKey[0]) {
                    awaitResolution.settleConcurrencyKeyOfWaiter(runId, c.run().concurrencyKey().orElseThrow());
                }
                return;
            }
            queueing.sendRetry(runId, flow.name(), step, c.run().version());
        });
    }

    /**
     * What an operator's retry of a failed compensation takes in: the steps the run's history records as not undone
     * ({@link Compensations#notUndone}), read with the run's version, which the retry's write checks.
     */
    private record TakeIn(OptionalLong version, Optional<Compensations.Plan> plan, List<Compensations.Undo> steps) {
        static final TakeIn NONE = new TakeIn(OptionalLong.empty(), Optional.empty(), List.of());

        /**
         * {@code run} with the steps still canceled taken in: completed, as they did, and undone next after the
         * retried compensation, by the plan written again ({@code "retried"}, {@code "takenIn"}).
         */
        RunRecord into(RunRecord run, String retried, List<EventDraft> events, Instant now) {
            List<Compensations.Undo> taken = steps.stream()
                    .filter(undo -> run.steps().get(undo.step()) == StepStatus.CANCELED).toList();
            if (taken.isEmpty()) {
                return run;
            }
            RunRecord next = run;
            for (Compensations.Undo undo : taken) {
                next = next.withStep(undo.step(), StepStatus.COMPLETED);
            }
            Compensations.Plan was = plan.orElseThrow();
            events.add(was.replanned(was.withLate(taken), now, data -> data.add(Compensations.RETRIED, retried)
                    .add(Compensations.TAKEN_IN, Json.PROVIDER.createArrayBuilder(taken.stream()
                            .map(Compensations.Undo::step).toList()))));
            return next;
        }
    }

    /** {@link TakeIn} for a retry of compensation step {@code stepName}: nothing if the plan has it not under way. */
    private TakeIn takeIn(FlowDefinition flow, String runId, String stepName) {
        Optional<RunRecord> read = store.findRun(runId);
        Compensations compensations = new Compensations(store);
        Optional<Compensations.Plan> plan = compensations.planOf(runId)
                .filter(p -> p.current().filter(undo -> undo.by().equals(stepName)).isPresent());
        if (read.isEmpty() || plan.isEmpty()) {
            return TakeIn.NONE;
        }
        return new TakeIn(OptionalLong.of(read.get().version()), plan,
                compensations.notUndone(flow, runId, plan.get()));
    }

    /** See {@link io.nvent.FlowService#clearHistory(String)}. */
    int clearHistory(String flow) {
        requireDeployedOrStored(flow);
        int deleted = store.deleteFinishedRuns(flow);
        LOG.log(System.Logger.Level.INFO, "NVENT-0158 history of flow {0} cleared: {1} finished run(s) deleted",
                flow, deleted);
        if (deleted > 0) {
            deleteAwaitsOfDeletedRuns();
        }
        return deleted;
    }

    /** See {@link io.nvent.FlowService#clearHistory(String, int)}. */
    ClearedHistory clearHistory(String flow, int limit) {
        PageLimits.requireAtLeastOne(limit);
        requireDeployedOrStored(flow);
        int deleted = HistoryClear.delete(store, clock, flow, limit);
        if (deleted > 0) {
            deleteAwaitsOfDeletedRuns();
        }
        // From the store, not stats(flow): clearing works for a flow no longer deployed.
        ClearedHistory cleared = new ClearedHistory(deleted, store.stats(flow));
        LOG.log(System.Logger.Level.INFO, "NVENT-0158 history of flow {0} cleared: {1} finished run(s) deleted,"
                + " {2} left", flow, deleted, cleared.remaining());
        return cleared;
    }

    /**
     * Deletes the run as the store deletes a finished run, on the condition that it is still stored as
     * read here: a run changed meanwhile (a late step result recorded, a retry) is read again and judged
     * as it is then, so a retry or restart of it either comes first (and the run, under way again, is
     * refused) or finds it deleted. Works for a run of a flow no longer deployed.
     */
    DeletedRun deleteRun(String runId, String requestedBy) {
        Objects.requireNonNull(runId, "runId must not be null");
        Objects.requireNonNull(requestedBy, "requestedBy must not be null");
        for (int attempt = 1; ; attempt++) {
            RunRecord run = store.findRun(runId).orElseThrow(() -> new RunNotFoundException(runId));
            if (!run.status().isTerminal()) {
                throw new IllegalRunTransitionException(runId, run.status(), "be deleted: cancel it first");
            }
            refuseWhileAStepRuns(run);
            OptionalLong historyEntries;
            try {
                historyEntries = store.deleteFinishedRun(runId, run.version());
            } catch (UnsupportedOperationException notSupported) {
                if (!String.valueOf(notSupported.getMessage()).startsWith(FlowStore.SINGLE_RUN_DELETION_UNSUPPORTED + " ")) {
                    throw notSupported;   // a failure inside a store that can, not the default of one that cannot
                }
                throw new UnsupportedByAdapterException("NVENT-0552 run '" + runId + "' not deleted: the store "
                        + store.getClass().getName() + " cannot delete a single run (written for nvent 0.1); clear"
                        + " the history of flow '" + run.flow() + "', let retention delete the run, or upgrade the"
                        + " store adapter", notSupported);
            }
            if (historyEntries.isPresent()) {
                DeletedRun deleted = new DeletedRun(runId, run.flow(), run.status(), historyEntries.getAsLong());
                // The history went with the run: this line is the only record of the deletion.
                LOG.log(System.Logger.Level.INFO, "NVENT-0551 run {0} of flow {1} ({2}) deleted with its {3}"
                        + " history entries, as {4} asked", runId, run.flow(), run.status().wireName(),
                        String.valueOf(deleted.historyEntries()), requestedBy);
                deleteAwaitsOfDeletedRuns();
                releaseDebounceSlot(runId);
                return deleted;
            }
            if (attempt == DELETE_ATTEMPTS) {
                throw new ConcurrentRunModificationException(runId, attempt);
            }
        }
    }

    /**
     * Deletes the slot of a debounced or batching trigger's pending run canceled before it started (a batch that closed
     * is looked for by no fire): the key's next fire opens a new one. A failure leaves it to the maintenance sweep.
     */
    private void closeDebounceSlotOfCanceled(String runId) {
        if (!TriggerDebounce.mayHoldSlot(runId)
                || !scheduling.keepsTriggerDebounce() && !scheduling.keepsTriggerBatches()) {
            return;
        }
        try {
            scheduling.takeDebounced(runId);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "the debounce slot of canceled run " + runId + " is left to the"
                    + " maintenance sweep: " + e);
        }
    }

    /**
     * Closes the slot of a debounced trigger's key that names the deleted run (canceled while it was pending): the
     * next fire of the key opens a new pending run, instead of being folded into a run that no longer exists. The
     * run is gone whatever this does: a failure is logged, and the fires of the key open a new pending run once the
     * debounce of the run's first fire has passed.
     */
    private void releaseDebounceSlot(String runId) {
        if (!scheduling.keepsTriggerDebounce() && !scheduling.keepsTriggerBatches()) {
            return;
        }
        try {
            scheduling.takeDebounced(runId);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0012 run " + runId + " was deleted, but the debounce slot"
                    + " naming it could not be closed: fires of its trigger's key are folded into no run until the"
                    + " debounce of its first fire has passed; fire again after that", e);
        }
    }

    /**
     * Has the scheduling store delete the awaits of runs deleted (a store whose awaits go with
     * their run has none left). The runs are gone whatever it does: a failure is logged, and the awaits
     * stay listed until the next deletion tries again.
     */
    void deleteAwaitsOfDeletedRuns() {
        try {
            int deleted = scheduling.deleteAwaitsOfDeletedRuns(store);
            if (deleted > 0) {
                LOG.log(System.Logger.Level.DEBUG, () -> deleted + " awaits of deleted runs deleted");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0565 the awaits of the runs just deleted are still"
                    + " stored, and listed, until the next deletion of runs: the scheduling store "
                    + scheduling.getClass().getName() + " failed to delete them: " + e, e);
        }
    }

    /**
     * Refuses to delete an ended run while a step of it still runs, as its lease shows: another branch of
     * a failed run, or a step of a canceled run until its interrupt lands. Its outcome would find no run.
     * A step that starts after this check changes the run, so the conditional delete does not go ahead.
     */
    private void refuseWhileAStepRuns(RunRecord run) {
        Instant now = clock.instant();
        Optional<StepLease> running = scheduling.leasesOfRun(run.runId()).stream()
                .filter(lease -> lease.expiresAt().isAfter(now)).findFirst();
        if (running.isPresent()) {
            throw new IllegalRunTransitionException(run.runId(), run.status(), "be deleted while its step '"
                    + running.get().step() + "' is still running: delete it once that step has ended");
        }
    }

    /** A flow's history can be cleared when it is deployed, or when it is no longer but its runs are stored. */
    private void requireDeployedOrStored(String flow) {
        Objects.requireNonNull(flow, "flow must not be null");
        if (registry.flow(flow).isEmpty() && store.findRuns(RunQuery.ofFlow(flow).page(0, 1)).isEmpty()) {
            throw registry.notFound(flow);
        }
    }

    /** The step an operator names for a run (to retry it, to rerun from it). */
    private static StepDefinition stepOf(FlowDefinition flow, String runId, String stepName) {
        return flow.step(stepName).orElseThrow(() -> new StepNotFoundException(runId, flow.name(), stepName));
    }
}

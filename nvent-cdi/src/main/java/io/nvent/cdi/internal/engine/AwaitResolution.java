package io.nvent.cdi.internal.engine;

import io.nvent.AwaitClosedException;
import io.nvent.AwaitInfo;
import io.nvent.AwaitNotFoundException;
import io.nvent.AwaitPosition;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitResolved;
import io.nvent.AwaitSpec;
import io.nvent.AwaitStatus;
import io.nvent.AwaitTimedOut;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.InvalidPayloadException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RetryPolicy;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.schedule.Cron;
import io.nvent.spi.AwaitNotSavedException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ConcurrencyKeyClaim;
import io.nvent.spi.AwaitlessRuns;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.AwaitlessSteps;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The awaits of runs, from their registration to their end: makes an await when a run reaches one (a
 * step's before- or after-await, a delayed start, a run's turn under a concurrency key), saves it with its
 * timer, resolves it (an event, a webhook, an operator, its time, the holder of a concurrency key handing
 * the key on) or times it out by its timeout action, and closes it when its run ends.
 *
 * <p>Kept apart from {@link StepRunner}, which moves runs through their steps: an await is a run waiting
 * for something outside the engine, with a lifecycle and a store of its own (the {@link SchedulingStore}),
 * and all that decides it is here, including releasing a resolved await's held emissions ({@link Pending})
 * and queueing a retried step ({@link StepQueueing}). What follows a stored change (publishing it, handing
 * over the steps it made ready) is {@link ChangeFollowUp}'s, reached through {@link RunContinuation}.
 */
final class AwaitResolution {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * How many ancestors, all ended, a descendant's end looks up through for one awaiting its descendants
     * ({@link AwaitType#DESCENDANTS}); an end deeper below such a run is the maintenance sweep's (NVENT-0461).
     */
    static final int ANCESTOR_WALK_LIMIT = 64;
    /**
     * How many ancestors, all ended, an end deeper than {@link #ANCESTOR_WALK_LIMIT} reads in all (the first
     * {@link #ANCESTOR_WALK_LIMIT} included) to tell whether the first under way above awaits its descendants, only to
     * log it (NVENT-0461): above that the look stops (NVENT-0472, debug) and the maintenance sweep resolves any such
     * await as it does every one above the walk's limit. It read up to {@link FlowStore#DESCENDANT_DEPTH_LIMIT}, one by
     * one, on each end of a deeper chain.
     */
    static final int ANCESTOR_LOOK_LIMIT = 2 * ANCESTOR_WALK_LIMIT;

    /**
     * Passes a change an await made on to {@link ChangeFollowUp#afterChange}, and a run an await lets go on to
     * {@link OperatorActions#finishStoppedRestart}. It exists to break a cycle: {@link ChangeFollowUp} saves
     * awaits and delivers emissions to them through this class, and operators' cancels close awaits through it,
     * so they cannot take each other in their constructors.
     */
    interface RunContinuation {

        /** Publishes a stored change of a run and does what it decided: the steps, awaits and emissions pending. */
        void afterChange(String flow, StoredChange change, Pending pending);

        /**
         * Cancels the original of a run that is the copy of a keyed restart whose instance stopped before it
         * canceled the original, if still active, before an await lets the copy's first step go on; nothing for
         * any other run.
         */
        void finishStoppedRestart(RunRecord run);
    }

    private final FlowRegistry registry;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final Json json;
    private final Clock clock;
    private final Consumer<Object> hooks;
    private final StepHistory history;
    private final RunContinuation continuation;
    private final StepQueueing queueing;
    private volatile String webhookBaseUrl;
    private volatile ClockTimers timers;
    /** The constraints a batch's input is checked against as its run starts ({@link #batchRefusal}). */
    private volatile InputConstraints inputConstraints = InputConstraints.NONE;
    /**
     * Due awaits whose step or flow this deployment lacks (NVENT-0163 logged once for each): they
     * stay waiting for a deployment that has it, and the sweep reads past them.
     */
    private final Set<String> dueAwaitsNotDeployed = ConcurrentHashMap.newKeySet();
    /**
     * The timers of the time and schedule awaits this instance registered, by await id, until they
     * run or the await is closed here (its run canceled, an operator's resolve): a timer left planned
     * would hold its await until its time, days or years away for a delayed start.
     */
    private final Map<String, AwaitTimer> awaitTimers = new ConcurrentHashMap<>();

    /** Whether the stores save a change's awaits with it ({@link #awaitsWithChanges}); {@code null} until asked. */
    private volatile Boolean awaitsWithChanges;

    AwaitResolution(FlowRegistry registry, FlowStore store, SchedulingStore scheduling, Json json, Clock clock,
                    Consumer<Object> hooks, StepHistory history, String webhookBaseUrl, StepQueueing queueing,
                    RunContinuation continuation) {
        this.registry = registry;
        this.store = store;
        this.scheduling = scheduling;
        this.json = json;
        this.clock = clock;
        this.hooks = hooks;
        this.history = history;
        this.webhookBaseUrl = webhookBaseUrl;
        this.continuation = continuation;
        this.queueing = queueing;
    }

    /** See {@link FlowEngine#useInputConstraints}. */
    void useInputConstraints(InputConstraints constraints) {
        this.inputConstraints = constraints;
    }

    /** See {@link FlowEngine#useWebhookBaseUrl}. */
    void useWebhookBaseUrl(String url) {
        this.webhookBaseUrl = url;
    }

    /** Lets time and schedule awaits resolve on time, through {@code timers}, instead of at the next sweep. */
    void useTimers(ClockTimers timers) {
        this.timers = timers;
    }

    /**
     * Resolves the runs awaiting a named event whose awaits its payload matches.
     *
     * @return how many awaits it resolved
     */
    int resolveAwaitsOf(String event, String payloadJson) {
        int resolved = 0;
        if (registry.awaitedEvents().contains(event)) {
            for (AwaitRecord await : scheduling.waitingForEvent(event)) {
                if (await.type() == AwaitType.EVENT && matchesFilter(await, payloadJson) && resolve(await, payloadJson, AwaitStatus.RESOLVED)) {
                    resolved++;
                }
            }
        }
        return resolved;
    }

    /** See {@link io.nvent.FlowService#awaits}. */
    List<AwaitInfo> awaits(boolean pendingOnly, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the most awaits to list must be at least 1, was " + limit);
        }
        List<AwaitRecord> listed = scheduling.listAwaits(pendingOnly, limit);
        // A run waiting for a concurrency key names the run it waits behind, as its waits do: one read for the page.
        Set<String> keys = listed.stream().filter(AwaitResolution::waitsForConcurrencyKey)
                .flatMap(a -> a.event().stream()).collect(Collectors.toSet());
        Map<String, List<String>> holders = keys.isEmpty() ? Map.of() : scheduling.concurrencyKeyHolderLists(keys);
        return listed.stream().map(a -> waitsForConcurrencyKey(a)
                ? a.toInfo().withConcurrencyKeyHolders(StepWaits.holdersAhead(a,
                        holders.getOrDefault(a.event().orElseThrow(), List.of())))
                : a.toInfo()).toList();
    }

    private static boolean waitsForConcurrencyKey(AwaitRecord await) {
        return await.type() == AwaitType.CONCURRENCY_KEY && await.status() == AwaitStatus.WAITING;
    }

    /** See {@link io.nvent.FlowService#resolveAwait}. */
    void resolveAwait(String awaitId, Object data) {
        Objects.requireNonNull(awaitId, "awaitId");
        AwaitRecord await = scheduling.findAwait(awaitId).orElseThrow(() -> new AwaitNotFoundException("with id "
                + awaitId));
        resolveOrExplain(await, json.toJson(data, "resolution data"));
    }

    /** See {@link io.nvent.FlowService#resolveWebhook}. */
    void resolveWebhook(String token, String jsonBody) {
        Objects.requireNonNull(token, "token");
        AwaitRecord await = scheduling.findAwaitByToken(token)
                .filter(a -> a.type() == AwaitType.WEBHOOK)
                .orElseThrow(() -> new AwaitNotFoundException("for this webhook URL"));
        resolveOrExplain(await, json.validate(jsonBody, "webhook body"));
    }

    /** See {@link io.nvent.FlowService#webhookAwait}. */
    Optional<AwaitInfo> webhookAwait(String token) {
        Objects.requireNonNull(token, "token");
        return scheduling.findAwaitByToken(token).filter(a -> a.type() == AwaitType.WEBHOOK).map(AwaitRecord::toInfo);
    }

    private void resolveOrExplain(AwaitRecord await, String data) {
        Optional<RunStatus> ended = closedAsRunEnded(await);
        if (ended.isPresent()) {
            throw new AwaitClosedException(await.awaitId(), await.runId(), ended.get());
        }
        if (await.type() == AwaitType.CONCURRENCY_KEY && await.status() == AwaitStatus.WAITING) {
            String key = await.event().orElse("?");
            throw new IllegalRunTransitionException(await.runId(), RunStatus.AWAITING, "resolve await "
                    + await.awaitId() + ": NVENT-0561 it waits for concurrency key '" + key + "'"
                    + scheduling.concurrencyKeyHolder(key).map(h -> ", held by run '" + h + "'").orElse("")
                    + ", and resolves when the run gets the key; cancel the run to take it out of the line");
        }
        if (isPastTimeout(await, clock.instant())) {
            // The sweep applies its timeout action within a poll; the caller is answered as after it.
            throw new AwaitClosedException(await.awaitId(), await.runId(), AwaitStatus.TIMED_OUT);
        }
        if (await.status() == AwaitStatus.WAITING) {
            // Refused before anything is closed: a deployment that has the step takes the same call later.
            StepWaits.notDeployed(registry, await.flow(), await.step()).ifPresent(lacking -> {
                throw new IllegalRunTransitionException(await.runId(), RunStatus.AWAITING, "resolve await "
                        + await.awaitId() + " here: " + lacking + "; the await still waits, unchanged: call again "
                        + "once a version with it is deployed (on another instance of a rolling deploy, or after "
                        + "a redeploy)");
            });
        }
        if (!resolve(await, data, AwaitStatus.RESOLVED)) {
            AwaitStatus status = scheduling.findAwait(await.awaitId()).map(AwaitRecord::status)
                    .orElse(AwaitStatus.CANCELED);
            throw new AwaitClosedException(await.awaitId(), await.runId(), status);
        }
    }

    /** Whether a waiting await's timeout has passed, though the sweep may not have closed it yet. */
    private static boolean isPastTimeout(AwaitRecord await, Instant now) {
        return await.status() == AwaitStatus.WAITING && await.timeoutAt().filter(t -> !now.isBefore(t)).isPresent();
    }

    /**
     * Closes an await and lets its run go on: a before-await queues its step, an after-await
     * releases the step's held emissions.
     *
     * @return {@code false} if the await was not waiting any more, or if this deployment lacks its
     *     step or flow (it is left waiting for a deployment that has it)
     */
    boolean resolve(AwaitRecord await, String data, AwaitStatus closeAs) {
        Instant now = clock.instant();
        if (closeAs == AwaitStatus.RESOLVED && isPastTimeout(await, now)) {
            return false;
        }
        if (StepWaits.notDeployed(registry, await.flow(), await.step()).isPresent()
                || closedAsRunEnded(await, continuation::finishStoppedRestart).isPresent()) {
            return false;
        }
        if (closeAs == AwaitStatus.RESOLVED && isDelayedStartWithKey(await)) {
            return joinConcurrencyKeyLine(await, data, now);
        }
        Optional<AwaitRecord> closed = closeAwait(await.awaitId(), closeAs, Optional.of(data), now);
        if (closed.isEmpty()) {
            return false;
        }
        FlowDefinition flow = registry.require(await.flow());
        Optional<Taken> taken = closeAs == AwaitStatus.RESOLVED ? takeDebounced(await) : Optional.empty();
        Optional<String> debounced = taken.map(Taken::input);
        Pending pending = new Pending();
        JsonText resolvedData = JsonText.object().str("awaitId", await.awaitId())
                .str("position", await.position().wireName()).str("type", await.type().name().toLowerCase())
                .raw("data", data);
        taken.flatMap(Taken::refused).ifPresent(refused -> resolvedData.str("batchRefused", refused));
        String eventData = resolvedData.build();
        // The run got its concurrency key: its step still passes its own await first.
        Optional<Gate> gate = await.type() == AwaitType.CONCURRENCY_KEY
                ? Optional.of(gateOf(await.runId(), Orchestration.stepOf(flow, await.step())))
                        .filter(g -> !g.passed())
                : Optional.empty();
        // A retried step that got the key again is sent as a retry: its job ran (and failed) before.
        boolean retried = await.type() == AwaitType.CONCURRENCY_KEY && gate.isEmpty()
                && history.lastJobOf(await.runId(), await.step()).isPresent();
        Optional<StoredChange> change = writeWithAwaits(pending, stored -> {
            pending.reset();
            if (stored.status().isTerminal() || stored.steps().get(await.step()) != StepStatus.AWAITING) {
                return Optional.empty();
            }
            RunRecord run = debounced.map(stored::withInput).orElse(stored);
            EventDraft resolvedEvent = EventDraft.ofStep(EventType.AWAIT_RESOLVED, await.step(), 0, now,
                    OperatorScope.stamp(eventData));
            if (gate.isPresent()) {
                AwaitRecord next = gateAwait(gate.get(), run, Orchestration.stepOf(flow, await.step()), now);
                pending.awaits.add(next);
                return Optional.of(new RunChange(run, List.of(resolvedEvent, registeredEvent(next))));
            }
            if (retried) {
                List<EventDraft> events = new ArrayList<>(List.of(resolvedEvent));
                return Optional.of(new RunChange(Orchestration.settleStatus(
                        run.withStep(await.step(), StepStatus.QUEUED), events, now), events));
            }
            return Optional.of(pending.release(this, json.runEmittedLimit(), flow, run, await, List.of(resolvedEvent),
                    now));
        }, mutation -> store.updateRun(await.runId(), mutation));
        change.ifPresent(c -> continuation.afterChange(flow.name(), c, pending));
        if (retried) {
            change.ifPresent(c -> queueing.sendRetry(await.runId(), flow.name(),
                    Orchestration.stepOf(flow, await.step()), c.run().version()));
        }
        fireHook(new AwaitResolved(closed.get().toInfo(), data));
        return true;
    }

    /**
     * Ends the delay of a start with a concurrency key: instead of queueing the entry step, the run waits for the
     * key from now on (or from the delay's end, if that was earlier: a sweep that comes late does not put it
     * behind runs that began waiting after its delay ended). The key's await is stored before the delay's await
     * is closed, under an id derived from the delay's: a store failure in between leaves the delay due, and the
     * next sweep closes it, finding the key's await there; instances ending one delay at once store one await
     * for the key (the store refuses its id a second time), and only the one that closes the delay records it.
     * Whatever the flow's entry step waits for by now (a redeploy may have given it an await) it waits for once it
     * has the key, as every run with a key does.
     */
    private boolean joinConcurrencyKeyLine(AwaitRecord delay, String data, Instant now) {
        String key = delay.event().orElseThrow();
        Instant delayEnded = delay.resolveAt().filter(now::isAfter).orElse(now);
        AwaitRecord turn = new AwaitRecord(turnIdAfter(delay), newToken(), delay.runId(), delay.flow(), delay.step(),
                AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, delayEnded, Optional.empty(),
                Optional.empty(), TimeoutAction.FAIL, Optional.of(key), Optional.empty(), "[]", Optional.empty(),
                Optional.empty(), delay.concurrencyLimit());
        if (scheduling.findAwait(turn.awaitId()).isEmpty()) {
            try {
                scheduling.saveAwait(turn);
            } catch (RuntimeException e) {
                if (scheduling.findAwait(turn.awaitId()).isEmpty()) {
                    throw e;
                }
                // Another instance ending the same delay stored it a moment ago.
            }
        }
        // As saveAwaits: a cancel since the run was read may have closed its awaits before this one existed.
        if (closedAsRunEnded(turn).isPresent()) {
            return false;
        }
        Optional<AwaitRecord> closed = closeAwait(delay.awaitId(), AwaitStatus.RESOLVED, Optional.of(data), now);
        if (closed.isEmpty()) {
            // Canceled (or deleted with its run) since: the key's await must not wait for it. Resolved by another
            // instance ending it too: that one goes on with the key's await.
            if (scheduling.findAwait(delay.awaitId()).filter(a -> a.status() == AwaitStatus.RESOLVED).isEmpty()) {
                closeAwait(turn.awaitId(), AwaitStatus.CANCELED, Optional.empty(), now);
            }
            return false;
        }
        Optional<Taken> taken = takeDebounced(delay);
        Optional<String> debounced = taken.map(Taken::input);
        JsonText resolvedData = JsonText.object().str("awaitId", delay.awaitId())
                .str("position", delay.position().wireName()).str("type", delay.type().name().toLowerCase())
                .raw("data", data);
        taken.flatMap(Taken::refused).ifPresent(refused -> resolvedData.str("batchRefused", refused));
        String eventData = resolvedData.build();
        // Recorded now, as the delay's end is, though the await is dated back to the delay's end for its place in the
        // line: a sweep that comes late must not make the run's history go back in time.
        EventDraft inLine = EventDraft.ofStep(EventType.AWAIT_REGISTERED, turn.step(), 0, now,
                registeredData(turn).str("inLineSince", delayEnded.toString()).build());
        List<EventDraft> events = List.of(EventDraft.ofStep(EventType.AWAIT_RESOLVED, delay.step(), 0, now, eventData),
                inLine);
        store.updateRun(delay.runId(), run -> run.status().isTerminal()
                        || run.steps().get(delay.step()) != StepStatus.AWAITING ? Optional.empty()
                        : Optional.of(new RunChange(debounced.map(run::withInput).orElse(run), events)))
                .ifPresent(change -> continuation.afterChange(delay.flow(), change, new Pending()));
        fireHook(new AwaitResolved(closed.get().toInfo(), data));
        fireHook(new AwaitRegistered(turn.toInfo(), Optional.empty()));
        settleConcurrencyKeyOfWaiter(delay.runId(), key);
        return true;
    }

    /**
     * The latest payload folded into the slot of a debounced trigger's run whose delayed start {@code await} ends, the
     * slot closed in the same step ({@link SchedulingStore#takeDebounced}): a fire folded before it is the run's input,
     * a fire after it opens a new pending run. Empty for any other await, and for a run no slot names.
     *
     * <p>The await is closed by now: a store failure taking the slot must not leave its run waiting for nothing. The
     * run starts with the input it has (each fold stored its payload on it too; only a fold racing the run's own
     * creation is in the slot alone), and the slot is left naming it: the next fire finds the run started and opens a
     * new pending run ({@link TriggerManager}).
     */
    private Optional<Taken> takeDebounced(AwaitRecord await) {
        if (await.type() != AwaitType.TIME || await.position() != AwaitPosition.BEFORE
                || !TriggerDebounce.mayHoldSlot(await.runId())
                || !(scheduling.keepsTriggerDebounce() || scheduling.keepsTriggerBatches())
                || !registry.flow(await.flow()).map(f -> f.entry().name().equals(await.step())).orElse(false)) {
            return Optional.empty();
        }
        try {
            Optional<String> taken = scheduling.takeDebounced(await.runId());
            if (taken.isEmpty()) {
                return Optional.empty();
            }
            Optional<String> batchKey = batchKeyOf(await.runId());
            if (batchKey.isEmpty()) {
                return Optional.of(new Taken(taken.get(), Optional.empty()));
            }
            int count = Json.PROVIDER.createReader(new java.io.StringReader(taken.get())).readArray().size();
            String input = TriggerDebounce.batchInput(taken.get(), count, batchKey.get());
            return Optional.of(new Taken(input, batchRefusal(await, input, count, batchKey.get())));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0013 debounced run " + await.runId() + " of flow "
                    + await.flow() + " starts with the input it has: the store failed to give it its debounce slot's"
                    + " latest payload (" + e + "); the next fire of its key opens a new pending run", e);
            return Optional.empty();
        }
    }

    /**
     * The input a debounced or batching trigger's run takes from its slot as it starts and, for a batch that breaks
     * the constraints of the entry step's class as a whole, what it breaks (NVENT-0028).
     */
    private record Taken(String input, Optional<String> refused) {
    }

    /**
     * What a batch breaks of the constraints of the entry step's class as a whole ({@code @Size(max = 50)} of its
     * events, say), checked as its run starts: each fire was checked as an event only ({@link
     * FlowEngine#requireBatchable}). The run starts all the same, with every event in its input, and its entry step
     * fails without retries (NVENT-0417): an operator finds the events there, said here, and sends them again.
     */
    private Optional<String> batchRefusal(AwaitRecord await, String input, int count, String key) {
        List<io.nvent.PayloadViolation> violations;
        java.lang.reflect.Type type;
        try {
            Optional<java.lang.reflect.Type> entry = registry.binding(await.flow(), await.step())
                    .map(binding -> binding.inputType())
                    .filter(t -> io.nvent.cdi.internal.registry.InputProperties.userClass(t).isPresent());
            if (entry.isEmpty()) {
                return Optional.empty();
            }
            type = entry.get();
            String what = "batch of run " + await.runId();
            violations = inputConstraints.violations(json.readInput(input, type, what), what);
        } catch (RuntimeException unreadable) {
            return Optional.empty();   // the entry step's attempt says what it cannot read or check
        }
        if (violations.isEmpty()) {
            return Optional.empty();
        }
        String refused = "NVENT-0028 the batch of " + count + " events of key '" + key + "' of run " + await.runId()
                + " of flow '" + await.flow() + "' breaks the constraints of " + type.getTypeName() + " as a whole: "
                + InputConstraints.describe(violations) + "; the run starts with every event in its input (\"events\")"
                + " and its entry step '" + await.step() + "' fails without retries (NVENT-0417): send the events"
                + " again in smaller batches, or change the constraints or batchMax";
        LOG.log(System.Logger.Level.WARNING, refused);
        return Optional.of(refused);
    }

    /** The key of a batching trigger's run, as its {@code flow.start} entry names it; empty for any other run. */
    private Optional<String> batchKeyOf(String runId) {
        return store.readEvents(runId, new io.nvent.EventQuery(Set.of(io.nvent.EventType.FLOW_START), 0, 1, false))
                .stream().findFirst()
                .map(entry -> Json.PROVIDER.createReader(new java.io.StringReader(entry.data())).readObject())
                .filter(data -> data.get("batchKey") instanceof jakarta.json.JsonString)
                .map(data -> data.getString("batchKey"));
    }

    /**
     * Puts off the delayed start of a debounced run to {@code at} (a fire folded into it), and plans its timer here;
     * a timer planned for the earlier time on any instance finds the await not yet due and leaves it.
     */
    void postponeDelayedStart(String runId, Instant at) {
        moveDelayedStart(runId, at, false);
    }

    /**
     * As {@link #postponeDelayedStart}, only a start due before {@code at}: a debounced run's folds only ever put its
     * start off, and one applied late (after a newer fold, or again by the instance that stored the run) leaves it;
     * the store moves it only later ({@link SchedulingStore#moveAwaitLater}), so that of two folds moving it at once
     * on two instances the later time stays.
     */
    void putOffDelayedStart(String runId, Instant at) {
        moveDelayedStart(runId, at, true);
    }

    private void moveDelayedStart(String runId, Instant at, boolean laterOnly) {
        for (AwaitRecord await : scheduling.awaitsOfRun(runId)) {
            if (await.status() == AwaitStatus.WAITING && await.type() == AwaitType.TIME
                    && await.position() == AwaitPosition.BEFORE
                    && (!laterOnly || await.resolveAt().filter(at::isAfter).isPresent())
                    // Only later in the store too: a fold on another instance may have put it off further meanwhile.
                    && (laterOnly ? scheduling.moveAwaitLater(await.awaitId(), at)
                            : scheduling.moveAwait(await.awaitId(), at))) {
                scheduleResolution(await, at);
            }
        }
    }

    /**
     * Whether the await is the time await of a start delayed with a concurrency key: it carries the key its run
     * waits for once it resolves ({@link #delayedStartWithKey}).
     */
    static boolean isDelayedStartWithKey(AwaitRecord await) {
        return await.type() == AwaitType.TIME && await.position() == AwaitPosition.BEFORE && await.event().isPresent();
    }

    /**
     * The id of the await for the key that a delayed start's await makes once it resolves: the same on every
     * instance, and sorting among ids as the delay's does ({@link OrderedIds}), which tells waiters that joined the
     * line at one instant apart in the order they were started.
     */
    private static String turnIdAfter(AwaitRecord delay) {
        UUID id = UUID.fromString(delay.awaitId());
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits() ^ 1L).toString();
    }

    /**
     * Handles an await whose timeout passed, by its timeout action; a {@code RETRY} await that has
     * used up its {@link AwaitSpec#timeoutRetries()} fails the step instead.
     */
    void timeOut(AwaitRecord await) {
        if (closedAsRunEnded(await, continuation::finishStoppedRestart).isPresent()) {
            return;
        }
        Instant now = clock.instant();
        // Only at the timeout read: one an operator moved since (moveTimeout) waits for its new time.
        Optional<AwaitRecord> closed = scheduling.timeOutAwait(await.awaitId(), await.timeoutAt().orElseThrow(), now);
        if (closed.isEmpty()) {
            return;
        }
        cancelTimer(await.awaitId());
        FlowDefinition flow = registry.require(await.flow());
        StepDefinition step = Orchestration.stepOf(flow, await.step());
        boolean retrying = await.timeoutAction() == TimeoutAction.RETRY;
        int timeouts = retrying ? timeoutsSinceStepBegan(await) : 0;
        int retries = step.await(await.position()).map(AwaitSpec::timeoutRetries).orElse(0);
        // Past its bound a RETRY await fails the step: an await nobody answers must not keep the run open for ever.
        boolean exhausted = retrying && timeouts > retries;
        TimeoutAction taken = exhausted ? TimeoutAction.FAIL : await.timeoutAction();
        JsonText timeoutData = JsonText.object().str("awaitId", await.awaitId())
                .str("position", await.position().wireName()).str("action", taken.name().toLowerCase());
        if (taken == TimeoutAction.RETRY) {
            timeoutData.num("retry", timeouts);
        }
        if (retrying) {
            timeoutData.num("retries", retries);
        }
        String eventData = timeoutData.str("registeredAt", await.registeredAt().toString())
                .str("timedOutAt", now.toString()).build();
        String failure = "await " + await.type().name().toLowerCase() + " " + await.position().wireName()
                + " step '" + await.step() + "' timed out " + (exhausted
                        ? timeouts + " times (registered again " + (timeouts - 1) + " times); last after " : "after ")
                + Duration.between(await.registeredAt(), now).toMillis() + " ms";
        Pending pending = new Pending();
        Optional<StoredChange> change = writeWithAwaits(pending, run -> {
            pending.reset();
            if (run.status().isTerminal() || run.steps().get(await.step()) != StepStatus.AWAITING) {
                return Optional.empty();
            }
            List<EventDraft> events = new ArrayList<>();
            events.add(EventDraft.ofStep(EventType.AWAIT_TIMEOUT, await.step(), 0, now, eventData));
            switch (taken) {
                case CONTINUE:
                    return Optional.of(pending.release(this, json.runEmittedLimit(), flow, run, await, events, now));
                case RETRY:
                    // Waiting for the same answer: the run's last result may be another step's by now.
                    AwaitRecord again = newAwait(run, step, await.position(), now, await.held(),
                            await.filterValue());
                    pending.awaits.add(again);
                    events.add(registeredEvent(again));
                    return Optional.of(new RunChange(run, events));
                case FAIL:
                default:
                    return Optional.of(pending.fail(run, await, failure, events, now));
            }
        }, mutation -> store.updateRun(await.runId(), mutation));
        change.ifPresent(c -> continuation.afterChange(flow.name(), c, pending));
        fireHook(new AwaitTimedOut(closed.get().toInfo(), taken));
    }

    /**
     * How many awaits of this await's step and position have timed out since the step last began
     * anew, this one included. A {@code step.retry} entry (an operator's retry, a queue retry)
     * precedes every await registered for the step after it, so only awaits registered since the
     * step's newest one count: a retried step gets a fresh budget of timeout retries.
     */
    private int timeoutsSinceStepBegan(AwaitRecord await) {
        Instant since = history.latestEntryOfStep(await.runId(), EventType.STEP_RETRY, await.step())
                .map(HistoryEvent::timestamp).orElse(Instant.MIN);
        return (int) scheduling.awaitsOfRun(await.runId()).stream()
                .filter(a -> a.step().equals(await.step()) && a.position() == await.position()
                        && a.status() == AwaitStatus.TIMED_OUT && !a.registeredAt().isBefore(since))
                .count();
    }

    /**
     * Resolves a time or schedule await whose moment has come, or times out one whose timeout passed;
     * leaves one whose step or flow this deployment lacks waiting, for a deployment that has it.
     */
    void handleDue(AwaitRecord await, Instant now) {
        Optional<String> lacking = StepWaits.notDeployed(registry, await.flow(), await.step());
        if (lacking.isPresent()) {
            if (dueAwaitsNotDeployed.add(await.awaitId())) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0163 await " + await.awaitId() + " of run '"
                        + await.runId() + "' (step '" + await.step() + "' of flow '" + await.flow() + "') is due, but "
                        + lacking.get() + ": it stays waiting, and the sweep resolves or times it out once a "
                        + "deployment with the step does (another instance of a rolling deploy, or a redeploy)");
            }
            return;
        }
        if (await.resolveAt().map(t -> !t.isAfter(now)).orElse(false)) {
            String data = await.type() == AwaitType.SCHEDULE
                    ? JsonText.object().str("scheduledAt", await.resolveAt().get().toString()).build() : "{}";
            resolve(await, data, AwaitStatus.RESOLVED);
        } else if (await.timeoutAt().map(t -> !t.isAfter(now)).orElse(false)) {
            // An operator may have moved its timeout since the sweep read it (moveTimeout): the timeout the store
            // holds now decides, so a timeout moved later never fires at its old time.
            scheduling.findAwait(await.awaitId()).filter(stored -> isPastTimeout(stored, now)).ifPresent(this::timeOut);
        }
    }

    /** What {@link #moveTimeout} did: the await as it waits now, and the entry it added to its run's history. */
    record MovedTimeout(AwaitInfo await, List<HistoryEvent> entries) {
    }

    /**
     * An await's timeout as every store keeps it: PostgreSQL and H2 keep microseconds (the JPA store rounds what it is
     * given to them, half up), the memory store nanoseconds. Every timeout set, at an await's registration as by a
     * move, is cut here, once, so that the store, the answer, the history and the log hold the very same instant: a
     * timeout read back later, or moved from what was read, is the one the history recorded.
     */
    static Instant storedTimeout(Instant timeoutAt) {
        return timeoutAt.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /** How often {@link #moveTimeout} reads the await again after another change of its timeout won. */
    private static final int TIMEOUT_MOVE_ATTEMPTS = 5;

    /** See {@link io.nvent.FlowService#moveAwaitTimeout}. */
    MovedTimeout moveTimeout(String awaitId, Instant requested) {
        Objects.requireNonNull(awaitId, "awaitId");
        Objects.requireNonNull(requested, "timeoutAt");
        Instant timeoutAt = storedTimeout(requested);
        Instant now = clock.instant();
        if (timeoutAt.isBefore(now.minus(io.nvent.FlowService.AWAIT_TIMEOUT_MOVE_TOLERANCE))) {
            throw new IllegalArgumentException("NVENT-0457 the new timeout of await " + awaitId + ", " + timeoutAt
                    + ", lies before now (" + now + ") by more than a minute: give a time ahead (now, or within a"
                    + " minute before it, times the await out at once); nothing changed");
        }
        if (timeoutAt.isAfter(now.plus(io.nvent.FlowService.LONGEST_AWAIT_TIMEOUT_MOVE))) {
            throw new IllegalArgumentException("NVENT-0457 the new timeout of await " + awaitId + ", " + timeoutAt
                    + ", lies more than 366 days after now (" + now + "): give a time within 366 days (move it again"
                    + " later if it needs more); nothing changed");
        }
        if (!scheduling.movesAwaitTimeouts()) {
            throw new io.nvent.UnsupportedByAdapterException("NVENT-0459 the scheduling store "
                    + scheduling.getClass().getName() + " moves no await timeouts (SchedulingStore.movesAwaitTimeouts"
                    + " is false: written before it): resolve await " + awaitId + " instead, or let it time out and"
                    + " retry its step; nothing changed");
        }
        for (int attempt = 1; attempt <= TIMEOUT_MOVE_ATTEMPTS; attempt++) {
            AwaitRecord await = scheduling.findAwait(awaitId).orElseThrow(() -> new AwaitNotFoundException("with id "
                    + awaitId));
            List<RunRecord> run = new ArrayList<>(1);
            Optional<RunStatus> ended = closedAsRunEnded(await, run::add);
            Optional<String> refusal = ended.map(status -> "its run is " + status.wireName() + " (ended)")
                    .or(() -> Optional.of("it is " + await.status().wireName() + ", no longer waiting")
                            .filter(why -> await.status() != AwaitStatus.WAITING))
                    .or(() -> Optional.of("it has no timeout (a " + await.type().name().toLowerCase() + " await"
                            + " without timeoutMs)").filter(why -> await.timeoutAt().isEmpty()))
                    .or(() -> Optional.of("it timed out at " + await.timeoutAt().orElseThrow() + " already (the"
                            + " maintenance sweep applies its timeout action)").filter(why -> isPastTimeout(await, now)));
            if (refusal.isPresent()) {
                RunStatus status = ended.or(() -> run.stream().findFirst().map(RunRecord::status))
                        .orElse(RunStatus.AWAITING);
                throw new IllegalRunTransitionException(await.runId(), status, "move the timeout of await "
                        + awaitId + ": NVENT-0458 " + refusal.get() + "; nothing changed");
            }
            Instant from = await.timeoutAt().orElseThrow();
            if (scheduling.moveAwaitTimeout(awaitId, from, timeoutAt)) {
                String data = JsonText.object().str("awaitId", awaitId).str("position", await.position().wireName())
                        .str("type", await.type().name().toLowerCase()).str("from", from.toString())
                        .str("to", timeoutAt.toString()).build();
                List<HistoryEvent> entries = store.appendEvents(await.runId(), List.of(EventDraft.ofStep(
                        EventType.AWAIT_TIMEOUT_MOVED, await.step(), 0, now, OperatorScope.stamp(data))));
                AwaitRecord moved = new AwaitRecord(await.awaitId(), await.token(), await.runId(), await.flow(),
                        await.step(), await.position(), await.type(), await.status(), await.registeredAt(),
                        await.resolveAt(), Optional.of(timeoutAt), await.timeoutAction(), await.event(),
                        await.filterValue(), await.held(), await.data(), await.closedAt(), await.concurrencyLimit());
                return new MovedTimeout(moved.toInfo(), entries);
            }
        }
        throw new io.nvent.ConcurrentRunModificationException(scheduling.findAwait(awaitId).map(AwaitRecord::runId)
                .orElse("?"), TIMEOUT_MOVE_ATTEMPTS);
    }

    /** {@return how many due awaits this deployment leaves waiting as it lacks their step or flow} */
    int dueAwaitsNotDeployed() {
        return dueAwaitsNotDeployed.size();
    }

    /** Forgets the awaits of {@link #dueAwaitsNotDeployed()} no longer due and waiting (another instance closed them). */
    void keepDueAwaitsNotDeployed(List<AwaitRecord> due) {
        dueAwaitsNotDeployed.retainAll(due.stream().map(AwaitRecord::awaitId).collect(Collectors.toSet()));
    }

    private boolean matchesFilter(AwaitRecord await, String payloadJson) {
        if (await.filterValue().isEmpty()) {
            return true;
        }
        String filter = await.filterValue().get();
        int eq = filter.indexOf('=');
        String key = filter.substring(0, eq);
        String expected = filter.substring(eq + 1);
        if (expected.equals("null")) {
            // The run's input has no value under the key: no event is its event. It resolves by its
            // timeout or by an operator, not by the first event that lacks the key too.
            return false;
        }
        // By value, as idempotency keys and trigger filters compare: a result's 7 is an event's 7.0.
        return topLevelField(payloadJson, key).map(v -> JsonMatch.sameValue(v, JsonMatch.read(expected)))
                .orElse(false);
    }

    private static Optional<JsonValue> topLevelField(String jsonText, String key) {
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(jsonText))) {
            JsonValue value = reader.readValue();
            if (value instanceof JsonObject object && object.containsKey(key)) {
                return Optional.of(object.get(key));
            }
        } catch (RuntimeException notAnObject) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    AwaitRecord newAwait(RunRecord run, StepDefinition step, AwaitPosition position, Instant now,
                         String held) {
        Optional<String> filterValue = step.await(position).orElseThrow().filterKey().map(key -> key + "="
                + stepDataField(run, step, position, key).map(JsonValue::toString).orElse("null"));
        return newAwait(run, step, position, now, held, filterValue);
    }

    private AwaitRecord newAwait(RunRecord run, StepDefinition step, AwaitPosition position, Instant now,
                                 String held, Optional<String> filterValue) {
        AwaitSpec spec = step.await(position).orElseThrow();
        Optional<Instant> resolveAt = switch (spec.type()) {
            case TIME -> Optional.of(now.plus(spec.delay()));
            case SCHEDULE -> Cron.parse(spec.cron().orElseThrow()).nextAfter(now, spec.timezone());
            default -> Optional.empty();
        };
        Optional<Instant> timeoutAt = spec.timeout().map(now::plus).map(AwaitResolution::storedTimeout);
        return new AwaitRecord(UUID.randomUUID().toString(), newToken(), run.runId(), run.flow(), step.name(), position,
                spec.type(), AwaitStatus.WAITING, now, resolveAt, timeoutAt, spec.timeoutAction(),
                spec.event(), filterValue, held, Optional.empty(), Optional.empty());
    }

    /**
     * The value of a top-level field of a step's data: from the step's own data where it has the
     * field (after the step, its result; before a step that subscribes to events, their payloads in
     * the order it names them), else from the run's input. What an event await's events must carry
     * under its key (a step that asked a partner for something awaits the answer to its own request,
     * not to the run's), and the group of a rate limit kept per group.
     */
    static Optional<JsonValue> stepDataField(RunRecord run, StepDefinition step, AwaitPosition position, String key) {
        List<String> own = new ArrayList<>();
        if (position == AwaitPosition.AFTER) {
            run.result().ifPresent(own::add);
        } else {
            step.subscribes().stream().map(run.emitted()::get).filter(Objects::nonNull).forEach(own::add);
        }
        own.add(run.input());
        // A field that is null names nothing to wait for: the next source may.
        return own.stream().map(json -> topLevelField(json, key)).flatMap(Optional::stream)
                .filter(value -> value.getValueType() != JsonValue.ValueType.NULL).findFirst();
    }

    /** The time await of a delayed start: no timeout, as it resolves by itself. */
    static AwaitRecord delayedStart(RunRecord run, StepDefinition first, Instant now, Duration delay) {
        return new AwaitRecord(UUID.randomUUID().toString(), newToken(), run.runId(), run.flow(), first.name(),
                AwaitPosition.BEFORE, AwaitType.TIME, AwaitStatus.WAITING, now, Optional.of(now.plus(delay)),
                Optional.empty(), TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(),
                Optional.empty());
    }

    /**
     * The time await of a start delayed with a concurrency key: as {@link #delayedStart}, and carrying the key,
     * which the run does not hold while it waits; once it resolves, the run waits for the key
     * ({@link #joinConcurrencyKeyLine}). Its id sorts in the order the awaits were made, as a concurrency key's
     * await's does.
     */
    static AwaitRecord delayedStartWithKey(RunRecord run, StepDefinition first, Instant now, Duration delay) {
        return new AwaitRecord(OrderedIds.next(), newToken(), run.runId(), run.flow(), first.name(),
                AwaitPosition.BEFORE, AwaitType.TIME, AwaitStatus.WAITING, now, Optional.of(now.plus(delay)),
                Optional.empty(), TimeoutAction.FAIL, run.concurrencyKey(), Optional.empty(), "[]", Optional.empty(),
                Optional.empty(), run.concurrencyLimit());
    }

    /**
     * A run's await of its turn under its concurrency key, carrying its limit. Its id sorts in the order the awaits
     * were made: waiters that began waiting at one instant get the key in the order they began waiting.
     */
    static AwaitRecord concurrencyKeyAwait(RunRecord run, String step, Instant now) {
        return new AwaitRecord(OrderedIds.next(), newToken(), run.runId(), run.flow(), step,
                AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, now, Optional.empty(),
                Optional.empty(), TimeoutAction.FAIL, Optional.of(run.concurrencyKey().orElseThrow()), Optional.empty(),
                "[]", Optional.empty(), Optional.empty(), run.concurrencyLimit());
    }

    /**
     * Lets the store settle who holds the key ({@link SchedulingStore#settleConcurrencyKeyHolders}: one run, or up to
     * the smallest limit among the head of the line and the holders) and lets the holders that still wait for the
     * key go on: an await resolves, its step is queued (or waits for its own await). Safe to call any time, on any
     * instance: only one caller resolves an await.
     */
    void settleConcurrencyKey(String key) {
        settleConcurrencyKey(key, false, Optional.empty());
    }

    /**
     * The holders are asked from the one that got the key last, which is the one most likely still to wait, and
     * (unless {@code everyHolder}) only until one that went on already: those before it got the key earlier, and the
     * settle that let them in let them go on. Else every start and end of a run of a limit-N key would read the
     * awaits of N holders. The sweep asks every holder: it lets on one left waiting by an instance that failed
     * between letting it in and resolving its await.
     */
    private void settleConcurrencyKey(String key, boolean everyHolder, Optional<String> startNotYetTold) {
        List<String> holders = scheduling.settleConcurrencyKeyHolders(store, key, clock.instant());
        for (int i = holders.size() - 1; i >= 0; i--) {
            if (startNotYetTold.filter(holders.get(i)::equals).isEmpty() && !letHolderGoOn(key, holders.get(i))
                    && !everyHolder) {
                return;
            }
        }
    }

    /** Lets a holder go on if it still waits for the key; whether it still waited (or waits for its delay). */
    private boolean letHolderGoOn(String key, String holder) {
        String data = JsonText.object().str("concurrencyKey", key).build();
        List<AwaitRecord> awaits = scheduling.awaitsOfRun(holder);
        if (awaits.stream().anyMatch(a -> isDelayedStartWithKey(a) && a.status() == AwaitStatus.WAITING)) {
            // Its await for the key was saved, and then the store failed to close its delay: it keeps the key, and
            // the sweep, ending the delay, records that end and lets it go on (joinConcurrencyKeyLine).
            return true;
        }
        boolean waited = false;
        for (AwaitRecord await : awaits) {
            if (await.type() == AwaitType.CONCURRENCY_KEY && await.status() == AwaitStatus.WAITING
                    && await.event().filter(key::equals).isPresent()) {
                resolve(await, data, AwaitStatus.RESOLVED);
                waited = true;
            }
        }
        return waited;
    }

    /**
     * Settles the key a run of a skipping trigger's fire just stored as waiting for it waits for, and tells which other
     * run holds it then: the store, settling the key's claims one after the other on every instance, lets hold it the
     * run that waited longest, so of the fires of one key that raced past their first look at what was under way, one
     * gets it. Does not let the holder go on ({@link #settleConcurrencyKeyOfWaiter} does, once its start is told). A
     * store failing now leaves the run waiting, as {@link #settleConcurrencyKeyOfWaiter} does (NVENT-0452): the fire
     * starts its run, which waits its turn.
     *
     * <p>A holder that ended (canceled) while a step of it still runs keeps the key until that step ends, but is not
     * under way: the fire is not skipped for it. Its run waits for that step, if its claim is the first the store
     * admitted to the key's line ({@link SchedulingStore#claimConcurrencyKeyLine}; the fires of other instances racing
     * it are then skipped for it); else it is skipped for the run whose claim was. A store that keeps no order of
     * claims leaves that to the run that began waiting first, by its instance's clock.
     *
     * @return the run under way holding the key, or waiting for it longer, if the run does not hold it; empty if it
     *     does, if it is the next to get it from an ended holder, or if nothing was decided
     */
    Optional<String> otherHolderOfKey(String runId, String key) {
        Optional<ConcurrencyKeyClaim> claim = claimed(runId, key);
        if (claim.isEmpty() || claim.get().holders().contains(runId) || claim.get().holders().isEmpty()) {
            return Optional.empty();
        }
        List<String> holders = claim.get().holders();
        Optional<String> underWay = holders.stream().filter(this::underWay).findFirst();
        if (underWay.isPresent()) {
            return underWay;
        }
        // Every holder ended, a step of it still running: the run whose claim the store admitted first waits for that
        // step; a store that keeps no order of claims leaves it to the head of the key's line, by the instances' clocks.
        if (scheduling.keepsConcurrencyKeyClaims()) {
            return claim.get().claimedBefore().stream().filter(run -> !holders.contains(run)).filter(this::underWay)
                    .findFirst();
        }
        return lineOfKey(key).stream().filter(run -> run.equals(runId) || underWay(run)).findFirst()
                .filter(head -> !head.equals(runId));
    }

    /**
     * Settles the key a run of a buffering trigger's fire ({@link io.nvent.Overlap#BUFFER_ONE}) just stored as waiting
     * for it waits for, and tells which other run of the same flow waits for the key ahead of it, not holding it: the
     * one run the policy lets wait. Of the fires of one key that raced past their first look at what was under way
     * on several instances, the one whose claim the store admitted first to the key's line keeps it
     * ({@link SchedulingStore#claimConcurrencyKeyLine}, one after the other, whatever the instances' clocks); the
     * others are skipped for it. A store failing now leaves the run waiting (NVENT-0452). A store that keeps no order
     * of claims leaves it to the run that began waiting first by its instance's clock: a run stored after this read
     * that began waiting earlier keeps waiting too, as the README says.
     *
     * @return the run of the flow waiting ahead of it; empty if none does (the run waits, or holds the key)
     */
    Optional<String> otherWaiterOfKey(String runId, String key, String flow) {
        Optional<ConcurrencyKeyClaim> claim = claimed(runId, key);
        if (claim.isEmpty() || claim.get().holders().contains(runId)) {
            return Optional.empty();
        }
        List<String> holders = claim.get().holders();
        List<String> ahead = scheduling.keepsConcurrencyKeyClaims() ? claim.get().claimedBefore()
                : lineOfKey(key).stream().takeWhile(run -> !run.equals(runId)).toList();
        return ahead.stream().filter(run -> !holders.contains(run))
                .filter(run -> store.findRun(run).filter(r -> !r.status().isTerminal() && r.flow().equals(flow))
                        .isPresent())
                .findFirst();
    }

    /**
     * The runs under way whose claims to the key's line the store admitted before the run's
     * ({@link SchedulingStore#claimConcurrencyKeyLine}), still waiting for the key or holding it: those of the fires of
     * a trigger with overlap {@link io.nvent.Overlap#CANCEL_OTHER} that raced this run's fire on other instances, which
     * it cancels as it would have had it come after them on one instance. Empty for a store that keeps no order of
     * claims, or if the store failed (NVENT-0452: the run then waits its turn behind them).
     */
    List<String> claimedBeforeOfKey(String runId, String key) {
        if (!scheduling.keepsConcurrencyKeyClaims()) {
            return List.of();
        }
        return claimed(runId, key).map(ConcurrencyKeyClaim::claimedBefore).orElse(List.of()).stream()
                .filter(this::underWay).toList();
    }

    /**
     * The key's holders once settled and, where the store keeps an order of claims, the runs it admitted to the key's
     * line before the run ({@link SchedulingStore#claimConcurrencyKeyLine}); empty if the store failed (NVENT-0452):
     * the run then waits its turn.
     */
    private Optional<ConcurrencyKeyClaim> claimed(String runId, String key) {
        try {
            return Optional.of(scheduling.keepsConcurrencyKeyClaims()
                    ? scheduling.claimConcurrencyKeyLine(store, key, runId, clock.instant())
                    : new ConcurrencyKeyClaim(scheduling.settleConcurrencyKeyHolders(store, key, clock.instant()),
                            List.of()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0452 run " + runId + " of a fire of a trigger with overlap skip,"
                    + " buffer-one or cancel-other waits for concurrency key '" + key + "', which could not be settled"
                    + " now: " + e + "; it is not skipped (nor cancels the runs of fires racing it on other"
                    + " instances), and waits its turn behind a run under way with the key, if any (the maintenance sweep settles"
                    + " the key within seconds)");
            return Optional.empty();
        }
    }

    /** The runs waiting for the key, the one the store lets hold it next first ({@link SchedulingStore#settleConcurrencyKey}). */
    private List<String> lineOfKey(String key) {
        return scheduling.waitingForEvent(key).stream()
                .filter(a -> a.type() == AwaitType.CONCURRENCY_KEY && a.status() == AwaitStatus.WAITING)
                .sorted(Comparator.comparing(AwaitRecord::registeredAt).thenComparing(AwaitRecord::awaitId))
                .map(AwaitRecord::runId).toList();
    }

    private boolean underWay(String runId) {
        return store.findRun(runId).filter(run -> !run.status().isTerminal()).isPresent();
    }

    /**
     * Takes a run of a skipping trigger's fire that lost the key ({@link #otherHolderOfKey}) out of the key's line:
     * closes its await for the key, which only one caller wins. Won, nothing lets the run go on any more; lost, the
     * holder ended meanwhile and a settle let the run hold the key and go on (its step may already run).
     *
     * @return whether the run left the line; {@code false} if it holds the key and goes on
     */
    boolean leftConcurrencyKeyLine(String runId, String key) {
        boolean left = false;
        for (AwaitRecord await : scheduling.awaitsOfRun(runId)) {
            if (await.type() == AwaitType.CONCURRENCY_KEY && await.status() == AwaitStatus.WAITING
                    && await.event().filter(key::equals).isPresent()) {
                left |= closeAwait(await.awaitId(), AwaitStatus.CANCELED, Optional.empty(), clock.instant()).isPresent();
            }
        }
        return left;
    }

    /**
     * Settles the key a run just stored as waiting for it (a start, a retry) waits for. The run is stored: a store
     * that fails now must not make the start (retry) fail, which its caller would repeat, starting a second run.
     * The sweep settles the key instead: it finds it waited for and held by none, or its holder still waiting.
     */
    void settleConcurrencyKeyOfWaiter(String runId, String key) {
        try {
            settleConcurrencyKey(key);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0563 run " + runId + " waits for concurrency key '" + key
                    + "', which could not be settled now; the maintenance sweep settles it within seconds", e);
        }
    }

    /**
     * Hands on the concurrency key of a run that ended; the sweep does it if this fails. The store keeps the key
     * with the run while a step of it still holds its lease: then the end of that step hands it on
     * ({@link #handOnConcurrencyKeyIfEnded}).
     */
    void handOnConcurrencyKey(RunRecord ended) {
        ended.concurrencyKey().ifPresent(key -> handOnConcurrencyKey(ended.runId(), key));
    }

    private void handOnConcurrencyKey(String runId, String key) {
        handOnConcurrencyKey(runId, key, Optional.empty());
    }

    /**
     * Hands on the concurrency key of a run of a trigger's fire removed for another run ({@link #otherHolderOfKey},
     * {@link #otherWaiterOfKey}); the sweep does it if this fails (NVENT-0560). The run it lost to is not let go on
     * here: that may be the run of a fire on another instance that has not told its start yet, and goes on once it has.
     */
    void handOnConcurrencyKeyOfRemoved(String runId, String key, String lostTo) {
        handOnConcurrencyKey(runId, key, Optional.of(lostTo));
    }

    private void handOnConcurrencyKey(String runId, String key, Optional<String> startNotYetTold) {
        try {
            settleConcurrencyKey(key, false, startNotYetTold);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0560 could not hand on the concurrency key of run "
                    + runId + ", which " + (startNotYetTold.isPresent() ? "was removed" : "ended")
                    + "; the maintenance sweep hands it on", e);
        }
    }

    /**
     * After a step of a run with a concurrency key ended here (its lease given up): if the run ended meanwhile
     * (canceled, failed or deleted while the step ran), the store kept the key with it for that step, and hands
     * it on now. One read of the run per step, for runs with a key only.
     */
    void handOnConcurrencyKeyIfEnded(String runId, String key) {
        boolean ended;
        try {
            ended = store.findRun(runId).filter(run -> !run.status().isTerminal()).isEmpty();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "run {0}: not read after its step ended; the maintenance sweep hands"
                    + " on its concurrency key if it ended: {1}", runId, e);
            return;
        }
        if (ended) {
            handOnConcurrencyKey(runId, key);
        }
    }

    /** Settles the keys the store finds held by an ended run, or waited for and held by none (the sweep). */
    void settleUnsettledConcurrencyKeys(int limit) {
        for (String key : scheduling.unsettledConcurrencyKeys(store, limit)) {
            settleConcurrencyKey(key, true, Optional.empty());
        }
    }

    private static String newToken() {
        byte[] token = new byte[24];
        RANDOM.nextBytes(token);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    EventDraft registeredEvent(AwaitRecord await) {
        return EventDraft.ofStep(EventType.AWAIT_REGISTERED, await.step(), 0, await.registeredAt(),
                registeredData(await).build());
    }

    private static JsonText registeredData(AwaitRecord await) {
        JsonText data = JsonText.object().str("awaitId", await.awaitId())
                .str("position", await.position().wireName()).str("type", await.type().name().toLowerCase())
                .str("timeoutAction", await.timeoutAction().name().toLowerCase());
        await.resolveAt().ifPresent(t -> data.str("resolveAt", t.toString()));
        await.timeoutAt().ifPresent(t -> data.str("timeoutAt", t.toString()));
        await.event().ifPresent(e -> data.str(await.type() == AwaitType.EVENT ? "event" : "concurrencyKey", e));
        if (await.concurrencyLimit() > 1) {
            data.num("concurrencyLimit", await.concurrencyLimit());
        }
        await.filterValue().ifPresent(filter -> {
            int eq = filter.indexOf('=');
            data.raw("match", JsonText.object().raw(filter.substring(0, eq), filter.substring(eq + 1)).build());
        });
        return data;
    }

    /**
     * Closes as canceled a waiting await whose run ended, and says how it ended; empty (and nothing
     * closed) while the run goes on. An await registered while its run was canceled, failed or
     * completed elsewhere must not resume anything: neither its resolution nor its timeout action.
     * A canceled await is looked at too, so that its caller learns that it was its run that ended.
     */
    private Optional<RunStatus> closedAsRunEnded(AwaitRecord await) {
        return closedAsRunEnded(await, run -> { });
    }

    /**
     * {@link #closedAsRunEnded(AwaitRecord)}, handing the run read to {@code goingOn} while it goes on and the
     * await waits: one read of the run for both.
     */
    private Optional<RunStatus> closedAsRunEnded(AwaitRecord await, Consumer<RunRecord> goingOn) {
        if (await.status() != AwaitStatus.WAITING && await.status() != AwaitStatus.CANCELED) {
            return Optional.empty();
        }
        Optional<RunRecord> run = store.findRun(await.runId());
        Optional<RunStatus> ended = run.map(RunRecord::status).filter(RunStatus::isTerminal);
        if (ended.isEmpty() && await.status() == AwaitStatus.WAITING) {
            run.ifPresent(goingOn);
        }
        ended.filter(status -> await.status() == AwaitStatus.WAITING).ifPresent(status -> {
            closeAwait(await.awaitId(), AwaitStatus.CANCELED, Optional.empty(), clock.instant());
            LOG.log(System.Logger.Level.DEBUG, () -> "await " + await.awaitId() + " of run " + await.runId()
                    + " closed: the run is " + status.wireName());
        });
        return ended;
    }

    /**
     * Saves awaits registered with a change of their run, unless the run ended meanwhile (a cancel,
     * say, on another instance between the change and this save). The run is read before the save
     * and again after it, which closes an await whose run's end came in between: the end's own
     * closing of the run's awaits ({@link #closeAwaitsOf}) may have run before the await existed.
     */
    void saveAwaits(List<AwaitRecord> awaits) {
        saveAwaits(awaits, false);
    }

    /**
     * {@link #saveAwaits} for the awaits a start itself registers (a delayed start's, a keyed start's), without what
     * follows their save ({@link #registeredAtStart}): one the store refuses is thrown to the start, which has a caller
     * to tell, instead of failing the run or saved again later.
     *
     * @return whether they were saved (not if the run ended meanwhile)
     */
    boolean saveAwaitsOfStart(List<AwaitRecord> awaits) {
        return saveAwaits(awaits, true);
    }

    /**
     * Follows up a change {@link #writeWithAwaits} stored failing the step of a refused await, for a caller that does
     * not follow its changes up itself (an operator's retry): as every step failed at its await, logged as failed for
     * good too.
     */
    void failedInstead(String flow, StoredChange change, Pending pending) {
        continuation.afterChange(flow, change, pending);
    }

    /** What follows the save of awaits together with the change of their run ({@link #writeWithAwaits}). */
    void savedWithChange(List<AwaitRecord> awaits) {
        awaits.forEach(this::registered);
    }

    /** Whether the stores save a change's awaits in the change's transaction; asked once, on first use. */
    private boolean awaitsWithChanges() {
        Boolean known = awaitsWithChanges;
        if (known == null) {
            known = scheduling.savesAwaitsWithRunChanges(store);
            awaitsWithChanges = known;
        }
        return known;
    }

    /**
     * Stores a change of a run through {@code write} (an update of the run, a step's finish) with the awaits its
     * mutation began ({@link Pending#awaits}) in the same transaction, where the stores can
     * ({@link SchedulingStore#savesAwaitsWithRunChanges}): the run is never stored awaiting without its await, so no
     * instance stopping in between leaves it so. An await the store refuses for its own sake refuses the change,
     * which leaves nothing stored; the change is then stored again failing the await's step instead
     * ({@code NVENT-0025}), with the entries the change would have had, as when the await's own save was refused
     * after the change. With other stores the change is written alone and its awaits after it
     * ({@link ChangeFollowUp#afterChange}).
     */
    Optional<StoredChange> writeWithAwaits(Pending pending, RunMutation mutation,
                                           Function<RunMutation, Optional<StoredChange>> write) {
        return writeWithAwaits(pending, mutation, write, write);
    }

    /**
     * {@link #writeWithAwaits(Pending, RunMutation, Function)}, storing the change that fails the refused await's step
     * through {@code rewrite}: a step's finish gave its lease up with the refused write, so the failure is an update of
     * its run.
     */
    Optional<StoredChange> writeWithAwaits(Pending pending, RunMutation mutation,
                                           Function<RunMutation, Optional<StoredChange>> write,
                                           Function<RunMutation, Optional<StoredChange>> rewrite) {
        if (!awaitsWithChanges()) {
            return write.apply(mutation);
        }
        Optional<StoredChange> change;
        try {
            change = write.apply(run -> mutation.apply(run).map(c -> c.withAwaits(pending.awaits)));
        } catch (AwaitNotSavedException refused) {
            change = writeFailingRefused(pending, mutation, refused, rewrite);
        }
        pending.awaitsSaved = change.isPresent();
        return change;
    }

    /**
     * The change whose await the store refused ({@link #writeWithAwaits}), stored failing the step of that await: the
     * run fails with it, and none of the change's awaits is saved (a failed run resumes nothing). Should the change now
     * begin no such await (the run changed since), it is stored with its awaits as it is.
     */
    private Optional<StoredChange> writeFailingRefused(Pending pending, RunMutation mutation,
                                                       AwaitNotSavedException refused,
                                                       Function<RunMutation, Optional<StoredChange>> write) {
        AwaitRecord await = refused.await();
        String why = refusalReason(await, refused.refusal());
        Instant now = clock.instant();
        Optional<StoredChange> change = write.apply(run -> mutation.apply(run).map(c -> {
            Optional<AwaitRecord> again = pending.awaits.stream().filter(begun -> begun.step().equals(await.step())
                    && begun.position() == await.position()).findFirst();
            if (again.isEmpty()) {
                return c.withAwaits(pending.awaits);
            }
            pending.awaits.clear();
            pending.ready.clear();
            return pending.fail(c.updated(), again.get(), why, c.events(), now);
        }));
        if (change.isPresent() && pending.failedStep != null) {
            logRefused(await, why, refused.refusal());
        }
        return change;
    }

    /** What follows the save of a start's awaits ({@link #saveAwaitsOfStart}), once the start keeps its run. */
    void registeredAtStart(List<AwaitRecord> awaits) {
        awaits.forEach(this::registered);
    }

    private boolean saveAwaits(List<AwaitRecord> awaits, boolean refusalToCaller) {
        if (awaits.isEmpty()) {
            return false;
        }
        String runId = awaits.get(0).runId();
        if (store.findRun(runId).filter(run -> !run.status().isTerminal()).isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "run " + runId + " ended: its " + awaits.size()
                    + " await(s) are not registered");
            return false;
        }
        for (AwaitRecord await : awaits) {
            if (refusalToCaller) {
                scheduling.saveAwait(await);
            } else {
                saveAwait(await, 1);
            }
        }
        return true;
    }

    /** Saves one await of {@link #saveAwaits}, the {@code attempt}-th time; one the store refuses is handled so. */
    private void saveAwait(AwaitRecord await, int attempt) {
        try {
            scheduling.saveAwait(await);
        } catch (RuntimeException refused) {
            if (!savedAgainLater(await, attempt, refused)) {
                failRefused(await, refused);
            }
            return;
        }
        registered(await);
    }

    /** What follows the save of an await: its timer, its hook, and a children await's first count. */
    private void registered(AwaitRecord await) {
        if (closedAsRunEnded(await).isPresent()) {
            return;
        }
        await.resolveAt().ifPresent(at -> scheduleResolution(await, at));
        Optional<String> url = await.type() == AwaitType.WEBHOOK
                ? Optional.of(webhookBaseUrl + "/api/nvent/awaits/" + await.token()) : Optional.empty();
        fireHook(new AwaitRegistered(await.toInfo(), url));
        if (awaitsRunsBelow(await.type())) {
            // After the save: a child ending from now on finds the await; one that ended before, this count sees.
            resolveIfRunsBelowEnded(await);
        }
    }

    /**
     * An await the store refused because it was away ({@link StepRunner#isStoreUnavailable}), not because of the
     * await, is saved again later, as a failed attempt is retried: after the delay the step's retry policy gives the
     * next attempt, while the step has attempts left, its run awaiting meanwhile. Needs this instance's timers; one
     * that stops before the save leaves the run to the sweep ({@link #failAwaitingStepsWithoutAwait}).
     *
     * @return whether it is saved again later; if not, the refusal fails the step
     */
    private boolean savedAgainLater(AwaitRecord await, int attempt, RuntimeException refused) {
        ClockTimers planner = timers;
        Optional<RetryPolicy> retry = registry.flow(await.flow()).flatMap(flow -> flow.step(await.step()))
                .map(StepDefinition::retry);
        if (planner == null || retry.isEmpty() || attempt >= retry.get().maxAttempts()
                || !StepRunner.isStoreUnavailable(refused)) {
            return false;
        }
        Duration delay = retry.get().delayBefore(attempt + 1);
        LOG.log(System.Logger.Level.WARNING, "NVENT-0036 run " + await.runId() + " of flow '" + await.flow()
                + "', step '" + await.step() + "': the store was away saving the " + await.type().name().toLowerCase()
                + " await " + await.position().wireName() + " the step (" + refused.getMessage() + "); the run stays "
                + "awaiting, and the await is saved again in " + delay + " (attempt " + (attempt + 1) + " of "
                + retry.get().maxAttempts() + ", the step's retry policy)");
        planner.at(clock.instant().plus(delay), () -> {
            boolean stillAwaiting;
            try {
                stillAwaiting = store.findRun(await.runId()).filter(run -> !run.status().isTerminal()
                        && run.steps().get(await.step()) == StepStatus.AWAITING).isPresent();
            } catch (RuntimeException away) {
                if (!savedAgainLater(await, attempt + 1, away)) {
                    failRefused(await, away);
                }
                return;
            }
            if (stillAwaiting) {
                saveAwait(await, attempt + 1);
            }
        });
        return true;
    }

    /**
     * An await the store refused to save (its held events past the store's payload limit, the store away): its run,
     * stored awaiting it already, has nothing that could resume it. The step fails, as at an await's timeout, so the
     * run does not wait for ever and an operator's retry takes it up again (a before-await is waited for again, a
     * step behind its after-await runs again and emits anew: its held events were never delivered).
     */
    private void failRefused(AwaitRecord await, RuntimeException refused) {
        String why = refusalReason(await, refused);
        logRefused(await, why, refused);
        Instant now = clock.instant();
        Pending pending = new Pending();
        try {
            store.updateRun(await.runId(), run -> {
                pending.reset();
                if (run.status().isTerminal() || run.steps().get(await.step()) != StepStatus.AWAITING) {
                    return Optional.empty();
                }
                return Optional.of(pending.fail(run, await, why, List.of(), now));
            }).ifPresent(change -> continuation.afterChange(await.flow(), change, pending));
        } catch (RuntimeException alsoFailed) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0026 run " + await.runId() + " of flow '" + await.flow()
                    + "' stays awaiting at step '" + await.step() + "' with no await that could resume it: "
                    + "failing the step failed too (" + alsoFailed.getMessage() + "); cancel the run and start it "
                    + "again", alsoFailed);
        }
    }

    /** Why the step of an await the store refused fails, and what to do: the run's error. */
    private static String refusalReason(AwaitRecord await, RuntimeException refused) {
        return "the store refused to save the " + await.type().name().toLowerCase() + " await "
                + await.position().wireName() + " step '" + await.step() + "': " + refused.getMessage()
                + (refused instanceof InvalidPayloadException
                        ? "; raise nvent.store.max-payload-bytes or emit less, then retry the step"
                        : "; retry the step once the store is back");
    }

    private static void logRefused(AwaitRecord await, String why, RuntimeException refused) {
        LOG.log(System.Logger.Level.WARNING, "NVENT-0025 run " + await.runId() + " of flow '" + await.flow()
                + "', step '" + await.step() + "': " + why + "; the step fails", refused);
    }

    /**
     * Fails, once across instances, the steps left {@code awaiting} with no await that could resume them: an await the
     * store refused whose step's failure could not be stored either ({@code NVENT-0026}, the store away), an instance
     * that stopped between storing its run's change and saving the await (two writes: the run first), or any other
     * way a run came to wait on nothing. Such a run is a suspect when a look finds it so, and its step fails when a
     * later look, {@code grace} after the first plus the backoffs of the step's retry policy (an await the store was
     * away for is saved again after them, {@link #savedAgainLater}, on whichever instance planned it), finds it
     * unchanged (same version) and still without a waiting await: an await is saved just after the change of its run,
     * so one a moment old is not taken for lost. The failure is stored only if the run is still at the version the
     * look read, so of two instances' sweeps one fails it.
     *
     * @param suspects the suspects of the previous looks (run id to the version and when a look first found it so),
     *     replaced by this look's
     * @param after where among the awaiting runs (newest first) this look starts: after this run, or at the newest
     * @param limit how many awaiting runs one look reads
     * @param grace how long a suspect is left before its step fails, besides its retry policy's backoffs
     * @return where the next look starts
     */
    Optional<RunPosition> failAwaitingStepsWithoutAwait(Map<String, AwaitlessSuspect> suspects,
                                                        Optional<RunPosition> after, int limit, Duration grace) {
        Instant now = clock.instant();
        Map<String, AwaitlessSuspect> previous = new LinkedHashMap<>(suspects);
        suspects.clear();
        previous.forEach((runId, suspect) -> store.findRun(runId).filter(run -> run.version() == suspect.version())
                .ifPresent(run -> stepAwaitingNoAwait(run).ifPresent(step -> {
                    Duration left = grace.plus(awaitSavedAgainWithin(run.flow(), step));
                    if (Duration.between(suspect.since(), now).compareTo(left) >= 0) {
                        failAwaitless(run, step);
                    } else {
                        suspects.put(runId, suspect);
                    }
                })));
        // The store finds them (one query in the memory and JPA stores), not a read of each awaiting run's awaits:
        // a look at 10,000 runs waiting on approvals reads nothing per run. Each one found is checked here all the
        // same, as a store may return one whose await it has after all.
        AwaitlessRuns page = scheduling.runsAwaitingWithoutAwait(store, after, limit);
        for (RunRecord run : page.runs()) {
            if (!previous.containsKey(run.runId()) && stepAwaitingNoAwait(run).isPresent()) {
                suspects.put(run.runId(), new AwaitlessSuspect(run.version(), now));
            }
        }
        return page.next();
    }

    /** A run a look of the sweep found with a step awaiting no await: at which version, and since when. */
    record AwaitlessSuspect(long version, Instant since) {
    }

    /** How long after a refusal {@link #savedAgainLater} may still save the step's await: its backoffs added up. */
    private Duration awaitSavedAgainWithin(String flow, String step) {
        Optional<RetryPolicy> retry = registry.flow(flow).flatMap(f -> f.step(step)).map(StepDefinition::retry);
        Duration within = Duration.ZERO;
        for (int attempt = 2; retry.isPresent() && attempt <= retry.get().maxAttempts(); attempt++) {
            within = within.plus(retry.get().delayBefore(attempt));
        }
        return within;
    }

    /** A step of the run recorded {@code awaiting} for which the store keeps no waiting await; empty if none. */
    private Optional<String> stepAwaitingNoAwait(RunRecord run) {
        if (run.status().isTerminal() || !run.steps().containsValue(StepStatus.AWAITING)) {
            return Optional.empty();
        }
        return AwaitlessSteps.stepAwaitingNoAwait(run, scheduling.awaitsOfRun(run.runId()));
    }

    /** Fails a step found awaiting no await by two looks of the sweep, if its run is still as they read it. */
    private void failAwaitless(RunRecord seen, String step) {
        AwaitPosition position = history.latestEntryOfStep(seen.runId(), EventType.AWAIT_REGISTERED, step)
                .map(entry -> Json.PROVIDER.createReader(new StringReader(entry.data())).readObject())
                .filter(data -> "after".equals(data.getString("position", "before")))
                .map(data -> AwaitPosition.AFTER).orElse(AwaitPosition.BEFORE);
        String why = "the maintenance sweep found step '" + step + "' awaiting with no await that could resume it"
                + " (its instance stopped between storing the run awaiting and saving the await, or the store refused"
                + " the await and then the step's failure too); retry the step";
        Instant now = clock.instant();
        Pending pending = new Pending();
        store.updateRun(seen.runId(), run -> {
            pending.reset();
            if (run.version() != seen.version() || run.steps().get(step) != StepStatus.AWAITING) {
                return Optional.empty();
            }
            return Optional.of(pending.fail(run, step, position, why, List.of(), now));
        }).ifPresent(change -> {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0027 run " + seen.runId() + " of flow '" + seen.flow()
                    + "', step '" + step + "': " + why + "; the step fails");
            continuation.afterChange(seen.flow(), change, pending);
        });
    }

    /**
     * After a run's end was stored: if the run is a child whose parent waits on an await of type
     * {@link AwaitType#CHILDREN}, resolves that await once none of the parent's children is under way; and if an
     * ancestor waits on its descendants ({@link AwaitType#DESCENDANTS}), that one once none below it is
     * ({@link #descendantEnded}). Each child's check comes after its own end committed, so of children ending at once
     * on different instances the last to commit sees none under way (several may: only one resolves the await). A
     * check that fails, or never runs (the instance stopped), is the maintenance sweep's
     * ({@link #resolveAwaitsOnEndedRunsBelow}).
     */
    void childEnded(RunRecord child) {
        if (!stepsAwaiting(registry, AwaitType.CHILDREN).isEmpty()) {
            // The fan-outs of deployments without such a step pay no read per child; an await another deployment on
            // the same store registered is its own sweep's (it has the step, so it sweeps for it).
            String parent = child.parentRunId().orElseThrow();
            try {
                resolveWaitingOfType(parent, AwaitType.CHILDREN);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0590 run " + parent + " may wait for its child runs to"
                        + " end, and could not be checked after its child " + child.runId() + " ended; the"
                        + " maintenance sweep checks it within seconds", e);
            }
        }
        List<String> awaitingDescendants = stepsAwaiting(registry, AwaitType.DESCENDANTS);
        if (!awaitingDescendants.isEmpty()) {
            descendantEnded(child, awaitingDescendants);
        }
    }

    /**
     * Looks up the ended run's ancestors for one waiting on its descendants: through those that ended (read one by
     * one) to the first under way, whose waiting awaits of type {@link AwaitType#DESCENDANTS} it resolves if none
     * below is under way. It goes no further: a run under way is below every ancestor above it, and its own end looks
     * on up. At most {@link #ANCESTOR_WALK_LIMIT} ancestors: an end deeper below the first under way is logged
     * (NVENT-0461) and left to the maintenance sweep, as one whose look fails (NVENT-0462).
     */
    private void descendantEnded(RunRecord ended, List<String> awaitingDescendants) {
        Optional<String> ancestor = ended.parentRunId();
        String last = ended.runId();
        try {
            for (int level = 1; ancestor.isPresent(); level++) {
                if (level > ANCESTOR_WALK_LIMIT) {
                    tooDeepToLookUp(ended, last, ancestor.get());
                    return;
                }
                Optional<RunRecord> run = store.findRun(ancestor.get());
                if (run.isEmpty()) {
                    return; // deleted: nothing above it is reached from here
                }
                if (!run.get().status().isTerminal()) {
                    // A run of a flow without such a step has no such await (one of a step another deployment has
                    // is its own sweep's): the ends of other flows' children read no awaits here.
                    String flow = run.get().flow() + "/";
                    if (awaitingDescendants.stream().anyMatch(step -> step.startsWith(flow))) {
                        resolveWaitingOfType(ancestor.get(), AwaitType.DESCENDANTS);
                    }
                    return;
                }
                last = ancestor.get();
                ancestor = run.get().parentRunId();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0462 the ancestors of run " + ended.runId() + " may wait for"
                    + " their descendant runs to end, and could not be looked at after it ended (at run "
                    + ancestor.orElse(last) + "); the maintenance sweep checks them within seconds", e);
        }
    }

    /**
     * The look up from an ended run stopped at {@link #ANCESTOR_WALK_LIMIT} ancestors, all ended: logged (NVENT-0461)
     * only when the first run under way above them awaits its descendants, whose await the maintenance sweep resolves
     * rather than this end. Whether one does is read only when an await of type {@link AwaitType#DESCENDANTS} waits
     * in the store at all (one read of a single await): then the ancestors above are read one by one, as below the
     * limit (no awaits, no walk down), to the first under way and its awaits, at most {@link #ANCESTOR_LOOK_LIMIT}
     * generations above the ended run (further up the look stops, NVENT-0472 at debug: the sweep resolves the await
     * all the same). A deep chain of ended runs costs that walk only while such an await waits somewhere, and logs
     * only for one above.
     */
    private void tooDeepToLookUp(RunRecord ended, String last, String above) {
        if (scheduling.waitingAwaitsOfType(AwaitType.DESCENDANTS, Optional.empty(), 1).isEmpty()) {
            return;
        }
        Optional<String> ancestor = Optional.of(above);
        for (int level = ANCESTOR_WALK_LIMIT + 1; ancestor.isPresent(); level++) {
            if (level > ANCESTOR_LOOK_LIMIT) {
                String stoppedAt = ancestor.get();
                LOG.log(System.Logger.Level.DEBUG, () -> "NVENT-0472 run " + ended.runId() + " ended below "
                        + ANCESTOR_LOOK_LIMIT + " ancestors that ended: the look up them stopped at run " + stoppedAt
                        + "; a run further up that awaits its descendant runs is resolved by the maintenance sweep"
                        + " (every 5 s, 200 awaits at a time) once nothing below it is under way");
                return;
            }
            Optional<RunRecord> run = store.findRun(ancestor.get());
            if (run.isEmpty()) {
                return; // deleted: nothing above it is reached from here
            }
            if (!run.get().status().isTerminal()) {
                int generations = level;
                scheduling.awaitsOfRun(ancestor.get()).stream()
                        .filter(await -> await.type() == AwaitType.DESCENDANTS && await.status() == AwaitStatus.WAITING)
                        .findFirst().ifPresent(await -> LOG.log(System.Logger.Level.WARNING, "NVENT-0461 run "
                                + ended.runId() + " ended below " + ANCESTOR_WALK_LIMIT + " ancestors that ended: the"
                                + " look up them for one awaiting its descendant runs stopped at run " + last + "; run "
                                + await.runId() + ", " + generations + " generations above run " + ended.runId()
                                + ", awaits its descendant"
                                + " runs (step " + await.flow() + "/" + await.step() + ") and is resolved by the"
                                + " maintenance sweep (every 5 s, 200 awaits at a time) once nothing below it is under"
                                + " way"));
                return;
            }
            ancestor = run.get().parentRunId();
        }
    }

    /** Resolves the run's waiting awaits of the type ({@link #awaitsRunsBelow}) if nothing they wait on is under way. */
    private void resolveWaitingOfType(String runId, AwaitType type) {
        for (AwaitRecord await : scheduling.awaitsOfRun(runId)) {
            if (await.type() == type && await.status() == AwaitStatus.WAITING) {
                resolveIfRunsBelowEnded(await);
            }
        }
    }

    /** Whether awaits of the type wait on the runs below their run: {@link AwaitType#CHILDREN}, or all descendants. */
    static boolean awaitsRunsBelow(AwaitType type) {
        return type == AwaitType.CHILDREN || type == AwaitType.DESCENDANTS;
    }

    /** The counts of the runs an await of the type waits on: the run's descendants, or its children alone. */
    static ChildRunCounts runsBelow(FlowStore store, String runId, AwaitType type) {
        return type == AwaitType.DESCENDANTS ? store.descendantRunCounts(runId) : store.childRunCounts(runId);
    }

    /**
     * Resolves a waiting await of type {@link AwaitType#CHILDREN} if none of its run's children is under way (of
     * type {@link AwaitType#DESCENDANTS}: none of its descendants), with the counts of them by how they ended
     * ({@link #runsBelowEndedData}).
     *
     * @return whether it resolved the await here
     */
    private boolean resolveIfRunsBelowEnded(AwaitRecord await) {
        // Asked on each child's end: whether one is under way reads an index of those alone; counting every child
        // each time would read N² entries for a batch of N. The count comes once, when none is.
        boolean descendants = await.type() == AwaitType.DESCENDANTS;
        if (descendants ? store.hasDescendantRunsUnderWay(await.runId()) : store.hasChildRunsUnderWay(await.runId())) {
            return false;
        }
        ChildRunCounts below = runsBelow(store, await.runId(), await.type());
        return below.underWay() == 0 && resolve(await, runsBelowEndedData(below, descendants), AwaitStatus.RESOLVED);
    }

    /**
     * What resolves an await of type {@link AwaitType#CHILDREN}: the run's children counted by how they ended; of
     * type {@link AwaitType#DESCENDANTS} ({@code descendants}), all the runs below it, the first member saying so.
     */
    static String runsBelowEndedData(ChildRunCounts below, boolean descendants) {
        return JsonText.object().num(descendants ? "descendants" : "children", below.total())
                .num("completed", below.completed()).num("failed", below.failed()).num("canceled", below.canceled())
                .build();
    }

    /**
     * The sweep's backstop for {@link #childEnded}: resolves the waiting awaits of the type ({@link AwaitType#CHILDREN}
     * or {@link AwaitType#DESCENDANTS}) whose run has nothing they wait on under way, reading a page of them from after
     * {@code after} (by id).
     *
     * @return where the next page starts; empty once this page was the last (the next starts from the first)
     */
    Optional<String> resolveAwaitsOnEndedRunsBelow(AwaitType type, Optional<String> after, int limit) {
        if (stepsAwaiting(registry, type).isEmpty()) {
            // Nothing to resolve (an await of a step this deployment lacks is left waiting), and a scheduling store
            // written for 0.1 would read every waiting await for it.
            return Optional.empty();
        }
        List<AwaitRecord> page = scheduling.waitingAwaitsOfType(type, after, limit);
        for (AwaitRecord await : page) {
            if (StepWaits.notDeployed(registry, await.flow(), await.step()).isEmpty()) {
                try {
                    resolveIfRunsBelowEnded(await);
                } catch (RuntimeException e) {
                    // One await whose check keeps failing must not hold the page, and every await after it, for ever.
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0591 await " + await.awaitId() + " of run "
                            + await.runId() + " on its " + (type == AwaitType.DESCENDANTS ? "descendant" : "child")
                            + " runs could not be checked by the maintenance sweep; it is checked again on the"
                            + " sweep's next round, and the sweep goes on with the next", e);
                }
            }
        }
        return page.size() < limit ? Optional.empty() : Optional.of(page.get(page.size() - 1).awaitId());
    }

    /** The deployed steps ({@code flow/step}) with an await of the type, before or after. */
    private static List<String> stepsAwaiting(FlowRegistry registry, AwaitType type) {
        return registry.flows().stream().flatMap(flow -> flow.steps().stream()
                .filter(step -> java.util.stream.Stream.of(step.awaitBefore(), step.awaitAfter())
                        .flatMap(Optional::stream).anyMatch(a -> a.type() == type))
                .map(step -> flow.name() + "/" + step.name())).toList();
    }

    /**
     * Refuses a deployment whose steps await their child runs ({@link AwaitType#CHILDREN}) on a flow store that
     * cannot count them ({@link FlowStore#countsChildRuns()}), or their descendant runs
     * ({@link AwaitType#DESCENDANTS}) on one that cannot count those ({@link FlowStore#countsDescendantRuns()}):
     * their runs would wait until their timeout.
     */
    static void requireChildRunCounts(FlowRegistry registry, FlowStore store) {
        List<String> steps = store.countsChildRuns() ? List.of() : stepsAwaiting(registry, AwaitType.CHILDREN);
        if (!steps.isEmpty()) {
            throw new io.nvent.UnsupportedByAdapterException(FlowStore.CHILD_RUN_COUNTS_UNSUPPORTED + " steps " + steps
                    + " await their child runs (AwaitType.CHILDREN), but the flow store " + store.getClass().getName()
                    + " counts no child runs (written for nvent 0.1): use a store that overrides"
                    + " FlowStore.countsChildRuns (the memory or the JPA store), or another await");
        }
        steps = store.countsDescendantRuns() ? List.of() : stepsAwaiting(registry, AwaitType.DESCENDANTS);
        if (!steps.isEmpty()) {
            throw new io.nvent.UnsupportedByAdapterException(FlowStore.DESCENDANT_RUN_COUNTS_UNSUPPORTED + " steps "
                    + steps + " await their descendant runs (AwaitType.DESCENDANTS), but the flow store "
                    + store.getClass().getName() + " counts no descendant runs: use a store that overrides"
                    + " FlowStore.countsDescendantRuns (the memory or the JPA store), or await the child runs alone"
                    + " (AwaitType.CHILDREN) where the store counts those");
        }
    }

    private void scheduleResolution(AwaitRecord await, Instant at) {
        ClockTimers planner = timers;
        if (planner != null) {
            AwaitTimer timer = new AwaitTimer();
            awaitTimers.put(await.awaitId(), timer);
            timer.planned = planner.at(at, () -> {
                awaitTimers.remove(await.awaitId(), timer);
                try {
                    scheduling.findAwait(await.awaitId()).filter(a -> a.status() == AwaitStatus.WAITING)
                            .ifPresent(a -> handleDue(a, clock.instant()));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0120 await " + await.awaitId()
                            + " could not be resolved on time; the maintenance sweep retries", e);
                }
            });
        }
    }

    void closeAwaitsOf(String runId, Instant now) {
        for (AwaitRecord await : scheduling.awaitsOfRun(runId)) {
            if (await.status() == AwaitStatus.WAITING) {
                closeAwait(await.awaitId(), AwaitStatus.CANCELED, Optional.empty(), now);
            }
        }
    }

    /** Closes an await in the store and drops its timer here, if it has one: it has nothing left to do. */
    private Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant now) {
        Optional<AwaitRecord> closed = scheduling.closeAwait(awaitId, status, data, now);
        cancelTimer(awaitId);
        return closed;
    }

    private void cancelTimer(String awaitId) {
        AwaitTimer timer = awaitTimers.remove(awaitId);
        if (timer != null && timer.planned != null) {
            timer.planned.cancel();
        }
    }

    /** How many await timers this instance holds (see {@link #awaitTimers}). */
    int awaitTimers() {
        return awaitTimers.size();
    }

    /** An await's timer, planned once {@link ClockTimers#at} returned. */
    private static final class AwaitTimer {
        volatile ClockTimers.Planned planned;
    }

    private void fireHook(Object event) {
        try {
            hooks.accept(event);
        } catch (RuntimeException | Error e) {
            // A failing application hook must not undo or block the run's progress; an Error neither (a class the
            // observer cannot load): it is fired in the middle of a start, a resolution or a key handed on.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0121 an await hook failed for " + event, e);
        }
    }

    /**
     * What a step must pass before it runs (again): its after-await that timed out and failed it, or its
     * before-await that has not resolved; a concurrency key is no gate of a step.
     */
    record Gate(Optional<AwaitRecord> timedOutAfter, boolean passed) {
    }

    Gate gateOf(String runId, StepDefinition step) {
        Optional<AwaitRecord> timedOutAfter = timedOutAfterAwait(runId, step.name());
        return new Gate(timedOutAfter, timedOutAfter.isEmpty() && (step.awaitBefore().isEmpty()
                || scheduling.awaitsOfRun(runId).stream().anyMatch(a -> a.step().equals(step.name())
                        && a.position() == AwaitPosition.BEFORE && a.status() == AwaitStatus.RESOLVED
                        && a.type() != AwaitType.CONCURRENCY_KEY && !isDelayedStartWithKey(a))));
    }

    /** The await a step that has not passed its gate waits for: the after-await again, or its before-await. */
    AwaitRecord gateAwait(Gate gate, RunRecord run, StepDefinition step, Instant now) {
        // The after-await again holds what the step emitted and matches the value it matched.
        return gate.timedOutAfter().map(t -> newAwait(run, step, AwaitPosition.AFTER, now, t.held(), t.filterValue()))
                .orElseGet(() -> newAwait(run, step, AwaitPosition.BEFORE, now, "[]"));
    }

    /**
     * The step's after-await that timed out and failed it: the step's newest await, if it is one,
     * and the step has not started since it was registered.
     */
    private Optional<AwaitRecord> timedOutAfterAwait(String runId, String stepName) {
        Optional<AwaitRecord> newest = scheduling.awaitsOfRun(runId).stream().filter(a -> a.step().equals(stepName)
                        && a.type() != AwaitType.CONCURRENCY_KEY)
                .max(Comparator.comparing(AwaitRecord::registeredAt));
        if (newest.isEmpty() || newest.get().position() != AwaitPosition.AFTER
                || newest.get().status() != AwaitStatus.TIMED_OUT) {
            return Optional.empty();
        }
        Instant registered = newest.get().registeredAt();
        boolean startedSince = history.latestEntryOfStep(runId, EventType.STEP_STARTED, stepName)
                .filter(started -> started.timestamp().isAfter(registered)).isPresent();
        return startedSince ? Optional.empty() : newest;
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

    Optional<String> resolvedData(String runId, String step, AwaitPosition position) {
        return scheduling.awaitsOfRun(runId).stream()
                .filter(a -> a.step().equals(step) && a.position() == position && a.status() == AwaitStatus.RESOLVED
                        && a.type() != AwaitType.CONCURRENCY_KEY)
                .reduce((first, second) -> second)
                .flatMap(AwaitRecord::data);
    }
}

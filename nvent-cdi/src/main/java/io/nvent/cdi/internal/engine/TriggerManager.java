package io.nvent.cdi.internal.engine;

import io.nvent.AppliedMisfire;
import io.nvent.Backfill;
import io.nvent.BackfillResult;
import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.ExclusionCalendar;
import io.nvent.Batch;
import io.nvent.Debounce;
import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.InvalidPayloadException;
import io.nvent.InvalidTriggerException;
import io.nvent.Misfire;
import io.nvent.NventException;
import io.nvent.Overlap;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.StepDefinition;
import io.nvent.TriggerDisabledException;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.registry.TriggerRules;
import io.nvent.cdi.internal.schedule.Cron;
import io.nvent.cdi.internal.schedule.Schedule;
import io.nvent.cdi.internal.schedule.TickScheduler;
import io.nvent.spi.BatchedFire;
import io.nvent.spi.DebouncedFire;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.internal.ExclusionRules;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Triggers: keeps the declared ones in the store, arms schedule triggers, and starts the
 * subscribed flows when a trigger fires. Each schedule tick is claimed in the store before it
 * fires, so several instances arming the same trigger start its flows once per tick.
 */
public final class TriggerManager implements TriggerService, EventTriggers {

    private static final System.Logger LOG = System.getLogger(TriggerManager.class.getName());
    /** Characters of an omitted payload the history keeps, to tell fires apart. */
    private static final int PAYLOAD_START_CHARS = 256;

    /**
     * History entries read for the last enable or change of a schedule at start: one further back
     * has that many fires (or failed fires) after it, each a later {@code lastFiredAt}.
     */
    private static final int RECENT_ENTRIES = 20;

    /** How often a change of a trigger is tried on a definition read again, when others stored one meanwhile. */
    static final int CHANGE_ATTEMPTS = 10;

    /** How soon a tick whose claim was in doubt is claimed again; each claim still in doubt doubles it. */
    static final Duration IN_DOUBT_FIRST_CHECK = Duration.ofSeconds(10);
    static final Duration IN_DOUBT_MAX_CHECK = Duration.ofMinutes(5);

    /** The history entry of a fire that started nothing under the trigger's overlap policy. */
    static final String SKIPPED = TriggerEvent.SKIPPED;

    /** The history entry of the deployment's misfire settings a start applied to a schedule. */
    static final String MISFIRE_SETTINGS = TriggerEvent.MISFIRE_SETTINGS;

    /** How much later than the oldest tick claim kept a backfill must begin, that claims are known to tell. */
    static final Duration BACKFILL_CLAIM_MARGIN = Duration.ofMinutes(10);

    private final FlowEngine engine;
    private final SchedulingStore store;
    private final Json json;
    private final Clock clock;
    private final TriggerHistoryLimits historyLimits;
    private final TriggerMisfires misfires;
    private final TriggerOverlaps overlaps;
    /** The named calendars a schedule's exclusions may give; set before {@link #start()}. */
    private volatile TriggerExclusions exclusions = TriggerExclusions.NONE;
    private volatile TickScheduler ticks;
    /**
     * Whether this instance runs schedules: from {@link #start()} to {@link #stop()}. One whose engine
     * is disabled ({@code nvent.engine.enabled=false}) is never started: it runs no maintenance, so it
     * would not re-read a schedule changed elsewhere, and arms none, not even one it creates or changes.
     */
    private volatile boolean running;
    /** The schedule triggers whose latest tick failed: logged once until a tick fires again. */
    private final Set<String> failingTicks = ConcurrentHashMap.newKeySet();
    /**
     * The triggers, each with those of its flows this deployment lacks, whose fires found them
     * missing: said once per start of this instance, as the deployed flows do not change meanwhile.
     */
    private final Set<String> undeployedFlowsSaid = ConcurrentHashMap.newKeySet();
    /**
     * Trigger definitions whose tick or event fire found no concurrency key in its payload since this instance
     * started: by definition, not name, so that a trigger redefined (on any instance) or deleted and created anew is
     * told of again; a delete here forgets its name's ({@link #forgetSaid}).
     */
    private final Set<TriggerSpec> keyNotInPayloadSaid = ConcurrentHashMap.newKeySet();
    /** The triggers whose event fires held no debounce key, said once each (NVENT-0435). */
    private final Set<TriggerSpec> debounceKeyNotInPayloadSaid = ConcurrentHashMap.newKeySet();
    /** Event trigger definitions whose filter met a payload it could not read since this instance started; as above. */
    private final Set<TriggerSpec> unreadablePayloadSaid = ConcurrentHashMap.newKeySet();
    /** Enabled event triggers by event name; refreshed from the store by {@link #refresh()}. */
    private volatile Map<String, List<String>> eventTriggers = Map.of();
    /** Schedule triggers armed on this instance, with the definition they were armed with. */
    private final Map<String, TriggerSpec> armed = new ConcurrentHashMap<>();
    /** Schedule triggers the timer service refused, with the definition it refused. */
    private final Map<String, TriggerSpec> unarmable = new ConcurrentHashMap<>();
    /**
     * Of each armed schedule, the last tick its scheduler handed out, or when it was armed if none:
     * where another scheduler taking it over goes on from.
     */
    private final Map<String, Instant> handedOutUpTo = new ConcurrentHashMap<>();
    /** While another scheduler takes over: the schedules the old one had armed, to go on where it stopped. */
    private final Map<String, HandedOver> handover = new ConcurrentHashMap<>();
    /**
     * Ticks whose claim was in doubt here (another instance held it in a transaction that had not
     * ended), with when to claim them again: the sweep finds out whether that instance fired them.
     */
    private final Map<TickInDoubt, Check> ticksInDoubt = new ConcurrentHashMap<>();

    private record TickInDoubt(String trigger, Instant scheduledAt) {
    }

    /**
     * Of each schedule whose {@code fire-all} catch-up at start was cut short (the store away, NVENT-0135), the
     * missed ticks it did not fire: fired when the store answers again ({@link #resumeCutShortCatchUps}), not left to
     * the next start, which an on-time fire meanwhile would keep from seeing them.
     */
    private final Map<String, CutShortCatchUp> cutShort = new ConcurrentHashMap<>();
    /**
     * Of each {@code fire-all} schedule whose check for missed ticks at start failed before it knew them (the store
     * away, NVENT-0135), that check, done again when the store answers as at the start ({@link #resumeCatchUp}).
     */
    private final Map<String, UncheckedCatchUp> unchecked = new ConcurrentHashMap<>();

    /**
     * A check for missed ticks at start that failed before it knew them: the trigger as read then, when the start
     * began and the check ran, and the definition and deployment settings the start changed, if it did.
     */
    private record UncheckedCatchUp(TriggerRecord trigger, Instant startedAt, Instant checkedAt,
                                    Optional<TriggerSpec> before, Optional<TriggerMisfires> settingsBefore) {

        /** The schedule the check is of: one changed since drops it. */
        String schedule() {
            return OwedCatchUps.scheduleOf(trigger.spec());
        }
    }

    /**
     * A {@code fire-all} catch-up cut short: the missed ticks left, the oldest first (the oldest of all counting the
     * ticks skipped before it), the grace they fire within, and what its resumptions did so far.
     */
    private record CutShortCatchUp(TriggerSpec spec, String schedule, Instant startedAt, Instant checkedAt,
                                   List<MissedTicks> left, Duration grace, TriggerMisfires.Applied applied, int fired,
                                   int excluded, int elsewhere, int olderThanGrace, boolean takenOver) {

        /** A catch-up this instance cut short, of the schedule {@code spec} has. */
        CutShortCatchUp(TriggerSpec spec, Instant startedAt, Instant checkedAt, List<MissedTicks> left, Duration grace,
                        TriggerMisfires.Applied applied) {
            this(spec, OwedCatchUps.scheduleOf(spec), startedAt, checkedAt, left, grace, applied, 0, 0, 0, 0, false);
        }

        /** The ticks from {@code index} on, with those before it counted as one resumption found them. */
        CutShortCatchUp goingOnFrom(int index, int firedNow, int excludedNow, int elsewhereNow, int olderNow) {
            return new CutShortCatchUp(spec, schedule, startedAt, checkedAt,
                    List.copyOf(left.subList(index, left.size())), grace, applied, fired + firedNow,
                    excluded + excludedNow, elsewhere + elsewhereNow, olderThanGrace + olderNow, takenOver);
        }

        /** The ticks left, as the store keeps them. */
        List<Instant> ticks() {
            return left.stream().map(MissedTicks::latest).toList();
        }

        /** The ticks left, in words for the NVENT-0135 line. */
        String inWords() {
            return "the " + left.size() + " missed tick" + (left.size() == 1 ? "" : "s") + " it did not fire ("
                    + left.get(0).latest() + (left.size() > 1 ? " to " + left.get(left.size() - 1).latest() : "")
                    + ") fire once the store answers again (NVENT-0468)";
        }
    }

    /**
     * Missed ticks this instance claimed whose fire the store cut short before it began (the trigger could not be
     * read): the claim is this instance's, so the catch-up that tries the tick again fires it without claiming it
     * again, which would find it taken and count it as another instance's.
     */
    private final Set<TickInDoubt> claimedNotFired = ConcurrentHashMap.newKeySet();
    /** The catch-ups above as the store keeps them, for the next start or another instance to finish. */
    private final OwedCatchUps owed;

    /** When to claim a tick in doubt again, and how long after that the next time if it still is. */
    private record Check(Instant at, Duration backoff) {

        Check later(Instant now) {
            Duration doubled = backoff.multipliedBy(2);
            Duration next = doubled.compareTo(IN_DOUBT_MAX_CHECK) > 0 ? IN_DOUBT_MAX_CHECK : doubled;
            return new Check(now.plus(next), next);
        }
    }

    /** A schedule armed on the scheduler being replaced, and the last tick it handed out (or when it was armed). */
    private record HandedOver(TriggerSpec spec, Instant upTo) {
    }

    public TriggerManager(FlowEngine engine, SchedulingStore store, Json json, Clock clock, TickScheduler ticks) {
        this(engine, store, json, clock, ticks, TriggerHistoryLimits.DEFAULTS);
    }

    public TriggerManager(FlowEngine engine, SchedulingStore store, Json json, Clock clock, TickScheduler ticks,
                          TriggerHistoryLimits historyLimits) {
        this(engine, store, json, clock, ticks, historyLimits, TriggerMisfires.DEFAULTS);
    }

    public TriggerManager(FlowEngine engine, SchedulingStore store, Json json, Clock clock, TickScheduler ticks,
                          TriggerHistoryLimits historyLimits, TriggerMisfires misfires) {
        this.historyLimits = Objects.requireNonNull(historyLimits, "historyLimits");
        this.misfires = Objects.requireNonNull(misfires, "misfires");
        this.engine = engine;
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.ticks = ticks;
        this.overlaps = new TriggerOverlaps(engine, store);
        this.owed = new OwedCatchUps(store, clock, engine.settings().instanceId(), engine.startOwner(),
                engine.instanceRegistry()::endedStarts);
        engine.useEventTriggers(this);
    }

    /**
     * The named calendars ({@link ExclusionCalendar}) schedules may exclude the ticks of ({@code calendar:<name>});
     * none unless given. Before {@link #start()}, which refuses a declared trigger naming another.
     *
     * @throws IllegalArgumentException ({@code NVENT-0419}) if two give one name
     */
    public void useExclusionCalendars(Collection<? extends ExclusionCalendar> calendars) {
        this.exclusions = new TriggerExclusions(calendars);
    }

    /**
     * Stores the declared triggers (code wins for the definition, operators for enabled), retires
     * those the code declares no longer, arms them, and fires the latest tick of each schedule that
     * fell while no instance ran (see {@link #catchUpMissedTicks}).
     */
    public void start() {
        Instant now = clock.instant();
        Map<String, TriggerSpec> declaredNow = engine.registry().declaredTriggers();
        // Ticks of a schedule this deployment changed are not missed ones: the old code had others.
        Set<String> rescheduled = new HashSet<>();
        // A changed misfire policy is no reason to fire: the ticks were missed under the old one.
        Map<String, TriggerSpec> misfireChanged = new HashMap<>();
        // Here, as both the container's and the embedded engine's start come here once.
        engine.warnIfRunTimeoutsNotKept();
        // Before anything is stored: a calendar misspelt in the code fails the deployment, as a bad rule does.
        for (TriggerSpec declared : declaredNow.values()) {
            exclusions.requireKnown(declared, " (@Trigger on " + declaringClasses(declared) + ")");
        }
        for (TriggerSpec declared : declaredNow.values()) {
            warnIfExclusionsNotKept(declared);
            warnIfLimitNotKept(declared);
            warnIfLabelsNotKept(declared);
            warnIfRunTimeoutNotKept(declared);
            warnIfOverlapNotKept(declared);
            warnIfDebounceNotKept(declared);
            storeDeclared(declared, now, rescheduled, misfireChanged);
        }
        for (TriggerRecord stored : store.listTriggers()) {
            if (stored.declared() && !declaredNow.containsKey(stored.spec().name())) {
                retire(stored.spec().name());
            }
        }
        // Only from here: the changes above arm nothing before they are stored (a schedule the timer service
        // refuses is logged by refresh, not thrown from the start), refresh arms what is stored.
        running = true;
        Map<String, TriggerMisfires> settingsChanged = recordDeploymentMisfires(now);
        refresh();
        warnIfCatchUpsOutgrowTheHistory(now);
        // First: their ticks are older than those this start missed.
        takeOverOwedCatchUps().forEach(this::resumeCatchUp);
        catchUpMissedTicks(now, rescheduled, misfireChanged, settingsChanged);
    }

    /**
     * Warns (NVENT-0477) of each {@code fire-all} schedule whose catch-up at a start may fire as many ticks as its
     * history keeps entries ({@code nvent.triggers.history.max-entries}): the sweep trims the entries of the ticks it
     * fired first while it goes on, and a takeover of it (NVENT-0473) finds a claim and no fire of those ticks, and
     * fires them again. Only the idempotency key of each tick's runs then keeps them from starting twice, and only
     * while the run that key found is stored: the store's retention of ended runs deletes it (the JPA store's
     * {@code nvent.store.retention.*}) and frees the key.
     */
    private void warnIfCatchUpsOutgrowTheHistory(Instant now) {
        for (TriggerRecord stored : store.listTriggers()) {
            TriggerSpec spec = stored.spec();
            TriggerMisfires.Applied applied = misfires.appliedTo(spec);
            if (spec.type() != TriggerType.SCHEDULE || applied.policy() != Misfire.FIRE_ALL) {
                continue;
            }
            Schedule schedule = Schedule.of(spec);
            Instant oldest = now.minus(applied.grace());
            int mostFired = MissedTicks.of(schedule, oldest, now).map(ticks -> ticks.latestWithin(schedule, oldest,
                    oldest, Misfire.MOST_FIRED_ALL).size()).orElse(0);
            if (mostFired >= historyLimits.maxEntries()) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0477 trigger " + spec.name() + " may fire " + mostFired
                        + " missed ticks at a start (" + applied.inWords() + "), but its history keeps the newest "
                        + historyLimits.maxEntries() + " entries (nvent.triggers.history.max-entries): a catch-up cut"
                        + " short and taken over (NVENT-0473) would find no entry of the ticks it fired first and fire"
                        + " them again, their runs kept from starting twice only while the runs they started are"
                        + " stored (the store's retention of ended runs frees their keys); set"
                        + " nvent.triggers.history.max-entries to at least " + 2 * mostFired + ", or give the trigger"
                        + " a shorter misfireGrace");
            }
        }
    }

    /**
     * Warns of a declared trigger whose limit the store cannot keep: each of its fires fails
     * ({@link SchedulingStore#requireConcurrencyLimit}). A trigger created at run time is refused instead
     * ({@link #validate}); the code's one is the code's to change.
     */
    private void warnIfLimitNotKept(TriggerSpec declared) {
        if (declared.concurrencyLimit() > 1 && !store.holdsConcurrencyLimits()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0580 trigger '" + declared.name() + "' is declared with"
                    + " concurrency limit " + declared.concurrencyLimit() + ", but scheduling store "
                    + store.getClass().getName() + " lets one run at a time hold a concurrency key"
                    + " (SchedulingStore.holdsConcurrencyLimits is false): each of its fires fails ("
                    + SchedulingStore.CONCURRENCY_LIMITS_UNSUPPORTED + ") until"
                    + " its @Trigger(concurrencyLimit) is 1 or the store keeps concurrency limits (the memory or the"
                    + " JPA store)");
        }
    }

    /**
     * Warns of a declared trigger whose labels a store cannot keep: the scheduling store hands the trigger back
     * without them, and its runs go unlabelled; the run store refuses each of its runs (FlowStore.requireLabels). A
     * trigger created at run time is refused instead ({@link #validate}).
     */
    private void warnIfLabelsNotKept(TriggerSpec declared) {
        labelsNotKept(declared).ifPresent(why -> LOG.log(System.Logger.Level.WARNING, "NVENT-0595 trigger '"
                + declared.name() + "' is declared with labels " + declared.labels() + ", but " + why
                + ": its fires start no labelled run until the store keeps them (the memory or the JPA store)"));
    }

    /**
     * Warns of a declared trigger whose run timeout a store cannot keep: the scheduling store hands the trigger back
     * without it, and its runs take their flow's; or the run store keeps no deadlines and refuses each of its runs. A
     * trigger created at run time is refused instead ({@link #validate}).
     */
    private void warnIfRunTimeoutNotKept(TriggerSpec declared) {
        // The two stores fail it differently: one drops the trigger's timeout, the other refuses every timed start.
        String becomes = store.keepsTriggerRunTimeouts()
                ? "every run it starts is refused (" + FlowStore.DEADLINES_UNSUPPORTED + ") until the store keeps them"
                : "its runs start with their flow's own run timeout, not this one, until the store keeps it";
        runTimeoutNotKept(declared).ifPresent(why -> LOG.log(System.Logger.Level.WARNING, "NVENT-0403 trigger '"
                + declared.name() + "' is declared with run timeout " + declared.runTimeout().orElseThrow() + ", but "
                + why + ": " + becomes + " (the memory or the JPA store) or the trigger declares none"));
    }

    /**
     * Warns of a declared trigger whose debounce the scheduling store cannot keep: its fires start a run each. A
     * trigger created at run time is refused instead ({@link #validate}).
     */
    private void warnIfDebounceNotKept(TriggerSpec declared) {
        if (declared.debounce().isPresent() && !store.keepsTriggerDebounce()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0437 trigger '" + declared.name() + "' is declared with"
                    + " debounce " + TriggerSpec.durationText(declared.debounce().get().window())
                    + ", but scheduling store " + store.getClass().getName() + " keeps no pending debounced runs"
                    + " (SchedulingStore.keepsTriggerDebounce is false, written before nvent 0.2): each of its fires"
                    + " starts a run at once until the store keeps them (the memory or the JPA store)");
        }
        if (declared.batch().isPresent() && !store.keepsTriggerBatches()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0014 trigger '" + declared.name() + "' is declared with"
                    + " batches of up to " + declared.batch().get().max() + " fires, but scheduling store "
                    + store.getClass().getName() + " keeps no batches (SchedulingStore.keepsTriggerBatches is false,"
                    + " written before nvent 0.2): each of its fires starts a run at once until the store keeps them"
                    + " (the memory or the JPA store)");
        }
    }

    /**
     * Warns of a declared trigger whose overlap policy the scheduling store cannot keep: it hands the trigger back
     * without it, and its fires start their runs side by side. A trigger created at run time is refused instead
     * ({@link #validate}).
     */
    private void warnIfOverlapNotKept(TriggerSpec declared) {
        if (declared.overlap() != Overlap.ALLOW_ALL && !store.keepsTriggerOverlap()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0408 trigger '" + declared.name() + "' is declared with"
                    + " overlap " + declared.overlap().wireName() + ", but scheduling store " + store.getClass().getName()
                    + " keeps no trigger overlap policies (SchedulingStore.keepsTriggerOverlap is false, written for"
                    + " nvent 0.1): its fires start their runs side by side (allow-all) until the store keeps it (the"
                    + " memory or the JPA store)");
        }
    }

    /** The classes a declared trigger's {@code @Trigger} is on: the entry steps of its flows. */
    private String declaringClasses(TriggerSpec declared) {
        return declared.flows().stream().flatMap(flow -> engine.registry().flow(flow).flatMap(definition -> engine
                .registry().binding(flow, definition.entry().name())).stream()).map(b -> b.beanClass().getName())
                .distinct().collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Warns of a declared trigger whose exclusions the scheduling store cannot keep: it hands the trigger back without
     * them, and it fires at every tick. A trigger created at run time is refused instead ({@link #validate}).
     */
    private void warnIfExclusionsNotKept(TriggerSpec declared) {
        if (!declared.exclude().isEmpty() && !store.keepsTriggerExclusions()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0428 trigger '" + declared.name() + "' is declared with"
                    + " exclusions " + declared.exclude() + ", but scheduling store " + store.getClass().getName()
                    + " keeps no trigger exclusions (SchedulingStore.keepsTriggerExclusions is false, written for"
                    + " nvent 0.1): it fires at every tick, excluded or not, until the store keeps them (the memory or"
                    + " the JPA store)");
        }
    }

    /**
     * Why a trigger's run timeout would not reach its runs, if it would not: the scheduling store keeps no trigger
     * run timeouts (written for nvent 0.1; it hands the trigger back without it), or the run store keeps no deadlines
     * (it refuses every run of the trigger).
     */
    private Optional<String> runTimeoutNotKept(TriggerSpec spec) {
        if (spec.runTimeout().isEmpty()) {
            return Optional.empty();
        }
        if (!store.keepsTriggerRunTimeouts()) {
            return Optional.of("scheduling store " + store.getClass().getName() + " keeps no trigger run timeouts"
                    + " (SchedulingStore.keepsTriggerRunTimeouts is false, written for nvent 0.1)");
        }
        if (!engine.keepsDeadlines()) {
            return Optional.of("run store " + engine.runStoreName() + " keeps no run deadlines"
                    + " (FlowStore.keepsDeadlines is false, written for nvent 0.1)");
        }
        return Optional.empty();
    }

    /**
     * Why a trigger's labels would not reach its runs, if they would not: the scheduling store keeps no trigger
     * labels (written for nvent 0.1; it hands the trigger back without them), or the run store keeps no run labels
     * (it refuses every run of the trigger).
     */
    private Optional<String> labelsNotKept(TriggerSpec spec) {
        if (spec.labels().isEmpty()) {
            return Optional.empty();
        }
        if (!store.keepsTriggerLabels()) {
            return Optional.of("scheduling store " + store.getClass().getName() + " keeps no trigger labels"
                    + " (SchedulingStore.keepsTriggerLabels is false, written for nvent 0.1)");
        }
        if (!engine.keepsLabels()) {
            return Optional.of("run store " + engine.runStoreName() + " keeps no labels (FlowStore.keepsLabels is"
                    + " false, written for nvent 0.1)");
        }
        return Optional.empty();
    }

    /**
     * Records, in the history of each schedule, the deployment's misfire settings that this start
     * applies, where they differ from those the last start recorded: a tick missed while the old ones
     * held fires only if they would have fired it too, as when the trigger's own change. None recorded in
     * a history that was never trimmed stands for the defaults, so that a deployment that keeps them writes
     * nothing. In a history as long as {@code nvent.triggers.history.max-entries} the entry may have been
     * trimmed (a busy trigger): what held before cannot be told, so the settings count as unchanged (a
     * deployment-wide {@code fire-all} keeps firing each missed tick, not the latest only), and this start
     * records them again, for the next one to find.
     *
     * @param startedAt when this start began; an entry from then on is another instance's of this deployment
     * @return the schedules whose recorded settings differ from this deployment's, with those settings
     */
    private Map<String, TriggerMisfires> recordDeploymentMisfires(Instant startedAt) {
        Map<String, TriggerMisfires> changed = new HashMap<>();
        for (TriggerRecord trigger : store.listTriggers()) {
            String name = trigger.spec().name();
            if (trigger.spec().type() != TriggerType.SCHEDULE) {
                continue;
            }
            Optional<TriggerMisfires> before = recordedMisfires(name, startedAt);
            if (!before.equals(Optional.of(misfires))) {
                history(name, MISFIRE_SETTINGS, JsonText.object().str("misfire", misfires.wireName())
                        .str("misfireGrace", misfires.grace().toString()).build());
                before.ifPresent(then -> changed.put(name, then));
            }
        }
        return changed;
    }

    /**
     * The deployment's misfire settings the latest start before {@code startedAt} recorded for a schedule:
     * the defaults if none is recorded in a history that was never trimmed; empty if none can be told, the
     * history being as long as is kept (the entry may have been trimmed).
     */
    private Optional<TriggerMisfires> recordedMisfires(String name, Instant startedAt) {
        List<TriggerEvent> newestFirst = store.triggerHistory(name, historyLimits.maxEntries());
        for (TriggerEvent entry : newestFirst) {
            if (entry.type().equals(MISFIRE_SETTINGS) && entry.timestamp().isBefore(startedAt)) {
                try {
                    JsonObject settings = JsonMatch.read(entry.data()).asJsonObject();
                    return Optional.of(TriggerMisfires.of(settings.getString("misfire"),
                            Duration.parse(settings.getString("misfireGrace"))));
                } catch (RuntimeException unreadable) {
                    return Optional.empty();   // as if trimmed: this start's apply
                }
            }
        }
        return newestFirst.size() < historyLimits.maxEntries() ? Optional.of(TriggerMisfires.DEFAULTS)
                : Optional.empty();
    }

    private static boolean sameSchedule(TriggerSpec a, TriggerSpec b) {
        return a.type() == b.type() && a.cron().equals(b.cron()) && a.every().equals(b.every())
                && a.timezone().equals(b.timezone());
    }

    /**
     * Fires, once across the instances, the latest tick of each enabled schedule that fell while no
     * instance ran (a deploy, an outage), or each of them under {@code fire-all}: a tick after the schedule's last fire, or after it was
     * created, enabled or changed, that nobody claimed. The timers armed at start hand out only ticks
     * after it, and an instance that was running claimed it already. Runs after the schedules are
     * armed, so that no tick falls between the two: one both hand out is claimed once.
     *
     * @param startedAt when this start began; it wrote the entries of its own declared triggers then
     * @param rescheduled declared schedules whose ticks this start changed
     * @param misfireChanged declared schedules whose misfire policy or grace this start changed, with their
     *     definition before it
     * @param settingsChanged schedules for which this start changed the deployment's misfire settings, with
     *     those before it
     */
    private void catchUpMissedTicks(Instant startedAt, Set<String> rescheduled,
                                    Map<String, TriggerSpec> misfireChanged,
                                    Map<String, TriggerMisfires> settingsChanged) {
        for (TriggerRecord trigger : store.listTriggers()) {
            String name = trigger.spec().name();
            // Not "armed": the EJB timer service taking over on another thread empties it for a moment.
            if (trigger.spec().type() != TriggerType.SCHEDULE || !trigger.spec().enabled()
                    || unarmable.containsKey(name) || rescheduled.contains(name)) {
                continue;
            }
            Instant checkedAt = clock.instant();
            Optional<TriggerSpec> before = Optional.ofNullable(misfireChanged.get(name));
            Optional<TriggerMisfires> settingsBefore = Optional.ofNullable(settingsChanged.get(name));
            boolean firesAll = misfires.appliedTo(trigger.spec()).policy() == Misfire.FIRE_ALL;
            try {
                // Held before the check: cut short, the store is away, and nothing could be written then.
                if (firesAll && !cutShort.containsKey(name)
                        && !owed.hold(trigger.spec(), startedAt, checkedAt, List.of())) {
                    LOG.log(System.Logger.Level.INFO, "NVENT-0476 trigger " + name + " leaves the ticks it missed"
                            + " while no instance ran to the catch-up that " + owed.holderOf(name) + " holds in the"
                            + " store: they fire there, or at its takeover (NVENT-0473), once each");
                    continue;
                }
                catchUp(trigger, startedAt, before, settingsBefore, checkedAt, Optional.empty());
                doneIfNothingOwed(name);
            } catch (RuntimeException e) {
                String left = Optional.ofNullable(cutShort.get(name)).map(CutShortCatchUp::inWords).orElse("");
                if (left.isEmpty() && firesAll) {
                    unchecked.put(name, new UncheckedCatchUp(trigger, startedAt, checkedAt, before, settingsBefore));
                    left = "misfire policy fire-all: it checks again once the store answers (NVENT-0468)";
                }
                LOG.log(System.Logger.Level.WARNING, "NVENT-0135 could not check whether trigger " + name
                        + " missed a tick while no instance ran: " + e + (left.isEmpty() ? "" : "; " + left));
            }
        }
    }

    /**
     * Fires, as the trigger's misfire policy says, the ticks it missed while no instance ran (see
     * {@link #catchUpMissedTicks}).
     *
     * @param upTo the latest tick that counts as missed is at or before it: when the check ran at start
     * @param asOf where the check is done again: as it ran at start, so that a fire since (another instance's on time)
     *     does not stand for the ticks missed before; the misfire grace counts from now all the same
     */
    private void catchUp(TriggerRecord trigger, Instant startedAt, Optional<TriggerSpec> before,
                         Optional<TriggerMisfires> settingsBefore, Instant upTo, Optional<Instant> asOf) {
        String name = trigger.spec().name();
        Instant now = clock.instant();
        Schedule schedule = Schedule.of(trigger.spec());
        TriggerMisfires.Applied applied = misfires.appliedTo(trigger.spec());
        // The tick fell while the old policy held (the trigger's own, or the deployment's it inherited): it
        // fires only if that one would have fired it too.
        Optional<TriggerMisfires.Applied> old = before.isEmpty() && settingsBefore.isEmpty() ? Optional.empty()
                : Optional.of(settingsBefore.orElse(misfires).appliedTo(before.orElse(trigger.spec())));
        boolean firesAll = applied.policy() == Misfire.FIRE_ALL
                && old.map(then -> then.policy() == Misfire.FIRE_ALL).orElse(true);
        Instant since = firedOrChangedLast(trigger, startedAt, firesAll, asOf);
        Optional<MissedTicks> missed = MissedTicks.of(schedule, since, upTo);
        if (missed.isEmpty()) {
            return;
        }
        MissedTicks ticks = missed.get();
        String what = "trigger " + name + " missed its tick " + ticks.latest()
                + (ticks.earlier() > 0 ? " and " + ticks.earlierInWords() : "") + " while no instance ran";
        Optional<String> notFired = applied.whyNotFired(ticks.latest(), now);
        Optional<String> notFiredBefore = old.flatMap(then -> then.whyNotFired(ticks.latest(), now));
        if (notFired.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0134 " + what + ": " + notFired.get());
        } else if (notFiredBefore.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0134 " + what + ": not fired, this deployment changed the"
                    + (before.isPresent() ? " trigger's misfire policy or grace"
                    : " misfire policy or grace the trigger inherits (nvent.triggers.misfire, misfire-grace)")
                    + " and the tick was missed under the old ones, which did not fire it (then: " + notFiredBefore.get()
                    + "; now: " + applied.inWords() + ")");
        } else if (firesAll) {
            // Under both, a tick fires only within both graces.
            Duration grace = old.map(TriggerMisfires.Applied::grace).filter(then -> then.compareTo(applied.grace()) < 0)
                    .orElse(applied.grace());
            fireAll(trigger.spec(), what, ticks, schedule, since, now, grace, applied, startedAt, upTo);
        } else if (fireTick(name, ticks.latest(), missed)) {
            LOG.log(System.Logger.Level.INFO, firedLate(what, ticks, applied));
        } else {
            // Claimed here and excluded (trigger.skipped), or claimed by another instance starting at once.
            Optional<String> rule = exclusions.excludedBy(trigger.spec(), ticks.latest());
            if (rule.isPresent()) {
                Duration grace = old.map(TriggerMisfires.Applied::grace)
                        .filter(then -> then.compareTo(applied.grace()) < 0).orElse(applied.grace());
                fireOnceNotExcluded(trigger.spec(), what, rule.get(), ticks, schedule, since, now.minus(grace),
                        applied);
            }
        }
    }

    /**
     * Under {@code fire-once}, where the latest missed tick is excluded: fires the latest missed tick within the grace
     * that no rule excludes instead, as a user of fire-once expects the work missed to be done once (Quartz's fire-once
     * fires whatever its calendar says); nothing if every one is excluded. Its claim keeps two instances starting at
     * once from both firing it.
     */
    private void fireOnceNotExcluded(TriggerSpec spec, String what, String rule, MissedTicks ticks, Schedule schedule,
                                     Instant since, Instant oldest, TriggerMisfires.Applied applied) {
        List<Instant> within = ticks.latestWithin(schedule, since, oldest, TriggerExclusions.MOST_EXCLUDED_PASSED + 1);
        for (int i = within.size() - 2; i >= 0; i--) {
            Instant tick = within.get(i);
            if (exclusions.excludedBy(spec, tick).isEmpty()) {
                MissedTicks instead = new MissedTicks(tick, Math.max(0, ticks.earlier() - (within.size() - 1 - i)));
                if (fireTick(spec.name(), tick, Optional.of(instead))) {
                    LOG.log(System.Logger.Level.INFO, "NVENT-0133 " + what + ": its exclusion rule " + rule
                            + " excludes it, so the latest missed tick it does not exclude, " + tick + ", fired late,"
                            + " now, as that tick" + (instead.earlier() > 0 ? "; the earlier ones are skipped" : "")
                            + " (" + applied.policyInWords() + ")");
                }
                return;
            }
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0134 " + what + ": not fired, its exclusion rule " + rule
                + " excludes it, and every missed tick within the misfire grace is excluded too");
    }

    /**
     * Fires each of the missed ticks {@code within} the misfire grace, the oldest first, each as its tick and
     * claimed on its own as any tick is (of instances starting together one fires each). The ticks missed
     * before them are skipped: older than the grace, or beyond the {@value Misfire#MOST_FIRED_ALL} that fire at
     * a start, which is warned of, each count on its own. The fire of the oldest counts the skipped ones in
     * its history entry.
     *
     * Cut short (the store away), it leaves the ticks it did not fire to {@link #resumeCutShortCatchUps} and throws.
     *
     * @param grace the misfire grace: the oldest tick fired is at most that much older than {@code now}
     */
    private void fireAll(TriggerSpec spec, String what, MissedTicks ticks, Schedule schedule, Instant since,
                         Instant now, Duration grace, TriggerMisfires.Applied applied, Instant startedAt,
                         Instant checkedAt) {
        String name = spec.name();
        Instant oldest = now.minus(grace);
        List<Instant> within = ticks.latestWithin(schedule, since, oldest, Misfire.MOST_FIRED_ALL);
        // Excluded ticks are claimed and recorded as trigger.skipped, not fired: counted apart in the log line.
        int excluded = (int) within.stream().filter(tick -> exclusions.excludedBy(spec, tick).isPresent()).count();
        String skipped = ticks.skippedBesides(within);
        List<MissedTicks> each = new ArrayList<>();
        for (Instant tick : within) {
            each.add(new MissedTicks(tick, each.isEmpty() ? ticks.earlier() + 1 - within.size() : 0));
        }
        CutShortCatchUp all = new CutShortCatchUp(spec, startedAt, now, each, grace, applied);
        if (owed.owesCheck(name)) {
            // The ticks found, for whoever finishes it: a check done again would not find those claimed but not fired.
            owed.hold(spec, startedAt, checkedAt, all.ticks());
        }
        int fired = 0;
        for (int i = 0; i < each.size(); i++) {
            if (i > 0 && !keepGoing(spec, startedAt, checkedAt, each.subList(i, each.size()))) {
                return;
            }
            try {
                if (fireTick(name, each.get(i).latest(), Optional.of(each.get(i)))) {
                    fired++;
                }
            } catch (RuntimeException cutShortHere) {
                cutShort.put(name, all.goingOnFrom(i, 0, 0, 0, 0));
                throw cutShortHere;
            }
        }
        String firedHere = fired + " of them fired late, now, each as its tick, the oldest first (" + within.get(0)
                + (within.size() > 1 ? " to " + ticks.latest() : "") + ")"
                + (excluded > 0 ? "; " + excluded + " of them are excluded by the trigger's exclusion rules and"
                + " skipped" : "")
                + (fired + excluded < within.size() ? "; another instance starting at once claimed the other "
                + (within.size() - fired - excluded) : "");
        int beyondTheMost = within.size() < Misfire.MOST_FIRED_ALL ? 0
                : MissedTicks.countWithinBefore(schedule, since, oldest, within.get(0));
        if (beyondTheMost > 0) {
            // The ones before those are older than the grace (counted as far as MissedTicks counts).
            int olderThanGrace = ticks.earlier() + 1 - within.size() - beyondTheMost;
            boolean countedAll = ticks.earlier() < MissedTicks.MOST_COUNTED;
            LOG.log(System.Logger.Level.WARNING, "NVENT-0558 " + what + ": " + firedHere + "; the "
                    + (beyondTheMost >= MissedTicks.MOST_COUNTED ? "more than " : "") + beyondTheMost
                    + " older ones are skipped: misfire policy fire-all fires at most the latest "
                    + Misfire.MOST_FIRED_ALL + " missed ticks of a schedule at a start"
                    + (olderThanGrace > 0 ? "; the " + (countedAll ? "" : "more than ") + olderThanGrace
                    + " before them are older than the misfire grace and skipped" : "")
                    + " (" + applied.inWords() + ")");
        } else if (fired > 0 || excluded > 0) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0133 " + what + ": " + firedHere + ("0".equals(skipped) ? ""
                    : "; the " + skipped + " older ones are older than the misfire grace and skipped")
                    + " (" + applied.inWords() + ")");
        }
    }

    /**
     * Between two ticks of a {@code fire-all} catch-up, which may take minutes (each tick starts its flows): keeps this
     * start live to the other instances, which would otherwise take a holder whose record is not refreshed for
     * {@link io.nvent.Instances#GONE_AFTER} for gone and take its catch-up over. Its instance record is refreshed when
     * due (every {@link io.nvent.Instances#REFRESH}, as the sweep does) and its hold renewed once half of it is gone
     * ({@link OwedCatchUps#renewIfDue}): no write per tick. A store away fails neither: the next tick's claim finds it
     * so, and the catch-up is cut short as ever.
     *
     * @return {@code false} if another start took the catch-up over meanwhile (NVENT-0475): the ticks left fire there
     */
    private boolean keepGoing(TriggerSpec spec, Instant startedAt, Instant checkedAt, List<MissedTicks> left) {
        try {
            engine.instanceRegistry().refresh(clock.instant());
        } catch (RuntimeException away) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the instance record was not refreshed during the catch-up of"
                    + " trigger " + spec.name() + ": " + away);
        }
        try {
            if (owed.renewIfDue(spec, startedAt, checkedAt, left.stream().map(MissedTicks::latest).toList())) {
                return true;
            }
        } catch (RuntimeException away) {
            return true;
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0475 trigger " + spec.name() + " leaves its catch-up of missed ticks"
                + " to " + owed.holderOf(spec.name()) + ", which took it over in the store meanwhile (NVENT-0473): the "
                + left.size() + " ticks left (" + left.get(0).latest() + " to " + left.get(left.size() - 1).latest()
                + ") fire there");
        return false;
    }

    /** The NVENT-0133 line of a missed tick that fired late. */
    private static String firedLate(String what, MissedTicks ticks, TriggerMisfires.Applied applied) {
        return "NVENT-0133 " + what + ": it fired late, now, as that tick" + (ticks.earlier() == 1
                ? "; the earlier one is skipped" : ticks.earlier() > 1 ? "; the earlier ones are skipped" : "")
                + " (" + applied.policyInWords() + ")";
    }

    /**
     * Since when a schedule's ticks count as missed: its last fire, or when it was created, or
     * enabled or changed at run time (an instance ran then, ticks before were no missed ones of
     * this definition). Entries this start wrote are left out: a declared trigger's flows changed
     * by the deployment keep its missed tick.
     *
     * @param byTick under {@code fire-all}, where the last fire was a late one, the tick it stood for
     *     stands for it, not when it fired: a start cut short after firing the oldest missed ticks leaves
     *     the later ones, which the next start fires (their claims tell which fired)
     * @param asOf the entries written after it are left out (a check at start done again later)
     */
    private Instant firedOrChangedLast(TriggerRecord trigger, Instant startedAt, boolean byTick,
                                       Optional<Instant> asOf) {
        Optional<Instant> lastFired = trigger.lastFiredAt();
        List<TriggerEvent> newestFirst = store.triggerHistory(trigger.spec().name(), RECENT_ENTRIES);
        if (asOf.isPresent() || newestFirst.stream().anyMatch(entry -> backfilled(entry)
                || entry.type().equals(SKIPPED))) {
            // A backfilled fire leaves the last fire at most at its tick, and a skipped tick (overlap) leaves it as it
            // was: the last enable or change may lie further back.
            newestFirst = store.triggerHistory(trigger.spec().name(), Math.max(RECENT_ENTRIES, historyLimits.maxEntries()));
        }
        if (asOf.isPresent()) {
            newestFirst = newestFirst.stream().filter(entry -> !entry.timestamp().isAfter(asOf.get())).toList();
        }
        if (byTick) {
            lastFired = newestFirst.stream().filter(entry -> (entry.type().equals(TriggerEvent.FIRED)
                    || entry.type().equals(TriggerEvent.FAILED)) && !backfilled(entry)).findFirst().flatMap(TriggerManager::missedTick)
                    .or(() -> trigger.lastFiredAt());
        }
        // A tick an exclusion rule skipped (not a backfilled one) was seen by an instance as a fire is: no tick up to it
        // is missed, else every start would report the excluded ticks since the last fire as missed again.
        Optional<Instant> lastExcluded = newestFirst.stream().filter(entry -> entry.type().equals(SKIPPED)
                && !backfilled(entry)).map(TriggerManager::excludedTick).flatMap(Optional::stream)
                .max(Comparator.naturalOrder());
        if (lastExcluded.isPresent() && lastFired.map(fired -> fired.isBefore(lastExcluded.get())).orElse(true)) {
            lastFired = lastExcluded;
        }
        Instant since = lastFired.filter(fired -> fired.isAfter(trigger.createdAt())).orElse(trigger.createdAt());
        for (TriggerEvent entry : newestFirst) {
            if ((entry.type().equals(TriggerEvent.ENABLED) || entry.type().equals(TriggerEvent.UPDATED))
                    && entry.timestamp().isBefore(startedAt)) {
                return entry.timestamp().isAfter(since) ? entry.timestamp() : since;
            }
        }
        return since;
    }

    /** The tick a {@code trigger.skipped} entry of an exclusion rule stood for; empty for another entry. */
    private static Optional<Instant> excludedTick(TriggerEvent skipped) {
        if (!skipped.data().contains("\"excluded\"")) {
            return Optional.empty();
        }
        try {
            JsonObject data = JsonMatch.read(skipped.data()).asJsonObject();
            return "excluded".equals(data.getString("reason", null)) && data.containsKey("scheduledAt")
                    ? Optional.of(Instant.parse(data.getString("scheduledAt"))) : Optional.empty();
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** Whether a history entry is the fire of a backfilled tick. */
    private static boolean backfilled(TriggerEvent entry) {
        try {
            return entry.data().contains("\"backfill\"") && JsonMatch.read(entry.data()).asJsonObject()
                    .containsKey("backfill");
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /** The missed tick a late fire's history entry stood for; empty for another fire. */
    private static Optional<Instant> missedTick(TriggerEvent fire) {
        return lateTick(fire, "missed");
    }

    /** The tick a backfill's history entry stood for; empty for another fire. */
    private static Optional<Instant> backfilledTick(TriggerEvent fire) {
        return fire.data().contains("\"backfill\"") ? lateTick(fire, "backfill") : Optional.empty();
    }

    private static Optional<Instant> lateTick(TriggerEvent fire, String member) {
        try {
            JsonObject data = JsonMatch.read(fire.data()).asJsonObject();
            return Optional.ofNullable(data.getJsonObject(member)).map(m -> Instant.parse(m.getString("scheduledAt")));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Stores a trigger the code declares: registers it if none of its name is stored, else gives the
     * stored one the code's definition, leaving it enabled or disabled as it is, and marks it declared
     * if it was created at run time. Each write is made over the trigger as read only
     * ({@link SchedulingStore#insertTrigger}, {@link SchedulingStore#replaceTrigger}): of instances
     * starting together one records a change (one {@code trigger.updated}); an operator's disable, a
     * fire counted or another start's switch stored meanwhile is kept, and read again; a trigger
     * deleted meanwhile is registered again.
     *
     * @param rescheduled gets the trigger's name if the definition first read has other ticks
     * @param misfireChanged gets the definition first read if its misfire policy or grace is another
     */
    private void storeDeclared(TriggerSpec declared, Instant now, Set<String> rescheduled,
                               Map<String, TriggerSpec> misfireChanged) {
        boolean firstRead = true;
        for (int attempt = 1; ; attempt++) {
            Optional<TriggerRecord> stored = store.findTrigger(declared.name());
            if (stored.isEmpty()) {
                if (store.insertTrigger(new TriggerRecord(declared, true, now, 0, 0, Optional.empty(),
                        Optional.empty()))) {
                    history(declared.name(), TriggerEvent.REGISTERED, describe(declared));
                    return;
                }
                // Another instance starting at once registered it: read it again.
            } else {
                TriggerRecord existing = stored.get();
                TriggerSpec wanted = declared.withEnabled(existing.spec().enabled());
                if (firstRead) {
                    firstRead = false;
                    if (!sameSchedule(wanted, existing.spec())) {
                        rescheduled.add(declared.name());
                    }
                    if (wanted.misfire() != existing.spec().misfire()
                            || !wanted.misfireGrace().equals(existing.spec().misfireGrace())) {
                        misfireChanged.put(declared.name(), existing.spec());
                    }
                }
                if (existing.declared() && asKept(wanted).equals(existing.spec())) {
                    return;
                }
                if (store.replaceTrigger(existing, wanted, true)) {
                    history(declared.name(), TriggerEvent.UPDATED, describe(wanted));
                    return;
                }
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "trigger " + declared.name() + " was changed by another caller"
                    + " since it was read; reading it again");
            if (attempt == CHANGE_ATTEMPTS) {
                throw changedByOthers(declared.name());
            }
        }
    }

    /**
     * The trigger as the scheduling store hands it back: without labels, a run timeout or an overlap policy, where it keeps none
     * (written for nvent 0.1), so that a declaration unchanged since the last start is not stored again at each one.
     */
    private TriggerSpec asKept(TriggerSpec spec) {
        TriggerSpec kept = store.keepsTriggerLabels() || spec.labels().isEmpty() ? spec
                : spec.toBuilder().labels(Set.of()).build();
        TriggerSpec timed = store.keepsTriggerRunTimeouts() || kept.runTimeout().isEmpty() ? kept
                : kept.toBuilder().runTimeout(null).build();
        TriggerSpec overlapKept = store.keepsTriggerOverlap() ? timed
                : timed.toBuilder().overlap(Overlap.ALLOW_ALL).build();
        TriggerSpec excludeKept = store.keepsTriggerExclusions() || overlapKept.exclude().isEmpty() ? overlapKept
                : overlapKept.toBuilder().exclude(List.of()).build();
        TriggerSpec debounceKept = store.keepsTriggerDebounce() || excludeKept.debounce().isEmpty() ? excludeKept
                : excludeKept.toBuilder().debounce((Debounce) null).build();
        return store.keepsTriggerBatches() || debounceKept.batch().isEmpty() ? debounceKept
                : debounceKept.toBuilder().batch((Batch) null).build();
    }

    /**
     * A trigger stored as declared that the deployed code declares no longer stops firing: it is
     * disabled and becomes a trigger like one created at run time, which can be deleted or enabled
     * again, in one write over the trigger as read ({@link SchedulingStore#replaceTrigger}), so that a
     * fire counted, a change or another start's switch stored meanwhile is kept and read again. The
     * newest start decides: during a rolling deploy the instances still on the old code follow the
     * store and disarm it too; one of them that starts again declares it once more, but disabled,
     * since only an operator enables a trigger.
     */
    private void retire(String name) {
        for (int attempt = 1; ; attempt++) {
            Optional<TriggerRecord> current = store.findTrigger(name);
            if (current.isEmpty() || !current.get().declared()) {
                return;   // deleted, or retired by another instance starting at once
            }
            boolean wasEnabled = current.get().spec().enabled();
            if (store.replaceTrigger(current.get(), current.get().spec().withEnabled(false), false)) {
                history(name, TriggerEvent.DISABLED, JsonText.object()
                        .str("reason", "no longer declared with @Trigger in the deployed code").build());
                LOG.log(System.Logger.Level.WARNING, "NVENT-0166 trigger " + name + " is declared with @Trigger no"
                        + " longer: it is disabled and kept with its history as a trigger created at run time (delete"
                        + " it, or enable it to keep it firing)" + (wasEnabled ? "" : "; it was disabled already"));
                return;
            }
            if (attempt == CHANGE_ATTEMPTS) {
                throw changedByOthers(name);
            }
        }
    }

    private static NventException changedByOthers(String name) {
        return new NventException("NVENT-0550 trigger '" + name + "' was not changed: others changed it before each"
                + " of " + CHANGE_ATTEMPTS + " attempts to store this change; try again");
    }

    /**
     * Switches to another tick scheduler (the EJB timer service once it is up). Each schedule goes
     * on from the last tick the old scheduler handed out, not from now: a tick that falls between the
     * old one's disarming and the new one's arming, or that the old one had not handed out yet, fires
     * on the new one, once (the store's tick claim sees to one both hand out).
     */
    public synchronized void useTickScheduler(TickScheduler scheduler) {
        TickScheduler previous = this.ticks;
        previous.disarmAll();
        armed.forEach((name, spec) -> handover.put(name, new HandedOver(spec,
                handedOutUpTo.getOrDefault(name, clock.instant()))));
        armed.clear();
        unarmable.clear();
        this.ticks = scheduler;
        try {
            refresh();
        } finally {
            // A schedule not armed again (disabled or changed meanwhile) starts afresh when it is.
            handover.clear();
        }
    }

    /** Stops every schedule of this instance. */
    public void stop() {
        running = false;
        ticks.disarmAll();
        armed.clear();
        unarmable.clear();
        handedOutUpTo.clear();
        // Their ticks are left to the next start, or to another instance, through the store that holds them.
        owed.release();
        cutShort.clear();
        unchecked.clear();
        claimedNotFired.clear();
    }

    /** Re-reads the triggers from the store, so changes made on other instances take effect here. */
    public void refresh() {
        List<TriggerRecord> all = store.listTriggers();
        Map<String, List<String>> byEvent = new ConcurrentHashMap<>();
        Set<String> schedules = new java.util.HashSet<>();
        for (TriggerRecord trigger : all) {
            TriggerSpec spec = trigger.spec();
            if (!spec.enabled()) {
                continue;
            }
            if (spec.type() == TriggerType.EVENT) {
                byEvent.computeIfAbsent(spec.event().orElseThrow(), e -> new ArrayList<>()).add(spec.name());
            } else if (spec.type() == TriggerType.SCHEDULE && running) {
                schedules.add(spec.name());
                if (!spec.equals(armed.get(spec.name())) && !spec.equals(unarmable.get(spec.name()))) {
                    try {
                        arm(spec);
                    } catch (InvalidTriggerException e) {
                        // One schedule the timer service refuses must not keep the others, or the
                        // deployment, from starting; it is said once per definition.
                        unarmable.put(spec.name(), spec);
                        LOG.log(System.Logger.Level.ERROR, e.getMessage());
                    }
                }
            }
        }
        unarmable.keySet().retainAll(schedules);
        for (String name : Set.copyOf(armed.keySet())) {
            if (!schedules.contains(name)) {
                ticks.disarm(name);
                armed.remove(name);
                handedOutUpTo.remove(name);
            }
        }
        eventTriggers = Map.copyOf(byEvent);
    }

    /**
     * Arms a schedule trigger on this instance's timer service.
     *
     * @throws InvalidTriggerException if the timer service refuses its schedule
     */
    private void arm(TriggerSpec spec) {
        // The same definition handed over goes on where the old scheduler stopped; another one ticks from now.
        Instant after = Optional.ofNullable(handover.remove(spec.name())).filter(old -> old.spec().equals(spec))
                .map(HandedOver::upTo).orElseGet(clock::instant);
        try {
            handedOutUpTo.put(spec.name(), after);
            ticks.arm(spec.name(), Schedule.of(spec), after, this::handOut);
        } catch (InvalidTriggerException e) {
            throw e;
        } catch (RuntimeException e) {
            armed.remove(spec.name());
            String schedule = spec.every().map(every -> "every " + every).orElseGet(() -> "cron '"
                    + spec.cron().orElse("") + "', zone " + spec.timezone().getId());
            throw new InvalidTriggerException("NVENT-0153 schedule trigger '" + spec.name() + "' (" + schedule
                    + ") cannot be armed on the server's timer service: " + e.getMessage());
        }
        armed.put(spec.name(), spec);
        unarmable.remove(spec.name());
    }

    /**
     * Arms a schedule that is about to be stored, so that one the timer service refuses is refused
     * before anything is stored; nothing to do for other triggers and disabled ones.
     */
    private void armBeforeStoring(TriggerSpec spec) {
        if (running && spec.type() == TriggerType.SCHEDULE && spec.enabled() && !spec.equals(armed.get(spec.name()))) {
            try {
                arm(spec);
            } catch (InvalidTriggerException e) {
                refresh();   // the stored definition, if any, is armed again
                throw e;
            }
        }
    }

    /** A tick a scheduler hands out: noted as handed out, for a scheduler taking over, then fired. */
    private void handOut(String name, Instant scheduledAt) {
        handedOutUpTo.merge(name, scheduledAt, (a, b) -> a.isAfter(b) ? a : b);
        onTick(name, scheduledAt);
    }

    /**
     * A tick of a schedule trigger: fires once per tick across all instances. A tick that fails (the
     * store away) is missed; it is logged once while the trigger's ticks keep failing, not with a
     * stack trace every tick, and once when they work again.
     */
    public void onTick(String name, Instant scheduledAt) {
        // The missed ticks a catch-up cut short left fire first, the oldest first: this fire would not stand for them.
        resumeCatchUp(name);
        try {
            fireTick(name, scheduledAt);
            if (failingTicks.remove(name)) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0162 ticks of trigger " + name + " fire again (since "
                        + scheduledAt + ")");
            }
        } catch (RuntimeException e) {
            if (failingTicks.add(name)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0161 tick " + scheduledAt + " of trigger " + name
                        + " is missed: it could not fire (" + e + "); further failing ticks of it are logged at"
                        + " DEBUG until one fires", e);
            } else {
                LOG.log(System.Logger.Level.DEBUG, () -> "tick " + scheduledAt + " of trigger " + name + " missed: " + e);
            }
        }
    }

    private void fireTick(String name, Instant scheduledAt) {
        fireTick(name, scheduledAt, Optional.empty());
    }

    /**
     * Fires a tick if this call claims it first across the instances.
     *
     * @param missed the ticks missed while no instance ran, of which this is the latest; empty for a tick on time
     * @return whether it fired here
     */
    private boolean fireTick(String name, Instant scheduledAt, Optional<MissedTicks> missed) {
        TickInDoubt tick = new TickInDoubt(name, scheduledAt);
        TickClaim claim = missed.isPresent() && claimedNotFired.remove(tick) ? TickClaim.CLAIMED
                : store.tryClaimTick(name, scheduledAt);
        if (claim == TickClaim.IN_DOUBT) {
            if (ticksInDoubt.putIfAbsent(new TickInDoubt(name, scheduledAt),
                    new Check(clock.instant().plus(IN_DOUBT_FIRST_CHECK), IN_DOUBT_FIRST_CHECK)) == null) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0136 tick " + scheduledAt + " of trigger " + name
                        + " is not fired here: its claim is in doubt, another instance holds it in a transaction that"
                        + " has not ended (stopped in the middle of it?). It is claimed again later: if no instance"
                        + " fired it, it counts as missed and the trigger's misfire policy decides whether it fires"
                        + " late (NVENT-0133) or not (NVENT-0134)");
            }
            return false;
        }
        try {
            return claim == TickClaim.CLAIMED && fireClaimed(name, scheduledAt, missed);
        } catch (RuntimeException cutShort) {
            if (missed.isPresent()) {
                claimedNotFired.add(tick);
            }
            throw cutShort;
        }
    }

    /**
     * Fires a tick this instance claimed, unless the trigger is gone or disabled meanwhile (a backfill fires a
     * disabled one: {@link LateTick#firesDisabled}).
     *
     * <p>A missed tick starts each flow once per tick ({@link #missedTickKey}): a catch-up taken over from a start that
     * was killed between a tick's claim and its history entry (or whose entry the history no longer holds) fires the
     * tick again, and finds the run of each flow the first fire started. Only that makes "each tick once" hold
     * whatever the history says, and for every store: the claim tells that a tick was claimed, not that it fired. A
     * backfill's first claim of a tick looks the same to a takeover, so that fire is keyed too
     * ({@link LateTick#oncePerTick}).
     *
     * @return whether it fired: {@code false} also for a tick fired once per tick each of whose runs an earlier fire
     *     started
     */
    private boolean fireClaimed(String name, Instant scheduledAt, Optional<? extends LateTick> late) {
        Optional<TriggerRecord> trigger = store.findTrigger(name);
        if (trigger.isEmpty() || !trigger.get().spec().enabled() && !late.map(LateTick::firesDisabled).orElse(false)) {
            return false;
        }
        TriggerSpec spec = trigger.get().spec();
        Optional<String> excludedBy = exclusions.excludedBy(spec, scheduledAt);
        if (excludedBy.isPresent()) {
            recordExcluded(spec, scheduledAt, excludedBy.get(), late);
            return false;
        }
        boolean oncePerTick = late.filter(LateTick::oncePerTick).isPresent();
        Fire fire = fireNow(spec, JsonText.object().str("scheduledAt", scheduledAt.toString())
                .str("timezone", spec.timezone().getId()).build(),
                oncePerTick ? StartOptions.idempotent(missedTickKey(scheduledAt)) : StartOptions.DEFAULTS, false, late,
                Optional.empty());
        return !oncePerTick || fire.started().isEmpty() || fire.started().stream().anyMatch(StartedRun::created);
    }

    /**
     * The idempotency key each flow of a schedule is started with for a missed tick fired late, or a tick a backfill
     * claimed first (per trigger, as a fire's key is): a fire of the tick again starts nothing. Not for a tick on time,
     * which one claim fires once, nor for a backfill's refire of a tick claimed before, which an operator asks for.
     */
    static String missedTickKey(Instant scheduledAt) {
        return "missed tick " + scheduledAt;
    }

    @Override
    public boolean listensTo(String event) {
        return eventTriggers.containsKey(event);
    }

    /**
     * Fires the enabled triggers of the event whose filter the payload passes; an event a trigger's
     * filter rejects is no fire of it (no statistics, no history entry).
     */
    @Override
    public List<String> fireOnEvent(String event, String payloadJson, Optional<String> publishKey) {
        List<String> started = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        EventPayload payload = new EventPayload(payloadJson);
        Optional<PublishKey> published = publishKey.map(key -> PublishKey.of(event, key, payloadJson));
        for (String name : eventTriggers.getOrDefault(event, List.of())) {
            store.findTrigger(name).map(TriggerRecord::spec).filter(TriggerSpec::enabled).filter(payload::passes)
                    .ifPresent(spec -> {
                        Fire fire = fireNow(spec, payloadJson, StartOptions.DEFAULTS, false, Optional.empty(),
                                published);
                        started.addAll(fire.startedIds());
                        failures.addAll(fire.failures());
                    });
        }
        if (published.isPresent()) {
            // Its retry gets the runs started here and starts what is missing; a sender's mistake it would repeat.
            Optional<RuntimeException> retryable = failures.stream().filter(TriggerManager::mayGoOnRetry).findFirst();
            if (retryable.isPresent()) {
                throw retryable.get();
            }
        }
        return started;
    }

    /** Whether a start that failed may start on a retry: not when the payload, the flows or the key were wrong. */
    private static boolean mayGoOnRetry(RuntimeException failure) {
        return !(failure instanceof InvalidPayloadException || failure instanceof FlowNotFoundException
                || failure instanceof ConcurrencyKeyNotInPayloadException
                || failure instanceof IdempotencyKeyConflictException);
    }

    /**
     * An event's payload, parsed at most once, for the filters of all the triggers of the event. A payload
     * holding a number too large to write out ({@link JsonMatch#readHeld}) cannot be read, so it passes no
     * filter with members: that is no fire of the trigger, and the emitter is not told (an emit must not
     * fail because of some trigger's filter); it is logged once per trigger definition until the next start.
     */
    private final class EventPayload {
        private final String json;
        private Optional<JsonValue> value;

        EventPayload(String json) {
            this.json = json;
        }

        boolean passes(TriggerSpec trigger) {
            if (trigger.filter().isEmpty()) {
                return true;
            }
            JsonObject filter = JsonMatch.read(trigger.filter().get()).asJsonObject();
            if (filter.isEmpty()) {
                return true;
            }
            if (value == null) {
                value = JsonMatch.readHeld(json);
            }
            if (value.isEmpty() && unreadablePayloadSaid.add(trigger)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0578 event trigger " + trigger.name() + " did not fire"
                        + " for an event '" + trigger.event().orElse("") + "' whose payload holds a number too large"
                        + " to write out (such as 1e99999999999), which leaves the payload unread: it matches no"
                        + " filter. Such events are no fire of the trigger (said once per trigger definition until the"
                        + " next start)");
            }
            return value.isPresent() && JsonMatch.contains(value.get(), filter);
        }
    }

    // ---------------------------------------------------------------- TriggerService

    @Override
    public TriggerService actingAs(io.nvent.Operator operator) {
        return OperatorView.of(this, operator);
    }

    @Override
    public List<TriggerInfo> triggers() {
        return store.listTriggers().stream().map(this::info)
                .sorted(Comparator.comparing(TriggerInfo::name)).toList();
    }

    @Override
    public Optional<TriggerInfo> trigger(String name) {
        return store.findTrigger(name).map(this::info);
    }

    @Override
    public synchronized TriggerInfo create(TriggerSpec spec) {
        validate(spec);
        if (store.findTrigger(spec.name()).isPresent()) {
            throw existsAlready(spec.name());
        }
        return insert(spec).orElseThrow(() -> existsAlready(spec.name()));
    }

    private static InvalidTriggerException existsAlready(String name) {
        return new InvalidTriggerException("a trigger named '" + name + "' exists already");
    }

    /**
     * Stores a new trigger created at run time, unless one of its name exists (another instance
     * created it since it was looked up): of instances creating it at once, one creates it.
     *
     * @return the trigger as stored; empty if one of its name existed, left as it is
     */
    private Optional<TriggerInfo> insert(TriggerSpec spec) {
        TriggerRecord record = new TriggerRecord(spec, false, clock.instant(), 0, 0, Optional.empty(),
                Optional.empty());
        armBeforeStoring(spec);
        if (!store.insertTrigger(record)) {
            refresh();   // the stored definition is armed, not this one
            return Optional.empty();
        }
        history(spec.name(), TriggerEvent.REGISTERED, describe(spec));
        refresh();
        return Optional.of(info(record));
    }

    @Override
    public synchronized TriggerInfo update(TriggerSpec spec) {
        Changed changed = change(spec.name(), existing -> {
            requireSameType(existing, spec);
            validate(spec);
            return Optional.of(spec);
        });
        history(spec.name(), TriggerEvent.UPDATED, describe(spec));
        refresh();
        return info(changed.trigger());
    }

    private static void requireSameType(TriggerRecord existing, TriggerSpec spec) {
        if (existing.spec().type() != spec.type()) {
            throw new InvalidTriggerException("trigger '" + spec.name() + "' is a " + existing.spec().type().wireName()
                    + " trigger; its type cannot change to " + spec.type().wireName());
        }
    }

    /**
     * Creates the trigger, or gives the stored one this definition with a conditional write: an
     * operator's enable or disable, or another instance's change, stored between its read and its
     * write is not undone but read again. One the code declares ({@code @Trigger}) is refused: the
     * code's definition and this one would replace each other at every start.
     */
    @Override
    public synchronized TriggerInfo createOrUpdate(TriggerSpec spec) {
        if (engine.registry().declaredTriggers().containsKey(spec.name())) {
            throw InvalidTriggerException.declaredInCode(spec.name());
        }
        validate(spec);
        if (store.findTrigger(spec.name()).isEmpty()) {
            Optional<TriggerInfo> created = insert(spec);
            if (created.isPresent()) {
                return created.get();
            }
        }
        Changed changed = change(spec.name(), existing -> {
            if (existing.declared()) {
                throw InvalidTriggerException.declaredInCode(spec.name());
            }
            requireSameType(existing, spec);
            TriggerSpec wanted = spec.withEnabled(existing.spec().enabled());
            return wanted.equals(existing.spec()) ? Optional.empty() : Optional.of(wanted);
        });
        if (changed.changed()) {
            history(spec.name(), TriggerEvent.UPDATED, describe(changed.trigger().spec()));
        }
        refresh();
        return info(changed.trigger());
    }

    @Override
    public synchronized TriggerInfo setEnabled(String name, boolean enabled) {
        Changed changed = change(name, existing -> Optional.of(existing.spec().withEnabled(enabled)));
        history(name, enabled ? TriggerEvent.ENABLED : TriggerEvent.DISABLED, "{}");
        refresh();
        return info(changed.trigger());
    }

    /** A trigger as stored after {@link #change}, and whether that call changed it. */
    private record Changed(TriggerRecord trigger, boolean changed) {
    }

    /**
     * Stores what {@code change} makes of a trigger's definition as stored, only if it is still that
     * ({@link SchedulingStore#replaceTriggerSpec}): a change another caller stored meanwhile (an
     * operator's disable, another instance's update) is read again and {@code change} applied to it,
     * instead of being undone; a fire counted meanwhile is kept.
     *
     * @param change the new definition for the stored trigger; empty to leave it as it is
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws NventException ({@code NVENT-0550}) if others changed it before each of
     *     {@link #CHANGE_ATTEMPTS} writes
     */
    private Changed change(String name, Function<TriggerRecord, Optional<TriggerSpec>> change) {
        boolean armedUnstored = false;
        try {
            for (int attempt = 1; ; attempt++) {
                TriggerRecord existing = require(name);
                Optional<TriggerSpec> wanted = change.apply(existing);
                if (wanted.isEmpty()) {
                    return new Changed(existing, false);   // the callers refresh, arming what is stored
                }
                armBeforeStoring(wanted.get());
                armedUnstored = true;
                if (store.replaceTriggerSpec(existing.spec(), wanted.get())) {
                    return new Changed(existing.withSpec(wanted.get()), true);
                }
                LOG.log(System.Logger.Level.DEBUG, () -> "trigger " + name + " was changed by another caller since it"
                        + " was read; reading it again");
                if (attempt == CHANGE_ATTEMPTS) {
                    throw changedByOthers(name);
                }
            }
        } catch (RuntimeException e) {
            if (armedUnstored) {
                // A definition not stored was armed (a later try found the trigger deleted, or the change
                // refused on it): the stored one is armed again, not left ticking until the next refresh.
                try {
                    refresh();
                } catch (RuntimeException refreshFailed) {
                    e.addSuppressed(refreshFailed);
                }
            }
            throw e;
        }
    }

    @Override
    public synchronized void delete(String name) {
        TriggerRecord existing = require(name);
        if (existing.declared()) {
            throw InvalidTriggerException.declaredInCode(name);
        }
        store.deleteTrigger(name);
        forgetSaid(name);
        refresh();
    }

    /**
     * Forgets what was said once of a trigger deleted here, so that one created anew under its name with the same
     * definition is told of again.
     */
    private void forgetSaid(String name) {
        keyNotInPayloadSaid.removeIf(said -> said.name().equals(name));
        debounceKeyNotInPayloadSaid.removeIf(said -> said.name().equals(name));
        unreadablePayloadSaid.removeIf(said -> said.name().equals(name));
        overlaps.forget(name);
        exclusions.forget(name);
    }

    @Override
    public List<String> fire(String name, String jsonPayload) {
        return fire(name, jsonPayload, StartOptions.DEFAULTS).stream().map(StartedRun::runId).toList();
    }

    @Override
    public List<StartedRun> fire(String name, String jsonPayload, StartOptions options) {
        TriggerRecord trigger = require(name);
        if (!trigger.spec().enabled()) {
            throw new TriggerDisabledException(name);
        }
        if (options.delay().isPresent()) {
            requireDelayable(trigger.spec());
        }
        Fire fire = fireNow(trigger.spec(), json.validate(jsonPayload, "payload of trigger '" + name + "'"),
                options, true);
        if (fire.started().isEmpty() && !fire.failures().isEmpty()) {
            // The caller must not believe it started something. The payload is in the trigger's history.
            RuntimeException first = fire.failures().get(0);
            if (fire.failures().stream().allMatch(InvalidPayloadException.class::isInstance)) {
                // The webhook's sender gets the broken constraints of each flow's input too (a 400's violations).
                throw new InvalidPayloadException("trigger '" + name + "' started no run: "
                        + String.join("; ", fire.errors()), fire.failures().stream()
                        .flatMap(failure -> ((InvalidPayloadException) failure).violations().stream())
                        .toList());
            }
            throw first;
        }
        return fire.started();
    }

    /**
     * A flow's refusal of a fire's payload, its violations naming the flow: the fire may start several flows, each
     * checking the payload against its own entry step's class, and its sender is told which refused what.
     */
    private static InvalidPayloadException refusedBy(String flow, InvalidPayloadException refused) {
        if (refused.violations().isEmpty()) {
            return refused;
        }
        String message = refused.getMessage();
        // Its message begins with its id, which the new one's constructor gives it again.
        InvalidPayloadException named = new InvalidPayloadException(message.substring(message.indexOf(' ') + 1),
                refused.violations().stream().map(violation -> violation.ofFlow(flow)).toList());
        named.setStackTrace(refused.getStackTrace());
        return named;
    }

    /** Refuses a delayed fire before it starts any flow if one of the flows cannot start delayed. */
    private void requireDelayable(TriggerSpec spec) {
        for (String name : spec.flows()) {
            Optional<String> waiting = engine.registry().flow(name).map(FlowDefinition::entry)
                    .filter(entry -> entry.awaitBefore().isPresent()).map(StepDefinition::name);
            if (waiting.isPresent()) {
                throw new IllegalArgumentException("trigger '" + spec.name() + "' cannot fire delayed: the entry step '"
                        + waiting.get() + "' of its flow '" + name + "' waits before it runs already (@AwaitBefore)");
            }
        }
    }

    /** What a fire did: the runs it started (or an earlier fire with its key did), and why the other flows did not start. */
    private record Fire(List<StartedRun> started, List<RuntimeException> failures, List<String> errors) {

        List<String> startedIds() {
            return started.stream().map(StartedRun::runId).toList();
        }
    }

    @Override
    public List<TriggerEvent> history(String name, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the most history entries to list must be at least 1, was " + limit);
        }
        require(name);
        return store.triggerHistory(name, limit);
    }

    @Override
    public List<TriggerEvent> history(String name, Set<String> types, OptionalLong before, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the most history entries to list must be at least 1, was " + limit);
        }
        // A misspelt type would list nothing, which reads as "it never happened".
        types.stream().filter(type -> !TriggerEvent.TYPES.contains(type)).sorted().findFirst().ifPresent(type -> {
            throw new IllegalArgumentException("NVENT-0497 '" + type + "' is no trigger history entry type; the types are "
                    + String.join(", ", new java.util.TreeSet<>(TriggerEvent.TYPES)));
        });
        require(name);
        return store.triggerHistory(name, Set.copyOf(types), before, limit);
    }

    @Override
    public List<Instant> nextTicks(String cron, ZoneId zone, Instant after, int count) {
        // A preview validates what creating the trigger would, by the same rule: an empty list would read
        // as "no tick soon" rather than "never".
        TriggerRules.cronProblem(cron).ifPresent(problem -> {
            throw new InvalidTriggerException(problem);
        });
        return Cron.parse(cron).nextTicks(after, zone, Math.min(count, 100));
    }

    @Override
    public List<io.nvent.ScheduledTick> nextTicksOf(String trigger, Instant after, int count) {
        TriggerSpec spec = require(trigger).spec();
        requireSchedule(spec);
        // Saved: its calendars were known when it was, and one a redeploy removed excludes nothing, as at its ticks.
        return exclusions.ticks(spec, Schedule.of(spec), after, Math.min(count, 100));
    }

    @Override
    public List<io.nvent.ScheduledTick> nextTicksOf(TriggerSpec schedule, Instant after, int count) {
        requireSchedule(schedule);
        // Not saved: its cron as nextTicks refuses it, its rules (and a store that keeps none) as creating it would
        // refuse them, with the same messages.
        // Its refusals name it "the schedule being previewed": it has no name yet (the REST preview's is made up).
        schedule.cron().flatMap(TriggerRules::cronProblem)
                .or(() -> TriggerRules.previewedExclusionProblem(schedule.exclude()))
                .ifPresent(problem -> {
                    throw new InvalidTriggerException(problem);
                });
        requireExclusionsKept(schedule, ExclusionRules.PREVIEWED);
        exclusions.requireKnown(schedule, ExclusionRules.PREVIEWED, "");
        return exclusions.ticks(schedule, Schedule.of(schedule), after, Math.min(count, 100));
    }

    /**
     * Refuses a trigger with exclusions on a store that keeps none (NVENT-0427): stored, it would come back without
     * them and fire on the days it must not. A preview of one is refused alike: it would mark ticks no trigger skips.
     */
    private void requireExclusionsKept(TriggerSpec spec) {
        requireExclusionsKept(spec, ExclusionRules.subject(spec.name()));
    }

    /** As {@link #requireExclusionsKept(TriggerSpec)}, naming {@code subject} where it would name the trigger. */
    private void requireExclusionsKept(TriggerSpec spec, String subject) {
        if (!spec.exclude().isEmpty() && !store.keepsTriggerExclusions()) {
            throw new UnsupportedByAdapterException("NVENT-0427 " + subject + " has exclusions "
                    + spec.exclude() + ", but scheduling store " + store.getClass().getName() + " keeps no trigger"
                    + " exclusions (SchedulingStore.keepsTriggerExclusions is false, written for nvent 0.1): it would"
                    + " fire at every tick; give the trigger no exclusions, or use a store that keeps them (the memory"
                    + " or the JPA store)");
        }
    }

    private static void requireSchedule(TriggerSpec spec) {
        if (spec.type() != TriggerType.SCHEDULE) {
            throw new InvalidTriggerException("trigger '" + spec.name() + "' is a " + spec.type().wireName()
                    + " trigger; only a schedule has ticks");
        }
    }

    @Override
    public BackfillResult backfill(Backfill backfill) {
        TriggerSpec spec = require(backfill.trigger()).spec();
        String name = spec.name();
        if (spec.type() != TriggerType.SCHEDULE) {
            throw new InvalidTriggerException("trigger '" + name + "' is a " + spec.type().wireName()
                    + " trigger; only a schedule has ticks to backfill");
        }
        Instant now = clock.instant();
        if (backfill.to().isAfter(now)) {
            throw new IllegalArgumentException("NVENT-0414 a backfill of trigger '" + name + "' fires past ticks: to ("
                    + backfill.to() + ") is after now (" + now + "); the schedule fires the later ones");
        }
        if (!backfill.refire()) {
            // Not the deployment's own misfire grace: another instance may have a shorter one and forget claims sooner.
            Duration kept = tickClaimsKept(Duration.ZERO);
            // The sweep forgets claims as time goes on: the margin keeps the oldest ticks' claims while the call runs.
            Instant oldestKnown = now.minus(kept).plus(BACKFILL_CLAIM_MARGIN);
            if (backfill.from().isBefore(oldestKnown)) {
                throw new IllegalArgumentException("NVENT-0415 cannot backfill trigger '" + name + "' from "
                        + backfill.from() + ": tick claims are kept for " + kept + " on every instance (a day, or the longest"
                        + " misfire grace of a trigger), so whether its ticks before " + oldestKnown
                        + " fired cannot be told; begin at or after " + oldestKnown + ", or refire (refire=true) to fire"
                        + " every tick of the range whether it fired before or not");
            }
        }
        Schedule schedule = Schedule.of(spec);
        int ticks = 0;
        int fired = 0;
        int alreadyFired = 0;
        int inDoubt = 0;
        Optional<Instant> tick = schedule.latestAtOrBefore(backfill.from()).filter(backfill.from()::equals)
                .or(() -> schedule.nextAfter(backfill.from()));
        for (; tick.isPresent() && tick.get().isBefore(backfill.to()) && ticks < backfill.limit();
             tick = schedule.nextAfter(tick.get())) {
            ticks++;
            // A refire claims the tick too, so that no late fire at a start fires it once more.
            TickClaim claim = store.tryClaimTick(name, tick.get());
            if (claim == TickClaim.TAKEN && !backfill.refire()) {
                alreadyFired++;
            } else if (claim == TickClaim.IN_DOUBT && !backfill.refire()) {
                inDoubt++;
            } else if (fireClaimed(name, tick.get(),
                    Optional.of(new LateTick.Backfilled(tick.get(), claim == TickClaim.CLAIMED)))) {
                fired++;
            }
        }
        Optional<Instant> next = tick.filter(t -> t.isBefore(backfill.to()));
        BackfillResult result = new BackfillResult(ticks, fired, alreadyFired, inDoubt,
                ticks - fired - alreadyFired - inDoubt, next);
        LOG.log(System.Logger.Level.INFO, "NVENT-0416 trigger " + name + " backfilled " + (backfill.refire()
                ? "(refiring) " : "") + ticks + " ticks in [" + backfill.from() + ", " + backfill.to() + "): " + fired
                + " fired, " + alreadyFired + " had fired already, " + inDoubt + " in doubt"
                + (result.notFired() > 0 ? ", " + result.notFired() + " not fired (the trigger was deleted)" : "")
                + next.map(n -> "; the range goes on from " + n).orElse(""));
        return result;
    }

    @Override
    public String describe(String cron) {
        return Cron.parse(cron).describe();
    }

    @Override
    public AppliedMisfire appliedMisfire(TriggerSpec schedule) {
        if (schedule.type() != TriggerType.SCHEDULE) {
            throw new IllegalArgumentException("trigger '" + schedule.name() + "' is a " + schedule.type().wireName()
                    + " trigger; only a schedule has ticks to miss");
        }
        return misfires.appliedTo(schedule).asApi();
    }

    // ---------------------------------------------------------------- internals

    /**
     * The fire's options with the labels its runs carry, the trigger's and the options' own
     * ({@link TriggerSpec#labelsWith}), and their timeout: the options' own, else the trigger's.
     *
     * @throws IllegalArgumentException if they are more than a run carries ({@link TriggerSpec#labelsWith})
     */
    private static StartOptions forRuns(TriggerSpec spec, StartOptions options) {
        if (spec.labels().isEmpty() && (spec.runTimeout().isEmpty() || options.timeout().isPresent())) {
            return options;
        }
        return new StartOptions(options.idempotencyKey(), options.delay(), options.concurrencyKey(),
                options.concurrencyLimit(), options.concurrencyLimitChosen(), spec.labelsWith(options.labels()),
                options.timeout().or(spec::runTimeout));
    }

    /**
     * Starts the trigger's flows and records the fire. A flow this deployment lacks (removed from
     * the code, a runtime trigger naming it outlives it) is a known case: logged once per trigger
     * without a stack trace; a fire by name is refused for it every time, while of the ticks and
     * events only the first after a start records the failure, the others are no fire of it.
     *
     * @param options the fire's idempotency key, start delay and concurrency key, for each flow; the trigger's own key
     *     and limit join them ({@link TriggerConcurrencyKey})
     * @param byName fired by a caller (manual fire, webhook), not by a tick or an event
     */
    private Fire fireNow(TriggerSpec spec, String payloadJson, StartOptions options, boolean byName) {
        return fireNow(spec, payloadJson, options, byName, Optional.empty(), Optional.empty());
    }

    /**
     * @param missed for a tick fired late (missed while no instance ran, or backfilled): what its history entry says of it
     * @param published the key of the publish whose event fires the trigger: each flow is started once with it
     */
    private Fire fireNow(TriggerSpec spec, String payloadJson, StartOptions options, boolean byName,
                         Optional<? extends LateTick> missed, Optional<PublishKey> published) {
        Instant now = clock.instant();
        StartOptions keyed;
        try {
            keyed = TriggerConcurrencyKey.startOptions(spec, payloadJson, forRuns(spec, options));
        } catch (ConcurrencyKeyNotInPayloadException noKey) {
            return keyNotInPayload(spec, payloadJson, byName, missed, now, noKey);
        }
        if (missed.isEmpty() && (spec.debounce().isPresent() && store.keepsTriggerDebounce()
                || spec.batch().isPresent() && store.keepsTriggerBatches())) {
            return fireDebounced(spec, payloadJson, keyed, byName, published, now);
        }
        // A tick fired late takes its turn (buffer-all): a backfill of a skipping schedule fires each of its ticks. A
        // retry of a keyed fire gets the runs it started (and starts those it failed to), whatever is under way.
        if (missed.isEmpty() && TriggerOverlaps.decidesAtFire(spec) && !retried(spec, keyed, published)) {
            String key = keyed.concurrencyKey().orElseThrow();
            // The fires of a key on this instance decide one after the other, each seeing the runs of the one before
            // (they wait for the key from their start): a webhook's concurrent calls start one run, not several.
            synchronized (overlaps.turnOf(key)) {
                String fire = fireInWords(spec, payloadJson, byName);
                TriggerOverlaps.Look look = overlaps.skippedFor(spec, key, fire);
                if (look.skippedFor().isPresent()) {
                    recordSkipped(spec, now, payloadJson, look.skippedFor().get(), fire);
                    return new Fire(List.of(), List.of(), List.of());
                }
                // Fires on other instances may have read at the same moment: under skip and buffer-one the store
                // decides, the fire's first run going on only if the key's line lets it (held, or the one waiting);
                // under cancel-other the fire the store admits last cancels the runs of those admitted before.
                Fire fired = startFlows(spec, payloadJson, keyed, byName, missed, published, now,
                        spec.overlap() == Overlap.SKIP || spec.overlap() == Overlap.BUFFER_ONE ? Optional.of(fire)
                                : Optional.empty());
                overlaps.cancelRacing(spec, key, fired.started().stream().filter(StartedRun::created)
                        .map(StartedRun::runId).toList(), look, fire);
                return fired;
            }
        }
        return startFlows(spec, payloadJson, keyed, byName, missed, published, now, Optional.empty());
    }

    /**
     * A fire of a debounced trigger ({@link Debounce}): for each of its flows, folded into the key's pending run if
     * there is one, else opening one, started delayed by the debounce. The store's slot of the trigger, flow and key
     * decides between instances: of fires opening it at once one opens it, the others fold into its run; a fire
     * folded after the run took the slot's payload as it started finds no slot, and opens a new pending run. A slot
     * whose run has ended (an operator canceled it) or was never created (its instance stopped in between) is closed
     * and opened anew.
     */
    private Fire fireDebounced(TriggerSpec spec, String payloadJson, StartOptions keyed, boolean byName,
                               Optional<PublishKey> published, Instant now) {
        // A trigger has a debounce or batching, not both: TriggerSpec refuses both.
        Optional<Batch> batch = spec.batch().filter(b -> store.keepsTriggerBatches());
        String key;
        try {
            key = batch.isPresent() ? TriggerDebounce.keyOf(spec, batch.get(), payloadJson)
                    : TriggerDebounce.keyOf(spec, spec.debounce().orElseThrow(), payloadJson);
        } catch (InvalidPayloadException noKey) {
            if (!byName && debounceKeyNotInPayloadSaid.add(spec)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0435 " + noKey.getMessage() + " (said once per trigger"
                        + " definition until the next start; the trigger's history records each such fire as failed)");
            }
            recordFireSafely(spec, now, List.of(), Optional.of(noKey.getMessage()), payloadJson);
            return new Fire(List.of(), List.of(noKey), List.of(noKey.getMessage()));
        }
        List<StartedRun> runs = new ArrayList<>();
        List<String> opened = new ArrayList<>();
        List<String> folded = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        for (String flow : spec.flows()) {
            try {
                if (batch.isPresent()) {
                    engine.requireBatchable(flow, payloadJson, spec.name(), key);
                } else {
                    engine.requireDebounceable(flow, payloadJson, spec.name());
                }
                String slot = TriggerDebounce.slot(spec.name(), flow, key);
                // The key is claimed first: a retry of the opening fire with another payload is refused too.
                StartedRun run = foldOnce(flow, spec.name(), keyed, published, payloadJson, openingKey -> engine
                        .debouncedRepeat(flow, spec.name(), keyed, published).orElseGet(() -> batch.isPresent()
                                ? appendOrOpen(spec, batch.get(), flow, slot, key, payloadJson, keyed, published, now,
                                        openingKey)
                                : foldOrOpen(spec, spec.debounce().orElseThrow(), flow, slot, key, payloadJson, keyed,
                                        published, now, openingKey)));
                runs.add(run);
                (run.created() ? opened : folded).add(run.runId());
            } catch (RuntimeException e) {
                errors.add(flow + ": " + e.getMessage());
                failures.add(e instanceof InvalidPayloadException refused ? refusedBy(flow, refused) : e);
                // The sender's mistake or a flow not deployed needs no stack trace; anything else does.
                boolean known = e instanceof InvalidPayloadException || e instanceof FlowNotFoundException
                        || e instanceof io.nvent.IdempotencyKeyInUseException
                        || e instanceof IdempotencyKeyConflictException;
                LOG.log(System.Logger.Level.WARNING, "NVENT-0131 trigger " + spec.name() + " could not start flow "
                        + flow + (known ? ": " + e.getMessage() : ""), known ? null : e);
            }
        }
        if (runs.isEmpty() && !failures.isEmpty()
                && failures.stream().allMatch(IdempotencyKeyConflictException.class::isInstance)) {
            // A key reused with another payload, as a start's (fireNow): no fire of its own, nothing counted.
            return new Fire(runs, failures, errors);
        }
        Optional<String> error = errors.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", errors));
        try {
            store.recordFire(spec.name(), now, opened.size(), error);
            JsonText data = withPayload(JsonText.object(), payloadJson, error.isEmpty()).raw("runs", jsonArray(opened));
            if (!folded.isEmpty()) {
                // Counted as a fire, as any: the entry says which pending runs it went into instead of starting one.
                data.raw(batch.isPresent() ? "batched" : "debounced", JsonText.object().str("key", key)
                        .raw(batch.isPresent() ? "appendedTo" : "foldedInto", jsonArray(folded)).build());
            }
            error.ifPresent(e -> data.str("error", e));
            history(spec.name(), error.isPresent() ? TriggerEvent.FAILED : TriggerEvent.FIRED, data.build());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0132 trigger " + spec.name() + " started runs " + opened
                    + " and folded into " + folded + " but its statistics or history entry could not be stored", e);
        }
        return new Fire(runs, failures, errors);
    }

    /**
     * The fire folded, appended or opening a run once per key ({@link FlowEngine#claimFireKey}): a retry of a fire
     * that went into a run still stored is answered with that run ({@code replayed}), folding nothing; one whose key an
     * earlier fire gave with another payload is refused (NVENT-0450), folding nothing; one whose key's
     * first fire may still be under way is refused ({@code IdempotencyKeyInUseException}, to retry in a second); a fire
     * without a key, or whose key's first fire never answered (its instance stopped), folds as it comes. The key of a
     * fire opening a slot is kept with the slot's run as the slot opens, before the run is stored: should its instance
     * stop in between, its retry is answered with the run the maintenance sweep recovers from the slot.
     */
    private StartedRun foldOnce(String flow, String trigger, StartOptions keyed, Optional<PublishKey> published,
                                String payloadJson,
                                java.util.function.Function<java.util.function.Consumer<String>, StartedRun> fold) {
        Optional<FlowEngine.FireKeyClaim> claim = engine.claimFireKey(flow, trigger, keyed, published, payloadJson);
        Optional<String> earlier = claim.flatMap(FlowEngine.FireKeyClaim::earlier)
                .flatMap(io.nvent.spi.RequestKey::response).filter(run -> engine.runStatus(run).isPresent()
                        || store.debounceSlotOf(run).isPresent());   // a run the sweep is to recover
        if (earlier.isPresent()) {
            return new StartedRun(earlier.get(), false);
        }
        Optional<FlowEngine.FireKeyClaim> ours = claim.filter(FlowEngine.FireKeyClaim::claimed);
        java.util.concurrent.atomic.AtomicReference<String> kept = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.function.Consumer<String> keep = runId -> ours.ifPresent(c -> {
            engine.keepFireKey(c, runId);
            kept.set(runId);
        });
        StartedRun run;
        try {
            run = fold.apply(keep);
        } catch (RuntimeException e) {
            ours.ifPresent(c -> engine.forgetFireKey(c, e));
            throw e;
        }
        if (!run.runId().equals(kept.get())) {
            keep.accept(run.runId());
        }
        return run;
    }

    /** The fire folded into the slot's pending run ({@link StartedRun#folded()}), or the pending run it opened. */
    private StartedRun foldOrOpen(TriggerSpec spec, Debounce debounce, String flow, String slot, String key,
                                  String payloadJson, StartOptions keyed, Optional<PublishKey> published,
                                  Instant now, java.util.function.Consumer<String> openingKey) {
        for (int attempt = 1; ; attempt++) {
            Optional<DebouncedFire> fold = store.foldDebounce(slot, payloadJson, now, debounce.window(), debounce.max());
            if (fold.isPresent()) {
                Optional<RunStatus> status = engine.runStatus(fold.get().runId());
                boolean ended = status.filter(RunStatus::isTerminal).isPresent();
                // A run not stored a debounce after its slot opened will not be: its instance stopped in between.
                boolean neverCreated = status.isEmpty() && fold.get().firstFireAt().plus(debounce.window()).isBefore(now);
                if (!ended && !neverCreated) {
                    // Started meanwhile: it took the slot, this fire's payload in it, unless its start failed to
                    // take it (NVENT-0013), which leaves the slot naming it, to be taken here.
                    if (engine.foldDebounced(fold.get(), payloadJson, key)
                            || store.takeDebounced(fold.get().runId()).isEmpty()) {
                        return StartedRun.foldedInto(fold.get().runId());
                    }
                }
                LOG.log(System.Logger.Level.INFO, "trigger " + spec.name() + " found its pending run "
                        + fold.get().runId() + " of flow " + flow + " for debounce key '" + key + "' "
                        + (ended ? "ended (" + status.get().wireName() + ") before it started"
                                : neverCreated ? "never stored" : "started without taking its slot")
                        + ": the fire opens a new pending run");
                if (ended || neverCreated) {
                    store.takeDebounced(fold.get().runId());
                }
            }
            String runId = TriggerDebounce.newRunId();
            if (store.openDebounce(slot, runId, payloadJson, now, now.plus(debounce.window()))) {
                StartedRun opened;
                try {
                    openingKey.accept(runId);
                    opened = engine.startDebounced(flow, runId, payloadJson, spec.name(), keyed, published, debounce,
                            key);
                } catch (RuntimeException e) {
                    closeUnstored(runId, e);
                    throw e;
                }
                engine.applyFoldsWhileStored(runId, key, Optional.empty());
                return opened;
            }
            if (attempt == 3) {
                // Opened and closed by others three times while this fire looked: the store is too busy to tell.
                throw new IllegalStateException("trigger '" + spec.name() + "' could neither fold its fire"
                        + " into the pending run of debounce key '" + key + "' nor open one: other fires and starts"
                        + " of the key changed it each time; fire again");
            }
        }
    }

    /**
     * The fire appended to the batch of the slot's pending run ({@code created} false), or the pending run it opened.
     * The fire that fills the batch starts its run now; one that would make the batch too large for a run's input
     * ({@code nvent.payload.max-bytes}) starts it without itself, and opens the next batch. A slot whose run has ended
     * or was never created is closed and opened anew; one whose run started without taking it (NVENT-0013) is taken,
     * and its batch, this fire in it, opens the next one: no fire is lost.
     */
    private StartedRun appendOrOpen(TriggerSpec spec, Batch batch, String flow, String slot, String key,
                                    String payloadJson, StartOptions keyed, Optional<PublishKey> published,
                                    Instant now, java.util.function.Consumer<String> openingKey) {
        Optional<String> fireKey = engine.triggerFireKey(spec.name(), keyed, published);
        long maxBytes = json.maxPayloadBytes() - TriggerDebounce.batchInput("[]", Batch.MAX_MAX, key)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        String opening = "[" + payloadJson + "]";
        long alone = opening.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (alone > maxBytes) {
            // Appended, it would close the pending batch early; opened alone, its run's input would pass the limit.
            throw new InvalidPayloadException("NVENT-0011 trigger '" + spec.name() + "' batches its fires, and this"
                    + " fire's payload (" + (alone - 2) + " bytes) leaves no room for a batch's input within"
                    + " nvent.payload.max-bytes (" + json.maxPayloadBytes() + " bytes, of which a batch's input takes "
                    + (json.maxPayloadBytes() - maxBytes + 2) + "); nothing was appended or started: send a smaller"
                    + " payload, or raise nvent.payload.max-bytes");
        }
        for (int attempt = 1; ; attempt++) {
            Optional<BatchedFire> append = store.appendBatch(slot, payloadJson, fireKey, batch.max(), maxBytes);
            if (append.isPresent()) {
                BatchedFire batched = append.get();
                Optional<RunStatus> status = engine.runStatus(batched.runId());
                boolean ended = status.filter(RunStatus::isTerminal).isPresent();
                boolean neverCreated = status.isEmpty() && batched.firstFireAt().plus(batch.window()).isBefore(now);
                boolean repeat = !batched.appended() && !batched.closed();
                boolean pending = !ended && !neverCreated && (repeat || engine.batchAppended(batched, batch.max(), key));
                if (pending && (batched.appended() || !batched.closed())) {
                    // In the batch (a fire of its own, as a debounced fire folded in), or a repeat of a fire in it.
                    return batched.appended() ? StartedRun.foldedInto(batched.runId())
                            : new StartedRun(batched.runId(), false);
                }
                if (!pending) {
                    Optional<String> left = store.takeDebounced(batched.runId());
                    if (!neverCreated && batched.appended() && left.isEmpty()) {
                        // Its run started (and may have ended) between the append and its record, and took the batch,
                        // this fire in it: the fire is in that run, not again in a new batch.
                        return StartedRun.foldedInto(batched.runId());
                    }
                    LOG.log(System.Logger.Level.INFO, "trigger " + spec.name() + " found its pending run "
                            + batched.runId() + " of flow " + flow + " for batch key '" + key + "' "
                            + (ended ? "ended (" + status.get().wireName() + ") before it started"
                                    : neverCreated ? "never stored" : "started without taking its batch")
                            + ": the fire opens a new batch");
                    if (!ended && batched.appended() && left.isPresent()) {
                        // The batch its run did not take, or that was never stored with a run: this fire in it.
                        opening = left.get();
                    }
                }
            }
            String runId = TriggerDebounce.newRunId();
            if (store.openDebounce(slot, runId, opening, now, now.plus(batch.window()))) {
                StartedRun opened;
                try {
                    openingKey.accept(runId);
                    opened = engine.startBatched(flow, runId, payloadJson, spec.name(), keyed, published, batch, key);
                } catch (RuntimeException e) {
                    closeUnstored(runId, e);
                    throw e;
                }
                engine.applyFoldsWhileStored(runId, key, Optional.of(batch));
                return opened;
            }
            if (attempt == 3) {
                throw new IllegalStateException("trigger '" + spec.name() + "' could neither append its fire"
                        + " to the batch of key '" + key + "' nor open one: other fires and starts of the key changed"
                        + " it each time; fire again");
            }
        }
    }

    /**
     * Closes the slot of a pending run that could not be stored, so that no slot names a run that does not exist; one
     * stored meanwhile (the maintenance sweep recovered it) keeps it.
     */
    private void closeUnstored(String runId, RuntimeException failed) {
        try {
            if (engine.runStatus(runId).isEmpty()) {
                store.takeDebounced(runId);
            }
        } catch (RuntimeException notClosed) {
            failed.addSuppressed(notClosed);   // the sweep stores its run once the slot is overdue
        }
    }

    /**
     * How long after its due time a slot naming no stored run is recovered by default
     * ({@code nvent.triggers.debounce.recovery-grace}): its opener stores the run at once.
     */
    public static final Duration UNSTORED_SLOT_GRACE = Duration.ofMinutes(1);

    /** The longest {@code nvent.triggers.debounce.recovery-grace}: a lost fire's run waits that long after its time. */
    static final Duration LONGEST_SLOT_GRACE = Duration.ofDays(1);

    private volatile Duration slotGrace = UNSTORED_SLOT_GRACE;
    /** The slot the sweep looked at last ({@link #sweepDebounceSlots}); empty to start from the earliest. */
    private volatile Optional<io.nvent.spi.PendingSlot> sweptUpTo = Optional.empty();

    /**
     * Sets how long after its due time a slot naming no stored run is recovered ({@link #sweepDebounceSlots}).
     *
     * @throws IllegalArgumentException (NVENT-0001) if it is not longer than zero, or longer than a day
     */
    public void useRecoveryGrace(Duration grace) {
        this.slotGrace = checkRecoveryGrace(grace);
    }

    /**
     * The grace of {@code nvent.triggers.debounce.recovery-grace}, checked.
     *
     * @throws IllegalArgumentException (NVENT-0001) if it is not longer than zero, or longer than a day
     */
    public static Duration checkRecoveryGrace(Duration grace) {
        if (grace.isNegative() || grace.isZero() || grace.compareTo(LONGEST_SLOT_GRACE) > 0) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.debounce.recovery-grace"
                    + " must be longer than zero and at most " + LONGEST_SLOT_GRACE + ", was " + grace + ": it is how"
                    + " long after its time the run of a debounce or batch slot whose instance stopped before storing"
                    + " it waits to be recovered (the default " + UNSTORED_SLOT_GRACE + " suits most deployments)");
        }
        return grace;
    }

    /**
     * The maintenance sweep's look at debounce and batch slots due more than the recovery grace ago
     * ({@link SchedulingStore#overdueDebounceSlots(Instant, Optional, int)}): a slot whose run ended without taking it
     * (canceled) is deleted; one whose run was never stored (its instance stopped between opening the slot and
     * storing the run) has its run stored under the id the slot names and started with the slot's payload(s), once
     * across instances (NVENT-0438); a slot of a trigger no longer debounced or batching, and one whose run is stored
     * and waits (behind its concurrency key, say), is left. Each look takes the next {@code limit} slots after the one
     * it looked at last, and starts over from the earliest once a look comes back short: slots left cannot hide those
     * behind them, and every slot overdue is looked at within {@code ceil(overdue / limit) + 1} looks.
     *
     * @return how many slots it recovered or deleted
     */
    int sweepDebounceSlots(int limit) {
        if (!store.keepsTriggerDebounce() && !store.keepsTriggerBatches()) {
            return 0;
        }
        Instant now = clock.instant();
        int done = 0;
        List<io.nvent.spi.PendingSlot> overdue = store.overdueDebounceSlots(now.minus(slotGrace), sweptUpTo, limit);
        sweptUpTo = overdue.size() < limit ? Optional.empty() : Optional.of(overdue.get(overdue.size() - 1));
        for (io.nvent.spi.PendingSlot slot : overdue) {
            Optional<RunStatus> status = engine.runStatus(slot.runId());
            if (status.filter(RunStatus::isTerminal).isPresent()) {
                store.takeDebounced(slot.runId());
                done++;
            } else if (status.isEmpty() && recover(slot)) {
                done++;
            }
        }
        return done;
    }

    private boolean recover(io.nvent.spi.PendingSlot slot) {
        String[] parts = slot.slot().split("\u0000", 3);
        Optional<TriggerSpec> spec = parts.length < 3 ? Optional.empty()
                : store.findTrigger(parts[0]).map(TriggerRecord::spec);
        Optional<Batch> batch = spec.flatMap(TriggerSpec::batch);
        if (spec.isEmpty() || !spec.get().flows().contains(parts[1])
                || spec.get().debounce().isEmpty() && batch.isEmpty()) {
            return false;
        }
        String trigger = parts[0];
        String flow = parts[1];
        String key = parts[2];
        StartOptions options = forRuns(spec.get(), StartOptions.DEFAULTS);
        try {
            // A batch's run takes the key of the fire that opened it, the first of its array.
            options = TriggerConcurrencyKey.startOptions(spec.get(), batch.isEmpty() ? slot.payloadJson()
                    : Json.PROVIDER.createReader(new java.io.StringReader(slot.payloadJson())).readArray().get(0)
                            .toString(), options);
        } catch (ConcurrencyKeyNotInPayloadException | jakarta.json.JsonException | ClassCastException
                 | IndexOutOfBoundsException noKey) {
            // A payload without the key (or a batch that is no array): the run starts without one.
        }
        String recovered = "NVENT-0444 pending run " + slot.runId() + " of flow " + flow + " for "
                + (batch.isPresent() ? "batch" : "debounce") + " key '" + key + "' of trigger '" + trigger + "' was"
                + " never stored (the instance that opened its slot at " + slot.firstFireAt() + " stopped before it"
                + " stored the run): recovered by the maintenance sweep with the " + (slot.folded() + 1) + " fire(s)"
                + " its slot holds";
        try {
            Optional<StartedRun> run = engine.startRecovered(slot, flow, trigger, options, key, batch, recovered);
            if (run.isPresent()) {
                try {
                    history(trigger, TriggerEvent.RECOVERED, JsonText.object().str("runId", slot.runId()).str("key", key)
                            .str("message", recovered).build());
                    LOG.log(System.Logger.Level.WARNING, recovered);
                } catch (RuntimeException notRecorded) {
                    LOG.log(System.Logger.Level.WARNING, recovered + " (its trigger's history entry could not be"
                            + " stored: " + notRecorded + ")", notRecorded);
                }
            }
            return run.isPresent();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0438 pending run " + slot.runId() + " of flow " + flow
                    + " for key '" + key + "' of trigger '" + trigger + "' was never stored, and the maintenance sweep"
                    + " could not store it from its slot (" + e + "); it tries again at its next look", e);
            return false;
        }
    }

    private void recordFireSafely(TriggerSpec spec, Instant now, List<String> started, Optional<String> error,
                                  String payloadJson) {
        try {
            recordFire(spec, now, started, error, payloadJson, Optional.empty());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0132 trigger " + spec.name() + " started no run ("
                    + error.orElse("") + ") and its statistics or history entry could not be stored", e);
        }
    }

    /**
     * Starts the trigger's flows for a fire with these options, and records the fire ({@link #fireNow}).
     *
     * @param skipping for a fire of a skipping or buffer-one trigger, the fire in words: its first run started goes on
     *     only if the key's line lets it ({@link FlowEngine#startFromTrigger(String, String, String, StartOptions,
     *     Optional, Overlap)}); else the fire is skipped, as if it had seen that run under way
     */
    private Fire startFlows(TriggerSpec spec, String payloadJson, StartOptions keyed, boolean byName,
                            Optional<? extends LateTick> missed, Optional<PublishKey> published, Instant now,
                            Optional<String> skipping) {
        List<StartedRun> started = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        List<String> undeployed = spec.flows().stream().filter(f -> engine.registry().flow(f).isEmpty()).toList();
        boolean undeployedSaid = !undeployed.isEmpty() && !undeployedFlowsSaid.add(spec.name() + '\u0000' + undeployed);
        if (!undeployed.isEmpty() && !undeployedSaid) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0167 trigger " + spec.name() + " names flow "
                    + String.join(", ", undeployed) + ", which " + (undeployed.size() == 1 ? "is" : "are")
                    + " not deployed: its fires start no run of " + (undeployed.size() == 1 ? "it" : "them")
                    + " (said once; change the trigger's flows, or disable or delete it)");
        }
        for (String flow : spec.flows()) {
            if (undeployed.contains(flow)) {
                if (byName || !undeployedSaid) {
                    FlowNotFoundException missing = engine.registry().notFound(flow);
                    errors.add(flow + ": " + missing.getMessage());
                    failures.add(missing);
                }
                continue;
            }
            try {
                // Once a run of the fire holds the key (or waits behind it), the fire's other runs wait their turn.
                Overlap claim = skipping.isPresent() && started.isEmpty() ? spec.overlap() : Overlap.ALLOW_ALL;
                started.add(engine.startFromTrigger(flow, payloadJson, spec.name(), keyed, published, claim));
            } catch (OverlapTakenException taken) {
                recordSkipped(spec, now, payloadJson, taken.runUnderWay(), skipping.orElseThrow());
                return new Fire(List.of(), List.of(), List.of());
            } catch (IdempotencyKeyConflictException reusedKey) {
                // The caller's mistake, answered with the conflict; the trigger did not fire.
                errors.add(flow + ": " + reusedKey.getMessage());
                failures.add(reusedKey);
            } catch (InvalidPayloadException badInput) {
                // The sender's mistake, recorded in the trigger's history; no stack trace needed.
                errors.add(flow + ": " + badInput.getMessage());
                failures.add(refusedBy(flow, badInput));
                LOG.log(System.Logger.Level.WARNING, "NVENT-0131 trigger " + spec.name() + " could not start flow "
                        + flow + ": " + badInput.getMessage());
            } catch (RuntimeException e) {
                errors.add(flow + ": " + e.getMessage());
                failures.add(e);
                LOG.log(System.Logger.Level.WARNING, "NVENT-0131 trigger " + spec.name() + " could not start flow "
                        + flow, e);
            }
        }
        if (started.isEmpty() && failures.isEmpty()) {
            // Every flow of the trigger is missing, and that is recorded already: no fire.
            LOG.log(System.Logger.Level.DEBUG, () -> "trigger " + spec.name() + " started nothing: flows " + undeployed
                    + " are not deployed");
            return new Fire(started, failures, errors);
        }
        Optional<String> error = errors.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", errors));
        List<String> created = started.stream().filter(StartedRun::created).map(StartedRun::runId).toList();
        List<String> replayed = started.stream().filter(run -> !run.created()).map(StartedRun::runId).toList();
        // A missed tick fired again (a takeover fires again only a tick whose history has no fire of it): the earlier
        // fire was stopped between its runs and its history entry, or between its flows, and recorded nothing. Not a
        // backfill: one that finds the runs of a tick fired late (its claim forgotten since) is no fire of the tick.
        boolean tickAgain = !replayed.isEmpty() && missed.filter(MissedTicks.class::isInstance).isPresent();
        boolean onlyReplayed = created.isEmpty()
                && failures.stream().allMatch(IdempotencyKeyConflictException.class::isInstance);
        if (onlyReplayed && !tickAgain && (!started.isEmpty() || !failures.isEmpty())) {
            // A sender's retry of a fire that started every flow already, or a key reused with
            // another payload: neither is a fire of its own.
            return new Fire(started, failures, errors);
        }
        try {
            if (replayed.isEmpty()) {
                recordFire(spec, now, created, error, payloadJson, missed);
            } else if (tickAgain) {
                // So the tick has its one entry, its missed one, with the runs the earlier fire started.
                recordFire(spec, now, created, replayed, error, payloadJson, missed);
            } else {
                recordCompletion(spec, created, replayed, error);
            }
        } catch (RuntimeException e) {
            // The runs are started and stored: failing the call now would make its caller fire again.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0132 trigger " + spec.name() + " started runs " + created
                    + " but its statistics or history entry could not be stored", e);
        }
        return new Fire(started, failures, errors);
    }

    /**
     * A fire whose payload holds no concurrency key where the trigger points: it starts nothing and counts as a
     * failed fire. A caller (webhook, manual fire) gets the exception; of the ticks and events, which have
     * no caller to tell, the first after a start is logged, so that a sender's payloads cannot flood the log.
     */
    private Fire keyNotInPayload(TriggerSpec spec, String payloadJson, boolean byName, Optional<? extends LateTick> missed,
                                 Instant now, ConcurrencyKeyNotInPayloadException noKey) {
        if (!byName && keyNotInPayloadSaid.add(spec)) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0566 " + noKey.getMessage() + " (said once per trigger"
                    + " definition until the next start; the trigger's history records each such fire as failed)");
        }
        try {
            recordFire(spec, now, List.of(), Optional.of(noKey.getMessage()), payloadJson, missed);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0132 trigger " + spec.name() + " started no run (" + noKey
                    .getMessage() + ") and its statistics or history entry could not be stored", e);
        }
        return new Fire(List.of(), List.of(noKey), List.of(noKey.getMessage()));
    }

    private void recordFire(TriggerSpec spec, Instant now, List<String> started, Optional<String> error,
                            String payloadJson, Optional<? extends LateTick> missed) {
        recordFire(spec, now, started, List.of(), error, payloadJson, missed);
    }

    /** @param replayed the runs an earlier fire of the same tick started, found by the tick's key, in the entry too */
    private void recordFire(TriggerSpec spec, Instant now, List<String> started, List<String> replayed,
                            Optional<String> error, String payloadJson, Optional<? extends LateTick> missed) {
        store.recordFire(spec.name(), missed.map(tick -> tick.lastFiredAt(now,
                () -> store.findTrigger(spec.name()).flatMap(TriggerRecord::lastFiredAt))).orElse(now),
                started.size() + replayed.size(), error);   // the earlier fire counted none: it recorded nothing
        JsonText data = withPayload(JsonText.object(), payloadJson, error.isEmpty());
        data.raw("runs", jsonArray(started));
        if (!replayed.isEmpty()) {
            data.raw("replayedRuns", jsonArray(replayed));
        }
        error.ifPresent(e -> data.str("error", e));
        missed.ifPresent(tick -> data.raw(tick.entryMember(), tick.json()));
        history(spec.name(), error.isPresent() ? TriggerEvent.FAILED : TriggerEvent.FIRED, data.build());
    }

    /** Whether the fire repeats a keyed one (a sender's retry, a publish's) that started a run of the trigger. */
    private boolean retried(TriggerSpec spec, StartOptions keyed, Optional<PublishKey> published) {
        return (keyed.idempotencyKey().isPresent() || published.isPresent()) && spec.flows().stream()
                .anyMatch(flow -> engine.startedByEarlierFire(flow, spec.name(), keyed, published));
    }

    /**
     * The payload of a fire in its history entry: whole, or, where {@code mayOmit} and it is larger than the history
     * keeps, its size and start.
     */
    private JsonText withPayload(JsonText data, String payloadJson, boolean mayOmit) {
        int payloadBytes = payloadJson.getBytes(StandardCharsets.UTF_8).length;
        if (mayOmit && payloadBytes > historyLimits.maxPayloadBytes()) {
            // The runs hold the payload whole as their input; the history keeps what identifies it.
            return data.raw("payloadOmitted", JsonText.object().num("bytes", payloadBytes)
                    .str("start", startOf(payloadJson)).build());
        }
        return data.raw("payload", payloadJson);
    }

    /**
     * A fire that started nothing under the trigger's overlap policy, a run of it being under way: no fire of it (its
     * statistics are left as they are), recorded in its history ({@code trigger.skipped}) and logged.
     */
    private void recordSkipped(TriggerSpec spec, Instant now, String payloadJson, String runUnderWay, String fire) {
        overlaps.logSkipped(spec, fire, runUnderWay);
        try {
            store.appendTriggerEvent(spec.name(), SKIPPED, now, OperatorScope.stamp(withPayload(JsonText.object()
                    .str("reason", "overlap").str("overlap", spec.overlap().wireName())
                    .str("runUnderWay", runUnderWay), payloadJson, true).build()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0409 trigger " + spec.name() + " started no run for " + fire
                    + " (run " + runUnderWay + " of it is under way) and its history entry could not be stored", e);
        }
    }

    /**
     * A tick claimed here that an exclusion rule excludes: it starts nothing and is no fire (its statistics are left as
     * they are); recorded in the history ({@code trigger.skipped}, in the entry shape of an overlap's) with the rule.
     */
    private void recordExcluded(TriggerSpec spec, Instant scheduledAt, String rule, Optional<? extends LateTick> late) {
        LOG.log(System.Logger.Level.DEBUG, () -> "tick " + scheduledAt + " of trigger " + spec.name()
                + " is excluded by " + rule + ": it starts nothing");
        JsonText data = JsonText.object().str("reason", "excluded").str("rule", rule)
                .str("scheduledAt", scheduledAt.toString()).str("timezone", spec.timezone().getId());
        late.ifPresent(tick -> data.raw(tick.entryMember(), tick.json()));
        history(spec.name(), TriggerEvent.SKIPPED, data.build());
    }

    /** A fire in words, for an overlap's log line and cancel reason: "tick 2026-…", "event 'order.placed'", "a fire". */
    private static String fireInWords(TriggerSpec spec, String payloadJson, boolean byName) {
        if (byName) {
            return spec.type() == TriggerType.WEBHOOK ? "a webhook call" : "a fire by name";
        }
        if (spec.type() == TriggerType.EVENT) {
            return "event '" + spec.event().orElse("") + "'";
        }
        try {
            return "tick " + JsonMatch.read(payloadJson).asJsonObject().getString("scheduledAt");
        } catch (RuntimeException unreadable) {
            return "a tick";
        }
    }

    /**
     * A fire whose key started some of its runs before (a keyed publish or fire that failed part way, retried): the
     * earlier request recorded the fire, so this one is no fire of its own and adds only its runs (and error) to the
     * trigger's statistics; its history entry ({@code trigger.completed}) says which runs it started now and which
     * it found started.
     */
    private void recordCompletion(TriggerSpec spec, List<String> started, List<String> replayed,
                                  Optional<String> error) {
        store.recordRunsStarted(spec.name(), started.size(), error);
        JsonText data = JsonText.object().raw("runs", jsonArray(started)).raw("replayedRuns", jsonArray(replayed));
        error.ifPresent(e -> data.str("error", e));
        history(spec.name(), TriggerEvent.COMPLETED, data.build());
    }

    private static String jsonArray(List<String> ids) {
        StringBuilder array = new StringBuilder("[");
        ids.forEach(id -> array.append(array.length() > 1 ? "," : "").append(Json.quote(id)));
        return array.append(']').toString();
    }

    /**
     * Goes on with each {@code fire-all} catch-up a start of this instance cut short (the store away, NVENT-0135); part
     * of the maintenance sweep, and done before a schedule's next tick on time ({@link #onTick}). See
     * {@link #resumeCatchUp}.
     */
    public void resumeCutShortCatchUps() {
        takeOverOwedCatchUps();
        Set<String> names = new HashSet<>(unchecked.keySet());
        names.addAll(cutShort.keySet());
        names.forEach(this::resumeCatchUp);
    }

    /**
     * Takes over the {@code fire-all} catch-ups the store keeps that no running start goes on with (NVENT-0473): an
     * earlier start of this instance's, stopped before it finished one, or another instance's that the instance records
     * show stopped or gone, or whose hold ran out ({@link OwedCatchUps#takeOver}, which reads the store only when one
     * can be owed). Each
     * goes on here as one cut short here would; that of a trigger that exists no more is removed (NVENT-0474).
     */
    private List<String> takeOverOwedCatchUps() {
        List<io.nvent.spi.OwedCatchUp> taken;
        List<String> names = new ArrayList<>();
        try {
            taken = owed.takeOver();
        } catch (RuntimeException away) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the catch-ups of missed ticks kept in the store could not be"
                    + " read: " + away);
            return names;
        }
        for (io.nvent.spi.OwedCatchUp kept : taken) {
            String name = kept.trigger();
            Optional<TriggerRecord> trigger;
            try {
                trigger = store.findTrigger(name);
            } catch (RuntimeException away) {
                owed.forget(name);
                LOG.log(System.Logger.Level.DEBUG, () -> "the catch-up of trigger " + name + " taken over from the"
                        + " store is taken again later, the trigger could not be read: " + away);
                continue;
            }
            if (trigger.isEmpty()) {
                owed.done(name);
                LOG.log(System.Logger.Level.INFO, "NVENT-0474 the catch-up of missed ticks of trigger " + name + " that "
                        + kept.owner() + " began at " + kept.startedAt() + " and left in the store is removed: the"
                        + " trigger exists no more" + (kept.checkOwed() ? "" : "; the " + kept.ticks().size()
                        + " missed ticks it owed do not fire"));
                continue;
            }
            LOG.log(System.Logger.Level.INFO, "NVENT-0473 trigger " + name + " goes on here with the catch-up of"
                    + " missed ticks that " + kept.owner() + " began at " + kept.startedAt() + " and left in the store"
                    + " (cut short, NVENT-0135; stopped before it finished, its start stopped or gone, or its hold ran out at "
                    + kept.heldUntil()
                    + "): " + (kept.checkOwed() ? "its check for them, as of " + kept.checkedAt()
                    : "the " + kept.ticks().size() + " ticks it owed (" + kept.ticks().get(0) + " to "
                    + kept.ticks().get(kept.ticks().size() - 1) + ")") + "; NVENT-0468 says what fired");
            if (kept.checkOwed()) {
                unchecked.put(name, new UncheckedCatchUp(trigger.get(), kept.startedAt(), kept.checkedAt(),
                        Optional.empty(), Optional.empty()));
            } else {
                TriggerSpec spec = trigger.get().spec();
                TriggerMisfires.Applied applied = misfires.appliedTo(spec);
                cutShort.put(name, new CutShortCatchUp(spec, kept.schedule(), kept.startedAt(), kept.checkedAt(),
                        kept.ticks().stream().map(tick -> new MissedTicks(tick, 0)).toList(), applied.grace(), applied,
                        0, 0, 0, 0, true));
            }
            names.add(name);
        }
        return names;
    }

    /** Removes the catch-up held in the store for the trigger if none is owed here (done, or dropped). */
    private void doneIfNothingOwed(String name) {
        if (!cutShort.containsKey(name) && !unchecked.containsKey(name)) {
            owed.done(name);
        }
    }

    /**
     * Why a catch-up cut short at start no longer fires its ticks, if it does not: the trigger deleted, disabled,
     * given another schedule or a misfire policy other than {@code fire-all} since. One disabled and enabled again
     * since counts as disabled: as at a start, the ticks before an enable are no missed ones.
     */
    private Optional<String> catchUpDropped(Optional<TriggerRecord> now, String name, String scheduleThen,
                                            Instant checkedAt) {
        return now.isEmpty() ? Optional.of("the trigger was deleted")
                : !now.get().spec().enabled() || enabledSince(name, checkedAt)
                ? Optional.of("the trigger was disabled")
                : !OwedCatchUps.scheduleOf(now.get().spec()).equals(scheduleThen)
                ? Optional.of("its schedule was changed")
                : misfires.appliedTo(now.get().spec()).policy() != Misfire.FIRE_ALL
                ? Optional.of("its misfire policy is " + misfires.appliedTo(now.get().spec()).policy().wireName())
                : Optional.empty();
    }

    /**
     * Of the ticks a catch-up taken over from the store owes, those it fired before (their history entries tell), or a
     * catch-up of another instance; each other one is claimed here now, or was claimed by the start that left it,
     * which was stopped before it fired it, or fired it and lost (or trimmed) its history entry: either way it fires
     * here, without claiming it again, and the tick's idempotency key ({@link #missedTickKey}) makes a fire again
     * start nothing. The history only spares those fires.
     */
    private Set<Instant> claimedBefore(String name, List<MissedTicks> owedTicks, Instant oldest) {
        Set<Instant> fired = new HashSet<>();
        for (TriggerEvent entry : store.triggerHistory(name, Math.max(RECENT_ENTRIES, historyLimits.maxEntries()))) {
            if (entry.type().equals(TriggerEvent.FIRED) || entry.type().equals(TriggerEvent.FAILED)
                    || entry.type().equals(SKIPPED)) {
                // A tick an operator backfilled meanwhile fired too: fired again it would add a second entry.
                missedTick(entry).or(() -> backfilledTick(entry)).ifPresent(fired::add);
            }
        }
        for (MissedTicks tick : owedTicks) {
            TickInDoubt owedTick = new TickInDoubt(name, tick.latest());
            if (!fired.contains(tick.latest()) && !tick.latest().isBefore(oldest) && !claimedNotFired.contains(owedTick)
                    && store.tryClaimTick(name, tick.latest()) != TickClaim.IN_DOUBT) {
                claimedNotFired.add(owedTick);
            }
        }
        return fired;
    }

    /** Whether the trigger's history has it enabled after {@code checkedAt} (disabled, then enabled again). */
    private boolean enabledSince(String name, Instant checkedAt) {
        return store.triggerHistory(name, Math.max(RECENT_ENTRIES, historyLimits.maxEntries())).stream()
                .anyMatch(entry -> entry.type().equals(TriggerEvent.ENABLED) && entry.timestamp().isAfter(checkedAt));
    }

    /**
     * Does the check for missed ticks a start could not do again, as of then (a fire since does not stand for them);
     * cut short again before it knew them, it is done again later.
     *
     * @return whether the check was done, or dropped
     */
    private boolean checkAgain(String name) {
        UncheckedCatchUp check = unchecked.remove(name);
        if (check == null) {
            return true;
        }
        try {
            Optional<String> dropped = catchUpDropped(store.findTrigger(name), name, check.schedule(),
                    check.checkedAt());
            if (dropped.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0469 trigger " + name + " does not check again for the ticks"
                        + " it missed while no instance ran, its check at start cut short (NVENT-0135): "
                        + dropped.get() + " since");
                doneIfNothingOwed(name);
                return true;
            }
            if (!owed.hold(check.trigger().spec(), check.startedAt(), check.checkedAt(), List.of())) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0475 trigger " + name + " leaves the check for the ticks it"
                        + " missed while no instance ran, cut short at start (NVENT-0135), to "
                        + owed.holderOf(name) + ", which holds it in the store (took it over, NVENT-0473, or began"
                        + " its own)");
                return true;
            }
            LOG.log(System.Logger.Level.INFO, "NVENT-0468 trigger " + name + " checks again for the ticks it missed"
                    + " while no instance ran, its check at start cut short (NVENT-0135), the store answering again:"
                    + " as of " + check.checkedAt() + " (NVENT-0133 and NVENT-0134 say what fired)");
            catchUp(check.trigger(), check.startedAt(), check.before(), check.settingsBefore(), check.checkedAt(),
                    Optional.of(check.checkedAt()));
            doneIfNothingOwed(name);
            return true;
        } catch (RuntimeException stillAway) {
            if (!cutShort.containsKey(name)) {
                unchecked.putIfAbsent(name, check);
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "the check for ticks missed by trigger " + name + " is cut short"
                    + " again; it is done again later: " + stillAway);
            return false;
        }
    }

    /**
     * Fires the missed ticks a cut-short {@code fire-all} catch-up of a schedule left, the oldest first, each as its
     * tick and claimed as at the start: a tick another instance fired meanwhile (its own catch-up, or this one's
     * resumed there) is left alone, one older than the misfire grace by now is skipped, and none fires if the trigger
     * was deleted, disabled, given another schedule or another misfire policy meanwhile. The one caller that takes
     * the catch-up goes on with it; cut short again, it leaves the rest for the next call. Says what it did once done
     * (NVENT-0468).
     */
    private void resumeCatchUp(String name) {
        if (!checkAgain(name)) {
            return;
        }
        CutShortCatchUp catchUp = cutShort.remove(name);
        if (catchUp == null) {
            return;   // none, or taken by another thread
        }
        Instant oldest = clock.instant().minus(catchUp.grace());
        List<MissedTicks> left = catchUp.left();
        int done = 0;
        int fired = 0;
        int excluded = 0;
        int elsewhere = 0;
        int olderThanGrace = 0;
        try {
            Optional<TriggerRecord> trigger = store.findTrigger(name);
            Optional<String> dropped = catchUpDropped(trigger, name, catchUp.schedule(), catchUp.checkedAt());
            if (dropped.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0469 trigger " + name + " does not go on with its catch-up"
                        + " of missed ticks, cut short at start (NVENT-0135): " + dropped.get() + " since; the "
                        + left.size() + " missed ticks it left (" + left.get(0).latest() + " to "
                        + left.get(left.size() - 1).latest() + ") do not fire");
                doneIfNothingOwed(name);
                return;
            }
            TriggerSpec spec = trigger.get().spec();
            if (!owed.hold(spec, catchUp.startedAt(), catchUp.checkedAt(), catchUp.ticks())) {
                left.forEach(tick -> claimedNotFired.remove(new TickInDoubt(name, tick.latest())));
                LOG.log(System.Logger.Level.INFO, "NVENT-0475 trigger " + name + " leaves its catch-up of missed"
                        + " ticks, cut short at start (NVENT-0135), to " + owed.holderOf(name) + ", which holds it in"
                        + " the store (took it over, NVENT-0473, or began its own): the " + left.size()
                        + " ticks it left fire there");
                return;
            }
            Set<Instant> firedBefore = catchUp.takenOver() ? claimedBefore(name, left, oldest) : Set.of();
            for (; done < left.size(); done++) {
                if (done > 0 && !keepGoing(spec, catchUp.startedAt(), catchUp.checkedAt(),
                        left.subList(done, left.size()))) {
                    left.subList(done, left.size()).forEach(tick -> claimedNotFired.remove(new TickInDoubt(name,
                            tick.latest())));
                    return;
                }
                MissedTicks tick = left.get(done);
                if (firedBefore.contains(tick.latest())) {
                    elsewhere++;
                } else if (tick.latest().isBefore(oldest)) {
                    olderThanGrace++;
                } else if (fireTick(name, tick.latest(), Optional.of(tick))) {
                    fired++;
                } else if (exclusions.excludedBy(spec, tick.latest()).isPresent()) {
                    excluded++;
                } else {
                    elsewhere++;
                }
            }
        } catch (RuntimeException stillAway) {
            CutShortCatchUp rest = catchUp.goingOnFrom(done, fired, excluded, elsewhere, olderThanGrace);
            cutShort.putIfAbsent(name, rest);
            LOG.log(System.Logger.Level.DEBUG, () -> "the catch-up of missed ticks of trigger " + name + " is cut"
                    + " short again; it goes on later: " + stillAway);
            try {
                owed.hold(rest.spec(), rest.startedAt(), rest.checkedAt(), rest.ticks());
            } catch (RuntimeException away) {
                // The store keeps the ticks as they were: those fired since have their claims and history entries.
            }
            return;
        }
        doneIfNothingOwed(name);
        CutShortCatchUp total = catchUp.goingOnFrom(left.size(), fired, excluded, elsewhere, olderThanGrace);
        List<Instant> within = left.stream().map(MissedTicks::latest).filter(tick -> !tick.isBefore(oldest)).toList();
        String older = total.olderThanGrace() == 1 ? "1 older one is" : total.olderThanGrace() + " older ones are";
        LOG.log(System.Logger.Level.INFO, "NVENT-0468 trigger " + name + " goes on with its catch-up of missed ticks,"
                + " cut short at start (NVENT-0135), the store answering again: " + (within.isEmpty()
                ? "none of them fired, the " + total.olderThanGrace() + " left are older than the misfire grace now"
                + " and skipped"
                : total.fired() + " of them fired late, now, each as its tick, the oldest first (" + within.get(0)
                + (within.size() > 1 ? " to " + within.get(within.size() - 1) : "") + ")"
                + (total.excluded() > 0 ? "; " + total.excluded() + " of them are excluded by the trigger's exclusion"
                + " rules and skipped" : "")
                + (total.elsewhere() > 0 ? (catchUp.takenOver() ? "; the start that began it, or another"
                + " instance, fired the other " : "; another instance claimed the other ") + total.elsewhere() : "")
                + (total.olderThanGrace() > 0 ? "; the " + older + " older than the misfire grace now and skipped"
                : ""))
                + " (" + catchUp.applied().inWords() + ")");
    }

    /**
     * Claims again the ticks whose claim was in doubt here that are due for it; part of the
     * maintenance sweep. A tick another instance claimed meanwhile was fired there. One that no
     * instance claimed was fired by none, as when its holder's transaction was rolled back (its
     * session ended): it counts as missed, and fires late, once, as that tick, if the trigger's
     * misfire policy and grace let a missed tick fire and no later tick fired since (under
     * {@code fire-all}, whatever fired since), as a tick missed while no instance ran does. A tick still in doubt is claimed again later, less often
     * each time; each claim in doubt waits up to the store's lock wait, so one sweep asks once at
     * most.
     */
    public void settleTicksInDoubt() {
        Instant now = clock.instant();
        for (Map.Entry<TickInDoubt, Check> entry : ticksInDoubt.entrySet()) {
            if (entry.getValue().at().isAfter(now)) {
                continue;
            }
            TickInDoubt tick = entry.getKey();
            TickClaim claim = store.tryClaimTick(tick.trigger(), tick.scheduledAt());
            if (claim == TickClaim.IN_DOUBT) {
                ticksInDoubt.put(tick, entry.getValue().later(clock.instant()));
                LOG.log(System.Logger.Level.DEBUG, () -> "tick " + tick.scheduledAt() + " of trigger " + tick.trigger()
                        + " is still in doubt");
                return;
            }
            ticksInDoubt.remove(tick);
            if (claim == TickClaim.TAKEN) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0137 tick " + tick.scheduledAt() + " of trigger "
                        + tick.trigger() + ", whose claim was in doubt here (NVENT-0136), was claimed by the instance"
                        + " that held it: it fired there");
            } else {
                fireMissedInDoubt(tick);
            }
        }
    }

    /** A tick whose claim was in doubt and that no instance claimed: a missed one, which this instance has claimed. */
    private void fireMissedInDoubt(TickInDoubt tick) {
        Optional<TriggerRecord> trigger = store.findTrigger(tick.trigger());
        if (trigger.isEmpty() || !trigger.get().spec().enabled()) {
            return;
        }
        Instant now = clock.instant();
        MissedTicks missed = new MissedTicks(tick.scheduledAt(), 0);
        String what = "trigger " + tick.trigger() + " missed its tick " + tick.scheduledAt() + ", whose claim was in"
                + " doubt (NVENT-0136) and which no instance fired";
        TriggerMisfires.Applied applied = misfires.appliedTo(trigger.get().spec());
        // Under fire-all each tick counts: a later one fired does not stand for this one.
        Optional<String> notFired = trigger.get().lastFiredAt().filter(fired -> applied.policy() != Misfire.FIRE_ALL)
                .filter(fired -> fired.isAfter(tick.scheduledAt()))
                .map(fired -> "not fired, the trigger fired since, at " + fired)
                .or(() -> applied.whyNotFired(tick.scheduledAt(), now));
        if (notFired.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0134 " + what + ": " + notFired.get());
        } else if (fireClaimed(tick.trigger(), tick.scheduledAt(), Optional.of(missed))) {
            LOG.log(System.Logger.Level.INFO, firedLate(what, missed, applied));
        }
    }

    /**
     * Keeps the newest entries of every trigger's history and forgets old tick claims; part of the
     * maintenance sweep.
     */
    public void trimHistory() {
        int removed = store.trimTriggerHistory(historyLimits.maxEntries());
        int claims = store.purgeTickClaims(clock.instant().minus(tickClaimsKept(misfires.grace())));
        if (removed > 0 || claims > 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "trigger history: removed " + removed + " entries beyond the newest "
                    + historyLimits.maxEntries() + " per trigger and " + claims + " old tick claims");
        }
    }

    /**
     * How long tick claims are kept. A start looks for the claim of a tick missed up to the misfire grace ago (the
     * deployment's or a trigger's own): two instances starting together must both find the first one's.
     *
     * @param deploymentGrace the deployment's misfire grace, which instances may set apart: the sweep keeps claims
     *     for its own; what every instance keeps is asked with zero (the triggers' own graces are in the store)
     */
    private Duration tickClaimsKept(Duration deploymentGrace) {
        Duration keepClaims = store.listTriggers().stream().flatMap(t -> t.spec().misfireGrace().stream())
                .reduce(deploymentGrace, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        return historyLimits.tickClaimRetention().compareTo(keepClaims) > 0 ? historyLimits.tickClaimRetention()
                : keepClaims;
    }

    private static String startOf(String payloadJson) {
        int end = Math.min(payloadJson.length(), PAYLOAD_START_CHARS);
        if (end < payloadJson.length() && Character.isHighSurrogate(payloadJson.charAt(end - 1))) {
            end--;
        }
        return payloadJson.substring(0, end);
    }

    /**
     * Checks a trigger created or changed at run time, for the API and REST alike: what it names
     * exists and it can work as meant (each flow once, a cron that fires, a name a URL can reach, a
     * concurrency limit the store can keep).
     */
    private void validate(TriggerSpec spec) {
        // What the definition itself must be is checked as for a @Trigger at deployment.
        TriggerRules.of(spec).requireValid();
        TriggerRules.exclusionProblem(spec.name(), spec.type(), spec.exclude()).ifPresent(problem -> {
            throw new InvalidTriggerException(problem);
        });
        if (spec.concurrencyLimit() > 1 && !store.holdsConcurrencyLimits()) {
            // Refused now, not at each fire (SchedulingStore.requireConcurrencyLimit): no trigger is stored that
            // cannot start a run.
            throw new UnsupportedByAdapterException("NVENT-0579 trigger '" + spec.name() + "' has concurrency limit "
                    + spec.concurrencyLimit() + ", but scheduling store " + store.getClass().getName() + " lets one"
                    + " run at a time hold a concurrency key (SchedulingStore.holdsConcurrencyLimits is false): each"
                    + " fire would fail; give the trigger limit 1, or use a store that keeps concurrency limits (the"
                    + " memory or the JPA store)");
        }
        Optional<String> labelsNotKept = labelsNotKept(spec);
        if (labelsNotKept.isPresent()) {
            // Stored, the trigger would start unlabelled runs that no one finds by its labels, or none at all.
            throw new UnsupportedByAdapterException("NVENT-0594 trigger '" + spec.name() + "' has labels "
                    + spec.labels() + ", but " + labelsNotKept.get() + ": its runs could not carry them; give the"
                    + " trigger no labels, or use a store that keeps them (the memory or the JPA store)");
        }
        Optional<String> runTimeoutNotKept = runTimeoutNotKept(spec);
        if (runTimeoutNotKept.isPresent()) {
            // Stored, the trigger would start runs without their deadline, or none at all.
            throw new UnsupportedByAdapterException("NVENT-0404 trigger '" + spec.name() + "' has run timeout "
                    + spec.runTimeout().orElseThrow() + ", but " + runTimeoutNotKept.get() + ": its runs could not"
                    + " time out after it; give the trigger no run timeout, or use a store that keeps it (the memory"
                    + " or the JPA store)");
        }
        if (spec.debounce().isPresent() && !store.keepsTriggerDebounce()) {
            // Stored, the trigger would come back without its debounce and start a run per fire.
            throw new UnsupportedByAdapterException("NVENT-0436 trigger '" + spec.name() + "' has debounce "
                    + TriggerSpec.durationText(spec.debounce().get().window()) + ", but scheduling store "
                    + store.getClass().getName() + " keeps no pending debounced runs (SchedulingStore"
                    + ".keepsTriggerDebounce is false, written before nvent 0.2): each fire would start a run; give"
                    + " the trigger no debounce, or use a store that keeps it (the memory or the JPA store)");
        }
        if (spec.batch().isPresent() && !store.keepsTriggerBatches()) {
            // Stored, the trigger would come back without its batching and start a run per fire.
            throw new UnsupportedByAdapterException("NVENT-0015 trigger '" + spec.name() + "' batches up to "
                    + spec.batch().get().max() + " fires, but scheduling store " + store.getClass().getName()
                    + " keeps no batches (SchedulingStore.keepsTriggerBatches is false, written before nvent 0.2):"
                    + " each fire would start a run; give the trigger no batching, or use a store that keeps it (the"
                    + " memory or the JPA store)");
        }
        if (spec.overlap() != Overlap.ALLOW_ALL && !store.keepsTriggerOverlap()) {
            // Stored, the trigger would come back without its policy and start its runs side by side.
            throw new UnsupportedByAdapterException("NVENT-0407 trigger '" + spec.name() + "' has overlap "
                    + spec.overlap().wireName() + ", but scheduling store " + store.getClass().getName() + " keeps no"
                    + " trigger overlap policies (SchedulingStore.keepsTriggerOverlap is false, written for nvent 0.1):"
                    + " its runs would start side by side; give the trigger overlap allow-all, or use a store that"
                    + " keeps it (the memory or the JPA store)");
        }
        requireExclusionsKept(spec);
        exclusions.requireKnown(spec);
        if (spec.flows().isEmpty()) {
            throw new InvalidTriggerException("trigger '" + spec.name() + "' starts no flow; name at least one");
        }
        Set<String> named = new HashSet<>();
        for (String flow : spec.flows()) {
            if (!named.add(flow)) {
                throw new InvalidTriggerException("trigger '" + spec.name() + "' names flow '" + flow + "' twice; "
                        + "each fire would start it twice, so name each flow once");
            }
            if (engine.registry().flow(flow).isEmpty()) {
                throw new InvalidTriggerException("trigger '" + spec.name() + "' names flow '" + flow
                        + "', which is not registered");
            }
        }
    }

    private TriggerRecord require(String name) {
        return store.findTrigger(name).orElseThrow(() -> new TriggerNotFoundException(name));
    }

    private TriggerInfo info(TriggerRecord record) {
        TriggerSpec spec = record.spec();
        Optional<Instant> next = spec.type() == TriggerType.SCHEDULE && spec.enabled()
                ? exclusions.nextFire(spec, Schedule.of(spec), clock.instant()) : Optional.empty();
        return new TriggerInfo(spec, record.declared(), record.fires(), record.runsStarted(), record.lastFiredAt(),
                record.lastError(), next, exclusions.unknownCalendars(spec));
    }

    private void history(String name, String type, String data) {
        store.appendTriggerEvent(name, type, clock.instant(), OperatorScope.stamp(data));
    }

    private static String describe(TriggerSpec spec) {
        JsonText data = JsonText.object().str("type", spec.type().wireName()).raw("flows", jsonArray(spec.flows()))
                .raw("enabled", String.valueOf(spec.enabled()));
        spec.cron().ifPresent(c -> data.str("cron", c).str("timezone", spec.timezone().getId()));
        spec.every().ifPresent(every -> data.str("every", every.toString()));
        spec.event().ifPresent(e -> data.str("event", e));
        spec.filter().ifPresent(filter -> data.raw("filter", filter));
        if (spec.misfire() != Misfire.INHERIT) {
            data.str("misfire", spec.misfire().wireName());
        }
        spec.misfireGrace().ifPresent(grace -> data.str("misfireGrace", grace.toString()));
        spec.concurrencyKey().ifPresent(key -> data.str("concurrencyKey", key));
        spec.concurrencyKeyFrom().ifPresent(pointer -> data.str("concurrencyKeyFrom", pointer));
        spec.concurrencyKeyPrefix().ifPresent(prefix -> data.str("concurrencyKeyPrefix", prefix));
        if (spec.concurrencyLimit() != 1) {
            data.num("concurrencyLimit", spec.concurrencyLimit());
        }
        if (!spec.labels().isEmpty()) {
            data.strings("labels", spec.labels());
        }
        spec.runTimeout().ifPresent(timeout -> data.str("runTimeout", timeout.toString()));
        if (spec.overlap() != Overlap.ALLOW_ALL) {
            data.str("overlap", spec.overlap().wireName());
        }
        if (!spec.exclude().isEmpty()) {
            data.strings("exclude", spec.exclude());
        }
        return data.build();
    }
}

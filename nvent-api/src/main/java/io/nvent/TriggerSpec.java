package io.nvent;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a trigger is: its type, the flows it starts, and its type's settings. Build with
 * {@link #newBuilder(String, TriggerType)}, whose {@code build()} validates the definition (the
 * setters take the values as given; the cron syntax and the flows are checked by the engine when
 * the trigger is saved).
 *
 * <p>A schedule ticks either on a {@code cron} expression or {@code every} so long: exactly one of
 * the two. An interval's ticks fall on multiples of it since 1970-01-01T00:00:00Z, so that every
 * instance computes the same instants and the store's tick claim lets each start the flows once;
 * {@code PT1H} ticks on the hour, {@code PT36H} at midnight and noon UTC on alternate days. The
 * interval is a whole number of seconds and at least one: ticks are whole seconds (as a cron's are,
 * they are the keys of the tick claims), and each tick costs a claim written to the store, which a
 * sub-second schedule would keep busy for nothing a step could not do better in a loop.
 *
 * <p>An event trigger may carry a {@code filter}, a JSON object: it then fires only for events whose
 * payload contains every member of the filter with an equal value. Nested objects match as subsets
 * ({@code {"order":{"region":"eu"}}} matches an order with more members), arrays and other values
 * as whole JSON values, numbers by value ({@code 2} equals {@code 2.0}). A payload that is not an
 * object never matches a filter with members. An event the filter rejects is no fire of the trigger.
 * The filter is kept as compact JSON text (members in the order given). A filter that gives a member
 * twice in one object ({@code {"region":"eu","region":"us"}}) is refused ({@code NVENT-0230}): JSON
 * would keep only one of the two values. So is one holding a number too large to write out, such as
 * {@code 1e99999999999} ({@code NVENT-0274}); an event whose payload holds such a number anywhere cannot
 * be read and matches no filter with members (it is no fire of the trigger, and its emitter is not told).
 *
 * <p>A schedule may say its own {@linkplain Misfire misfire policy}, what a start does with the ticks
 * that fell while no instance ran, and its own misfire grace, beyond which a missed tick is too old to
 * fire; by default it inherits both from the deployment ({@code nvent.triggers.misfire},
 * {@code nvent.triggers.misfire-grace}). Other types have no ticks to miss, so neither belongs to them.
 *
 * <p>A trigger may make the runs it starts take turns, as a start with
 * {@link StartOptions#concurrencyKey()} does: with a fixed {@code concurrencyKey} all its runs share one
 * key; with {@code concurrencyKeyFrom}, an RFC 6901 JSON Pointer such as {@code /customerId}, each fire's
 * key is the value at that place in its payload (a string as it is, a number in its shortest plain
 * form, so that {@code 42}, {@code 42.0} and {@code 4.2e1} are the key {@code 42}, a boolean as
 * {@code true} or {@code false}), after the optional {@code concurrencyKeyPrefix}, which keeps the keys
 * of two triggers that read the same ids apart. A fire whose payload holds no such value there starts
 * nothing ({@link ConcurrencyKeyNotInPayloadException}). The two are exclusive, and a prefix belongs to
 * a pointer only (with a fixed key it would be ambiguous: the key could as well include it)
 * ({@code NVENT-0266}); a pointer must be RFC 6901 syntax, a fixed key or a pointer at most
 * {@link StartOptions#MAX_CONCURRENCY_KEY_LENGTH} characters and a prefix one fewer, leaving room for the
 * value read, none of them with control characters ({@code NVENT-0268}); a schedule's fires have
 * no payload of their own to point into ({@code NVENT-0269}). Its {@code concurrencyLimit} lets up to so many
 * runs of one key be under way at a time, as {@link StartOptions.Builder#concurrencyKey(String, int)} does: 1
 * (one at a time) to {@link StartOptions#MAX_CONCURRENCY_LIMIT} ({@code NVENT-0278}), above 1 only with a fixed
 * key or a pointer ({@code NVENT-0275}); with a pointer, each key read has the limit.
 *
 * <p>A trigger may label the runs it starts ({@link StartOptions#labels()}): every run of its fires (ticks,
 * missed ticks fired late, events, webhooks, manual and delayed fires) carries its {@code labels}, under the same
 * rules as a start's ({@code NVENT-0286}, {@code NVENT-0287}). A fire whose own options give labels too starts
 * its runs with both, the union, at most {@value StartOptions#MAX_LABELS} in all ({@link #labelsWith}).
 *
 * <p>A trigger may bound the runs it starts ({@link StartOptions#timeout()}): every run of its fires starts with its
 * {@code runTimeout}, which wins over the flow's own ({@link FlowStep#runTimeoutMs()}); a fire whose own options give a
 * timeout starts its runs with that one. Positive, at most {@link StartOptions#LONGEST_RUN_TIMEOUT}
 * ({@code NVENT-0215}), whole milliseconds as a start's ({@code NVENT-0235}).
 *
 * <p>A trigger may say what its fires do while a run it started is still under way ({@link Overlap}): skip
 * ({@link Overlap#SKIP}), keep one waiting ({@link Overlap#BUFFER_ONE}), let each wait its turn
 * ({@link Overlap#BUFFER_ALL}), cancel the run under way ({@link Overlap#CANCEL_OTHER}), or start side by side
 * ({@link Overlap#ALLOW_ALL}, the default, as every trigger did before 0.2). Any policy but the default makes its runs
 * hold a concurrency key one at a time, so it goes with a concurrency limit of 1 only ({@code NVENT-0217}).
 *
 * <p>A schedule may exclude ticks (Quartz's calendars, Temporal's {@code excludeCalendars}): a tick whose local date,
 * in the trigger's zone, a rule of {@code exclude} matches starts nothing, recorded as {@code trigger.skipped} with
 * {@code "reason":"excluded"}. A rule is a date ({@code 2026-12-25}), a day of every year ({@code --12-26}), an
 * inclusive range of dates ({@code 2026-12-20/2027-01-04}), {@code cron:<expression>} (the minutes it matches) or
 * {@code calendar:<name>} (an {@link ExclusionCalendar}); at most 100 ({@code NVENT-0236} for a rule in none of the
 * forms, {@code NVENT-0238} for more, or for exclusions on another type of trigger).
 *
 * @param name unique name (letters, digits, {@code . _ -})
 * @param type how it fires
 * @param flows flows it starts
 * @param cron for schedules on a cron expression
 * @param every for schedules at a fixed interval (see above)
 * @param timezone zone of the cron expression; an interval's ticks do not depend on it
 * @param event for event triggers
 * @param filter for event triggers: a JSON object the event's payload must contain (see above)
 * @param description shown in the UI
 * @param enabled whether it fires
 * @param misfire for schedules: what a start does with the ticks missed while no instance ran;
 *     {@link Misfire#INHERIT} for the deployment's setting (since 0.2)
 * @param misfireGrace for schedules: a missed tick older than this does not fire; empty for the
 *     deployment's setting (since 0.2)
 * @param concurrencyKey a key every run the trigger starts holds, so that they take turns (see above; since 0.2)
 * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload (see above; since 0.2)
 * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom} (see above; since 0.2)
 * @param concurrencyLimit how many runs of one of its keys may be under way at a time, 1 to
 *     {@link StartOptions#MAX_CONCURRENCY_LIMIT} (see above; since 0.2)
 * @param labels labels every run the trigger starts carries, sorted; empty for none (see above; since 0.2)
 * @param runTimeout how long each run the trigger starts may take (see above); empty for its flow's own run timeout
 *     (since 0.2)
 * @param overlap what a fire does while a run the trigger started is under way (see above); {@link Overlap#ALLOW_ALL}
 *     by default (since 0.2)
 * @param exclude for schedules: the ticks it does not fire at (see above), rules as written, trimmed; empty for none
 *     (since 0.2)
 * @param debounce for event, webhook and manual triggers: a burst of fires of one key starts one run, with the latest
 *     payload, once the key has been quiet this long ({@link Debounce}); empty for a run per fire (since 0.2)
 * @param batch for event, webhook and manual triggers: the fires of one key start one run with all their payloads, once
 *     enough came or a window passed ({@link Batch}); empty for a run per fire (since 0.2)
 * @since 0.1
 */
public record TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                          Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                          String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                          Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                          Optional<String> concurrencyKeyPrefix, int concurrencyLimit, Set<String> labels,
                          Optional<Duration> runTimeout, Overlap overlap, List<String> exclude,
                          Optional<Debounce> debounce, Optional<Batch> batch) {

    /** The shortest interval a schedule can have; see the class description for why. */
    public static final Duration MIN_EVERY = Duration.ofSeconds(1);

    /** The longest interval, a year: longer ones tick past any date the timer service can arm. */
    public static final Duration MAX_EVERY = Duration.ofDays(366);

    /**
     * The longest misfire grace a trigger can have, a year: a tick claim is kept at least this long so
     * that instances starting together find each other's claim of a missed tick.
     *
     * @since 0.2
     */
    public static final Duration MAX_MISFIRE_GRACE = Duration.ofDays(366);

    /** What {@link #isValidName} asks of a name, in words. */
    public static final String NAME_RULE = "must be 1-100 letters, digits, '.', '_' or '-', and not dots only";

    /**
     * Whether a trigger name can be used: it is part of URLs ({@code /triggers/{name}/webhook}), so
     * it is 1-100 letters, digits, {@code . _ -}, and not {@code .} or {@code ..}, which clients
     * resolve away as path segments.
     *
     * @param name a candidate name, not {@code null}
     * @return {@code true} if the name follows {@link #NAME_RULE}
     */
    public static boolean isValidName(String name) {
        return name.matches("[A-Za-z0-9._-]{1,100}") && !name.matches("\\.+");
    }

    /**
     * Checks the spec as a whole, copies the flows and keeps the filter as compact JSON text. What
     * needs the engine (that the flows exist and the cron expression parses) is checked when the
     * trigger is saved.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval (see above)
     * @param timezone zone of the cron expression; an interval's ticks do not depend on it
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain (see above)
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran;
     *     {@link Misfire#INHERIT} for the deployment's setting
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @param labels labels every run the trigger starts carries; kept sorted, a label given twice once
     * @param runTimeout how long each run the trigger starts may take; empty for its flow's own
     * @param overlap what a fire does while a run the trigger started is under way
     * @param exclude for schedules: the rules of the ticks it does not fire at; empty for none
     * @param debounce a burst of fires of one key starts one run ({@link Debounce}); empty for a run per fire
     * @param batch the fires of one key start one run with all their payloads ({@link Batch}); empty for a run per fire
     * @throws NullPointerException if an object component or a label is {@code null}
     * @throws IllegalArgumentException if the name breaks {@link #NAME_RULE}; a schedule has both or
     *     neither of {@code cron} and {@code every}, or {@code every} is not whole seconds within
     *     {@link #MIN_EVERY} and {@link #MAX_EVERY}; an event trigger has no event name; an interval or
     *     filter is set on a type it does not belong to (NVENT-0221); the event name or description
     *     holds U+0000 (NVENT-0223); or the filter is not a JSON object (NVENT-0220), holds U+0000
     *     (NVENT-0222), gives a member twice (NVENT-0230) or holds a number too large to write out
     *     (NVENT-0274); the misfire grace is not whole seconds between one and {@link #MAX_MISFIRE_GRACE}
     *     (NVENT-0231); or a misfire policy or grace is set on a trigger other than a schedule (NVENT-0232);
     *     or the concurrency key settings break a rule of {@link #checkConcurrencyKey} (NVENT-0266,
     *     NVENT-0268, NVENT-0269); or the concurrency limit breaks a rule of {@link #checkConcurrencyLimit}
     *     (NVENT-0275, NVENT-0278); or a label breaks a rule of {@link StartOptions#labels()} (NVENT-0286,
     *     NVENT-0287); or the run timeout is not positive or longer than {@link StartOptions#LONGEST_RUN_TIMEOUT}
     *     (NVENT-0215); or the overlap policy is not {@link Overlap#ALLOW_ALL} with a concurrency limit above 1
     *     (NVENT-0217); or an exclusion rule breaks a rule of {@link #checkExclusions} (NVENT-0236, NVENT-0238); or the
     *     debounce breaks a rule of {@link Debounce#check} (NVENT-0239, NVENT-0249) or is set on a schedule (NVENT-0239);
     *     or the batching breaks a rule of {@link Batch#check} (NVENT-0252, NVENT-0253), is set on a schedule or with a
     *     debounce (NVENT-0254)
     * @since 0.2, the constructor with the misfire, concurrency key, label, run timeout, overlap, exclude and debounce components; {@link #TriggerSpec(String, TriggerType, List,
     *     Optional, Optional, ZoneId, Optional, Optional, String, boolean) the one without} since 0.1
     */
    public TriggerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        flows = List.copyOf(flows);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timezone, "timezone");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(misfireGrace, "misfireGrace");
        checkConcurrencyKey(name, type, concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix);
        checkConcurrencyLimit(name, concurrencyLimit, concurrencyKey, concurrencyKeyFrom);
        labels = StartOptions.requireValidLabels(labels);
        Objects.requireNonNull(runTimeout, "runTimeout").ifPresent(timeout -> checkRunTimeout(name, timeout));
        checkOverlap(name, Objects.requireNonNull(overlap, "overlap"), concurrencyLimit);
        exclude = checkExclusions(name, type, exclude);
        Objects.requireNonNull(debounce, "debounce").ifPresent(d -> checkDebounce(name, type, d.window(), d.keyFrom(),
                d.max()));
        Objects.requireNonNull(batch, "batch").ifPresent(b -> checkBatch(name, type, b.max(), b.window(), b.keyFrom(),
                debounce.isPresent()));
        if (!isValidName(name)) {
            throw new IllegalArgumentException("trigger name '" + name + "' " + NAME_RULE);
        }
        boolean hasCron = cron.filter(c -> !c.isBlank()).isPresent();
        if (type == TriggerType.SCHEDULE && hasCron == every.isPresent()) {
            throw new IllegalArgumentException("schedule trigger '" + name + "' needs "
                    + (hasCron ? "either a cron expression or an interval (every), not both"
                            : "a cron expression or an interval (every)"));
        }
        if (type != TriggerType.SCHEDULE && every.isPresent()) {
            throw new IllegalArgumentException("trigger '" + name + "' is a " + type.wireName()
                    + " trigger; an interval (every) belongs to schedule triggers only");
        }
        every.ifPresent(interval -> checkEvery(name, interval));
        if (type == TriggerType.EVENT && event.filter(e -> !e.isBlank()).isEmpty()) {
            throw new IllegalArgumentException("event trigger '" + name + "' needs an event name");
        }
        // Text no store keeps: PostgreSQL refuses it, and a store that took it would hand it back unreadable.
        if (event.filter(e -> e.indexOf('\u0000') >= 0).isPresent() || description.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("NVENT-0223 the " + (description.indexOf('\u0000') >= 0
                    ? "description" : "event name") + " of trigger '" + name + "' holds the character U+0000");
        }
        if (type != TriggerType.EVENT && filter.isPresent()) {
            throw new IllegalArgumentException("NVENT-0221 trigger '" + name + "' is a " + type.wireName()
                    + " trigger; a filter belongs to event triggers only");
        }
        filter = filter.map(text -> EventFilterText.compact(name, text));
        // Kept and shown on a trigger with no ticks, a policy would look as if it did something.
        if (type != TriggerType.SCHEDULE && (misfire != Misfire.INHERIT || misfireGrace.isPresent())) {
            throw new IllegalArgumentException("NVENT-0232 trigger '" + name + "' is a " + type.wireName()
                    + " trigger; a misfire policy or grace belongs to schedule triggers only");
        }
        misfireGrace.ifPresent(grace -> checkMisfireGrace(name, grace));
    }

    /**
     * A spec with no batching: the components of the debounce's version.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @param labels labels every run the trigger starts carries; kept sorted, a label given twice once
     * @param runTimeout how long each run the trigger starts may take; empty for its flow's own
     * @param overlap what a fire does while a run the trigger started is under way
     * @param exclude for schedules: the rules of the ticks it does not fire at; empty for none
     * @param debounce a burst of fires of one key starts one run; empty for a run per fire
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix, int concurrencyLimit, Set<String> labels,
                       Optional<Duration> runTimeout, Overlap overlap, List<String> exclude,
                       Optional<Debounce> debounce) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, labels, runTimeout, overlap,
                exclude, debounce, Optional.empty());
    }

    /**
     * A spec that excludes no tick and has no debounce (a run per fire): the components of the overlap policy's version.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @param labels labels every run the trigger starts carries; kept sorted, a label given twice once
     * @param runTimeout how long each run the trigger starts may take; empty for its flow's own
     * @param overlap what a fire does while a run the trigger started is under way
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix, int concurrencyLimit, Set<String> labels,
                       Optional<Duration> runTimeout, Overlap overlap) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, labels, runTimeout,
                overlap, List.of(), Optional.empty());
    }

    /**
     * Checks a trigger's exclusion rules as {@link TriggerSpec} does; for callers that read them before they build a
     * spec (an annotation, a request).
     *
     * @param name the trigger's name, for the message
     * @param type its type: only a schedule has ticks to exclude
     * @param exclude its rules as given
     * @return the rules, each trimmed, in order
     * @throws IllegalArgumentException ({@code NVENT-0236}) for a rule that is none of a date ({@code 2026-12-25}), a day
     *     of every year ({@code --12-26}), an inclusive range of dates ({@code 2026-12-20/2027-01-04}),
     *     {@code cron:<expression>} or {@code calendar:<name>}, naming it and the forms; ({@code NVENT-0238}) for more
     *     than 100 rules, or rules on a trigger other than a schedule
     * @throws NullPointerException if the list or a rule is {@code null}
     * @since 0.2
     */
    public static List<String> checkExclusions(String name, TriggerType type, List<String> exclude) {
        List<String> rules = Objects.requireNonNull(exclude, "exclude").stream()
                .map(rule -> Objects.requireNonNull(rule, "exclusion rule").strip()).toList();
        if (!rules.isEmpty() && type != TriggerType.SCHEDULE) {
            throw new IllegalArgumentException("NVENT-0238 trigger '" + name + "' is a " + type.wireName()
                    + " trigger; exclusions (exclude) belong to schedule triggers only, which have ticks to exclude");
        }
        io.nvent.spi.internal.ExclusionRules.read(name, rules);
        return rules;
    }

    /**
     * A spec whose fires start their runs side by side whatever is under way ({@link Overlap#ALLOW_ALL}).
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @param labels labels every run the trigger starts carries; kept sorted, a label given twice once
     * @param runTimeout how long each run the trigger starts may take; empty for its flow's own
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix, int concurrencyLimit, Set<String> labels,
                       Optional<Duration> runTimeout) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, labels, runTimeout,
                Overlap.ALLOW_ALL);
    }

    /**
     * Checks a trigger's overlap policy with its concurrency limit as {@link TriggerSpec} does; for callers that read
     * them before they build a spec (an annotation, a request).
     *
     * @param name the trigger's name, for the message
     * @param overlap its overlap policy
     * @param concurrencyLimit its concurrency limit
     * @throws IllegalArgumentException ({@code NVENT-0217}) if the policy is not {@link Overlap#ALLOW_ALL} and the
     *     limit is above 1: the policy lets one run of the trigger (of each key it reads) be under way at a time
     * @since 0.2
     */
    public static void checkOverlap(String name, Overlap overlap, int concurrencyLimit) {
        if (overlap != Overlap.ALLOW_ALL && concurrencyLimit > 1) {
            throw new IllegalArgumentException("NVENT-0217 trigger '" + name + "' has overlap policy "
                    + overlap.wireName() + " and concurrency limit " + concurrencyLimit + ": the policy lets one of its"
                    + " runs be under way at a time (of each key it reads), so give it limit 1, or overlap allow-all"
                    + " to let up to " + concurrencyLimit + " runs of a key run side by side");
        }
    }

    /**
     * A spec whose runs take their flow's own run timeout.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @param labels labels every run the trigger starts carries; kept sorted, a label given twice once
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix, int concurrencyLimit, Set<String> labels) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, labels, Optional.empty());
    }

    /**
     * A spec without labels.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @param concurrencyLimit how many runs of one of its keys may be under way at a time; 1 for one at a time
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix, int concurrencyLimit) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, Set.of());
    }

    /**
     * A spec whose runs hold their concurrency key, if it has one, one at a time (limit 1).
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @param concurrencyKey a key every run the trigger starts holds; empty for none
     * @param concurrencyKeyFrom a JSON Pointer to each fire's key in its payload; empty for none
     * @param concurrencyKeyPrefix put before the key read with {@code concurrencyKeyFrom}; empty for none
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace,
                       Optional<String> concurrencyKey, Optional<String> concurrencyKeyFrom,
                       Optional<String> concurrencyKeyPrefix) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, 1);
    }

    /**
     * A spec without a concurrency key.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @param misfire for schedules: what a start does with the ticks missed while no instance ran
     * @param misfireGrace for schedules: a missed tick older than this does not fire; empty to inherit
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.2
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled, Misfire misfire, Optional<Duration> misfireGrace) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, misfireGrace,
                Optional.empty(), Optional.empty(), Optional.empty(), 1, Set.of());
    }

    /**
     * Checks a trigger's concurrency key settings as {@link TriggerSpec} does; for callers that read them
     * before they build a spec (an annotation, a request).
     *
     * @param name the trigger's name, for the messages
     * @param type its type
     * @param key a fixed key; empty for none
     * @param pointer a JSON Pointer into each fire's payload; empty for none
     * @param prefix put before the key read at {@code pointer}; empty for none
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0266}) if both a key and a pointer, or a prefix without a
     *     pointer, are given; ({@code NVENT-0268}) if the pointer is no RFC 6901 JSON Pointer to a member or
     *     element (it starts with {@code /}, and {@code ~} is followed by {@code 0} or {@code 1}), the key is
     *     not a valid {@link StartOptions#concurrencyKey()}, the pointer is empty, longer than
     *     {@link StartOptions#MAX_CONCURRENCY_KEY_LENGTH} or holds control characters, or the prefix is empty,
     *     longer than {@link StartOptions#MAX_CONCURRENCY_KEY_LENGTH} {@code - 1} (it must leave room for the
     *     value read) or holds control characters; ({@code NVENT-0269}) if a
     *     schedule trigger has a pointer
     * @since 0.2
     */
    public static void checkConcurrencyKey(String name, TriggerType type, Optional<String> key,
                                           Optional<String> pointer, Optional<String> prefix) {
        Objects.requireNonNull(key, "concurrencyKey");
        Objects.requireNonNull(pointer, "concurrencyKeyFrom");
        Objects.requireNonNull(prefix, "concurrencyKeyPrefix");
        String trigger = "trigger '" + name + "'";
        if (key.isPresent() && pointer.isPresent()) {
            throw new IllegalArgumentException("NVENT-0266 " + trigger + " gives both a concurrency key and a pointer"
                    + " to one (concurrencyKeyFrom): give the fixed key, which all its runs share, or the pointer,"
                    + " which reads each fire's key from its payload");
        }
        if (prefix.isPresent() && pointer.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0266 " + trigger + " gives a concurrency key prefix without a"
                    + " pointer (concurrencyKeyFrom): a prefix goes before the key read from each fire's payload"
                    + (key.isPresent() ? "; with a fixed key it is ambiguous, write it into the key" : ""));
        }
        key.ifPresent(fixed -> {
            try {
                StartOptions.newBuilder().concurrencyKey(fixed).build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("NVENT-0268 the concurrency key of " + trigger + " is invalid: "
                        + e.getMessage(), e);
            }
        });
        pointer.ifPresent(from -> {
            if (type == TriggerType.SCHEDULE) {
                throw new IllegalArgumentException("NVENT-0269 " + trigger + " is a schedule trigger; its fires have"
                        + " no payload of their own to read a concurrency key from (concurrencyKeyFrom \"" + from
                        + "\"): give it a fixed concurrencyKey instead");
            }
            checkKeyPart(trigger, "pointer (concurrencyKeyFrom)", from, StartOptions.MAX_CONCURRENCY_KEY_LENGTH);
            if (!isJsonPointer(from)) {
                throw new IllegalArgumentException("NVENT-0268 the concurrency key pointer (concurrencyKeyFrom) of "
                        + trigger + " is \"" + from + "\", no JSON Pointer (RFC 6901) to a member of the payload:"
                        + " write it as \"/customerId\" or \"/order/customer/id\" (~1 for a '/' in a name,"
                        + " ~0 for a '~')");
            }
        });
        // A prefix as long as a key can be would leave no room for the value read: no fire could start a run.
        prefix.ifPresent(text -> checkKeyPart(trigger, "prefix (concurrencyKeyPrefix)", text,
                StartOptions.MAX_CONCURRENCY_KEY_LENGTH - 1));
    }

    /**
     * Checks a trigger's concurrency limit as {@link TriggerSpec} does; for callers that read it before they
     * build a spec (an annotation, a request).
     *
     * @param name the trigger's name, for the messages
     * @param limit how many runs of one of its keys may be under way at a time
     * @param key its fixed key; empty for none
     * @param pointer its JSON Pointer into each fire's payload; empty for none
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0278}) if the limit is below 1 or above
     *     {@link StartOptions#MAX_CONCURRENCY_LIMIT}; ({@code NVENT-0275}) if it is above 1 and the trigger has
     *     neither a key nor a pointer, so that its runs hold no key the limit could apply to
     * @since 0.2
     */
    public static void checkConcurrencyLimit(String name, int limit, Optional<String> key, Optional<String> pointer) {
        Objects.requireNonNull(key, "concurrencyKey");
        Objects.requireNonNull(pointer, "concurrencyKeyFrom");
        checkConcurrencyLimitRange(name, limit);
        if (limit != 1 && key.isEmpty() && pointer.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0275 trigger '" + name + "' gives a concurrency limit ("
                    + limit + ") but no concurrency key: the limit counts the runs of one key, so give a fixed"
                    + " concurrencyKey, which all its runs share, or a pointer (concurrencyKeyFrom), which reads each"
                    + " fire's key from its payload");
        }
    }

    private static void checkConcurrencyLimitRange(String name, int limit) {
        StartOptions.outOfRange(limit).ifPresent(problem -> {
            throw new IllegalArgumentException("NVENT-0278 the concurrency limit of trigger '" + name + "' is invalid: "
                    + problem);
        });
    }

    /**
     * The labels a run of a fire of this trigger carries: the trigger's and those the fire's options give
     * ({@link StartOptions#labels()}), the union of the two, a label both give once.
     *
     * @param fireLabels the labels of the fire's options; empty for none
     * @return the run's labels, sorted
     * @throws NullPointerException if {@code fireLabels} or a label is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0283}) if the two together are more than
     *     {@value StartOptions#MAX_LABELS}, naming both; ({@code NVENT-0286}) if a label of the fire's breaks a rule
     * @since 0.2
     */
    public SortedSet<String> labelsWith(Collection<String> fireLabels) {
        SortedSet<String> fire = StartOptions.requireValidLabels(fireLabels);
        SortedSet<String> all = new TreeSet<>(labels);
        all.addAll(fire);
        if (all.size() > StartOptions.MAX_LABELS) {
            throw new IllegalArgumentException("NVENT-0283 trigger '" + name + "' labels its runs with " + labels
                    + " and the fire's options add " + fire + ": " + all.size() + " labels together, a run carries"
                    + " at most " + StartOptions.MAX_LABELS + "; give the fire fewer labels, or the trigger");
        }
        return StartOptions.requireValidLabels(all);
    }

    /**
     * Checks a trigger's debounce as {@link TriggerSpec} does, naming the trigger; for callers that read one before
     * they build a spec (an annotation, a request).
     *
     * @param name the trigger's name, for the messages
     * @param type how it fires
     * @param window how long a key must be quiet before its run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @param max the longest a key's run may be put off from its first fire; empty for no bound
     * @return the debounce
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException as {@link Debounce#check}; ({@code NVENT-0239}) on a schedule
     * @since 0.2
     */
    public static Debounce checkDebounce(String name, TriggerType type, Duration window, Optional<String> keyFrom,
                                         Optional<Duration> max) {
        Objects.requireNonNull(type, "type");
        Debounce.check(name, window, keyFrom, max);
        if (type == TriggerType.SCHEDULE) {
            // A schedule's ticks are claimed one by one across instances: there is no burst to fold.
            throw new IllegalArgumentException("NVENT-0239 trigger '" + name + "' is a schedule trigger; a debounce"
                    + " belongs to event, webhook and manual triggers, whose fires come in bursts: leave it out");
        }
        return new Debounce(window, keyFrom, max);
    }

    /**
     * Checks a trigger's batching as {@link TriggerSpec} does, naming the trigger; for callers that read one before
     * they build a spec (an annotation, a request).
     *
     * @param name the trigger's name, for the messages
     * @param type how it fires
     * @param max how many fires start the run at once
     * @param window how long after the first fire the run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @param debounced whether the trigger has a debounce
     * @return the batching
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException as {@link Batch#check}; ({@code NVENT-0254}) on a schedule or with a debounce
     * @since 0.2
     */
    public static Batch checkBatch(String name, TriggerType type, int max, Duration window, Optional<String> keyFrom,
                                   boolean debounced) {
        Objects.requireNonNull(type, "type");
        Batch.check(name, max, window, keyFrom);
        if (type == TriggerType.SCHEDULE) {
            throw new IllegalArgumentException("NVENT-0254 trigger '" + name + "' is a schedule trigger; batching"
                    + " belongs to event, webhook and manual triggers, whose fires come in numbers: leave it out");
        }
        if (debounced) {
            throw new IllegalArgumentException("NVENT-0254 trigger '" + name + "' has both a debounce and batching;"
                    + " a debounce starts its run with the last payload, batching with all of them: keep one");
        }
        return new Batch(max, window, keyFrom);
    }

    /** Whether the text is an RFC 6901 JSON Pointer to a member of a document (not the whole document, {@code ""}). */
    static boolean isJsonPointer(String text) {
        return text.matches("(/([^~]|~[01])*)+");
    }

    private static void checkKeyPart(String trigger, String what, String text, int maxLength) {
        if (text.isEmpty() || text.length() > maxLength || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("NVENT-0268 the concurrency key " + what + " of " + trigger
                    + " must be 1-" + maxLength + " characters without control characters, was " + text.length()
                    + " characters long");
        }
    }

    /**
     * A spec that inherits the deployment's misfire policy and grace: the components of version 0.1.
     *
     * @param name unique name (letters, digits, {@code . _ -})
     * @param type how it fires
     * @param flows flows it starts
     * @param cron for schedules on a cron expression
     * @param every for schedules at a fixed interval
     * @param timezone zone of the cron expression
     * @param event for event triggers
     * @param filter for event triggers: a JSON object the event's payload must contain
     * @param description shown in the UI
     * @param enabled whether it fires
     * @throws IllegalArgumentException as the canonical constructor
     */
    public TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron,
                       Optional<Duration> every, ZoneId timezone, Optional<String> event, Optional<String> filter,
                       String description, boolean enabled) {
        this(name, type, flows, cron, every, timezone, event, filter, description, enabled, Misfire.INHERIT,
                Optional.empty());
    }

    /**
     * Checks a misfire grace as {@link TriggerSpec} does; for callers that read one before they build
     * a spec and want to name the field it came from.
     *
     * @param name the trigger's name, for the message
     * @param grace the grace
     * @throws IllegalArgumentException if it is not whole seconds between one and {@link #MAX_MISFIRE_GRACE}
     *     (NVENT-0231)
     * @since 0.2
     */
    public static void checkMisfireGrace(String name, Duration grace) {
        checkMisfireGraceShown(name, grace, durationText(grace));
    }

    /**
     * Checks a misfire grace as {@link #checkMisfireGrace(String, Duration)} does, naming it as its
     * sender wrote it: the duration would say {@code PT0S} for {@code "P0D"}, {@code PT0.5S} for
     * {@code "PT0.500S"}.
     *
     * @param name the trigger's name, for the message
     * @param grace the grace
     * @param asWritten the text it was read from, quoted in the message
     * @throws IllegalArgumentException if it is not whole seconds between one and {@link #MAX_MISFIRE_GRACE}
     *     (NVENT-0231)
     * @since 0.2
     */
    public static void checkMisfireGrace(String name, Duration grace, String asWritten) {
        checkMisfireGraceShown(name, grace, "\"" + asWritten + "\"");
    }

    private static void checkMisfireGraceShown(String name, Duration grace, String shown) {
        durationProblem(grace).ifPresent(problem -> {
            throw new IllegalArgumentException("NVENT-0231 the misfire grace of schedule trigger '" + name + "' is "
                    + shown + "; " + problem + " (leave it out to inherit nvent.triggers.misfire-grace)");
        });
    }

    /**
     * Checks a trigger's run timeout as {@link TriggerSpec} does; for callers that read it before they build a spec
     * (an annotation, a request).
     *
     * @param name the trigger's name, for the message
     * @param runTimeout the timeout
     * @return the timeout
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if it is not positive or longer than {@link StartOptions#LONGEST_RUN_TIMEOUT}
     *     (NVENT-0215), or not whole milliseconds (NVENT-0235)
     * @since 0.2
     */
    public static Duration checkRunTimeout(String name, Duration runTimeout) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runTimeout, "runTimeout");
        if (runTimeout.isNegative() || runTimeout.isZero()
                || runTimeout.compareTo(StartOptions.LONGEST_RUN_TIMEOUT) > 0) {
            throw new IllegalArgumentException("NVENT-0215 the run timeout of trigger '" + name + "' is "
                    + durationText(runTimeout) + "; it must be positive and at most "
                    + StartOptions.LONGEST_RUN_TIMEOUT.toDays() + " days (StartOptions.LONGEST_RUN_TIMEOUT)");
        }
        StartOptions.requireWholeMillis("the run timeout of trigger '" + name + "'", runTimeout);
        return runTimeout;
    }

    /**
     * Why a duration cannot be a schedule's interval ({@code every}) or misfire grace, if it cannot: both
     * are whole seconds from {@link #MIN_EVERY} to {@link #MAX_EVERY}, the year {@link #MAX_MISFIRE_GRACE}
     * is too. For
     * messages that quote a value as its sender wrote it, which the duration no longer knows
     * ({@code "PT0.500S"} is {@code PT0.5S}, {@code "-PT5S"} is {@code PT-5S}).
     *
     * @param duration an interval or a misfire grace
     * @return the rule it breaks, "it must be a whole number of seconds, at least PT1S and at most P366D";
     *     empty if it breaks none
     * @since 0.2
     */
    public static Optional<String> durationProblem(Duration duration) {
        if (duration.compareTo(MIN_EVERY) >= 0 && duration.compareTo(MAX_EVERY) <= 0 && duration.getNano() == 0) {
            return Optional.empty();
        }
        return Optional.of("it must be a whole number of seconds, at least " + durationText(MIN_EVERY)
                + " and at most " + durationText(MAX_EVERY));
    }

    /**
     * A trigger's duration (its interval, its misfire grace) as ISO-8601 text the way one writes it: in
     * days when it is whole days, {@code P2D} where {@link Duration#toString()} says {@code PT48H}, else as
     * that says; so that messages, the REST API and the console name a value as it was given.
     *
     * @param duration the duration
     * @return its text, such as {@code P2D}, {@code PT36H} or {@code PT1M30S}
     * @since 0.2
     */
    public static String durationText(Duration duration) {
        return !duration.isNegative() && !duration.isZero() && duration.getNano() == 0
                && duration.toSeconds() % Duration.ofDays(1).toSeconds() == 0
                ? "P" + duration.toDays() + "D" : duration.toString();
    }

    private static void checkEvery(String name, Duration every) {
        durationProblem(every).ifPresent(problem -> {
            throw new IllegalArgumentException("the interval (every) of schedule trigger '" + name + "' is "
                    + durationText(every) + "; " + problem);
        });
    }

    /**
     * A builder for a trigger of the given name and type.
     *
     * @param name unique name, see {@link #NAME_RULE}
     * @param type how it fires
     * @return a builder with no flows, zone UTC, an empty description, enabled
     */
    public static Builder newBuilder(String name, TriggerType type) {
        return new Builder(name, type);
    }

    /**
     * A builder initialised from this spec.
     *
     * @return a builder holding every value of this spec
     */
    public Builder toBuilder() {
        Builder builder = new Builder(name, type).flows(flows).timezone(timezone).description(description)
                .enabled(enabled).misfire(misfire);
        cron.ifPresent(builder::cron);
        every.ifPresent(builder::every);
        event.ifPresent(builder::event);
        filter.ifPresent(builder::filter);
        misfireGrace.ifPresent(builder::misfireGrace);
        concurrencyKey.ifPresent(builder::concurrencyKey);
        concurrencyKeyFrom.ifPresent(builder::concurrencyKeyFrom);
        concurrencyKeyPrefix.ifPresent(builder::concurrencyKeyPrefix);
        runTimeout.ifPresent(builder::runTimeout);
        debounce.ifPresent(builder::debounce);
        batch.ifPresent(builder::batch);
        return builder.concurrencyLimit(concurrencyLimit).labels(labels).overlap(overlap).exclude(exclude);
    }

    /**
     * This spec enabled or disabled.
     *
     * @param newEnabled whether it fires
     * @return a copy with that flag
     */
    public TriggerSpec withEnabled(boolean newEnabled) {
        return new TriggerSpec(name, type, flows, cron, every, timezone, event, filter, description, newEnabled,
                misfire, misfireGrace, concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit,
                labels, runTimeout, overlap, exclude, debounce, batch);
    }

    /**
     * This spec with another filter, or none; validated as {@link Builder#filter} is.
     *
     * @param newFilter a JSON object, or empty for none
     * @return a copy with that filter
     * @throws IllegalArgumentException if the filter is invalid or this is not an event trigger
     */
    public TriggerSpec withFilter(Optional<String> newFilter) {
        return new TriggerSpec(name, type, flows, cron, every, timezone, event, newFilter, description, enabled,
                misfire, misfireGrace, concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit,
                labels, runTimeout, overlap, exclude, debounce, batch);
    }

    /** Builder of {@link TriggerSpec}. */
    public static final class Builder {
        private final String name;
        private final TriggerType type;
        private List<String> flows = List.of();
        private String cron;
        private Duration every;
        private ZoneId timezone = ZoneId.of("UTC");
        private String event;
        private String filter;
        private String description = "";
        private boolean enabled = true;
        private Misfire misfire = Misfire.INHERIT;
        private Duration misfireGrace;
        private String concurrencyKey;
        private String concurrencyKeyFrom;
        private String concurrencyKeyPrefix;
        private int concurrencyLimit = 1;
        private Set<String> labels = Set.of();
        private Duration runTimeout;
        private Overlap overlap = Overlap.ALLOW_ALL;
        private List<String> exclude = List.of();
        private Duration debounce;
        private String debounceKeyFrom;
        private Duration debounceMax;
        private Integer batchMax;
        private Duration batchWindow;
        private String batchKeyFrom;

        private Builder(String name, TriggerType type) {
            this.name = name;
            this.type = type;
        }

        /**
         * The flows the trigger starts, replacing any set before; the engine refuses a trigger that starts
         * none, or names a flow that is not deployed, when it is saved.
         *
         * @param value flow names
         * @return this builder
         */
        public Builder flows(List<String> value) {
            this.flows = value;
            return this;
        }

        /**
         * Starts one flow, replacing any set before.
         *
         * @param value flow name
         * @return this builder
         */
        public Builder flow(String value) {
            this.flows = List.of(value);
            return this;
        }

        /**
         * For {@link TriggerType#SCHEDULE}: ticks on this cron expression (5 fields, or 6 with seconds
         * first) in the {@linkplain #timezone zone} given. The syntax is checked when the trigger is saved.
         *
         * @param value the expression; {@code null} for none
         * @return this builder
         */
        public Builder cron(String value) {
            this.cron = value;
            return this;
        }

        /**
         * Ticks at this interval instead of on a cron expression: a whole number of seconds, at
         * least {@link #MIN_EVERY}; checked by {@link #build()}.
         *
         * @param value the interval; {@code null} for none
         * @return this builder
         */
        public Builder every(Duration value) {
            this.every = value;
            return this;
        }

        /**
         * Time zone of the cron expression; UTC unless set. An interval's ticks do not depend on it.
         *
         * @param value the zone
         * @return this builder
         */
        public Builder timezone(ZoneId value) {
            this.timezone = value;
            return this;
        }

        /**
         * For {@link TriggerType#EVENT}: the name of the event that fires the trigger.
         *
         * @param value event name; {@code null} for none
         * @return this builder
         */
        public Builder event(String value) {
            this.event = value;
            return this;
        }

        /**
         * For event triggers: a JSON object, such as {@code {"region":"eu"}}, the event's payload must
         * contain for the trigger to fire (see the class description); {@code null} for none. Checked by
         * {@link #build()}: text that is not a JSON object, or a filter on another type, is refused.
         *
         * @param value the filter as JSON text, or {@code null}
         * @return this builder
         */
        public Builder filter(String value) {
            this.filter = value;
            return this;
        }

        /**
         * Text shown in the UI; empty unless set.
         *
         * @param value the description
         * @return this builder
         */
        public Builder description(String value) {
            this.description = value;
            return this;
        }

        /**
         * Whether the trigger fires from the start; {@code true} unless set.
         *
         * @param value whether it fires
         * @return this builder
         */
        public Builder enabled(boolean value) {
            this.enabled = value;
            return this;
        }

        /**
         * For {@link TriggerType#SCHEDULE}: what a start does with the ticks missed while no instance ran;
         * {@link Misfire#INHERIT} (the deployment's {@code nvent.triggers.misfire}) unless set.
         *
         * @param value the policy
         * @return this builder
         * @since 0.2
         */
        public Builder misfire(Misfire value) {
            this.misfire = value;
            return this;
        }

        /**
         * For {@link TriggerType#SCHEDULE}: a missed tick older than this does not fire; checked by
         * {@link #build()} (whole seconds, at least one, at most {@link #MAX_MISFIRE_GRACE}).
         *
         * @param value the grace; {@code null} for the deployment's {@code nvent.triggers.misfire-grace}
         * @return this builder
         * @since 0.2
         */
        public Builder misfireGrace(Duration value) {
            this.misfireGrace = value;
            return this;
        }

        /**
         * A key every run the trigger starts holds, so that they take turns (see the class description);
         * exclusive with {@link #concurrencyKeyFrom}, checked by {@link #build()}.
         *
         * @param value the key; {@code null} for none
         * @return this builder
         * @since 0.2
         */
        public Builder concurrencyKey(String value) {
            this.concurrencyKey = value;
            return this;
        }

        /**
         * An RFC 6901 JSON Pointer, such as {@code /customerId}, to the key of each fire in its payload
         * (see the class description); exclusive with {@link #concurrencyKey}, not for schedules, checked
         * by {@link #build()}.
         *
         * @param value the pointer; {@code null} for none
         * @return this builder
         * @since 0.2
         */
        public Builder concurrencyKeyFrom(String value) {
            this.concurrencyKeyFrom = value;
            return this;
        }

        /**
         * Text put before the key read with {@link #concurrencyKeyFrom}, so that two triggers reading the
         * same ids keep their keys apart; only with a pointer, checked by {@link #build()}.
         *
         * @param value the prefix, such as {@code "invoices:"}; {@code null} for none
         * @return this builder
         * @since 0.2
         */
        public Builder concurrencyKeyPrefix(String value) {
            this.concurrencyKeyPrefix = value;
            return this;
        }

        /**
         * How many runs of one of the trigger's keys may be under way at a time, across all instances (see the
         * class description); 1, one at a time, unless set. Above 1 it needs a {@link #concurrencyKey} or a
         * {@link #concurrencyKeyFrom}, checked by {@link #build()}.
         *
         * @param value the limit, 1 to {@value StartOptions#MAX_CONCURRENCY_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException ({@code NVENT-0278}) if the limit is out of range
         * @since 0.2
         */
        public Builder concurrencyLimit(int value) {
            checkConcurrencyLimitRange(name, value);
            this.concurrencyLimit = value;
            return this;
        }

        /**
         * The labels every run the trigger starts carries, replacing any set before (see the class description):
         * at most {@value StartOptions#MAX_LABELS}, each as {@link StartOptions#labels()} says; a label given twice
         * counts once.
         *
         * @param value the labels; empty for none
         * @return this builder
         * @throws NullPointerException if {@code value} or a label is {@code null}
         * @throws IllegalArgumentException if a label breaks a rule ({@code NVENT-0286}), or there are more than
         *     {@value StartOptions#MAX_LABELS} ({@code NVENT-0287})
         * @since 0.2
         */
        public Builder labels(Collection<String> value) {
            this.labels = StartOptions.requireValidLabels(value);
            return this;
        }

        /**
         * The labels every run the trigger starts carries, replacing any set before; see
         * {@link #labels(Collection)}.
         *
         * @param value the labels
         * @return this builder
         * @throws NullPointerException if {@code value} or a label is {@code null}
         * @throws IllegalArgumentException as {@link #labels(Collection)}
         * @since 0.2
         */
        public Builder labels(String... value) {
            return labels(List.of(Objects.requireNonNull(value, "labels")));
        }

        /**
         * How long each run the trigger starts may take, start to end (see the class description): wins over the
         * flow's own run timeout, and a fire's own {@link StartOptions#timeout()} wins over it.
         *
         * @param value the timeout; positive, at most {@link StartOptions#LONGEST_RUN_TIMEOUT}; {@code null} for the
         *     flow's own
         * @return this builder
         * @throws IllegalArgumentException ({@code NVENT-0215}) if the timeout is out of range
         * @since 0.2
         */
        public Builder runTimeout(Duration value) {
            this.runTimeout = value == null ? null : checkRunTimeout(name, value);
            return this;
        }

        /**
         * What a fire does while a run the trigger started is under way (see {@link Overlap}); {@link Overlap#ALLOW_ALL},
         * runs side by side as before 0.2, unless set. Any other policy goes with a concurrency limit of 1 only, checked
         * by {@link #build()} ({@code NVENT-0217}).
         *
         * @param value the policy
         * @return this builder
         * @throws NullPointerException if {@code value} is {@code null}
         * @since 0.2
         */
        public Builder overlap(Overlap value) {
            this.overlap = Objects.requireNonNull(value, "overlap");
            return this;
        }

        /**
         * The ticks a schedule does not fire at: each rule a date ({@code "2026-12-25"}), a day of every year
         * ({@code "--12-26"}), an inclusive range of dates ({@code "2026-12-20/2027-01-04"}), {@code "cron:<expression>"}
         * (the minutes it matches) or {@code "calendar:<name>"} (an {@link ExclusionCalendar}), each matched on the
         * tick's local date in the trigger's zone. Replaces the rules set before; checked by {@link #build()}
         * ({@code NVENT-0236}, {@code NVENT-0238}).
         *
         * @param rules the rules; none for none
         * @return this builder
         * @throws NullPointerException if a rule is {@code null}
         * @since 0.2
         */
        public Builder exclude(String... rules) {
            return exclude(List.of(rules));
        }

        /**
         * The ticks a schedule does not fire at, as {@link #exclude(String...)}.
         *
         * @param rules the rules; empty for none
         * @return this builder
         * @throws NullPointerException if the list or a rule is {@code null}
         * @since 0.2
         */
        public Builder exclude(List<String> rules) {
            this.exclude = List.copyOf(rules);
            return this;
        }

        /**
         * For event, webhook and manual triggers: a burst of fires of one key starts one run, with the latest payload,
         * once the key has been quiet this long (see {@link Debounce}); checked by {@link #build()}: whole seconds from
         * {@link Debounce#MIN_WINDOW} to {@link Debounce#MAX_WINDOW}, not on a schedule ({@code NVENT-0239}).
         *
         * @param value the quiet period, such as 30 seconds; {@code null} for a run per fire
         * @return this builder
         * @since 0.2
         */
        public Builder debounce(Duration value) {
            this.debounce = value;
            return this;
        }

        /**
         * An RFC 6901 JSON Pointer, such as {@code /customerId}, to the key a fire is debounced by in its payload (see
         * {@link Debounce#keyFrom()}); with a {@link #debounce(Duration)} only, checked by {@link #build()}
         * ({@code NVENT-0249}).
         *
         * @param value the pointer; {@code null} for one key for the whole trigger
         * @return this builder
         * @since 0.2
         */
        public Builder debounceKeyFrom(String value) {
            this.debounceKeyFrom = value;
            return this;
        }

        /**
         * The longest a key's run may be put off from the key's first fire (see {@link Debounce#max()}); at least the
         * {@link #debounce(Duration)}, checked by {@link #build()} ({@code NVENT-0239}).
         *
         * @param value the bound; {@code null} for none
         * @return this builder
         * @since 0.2
         */
        public Builder debounceMax(Duration value) {
            this.debounceMax = value;
            return this;
        }

        /**
         * The debounce as a whole, replacing its window, pointer and bound (see {@link Debounce}).
         *
         * @param value the debounce; {@code null} for a run per fire
         * @return this builder
         * @since 0.2
         */
        public Builder debounce(Debounce value) {
            this.debounce = value == null ? null : value.window();
            this.debounceKeyFrom = value == null ? null : value.keyFrom().orElse(null);
            this.debounceMax = value == null ? null : value.max().orElse(null);
            return this;
        }

        /**
         * Batching: the fires of one key start one run with all their payloads, once {@code max} came or
         * {@code window} passed since the first (see {@link Batch}); checked by {@link #build()} ({@code NVENT-0252},
         * {@code NVENT-0254}).
         *
         * @param max how many fires start the run at once, 2 to 1000
         * @param window how long after the first fire the run starts; {@code null} (with any max) for no batching
         * @return this builder
         * @since 0.2
         */
        public Builder batch(int max, Duration window) {
            this.batchMax = window == null ? null : max;
            this.batchWindow = window;
            return this;
        }

        /**
         * An RFC 6901 JSON Pointer, such as {@code /userId}, to the key a fire is batched by in its payload (see
         * {@link Batch#keyFrom()}); with a {@link #batch(int, Duration)} only, checked by {@link #build()}.
         *
         * @param value the pointer; {@code null} for one batch for the whole trigger
         * @return this builder
         * @since 0.2
         */
        public Builder batchKeyFrom(String value) {
            this.batchKeyFrom = value;
            return this;
        }

        /**
         * The batching as a whole, replacing its size, window and pointer (see {@link Batch}).
         *
         * @param value the batching; {@code null} for a run per fire
         * @return this builder
         * @since 0.2
         */
        public Builder batch(Batch value) {
            this.batchMax = value == null ? null : value.max();
            this.batchWindow = value == null ? null : value.window();
            this.batchKeyFrom = value == null ? null : value.keyFrom().orElse(null);
            return this;
        }

        private Optional<Batch> batchOf(boolean debounced) {
            if (batchWindow == null) {
                if (batchKeyFrom != null) {
                    throw new IllegalArgumentException("NVENT-0254 trigger '" + name + "' gives a batch key pointer"
                            + " (batchKeyFrom) but no batching: give the size and window too (batch, such as 100 and"
                            + " PT10S)");
                }
                return Optional.empty();
            }
            return Optional.of(checkBatch(name, type, batchMax, batchWindow, Optional.ofNullable(batchKeyFrom),
                    debounced));
        }

        private Optional<Debounce> debounceOf() {
            if (debounce == null) {
                if (debounceKeyFrom != null || debounceMax != null) {
                    throw new IllegalArgumentException("NVENT-0239 trigger '" + name + "' gives a "
                            + (debounceKeyFrom != null ? "debounce key pointer (debounceKeyFrom)"
                            : "debounce bound (debounceMax)") + " but no debounce: give the quiet period too"
                            + " (debounce, such as PT30S)");
                }
                return Optional.empty();
            }
            return Optional.of(checkDebounce(name, type, debounce, Optional.ofNullable(debounceKeyFrom),
                    Optional.ofNullable(debounceMax)));
        }

        /**
         * Builds the spec, trimming the cron expression and event name.
         *
         * @return the spec
         * @throws IllegalArgumentException for invalid values (see {@link TriggerSpec#TriggerSpec})
         * @throws NullPointerException if a value set to {@code null} is required (name, type, flows, zone,
         *     description, misfire policy)
         */
        public TriggerSpec build() {
            return new TriggerSpec(name, type, flows, Optional.ofNullable(cron).map(String::trim),
                    Optional.ofNullable(every), timezone, Optional.ofNullable(event).map(String::trim),
                    Optional.ofNullable(filter), description, enabled, misfire, Optional.ofNullable(misfireGrace),
                    Optional.ofNullable(concurrencyKey), Optional.ofNullable(concurrencyKeyFrom),
                    Optional.ofNullable(concurrencyKeyPrefix), concurrencyLimit, labels,
                    Optional.ofNullable(runTimeout), overlap, exclude, debounceOf(), batchOf(debounce != null));
        }
    }
}

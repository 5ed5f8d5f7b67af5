package io.nvent.cdi.internal.engine;

import io.nvent.ExclusionCalendar;
import io.nvent.InvalidTriggerException;
import io.nvent.TriggerSpec;
import io.nvent.cdi.internal.schedule.Cron;
import io.nvent.cdi.internal.schedule.Schedule;
import io.nvent.spi.internal.ExclusionRules;
import io.nvent.spi.internal.ThrottledWarning;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A schedule's exclusions ({@link TriggerSpec#exclude()}): which rule, if any, excludes a tick, matched on its local
 * date (or the tick itself, for a cron or a calendar) in the trigger's zone, and the schedule's next tick that is not
 * excluded. Named calendars ({@link ExclusionCalendar}) are asked at each tick, nothing cached; one that throws lets
 * the tick fire (fail open), logged at most once a minute per trigger ({@code NVENT-0418}).
 */
final class TriggerExclusions {

    /** The most excluded ticks a search for the next fire passes over before it gives up and shows none. */
    static final int MOST_EXCLUDED_PASSED = 1_000;

    private static final System.Logger LOG = System.getLogger(TriggerExclusions.class.getName());

    private final Map<String, ExclusionCalendar> calendars;
    private final Map<String, ThrottledWarning> failing = new ConcurrentHashMap<>();

    /**
     * @throws IllegalArgumentException ({@code NVENT-0419}) if two calendars give one name, or one gives a name no rule
     *     can reach
     */
    TriggerExclusions(Collection<? extends ExclusionCalendar> given) {
        Map<String, ExclusionCalendar> byName = new LinkedHashMap<>();
        for (ExclusionCalendar calendar : given) {
            String name = calendar.name();
            if (name == null || !TriggerSpec.isValidName(name)) {
                throw new IllegalArgumentException("NVENT-0419 exclusion calendar " + calendar.getClass().getName()
                        + " names itself " + (name == null ? "null" : "'" + name + "'") + ", which no trigger can give"
                        + " after calendar:; a calendar's name " + TriggerSpec.NAME_RULE);
            }
            ExclusionCalendar other = byName.put(name, calendar);
            if (other != null) {
                throw new IllegalArgumentException("NVENT-0419 exclusion calendars " + other.getClass().getName()
                        + " and " + calendar.getClass().getName() + " both name themselves '" + name + "'; give each"
                        + " its own name");
            }
        }
        this.calendars = Map.copyOf(byName);
    }

    static final TriggerExclusions NONE = new TriggerExclusions(List.of());

    /**
     * Refuses a trigger that names a calendar no {@link ExclusionCalendar} names, or a cron rule that does not parse.
     *
     * @throws InvalidTriggerException ({@code NVENT-0419}) naming the calendar and the known ones
     */
    void requireKnown(TriggerSpec spec) {
        requireKnown(spec, "");
    }

    /** As {@link #requireKnown(TriggerSpec)}, saying where the trigger is declared after its name. */
    void requireKnown(TriggerSpec spec, String where) {
        requireKnown(spec, ExclusionRules.subject(spec.name()), where);
    }

    /** As {@link #requireKnown(TriggerSpec, String)}, naming {@code subject} where it would name the trigger. */
    void requireKnown(TriggerSpec spec, String subject, String where) {
        for (String name : unknownCalendars(spec)) {
            throw new InvalidTriggerException("NVENT-0419 " + subject + " excludes the ticks of"
                    + " calendar:" + name + ", but no ExclusionCalendar is named '" + name + "' (known: "
                    + (calendars.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(calendars.keySet())))
                    + "); add a CDI bean implementing io.nvent.ExclusionCalendar with that name (outside a"
                    + " container: EmbeddedEngine.Builder.exclusionCalendar), or correct the name" + where);
        }
    }

    /**
     * The calendars the trigger's {@code calendar:<name>} rules name that no {@link ExclusionCalendar} of this
     * deployment names (a stored trigger's, whose calendar a redeploy removed), as written; they exclude nothing.
     */
    List<String> unknownCalendars(TriggerSpec spec) {
        return spec.exclude().isEmpty() ? List.of()
                : ExclusionRules.calendars(ExclusionRules.read(spec.name(), spec.exclude())).stream()
                        .filter(name -> !calendars.containsKey(name)).distinct().toList();
    }

    /**
     * The rule that excludes the tick, as written; empty if it fires. A rule the stored trigger holds that cannot be
     * read (none can: they are checked when the trigger is built) or a calendar not known here excludes nothing.
     */
    Optional<String> excludedBy(TriggerSpec spec, Instant tick) {
        return spec.exclude().isEmpty() ? Optional.empty() : excludedBy(spec, read(spec), tick, true);
    }

    /** The rules read once, each cron parsed: a search for the next fire matches them against many ticks. */
    private record Read(List<ExclusionRules.Rule> rules, Map<String, Cron> crons) {
    }

    private static Read read(TriggerSpec spec) {
        List<ExclusionRules.Rule> rules = ExclusionRules.read(spec.name(), spec.exclude());
        Map<String, Cron> crons = new java.util.HashMap<>();
        for (ExclusionRules.Rule rule : rules) {
            if (rule instanceof ExclusionRules.CronRule cron) {
                crons.put(cron.expression(), Cron.parse(cron.expression()));
            }
        }
        return new Read(rules, crons);
    }

    /** @param ticking whether a tick asks (a calendar that fails is warned of), not a read of the next fire */
    private Optional<String> excludedBy(TriggerSpec spec, Read read, Instant tick, boolean ticking) {
        ZonedDateTime local = ZonedDateTime.ofInstant(tick, spec.timezone());
        LocalDate date = local.toLocalDate();
        for (ExclusionRules.Rule rule : read.rules()) {
            if (matches(spec, read, rule, local, date, ticking)) {
                return Optional.of(rule.text());
            }
        }
        return Optional.empty();
    }

    private boolean matches(TriggerSpec spec, Read read, ExclusionRules.Rule rule, ZonedDateTime local,
                            LocalDate date, boolean ticking) {
        if (rule instanceof ExclusionRules.Dates dates) {
            return dates.contains(date);
        }
        if (rule instanceof ExclusionRules.Yearly yearly) {
            return yearly.contains(date);
        }
        if (rule instanceof ExclusionRules.CronRule cron) {
            return read.crons().get(cron.expression()).matchesMinuteOf(local.toInstant(), spec.timezone());
        }
        String name = ((ExclusionRules.Calendar) rule).name();
        ExclusionCalendar calendar = calendars.get(name);
        if (calendar == null) {
            if (ticking) {
                warnFailing(spec, "calendar:" + name + " is no ExclusionCalendar of this deployment");
            }
            return false;
        }
        try {
            return calendar.excludes(local);
        } catch (RuntimeException e) {
            if (ticking) {
                warnFailing(spec, "calendar:" + name + " (" + calendar.getClass().getName() + ") failed: " + e);
            }
            return false;
        }
    }

    private void warnFailing(TriggerSpec spec, String what) {
        failing.computeIfAbsent(spec.name(), name -> new ThrottledWarning(LOG, Duration.ofMinutes(1)))
                .add(1, times -> "NVENT-0418 trigger " + spec.name() + " fires its ticks as if not excluded: " + what
                        + " (" + times + " time" + (times == 1 ? "" : "s") + " since the last such line; logged at"
                        + " most once a minute per trigger)");
    }

    /**
     * The schedule's first tick after {@code after} that no rule excludes; empty if there is none, or if the first
     * {@value #MOST_EXCLUDED_PASSED} after it are all excluded (the search gives up). A read, not a tick: a calendar
     * not known here or failing excludes nothing, as at a tick, but is not warned of ({@code NVENT-0418} is the
     * ticks').
     */
    Optional<Instant> nextFire(TriggerSpec spec, Schedule schedule, Instant after) {
        Optional<Instant> tick = schedule.nextAfter(after);
        if (spec.exclude().isEmpty()) {
            return tick;
        }
        Read read = read(spec);
        for (int passed = 0; tick.isPresent() && excludedBy(spec, read, tick.get(), false).isPresent(); passed++) {
            if (passed >= MOST_EXCLUDED_PASSED) {
                return Optional.empty();
            }
            tick = schedule.nextAfter(tick.get());
        }
        return tick;
    }

    /**
     * The schedule's first {@code count} ticks after {@code after}, each with the rule that excludes it, matched as
     * {@link #nextFire} matches them (a read: a calendar not known here or failing excludes nothing, not warned of).
     */
    List<io.nvent.ScheduledTick> ticks(TriggerSpec spec, Schedule schedule, Instant after, int count) {
        Read read = spec.exclude().isEmpty() ? null : read(spec);
        List<io.nvent.ScheduledTick> ticks = new java.util.ArrayList<>();
        Optional<Instant> tick = schedule.nextAfter(after);
        while (tick.isPresent() && ticks.size() < count) {
            Instant at = tick.get();
            ticks.add(new io.nvent.ScheduledTick(at, read == null ? Optional.empty()
                    : excludedBy(spec, read, at, false)));
            tick = schedule.nextAfter(at);
        }
        return ticks;
    }

    /** Forgets the warnings of a trigger deleted or changed. */
    void forget(String name) {
        failing.remove(name);
    }
}

package io.nvent.cdi.internal.registry;

import io.nvent.InvalidTriggerException;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.spi.internal.ExclusionRules;
import io.nvent.cdi.internal.schedule.Cron;
import io.nvent.cdi.internal.schedule.IntervalSchedule;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a trigger's definition must be to work as meant, checked alike for a {@link Trigger}
 * declared in the code (at deployment, {@link FlowGraphValidator}) and for one created or changed
 * at run time ({@code TriggerService}, REST): a name a URL can reach, a schedule that ticks (a cron
 * that parses and matches some date, or a valid interval, not both), the fields of its own type
 * only, a valid filter and time zone. What needs the deployment (the flows it names) is the
 * caller's to check.
 *
 * <p>Each problem is a sentence of its own; the caller says which trigger (and, at deployment,
 * which class) it is about.
 *
 * @param name the trigger's name
 * @param type how it fires
 * @param cron the cron expression, {@code ""} for none
 * @param every the interval as an ISO-8601 duration, {@code ""} for none
 * @param timezone the zone id of the cron expression
 * @param event the event name, {@code ""} for none
 * @param filter the event filter as JSON text, {@code ""} for none
 */
public record TriggerRules(String name, TriggerType type, String cron, String every, String timezone, String event,
                           String filter) {

    /** Names a trigger cannot have: {@code GET /api/nvent/triggers/<name>} would reach another endpoint. */
    static final Set<String> RESERVED_NAMES = Set.of("cron-preview");

    /** The definition a {@link Trigger} annotation declares. */
    public static TriggerRules of(Trigger trigger) {
        return new TriggerRules(trigger.name(), trigger.type(), trigger.cron(), trigger.every(), trigger.timezone(),
                trigger.event(), trigger.filter());
    }

    /** The definition of a trigger created or changed at run time. */
    public static TriggerRules of(TriggerSpec spec) {
        return new TriggerRules(spec.name(), spec.type(), spec.cron().orElse(""),
                spec.every().map(Duration::toString).orElse(""), spec.timezone().getId(), spec.event().orElse(""),
                spec.filter().orElse(""));
    }

    /** Every problem of the definition; empty if it works as meant. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!TriggerSpec.isValidName(name)) {
            problems.add("the name " + TriggerSpec.NAME_RULE);
        } else if (RESERVED_NAMES.contains(name)) {
            problems.add("the name '" + name + "' is reserved (GET /api/nvent/triggers/" + name
                    + " previews cron expressions); choose another");
        }
        if (type == TriggerType.SCHEDULE) {
            checkSchedule(problems);
        } else {
            // A field of another type's would be kept and shown, though nothing ever reads it.
            notOfThisType(!cron.isBlank(), "a cron expression ('" + cron.trim() + "')", TriggerType.SCHEDULE, problems);
            notOfThisType(!every.isBlank(), "an interval (every '" + every.trim() + "')", TriggerType.SCHEDULE,
                    problems);
        }
        if (type == TriggerType.EVENT && event.isBlank()) {
            problems.add("an event trigger needs an event name (event = \"...\")");
        }
        if (type != TriggerType.EVENT) {
            notOfThisType(!event.isBlank(), "an event name ('" + event + "')", TriggerType.EVENT, problems);
            notOfThisType(!filter.isBlank(), "a filter (" + filter + ")", TriggerType.EVENT, problems);
        } else if (!filter.isBlank()) {
            checkFilter(problems);
        }
        zoneProblem(timezone).ifPresent(problems::add);
        return problems;
    }

    /**
     * Throws the problems of the definition, if any, as one {@link InvalidTriggerException} that
     * names the trigger.
     */
    public void requireValid() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new InvalidTriggerException("trigger '" + name + "': " + String.join("; ", problems));
        }
    }

    private void notOfThisType(boolean given, String what, TriggerType owner, List<String> problems) {
        if (given) {
            problems.add(what + " belongs to " + owner.wireName() + " triggers only; this one is a " + type.wireName()
                    + " trigger");
        }
    }

    private void checkSchedule(List<String> problems) {
        boolean hasCron = !cron.isBlank();
        boolean hasEvery = !every.isBlank();
        if (hasCron && hasEvery) {
            problems.add("a schedule trigger ticks on a cron expression (cron = \"...\") or an interval (every = "
                    + "\"...\"); it has both, remove one");
        } else if (hasEvery) {
            try {
                IntervalSchedule.parse(every);
            } catch (InvalidTriggerException e) {
                problems.add(withoutId(e));
            }
        } else if (hasCron) {
            cronProblem(cron).ifPresent(problems::add);
        } else {
            problems.add("a schedule trigger needs cron = \"...\" (e.g. \"0 9 * * MON-FRI\") or every = \"...\" "
                    + "(an ISO-8601 duration, e.g. \"PT90S\")");
        }
    }

    /**
     * A cron expression that parses and matches some date; also an await's ({@code @AwaitBefore(type =
     * SCHEDULE)}), which waits for its next tick, and one a preview of its ticks is asked for.
     */
    public static Optional<String> cronProblem(String cron) {
        Cron parsed;
        try {
            parsed = Cron.parse(cron);
        } catch (InvalidTriggerException e) {
            return Optional.of(withoutId(e));
        }
        return parsed.matchesSomeDate() ? Optional.empty() : Optional.of("cron '" + parsed.expression() + "' ("
                + parsed.describe() + ") never fires: no date matches it");
    }

    /**
     * The problem of a trigger's exclusion rules, if any: a rule in none of the forms, too many, rules on a trigger
     * other than a schedule ({@link TriggerSpec#checkExclusions}), or a {@code cron:} rule whose expression does not
     * parse or never matches.
     */
    public static Optional<String> exclusionProblem(String name, TriggerType type, List<String> exclude) {
        String trigger = TriggerSpec.isValidName(name) ? name : "trigger";
        try {
            return cronRuleProblem(ExclusionRules.subject(trigger),
                    ExclusionRules.read(trigger, TriggerSpec.checkExclusions(trigger, type, exclude)));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * As {@link #exclusionProblem}, for the rules of a schedule previewed before it is saved: the messages name
     * {@link ExclusionRules#PREVIEWED}, not a trigger.
     */
    public static Optional<String> previewedExclusionProblem(List<String> exclude) {
        try {
            return cronRuleProblem(ExclusionRules.PREVIEWED, ExclusionRules.readOf(ExclusionRules.PREVIEWED, exclude));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The problem of the first {@code cron:} rule whose expression does not parse or never matches, if any. */
    private static Optional<String> cronRuleProblem(String subject, List<ExclusionRules.Rule> rules) {
        for (ExclusionRules.Rule rule : rules) {
            if (rule instanceof ExclusionRules.CronRule cron) {
                Optional<String> problem = cronProblem(cron.expression());
                if (problem.isPresent()) {
                    return Optional.of(ExclusionRules.problemOf(subject, rule.text(), problem.get()).getMessage());
                }
            }
        }
        return Optional.empty();
    }

    private void checkFilter(List<String> problems) {
        try {
            // The name is in the message; an invalid one is a problem of its own, reported above.
            TriggerSpec.newBuilder(TriggerSpec.isValidName(name) ? name : "trigger", TriggerType.EVENT).event("event")
                    .filter(filter).build();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    /** A zone id that names no zone; also an await's. */
    static Optional<String> zoneProblem(String zone) {
        try {
            ZoneId.of(zone);
            return Optional.empty();
        } catch (DateTimeException e) {
            return Optional.of("unknown time zone '" + zone + "'");
        }
    }

    /**
     * The message of an exception without its id: the problem is one of the caller's message, which
     * carries an id of its own (at run time the same, {@link InvalidTriggerException}'s).
     */
    private static String withoutId(InvalidTriggerException e) {
        return e.getMessage().replaceFirst("^NVENT-\\d{4} ", "");
    }
}

package io.nvent.spi.internal;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.MonthDay;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The rules a schedule trigger's exclusions are written in ({@link io.nvent.TriggerSpec#exclude()}), read: each one a
 * {@link Rule} the engine matches against a tick's local date (or the tick itself, for a cron or a calendar). Checked
 * by {@code TriggerSpec} when it is built, and read again by the engine at each tick.
 *
 * @since 0.2
 */
public final class ExclusionRules {

    /** The most rules one trigger may have. */
    public static final int MAX_RULES = 100;
    /** The longest rule, in characters (a cron expression of 255 and its prefix fit). */
    public static final int MAX_RULE_LENGTH = 300;
    /** Put before a cron expression whose matching minutes are excluded. */
    public static final String CRON_PREFIX = "cron:";
    /** Put before the name of an {@link io.nvent.ExclusionCalendar}. */
    public static final String CALENDAR_PREFIX = "calendar:";
    /** The forms a rule may take, for a message. */
    public static final String FORMS = "a date (2026-12-25), a day of every year (--12-26), an inclusive range of dates"
            + " (2026-12-20/2027-01-04), cron:<expression> (its minutes), or calendar:<name> (an ExclusionCalendar)";

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern YEARLY = Pattern.compile("--\\d{2}-\\d{2}");

    private ExclusionRules() {
    }

    /** A rule read. */
    public sealed interface Rule {
        /** @return the rule as written (trimmed) */
        String text();
    }

    /** A range of dates, inclusive; a single date is a range of one day. */
    public record Dates(String text, LocalDate from, LocalDate to) implements Rule {
        /**
         * @param date a tick's local date
         * @return whether the date is within
         */
        public boolean contains(LocalDate date) {
            return !date.isBefore(from) && !date.isAfter(to);
        }
    }

    /** A day of every year. */
    public record Yearly(String text, MonthDay day) implements Rule {
        /**
         * @param date a tick's local date
         * @return whether the date is that day
         */
        public boolean contains(LocalDate date) {
            return MonthDay.from(date).equals(day);
        }
    }

    /** A cron expression whose matching minutes are excluded; the engine parses it. */
    public record CronRule(String text, String expression) implements Rule {
    }

    /**
     * What the refusals of a schedule previewed before it is saved name where a saved trigger's name the trigger
     * ({@code TriggerService.nextTicksOf(TriggerSpec, …)}, the REST preview's {@code ?exclude=}): it has no name yet.
     */
    public static final String PREVIEWED = "the schedule being previewed";

    /** An {@link io.nvent.ExclusionCalendar} by name. */
    public record Calendar(String text, String name) implements Rule {
    }

    /**
     * Reads a trigger's rules.
     *
     * @param trigger the trigger's name, for the message
     * @param rules the rules as given
     * @return the rules, in order
     * @throws IllegalArgumentException ({@code NVENT-0236}) for a rule in none of the forms, naming it and the forms;
     *     ({@code NVENT-0238}) for more than {@value #MAX_RULES}
     */
    public static List<Rule> read(String trigger, List<String> rules) {
        return readOf(subject(trigger), rules);
    }

    /**
     * What a refusal of a saved (or declared, or created) trigger's rules names: {@code trigger 'payroll'}.
     *
     * @param trigger the trigger's name
     * @return the words
     */
    public static String subject(String trigger) {
        return "trigger '" + trigger + "'";
    }

    /**
     * As {@link #read(String, List)}, the messages naming {@code subject} (such as {@link #PREVIEWED}) where they
     * would name the trigger.
     *
     * @param subject what the messages name, such as {@code trigger 'payroll'}
     * @param rules the rules as given
     * @return the rules, in order
     * @throws IllegalArgumentException ({@code NVENT-0236}, {@code NVENT-0238}) as {@link #read(String, List)}
     */
    public static List<Rule> readOf(String subject, List<String> rules) {
        if (rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("NVENT-0238 " + subject + " gives " + rules.size()
                    + " exclusion rules; at most " + MAX_RULES + " are allowed: give a range (2026-12-20/2027-01-04)"
                    + " for consecutive dates, or put a long list of dates in an ExclusionCalendar (calendar:<name>)");
        }
        List<Rule> read = new ArrayList<>(rules.size());
        for (String rule : rules) {
            read.add(readOne(subject, rule));
        }
        return read;
    }

    /**
     * Reads one rule.
     *
     * @param trigger the trigger's name, for the message
     * @param rule the rule as given
     * @return the rule
     * @throws IllegalArgumentException ({@code NVENT-0236}) for a rule in none of the forms
     */
    public static Rule read(String trigger, String rule) {
        return readOne(subject(trigger), rule);
    }

    private static Rule readOne(String trigger, String rule) {
        Objects.requireNonNull(rule, "exclusion rule");
        String text = rule.strip();
        if (text.length() > MAX_RULE_LENGTH) {
            throw problemOf(trigger, text.substring(0, 40) + "…", "it is longer than " + MAX_RULE_LENGTH + " characters");
        }
        if (text.startsWith(CRON_PREFIX)) {
            String expression = text.substring(CRON_PREFIX.length()).strip();
            if (expression.isEmpty() || expression.indexOf('\n') >= 0 || expression.indexOf('\u0000') >= 0) {
                throw problemOf(trigger, text, "it gives no cron expression after cron:");
            }
            return new CronRule(text, expression);
        }
        if (text.startsWith(CALENDAR_PREFIX)) {
            String name = text.substring(CALENDAR_PREFIX.length()).strip();
            if (!io.nvent.TriggerSpec.isValidName(name)) {
                throw problemOf(trigger, text, "a calendar's name " + io.nvent.TriggerSpec.NAME_RULE);
            }
            return new Calendar(text, name);
        }
        try {
            if (DATE.matcher(text).matches()) {
                LocalDate date = LocalDate.parse(text);
                return new Dates(text, date, date);
            }
            if (YEARLY.matcher(text).matches()) {
                return new Yearly(text, MonthDay.parse(text));
            }
            int slash = text.indexOf('/');
            if (slash > 0 && DATE.matcher(text.substring(0, slash)).matches()
                    && DATE.matcher(text.substring(slash + 1)).matches()) {
                LocalDate from = LocalDate.parse(text.substring(0, slash));
                LocalDate to = LocalDate.parse(text.substring(slash + 1));
                if (to.isBefore(from)) {
                    throw problemOf(trigger, text, "the range ends (" + to + ") before it begins (" + from + ")");
                }
                return new Dates(text, from, to);
            }
        } catch (DateTimeException noSuchDate) {
            throw problemOf(trigger, text, "there is no such date");
        }
        throw problemOf(trigger, text, "it is in none of the forms");
    }

    /**
     * A rule's problem in the words of {@link #read}, for the engine's own checks of a rule (a cron expression).
     *
     * @param trigger the trigger's name
     * @param rule the rule as written
     * @param why what is wrong with it
     * @return the exception to throw
     */
    public static IllegalArgumentException problem(String trigger, String rule, String why) {
        return problemOf(subject(trigger), rule, why);
    }

    /**
     * As {@link #problem}, naming {@code subject} (such as {@link #PREVIEWED}) where it would name the trigger.
     *
     * @param subject what the message names, such as {@code trigger 'payroll'}
     * @param rule the rule as written
     * @param why what is wrong with it
     * @return the exception to throw
     */
    public static IllegalArgumentException problemOf(String subject, String rule, String why) {
        return new IllegalArgumentException("NVENT-0236 " + subject + " has exclusion rule \"" + rule
                + "\": " + why + "; a rule is " + FORMS);
    }

    /**
     * @param rules rules read
     * @return the calendar names the rules give, in order
     */
    public static List<String> calendars(List<Rule> rules) {
        return rules.stream().filter(Calendar.class::isInstance).map(rule -> ((Calendar) rule).name()).toList();
    }
}

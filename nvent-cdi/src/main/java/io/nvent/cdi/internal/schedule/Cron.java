package io.nvent.cdi.internal.schedule;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.nvent.InvalidTriggerException;
import jakarta.ejb.ScheduleExpression;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A validated cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with
 * seconds first. Parsing and tick arithmetic come from cron-utils; the expression also converts to
 * an EJB {@link ScheduleExpression} so schedule triggers run on the server's timer service.
 */
public final class Cron {

    /**
     * Longest expression taken, by every trigger, await and preview alike: the width of the JPA store's
     * cron column, and far beyond any real schedule.
     */
    public static final int MAX_LENGTH = 255;

    private static final CronParser FIVE_FIELDS = parser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SIX_FIELDS = parser(CronDefinitionBuilder.defineCron()
            .withSeconds().and()
            .withMinutes().and()
            .withHours().and()
            .withDayOfMonth().and()
            .withMonth().and()
            .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0).and()
            .instance());

    private final String expression;
    private final String[] fields;
    private final ExecutionTime executionTime;
    private final com.cronutils.model.Cron parsed;

    private Cron(String expression, String[] fields, com.cronutils.model.Cron parsed) {
        this.expression = expression;
        this.fields = fields;
        this.parsed = parsed;
        this.executionTime = ExecutionTime.forCron(parsed);
    }

    private static CronParser parser(CronDefinition definition) {
        return new CronParser(definition);
    }

    /**
     * Parses and validates an expression.
     *
     * @throws InvalidTriggerException naming the expression and what is wrong with it
     */
    public static Cron parse(String expression) {
        String trimmed = expression == null ? "" : expression.trim();
        if (trimmed.length() > MAX_LENGTH) {
            // Not echoed: the preview takes any query, and a list of thousands of items says nothing more.
            throw new InvalidTriggerException("cron expression '" + trimmed.substring(0, 20) + "…' has "
                    + trimmed.length() + " characters; at most " + MAX_LENGTH + " are taken");
        }
        String[] fields = trimmed.split("\\s+");
        if (fields.length != 5 && fields.length != 6) {
            throw new InvalidTriggerException("cron expression '" + trimmed + "' has " + fields.length
                    + " fields; use 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)");
        }
        for (String unsupported : new String[] {"L", "W", "#", "?"}) {
            if (trimmed.toUpperCase(Locale.ROOT).replaceAll("[A-Z]{3}", "").contains(unsupported)) {
                throw new InvalidTriggerException("cron expression '" + trimmed + "' uses '" + unsupported
                        + "', which nvent does not support; use plain values, lists, ranges and steps");
            }
        }
        for (String field : fields) {
            // cron-utils' own words for these two are "Invalid chars: " and "Period 0 not in range".
            if (field.startsWith(",") || field.endsWith(",") || field.contains(",,")) {
                throw new InvalidTriggerException("cron expression '" + trimmed + "' is invalid: field '" + field
                        + "' has an empty item in its list");
            }
            if (hasStepOfZero(field)) {
                throw new InvalidTriggerException("cron expression '" + trimmed + "' is invalid: field '" + field
                        + "' has a step of 0; a step is 1 or more");
            }
        }
        try {
            com.cronutils.model.Cron parsed = (fields.length == 5 ? FIVE_FIELDS : SIX_FIELDS).parse(trimmed);
            parsed.validate();
            return new Cron(trimmed, fields, parsed);
        } catch (IllegalArgumentException e) {
            throw new InvalidTriggerException("cron expression '" + trimmed + "' is invalid: " + e.getMessage());
        }
    }

    /**
     * Whether an item of the field's list has a step of 0 ({@code 1-5/0}, {@code *\/00}), item by item:
     * the regular expression this was ({@code .*\/0*(,.*)?}) recursed once per character of a long
     * list and overflowed the stack.
     */
    static boolean hasStepOfZero(String field) {
        for (String item : field.split(",")) {
            int slash = item.lastIndexOf('/');
            if (slash >= 0 && item.substring(slash + 1).chars().allMatch(c -> c == '0')) {
                return true;
            }
        }
        return false;
    }

    /** The expression as given. */
    public String expression() {
        return expression;
    }

    /**
     * The first tick strictly after {@code after}; empty past the last date Java can hold, as for an interval.
     *
     * @throws DateTimeException when the tick cannot be computed for another reason ({@code after} before the first
     *     date a zone holds): that is no "no next tick", whose empty answer would stop a schedule for good
     */
    public Optional<Instant> nextAfter(Instant after, ZoneId zone) {
        ZonedDateTime from;
        try {
            from = ZonedDateTime.ofInstant(after, zone);
        } catch (DateTimeException beyondTheDates) {
            if (after.isAfter(Instant.EPOCH)) {
                return Optional.empty();   // later than the last date there is: no tick can follow it
            }
            throw beyondTheDates;
        }
        // cron-utils keeps the fraction of a second of "after" for some 6-field expressions (every
        // second: 10:00:01.5 -> 10:00:02.5); ticks are whole seconds, or instances would claim the
        // same tick under different keys.
        try {
            return executionTime.nextExecution(from).map(t -> t.withNano(0).toInstant());
        } catch (DateTimeException failed) {
            // A preview ?after=+999999999-12-31T23:59:59Z: the next tick's year is none a date holds (was a 500).
            // Only that is "no next tick"; any other failure (a bug here or in cron-utils) must not pass for one.
            if (noTickAfter(from)) {
                return Optional.empty();
            }
            throw failed;
        }
    }

    /** Whether the expression's last tick before the end of the dates Java holds is at or before {@code from}. */
    private boolean noTickAfter(ZonedDateTime from) {
        try {
            return executionTime.lastExecution(ZonedDateTime.of(LocalDateTime.MAX, from.getZone()))
                    .map(last -> !last.isAfter(from)).orElse(true);
        } catch (DateTimeException unknown) {
            return false;
        }
    }

    /**
     * Whether any date matches it: {@code 0 0 30 2 *} (the 30th of February) never does. The fields
     * name no year, so whether one matches does not depend on when or in which zone it is asked.
     */
    public boolean matchesSomeDate() {
        return nextAfter(Instant.EPOCH, java.time.ZoneOffset.UTC).isPresent();
    }

    /** The latest tick at or before {@code at}. */
    public Optional<Instant> latestAtOrBefore(Instant at, ZoneId zone) {
        ZonedDateTime time = ZonedDateTime.ofInstant(at, zone);
        if (executionTime.isMatch(time.withNano(0)) && (fields.length == 6 || time.getSecond() == 0)) {
            return Optional.of(time.withNano(0).toInstant());
        }
        return executionTime.lastExecution(time).map(t -> t.withNano(0).toInstant());
    }

    /**
     * Whether it matches the minute {@code at} falls in, in the zone: a 5-field expression that minute, a 6-field one
     * some second of it (a trigger's exclusion rule {@code cron:…} excludes the minutes it matches).
     */
    public boolean matchesMinuteOf(Instant at, ZoneId zone) {
        ZonedDateTime minute = ZonedDateTime.ofInstant(at, zone).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        if (fields.length != 6) {
            return executionTime.isMatch(minute);
        }
        return executionTime.isMatch(minute) || executionTime.nextExecution(minute)
                .filter(next -> next.isBefore(minute.plusMinutes(1))).isPresent();
    }

    /** The next {@code count} ticks after {@code after}. */
    public List<Instant> nextTicks(Instant after, ZoneId zone, int count) {
        return new CronSchedule(this, zone).nextTicks(after, count);
    }

    /** A human-readable description, e.g. "every 5 minutes" or "at 00:00 on day 29 in February". */
    public String describe() {
        String words = CronDescriptor.instance(Locale.ENGLISH).describe(parsed);
        // cron-utils names single days and months as "at 29 day", "at 1 and 15 days", "at Sunday day",
        // "at February month"; the console shows these words to operators.
        for (String[] rewrite : DESCRIPTION_REWRITES) {
            words = words.replaceAll(rewrite[0], rewrite[1]);
        }
        return words;
    }

    private static final String[][] DESCRIPTION_REWRITES = {
        {"at ((?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:(?:, | and )"
                + "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))*) days?\\b", "on $1"},
        {"at (\\d+) day\\b", "on day $1"},
        {"at (\\d+(?:(?:, | and )\\d+)+) days\\b", "on days $1"},
        {"at ((?:January|February|March|April|May|June|July|August|September|October|November|December)"
                + "(?:(?:, | and )(?:January|February|March|April|May|June|July|August|September|October|November"
                + "|December))*) months?\\b", "in $1"},
    };

    /**
     * The same schedule for the EJB timer service. Cron allows more than the EJB syntax does: steps
     * on ranges ({@code 1-59/2}), in lists ({@code *}{@code /5,*}{@code /7}) and in the date fields
     * ({@code JAN-DEC/2}), and names. A field with a step or a name is written out as the list of
     * the values it stands for, which every EJB container reads the same way; other fields (values,
     * ranges, lists of them, {@code *}) are passed as they are.
     */
    public ScheduleExpression toScheduleExpression(ZoneId zone) {
        int offset = fields.length == 6 ? 1 : 0;
        return new ScheduleExpression()
                .second(fields.length == 6 ? ejbField(fields[0], 0, 59, List.of()) : "0")
                .minute(ejbField(fields[offset], 0, 59, List.of()))
                .hour(ejbField(fields[offset + 1], 0, 23, List.of()))
                .dayOfMonth(ejbField(fields[offset + 2], 1, 31, List.of()))
                .month(ejbField(fields[offset + 3], 1, 12, MONTHS))
                .dayOfWeek(ejbField(fields[offset + 4], 0, 7, DAYS))
                .timezone(ejbTimeZone(zone));
    }

    /** Month names at their cron values less one (JAN is 1). */
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
            "SEP", "OCT", "NOV", "DEC");
    /** Day names at their cron values (SUN is 0, as is 7). */
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private static String ejbField(String field, int min, int max, List<String> names) {
        String upper = field.toUpperCase(Locale.ROOT);
        if (!upper.contains("/") && names.stream().noneMatch(upper::contains)) {
            return field;
        }
        java.util.SortedSet<Integer> values = new java.util.TreeSet<>();
        for (String item : upper.split(",")) {
            int slash = item.indexOf('/');
            int step = slash < 0 ? 1 : Integer.parseInt(item.substring(slash + 1));
            String range = slash < 0 ? item : item.substring(0, slash);
            int dash = range.indexOf('-');
            int from = range.equals("*") ? min : value(dash < 0 ? range : range.substring(0, dash), names);
            int to = range.equals("*") ? max : dash >= 0 ? value(range.substring(dash + 1), names)
                    : slash >= 0 ? max : from;
            for (int value = from; value <= to; value += step) {   // cron-utils refuses ranges that wrap
                values.add(value);
            }
        }
        if (names == DAYS && values.remove(7)) {
            values.add(0);   // Sunday is 0 and 7 in cron; one of them is enough
        }
        return values.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    private static int value(String text, List<String> names) {
        int named = names.indexOf(text);
        if (named >= 0) {
            return names == MONTHS ? named + 1 : named;
        }
        return Integer.parseInt(text);
    }

    /**
     * The zone as the EJB timer service understands it: it reads the id as a
     * {@link java.util.TimeZone}, which takes an offset only as {@code GMT+hh:mm} and any id it does
     * not know (such as {@code +01:00} or {@code UTC+01:00}) silently as GMT.
     */
    static String ejbTimeZone(ZoneId zone) {
        ZoneId normalized = zone.normalized();
        if (normalized instanceof java.time.ZoneOffset offset) {
            return offset.getTotalSeconds() == 0 ? "UTC" : "GMT" + offset.getId();
        }
        return zone.getId();
    }
}

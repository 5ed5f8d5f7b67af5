package io.nvent.cdi.internal.schedule;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.nvent.InvalidTriggerException;
import jakarta.ejb.ScheduleExpression;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A validated cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with
 * seconds first. Parsing and tick arithmetic come from cron-utils; the expression also converts to
 * an EJB {@link ScheduleExpression} so schedule triggers run on the server's timer service.
 */
public final class Cron {

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
        try {
            com.cronutils.model.Cron parsed = (fields.length == 5 ? FIVE_FIELDS : SIX_FIELDS).parse(trimmed);
            parsed.validate();
            return new Cron(trimmed, fields, parsed);
        } catch (IllegalArgumentException e) {
            throw new InvalidTriggerException("cron expression '" + trimmed + "' is invalid: " + e.getMessage());
        }
    }

    /** The expression as given. */
    public String expression() {
        return expression;
    }

    /** The first tick strictly after {@code after}. */
    public Optional<Instant> nextAfter(Instant after, ZoneId zone) {
        // cron-utils keeps the fraction of a second of "after" for some 6-field expressions (every
        // second: 10:00:01.5 -> 10:00:02.5); ticks are whole seconds, or instances would claim the
        // same tick under different keys.
        return executionTime.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(t -> t.withNano(0).toInstant());
    }

    /** The latest tick at or before {@code at}. */
    public Optional<Instant> latestAtOrBefore(Instant at, ZoneId zone) {
        ZonedDateTime time = ZonedDateTime.ofInstant(at, zone);
        if (executionTime.isMatch(time.withNano(0)) && (fields.length == 6 || time.getSecond() == 0)) {
            return Optional.of(time.withNano(0).toInstant());
        }
        return executionTime.lastExecution(time).map(t -> t.withNano(0).toInstant());
    }

    /** The next {@code count} ticks after {@code after}. */
    public List<Instant> nextTicks(Instant after, ZoneId zone, int count) {
        List<Instant> ticks = new ArrayList<>();
        Instant cursor = after;
        for (int i = 0; i < count; i++) {
            Optional<Instant> next = nextAfter(cursor, zone);
            if (next.isEmpty()) {
                break;
            }
            ticks.add(next.get());
            cursor = next.get();
        }
        return ticks;
    }

    /** A human-readable description, e.g. "every 5 minutes". */
    public String describe() {
        return CronDescriptor.instance(Locale.ENGLISH).describe(parsed);
    }

    /** The same schedule for the EJB timer service. */
    public ScheduleExpression toScheduleExpression(ZoneId zone) {
        int offset = fields.length == 6 ? 1 : 0;
        return new ScheduleExpression()
                .second(fields.length == 6 ? fields[0] : "0")
                .minute(fields[offset])
                .hour(fields[offset + 1])
                .dayOfMonth(fields[offset + 2])
                .month(fields[offset + 3])
                .dayOfWeek(fields[offset + 4])
                .timezone(zone.getId());
    }
}

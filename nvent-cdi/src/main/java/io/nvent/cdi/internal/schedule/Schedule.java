package io.nvent.cdi.internal.schedule;

import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a schedule trigger ticks: on the times of a cron expression in its zone, or at a fixed
 * interval. Ticks are instants that depend on the definition alone, never on when or where it was
 * armed, so every instance computes the same ones and the store's tick claim (trigger and instant)
 * lets each tick start the flows once across instances.
 */
public sealed interface Schedule permits CronSchedule, IntervalSchedule {

    /** The schedule of a schedule trigger. */
    static Schedule of(TriggerSpec spec) {
        if (spec.type() != TriggerType.SCHEDULE) {
            throw new IllegalArgumentException("trigger '" + spec.name() + "' is a " + spec.type().wireName()
                    + " trigger, not a schedule");
        }
        return spec.every().<Schedule>map(IntervalSchedule::new)
                .orElseGet(() -> new CronSchedule(Cron.parse(spec.cron().orElseThrow()), spec.timezone()));
    }

    /** The first tick strictly after {@code after}; empty if there is none. */
    Optional<Instant> nextAfter(Instant after);

    /** The latest tick at or before {@code at}; empty if there is none. */
    Optional<Instant> latestAtOrBefore(Instant at);

    /** The schedule as its trigger gives it: the cron expression, or the interval in ISO-8601. */
    String expression();

    /** In words, e.g. "every 5 minutes" or "at 09:00 on Monday". */
    String describe();

    /** The next {@code count} ticks after {@code after}, fewer if the schedule ends. */
    default List<Instant> nextTicks(Instant after, int count) {
        List<Instant> ticks = new ArrayList<>();
        Instant cursor = after;
        for (int i = 0; i < count; i++) {
            Optional<Instant> next = nextAfter(cursor);
            if (next.isEmpty()) {
                break;
            }
            ticks.add(next.get());
            cursor = next.get();
        }
        return ticks;
    }
}

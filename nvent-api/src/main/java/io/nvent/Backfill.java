package io.nvent;

import java.time.Instant;
import java.util.Objects;

/**
 * Which ticks of a schedule trigger {@link TriggerService#backfill(Backfill)} fires: each tick of its cron (in its
 * time zone) or interval within {@code [from, to)}, the oldest first, at most {@code limit} of them per call.
 *
 * <pre>{@code
 * Backfill backfill = Backfill.of("hourly-figures", Instant.parse("2030-03-01T00:00:00Z"),
 *         Instant.parse("2030-03-04T00:00:00Z")).refiring();
 * BackfillResult page;
 * do {
 *     page = triggers.backfill(backfill);
 *     backfill = page.next().map(backfill::continuingFrom).orElse(null);
 * } while (backfill != null);
 * }</pre>
 *
 * @param trigger the schedule trigger whose ticks fire
 * @param from the earliest tick fired
 * @param to the first tick no longer fired, after {@code from}; not after the engine's clock
 * @param limit the most ticks one call goes through, 1 to {@value #MAX_LIMIT}
 * @param refire {@code false} (the default) fires only the ticks that did not fire yet, by the schedule, a late
 *     fire or an earlier backfill, each once across instances; the range must then lie within the time the
 *     store keeps tick claims (see {@link TriggerService#backfill(Backfill)}). {@code true} fires every tick
 *     of the range again, also those that fired (data corrected after they ran), at any age
 * @since 0.2
 */
public record Backfill(String trigger, Instant from, Instant to, int limit, boolean refire) {

    /** The most ticks one call goes through, and how many it goes through unless told otherwise. */
    public static final int MAX_LIMIT = 1000;

    /**
     * Checks the range.
     *
     * @param trigger the schedule trigger
     * @param from the earliest tick fired
     * @param to the first tick no longer fired
     * @param limit the most ticks one call goes through
     * @param refire whether ticks that fired fire again
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code trigger} is blank, {@code to} is not after {@code from}, or
     *     {@code limit} is outside 1 to {@value #MAX_LIMIT}
     */
    public Backfill {
        if (Objects.requireNonNull(trigger, "trigger").isBlank()) {
            throw new IllegalArgumentException("NVENT-0224 the trigger to backfill must not be blank");
        }
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("NVENT-0225 a backfill fires the ticks within [from, to): to must be"
                    + " after from; was from " + from + ", to " + to);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("NVENT-0226 a backfill goes through 1 to " + MAX_LIMIT
                    + " ticks per call; was " + limit);
        }
    }

    /**
     * The ticks of a trigger within {@code [from, to)} that did not fire yet, {@value #MAX_LIMIT} per call.
     *
     * @param trigger the schedule trigger
     * @param from the earliest tick fired
     * @param to the first tick no longer fired, after {@code from}
     * @return the backfill
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public static Backfill of(String trigger, Instant from, Instant to) {
        return new Backfill(trigger, from, to, MAX_LIMIT, false);
    }

    /**
     * This backfill firing the ticks that fired already again as well.
     *
     * @return a copy with {@link #refire()} {@code true}
     */
    public Backfill refiring() {
        return new Backfill(trigger, from, to, limit, true);
    }

    /**
     * This backfill going through at most {@code newLimit} ticks per call.
     *
     * @param newLimit 1 to {@value #MAX_LIMIT}
     * @return a copy with that limit
     * @throws IllegalArgumentException if it is outside 1 to {@value #MAX_LIMIT}
     */
    public Backfill withLimit(int newLimit) {
        return new Backfill(trigger, from, to, newLimit, refire);
    }

    /**
     * This backfill going on from a tick, the {@link BackfillResult#next()} of the previous call.
     *
     * @param tick the first tick the next call goes through
     * @return a copy whose range begins there
     * @throws IllegalArgumentException if the tick is not before {@link #to()}
     */
    public Backfill continuingFrom(Instant tick) {
        return new Backfill(trigger, tick, to, limit, refire);
    }
}

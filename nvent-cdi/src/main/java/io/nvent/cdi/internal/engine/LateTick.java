package io.nvent.cdi.internal.engine;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A tick fired other than on time, and what its fire's {@code trigger.fired} entry says of it: a tick missed while
 * no instance ran ({@code "missed"}), or one an operator backfilled ({@code "backfill"}).
 */
sealed interface LateTick permits MissedTicks, LateTick.Backfilled {

    /** The member of the history entry that tells of it. */
    String entryMember();

    /** That member's value. */
    String json();

    /** Whether it fires a disabled trigger: only an operator's explicit backfill does. */
    default boolean firesDisabled() {
        return false;
    }

    /**
     * Whether its fire starts each flow once per tick ({@link TriggerManager#missedTickKey}): a missed tick, and a tick
     * a backfill claimed first. A takeover of a {@code fire-all} catch-up fires again each owed tick claimed with no
     * missed fire in the history, taking the claim for its lineage's: a backfill's claim looks the same.
     */
    default boolean oncePerTick() {
        return true;
    }

    /**
     * What the trigger's last fire becomes with this fire: when it fired. Only a tick's schedule, a late fire of a
     * missed tick and the sweep read it, as the point from which ticks count as missed.
     *
     * @param now when it fired
     * @param before the trigger's last fire before it, read only if needed
     */
    default Instant lastFiredAt(Instant now, Supplier<Optional<Instant>> before) {
        return now;
    }

    /**
     * A tick fired by {@link TriggerManager#backfill}: {@code "backfill":{"scheduledAt":…}}.
     *
     * @param claimedFirst whether the backfill claimed the tick first: no instance fired it, so it starts each flow
     *     once per tick, as a missed tick's fire would; a refire of a tick claimed before fires it again on purpose
     */
    record Backfilled(Instant scheduledAt, boolean claimedFirst) implements LateTick {

        @Override
        public boolean oncePerTick() {
            return claimedFirst;
        }

        @Override
        public String entryMember() {
            return "backfill";
        }

        @Override
        public String json() {
            return JsonText.object().str("scheduledAt", scheduledAt.toString()).build();
        }

        @Override
        public boolean firesDisabled() {
            return true;
        }

        /**
         * It stands for its tick, not for now: a backfill of a past range moves the last fire no later than its
         * tick, so that the ticks missed before now (while no engine instance ran, or whose claim was in doubt)
         * are not taken for fired.
         */
        @Override
        public Instant lastFiredAt(Instant now, Supplier<Optional<Instant>> before) {
            return before.get().filter(scheduledAt::isBefore).orElse(scheduledAt);
        }
    }
}

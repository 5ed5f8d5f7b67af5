package io.nvent.cdi.internal.engine;

import java.time.Instant;

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

    /** A tick fired by {@link TriggerManager#backfill}: {@code "backfill":{"scheduledAt":…}}. */
    record Backfilled(Instant scheduledAt) implements LateTick {

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
    }
}

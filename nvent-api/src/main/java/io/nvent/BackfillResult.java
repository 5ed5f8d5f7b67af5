package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What one call of {@link TriggerService#backfill(Backfill)} did with the ticks it went through.
 *
 * <p>{@code ticks = fired + alreadyFired + inDoubt + notFired}.
 *
 * @param ticks ticks of the range this call went through, at most the backfill's limit
 * @param fired ticks it fired, each as its tick (a fire that could not start every flow is recorded in the
 *     trigger's history as {@code trigger.failed} and counts here too, as a tick of the schedule does)
 * @param alreadyFired ticks it left alone because they had fired (by the schedule, a late fire, an earlier
 *     backfill, or another instance's backfill at the same time); {@code 0} for a {@link Backfill#refire()}
 * @param inDoubt ticks it left alone because another instance holds their claim in a transaction that has
 *     not ended; backfill the range again later: a tick that instance did not fire then fires
 * @param notFired ticks it claimed but did not fire because the trigger was deleted meanwhile
 * @param next the first tick of the range this call did not go through ({@link Backfill#continuingFrom}) when
 *     the range holds more ticks than its limit; empty when it reached the end of the range
 * @since 0.2
 */
public record BackfillResult(int ticks, int fired, int alreadyFired, int inDoubt, int notFired,
                             Optional<Instant> next) {

    /**
     * Checks the counts.
     *
     * @param ticks ticks gone through
     * @param fired ticks fired
     * @param alreadyFired ticks that had fired
     * @param inDoubt ticks whose claim was in doubt
     * @param notFired ticks not fired, the trigger deleted
     * @param next the first tick not gone through, if any
     * @throws NullPointerException if {@code next} is {@code null}
     * @throws IllegalArgumentException if a count is negative or they do not add up to {@code ticks}
     */
    public BackfillResult {
        Objects.requireNonNull(next, "next");
        if (fired < 0 || alreadyFired < 0 || inDoubt < 0 || notFired < 0
                || fired + alreadyFired + inDoubt + notFired != ticks) {
            throw new IllegalArgumentException("NVENT-0227 ticks (" + ticks + ") must be fired (" + fired
                    + ") + alreadyFired (" + alreadyFired + ") + inDoubt (" + inDoubt + ") + notFired (" + notFired
                    + ")");
        }
    }
}

package io.nvent.cdi.internal.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What a start does with the ticks of a schedule trigger that fell while no instance ran
 * ({@code nvent.triggers.misfire}, {@code nvent.triggers.misfire-grace}). Without it a {@code *}{@code /5}
 * sync whose tick falls inside a deploy is simply lost; firing every missed tick after a long
 * outage would flood the queue instead, so at most the latest one fires, as Quartz's default
 * "fire once now" policy does.
 *
 * @param fireOnce {@code fire-once}: the latest missed tick fires once at start; {@code skip}: none does
 * @param grace a missed tick older than this is skipped: a nightly job should not run at noon after a
 *     day-long outage
 */
public record TriggerMisfires(boolean fireOnce, Duration grace) {

    /** Fire the latest missed tick once, if it is at most a day old. */
    public static final TriggerMisfires DEFAULTS = new TriggerMisfires(true, Duration.ofHours(24));

    public TriggerMisfires {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative() || grace.isZero()) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.misfire-grace must be "
                    + "longer than zero, was " + grace + " (set nvent.triggers.misfire=skip to fire no missed tick)");
        }
    }

    /**
     * The policy named by {@code nvent.triggers.misfire}.
     *
     * @throws IllegalArgumentException for a name other than {@code fire-once} or {@code skip}
     */
    public static TriggerMisfires of(String policy, Duration grace) {
        return switch (policy.trim().toLowerCase(Locale.ROOT)) {
            case "fire-once" -> new TriggerMisfires(true, grace);
            case "skip" -> new TriggerMisfires(false, grace);
            default -> throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.misfire has "
                    + "value '" + policy + "'; use fire-once (the latest tick missed while no instance ran fires "
                    + "once at start) or skip");
        };
    }

    /** The setting's value, as {@code nvent.triggers.misfire} names it. */
    public String policy() {
        return fireOnce ? "fire-once" : "skip";
    }
}

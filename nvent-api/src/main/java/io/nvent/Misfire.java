package io.nvent;

import java.util.Locale;
import java.util.Optional;

/**
 * What a schedule trigger does, at a start, with the ticks that fell while no instance ran (a
 * deploy, a restart, an outage of every server): its misfire policy, as Quartz and Temporal call
 * it. Whatever the policy, a missed tick older than the trigger's misfire grace (or the deployment's,
 * {@code nvent.triggers.misfire-grace}) does not fire. {@link #FIRE_ONCE} fires the latest missed tick
 * only, as firing each of them after a long outage would flood the queue; {@link #FIRE_ALL} fires each
 * one for a schedule whose every tick counts, at most {@value #MOST_FIRED_ALL} at a start.
 *
 * @see Trigger#misfire()
 * @see TriggerSpec#misfire()
 * @since 0.2
 */
public enum Misfire {
    /**
     * The deployment's setting, {@code nvent.triggers.misfire} (the default): existing triggers keep
     * what they did, and an operator changes every schedule at once.
     */
    INHERIT,
    /** The latest missed tick fires once, at start, as that tick; the earlier ones are skipped. */
    FIRE_ONCE,
    /** No missed tick fires: the schedule goes on with its next tick. */
    SKIP,
    /**
     * Each missed tick fires once, at start, as that tick, the oldest first: Quartz's "fire all missed",
     * a backfill, for an hourly job that computes that hour's figures. At most the latest
     * {@value #MOST_FIRED_ALL} of them fire; the older ones are skipped, with a warning.
     *
     * @since 0.2
     */
    FIRE_ALL;

    /**
     * The most missed ticks of one schedule that {@link #FIRE_ALL} fires at a start: an every-minute
     * schedule after a day's outage would otherwise start 1,440 runs at once.
     *
     * @since 0.2
     */
    public static final int MOST_FIRED_ALL = 100;

    /**
     * Lower-case name used on the wire and in the configuration, as {@code nvent.triggers.misfire} spells
     * its values.
     *
     * @return {@code "inherit"}, {@code "fire-once"}, {@code "skip"} or {@code "fire-all"}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The policy of a wire name, in any case, with {@code -} or {@code _}.
     *
     * @param wireName for example {@code "fire-once"}
     * @return the policy; empty for a name of none
     */
    public static Optional<Misfire> ofWireName(String wireName) {
        String name = wireName.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Misfire policy : values()) {
            if (policy.name().equals(name)) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }
}

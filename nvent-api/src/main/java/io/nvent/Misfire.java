package io.nvent;

import java.util.Locale;
import java.util.Optional;

/**
 * What a schedule trigger does, at a start, with the ticks that fell while no instance ran (a
 * deploy, a restart, an outage of every server): its misfire policy, as Quartz and Temporal call
 * it. Whatever the policy, a missed tick older than the trigger's misfire grace (or the deployment's,
 * {@code nvent.triggers.misfire-grace}) does not fire, and at most the latest missed tick does: firing
 * each of them after a long outage would flood the queue.
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
    SKIP;

    /**
     * Lower-case name used on the wire and in the configuration, as {@code nvent.triggers.misfire} spells
     * its values.
     *
     * @return {@code "inherit"}, {@code "fire-once"} or {@code "skip"}
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

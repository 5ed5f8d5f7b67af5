package io.nvent;

import java.time.Duration;
import java.util.Objects;

/**
 * What a start does with the ticks of one schedule trigger that fell while no instance ran: its own
 * misfire policy and grace where it says them ({@link TriggerSpec#misfire()}, {@link TriggerSpec#misfireGrace()}),
 * else the deployment's ({@code nvent.triggers.misfire}, {@code nvent.triggers.misfire-grace}). A
 * trigger that inherits says {@link Misfire#INHERIT}; this says what that is, and where each value
 * comes from, so that an operator knows where to change it.
 *
 * @param policy {@link Misfire#FIRE_ONCE}, {@link Misfire#FIRE_ALL} or {@link Misfire#SKIP}, never
 *     {@link Misfire#INHERIT}
 * @param ownPolicy whether the trigger says the policy; else it is the deployment's
 * @param grace a missed tick older than this does not fire
 * @param ownGrace whether the trigger says the grace; else it is the deployment's
 * @since 0.2
 */
public record AppliedMisfire(Misfire policy, boolean ownPolicy, Duration grace, boolean ownGrace) {

    /**
     * Checks the policy and the grace.
     *
     * @param policy {@link Misfire#FIRE_ONCE}, {@link Misfire#FIRE_ALL} or {@link Misfire#SKIP}
     * @param ownPolicy whether the trigger says the policy
     * @param grace the grace
     * @param ownGrace whether the trigger says the grace
     * @throws NullPointerException if {@code policy} or {@code grace} is {@code null}
     * @throws IllegalArgumentException if {@code policy} is {@link Misfire#INHERIT}: what applies is a policy
     */
    public AppliedMisfire {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(grace, "grace");
        if (policy == Misfire.INHERIT) {
            throw new IllegalArgumentException("the misfire policy that applies is fire-once, fire-all or skip, not inherit");
        }
    }
}

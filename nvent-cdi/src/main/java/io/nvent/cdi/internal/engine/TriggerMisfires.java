package io.nvent.cdi.internal.engine;

import io.nvent.AppliedMisfire;
import io.nvent.Misfire;
import io.nvent.TriggerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a start does with the ticks of a schedule trigger that fell while no instance ran
 * ({@code nvent.triggers.misfire}, {@code nvent.triggers.misfire-grace}). Without it a {@code *}{@code /5}
 * sync whose tick falls inside a deploy is simply lost; firing every missed tick after a long
 * outage would flood the queue instead, so by default at most the latest one fires, as Quartz's default
 * "fire once now" policy does, and {@code fire-all} fires each one within the grace, up to
 * {@value Misfire#MOST_FIRED_ALL}. A schedule may say its own policy and grace ({@link TriggerSpec#misfire()},
 * {@link TriggerSpec#misfireGrace()}); these are the deployment's, which the others inherit.
 *
 * @param policy {@code fire-once}: the latest missed tick fires once at start; {@code fire-all}: each does,
 *     the oldest first; {@code skip}: none does. Never {@link Misfire#INHERIT}
 * @param grace a missed tick older than this is skipped: a nightly job should not run at noon after a
 *     day-long outage
 */
public record TriggerMisfires(Misfire policy, Duration grace) {

    /** What a refused grace of zero says after the refusal: how to fire no missed tick. */
    static final String NO_GRACE_HINT = " (set nvent.triggers.misfire=skip to fire no missed tick)";

    /** Fire the latest missed tick once, if it is at most a day old. */
    public static final TriggerMisfires DEFAULTS = new TriggerMisfires(Misfire.FIRE_ONCE, Duration.ofHours(24));

    public TriggerMisfires {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(grace, "grace");
        if (policy == Misfire.INHERIT) {
            throw new IllegalArgumentException("the deployment's misfire policy is fire-once, fire-all or skip; "
                    + "only a trigger inherits");
        }
        if (grace.isNegative() || grace.isZero()) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.misfire-grace must be "
                    + "longer than zero, was " + grace + NO_GRACE_HINT);
        }
    }

    /**
     * The policy named by {@code nvent.triggers.misfire}.
     *
     * @throws IllegalArgumentException for a name other than {@code fire-once}, {@code fire-all} or {@code skip}
     */
    public static TriggerMisfires of(String policy, Duration grace) {
        return new TriggerMisfires(Misfire.ofWireName(policy).filter(named -> named != Misfire.INHERIT)
                .orElseThrow(() -> new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.misfire"
                        + " has value '" + policy + "'; use fire-once (the latest tick missed while no instance ran"
                        + " fires once at start), fire-all (each one fires, the oldest first, at most "
                        + Misfire.MOST_FIRED_ALL + ") or skip")), grace);
    }

    /** The setting's value, as {@code nvent.triggers.misfire} names it. */
    public String wireName() {
        return policy.wireName();
    }

    /** The policy and grace that hold for one schedule: its own where it says them, else these. */
    Applied appliedTo(TriggerSpec spec) {
        boolean ownPolicy = spec.misfire() != Misfire.INHERIT;
        return new Applied(ownPolicy ? spec.misfire() : policy, ownPolicy,
                spec.misfireGrace().orElse(grace), spec.misfireGrace().isPresent());
    }

    /**
     * The misfire policy and grace of one schedule, and whether each is its own or the deployment's:
     * the log says which, so that an operator knows where to change it.
     */
    record Applied(Misfire policy, boolean ownPolicy, Duration grace, boolean ownGrace) {

        /** Why the latest missed tick does not fire, for an {@code NVENT-0134} line; empty if it fires. */
        Optional<String> whyNotFired(Instant latest, Instant now) {
            if (policy == Misfire.SKIP) {
                return Optional.of("not fired (" + policyInWords() + ")");
            }
            if (latest.isBefore(now.minus(grace))) {
                return Optional.of("not fired, it is older than the misfire grace " + grace + " (" + (ownGrace
                        ? "the trigger's" : "from the deployment's nvent.triggers.misfire-grace") + "; "
                        + policyInWords() + ")");
            }
            return Optional.empty();
        }

        /** The same for the API and REST. */
        AppliedMisfire asApi() {
            return new AppliedMisfire(policy, ownPolicy, grace, ownGrace);
        }

        /** The policy and the grace, and where each comes from. */
        String inWords() {
            return policyInWords() + "; misfire grace " + grace + ", " + (ownGrace ? "from the trigger"
                    : "from the deployment's nvent.triggers.misfire-grace");
        }

        /** Which policy applies and where it comes from, such as {@code misfire policy skip, from the trigger}. */
        String policyInWords() {
            return "misfire policy " + policy.wireName() + ", "
                    + (ownPolicy ? "from the trigger" : "from the deployment's nvent.triggers.misfire");
        }
    }
}

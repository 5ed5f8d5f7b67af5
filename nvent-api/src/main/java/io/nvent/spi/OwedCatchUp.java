package io.nvent.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A {@code fire-all} catch-up of a schedule's missed ticks that is not done yet, as the store keeps it
 * ({@link SchedulingStore#replaceOwedCatchUp}): written before a start fires the ticks it missed, removed once they are
 * fired, so that a catch-up the store's outage cut short is finished by the next start of its instance, or by another
 * instance once the instance records show its owner stopped or gone, or its hold ran out, rather than forgotten with
 * the instance that began it.
 *
 * @param trigger the schedule trigger
 * @param owner the start of an instance that goes on with it: its instance id, {@code @}, and a token of that start,
 *     as its instance record ({@link InstanceRecord}) names it
 * @param heldUntil until when no other instance takes it over: its owner goes on with it meanwhile
 * @param startedAt when the start that checked for the missed ticks began
 * @param checkedAt when that check ran: the ticks up to then count as missed
 * @param schedule the trigger's schedule then, in words ({@code cron 0 9 * * MON-FRI Europe/Berlin}, {@code every PT5M}): a
 *     schedule changed since fires none of them
 * @param ticks the missed ticks still owed, the oldest first; empty while the check itself is owed (it is done again
 *     as of {@code checkedAt})
 * @since 0.2
 */
public record OwedCatchUp(String trigger, String owner, Instant heldUntil, Instant startedAt, Instant checkedAt,
                          String schedule, List<Instant> ticks) {

    /**
     * Checks that every component is given, and copies the ticks.
     *
     * @param trigger the schedule trigger
     * @param owner the start that goes on with it
     * @param heldUntil until when it is held
     * @param startedAt when the start began
     * @param checkedAt when its check ran
     * @param schedule the trigger's schedule then
     * @param ticks the ticks owed, the oldest first; empty while the check is owed
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the ticks are not the oldest first, or one repeats
     */
    public OwedCatchUp {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(heldUntil, "heldUntil");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(checkedAt, "checkedAt");
        Objects.requireNonNull(schedule, "schedule");
        ticks = List.copyOf(ticks);
        for (int i = 1; i < ticks.size(); i++) {
            if (!ticks.get(i - 1).isBefore(ticks.get(i))) {
                throw new IllegalArgumentException("the ticks owed by trigger " + trigger + " are not the oldest first: "
                        + ticks.get(i - 1) + " before " + ticks.get(i));
            }
        }
    }

    /**
     * Whether the check for the missed ticks is owed, not ticks it found.
     *
     * @return {@code true} if no ticks are owed yet: the check is
     */
    public boolean checkOwed() {
        return ticks.isEmpty();
    }

    /**
     * The same catch-up, held by {@code owner} until {@code heldUntil}, owing {@code ticks}.
     *
     * @param owner the start that goes on with it
     * @param heldUntil until when it holds it
     * @param ticks the ticks still owed, the oldest first
     * @return the record as it is then
     */
    public OwedCatchUp heldBy(String owner, Instant heldUntil, List<Instant> ticks) {
        return new OwedCatchUp(trigger, owner, heldUntil, startedAt, checkedAt, schedule, ticks);
    }
    /**
     * Checks the arguments of {@link SchedulingStore#replaceOwedCatchUp}, for a store to call first.
     *
     * @param trigger the trigger whose catch-up is replaced
     * @param expected the catch-up the caller expects
     * @param replacement what it keeps instead
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code expected} or {@code replacement} is another trigger's
     */
    public static void requireOf(String trigger, java.util.Optional<OwedCatchUp> expected,
                                 java.util.Optional<OwedCatchUp> replacement) {
        Objects.requireNonNull(trigger, "trigger");
        for (OwedCatchUp given : List.of(expected, replacement).stream().flatMap(java.util.Optional::stream).toList()) {
            if (!given.trigger().equals(trigger)) {
                throw new IllegalArgumentException("the catch-up of trigger " + given.trigger()
                        + " cannot replace or be replaced as trigger " + trigger + "'s");
            }
        }
    }
}

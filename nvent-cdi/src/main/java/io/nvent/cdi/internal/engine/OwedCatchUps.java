package io.nvent.cdi.internal.engine;

import io.nvent.TriggerSpec;
import io.nvent.spi.OwedCatchUp;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The {@code fire-all} catch-ups of missed ticks this start of the instance holds in the store while they are owed
 * ({@link OwedCatchUp}): written before the ticks fire, so that a catch-up the store's outage cuts short survives the
 * instance (the store is away then, and nothing can be written), and removed once nothing is owed. The next start of the
 * instance takes its earlier starts' over at once, another instance those whose start the instance records show
 * stopped or gone ({@link InstanceRegistry#endedStarts}), or whose hold ran out. Does nothing for a store
 * that keeps none ({@link SchedulingStore#keepsOwedCatchUps()}): the catch-ups then live in the instance's memory only.
 */
final class OwedCatchUps {

    private static final System.Logger LOG = System.getLogger(OwedCatchUps.class.getName());

    /**
     * How long a catch-up stays this start's after it last wrote it: its owner renews it each time it goes on with it,
     * so only one that stopped (or lost the store for longer) is taken over by another instance. One the instance
     * records show ended is taken at once; so this bounds the wait only where the records cannot tell (a store that
     * keeps none, a start of a version before them, a live holder that lost the store).
     */
    static final Duration HELD = Duration.ofMinutes(5);

    private final SchedulingStore store;
    private final Clock clock;
    private final String instanceId;
    /** This start: its instance id and the token its instance record and step leases carry. */
    private final String owner;
    /** The starts the instance records show stopped or gone ({@link InstanceRegistry#endedStarts}). */
    private final Supplier<Set<String>> endedStarts;
    /** The catch-ups this start holds, as it last wrote each: what its next change expects to find. */
    private final Map<String, OwedCatchUp> held = new ConcurrentHashMap<>();
    /** When {@link #takeOver} reads the catch-ups kept again at the latest; read at once at first. */
    private volatile Instant nextRead = Instant.MIN;
    /** The ended starts as of that read: one ending since makes the next takeover read at once. */
    private volatile Set<String> endedAtRead = Set.of();

    /**
     * @param owner this start as its instance record names it ({@code id@token}), so that the others can tell from
     *     the records whether it still runs
     * @param endedStarts the starts the instance records show stopped or gone, as of their latest read
     */
    OwedCatchUps(SchedulingStore store, Clock clock, String instanceId, String owner,
                 Supplier<Set<String>> endedStarts) {
        this.store = store;
        this.clock = clock;
        this.instanceId = instanceId;
        this.owner = owner;
        this.endedStarts = endedStarts;
    }

    /** The schedule of a trigger in words, as a catch-up keeps it to tell one changed since. */
    static String scheduleOf(TriggerSpec spec) {
        return spec.cron().map(cron -> "cron " + cron).orElse("")
                + spec.every().map(every -> "every " + every).orElse("") + " " + spec.timezone().getId();
    }

    /**
     * Holds, in the store, the catch-up of {@code spec}'s missed ticks, owing {@code ticks} (none: the check for them is
     * owed), before the ticks fire; renews this start's hold of one it holds.
     *
     * @return {@code false} if another start holds it: one that took it over from this start since, or one that
     *     holds its own (it fires the ticks, and only its lineage may: one that takes it over later fires a tick claimed
     *     without a fire in the history as that lineage's, which a claim of this start's would make it fire twice)
     */
    synchronized boolean hold(TriggerSpec spec, Instant startedAt, Instant checkedAt, List<Instant> ticks) {
        if (!store.keepsOwedCatchUps()) {
            return true;
        }
        String name = spec.name();
        Optional<OwedCatchUp> expected = Optional.ofNullable(held.get(name));
        OwedCatchUp wanted = expected.map(then -> then.heldBy(owner, heldUntil(), ticks))
                .orElseGet(() -> new OwedCatchUp(name, owner, heldUntil(), millis(startedAt), millis(checkedAt),
                        scheduleOf(spec), ticks));
        if (store.replaceOwedCatchUp(name, expected, Optional.of(wanted))) {
            held.put(name, wanted);
            return true;
        }
        held.remove(name);
        return false;
    }

    /**
     * Between the ticks of a catch-up this start holds: renews its hold once half of it is gone, owing {@code ticksLeft},
     * so that a catch-up longer than {@link #HELD} is not taken over as one whose holder stopped; and so those of the
     * others it holds, which wait for it. A write every {@code HELD / 2} per catch-up held, not one per tick.
     * Synchronized with {@link #hold} and {@link #done}: a catch-up another thread goes on with meanwhile finds the hold
     * it expects.
     *
     * @return {@code false} if another start holds it now (took it over): this one leaves the ticks left to it
     */
    synchronized boolean renewIfDue(TriggerSpec spec, Instant startedAt, Instant checkedAt, List<Instant> ticksLeft) {
        Instant renewBy = clock.instant().plus(HELD.dividedBy(2));
        // The others this start holds wait for this one to end (taken over, or cut short, together): kept too, as
        // they are, or another instance takes them for left once their hold runs out.
        held.forEach((name, other) -> {
            if (!name.equals(spec.name()) && !renewBy.isBefore(other.heldUntil())) {
                renewWaiting(name, other);
            }
        });
        OwedCatchUp mine = held.get(spec.name());
        if (mine == null || renewBy.isBefore(mine.heldUntil())) {
            return true;
        }
        return hold(spec, startedAt, checkedAt, ticksLeft);
    }

    /** Renews the hold of a catch-up waiting here; one taken over meanwhile is left to its new holder. */
    private void renewWaiting(String name, OwedCatchUp waiting) {
        OwedCatchUp renewed = waiting.heldBy(owner, heldUntil(), waiting.ticks());
        try {
            if (store.replaceOwedCatchUp(name, Optional.of(waiting), Optional.of(renewed))) {
                held.replace(name, waiting, renewed);
            } else {
                held.remove(name, waiting);   // its turn finds it held by another start, and says so (NVENT-0475)
            }
        } catch (RuntimeException away) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the hold of the catch-up of trigger " + name + " was not renewed,"
                    + " the store did not answer: " + away);
        }
    }

    /** Who holds the catch-up of the trigger kept in the store, if one is: for the line of a start that leaves it. */
    String holderOf(String name) {
        try {
            return store.owedCatchUps().stream().filter(kept -> kept.trigger().equals(name)).findFirst()
                    .map(OwedCatchUp::owner).orElse("another start");
        } catch (RuntimeException away) {
            return "another start";   // only the line's wording depends on it
        }
    }

    /** Whether this start holds, in the store, a check for the trigger's missed ticks, not ticks it found. */
    boolean owesCheck(String name) {
        return Optional.ofNullable(held.get(name)).filter(OwedCatchUp::checkOwed).isPresent();
    }

    /**
     * Removes the catch-up this start holds of the trigger, nothing being owed. Not removed (the store away), it is
     * taken over later, and finds its ticks fired (their claims and history entries tell).
     */
    synchronized void done(String name) {
        OwedCatchUp mine = held.remove(name);
        if (mine == null) {
            return;
        }
        try {
            store.replaceOwedCatchUp(name, Optional.of(mine), Optional.empty());
        } catch (RuntimeException away) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the catch-up of trigger " + name + ", done, stays in the store,"
                    + " which did not answer: " + away);
        }
    }

    /**
     * Takes over the catch-ups kept that no start goes on with: those of earlier starts of this instance (stopped, as
     * this one runs), those whose holder the instance records show stopped or gone (killed, say: no need to wait out
     * its hold, which is kept for a live holder), and those whose hold ran out.
     *
     * <p>Reads the store only when something can be owed to this start: at the first call, once a start ended since the
     * last read (its catch-up is taken at once), by the earliest hold that read found, and at the latest {@link #HELD}
     * after the last read. So a catch-up that another instance wrote and left (it died, or lost the store) is found
     * within {@link #HELD} of being written, or at the first call after the records show its holder ended; a sweep of
     * an instance whose cluster owes none reads nothing.
     *
     * @return those taken, as they were kept, now held by this start
     */
    List<OwedCatchUp> takeOver() {
        List<OwedCatchUp> taken = new ArrayList<>();
        if (!store.keepsOwedCatchUps()) {
            return taken;
        }
        Instant now = clock.instant();
        Set<String> ended = endedStarts.get();
        if (now.isBefore(nextRead) && (ended == endedAtRead || endedAtRead.containsAll(ended))) {
            return taken;
        }
        Instant readAgain = now.plus(HELD);
        for (OwedCatchUp kept : store.owedCatchUps()) {
            // One this start holds goes on from its memory; one it no longer holds (a takeover that failed) is taken again.
            if (held.containsKey(kept.trigger())) {
                continue;
            }
            if (!kept.owner().startsWith(instanceId + "@") && !ended.contains(kept.owner())
                    && !kept.heldUntil().isBefore(now)) {
                readAgain = kept.heldUntil().isBefore(readAgain) ? kept.heldUntil() : readAgain;
                continue;
            }
            OwedCatchUp mine = kept.heldBy(owner, heldUntil(), kept.ticks());
            boolean replaced;
            try {
                replaced = store.replaceOwedCatchUp(kept.trigger(), Optional.of(kept), Optional.of(mine));
            } catch (RuntimeException away) {
                // Those taken so far go on now, not once their hold runs out; this one, written or not, and the rest
                // are read again at the next call (one written names this start, which takes it again).
                LOG.log(System.Logger.Level.DEBUG, () -> "the catch-up of trigger " + kept.trigger() + " was not"
                        + " taken over, the store did not answer; it is looked at again at the next sweep: " + away);
                nextRead = Instant.MIN;
                endedAtRead = ended;
                return taken;
            }
            if (replaced) {
                held.put(kept.trigger(), mine);
                taken.add(kept);
            } else {
                readAgain = now;   // changed since it was read: looked at again at the next call
            }
        }
        nextRead = readAgain;
        endedAtRead = ended;
        return taken;
    }

    /** Forgets a catch-up this start took over but could not go on with: its next takeover takes it again. */
    void forget(String name) {
        held.remove(name);
        nextRead = Instant.MIN;
    }

    /**
     * Lets another instance take over at once what this start holds, as it stops: best effort (the store may be away;
     * the hold then runs out).
     */
    void release() {
        Instant now = millis(clock.instant());
        held.forEach((name, mine) -> {
            try {
                store.replaceOwedCatchUp(name, Optional.of(mine), Optional.of(mine.heldBy(owner, now, mine.ticks())));
            } catch (RuntimeException away) {
                LOG.log(System.Logger.Level.DEBUG, () -> "the catch-up of trigger " + name + " stays held until "
                        + mine.heldUntil() + ": the store did not answer: " + away);
            }
        });
        held.clear();
    }

    private Instant heldUntil() {
        return millis(clock.instant().plus(HELD));
    }

    /** To the millisecond, which every store keeps: a change compares what it wrote with what it reads. */
    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}

package io.nvent.cdi.internal.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stores the starts of the steps that run longer than the start-write delay (see {@link DeferredStart}),
 * with one ticker for all of them instead of a timer each step schedules and cancels: a step registers
 * its deferred start (a set insertion), its completion takes the start over, which removes it again at
 * once (so a finished step's state is not held until the next tick), and the ticker, every
 * {@link #tick} at most while any start is pending, hands each start that is due to the executor,
 * where it is written in a store transaction of its own, as a timer's was. A start is so stored
 * between the delay and the delay plus a tick after its step began. The ticker runs only while starts
 * are pending; it stops with the executor (the engine's stop), and a scheduler that refuses it for a
 * moment leaves the pending starts to the tick the next registered start schedules.
 */
final class DeferredStarts {

    /** The shortest tick, for very short delays. */
    static final Duration SHORTEST_TICK = Duration.ofMillis(5);
    /** The longest tick, for long delays: a long step shows as running at most this late. */
    static final Duration LONGEST_TICK = Duration.ofSeconds(1);

    private final ScheduledExecutorService executor;
    private final long delayNanos;
    private final long tickNanos;
    /** The starts still pending; each leaves as it is written or taken over. */
    private final Set<DeferredStart> pending = ConcurrentHashMap.newKeySet();
    /** Whether a tick is scheduled (or runs): registering schedules one only when none is. */
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Runnable ticker = this::tick;

    /** Starts due {@code delay} after they are registered, stored through {@code executor}. */
    DeferredStarts(ScheduledExecutorService executor, Duration delay) {
        this.executor = executor;
        this.delayNanos = delay.toNanos();
        this.tickNanos = tick(delay).toNanos();
    }

    /** How late after its delay a start may be stored: a quarter of the delay, within 5 ms and 1 s. */
    static Duration tick(Duration delay) {
        Duration quarter = delay.dividedBy(4);
        if (quarter.compareTo(SHORTEST_TICK) < 0) {
            return SHORTEST_TICK;
        }
        return quarter.compareTo(LONGEST_TICK) > 0 ? LONGEST_TICK : quarter;
    }

    /**
     * Stores {@code start} once the delay has passed, unless it is taken over or written before.
     *
     * @throws RejectedExecutionException if the scheduler refuses the tick this start needs; the start
     *         is then not held, and the step should not run (as when a timer of its own was refused)
     */
    void register(DeferredStart start) {
        start.dueAt = System.nanoTime() + delayNanos;
        start.heldBy(this);
        pending.add(start);
        if (!start.isPending()) {
            pending.remove(start); // written or taken over meanwhile, by a thread of the step's own
            return;
        }
        if (!armed.get() && armed.compareAndSet(false, true)) {
            // Nothing else pending was due sooner: the first tick comes when this start is due.
            try {
                executor.schedule(ticker, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException refused) {
                armed.set(false);
                pending.remove(start);
                throw refused;
            }
        }
    }

    /** Lets go of a start no longer pending (its write began, or the completion took it over). */
    void drop(DeferredStart start) {
        pending.remove(start);
    }

    /** How many starts are pending and held (tests). */
    int registeredCount() {
        return pending.size();
    }

    /**
     * Hands the due starts to the executor; then ticks again when the earliest start still pending is
     * due, but not sooner than a tick from now.
     */
    private void tick() {
        long now = System.nanoTime();
        long earliest = 0;
        boolean anyLeft = false;
        for (DeferredStart start : pending) {
            if (!start.isPending()) {
                pending.remove(start);
            } else if (start.dueAt - now <= 0) {
                try {
                    // A write is a store transaction: each on its own, so that one slow write holds up no other.
                    executor.execute(start::whenDue);
                } catch (RejectedExecutionException refused) {
                    // Kept pending: the next tick, or the one the next registered start schedules, hands it on.
                    anyLeft = true;
                    earliest = now;
                    break;
                }
                pending.remove(start);
            } else if (!anyLeft || start.dueAt - earliest < 0) {
                earliest = start.dueAt;
                anyLeft = true;
            }
        }
        if (anyLeft && scheduleNextTick(Math.max(earliest - now, tickNanos))) {
            return;
        }
        armed.set(false);
        // A start registered since the loop saw the ticker armed and left it to this tick.
        if (!pending.isEmpty() && armed.compareAndSet(false, true) && !scheduleNextTick(tickNanos)) {
            armed.set(false);
        }
    }

    private boolean scheduleNextTick(long inNanos) {
        try {
            executor.schedule(ticker, inNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException refused) {
            return false;
        }
    }
}

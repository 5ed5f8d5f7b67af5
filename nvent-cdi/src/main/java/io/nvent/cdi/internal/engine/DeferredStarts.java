package io.nvent.cdi.internal.engine;

import java.time.Duration;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stores the starts of the steps that run longer than the start-write delay (see {@link DeferredStart}),
 * with one ticker for all of them instead of a timer each step schedules and cancels: a step registers
 * its deferred start (a lock-free add), its completion takes the start over (which the ticker then
 * drops), and the ticker, every {@link #tick} at most while any start is pending, hands each start
 * that is due to the executor, where it is written in a store transaction of its own, as a timer's
 * was. A start is so stored between the delay and the delay plus a tick after its step began; the
 * ticker runs only while starts are pending, and not once the executor stopped (the engine's stop).
 */
final class DeferredStarts {

    /** The shortest tick, for very short delays. */
    static final Duration SHORTEST_TICK = Duration.ofMillis(5);
    /** The longest tick, for long delays: a long step shows as running at most this late. */
    static final Duration LONGEST_TICK = Duration.ofSeconds(1);

    private final ScheduledExecutorService executor;
    private final long delayNanos;
    private final long tickNanos;
    /** In the order registered, so by due time; those taken over or written are dropped by the next tick. */
    private final Queue<DeferredStart> registered = new ConcurrentLinkedQueue<>();
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

    /** Stores {@code start} once the delay has passed, unless it is taken over or written before. */
    void register(DeferredStart start) {
        start.dueAt = System.nanoTime() + delayNanos;
        registered.add(start);
        if (!armed.get() && armed.compareAndSet(false, true)) {
            // Nothing else pending was due sooner: the first tick comes when this start is due.
            scheduleTick(delayNanos);
        }
    }

    /** How many starts are registered and not yet dropped by a tick (tests). */
    int registeredCount() {
        return registered.size();
    }

    private void scheduleTick(long inNanos) {
        try {
            executor.schedule(ticker, inNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // The engine stopped: its steps end without their starts being written here, and the ticker stays
            // armed so that no later step tries again.
        }
    }

    /**
     * Hands the due starts to the executor and drops those no longer pending; then ticks again when the
     * earliest start still pending is due, but not sooner than a tick from now.
     */
    private void tick() {
        long now = System.nanoTime();
        long earliest = 0;
        boolean anyPending = false;
        try {
            for (Iterator<DeferredStart> it = registered.iterator(); it.hasNext(); ) {
                DeferredStart start = it.next();
                if (!start.isPending()) {
                    it.remove();
                } else if (start.dueAt - now <= 0) {
                    it.remove();
                    // A write is a store transaction: each on its own, so that one slow write holds up no other.
                    executor.execute(start::whenDue);
                } else if (!anyPending || start.dueAt - earliest < 0) {
                    earliest = start.dueAt;
                    anyPending = true;
                }
            }
        } catch (RejectedExecutionException stopped) {
            return; // the engine stopped: it ticks no more
        }
        if (anyPending) {
            scheduleTick(Math.max(earliest - now, tickNanos));
            return;
        }
        armed.set(false);
        // A start registered since the loop saw the ticker armed and left it to this tick.
        if (!registered.isEmpty() && armed.compareAndSet(false, true)) {
            scheduleTick(tickNanos);
        }
    }
}

package io.nvent.cdi.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs actions once the engine's clock shows a given instant: what waits for a time of the run's
 * world (a time await, a schedule tick, a delayed job, a retry's backoff) goes through it, so that
 * an engine on a clock the test moves ({@link io.nvent.cdi.VirtualClock}) sees them come due when
 * the clock moves and not when the wall clock would have got there.
 */
public interface ClockTimers {

    /** A planned action. */
    interface Planned {
        /** Drops the action if it has not run yet. */
        void cancel();
    }

    /**
     * Runs {@code action} on another thread once the clock has reached {@code due}; at once (soon)
     * when it already has.
     */
    Planned at(Instant due, Runnable action);

    /**
     * Whether the clock moves by itself, as the system clock does. One that only its owner moves (a
     * test's {@link io.nvent.cdi.VirtualClock}) shows no later time after a thread has slept, so a
     * wait for its time must not be a sleep.
     */
    default boolean clockMovesByItself() {
        return true;
    }

    /**
     * Timers on a scheduled executor, for a clock that moves by itself (the system clock): each
     * action is delayed by how far {@code due} was ahead of the clock when it was planned.
     */
    static ClockTimers on(ScheduledExecutorService executor, Clock clock) {
        return (due, action) -> {
            long delayMs = Math.max(0, Duration.between(clock.instant(), due).toMillis());
            ScheduledFuture<?> future = executor.schedule(action, delayMs, TimeUnit.MILLISECONDS);
            return () -> future.cancel(false);
        };
    }

    /** {@code now + delay}, or the latest instant there is for a delay beyond it. */
    static Instant after(Instant now, Duration delay) {
        try {
            return now.plus(delay);
        } catch (ArithmeticException | java.time.DateTimeException huge) {
            return Instant.MAX;
        }
    }
}

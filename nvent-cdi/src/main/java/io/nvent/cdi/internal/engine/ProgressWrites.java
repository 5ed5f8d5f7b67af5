package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.ClockTimers;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How an engine stores the progress its steps report ({@link io.nvent.StepContext#reportProgress}): {@code timers}
 * say when a write is due, by the engine's clock, and only hand it to {@code writer}, one thread of its own that
 * makes the writes in turn. A write may wait for a row lock or a pooled connection; on the engine's scheduler it
 * would hold up lease renewals and sweeps (leases running out, steps run twice elsewhere). Each running attempt
 * has at most one write waiting, so the writer's queue is as long as the steps running here at most.
 *
 * @param timers plan the writes at the engine's clock
 * @param writer makes them
 * @param beatFailures the engine's failed heartbeat writes, warned of at most once a minute ({@code NVENT-0449})
 */
public record ProgressWrites(ClockTimers timers, ExecutorService writer, BeatFailures beatFailures) {

    /**
     * @param timers plan the writes at the engine's clock
     * @param writer makes them
     */
    public ProgressWrites(ClockTimers timers, ExecutorService writer) {
        this(timers, writer, new BeatFailures());
    }

    /** Counts an engine's failed heartbeat writes, so that a store outage is warned of once a minute, not per step. */
    public static final class BeatFailures {
        private static final long EVERY_MILLIS = Duration.ofMinutes(1).toMillis();
        private long lastWarned = Long.MIN_VALUE;
        private long unwarned;

        /**
         * Counts a failed write.
         *
         * @param nowMillis the engine's clock
         * @return the failures not warned of before this one, if this one is to be warned of; else -1
         */
        synchronized long failed(long nowMillis) {
            if (lastWarned != Long.MIN_VALUE && nowMillis - lastWarned < EVERY_MILLIS) {
                unwarned++;
                return -1;
            }
            lastWarned = nowMillis;
            long before = unwarned;
            unwarned = 0;
            return before;
        }
    }

    /**
     * Writes planned on {@code timers}, made by one thread of {@code threads}, which ends when idle for a minute.
     *
     * @param timers plan the writes at the engine's clock
     * @param threads make the writer's thread (the server's managed ones in a container)
     * @return the progress writes; {@link #stop(Duration)} them with the engine
     */
    public static ProgressWrites startedOn(ClockTimers timers, ThreadFactory threads) {
        ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads);
        writer.allowCoreThreadTimeOut(true);
        return new ProgressWrites(timers, writer);
    }

    /**
     * Stops the writer: writes not made yet are dropped, a report from then on is kept in memory only, and the
     * write under way, interrupted, is awaited up to {@code patience}, so that none lands after the engine said
     * it stopped.
     *
     * @param patience how long to wait for the write under way
     * @return whether the writer had ended within {@code patience}
     */
    public boolean stop(Duration patience) {
        writer.shutdownNow();
        try {
            return writer.awaitTermination(patience.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

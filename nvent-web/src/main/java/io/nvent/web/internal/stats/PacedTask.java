package io.nvent.web.internal.stats;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;

/**
 * Runs a task again and again, each time at least {@code interval} and at least {@link #COST_FACTOR}
 * times as long as its last run took after that run ended, so that it keeps its resources (a
 * database connection) busy at most about 1/{@value #COST_FACTOR} of the time.
 *
 * <p>The live statistics are its task: the queue counts, and comparing them and the run counts with
 * what clients last got. The run counts themselves come from {@link SharedCount}, paced the same way,
 * since counting the runs of each flow costs more the more runs are stored, not the more are active.
 */
public final class PacedTask {

    /** The least multiple of a run's duration to wait before the next: at most 5 % of the time busy. */
    public static final int COST_FACTOR = 20;

    /** Where the next run is scheduled; {@link RejectedExecutionException} once shut down ends the task. */
    public interface Scheduler {
        void schedule(Runnable run, long delayNanos);
    }

    private final Runnable task;
    private final long intervalNanos;
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;

    public PacedTask(Runnable task, Duration interval, Scheduler scheduler, LongSupplier nanoTime) {
        this.task = task;
        this.intervalNanos = interval.toNanos();
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
    }

    /** Schedules the first run, one interval from now. */
    public void start() {
        next(intervalNanos);
    }

    private void runOnce() {
        long started = nanoTime.getAsLong();
        try {
            task.run();
        } finally {
            next(Math.max(intervalNanos, COST_FACTOR * (nanoTime.getAsLong() - started)));
        }
    }

    private void next(long delayNanos) {
        try {
            scheduler.schedule(this::runOnce, delayNanos);
        } catch (RejectedExecutionException shutDown) {
            // The hub stopped: no more runs.
        }
    }
}

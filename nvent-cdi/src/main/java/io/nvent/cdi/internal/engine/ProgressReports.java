package io.nvent.cdi.internal.engine;

import io.nvent.StepProgress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The progress one attempt reports ({@link io.nvent.StepContext#reportProgress}), kept in memory and
 * stored at most once an interval: a step that reports every row of an import costs a write a second,
 * not one a row. A report keeps the latest value and, unless a write is due already, has one made
 * by the timer once an interval has passed since the last write (the first an interval after the
 * attempt began, so that a short step writes none, nor stores its deferred start for it); so the
 * latest value reaches the store within an interval also when the reports stop. Once the attempt
 * has ended ({@link #end()}) nothing more is written.
 */
final class ProgressReports {

    /** How often at most an attempt's progress is written. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(ProgressReports.class.getName());

    private final ScheduledExecutorService timer;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Consumer<StepProgress> write;
    /** Held while writing, so that {@link #end()} waits for a write under way. */
    private final Object writing = new Object();
    private StepProgress latest;
    private StepProgress written;
    private long lastWriteNanos;
    private boolean writeDue;
    private boolean ended;

    /**
     * @param timer makes the writes; none (an engine without timers) keeps the progress in memory only
     * @param write stores a progress; may throw, which drops that write
     */
    ProgressReports(ScheduledExecutorService timer, Duration interval, LongSupplier nanoTime,
                    Consumer<StepProgress> write) {
        this.timer = timer;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.write = write;
        this.lastWriteNanos = nanoTime.getAsLong();
    }

    /** Keeps the attempt's latest progress and has it written within an interval. */
    void report(StepProgress progress) {
        long delay;
        synchronized (this) {
            if (ended) {
                return;
            }
            latest = progress;
            if (writeDue || timer == null) {
                return;
            }
            writeDue = true;
            delay = Math.max(0, lastWriteNanos + intervalNanos - nanoTime.getAsLong());
        }
        try {
            timer.schedule(this::writeLatest, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            synchronized (this) {
                writeDue = false;
            }
        }
    }

    private void writeLatest() {
        synchronized (writing) {
            StepProgress next;
            synchronized (this) {
                writeDue = false;
                if (ended || latest == written) {
                    return;
                }
                next = latest;
                written = latest;
                lastWriteNanos = nanoTime.getAsLong();
            }
            try {
                write.accept(next);
            } catch (RuntimeException e) {
                // The next report tries again; a step's progress is not worth failing or warning about.
                LOG.log(System.Logger.Level.DEBUG, "the progress {0} of {1} was not stored: {2}", next.done(),
                        next.total(), e.toString());
            }
        }
    }

    /**
     * Ends the attempt's reports: nothing is written once this returns (a write under way is waited for).
     *
     * @return the latest progress the attempt reported, if it reported any
     */
    Optional<StepProgress> end() {
        synchronized (writing) {
            synchronized (this) {
                ended = true;
                return Optional.ofNullable(latest);
            }
        }
    }

    /** {@return the latest progress the attempt reported, if any} */
    synchronized Optional<StepProgress> latest() {
        return Optional.ofNullable(latest);
    }
}

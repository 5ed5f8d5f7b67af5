package io.nvent.cdi.internal.engine;

import io.nvent.StepProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The progress one attempt reports ({@link io.nvent.StepContext#reportProgress}), kept in memory and
 * stored at most once an interval of the engine's clock: a step that reports every row of an import costs a
 * write a second, not one a row. A report keeps the latest value and, unless a write is due already, has one
 * made once an interval has passed since the last write (the first an interval after the attempt began, so
 * that a short step writes none, nor stores its deferred start for it); so the latest value reaches the store
 * within an interval also when the reports stop. The timer only hands the write to the engine's progress
 * writer ({@link ProgressWrites}): a slow write holds up no timer. A value counts as written once its write
 * succeeded; a failed write is tried once more an interval later, should no report come meanwhile. Once the
 * attempt has ended ({@link #end()}) nothing more is written.
 */
final class ProgressReports {

    /** How often at most an attempt's progress is written. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(ProgressReports.class.getName());

    private final Optional<ProgressWrites> writes;
    private final Duration interval;
    private final Clock clock;
    private final Consumer<StepProgress> write;
    /** Held while writing, so that {@link #end()} waits for a write under way. */
    private final Object writing = new Object();
    private StepProgress latest;
    private StepProgress written;
    private Instant lastWrite;
    private boolean writeDue;
    /** Whether a failed write was planned once more since the last report. */
    private boolean retried;
    private boolean ended;

    /**
     * @param writes time and make the writes; none (an engine without timers) keeps the progress in memory only
     * @param clock the engine's clock, which times the interval
     * @param write stores a progress; may throw, which fails that write
     */
    ProgressReports(Optional<ProgressWrites> writes, Duration interval, Clock clock, Consumer<StepProgress> write) {
        this.writes = writes;
        this.interval = interval;
        this.clock = clock;
        this.write = write;
        this.lastWrite = clock.instant();
    }

    /** Keeps the attempt's latest progress and has it written within an interval. */
    void report(StepProgress progress) {
        Instant due;
        synchronized (this) {
            if (ended) {
                return;
            }
            latest = progress;
            retried = false;
            if (writeDue || writes.isEmpty()) {
                return;
            }
            writeDue = true;
            due = lastWrite.plus(interval);
        }
        planWrite(due);
    }

    /** Has the writer make a write once the clock shows {@code due}; the timer itself only hands it over. */
    private void planWrite(Instant due) {
        ProgressWrites on = writes.orElseThrow();
        try {
            on.timers().at(due, () -> {
                try {
                    on.writer().execute(this::writeLatest);
                } catch (RejectedExecutionException stopping) {
                    notDue();
                }
            });
        } catch (RejectedExecutionException stopping) {
            notDue();
        }
    }

    private synchronized void notDue() {
        writeDue = false;
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
                lastWrite = clock.instant();
            }
            RuntimeException failure = null;
            try {
                write.accept(next);
            } catch (RuntimeException e) {
                failure = e;
                // A step's progress is not worth failing or warning about.
                LOG.log(System.Logger.Level.DEBUG, "the progress {0} of {1} was not stored: {2}", next.done(),
                        next.total(), e.toString());
            }
            Instant again;
            synchronized (this) {
                if (failure == null) {
                    written = next;
                    retried = false;
                    return;
                }
                // The next report tries again; without one, the value is tried once more, then left.
                if (ended || writeDue || retried) {
                    return;
                }
                retried = true;
                writeDue = true;
                again = lastWrite.plus(interval);
            }
            planWrite(again);
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

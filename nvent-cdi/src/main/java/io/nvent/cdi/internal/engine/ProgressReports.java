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
 *
 * <p>Heartbeats ({@link #beat()}, {@link io.nvent.StepContext#heartbeat()}) take the same path, so that other
 * instances see them: the attempt's first is stored at once (other instances see it alive from its start, not a
 * quarter of its heartbeat timeout later), then the latest at most once per {@link #beatsAtMostEvery heartbeat
 * interval} (a quarter of the step's heartbeat timeout, at least the progress interval), and not at all if a progress
 * write made since the beat stored a later report (a report is a heartbeat too). A heartbeat whose write failed is
 * stored again by the next beat, a progress interval after the failed write at the earliest, not a heartbeat interval
 * later; such a failure is logged at most once a minute per engine ({@code NVENT-0449}), the others at DEBUG. A step that never
 * beats writes nothing for it.
 */
final class ProgressReports {

    /** How often at most an attempt's progress is written. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(ProgressReports.class.getName());

    private final Optional<ProgressWrites> writes;
    private final Duration interval;
    private final Clock clock;
    private final Consumer<StepProgress> write;
    /** Stores a heartbeat's time; may throw, which fails that write. */
    private final Consumer<Instant> writeBeat;
    /** How often at most a heartbeat is written. */
    private Duration beatInterval;
    /** The latest heartbeat not yet written; null if none. */
    private Instant latestBeat;
    /** When the last heartbeat was written; null before the first, which is written at once. */
    private Instant lastBeatWrite;
    /**
     * Whether the last heartbeat write failed after one that did not: the next beat writes again without waiting a
     * heartbeat interval. Once that one fails too, the store is down: beats wait their interval again, not a second.
     */
    private boolean beatFailed;
    /** Whether the last heartbeat write failed. */
    private boolean lastBeatWriteFailed;
    /** Whether anything was written yet: until then the attempt's first heartbeat is written at once. */
    private boolean wroteAny;
    /** Names the attempt in a log line: {@code step 'import' of run … (attempt 2)}. */
    private final String attempt;
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
    ProgressReports(Optional<ProgressWrites> writes, Duration interval, Clock clock, Consumer<StepProgress> write,
                    Consumer<Instant> writeBeat, String attempt) {
        this.attempt = attempt;
        this.writes = writes;
        this.interval = interval;
        this.clock = clock;
        this.write = write;
        this.writeBeat = writeBeat;
        this.lastWrite = clock.instant();
        this.beatInterval = interval;
    }

    /**
     * Writes heartbeats at most once per {@code value}, and never more often than progress: set before the step's
     * code runs, from its heartbeat timeout.
     */
    synchronized void beatsAtMostEvery(Duration value) {
        beatInterval = value.compareTo(interval) > 0 ? value : interval;
    }

    /**
     * Keeps the step's latest heartbeat and has it written once a heartbeat interval has passed since the last one
     * written (and a progress interval since any write): a step that beats in a tight loop costs a write per
     * interval, not one per beat.
     */
    void beat() {
        Instant due;
        synchronized (this) {
            if (ended || writes.isEmpty()) {
                return;
            }
            latestBeat = clock.instant();
            if (writeDue) {
                return;
            }
            writeDue = true;
            due = nextDue();
        }
        planWrite(due);
    }

    /**
     * When the next write may come: an interval after the last, and a heartbeat interval after the last beat's; for
     * the attempt's first heartbeat, with nothing written before, at once, and after a failed heartbeat write, an
     * interval after it.
     */
    private Instant nextDue() {
        Instant progressDue = lastWrite.plus(interval);
        if (latestBeat == null || (latest != null && latest != written)) {
            return progressDue;
        }
        if (lastBeatWrite == null && !wroteAny) {
            return clock.instant();
        }
        if (lastBeatWrite == null || beatFailed) {
            return progressDue;
        }
        Instant beatDue = lastBeatWrite.plus(beatInterval);
        return beatDue.isAfter(progressDue) ? beatDue : progressDue;
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
            StepProgress next = null;
            Instant beat = null;
            Instant later = null;
            synchronized (this) {
                writeDue = false;
                if (ended) {
                    return;
                }
                if (latest != written) {
                    next = latest;
                    lastWrite = clock.instant();
                    wroteAny = true;
                    if (latestBeat != null && !latestBeat.isAfter(next.reportedAt())) {
                        latestBeat = null;   // the report written is as recent a sign of life
                    }
                } else if (latestBeat != null) {
                    Instant now = clock.instant();
                    Instant due = nextDue();
                    if (now.isBefore(due)) {
                        writeDue = true;
                        later = due;
                    } else {
                        beat = latestBeat;
                        latestBeat = null;
                        lastWrite = now;
                        lastBeatWrite = now;
                        wroteAny = true;
                    }
                } else {
                    return;
                }
            }
            if (later != null) {
                planWrite(later);
            } else if (beat != null) {
                writeBeat(beat);
            } else {
                writeProgress(next);
            }
        }
    }

    /**
     * Stores a heartbeat. A failed write is not tried again by itself, but the next beat (or one that came while it was
     * made) writes without waiting a heartbeat interval: other instances would otherwise see the step silent for up to
     * half its heartbeat timeout.
     */
    private void writeBeat(Instant beat) {
        RuntimeException failure = null;
        try {
            writeBeat.accept(beat);
        } catch (RuntimeException e) {
            failure = e;
        }
        Instant again = null;
        long unwarned = failure == null ? -1 : writes.orElseThrow().beatFailures().failed(clock.millis());
        synchronized (this) {
            beatFailed = failure != null && !lastBeatWriteFailed;
            lastBeatWriteFailed = failure != null;
            if (failure != null) {
                if (!ended && latestBeat != null) {
                    writeDue = true;   // a beat came while the write failed: written again now, not a quarter later
                    again = nextDue();
                }
            }
        }
        if (failure != null) {
            String line = "NVENT-0449 the heartbeat at " + beat + " of " + attempt + " was not stored: " + failure
                    + "; its next heartbeat() stores one again, a second after this write at the earliest (other"
                    + " instances show its last stored heartbeat meanwhile; logged at most once a minute per instance"
                    + (unwarned > 0 ? ", " + unwarned + " more failed heartbeat writes since the last" : "")
                    + ", the others at DEBUG)";
            LOG.log(unwarned >= 0 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, line);
        }
        if (again != null) {
            planWrite(again);
        }
    }

    private void writeProgress(StepProgress next) {
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
                if (latestBeat == null || ended || writeDue) {
                    return;
                }
                writeDue = true;   // a beat after the report: written in its turn
                again = nextDue();
            } else if (ended || writeDue || retried) {
                // The next report tries again; without one, the value is tried once more, then left.
                return;
            } else {
                retried = true;
                writeDue = true;
                again = lastWrite.plus(interval);
            }
        }
        planWrite(again);
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

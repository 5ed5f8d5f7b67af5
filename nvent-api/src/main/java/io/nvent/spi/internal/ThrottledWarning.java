package io.nvent.spi.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A warning about something that may happen on every publish, logged at most once per interval
 * with how many times it happened since the last line: while a broker, a database or a pool is away
 * it would otherwise be one line per step.
 *
 * @since 0.2
 */
public final class ThrottledWarning {

    private final System.Logger log;
    private final Level level;
    private final long intervalNanos;
    /** {@link System#nanoTime()} from which the next line may be logged. */
    private final AtomicLong next = new AtomicLong(System.nanoTime());
    private final AtomicLong unreported = new AtomicLong();

    /**
     * A warning that has not happened yet.
     *
     * @param log where the lines go
     * @param interval the least time between two lines
     */
    public ThrottledWarning(System.Logger log, Duration interval) {
        this(log, interval, Level.WARNING);
    }

    /**
     * A line that has not been logged yet, at another level than a warning's: something that is no fault but may
     * happen every second (a schedule's tick skipped).
     *
     * @param log where the lines go
     * @param interval the least time between two lines
     * @param level the level of the lines
     */
    public ThrottledWarning(System.Logger log, Duration interval, Level level) {
        this.log = Objects.requireNonNull(log, "log");
        this.level = Objects.requireNonNull(level, "level");
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Counts {@code times} more; logs a line when the interval since the last one is up.
     *
     * @param times how many more times it happened
     * @param message the line, given how many times it happened since the last line
     */
    public void add(long times, LongFunction<String> message) {
        unreported.addAndGet(times);
        long now = System.nanoTime();
        long due = next.get();
        if (now - due < 0 || !next.compareAndSet(due, now + intervalNanos)) {
            return;
        }
        log.log(level, message.apply(unreported.getAndSet(0)));
    }

    /**
     * Logs what was counted since the last line, if anything, at once: it has stopped happening,
     * and what it came to must not wait for a next time that may never come.
     *
     * @param message the line, given how many times it happened since the last line
     */
    public void flush(LongFunction<String> message) {
        if (unreported.get() == 0) {
            return;
        }
        long times = unreported.getAndSet(0);
        if (times > 0) {
            next.set(System.nanoTime() + intervalNanos);
            log.log(level, message.apply(times));
        }
    }
}

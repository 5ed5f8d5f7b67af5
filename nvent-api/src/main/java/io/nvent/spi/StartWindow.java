package io.nvent.spi;


/**
 * The starts a queue made within the last span of its {@link RateLimit}, for queue adapters that
 * keep one: it answers how many more may start now, and when the next may. Thread-safe. Times are
 * {@link System#nanoTime()} readings passed in by the caller, so that waiting cannot be confused by
 * the wall clock moving.
 *
 * <p>A sliding log rather than a token bucket: a token bucket lets up to twice its size start within
 * one span (a full bucket, then its refill), which an API quota of "max per span" refuses.
 *
 * @since 0.1
 */
public final class StartWindow {

    private final RateLimit limit;
    private final long spanNanos;
    /** Start times, oldest first, in a ring of at most {@code limit.max()} that grows as needed. */
    private long[] starts;
    private int oldest;
    private int count;

    /** An empty window for a limit. */
    public StartWindow(RateLimit limit) {
        this.limit = limit;
        this.spanNanos = limit.per().toNanos();
        this.starts = new long[Math.min(limit.max(), 64)];
    }

    /** The limit this window keeps. */
    public RateLimit limit() {
        return limit;
    }

    /** How many attempts may start at {@code now}. */
    public synchronized int free(long now) {
        forgetBefore(now);
        return limit.max() - count;
    }

    /** Nanoseconds from {@code now} until an attempt may start: 0 if one may start now. */
    public synchronized long nanosUntilFree(long now) {
        forgetBefore(now);
        return count < limit.max() ? 0 : starts[oldest] + spanNanos - now;
    }

    /**
     * Records up to {@code wanted} starts at {@code now}, as many as the limit allows.
     *
     * @return how many were recorded, 0 to {@code wanted}
     */
    public synchronized int take(int wanted, long now) {
        forgetBefore(now);
        int granted = Math.max(0, Math.min(wanted, limit.max() - count));
        for (int i = 0; i < granted; i++) {
            append(now);
        }
        return granted;
    }

    /** Whether an attempt may start at {@code now}; if so, its start is recorded. */
    public boolean tryTake(long now) {
        return take(1, now) == 1;
    }

    /**
     * Forgets up to {@code unused} of the starts recorded at {@code takenAt}, which did not happen
     * after all (the caller took them for jobs it did not find). Starts other callers recorded are
     * kept, whatever their time.
     */
    public synchronized void giveBack(int unused, long takenAt) {
        int left = unused;
        for (int i = count - 1; i >= 0 && left > 0; i--) {
            if (starts[(oldest + i) % starts.length] == takenAt) {
                for (int j = i; j < count - 1; j++) {
                    starts[(oldest + j) % starts.length] = starts[(oldest + j + 1) % starts.length];
                }
                count--;
                left--;
            }
        }
    }

    private void forgetBefore(long now) {
        while (count > 0 && now - starts[oldest] >= spanNanos) {
            oldest = (oldest + 1) % starts.length;
            count--;
        }
    }

    private void append(long now) {
        if (count == starts.length) {
            long[] grown = new long[Math.min(limit.max(), starts.length * 2)];
            for (int i = 0; i < count; i++) {
                grown[i] = starts[(oldest + i) % starts.length];
            }
            starts = grown;
            oldest = 0;
        }
        starts[(oldest + count) % starts.length] = now;
        count++;
    }

    @Override
    public synchronized String toString() {
        return "StartWindow[" + limit + ", " + count + " recorded]";
    }
}

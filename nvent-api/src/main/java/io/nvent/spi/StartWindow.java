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
 * <p>An adapter that hands out jobs some time before their attempts start (a claim before a worker
 * thread is free, a receive that waits for a message) {@linkplain #reserve reserves} starts, which
 * count against the limit until they {@linkplain #started start}, at the time they start, or are
 * {@linkplain #release released}: counting them at the time they were handed out would free them
 * too early.
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
    /** Starts reserved and neither started nor released yet. */
    private int pending;

    /**
     * An empty window for a limit.
     *
     * @param limit the limit to keep
     * @throws NullPointerException if {@code limit} is {@code null}
     */
    public StartWindow(RateLimit limit) {
        this.limit = limit;
        this.spanNanos = limit.per().toNanos();
        this.starts = new long[Math.min(limit.max(), 64)];
    }

    /**
     * The limit this window keeps.
     *
     * @return the limit given to the constructor
     */
    public RateLimit limit() {
        return limit;
    }

    /**
     * How many attempts may start, or be reserved, at {@code now}.
     *
     * @param now a {@link System#nanoTime()} reading
     * @return 0 to {@code limit().max()}
     */
    public synchronized int free(long now) {
        forgetBefore(now);
        return Math.max(0, limit.max() - count - pending);
    }

    /**
     * Nanoseconds from {@code now} until an attempt may start: 0 if one may start now. While
     * reserved starts alone fill the limit, when they start is not known: then one span.
     *
     * @param now a {@link System#nanoTime()} reading
     * @return nanoseconds, 0 or more
     */
    public synchronized long nanosUntilFree(long now) {
        forgetBefore(now);
        int excess = count + pending - limit.max();
        if (excess < 0) {
            return 0;
        }
        return excess < count ? starts[(oldest + excess) % starts.length] + spanNanos - now : spanNanos;
    }

    /**
     * Nanoseconds from {@code now} until the next attempt may start, as a queue adapter answers
     * {@link JobQueue#untilRateLimitAllows}: 0 if one may start now, and also while a start is
     * reserved, whose attempt starts as soon as its job is there (a worker waiting to receive one);
     * otherwise as {@link #nanosUntilFree}.
     *
     * @param now a {@link System#nanoTime()} reading
     * @return nanoseconds, 0 or more
     */
    public synchronized long nanosUntilNextStart(long now) {
        return pending > 0 ? 0 : nanosUntilFree(now);
    }

    /**
     * Records up to {@code wanted} starts at {@code now}, as many as the limit allows.
     *
     * @param wanted starts wanted; a negative number counts as 0
     * @param now a {@link System#nanoTime()} reading
     * @return how many were recorded, 0 to {@code wanted}
     */
    public synchronized int take(int wanted, long now) {
        int granted = Math.min(Math.max(0, wanted), free(now));
        for (int i = 0; i < granted; i++) {
            append(now);
        }
        return granted;
    }

    /**
     * Whether an attempt may start at {@code now}; if so, its start is recorded.
     *
     * @param now a {@link System#nanoTime()} reading
     * @return {@code true} if the start was recorded
     */
    public boolean tryTake(long now) {
        return take(1, now) == 1;
    }

    /**
     * Reserves up to {@code wanted} starts, as many as the limit allows at {@code now}; each then
     * either {@link #started} or is {@link #release released}.
     *
     * @param wanted starts wanted; a negative number counts as 0
     * @param now a {@link System#nanoTime()} reading
     * @return how many were reserved, 0 to {@code wanted}
     */
    public synchronized int reserve(int wanted, long now) {
        int granted = Math.min(Math.max(0, wanted), free(now));
        pending += granted;
        return granted;
    }

    /**
     * A reserved start happened at {@code now}.
     *
     * @param now a {@link System#nanoTime()} reading, when the attempt started
     */
    public synchronized void started(long now) {
        pending = Math.max(0, pending - 1);
        append(now);
    }

    /**
     * Reserved starts that will not happen (no job came, the queue was paused).
     *
     * @param unused how many reserved starts to give back; more than are reserved gives back all
     */
    public synchronized void release(int unused) {
        pending -= Math.max(0, Math.min(unused, pending));
    }

    private void forgetBefore(long now) {
        while (count > 0 && now - starts[oldest] >= spanNanos) {
            oldest = (oldest + 1) % starts.length;
            count--;
        }
    }

    /** Appends a start; when the log holds max starts already, the oldest no longer matters. */
    private void append(long now) {
        if (count == limit.max()) {
            oldest = (oldest + 1) % starts.length;
            count--;
        }
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
        return "StartWindow[" + limit + ", " + count + " recorded, " + pending + " reserved]";
    }
}

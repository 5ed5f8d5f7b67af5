package io.nvent.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How fast a queue may start attempts: at most {@link #max()} in any span of {@link #per()}, for
 * example 100 a minute for a step that calls an API with that quota. Retries count like first
 * attempts; jobs held back by the limit wait in the queue, counted as waiting.
 *
 * <p>A {@link JobQueue} keeps the limit per instance: n instances serving a queue start up to
 * n &times; max attempts in a span. Where the {@link SchedulingStore} {@linkplain
 * SchedulingStore#sharesRateLimits shares rate limits}, the engine also records each start there,
 * so that the limit holds for the whole cluster. A limit kept per group of a queue's steps (one per
 * customer, say: see {@link RateLimitGroup}) only the engine keeps, as no adapter tells the groups
 * apart. Limits apply to starts, not to attempts running at once; that is the queue's concurrency.
 *
 * @param max attempts started in any span of {@code per}, 1 to {@value #MOST_STARTS}
 * @param per the span, 1 ms to 1 day
 * @since 0.1
 */
public record RateLimit(int max, Duration per) {

    /** The highest {@link #max()}: a queue remembers the start time of each of the last max starts. */
    public static final int MOST_STARTS = 1_000_000;

    /** The longest {@link #per()}: a start older than that never counts. */
    public static final Duration LONGEST_SPAN = Duration.ofDays(1);

    /**
     * Checks the limit's bounds.
     *
     * @param max attempts started in any span of {@code per}, 1 to {@value #MOST_STARTS}
     * @param per the span, 1 ms to 1 day
     * @throws NullPointerException if {@code per} is {@code null}
     * @throws IllegalArgumentException if {@code max} is outside 1 to {@value #MOST_STARTS} (NVENT-0240)
     *     or {@code per} is shorter than 1 ms or longer than 1 day (NVENT-0241)
     */
    public RateLimit {
        Objects.requireNonNull(per, "per");
        if (max < 1 || max > MOST_STARTS) {
            throw new IllegalArgumentException("NVENT-0240 a rate limit's max must be 1 to " + MOST_STARTS
                    + " starts, was " + max);
        }
        if (per.compareTo(Duration.ofMillis(1)) < 0 || per.compareTo(LONGEST_SPAN) > 0) {
            throw new IllegalArgumentException("NVENT-0241 a rate limit's span must be 1 ms to 1 day, was " + per);
        }
    }

    /** For example {@code "100 per 60000 ms"}. */
    @Override
    public String toString() {
        return max + " per " + per.toMillis() + " ms";
    }
}

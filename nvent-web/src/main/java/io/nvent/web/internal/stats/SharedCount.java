package io.nvent.web.internal.stats;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A count that every caller shares: callers get the latest result with the instant it was taken, and
 * a caller that finds it due starts the next one in the background. At most one count is under way,
 * and the next starts no sooner than the minimum interval, nor than {@link PacedTask#COST_FACTOR}
 * times as long as the last count took, after it ended: however many requests come, counting keeps
 * its database connection busy at most about 5 % of the time.
 *
 * <p>Only the very first caller (and those that come while it waits) waits for a count; later callers
 * get the latest figures at once, however old, and see from {@link Counted#countedAt()} how old they
 * are. A failed count is logged and leaves the figures before it in place; while there are none, it
 * fails the callers waiting for it, and those that come before the pacing allows the next count.
 *
 * @param <T> what is counted
 */
public final class SharedCount<T> {

    private static final System.Logger LOG = System.getLogger(SharedCount.class.getName());

    /**
     * A count's result.
     *
     * @param value the figures
     * @param countedAt when the count began: the figures are at least this old
     */
    public record Counted<T>(T value, Instant countedAt) {

        /** How old the figures are at {@code now}; never negative. */
        public Duration age(Instant now) {
            Duration age = Duration.between(countedAt, now);
            return age.isNegative() ? Duration.ZERO : age;
        }
    }

    private final Supplier<T> count;
    private final Duration minInterval;
    private final Executor executor;
    private final Clock clock;

    private Counted<T> latest;
    private CompletableFuture<Counted<T>> running;
    private RuntimeException lastFailure;
    private Instant nextAllowed = Instant.MIN;

    /**
     * @param count counts; runs on {@code executor}
     * @param minInterval the least time between the end of a count and the start of the next
     * @param executor where counts run
     * @param clock when counts are taken and how long they take
     */
    public SharedCount(Supplier<T> count, Duration minInterval, Executor executor, Clock clock) {
        this.count = Objects.requireNonNull(count, "count");
        this.minInterval = Objects.requireNonNull(minInterval, "minInterval");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The latest figures; starts the next count if it is due. Waits only while there are none yet.
     *
     * @return the latest result
     * @throws RuntimeException what the last count failed with, while no count has succeeded yet
     */
    public Counted<T> latest() {
        return latest(Duration.ZERO);
    }

    /**
     * The figures of the count that is due or under way if it ends within {@code patience}, else the
     * latest: for a reader that comes seldom, such as a Prometheus scrape every 15 s to a minute, the
     * latest figures are as old as its own last visit, since nobody asked for a count in between.
     * The pacing holds as for {@link #latest()}.
     *
     * @param patience how long to wait for the count under way
     * @return the freshest result to be had within that time
     * @throws RuntimeException what the last count failed with, while no count has succeeded yet
     */
    public Counted<T> fresh(Duration patience) {
        return latest(patience);
    }

    private Counted<T> latest(Duration patience) {
        CompletableFuture<Counted<T>> next;
        Counted<T> current;
        synchronized (this) {
            if (running == null && !clock.instant().isBefore(nextAllowed)) {
                running = new CompletableFuture<>();
                CompletableFuture<Counted<T>> started = running;
                try {
                    executor.execute(() -> countInto(started));
                } catch (RuntimeException refused) {
                    running = null;
                    throw refused;
                }
            }
            current = latest;
            next = running;
            if (current == null && next == null) {
                throw lastFailure;
            }
        }
        if (current == null) {
            try {
                return next.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : e;
            }
        }
        if (next == null || patience.isZero()) {
            return current;
        }
        try {
            return next.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return current;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return current;
        }
    }

    private void countInto(CompletableFuture<Counted<T>> result) {
        Instant started = clock.instant();
        Counted<T> counted = null;
        RuntimeException failure = null;
        try {
            counted = new Counted<>(count.get(), started);
        } catch (RuntimeException e) {
            failure = e;
        }
        synchronized (this) {
            Instant ended = clock.instant();
            Duration took = Duration.between(started, ended);
            Duration pause = took.multipliedBy(PacedTask.COST_FACTOR);
            nextAllowed = ended.plus(pause.compareTo(minInterval) > 0 ? pause : minInterval);
            if (counted != null) {
                latest = counted;
            }
            lastFailure = failure;
            running = null;
        }
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0722 could not compute statistics", failure);
            result.completeExceptionally(failure);
        } else {
            result.complete(counted);
        }
    }
}

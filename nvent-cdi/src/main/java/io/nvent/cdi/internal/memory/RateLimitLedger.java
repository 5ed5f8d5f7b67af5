package io.nvent.cdi.internal.memory;

import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RateLimitGroupStarts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The starts of rate-limited queues and groups in memory, with the semantics of
 * {@link io.nvent.spi.SchedulingStore#takeRateLimitedStart}: the in-memory store's (engines of one
 * JVM) and an instance's own for limits per group kept on each instance.
 */
public final class RateLimitLedger {

    private final ConcurrentMap<RateLimitGroup, RecordedStarts> starts = new ConcurrentHashMap<>();

    /** Records a start if the limit allows one now; see {@code SchedulingStore#takeRateLimitedStart}. */
    public Duration take(RateLimitGroup group, RateLimit limit, Clock clock) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(clock, "clock");
        return decide(group, recorded -> recorded.take(limit, clock));
    }

    /** Books when a refused step comes back; see {@code SchedulingStore#bookRateLimitedReturn}. */
    public Instant book(RateLimitGroup group, RateLimit limit, Instant allowedAt) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(allowedAt, "allowedAt");
        return decide(group, recorded -> recorded.book(limit, allowedAt));
    }

    /**
     * Decides within the map's lock of the group (created on first use), so that forgetting an idle
     * group never loses a start or a booking.
     */
    private <T> T decide(RateLimitGroup group, Function<RecordedStarts, T> decision) {
        List<T> decided = new ArrayList<>(1);
        starts.compute(Objects.requireNonNull(group, "group"), (key, recorded) -> {
            RecordedStarts kept = recorded == null ? new RecordedStarts() : recorded;
            decided.add(decision.apply(kept));
            return kept;
        });
        return decided.get(0);
    }

    /** How long until {@link #take} would record a start of the group: zero if it would now. */
    public Duration untilAllows(RateLimitGroup group, RateLimit limit, Instant now) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(now, "now");
        RecordedStarts recorded = starts.get(Objects.requireNonNull(group, "group"));
        return recorded == null ? Duration.ZERO : recorded.untilFree(limit, now);
    }

    /** Forgets the groups with no start later than {@code before}; returns how many. */
    public int forgetIdle(Instant before) {
        long at = RecordedStarts.toNanos(before);
        int[] forgotten = new int[1];
        for (RateLimitGroup group : starts.keySet()) {
            starts.computeIfPresent(group, (key, recorded) -> {
                if (recorded.newestNotAfter(at)) {
                    forgotten[0]++;
                    return null;
                }
                return recorded;
            });
        }
        return forgotten[0];
    }

    /** The groups of a queue with the most starts after {@code since}; see {@code SchedulingStore#busiestRateLimitGroups}. */
    public List<RateLimitGroupStarts> busiest(String queue, Instant since, int most) {
        long after = RecordedStarts.toNanos(since);
        List<RateLimitGroupStarts> found = new ArrayList<>();
        starts.forEach((group, recorded) -> {
            int count = recorded.countAfter(after);
            if (group.queue().equals(queue) && count > 0) {
                found.add(new RateLimitGroupStarts(group, count));
            }
        });
        found.sort(Comparator.comparingInt(RateLimitGroupStarts::starts).reversed()
                .thenComparing(found2 -> found2.group().group()));
        return List.copyOf(found.subList(0, Math.min(most, found.size())));
    }

    /** How many groups have starts recorded. */
    public int groups() {
        return starts.size();
    }

    /**
     * A group's recorded starts, oldest first, in epoch nanoseconds on a time line that never goes
     * back (callers' clocks may disagree by a little). Counted against the limit of each call, so
     * that a changed limit (a redeployment) counts the starts made under the old one.
     */
    private static final class RecordedStarts {
        private final ArrayDeque<Long> starts = new ArrayDeque<>();
        private long latest = Long.MIN_VALUE;
        private Instant bookedUntil;

        synchronized Duration take(RateLimit limit, Clock clock) {
            long at = onTimeLine(clock.instant());
            long span = limit.per().toNanos();
            while (!starts.isEmpty() && starts.peekFirst() <= at - span) {
                starts.pollFirst();
            }
            if (starts.size() < limit.max()) {
                starts.addLast(at);
                return Duration.ZERO;
            }
            // The start whose leaving the span frees one: the (size - max + 1)-th oldest.
            Iterator<Long> oldestFirst = starts.iterator();
            for (int i = 0; i < starts.size() - limit.max(); i++) {
                oldestFirst.next();
            }
            return Duration.ofNanos(Math.max(1, oldestFirst.next() + span - at));
        }

        synchronized Duration untilFree(RateLimit limit, Instant now) {
            long at = Math.max(latest, toNanos(now));
            long span = limit.per().toNanos();
            Iterator<Long> newestFirst = starts.descendingIterator();
            for (int i = 0; i < limit.max() - 1 && newestFirst.hasNext(); i++) {
                newestFirst.next();
            }
            if (!newestFirst.hasNext()) {
                return Duration.ZERO;
            }
            long holding = newestFirst.next();
            return holding <= at - span ? Duration.ZERO : Duration.ofNanos(holding + span - at);
        }

        synchronized Instant book(RateLimit limit, Instant allowedAt) {
            Instant share = bookedUntil == null ? allowedAt : bookedUntil.plus(limit.per().dividedBy(limit.max()));
            bookedUntil = share.isAfter(allowedAt) ? share : allowedAt;
            return bookedUntil;
        }

        synchronized int countAfter(long at) {
            int count = 0;
            for (Iterator<Long> newestFirst = starts.descendingIterator(); newestFirst.hasNext() && newestFirst.next() > at; ) {
                count++;
            }
            return count;
        }

        synchronized boolean newestNotAfter(long at) {
            return (starts.isEmpty() || starts.peekLast() <= at) && (bookedUntil == null || toNanos(bookedUntil) <= at);
        }

        private long onTimeLine(Instant now) {
            latest = Math.max(latest, toNanos(now));
            return latest;
        }

        static long toNanos(Instant instant) {
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        }
    }
}

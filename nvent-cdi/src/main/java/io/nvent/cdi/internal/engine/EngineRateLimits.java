package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.memory.RateLimitLedger;
import io.nvent.spi.JobExecution;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RateLimitGroupStarts;
import io.nvent.spi.SchedulingStore;
import jakarta.json.JsonNumber;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The rate limits the engine keeps before a step's attempt starts, rather than the queue adapter
 * where it hands out work: those that hold for every instance sharing the scheduling store (each
 * start recorded there), and those kept per group of a queue's steps ({@code limiter.group-key}),
 * which no adapter can tell apart — recorded in the store for the cluster, or in this instance's
 * own ledger with {@code limiter.scope=instance}.
 *
 * <p>A worker waits for a start only briefly (moments under a limit per group, whose waiting
 * workers would hold up the other groups); when the limit allows none for longer, the engine queues
 * the step again for the time booked for it (see {@link #requeueAt}). For a
 * limit of the whole queue, the queue adapter keeps the same limit per instance as well: it hands an
 * instance no more jobs in a span than the whole cluster may start, so that few wait in a worker for
 * the store's word.
 */
final class EngineRateLimits {

    /** Spreads the workers that wait for the same freed start, on all instances, over a few ms. */
    private static final long JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Group values longer than a store keeps are counted under a digest of their text. */
    private static final String DIGEST_PREFIX = "sha256:";

    /**
     * A queue's limit as the engine keeps it.
     *
     * @param groupKey the field of a step's data whose value groups its starts, if the limit is per group
     * @param cluster whether the starts are recorded in the scheduling store for every instance
     */
    record Kept(RateLimit limit, Optional<String> groupKey, boolean cluster) {

        /** How the limit reads in a step's wait or a log line. */
        String describe() {
            return "at most " + limit.max() + " per " + limit.per().toMillis() + " ms"
                    + groupKey.map(key -> " for each value of '" + key + "'").orElse("")
                    + (cluster ? " across all instances" : " on each instance");
        }
    }

    private final SchedulingStore scheduling;
    private final Clock clock;
    /**
     * Whether the clock moves while a worker sleeps: not one only a test moves (a virtual clock, see
     * {@link ClockTimers#clockMovesByItself()}), which the engine's timers tell by {@link #followClockOf}.
     * On such a clock a worker never waits for the limit (the limit's time would not come while it
     * sleeps, and a worker that sleeps holds up the test's next move): it queues the step again at once,
     * for the clock's time at which the limit allows the start.
     */
    private volatile boolean clockMovesWhileWaiting = true;
    private final RateLimitLedger ownStarts = new RateLimitLedger();
    private final Map<String, Kept> limits = new ConcurrentHashMap<>();
    /** The jobs whose workers on this instance wait for the limit, and until when they expect to. */
    private final Map<String, Instant> waitingJobs = new ConcurrentHashMap<>();
    /** Per queue limited per group, the turns of its workers here to wait long for a group's start. */
    private final Map<String, Semaphore> longGroupWaits = new ConcurrentHashMap<>();

    EngineRateLimits(SchedulingStore scheduling, Clock clock) {
        this.scheduling = scheduling;
        this.clock = clock;
    }

    /** Waits for the limit as the engine's timers wait for its clock; before the workers start. */
    void followClockOf(ClockTimers timers) {
        clockMovesWhileWaiting = timers.clockMovesByItself();
    }

    /**
     * Whether the queue adapter's own limit would count on this engine's clock: not on a clock only a
     * test moves, where the memory queue keeps none (its window counts in real time), so the
     * engine keeps every limit itself.
     */
    boolean adapterLimitsFollowTheClock() {
        return clockMovesWhileWaiting;
    }

    /** Whether the store can keep limits for the cluster; if not, each instance keeps them on its own. */
    boolean storeShares() {
        return scheduling.sharesRateLimits();
    }

    /**
     * Keeps a queue's limit.
     *
     * @param workers how many of the queue's steps this instance runs at a time; a quarter of them (at
     *     least one) may wait long for a group's start at the same time (see {@link #takeLongWaitTurn})
     */
    void limit(String queue, Kept kept, int workers) {
        limits.put(queue, kept);
        longGroupWaits.put(queue, new Semaphore(Math.max(1, workers / 4)));
    }

    /**
     * Takes one of the queue's turns to wait long (as under a limit of the whole queue) for a group's
     * start, if one is free. A step that comes back at the time booked for it after a requeue does
     * better waiting a moment in its worker than going round the queue again, but every worker that
     * waits keeps the steps of the other groups from starting: when several groups are busy, their
     * returns alone would hold all of them. So only a quarter of the workers wait long at a time; the
     * steps of the others are queued again. Give the turn back with {@link #endLongWaitTurn}.
     */
    boolean takeLongWaitTurn(String queue) {
        Semaphore turns = longGroupWaits.get(queue);
        return turns != null && turns.tryAcquire();
    }

    /** Gives back a turn {@link #takeLongWaitTurn} gave. */
    void endLongWaitTurn(String queue) {
        longGroupWaits.get(queue).release();
    }

    /** The limit the engine keeps for a queue, if it keeps one. */
    Optional<Kept> of(String queue) {
        return Optional.ofNullable(limits.get(queue));
    }

    /**
     * Whose starts a step's start counts with: its queue's, or those of its group, by the value of
     * the group key in the step's data ({@code data} finds a top-level field there). Steps whose data
     * has no value under the key (or null) form one group.
     */
    RateLimitGroup groupOf(String queue, java.util.function.Function<String, Optional<JsonValue>> data) {
        Kept kept = limits.get(queue);
        if (kept == null || kept.groupKey().isEmpty()) {
            return RateLimitGroup.wholeQueue(queue);
        }
        String value = data.apply(kept.groupKey().get()).map(EngineRateLimits::canonical).orElse("null");
        return new RateLimitGroup(queue, value.length() <= RateLimitGroup.LONGEST_GROUP ? value : digest(value));
    }

    /**
     * Waits, up to {@code longest} at a time and twice that in all, until the start of this job's
     * attempt is recorded; at once if the engine keeps no limit for the job's queue, and not at all on a
     * clock only a test moves (see {@link #clockMovesWhileWaiting}). A queue paused
     * while the worker waits ends the wait: the step is then queued again, to start once resumed.
     *
     * @return empty once the start is recorded; otherwise how long until the limit expects to allow
     *     it, longer than the worker should wait (or the queue was paused), and nothing was recorded
     * @throws InterruptedException if the engine stops while the worker waits; nothing was recorded
     */
    Optional<Duration> awaitStart(JobExecution job, RateLimitGroup group, Duration longest, BooleanSupplier paused)
            throws InterruptedException {
        Kept kept = limits.get(job.queue());
        if (kept == null) {
            return Optional.empty();
        }
        long waited = 0;
        try {
            while (true) {
                if (waited > 0 && paused.getAsBoolean()) {
                    return Optional.of(untilAllows(group, clock.instant()));
                }
                Duration untilAllowed = kept.cluster() ? scheduling.takeRateLimitedStart(group, kept.limit(), clock)
                        : ownStarts.take(group, kept.limit(), clock);
                Instant now = clock.instant();
                if (untilAllowed.isZero()) {
                    return Optional.empty();
                }
                long sleep = untilAllowed.toNanos() + ThreadLocalRandom.current().nextLong(JITTER_NANOS);
                // Each wait at most longest, all of them at most twice that: a start other instances took
                // first is often followed by one soon after.
                if (!clockMovesWhileWaiting || untilAllowed.compareTo(longest) > 0
                        || waited + sleep > 2 * longest.toNanos()) {
                    return Optional.of(untilAllowed);
                }
                waitingJobs.put(job.jobId(), now.plus(untilAllowed));
                TimeUnit.NANOSECONDS.sleep(sleep);
                waited += sleep;
            }
        } finally {
            waitingJobs.remove(job.jobId());
        }
    }

    /**
     * When a step refused a start should be queued again for: when the limit expects to allow one,
     * or one start's share of the span after the latest time booked for the group, on any instance
     * sharing the limit (see {@code SchedulingStore#bookRateLimitedReturn}). A burst of one group
     * thus comes back spread at the limit's rate instead of all at once, each to be refused again
     * but one.
     */
    Instant requeueAt(RateLimitGroup group, RateLimit limit, Instant allowedAt) {
        Kept kept = limits.get(group.queue());
        return kept != null && kept.cluster() ? scheduling.bookRateLimitedReturn(group, limit, allowedAt)
                : ownStarts.book(group, limit, allowedAt);
    }

    /** Until when a worker of this instance expects to wait for the limit before it starts the job, if one does. */
    Optional<Instant> waitingUntil(String jobId) {
        return Optional.ofNullable(waitingJobs.get(jobId));
    }

    /** How long from {@code now} until the next attempt of a group may start: zero if now, or without a limit. */
    Duration untilAllows(RateLimitGroup group, Instant now) {
        Kept kept = limits.get(group.queue());
        if (kept == null) {
            return Duration.ZERO;
        }
        return kept.cluster() ? scheduling.untilRateLimitAllows(group, kept.limit(), now)
                : ownStarts.untilAllows(group, kept.limit(), now);
    }

    /**
     * The groups of a queue with the most starts within the limit's span up to {@code now}, most
     * first, at most {@code most}; none if the engine keeps no limit for the queue.
     */
    List<RateLimitGroupStarts> busiestGroups(String queue, Instant now, int most) {
        Kept kept = limits.get(queue);
        if (kept == null) {
            return List.of();
        }
        Instant since = now.minus(kept.limit().per());
        return kept.cluster() ? scheduling.busiestRateLimitGroups(queue, since, most)
                : ownStarts.busiest(queue, since, most);
    }

    /**
     * Forgets the groups that started nothing for longer than any limit's span, here and, if a limit
     * is kept for the cluster, in the store; returns how many groups the store forgot.
     */
    int forgetIdleGroups(Instant now) {
        Instant before = now.minus(RateLimit.LONGEST_SPAN);
        ownStarts.forgetIdle(before);
        boolean anyShared = limits.values().stream().anyMatch(Kept::cluster);
        return anyShared ? scheduling.forgetIdleRateLimitGroups(before) : 0;
    }

    /** The text a group value counts under: equal JSON values alike (numbers by value: 2 is 2.0). */
    private static String canonical(JsonValue value) {
        if (value instanceof JsonNumber number) {
            return new BigDecimal(number.toString()).stripTrailingZeros().toString();
        }
        return value.toString();
    }

    /** {@code sha256:} and the digest of the text, 50 characters: for values too long to keep as they are. */
    static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return DIGEST_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

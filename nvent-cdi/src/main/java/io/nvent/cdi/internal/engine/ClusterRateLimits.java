package io.nvent.cdi.internal.engine;

import io.nvent.spi.JobExecution;
import io.nvent.spi.RateLimit;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The rate limits that hold for every instance sharing the scheduling store: before a step's attempt
 * starts, its start is recorded in the store, or the worker waits until the store records one.
 *
 * <p>A worker waits for a start only briefly; when the limit allows none for longer, the engine
 * queues the step again for when it expects one (see {@code FlowEngine#requeueUnderRateLimit}). The
 * queue adapter keeps the same limit per instance as well: it hands an instance no more jobs in a
 * span than the whole cluster may start, so that few wait in a worker for the store's word.
 */
final class ClusterRateLimits {

    /** Spreads the workers that wait for the same freed start, on all instances, over a few ms. */
    private static final long JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final SchedulingStore scheduling;
    private final Clock clock;
    private final Map<String, RateLimit> limits = new ConcurrentHashMap<>();
    /** The jobs whose workers on this instance wait for the limit, and until when they expect to. */
    private final Map<String, Instant> waitingJobs = new ConcurrentHashMap<>();

    ClusterRateLimits(SchedulingStore scheduling, Clock clock) {
        this.scheduling = scheduling;
        this.clock = clock;
    }

    /** Whether the store can keep limits for the cluster; if not, each instance keeps them on its own. */
    boolean available() {
        return scheduling.sharesRateLimits();
    }

    void limit(String queue, RateLimit limit) {
        limits.put(queue, limit);
    }

    /** The limit a queue shares with every instance, if it has one. */
    Optional<RateLimit> of(String queue) {
        return Optional.ofNullable(limits.get(queue));
    }

    /**
     * Waits, up to {@code longest} at a time and twice that in all, until the store records the start of this job's attempt; at
     * once if the job's queue has no limit for the cluster.
     *
     * @return empty once the start is recorded; otherwise how long until the limit expects to allow
     *     it, longer than the worker should wait, and nothing was recorded
     * @throws InterruptedException if the engine stops while the worker waits; nothing was recorded
     */
    Optional<Duration> awaitStart(JobExecution job, Duration longest) throws InterruptedException {
        RateLimit limit = limits.get(job.queue());
        if (limit == null) {
            return Optional.empty();
        }
        long waited = 0;
        try {
            while (true) {
                Duration untilAllowed = scheduling.takeRateLimitedStart(job.queue(), limit, clock);
                Instant now = clock.instant();
                if (untilAllowed.isZero()) {
                    return Optional.empty();
                }
                long sleep = untilAllowed.toNanos() + ThreadLocalRandom.current().nextLong(JITTER_NANOS);
                // Each wait at most longest, all of them at most twice that: a start other instances took
                // first is often followed by one soon after.
                if (untilAllowed.compareTo(longest) > 0 || waited + sleep > 2 * longest.toNanos()) {
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

    /** Until when a worker of this instance expects to wait for the limit before it starts the job, if one does. */
    Optional<Instant> waitingUntil(String jobId) {
        return Optional.ofNullable(waitingJobs.get(jobId));
    }

    /** How long from {@code now} until the cluster may start the next attempt of a queue: zero if now, or without a limit. */
    Duration untilAllows(String queue, Instant now) {
        RateLimit limit = limits.get(queue);
        return limit == null ? Duration.ZERO : scheduling.untilRateLimitAllows(queue, limit, now);
    }
}

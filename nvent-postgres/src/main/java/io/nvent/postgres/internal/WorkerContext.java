package io.nvent.postgres.internal;

import io.nvent.spi.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * What the workers of every queue share.
 *
 * @param dataSource connections
 * @param store the queue's statements
 * @param clock time of claims, leases and attempt records
 * @param threads makes pump and worker threads
 * @param timer light timers only: timeouts and wake-ups; never blocks on the database
 * @param maintenance runs database work off the timer (recording timed-out attempts)
 * @param instanceId this instance, as recorded in leases
 * @param leaseDuration lease given by each claim
 * @param pollInterval fallback poll
 * @param asyncCommit whether claims and completions commit without waiting for the WAL flush
 * @param prefetch jobs claimed beyond the free worker slots; empty for as many as the concurrency
 * @param maxErrorLength characters of an error kept
 * @param wakeOthers notifies every instance that a queue has a job (not a new one) due at an
 *     epoch-millisecond time
 * @param enqueue enqueues a job without waiting for it to be durable (a continuation that cannot
 *     run in its slot after all)
 */
public record WorkerContext(DataSource dataSource, JobStore store, Clock clock, ThreadFactory threads,
                            ScheduledExecutorService timer, Executor maintenance, String instanceId,
                            Duration leaseDuration, Duration pollInterval, boolean asyncCommit, OptionalInt prefetch,
                            int maxErrorLength, BiConsumer<String, Long> wakeOthers,
                            Consumer<JobRequest> enqueue) {

    /** Jobs a queue with this concurrency claims beyond its free worker slots. */
    int prefetch(int concurrency) {
        return prefetch.orElse(concurrency);
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * A memory queue that finds an attempt's timeout as the JMS queue does: once the attempt returned, and reports it
 * then ({@link JobHandler#onAttemptFailed} with a {@link TimeoutException}), never while the attempt runs. It
 * interrupts nothing (the steps of the tests that use it ignore interrupts). It keeps the engine's handler, so that a
 * test can deliver an attempt a second time, as the JMS queue may.
 */
final class TimeoutOnReturnQueue extends MemoryJobQueue {
    /** Longer than any test: the memory queue's own check never fails an attempt. */
    private static final Duration NEVER = Duration.ofHours(1);

    /** The timeout of each job, as the engine asked for it. */
    private final Map<String, Duration> timeouts = new ConcurrentHashMap<>();
    volatile JobHandler handler;

    TimeoutOnReturnQueue() {
        super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
    }

    @Override
    public void enqueue(JobRequest request) {
        super.enqueue(timedOnReturn(request));
    }

    @Override
    public boolean continueWith(JobRequest next) {
        return super.continueWith(timedOnReturn(next));
    }

    private JobRequest timedOnReturn(JobRequest request) {
        timeouts.put(request.jobId(), request.timeout());
        return request.withTimeout(NEVER);
    }

    @Override
    public void registerWorker(String queue, int concurrency, JobHandler engine) {
        this.handler = engine;
        super.registerWorker(queue, concurrency, new JobHandler() {
            @Override
            public void handle(JobExecution job) throws Exception {
                long began = System.nanoTime();
                Exception failure = null;
                try {
                    engine.handle(job);
                } catch (Exception e) {
                    failure = e;
                }
                Duration timeout = timeouts.getOrDefault(job.jobId(), NEVER);
                if (System.nanoTime() - began > timeout.toNanos()) {
                    TimeoutException timedOut = new TimeoutException("job " + job.jobId() + " attempt "
                            + job.attempt() + " exceeded its timeout of " + timeout.toMillis() + " ms");
                    if (failure != null) {
                        timedOut.initCause(failure);
                    }
                    throw timedOut;
                }
                if (failure != null) {
                    throw failure;
                }
            }

            @Override
            public void prepare(List<JobExecution> claimed) {
                engine.prepare(claimed);
            }

            @Override
            public boolean isRetryable(JobExecution job, Throwable error) {
                return engine.isRetryable(job, error);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                engine.onAttemptFailed(job, error, nextAttemptAt);
            }
        });
    }
}

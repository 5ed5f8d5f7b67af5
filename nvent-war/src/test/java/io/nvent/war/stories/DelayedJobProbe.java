package io.nvent.war.stories;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Enqueues delayed jobs on the configured queue adapter and records when they start. */
@ApplicationScoped
public class DelayedJobProbe {

    private static final String QUEUE = "story-delayed";

    @Inject
    JobQueue queue;

    private final Map<String, Long> due = new ConcurrentHashMap<>();
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private volatile boolean registered;

    public synchronized void enqueue(String jobId, Duration delay) {
        if (!registered) {
            queue.registerWorker(QUEUE, 2, new JobHandler() {
                @Override
                public void handle(JobExecution job) {
                    started.put(job.jobId(), System.currentTimeMillis());
                }

                @Override
                public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> next) {
                    // the probe's jobs do not fail
                }
            });
            registered = true;
        }
        due.put(jobId, System.currentTimeMillis() + delay.toMillis());
        queue.enqueue(JobRequest.of(QUEUE, jobId, "probe", "{}").withDelay(delay));
    }

    /** Milliseconds between due time and start (negative: early), if it started. */
    public Optional<Long> lateness(String jobId) {
        return Optional.ofNullable(started.get(jobId)).map(start -> start - due.get(jobId));
    }
}

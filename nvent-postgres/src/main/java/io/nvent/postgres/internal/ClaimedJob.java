package io.nvent.postgres.internal;

import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobRequest;
import java.time.Duration;

/**
 * A job this instance claimed: what the handler gets, plus what the queue needs to end the attempt.
 *
 * @param id row id
 * @param fence claim number; completions and failures apply only while it is current
 * @param priority job priority (claims come back unordered; dispatch restores the order)
 * @param execution the attempt as the handler sees it
 * @param retry the job's retry policy
 * @param timeout how long the attempt may take
 */
public record ClaimedJob(long id, int fence, int priority, JobExecution execution, RetryPolicy retry,
                         Duration timeout) {

    /** A job taken as a continuation: its first attempt, with no row (id 0) until it ends. */
    static ClaimedJob continuing(JobRequest request) {
        JobExecution execution = new JobExecution(request.queue(), request.jobId(), request.name(), request.payload(),
                1, request.retry().maxAttempts(), false);
        return new ClaimedJob(0, 0, request.priority(), execution, request.retry(), request.timeout());
    }

    /** Whether the job has a row: claimed jobs do, continuations get theirs when they end. */
    boolean isStored() {
        return id != 0;
    }

    /** This attempt's lease. */
    public Lease lease() {
        return new Lease(id, fence);
    }
}

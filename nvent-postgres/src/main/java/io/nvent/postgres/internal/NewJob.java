package io.nvent.postgres.internal;

import io.nvent.spi.JobRequest;

/**
 * A job about to be inserted, with its times fixed when {@code enqueue} was called.
 *
 * @param request what was enqueued
 * @param createdMicros enqueue time, epoch microseconds
 * @param availableMicros due time, epoch microseconds
 */
public record NewJob(JobRequest request, long createdMicros, long availableMicros) {

    /** Due time in epoch milliseconds, as carried by wake-up notifications. */
    public long availableMillis() {
        return Math.floorDiv(availableMicros, 1000);
    }
}

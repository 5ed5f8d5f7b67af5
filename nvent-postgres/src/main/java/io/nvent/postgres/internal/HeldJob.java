package io.nvent.postgres.internal;

/**
 * A job claimed ahead of its due time: its worker holds it and starts it when it is due.
 *
 * @param job the claimed job
 * @param dueMicros when it is due, epoch microseconds; it must not start before
 */
public record HeldJob(ClaimedJob job, long dueMicros) {
}

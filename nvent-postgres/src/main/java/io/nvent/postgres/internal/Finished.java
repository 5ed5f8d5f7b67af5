package io.nvent.postgres.internal;

/**
 * An attempt that completed and waits to be recorded by the next batched update.
 *
 * @param lease the attempt's claim
 * @param endedMicros end of the attempt, epoch microseconds
 */
public record Finished(Lease lease, long endedMicros) {
}

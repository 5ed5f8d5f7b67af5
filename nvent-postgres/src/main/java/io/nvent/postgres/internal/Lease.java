package io.nvent.postgres.internal;

/**
 * One claim of a job by this instance.
 *
 * @param id row id
 * @param fence claim number at the time of the claim
 */
public record Lease(long id, int fence) {
}

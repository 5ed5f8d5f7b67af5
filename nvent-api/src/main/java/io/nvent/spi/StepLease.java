package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Proof that an instance executes a step; it renews the lease while the step runs.
 *
 * @param runId run
 * @param step step
 * @param owner instance id
 * @param expiresAt end of the lease unless renewed
 * @since 0.1
 */
public record StepLease(String runId, String step, String owner, Instant expiresAt) {

    /**
     * Checks that every component is given.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @throws NullPointerException if a component is {@code null}
     */
    public StepLease {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}

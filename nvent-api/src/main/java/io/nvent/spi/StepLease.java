package io.nvent.spi;

import io.nvent.StaleExecutionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Proof that an instance executes a step; it renews the lease while the step runs.
 *
 * <p>A lease knows when its owner last took or renewed it, where the store keeps that (since 0.2):
 * from it and the end, the engine tells how long the owner's leases last ({@link #duration()}) and
 * how long this one has gone unrenewed, whatever lease duration the reader itself is configured
 * with. A lease written without that time (by an earlier version, or through a method that does not
 * pass it) has none.
 *
 * @param runId run
 * @param step step
 * @param owner instance id
 * @param expiresAt end of the lease unless renewed
 * @param renewedAt when its owner last took or renewed it; empty where that is not known (since 0.2)
 * @since 0.1
 */
public record StepLease(String runId, String step, String owner, Instant expiresAt, Optional<Instant> renewedAt) {

    /**
     * Checks that every component is given and that the lease was not renewed after its end.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @param renewedAt when its owner last took or renewed it; empty where that is not known
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}
     * @since 0.2, the constructor with {@code renewedAt}; {@link #StepLease(String, String, String, Instant) the
     *     one without} since 0.1
     */
    public StepLease {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(renewedAt, "renewedAt");
        if (renewedAt.filter(expiresAt::isBefore).isPresent()) {
            throw new IllegalArgumentException("the lease of step '" + step + "' in run '" + runId + "' ends at "
                    + expiresAt + ", before it was renewed at " + renewedAt.get());
        }
    }

    /**
     * A lease without the time it was last taken or renewed.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @throws NullPointerException if a component is {@code null}
     */
    public StepLease(String runId, String step, String owner, Instant expiresAt) {
        this(runId, step, owner, expiresAt, Optional.empty());
    }

    /**
     * A lease taken or renewed at {@code renewedAt} until {@code expiresAt}.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param renewedAt when its owner takes or renews it
     * @param expiresAt end of the lease unless renewed
     * @return the lease
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}
     * @since 0.2
     */
    public static StepLease renewed(String runId, String step, String owner, Instant renewedAt, Instant expiresAt) {
        return new StepLease(runId, step, owner, expiresAt, Optional.of(renewedAt));
    }

    /**
     * How long each taking or renewal of this lease lasts, from its last renewal to its end: the lease
     * duration its owner was configured with.
     *
     * @return the span from {@link #renewedAt()} to {@link #expiresAt()}; empty where the renewal time is
     *     not known
     * @since 0.2
     */
    public Optional<Duration> duration() {
        return renewedAt.map(at -> Duration.between(at, expiresAt));
    }

    /**
     * The exception a write conditioned on this lease throws once its owner no longer holds it (see
     * {@link SchedulingStore#finishStepHolding}): another owner took it over, or it was given up.
     *
     * @return a {@link StaleExecutionException} naming the run, the step and the owner
     * @since 0.2
     */
    public StaleExecutionException notHeld() {
        return new StaleExecutionException(runId, step, "its lease is no longer held by " + owner);
    }
}

package io.nvent.jpa;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which finished runs (completed, failed or canceled) {@link JpaFlowStore#purgeFinishedRuns} deletes,
 * with their history and state. Active and stalled runs are never deleted. Both limits may be
 * combined; a run goes when it breaks either.
 *
 * @param maxAge delete finished runs that ended longer ago than this
 * @param maxFinishedRunsPerFlow keep only this many most recently ended finished runs per flow
 * @since 0.1
 */
public record RetentionPolicy(Optional<Duration> maxAge, OptionalInt maxFinishedRunsPerFlow) {

    private static final RetentionPolicy OFF = new RetentionPolicy(Optional.empty(), OptionalInt.empty());

    public RetentionPolicy {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(maxFinishedRunsPerFlow, "maxFinishedRunsPerFlow");
        maxAge.ifPresent(age -> {
            if (age.isNegative() || age.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive, was " + age);
            }
        });
        if (maxFinishedRunsPerFlow.isPresent() && maxFinishedRunsPerFlow.getAsInt() < 0) {
            throw new IllegalArgumentException(
                    "maxFinishedRunsPerFlow must be >= 0, was " + maxFinishedRunsPerFlow.getAsInt());
        }
    }

    /** Keep everything (the default). */
    public static RetentionPolicy off() {
        return OFF;
    }

    /** Delete finished runs that ended more than {@code age} ago. */
    public static RetentionPolicy maxAge(Duration age) {
        return new RetentionPolicy(Optional.of(age), OptionalInt.empty());
    }

    /** Keep at most {@code count} finished runs per flow. */
    public static RetentionPolicy maxFinishedRunsPerFlow(int count) {
        return new RetentionPolicy(Optional.empty(), OptionalInt.of(count));
    }

    /** This policy with a count limit added. */
    public RetentionPolicy andMaxFinishedRunsPerFlow(int count) {
        return new RetentionPolicy(maxAge, OptionalInt.of(count));
    }

    /** This policy with an age limit added. */
    public RetentionPolicy andMaxAge(Duration age) {
        return new RetentionPolicy(Optional.of(age), maxFinishedRunsPerFlow);
    }

    /** Whether this policy deletes anything at all. */
    public boolean isOff() {
        return maxAge.isEmpty() && maxFinishedRunsPerFlow.isEmpty();
    }
}

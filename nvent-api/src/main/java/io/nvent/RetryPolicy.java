package io.nvent;

import java.time.Duration;
import java.util.Objects;

/**
 * How often, and how far apart, a failing job is attempted. Immutable; built with
 * {@link #newBuilder()}, whose {@code build()} validates the values (the setters take them as
 * given).
 *
 * @param maxAttempts total attempts, the first included (&ge; 1)
 * @param backoff how the delay grows
 * @param initialDelay delay before the second attempt
 * @param maxDelay cap on the delay
 * @since 0.1
 */
public record RetryPolicy(int maxAttempts, BackoffType backoff, Duration initialDelay, Duration maxDelay) {

    /** One attempt, no retry. */
    public static final RetryPolicy NO_RETRY = newBuilder().maxAttempts(1).build();

    /**
     * Checks the values.
     *
     * @param maxAttempts total attempts, the first included (&ge; 1)
     * @param backoff how the delay grows
     * @param initialDelay delay before the second attempt
     * @param maxDelay cap on the delay
     * @throws NullPointerException if {@code backoff}, {@code initialDelay} or {@code maxDelay} is
     *     {@code null}
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1, {@code initialDelay} is
     *     negative, {@code maxDelay} is shorter than {@code initialDelay}, or longer than
     *     {@link StartOptions#LONGEST_DELAY} ({@code NVENT-0251})
     */
    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative, was " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " is shorter than initialDelay " + initialDelay);
        }
        StartOptions.requireAtMostLongestDelay("a retry's maxDelay", maxDelay);
    }

    /**
     * Delay before the given attempt.
     *
     * @param nextAttempt the attempt about to be scheduled (2 for the first retry)
     * @return zero for the first attempt; otherwise {@code initialDelay} for {@link BackoffType#FIXED},
     *     or {@code initialDelay} doubled for each earlier retry for {@link BackoffType#EXPONENTIAL},
     *     never more than {@code maxDelay}. Whole milliseconds for exponential backoff
     */
    public Duration delayBefore(int nextAttempt) {
        if (nextAttempt <= 1) {
            return Duration.ZERO;
        }
        if (backoff == BackoffType.FIXED) {
            return initialDelay;
        }
        int doublings = Math.min(nextAttempt - 2, 40);
        long millis = initialDelay.toMillis();
        long grown = doublings >= 62 || millis > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : millis << doublings;
        return grown > maxDelay.toMillis() ? maxDelay : Duration.ofMillis(grown);
    }

    /**
     * A builder with the defaults: 1 attempt, exponential backoff from 1 s, capped at 5 min.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * A builder initialised from this policy.
     *
     * @return a builder holding every value of this policy
     */
    public Builder toBuilder() {
        return new Builder().maxAttempts(maxAttempts).backoff(backoff).initialDelay(initialDelay).maxDelay(maxDelay);
    }

    /** Builder of {@link RetryPolicy}. */
    public static final class Builder {
        private int maxAttempts = 1;
        private BackoffType backoff = BackoffType.EXPONENTIAL;
        private Duration initialDelay = Duration.ofSeconds(1);
        private Duration maxDelay = Duration.ofMinutes(5);

        private Builder() {
        }

        /**
         * Total attempts, the first included; 1 (no retry) unless set.
         *
         * @param value at least 1, checked by {@link #build()}
         * @return this builder
         */
        public Builder maxAttempts(int value) {
            this.maxAttempts = value;
            return this;
        }

        /**
         * How the delay between attempts grows; exponential unless set.
         *
         * @param value the backoff type
         * @return this builder
         */
        public Builder backoff(BackoffType value) {
            this.backoff = value;
            return this;
        }

        /**
         * The delay before the second attempt; 1 s unless set.
         *
         * @param value not negative, checked by {@link #build()}
         * @return this builder
         */
        public Builder initialDelay(Duration value) {
            this.initialDelay = value;
            return this;
        }

        /**
         * The cap on the delay; 5 min unless set. A cap shorter than the initial delay is raised to it.
         *
         * @param value the cap
         * @return this builder
         */
        public Builder maxDelay(Duration value) {
            this.maxDelay = value;
            return this;
        }

        /**
         * Builds the policy; throws {@link IllegalArgumentException} for invalid values.
         *
         * @return the policy
         */
        public RetryPolicy build() {
            Duration cap = maxDelay.compareTo(initialDelay) < 0 ? initialDelay : maxDelay;
            return new RetryPolicy(maxAttempts, backoff, initialDelay, cap);
        }
    }
}

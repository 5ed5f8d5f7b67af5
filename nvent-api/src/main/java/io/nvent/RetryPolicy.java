package io.nvent;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often, and how far apart, a failing job is attempted. Immutable; built with
 * {@link #newBuilder()}, whose {@code build()} validates the values (the setters take them as
 * given).
 *
 * <p>The delays follow the {@code backoff} from {@code initialDelay} up to {@code maxDelay}, or a
 * schedule given as a list of {@code delays} ({@link Builder#delays}): the first before attempt 2,
 * the second before attempt 3, the last before every later one. With a list, {@code initialDelay}
 * and {@code maxDelay} are its first and longest delay, and {@code backoff} is
 * {@link BackoffType#EXPONENTIAL}: what a reader that knows only those (an earlier release) shows
 * and retries with. A {@code jitter} spreads every delay at random by up to that fraction either way
 * ({@link #delayBefore(int, RandomGenerator)}), so that jobs failing together do not retry together.
 *
 * @param maxAttempts total attempts, the first included (&ge; 1)
 * @param backoff how the delay grows
 * @param initialDelay delay before the second attempt
 * @param maxDelay cap on the delay
 * @param delays the delays before attempt 2, 3, ... (the last one before every later attempt); empty
 *     when the delays follow {@code backoff} (since 0.2)
 * @param jitter the fraction (0 to 1) by which a delay is spread at random either way; 0 for none
 *     (since 0.2)
 * @since 0.1
 */
public record RetryPolicy(int maxAttempts, BackoffType backoff, Duration initialDelay, Duration maxDelay,
                          List<Duration> delays, double jitter) {

    /** One attempt, no retry. */
    public static final RetryPolicy NO_RETRY = newBuilder().maxAttempts(1).build();

    /**
     * Checks the values.
     *
     * @param maxAttempts total attempts, the first included (&ge; 1)
     * @param backoff how the delay grows
     * @param initialDelay delay before the second attempt
     * @param maxDelay cap on the delay
     * @param delays the delays before attempt 2, 3, ..., or empty
     * @param jitter the fraction by which a delay is spread at random either way, 0 to 1
     * @throws NullPointerException if {@code backoff}, {@code initialDelay}, {@code maxDelay},
     *     {@code delays} or one of them is {@code null}
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1, {@code initialDelay} is
     *     negative, {@code maxDelay} is shorter than {@code initialDelay}, or longer than
     *     {@link StartOptions#LONGEST_DELAY} ({@code NVENT-0251}); if one of the {@code delays} is
     *     negative or longer than that, or {@code initialDelay} and {@code maxDelay} are not the first and
     *     longest of them, or {@code backoff} is not exponential with them; if {@code jitter} is not
     *     between 0 and 1 ({@code NVENT-0263})
     * @since 0.2
     */
    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        delays = List.copyOf(Objects.requireNonNull(delays, "delays"));
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
        checkDelays(delays);
        if (!delays.isEmpty() && (backoff != BackoffType.EXPONENTIAL || !initialDelay.equals(delays.get(0))
                || !maxDelay.equals(longest(delays)))) {
            throw new IllegalArgumentException("NVENT-0263 a retry policy with delays " + delays + " has backoff "
                    + "EXPONENTIAL, initialDelay " + delays.get(0) + " and maxDelay " + longest(delays) + ", not "
                    + backoff + ", " + initialDelay + " and " + maxDelay + "; build it with RetryPolicy.newBuilder()"
                    + ".delays(...), which sets them");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("NVENT-0263 a retry's jitter is the fraction by which a delay is spread"
                    + " either way, from 0 (none) to 1 (between none and twice the delay), was " + jitter);
        }
    }

    /**
     * A policy whose delays follow {@code backoff}, without jitter: the policy of release 0.1.
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
    public RetryPolicy(int maxAttempts, BackoffType backoff, Duration initialDelay, Duration maxDelay) {
        this(maxAttempts, backoff, initialDelay, maxDelay, List.of(), 0);
    }

    private static void checkDelays(List<Duration> delays) {
        for (int i = 0; i < delays.size(); i++) {
            Duration delay = delays.get(i);
            if (delay.isNegative()) {
                throw new IllegalArgumentException("NVENT-0263 a retry's delays must not be negative, the delay before "
                        + "attempt " + (i + 2) + " was " + delay + " (of " + delays + ")");
            }
            StartOptions.requireAtMostLongestDelay("a retry's delay before attempt " + (i + 2), delay);
        }
    }

    private static Duration longest(List<Duration> delays) {
        return delays.stream().max(Duration::compareTo).orElseThrow();
    }

    /**
     * Delay before the given attempt, without jitter.
     *
     * @param nextAttempt the attempt about to be scheduled (2 for the first retry)
     * @return zero for the first attempt; with {@code delays}, the one before that attempt, or the last one
     *     for an attempt beyond the list; otherwise {@code initialDelay} for {@link BackoffType#FIXED},
     *     or {@code initialDelay} doubled for each earlier retry for {@link BackoffType#EXPONENTIAL},
     *     never more than {@code maxDelay}. Whole milliseconds for exponential backoff
     */
    public Duration delayBefore(int nextAttempt) {
        if (nextAttempt <= 1) {
            return Duration.ZERO;
        }
        if (!delays.isEmpty()) {
            return delays.get(Math.min(nextAttempt - 2, delays.size() - 1));
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
     * Delay before the given attempt, spread by the jitter: {@link #delayBefore(int)} times a factor drawn
     * evenly between {@code 1 - jitter} and {@code 1 + jitter}, in whole milliseconds (so it may exceed
     * {@code maxDelay} by up to the jitter, never {@link StartOptions#LONGEST_DELAY}). Without jitter,
     * {@link #delayBefore(int)} exactly, and {@code random} is not used.
     *
     * @param nextAttempt the attempt about to be scheduled (2 for the first retry)
     * @param random where the spread comes from: a queue's own (a seeded one in tests)
     * @return the delay, zero for the first attempt
     * @since 0.2
     */
    public Duration delayBefore(int nextAttempt, RandomGenerator random) {
        Duration delay = delayBefore(nextAttempt);
        if (jitter == 0 || delay.isZero()) {
            return delay;
        }
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        long millis = Math.round(delay.toMillis() * factor);
        return Duration.ofMillis(Math.min(Math.max(0, millis), StartOptions.LONGEST_DELAY.toMillis()));
    }

    /**
     * A builder with the defaults: 1 attempt, exponential backoff from 1 s, capped at 5 min, no jitter.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * A builder initialised from this policy, to change some of its values. The values it holds count as
     * given but may be changed without conflict: a list of delays taken from this policy is cut by a
     * {@link Builder#maxAttempts} below it (to no list at {@code 1}, no retry) and dropped by
     * {@link Builder#backoff}, {@link Builder#initialDelay} or {@link Builder#maxDelay}, which then change
     * the exponential backoff from its first to its longest delay; {@link Builder#delays} replaces the
     * schedule, list or backoff.
     *
     * @return a builder holding every value of this policy
     */
    public Builder toBuilder() {
        Builder builder = new Builder().maxAttempts(maxAttempts).jitter(jitter);
        builder.backoff = backoff;
        builder.initialDelay = initialDelay;
        builder.maxDelay = maxDelay;
        if (!delays.isEmpty()) {
            builder.delays = delays;
            builder.delaysTaken = true;
        }
        return builder;
    }

    /** Builder of {@link RetryPolicy}. */
    public static final class Builder {
        private int maxAttempts = 1;
        private boolean maxAttemptsSet;
        private BackoffType backoff = BackoffType.EXPONENTIAL;
        private Duration initialDelay = Duration.ofSeconds(1);
        private Duration maxDelay = Duration.ofMinutes(5);
        /** Which of backoff, initialDelay and maxDelay were set: they and {@link #delays} exclude each other. */
        private final StringBuilder backoffSet = new StringBuilder();
        /** {@code null} unless set. */
        private List<Duration> delays;
        /** Whether {@link #delays} are a policy's, taken by {@link RetryPolicy#toBuilder()}: cut or dropped by edits. */
        private boolean delaysTaken;
        private double jitter;

        private Builder() {
        }

        /**
         * Total attempts, the first included; 1 (no retry) unless set, or one more than the
         * {@linkplain #delays delays} given.
         *
         * <p>A list of delays {@linkplain RetryPolicy#toBuilder() taken from a policy} that is longer than the
         * retries left is cut to them (dropped at 1: no retry); a list given to {@link #delays} is not, and
         * {@link #build()} refuses more delays than retries.
         *
         * @param value at least 1, checked by {@link #build()}
         * @return this builder
         */
        public Builder maxAttempts(int value) {
            this.maxAttempts = value;
            this.maxAttemptsSet = true;
            if (delaysTaken && value >= 1 && delays.size() > value - 1) {
                delays = value == 1 ? null : List.copyOf(delays.subList(0, value - 1));
                delaysTaken = delays != null;
            }
            return this;
        }

        /** Notes that a backoff value was set: it drops a list {@linkplain RetryPolicy#toBuilder() taken}. */
        private void backoffSet(String which) {
            if (delaysTaken) {
                delays = null;
                delaysTaken = false;
            }
            backoffSet.append(backoffSet.isEmpty() ? "" : ", ").append(which);
        }

        /**
         * How the delay between attempts grows; exponential unless set. Not with {@link #delays}; drops a list
         * {@linkplain RetryPolicy#toBuilder() taken from a policy} (the backoff then starts at its first delay
         * and stops at its longest).
         *
         * @param value the backoff type
         * @return this builder
         */
        public Builder backoff(BackoffType value) {
            this.backoff = value;
            backoffSet("backoff");
            return this;
        }

        /**
         * The delay before the second attempt; 1 s unless set. Not with {@link #delays}; drops a list
         * {@linkplain RetryPolicy#toBuilder() taken from a policy} (exponential backoff up to its longest delay
         * then).
         *
         * @param value not negative, checked by {@link #build()}
         * @return this builder
         */
        public Builder initialDelay(Duration value) {
            this.initialDelay = value;
            backoffSet("initialDelay");
            return this;
        }

        /**
         * The cap on the delay; 5 min unless set. A cap shorter than the initial delay is raised to it.
         * Not with {@link #delays}; drops a list {@linkplain RetryPolicy#toBuilder() taken from a policy}
         * (exponential backoff from its first delay then).
         *
         * @param value the cap
         * @return this builder
         */
        public Builder maxDelay(Duration value) {
            this.maxDelay = value;
            backoffSet("maxDelay");
            return this;
        }

        /**
         * The retry schedule as a list, instead of a {@linkplain #backoff backoff}: the first delay before
         * attempt 2, the second before attempt 3, the last before every later attempt. Unless
         * {@link #maxAttempts} is set, the policy makes one attempt more than the delays listed, and it
         * may not list more delays than {@code maxAttempts - 1}.
         *
         * @param values at least one, none negative nor longer than {@link StartOptions#LONGEST_DELAY};
         *     checked by {@link #build()}
         * @return this builder
         * @since 0.2
         */
        public Builder delays(Duration... values) {
            this.delays = Arrays.asList(Objects.requireNonNull(values, "delays").clone());
            this.delaysTaken = false;
            return this;
        }

        /**
         * The retry schedule as a list; see {@link #delays(Duration...)}.
         *
         * @param values the delays before attempt 2, 3, ...
         * @return this builder
         * @since 0.2
         */
        public Builder delays(List<Duration> values) {
            return delays(Objects.requireNonNull(values, "delays").toArray(Duration[]::new));
        }

        /**
         * Spreads every delay at random by up to this fraction either way, e.g. {@code 0.2} for
         * &plusmn;20 %: jobs that failed together (a partner down for all of them) then retry apart.
         * None (0) unless set.
         *
         * @param value from 0 to 1, checked by {@link #build()}
         * @return this builder
         * @since 0.2
         */
        public Builder jitter(double value) {
            this.jitter = value;
            return this;
        }

        /**
         * Builds the policy; throws {@link IllegalArgumentException} for invalid values.
         *
         * @return the policy
         */
        public RetryPolicy build() {
            if (delays == null) {
                Duration cap = maxDelay.compareTo(initialDelay) < 0 ? initialDelay : maxDelay;
                return new RetryPolicy(maxAttempts, backoff, initialDelay, cap, List.of(), jitter);
            }
            String prefix = "NVENT-0263 a retry policy with delays " + delays;
            if (delays.isEmpty()) {
                throw new IllegalArgumentException("NVENT-0263 a retry policy's delays list no delay; list at least"
                        + " one, or leave them unset for the backoff");
            }
            if (delays.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException(prefix + " lists a null delay");
            }
            if (!backoffSet.isEmpty()) {
                throw new IllegalArgumentException(prefix + " also sets " + backoffSet + ": the list is the whole"
                        + " schedule; give either the delays or the backoff");
            }
            checkDelays(delays);
            if (maxAttemptsSet && maxAttempts >= 1 && delays.size() > maxAttempts - 1) {
                throw new IllegalArgumentException(prefix + " lists " + delays.size() + " delays, more than the "
                        + (maxAttempts - 1) + " retries of maxAttempts " + maxAttempts + "; drop the delays never"
                        + " waited, or raise maxAttempts (unset, it is one more than the delays listed)");
            }
            return new RetryPolicy(maxAttemptsSet ? maxAttempts : delays.size() + 1, BackoffType.EXPONENTIAL,
                    delays.get(0), longest(delays), delays, jitter);
        }
    }
}

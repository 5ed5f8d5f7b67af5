package io.nvent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link RetryDecider} decided about a failed attempt: retry after a delay, or give up now. Built with
 * {@link #retryAfter(Duration)} or {@link #giveUp(String)}, which validate their values.
 *
 * @param delay the delay before the next attempt; empty to give up
 * @param reason why the decider gives up, recorded in the step's {@code step.failed}; empty when it retries
 * @since 0.2
 */
public record RetryDecision(Optional<Duration> delay, Optional<String> reason) {

    /**
     * The longest delay a decider may choose beyond the step's declared one: a day. The engine takes a
     * decision's delay up to a day, or up to {@link FailedAttempt#declaredDelay()} when that is longer (so
     * keeping the declared delay is always taken, a {@code retryDelaysMs} of days included); a longer one is
     * taken for the decider's mistake (minutes taken for seconds) and the step is retried after its declared
     * delay, as when the decider throws. Wait longer with an await ({@link AwaitBefore}).
     */
    public static final Duration LONGEST_DELAY = Duration.ofDays(1);

    /** The longest reason kept, in characters: it is stored with the step's history. */
    public static final int LONGEST_REASON = 1000;

    /**
     * Checks the values.
     *
     * @param delay the delay before the next attempt; empty to give up
     * @param reason why the decider gives up; empty when it retries
     * @throws NullPointerException if {@code delay} or {@code reason} is {@code null}
     * @throws IllegalArgumentException if both or neither are given, the delay is negative or longer than
     *     {@link StartOptions#LONGEST_DELAY} ({@code NVENT-0295}), or the reason is blank or longer than
     *     {@link #LONGEST_REASON} ({@code NVENT-0296})
     */
    public RetryDecision {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(reason, "reason");
        if (delay.isPresent() == reason.isPresent()) {
            throw new IllegalArgumentException("NVENT-0295 a retry decision either retries after a delay or gives"
                    + " up for a reason, not " + (delay.isPresent() ? "both" : "neither"));
        }
        delay.ifPresent(RetryDecision::checkDelay);
        reason.ifPresent(RetryDecision::checkReason);
    }

    /**
     * Retries the step after {@code delay}.
     *
     * @param delay from zero (at once); the engine takes up to {@link #LONGEST_DELAY}, or up to the step's
     *     declared delay when that is longer
     * @return the decision
     * @throws NullPointerException if {@code delay} is {@code null}
     * @throws IllegalArgumentException if {@code delay} is negative or longer than
     *     {@link StartOptions#LONGEST_DELAY}, the longest any delay may be ({@code NVENT-0295})
     */
    public static RetryDecision retryAfter(Duration delay) {
        return new RetryDecision(Optional.of(Objects.requireNonNull(delay, "delay")), Optional.empty());
    }

    /**
     * Gives up: the step fails now, as when its attempts are used up, and its {@code step.failed} says
     * {@code reason}.
     *
     * @param reason why, not blank, at most {@link #LONGEST_REASON} characters
     * @return the decision
     * @throws NullPointerException if {@code reason} is {@code null}
     * @throws IllegalArgumentException if {@code reason} is blank or too long ({@code NVENT-0296})
     */
    public static RetryDecision giveUp(String reason) {
        return new RetryDecision(Optional.empty(), Optional.of(Objects.requireNonNull(reason, "reason")));
    }

    /**
     * Whether the step is retried.
     *
     * @return {@code true} for {@link #retryAfter}, {@code false} for {@link #giveUp}
     */
    public boolean retries() {
        return delay.isPresent();
    }

    private static void checkDelay(Duration delay) {
        if (delay.isNegative() || delay.compareTo(StartOptions.LONGEST_DELAY) > 0) {
            throw new IllegalArgumentException("NVENT-0295 a retry decision's delay is from zero to 100 years"
                    + " (StartOptions.LONGEST_DELAY), was " + delay);
        }
    }

    private static void checkReason(String reason) {
        if (reason.isBlank() || reason.length() > LONGEST_REASON) {
            throw new IllegalArgumentException("NVENT-0296 a retry decision that gives up says why, in 1 to "
                    + LONGEST_REASON + " characters, was " + (reason.isBlank() ? "blank" : reason.length()
                    + " characters"));
        }
    }
}

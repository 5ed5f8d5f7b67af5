package io.nvent;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A step's await, as declared with {@link AwaitBefore} or {@link AwaitAfter}, defaults applied.
 *
 * @param type what to wait for
 * @param delay for {@link AwaitType#TIME}
 * @param cron for {@link AwaitType#SCHEDULE}
 * @param timezone zone of the cron expression
 * @param event for {@link AwaitType#EVENT}
 * @param filterKey for {@link AwaitType#EVENT}: top-level field an event must match (see {@link AwaitBefore#filterKey()})
 * @param timeout longest wait, if any
 * @param timeoutAction what happens on timeout
 * @param timeoutRetries with {@link TimeoutAction#RETRY}: how many times a timed-out await is
 *                       registered again before its timeout fails the step (&ge; 0)
 * @since 0.1
 */
public record AwaitSpec(AwaitType type, Duration delay, Optional<String> cron, ZoneId timezone,
                        Optional<String> event, Optional<String> filterKey, Optional<Duration> timeout,
                        TimeoutAction timeoutAction, int timeoutRetries) {

    /**
     * Checks that every object component is given and the retries are not negative.
     *
     * @param type what to wait for
     * @param delay for {@link AwaitType#TIME}
     * @param cron for {@link AwaitType#SCHEDULE}
     * @param timezone zone of the cron expression
     * @param event for {@link AwaitType#EVENT}
     * @param filterKey for {@link AwaitType#EVENT}: top-level field an event must match (see
     *     {@link AwaitBefore#filterKey()})
     * @param timeout longest wait, if any
     * @param timeoutAction what happens on timeout
     * @param timeoutRetries with {@link TimeoutAction#RETRY}: how many times a timed-out await is
     *     registered again before its timeout fails the step (&ge; 0)
     * @throws NullPointerException if an object component is {@code null}
     * @throws IllegalArgumentException if {@code timeoutRetries} is negative, or {@code delay} or
     *     {@code timeout} is longer than {@link StartOptions#LONGEST_DELAY} ({@code NVENT-0251})
     */
    public AwaitSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(timezone, "timezone");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(filterKey, "filterKey");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(timeoutAction, "timeoutAction");
        StartOptions.requireAtMostLongestDelay("an await's delay", delay);
        timeout.ifPresent(longest -> StartOptions.requireAtMostLongestDelay("an await's timeout", longest));
        if (timeoutRetries < 0) {
            throw new IllegalArgumentException("timeoutRetries must be >= 0, was " + timeoutRetries);
        }
    }
}

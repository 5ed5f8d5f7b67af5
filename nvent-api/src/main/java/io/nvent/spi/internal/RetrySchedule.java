package io.nvent.spi.internal;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link RetryPolicy} holds beyond its attempts and backoff (release 0.1's fields), as text a
 * queue stores beside them: its list of delays and its jitter, e.g. {@code delays=10000/60000;jitter=0.2}
 * (milliseconds; no comma, so that it fits the comma-separated fields it is kept among), empty for a
 * policy without either. Kept apart from those fields where it can be (a field of its own, which an
 * earlier release skips and then retries with the backoff, initial and longest delay the list
 * implies), or appended to the backoff's name with a {@code ;} ({@link #backoffText}).
 */
public final class RetrySchedule {

    private static final String DELAYS = "delays=";
    private static final String JITTER = "jitter=";

    private RetrySchedule() {
    }

    /**
     * The policy's delays and jitter as text.
     *
     * @param retry the policy
     * @return the text; empty for a policy with neither
     */
    public static String of(RetryPolicy retry) {
        StringBuilder text = new StringBuilder();
        if (!retry.delays().isEmpty()) {
            text.append(DELAYS);
            for (int i = 0; i < retry.delays().size(); i++) {
                text.append(i == 0 ? "" : "/").append(retry.delays().get(i).toMillis());
            }
        }
        if (retry.jitter() != 0) {
            text.append(text.isEmpty() ? "" : ";").append(JITTER).append(retry.jitter());
        }
        return text.toString();
    }

    /**
     * The policy with the delays and jitter the text gives.
     *
     * @param retry the policy as read from the fields of release 0.1
     * @param text as {@link #of} wrote it; {@code null} or empty for none
     * @return the policy
     * @throws IllegalArgumentException if the text is not such
     */
    public static RetryPolicy applied(RetryPolicy retry, String text) {
        if (text == null || text.isEmpty()) {
            return retry;
        }
        List<Duration> delays = List.of();
        double jitter = 0;
        for (String part : text.split(";")) {
            if (part.startsWith(DELAYS)) {
                delays = new ArrayList<>();
                for (String millis : part.substring(DELAYS.length()).split("/")) {
                    delays.add(Duration.ofMillis(Long.parseLong(millis)));
                }
            } else if (part.startsWith(JITTER)) {
                jitter = Double.parseDouble(part.substring(JITTER.length()));
            } else {
                throw new IllegalArgumentException("not a retry schedule: " + text);
            }
        }
        if (delays.isEmpty()) {
            return new RetryPolicy(retry.maxAttempts(), retry.backoff(), retry.initialDelay(), retry.maxDelay(),
                    List.of(), jitter);
        }
        return new RetryPolicy(retry.maxAttempts(), BackoffType.EXPONENTIAL, delays.get(0),
                delays.stream().max(Duration::compareTo).orElseThrow(), delays, jitter);
    }

    /**
     * The backoff's name, followed by {@code ;} and the schedule when there is one: for a store that keeps
     * the policy in release 0.1's columns only.
     *
     * @param retry the policy
     * @return e.g. {@code EXPONENTIAL} or {@code EXPONENTIAL;delays=10000/60000}
     */
    public static String backoffText(RetryPolicy retry) {
        String schedule = of(retry);
        return schedule.isEmpty() ? retry.backoff().name() : retry.backoff().name() + ";" + schedule;
    }

    /**
     * The policy kept as {@link #backoffText} wrote it, beside its other fields.
     *
     * @param maxAttempts total attempts
     * @param backoffText the backoff's name and schedule, or the name alone (as release 0.1 wrote it)
     * @param initialDelay delay before the second attempt
     * @param maxDelay cap on the delay
     * @return the policy
     * @throws IllegalArgumentException if a value is not valid
     */
    public static RetryPolicy read(int maxAttempts, String backoffText, Duration initialDelay, Duration maxDelay) {
        int end = backoffText.indexOf(';');
        RetryPolicy retry = new RetryPolicy(maxAttempts,
                BackoffType.valueOf(end < 0 ? backoffText : backoffText.substring(0, end)), initialDelay, maxDelay);
        return end < 0 ? retry : applied(retry, backoffText.substring(end + 1));
    }
}

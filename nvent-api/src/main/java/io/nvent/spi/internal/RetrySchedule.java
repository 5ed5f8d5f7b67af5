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
 * policy without either. Always kept apart from those fields, in a field of its own (a column, a message
 * property), which an earlier release skips and then retries with the backoff, initial and longest delay
 * the list implies: an earlier release fails on a backoff field that holds more than the backoff's name.
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
        if (isEmpty(retry)) {
            return "";
        }
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
     * Whether the policy has neither delays nor jitter, so that {@link #of} gives empty text: a queue
     * that writes the schedule only where there is one asks this rather than build the text.
     *
     * @param retry the policy
     * @return {@code true} for a policy with neither a list of delays nor jitter
     * @since 0.2
     */
    public static boolean isEmpty(RetryPolicy retry) {
        return retry.delays().isEmpty() && retry.jitter() == 0;
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
}

package io.nvent.postgres.internal;

import java.util.Optional;

/**
 * Payloads of the queue's notification channel. Short text, queue name last so it may contain
 * the separator:
 * <ul>
 *   <li>{@code j|<due epoch ms>|<queue>}: jobs were committed; the earliest is due at that time</li>
 *   <li>{@code p|<1 or 0>|<queue>}: the queue was paused (1) or resumed (0)</li>
 * </ul>
 */
public final class Wakeups {

    private Wakeups() {
    }

    /** A parsed notification. */
    public record Wakeup(char kind, long value, String queue) {
    }

    public static String jobs(String queue, long dueMillis) {
        return "j|" + dueMillis + "|" + queue;
    }

    public static String paused(String queue, boolean paused) {
        return "p|" + (paused ? 1 : 0) + "|" + queue;
    }

    /** The notification, if well-formed. */
    public static Optional<Wakeup> parse(String payload) {
        if (payload == null || payload.length() < 5 || payload.charAt(1) != '|') {
            return Optional.empty();
        }
        int end = payload.indexOf('|', 2);
        if (end < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Wakeup(payload.charAt(0), Long.parseLong(payload.substring(2, end)),
                    payload.substring(end + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}

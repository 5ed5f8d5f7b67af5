package io.nvent.postgres.internal;

import java.util.Optional;

/**
 * Payloads of the queue's notification channel. Short text, queue name last so it may contain
 * the separator:
 * <ul>
 *   <li>{@code j|<due epoch ms>|<priority>|<queue>}: jobs became available (committed, retried,
 *       handed back); the earliest is due at that time; the priority is the highest among new
 *       jobs, or {@value #RESCAN} when jobs that are not new became available again</li>
 *   <li>{@code p|<1 or 0>|<queue>}: the queue was paused (1) or resumed (0)</li>
 * </ul>
 */
public final class Wakeups {

    private Wakeups() {
    }

    /** Priority of a wake-up for jobs that are not new: pumps must look at the whole queue again. */
    public static final int RESCAN = Integer.MAX_VALUE;

    /**
     * A parsed notification.
     *
     * @param kind {@code j} or {@code p}
     * @param value due time ({@code j}) or paused flag ({@code p})
     * @param priority highest priority of the jobs ({@code j})
     * @param queue queue name
     */
    public record Wakeup(char kind, long value, int priority, String queue) {
    }

    public static String jobs(String queue, long dueMillis, int priority) {
        return "j|" + dueMillis + "|" + priority + "|" + queue;
    }

    public static String paused(String queue, boolean paused) {
        return "p|" + (paused ? 1 : 0) + "|" + queue;
    }

    /** The notification, if well-formed. */
    public static Optional<Wakeup> parse(String payload) {
        if (payload == null || payload.length() < 5 || payload.charAt(1) != '|') {
            return Optional.empty();
        }
        char kind = payload.charAt(0);
        String[] parts = payload.split("\\|", kind == 'j' ? 4 : 3);
        try {
            return switch (kind) {
                case 'j' -> parts.length == 4 ? Optional.of(new Wakeup(kind, Long.parseLong(parts[1]),
                        Integer.parseInt(parts[2]), parts[3])) : Optional.empty();
                case 'p' -> parts.length == 3 ? Optional.of(new Wakeup(kind, Long.parseLong(parts[1]), 0, parts[2]))
                        : Optional.empty();
                default -> Optional.empty();
            };
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}

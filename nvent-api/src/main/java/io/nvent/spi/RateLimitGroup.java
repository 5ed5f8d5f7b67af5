package io.nvent.spi;

import java.util.Objects;

/**
 * Whose starts a {@link RateLimit} counts together: all of a queue's, or those of one group of its
 * steps, for a limit kept per group (the reference system's {@code limiter.groupKey}: 10 calls a
 * second per customer rather than for all of them).
 *
 * @param queue the queue's name
 * @param group the group, at most {@value #LONGEST_GROUP} characters; empty for the whole queue
 * @since 0.1
 */
public record RateLimitGroup(String queue, String group) {

    /** The longest {@link #group()}: a store keeps it in a column of that width. */
    public static final int LONGEST_GROUP = 64;

    /**
     * Checks the names.
     *
     * @param queue the queue's name
     * @param group the group, at most {@value #LONGEST_GROUP} characters; empty for the whole queue
     * @throws NullPointerException if {@code queue} or {@code group} is {@code null}
     * @throws IllegalArgumentException if {@code queue} is empty (NVENT-0245) or {@code group} is longer
     *     than {@value #LONGEST_GROUP} characters (NVENT-0246)
     */
    public RateLimitGroup {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(group, "group");
        if (queue.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0245 a rate-limited queue needs a name");
        }
        if (group.length() > LONGEST_GROUP) {
            throw new IllegalArgumentException("NVENT-0246 a rate limit's group must be at most " + LONGEST_GROUP
                    + " characters, was " + group.length() + " (queue " + queue + ")");
        }
    }

    /**
     * The starts of every step of a queue.
     *
     * @param queue the queue's name, not empty
     * @return the group {@code ""} of that queue
     */
    public static RateLimitGroup wholeQueue(String queue) {
        return new RateLimitGroup(queue, "");
    }

    /**
     * Whether this counts the starts of the whole queue, not of one group.
     *
     * @return {@code true} if {@link #group()} is empty
     */
    public boolean isWholeQueue() {
        return group.isEmpty();
    }

    /** For example {@code "partner-api"} or {@code "partner-api (group \"acme\")"}. */
    @Override
    public String toString() {
        return isWholeQueue() ? queue : queue + " (group " + group + ")";
    }
}

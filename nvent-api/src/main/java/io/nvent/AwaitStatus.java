package io.nvent;

/**
 * Lifecycle of one await.
 *
 * @since 0.1
 */
public enum AwaitStatus {
    /** Registered, not yet resolved. */
    WAITING,
    /** Resolved by time, a webhook, an event or an operator. */
    RESOLVED,
    /** Its timeout passed first. */
    TIMED_OUT,
    /** Its run was canceled (or ended) while it waited. */
    CANCELED;

    /**
     * Lower-case name used on the wire.
     *
     * @return for example {@code "timed_out"}
     */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

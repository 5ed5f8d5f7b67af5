package io.nvent;

/**
 * How a trigger fires.
 *
 * @since 0.1
 */
public enum TriggerType {
    /** On the ticks of a cron expression or at a fixed interval, once per tick across all instances. */
    SCHEDULE,
    /** On an HTTP POST to {@code /api/nvent/triggers/{name}/webhook}, optionally HMAC-signed. */
    WEBHOOK,
    /** Only when fired through the API or the UI. */
    MANUAL,
    /**
     * When an event of the given name is published or emitted by any run; with a
     * {@link TriggerSpec#filter() filter}, only when the event's payload contains it.
     */
    EVENT;

    /**
     * Lower-case name used on the wire.
     *
     * @return for example {@code "schedule"}
     */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

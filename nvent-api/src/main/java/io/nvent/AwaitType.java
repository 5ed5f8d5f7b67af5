package io.nvent;

/**
 * What an await waits for.
 *
 * @since 0.1
 */
public enum AwaitType {
    /** A fixed delay ({@code delayMs}). */
    TIME,
    /** The next tick of a cron expression ({@code cron}, {@code timezone}). */
    SCHEDULE,
    /** An HTTP call to the await's unguessable URL; the request body becomes the trigger data. */
    WEBHOOK,
    /** A named event published through {@link FlowService#publishEvent} or emitted by any run. */
    EVENT
}

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
    EVENT,
    /**
     * Its run's turn under its concurrency key ({@link StartOptions#concurrencyKey()}): another run
     * holds the key, and this one waits until the runs ahead of it ended. nvent resolves it when the
     * run gets the key; an operator cannot (cancel the run to take it out of the line).
     *
     * @since 0.2
     */
    CONCURRENCY_KEY
}

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
    CONCURRENCY_KEY,
    /**
     * The run's child runs have all ended: every run started by this run through
     * {@link StepContext#startFlow} so far (by any step) is completed, failed or canceled. Before a step
     * ({@link AwaitBefore}) it lets the step run once the children earlier steps started ended; after a step
     * ({@link AwaitAfter}) it holds the step's emitted events until every child the run started, the step's own
     * included, ended. A run with no child under way when the await registers resolves it at once. nvent
     * resolves it when the last child ends (and the maintenance sweep, within seconds, if the instance on which
     * it ended stopped before it looked); an operator may resolve it by hand, as any await. What resolves it
     * is a JSON object of the counts of the run's children by how they ended, for instance
     * {@code {"children": 1000, "completed": 997, "failed": 2, "canceled": 1}}: the step reads it as
     * {@link StepContext#triggerData()} (before) or {@link StepContext#afterAwaitData} (after). A child a stalled
     * step holds up is still under way. It needs a flow store that counts a run's children
     * ({@link io.nvent.spi.FlowStore#countsChildRuns()}: the memory and the JPA store); with another the deployment
     * fails.
     *
     * @since 0.2
     */
    CHILDREN,
    /**
     * Every run below the run has ended: its children, the children they started, and so on down (JobRunr Pro's
     * nested batches), where {@link #CHILDREN} waits for the children alone and lets the step go on while a child's
     * own children still run. Before and after a step as {@link #CHILDREN}; a run with no descendant under way when
     * the await registers resolves it at once. nvent looks after each descendant's end up its chain of ancestors,
     * which ended, to the first run under way (at most 64 levels up; an end deeper than that is left to the
     * maintenance sweep, within seconds, and logged). What resolves it counts all the descendants,
     * not the children alone, and says so by its first member: {@code {"descendants": 1100, "completed": 1097,
     * "failed": 2, "canceled": 1}}. It needs a flow store that counts a run's descendants
     * ({@link io.nvent.spi.FlowStore#countsDescendantRuns()}: the memory and the JPA store); with another the
     * deployment fails.
     *
     * @since 0.2
     */
    DESCENDANTS
}

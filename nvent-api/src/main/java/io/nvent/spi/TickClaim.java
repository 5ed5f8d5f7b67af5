package io.nvent.spi;

/**
 * What a claim of a schedule tick came to ({@link SchedulingStore#tryClaimTick}).
 *
 * @since 0.2
 */
public enum TickClaim {

    /** This caller claimed the tick: it fires it. */
    CLAIMED,

    /** Another caller claimed the tick before: it fires it, or did. */
    TAKEN,

    /**
     * The store could not tell in time: another caller holds the tick's claim in a transaction that has
     * not ended (an instance that stopped in the middle of it, for a garbage collection pause, a network
     * partition or a debugger), and the claim gave up waiting for it. The tick is not fired by this
     * caller; whether it fires at all depends on that transaction, which may still commit the claim (its
     * instance fires the tick) or roll it back (then no instance did, and the tick counts as missed).
     */
    IN_DOUBT
}

package io.nvent;

/**
 * How the delay between attempts of a failing job grows.
 *
 * @since 0.1
 */
public enum BackoffType {
    /** Every retry waits the same delay. */
    FIXED,
    /** The delay doubles with every attempt, up to the policy's maximum. */
    EXPONENTIAL
}

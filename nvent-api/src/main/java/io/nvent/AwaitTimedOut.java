package io.nvent;

/**
 * CDI event fired when an await timed out.
 *
 * @param await the await, now timed out
 * @param action what the engine did about it
 * @since 0.1
 */
public record AwaitTimedOut(AwaitInfo await, TimeoutAction action) {
}

package io.nvent;

/**
 * CDI event fired when an await resolved.
 *
 * @param await the await, now resolved
 * @param data the resolution data as JSON ({@code "null"} for none)
 * @since 0.1
 */
public record AwaitResolved(AwaitInfo await, String data) {
}

package io.nvent;

/**
 * What {@link FlowService#emit(String, String, Object, EventOptions)} did.
 *
 * @param replayed {@code false} if this call delivered the event into the run; {@code true} if an earlier emit
 *     with the same idempotency key had, and this one delivered nothing
 * @since 0.2
 */
public record Emitted(boolean replayed) {
}

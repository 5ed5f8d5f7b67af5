package io.nvent;

import java.util.Optional;

/**
 * How {@link FlowService#emit(String, String, Object, EventOptions)} and
 * {@link FlowService#publishEvent(String, Object, EventOptions)} deliver an event. Immutable; built with
 * {@link #newBuilder()}, which validates eagerly.
 *
 * <pre>{@code
 * EventDelivery delivery = flows.publishEvent("payment.received", payment, EventOptions.idempotent(requestId));
 * delivery.replayed();   // true: an earlier publish with this key delivered it, and this is what it did
 * }</pre>
 *
 * @param idempotencyKey a key of the caller's choosing (a request id) that makes an emit or a publish safe to
 *     repeat: the first call with a key delivers the event; a later call with the same key and the same event
 *     and payload (an emit: into the same run) delivers nothing and answers as the first did, from any instance,
 *     also when the calls race, until the key expires ({@code nvent.idempotency.request-key-retention}, 24 hours
 *     by default). The same key with another event or payload is refused ({@link IdempotencyKeyConflictException}).
 *     Keys of emits are per run, keys of publishes per event name. A call whose delivery failed leaves the key
 *     unused, so that its retry delivers. At most {@value StartOptions#MAX_KEY_LENGTH} characters, not blank, no
 *     control characters, as a start's key
 * @since 0.2
 */
public record EventOptions(Optional<String> idempotencyKey) {

    /** A plain emit or publish: every call delivers the event. */
    public static final EventOptions DEFAULTS = newBuilder().build();

    /**
     * Checks the key.
     *
     * @param idempotencyKey a key that makes the emit or publish safe to repeat (see {@link #idempotencyKey()})
     * @throws NullPointerException if {@code idempotencyKey} is {@code null}
     * @throws IllegalArgumentException if the key is blank, longer than {@value StartOptions#MAX_KEY_LENGTH}
     *     characters or holds a control character
     */
    public EventOptions {
        IdempotencyKeyOption.requireValid(idempotencyKey);
    }

    /**
     * Options that deliver an event once per {@code key} (see {@link #idempotencyKey()}).
     *
     * @param key the idempotency key
     * @return options with that key
     * @throws NullPointerException if {@code key} is {@code null}
     * @throws IllegalArgumentException if the key is blank, too long or holds a control character
     */
    public static EventOptions idempotent(String key) {
        return newBuilder().idempotencyKey(key).build();
    }

    /**
     * A builder with no idempotency key: what {@link #DEFAULTS} holds.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * A builder holding every component of these options, so that a caller changes one and keeps the others.
     *
     * @return a new builder with the idempotency key of these options
     * @since 0.2
     */
    public Builder toBuilder() {
        Builder builder = newBuilder();
        idempotencyKey.ifPresent(builder::idempotencyKey);
        return builder;
    }

    /** Builds {@link EventOptions}; every setter validates at once. */
    public static final class Builder {

        private final IdempotencyKeyOption idempotencyKey = new IdempotencyKeyOption();

        private Builder() {
        }

        /**
         * Sets the idempotency key; see {@link EventOptions#idempotencyKey()}.
         *
         * @param key the key, at most {@value StartOptions#MAX_KEY_LENGTH} characters, not blank, no control
         *     characters
         * @return this builder
         * @throws NullPointerException if {@code key} is {@code null}
         * @throws IllegalArgumentException if the key breaks one of the rules above
         */
        public Builder idempotencyKey(String key) {
            idempotencyKey.set(key);
            return this;
        }

        /**
         * Builds the options; the setter has validated the key already.
         *
         * @return the options
         */
        public EventOptions build() {
            return new EventOptions(idempotencyKey.value());
        }
    }
}

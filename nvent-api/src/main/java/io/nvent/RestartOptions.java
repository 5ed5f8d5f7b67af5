package io.nvent;

import java.util.Optional;

/**
 * How {@link FlowService#restart(String, RestartOptions)} and
 * {@link FlowService#rerunFrom(String, String, RestartOptions)} start the new run. Immutable; built with
 * {@link #newBuilder()}, which validates eagerly.
 *
 * <pre>{@code
 * StartedRun copy = flows.restart(runId, RestartOptions.idempotent(requestId));
 * copy.created();   // false: an earlier restart of runId with this key created copy.runId()
 * }</pre>
 *
 * @param idempotencyKey a key of the caller's choosing (a request id) that makes a restart or rerun safe
 *     to repeat, as {@link StartOptions#idempotencyKey()} makes a start: the first call with a key creates
 *     the new run, holding the key as a start's run does (keys are per flow, one namespace for starts,
 *     restarts and reruns); a later restart of the same run (a rerun of the same run from the same step)
 *     with the same key returns that run and changes nothing, from any instance, also concurrently, for as
 *     long as the run is stored. A key that already started another request (a start, a restart of
 *     another run, a rerun, or a rerun from another step) is refused with
 *     {@link IdempotencyKeyConflictException}: it is a different request that reused the key by mistake.
 *     At most {@value StartOptions#MAX_KEY_LENGTH} characters, not blank, no control characters
 * @since 0.2
 */
public record RestartOptions(Optional<String> idempotencyKey) {

    /** A plain restart or rerun: every call creates a run. */
    public static final RestartOptions DEFAULTS = newBuilder().build();

    /**
     * Checks the key.
     *
     * @param idempotencyKey a key that makes the restart or rerun safe to repeat (see {@link #idempotencyKey()})
     * @throws NullPointerException if {@code idempotencyKey} is {@code null}
     * @throws IllegalArgumentException if the key is blank, longer than {@value StartOptions#MAX_KEY_LENGTH}
     *     characters or holds a control character
     */
    public RestartOptions {
        IdempotencyKeyOption.requireValid(idempotencyKey);
    }

    /**
     * Options that restart a run (or rerun it from a step) once per {@code key} (see {@link #idempotencyKey()}).
     *
     * @param key the idempotency key
     * @return options with that key
     * @throws NullPointerException if {@code key} is {@code null}
     * @throws IllegalArgumentException if the key is blank, too long or holds a control character
     */
    public static RestartOptions idempotent(String key) {
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

    /** Builds {@link RestartOptions}; every setter validates at once. */
    public static final class Builder {

        private final IdempotencyKeyOption idempotencyKey = new IdempotencyKeyOption();

        private Builder() {
        }

        /**
         * Sets the idempotency key; see {@link RestartOptions#idempotencyKey()}.
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
         * Builds the options; the setters have validated the values already.
         *
         * @return the options
         */
        public RestartOptions build() {
            return new RestartOptions(idempotencyKey.value());
        }
    }
}

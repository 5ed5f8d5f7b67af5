package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The claim of an idempotency key of an emit or a publish ({@link io.nvent.EventOptions}) that a store keeps
 * ({@link SchedulingStore#claimRequestKey}), so that the request sent again is answered, not delivered again, on
 * every instance and after a restart, until it expires.
 *
 * @param scope what kind of request took the key
 * @param target what the key is the key of: the run emitted into, or the published event's name; at most
 *     {@value #MAX_TARGET_LENGTH} characters
 * @param keyDigest the engine's digest of the key (SHA-256, hex), at most {@value #MAX_DIGEST_LENGTH} characters
 * @param requestDigest the engine's digest of what was asked (event and payload), at most
 *     {@value #MAX_DIGEST_LENGTH} characters: a repeat with another one is another request
 * @param response what the request answered, once it was delivered; empty while it is delivered, and for a claim
 *     whose instance stopped before it stored the answer
 * @param createdAt when the key was claimed
 * @param expiresAt when the claim expires: from then on it counts as none, and the store may drop it
 * @since 0.2
 */
public record RequestKey(Scope scope, String target, String keyDigest, String requestDigest,
                         Optional<String> response, Instant createdAt, Instant expiresAt) {

    /** The longest {@link #target()}: a run id or an event name. */
    public static final int MAX_TARGET_LENGTH = 255;

    /** The longest digest a store keeps: a SHA-256 digest as hex. */
    public static final int MAX_DIGEST_LENGTH = 64;

    /** What kind of request claimed a key; keys of each kind are apart. */
    public enum Scope {
        /** An emit into a run ({@code FlowService.emit}); the target is the run's id. */
        EMIT,
        /** A publish of a named event ({@code FlowService.publishEvent}); the target is the event's name. */
        PUBLISH,
        /**
         * A trigger's fire folded into, or appended to, a debounced or batching trigger's pending run (a webhook's
         * {@code Idempotency-Key}, a publish's key), so that its retry is answered with that run, also after it started;
         * the target is the flow, the response the run's id.
         *
         * @since 0.2
         */
        FIRE;

        /** {@return the scope as a store keeps it: {@code emit}, {@code publish} or {@code fire}} */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The scope a store kept.
         *
         * @param wireName {@code emit}, {@code publish} or {@code fire}
         * @return the scope
         * @throws IllegalArgumentException for any other text
         */
        public static Scope ofWireName(String wireName) {
            for (Scope scope : values()) {
                if (scope.wireName().equals(wireName)) {
                    return scope;
                }
            }
            throw new IllegalArgumentException("no request key scope '" + wireName + "'");
        }
    }

    /**
     * Checks every component.
     *
     * @param scope what kind of request took the key
     * @param target the run emitted into, or the published event's name
     * @param keyDigest the digest of the key
     * @param requestDigest the digest of what was asked
     * @param response what the request answered, if stored
     * @param createdAt when the key was claimed
     * @param expiresAt when the claim expires
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the target or a digest is empty or too long, or the claim expires
     *     before it was made
     */
    public RequestKey {
        Objects.requireNonNull(scope, "scope");
        requireLength("target", target, MAX_TARGET_LENGTH);
        requireLength("key digest", keyDigest, MAX_DIGEST_LENGTH);
        requireLength("request digest", requestDigest, MAX_DIGEST_LENGTH);
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (expiresAt.isBefore(createdAt)) {
            throw new IllegalArgumentException("a request key's claim expires (" + expiresAt + ") before it was made ("
                    + createdAt + ")");
        }
    }

    private static void requireLength(String what, String value, int most) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || value.length() > most) {
            throw new IllegalArgumentException("a request key's " + what + " has 1.." + most + " characters, was "
                    + value.length());
        }
    }

    /**
     * Whether this claim is of the same key as {@code other}: same scope, target and key digest.
     *
     * @param other another claim
     * @return whether both claim one key
     */
    public boolean sameKey(RequestKey other) {
        return scope == other.scope && target.equals(other.target) && keyDigest.equals(other.keyDigest);
    }

    /**
     * This claim with the request's answer.
     *
     * @param value what the request answered
     * @return the claim with that response
     */
    public RequestKey withResponse(String value) {
        return new RequestKey(scope, target, keyDigest, requestDigest, Optional.of(value), createdAt, expiresAt);
    }
}

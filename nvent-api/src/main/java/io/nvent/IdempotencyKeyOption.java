package io.nvent;

import java.util.Objects;
import java.util.Optional;

/**
 * The one idempotency key of an options type that has nothing else ({@link EventOptions}, {@link RestartOptions}):
 * the check of their records and the state of their builders, which validate it at once as
 * {@link StartOptions#idempotencyKey()} is validated.
 */
final class IdempotencyKeyOption {

    private String key;

    /** Refuses a key of a record's component that breaks the rules of {@link StartOptions#idempotencyKey()}. */
    static void requireValid(Optional<String> idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey").ifPresent(StartOptions::requireValidKey);
    }

    /** Takes a builder's key once it is valid; a refused key leaves the one set before. */
    void set(String idempotencyKey) {
        StartOptions.requireValidKey(Objects.requireNonNull(idempotencyKey, "key"));
        this.key = idempotencyKey;
    }

    /** The key set, if any: the component of the options built. */
    Optional<String> value() {
        return Optional.ofNullable(key);
    }
}

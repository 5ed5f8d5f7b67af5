package io.nvent;

import java.time.Duration;
import java.util.Optional;

/**
 * Key/value state scoped to one run, shared by its steps. Values are stored as JSON.
 *
 * @since 0.1
 */
public interface RunState {

    /** The value of {@code key} converted to {@code type}, if present and not expired. */
    <T> Optional<T> get(String key, Class<T> type);

    /** Stores a value that lives as long as the run's state. */
    void set(String key, Object value);

    /** Stores a value that expires after {@code ttl}. */
    void set(String key, Object value, Duration ttl);

    /** Removes a key; absent keys are ignored. */
    void delete(String key);
}

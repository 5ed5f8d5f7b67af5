package io.nvent;

import java.time.Duration;
import java.util.Optional;

/**
 * Key/value state scoped to one run, shared by its steps. Values are stored as JSON.
 *
 * <p>How long the state lives after its run ends is configured with
 * {@code nvent.store.state.cleanup.strategy} ({@code never}, the default, keeps it until the run's
 * retention; {@code on-complete}, {@code immediate}, {@code ttl}).
 *
 * @since 0.1
 */
public interface RunState {

    /**
     * The value of {@code key} converted to {@code type}, if present and not expired. As with a
     * step's input, a {@code String} receives a JSON string's value and the raw JSON text of any
     * other value ({@code {"a":1}}, {@code 42}); a value set to {@code null} reads as empty, for
     * every type.
     *
     * @param <T> the type to convert to
     * @param key state key
     * @param type the class the JSON value is converted to with JSON-B
     * @return the value; empty if absent or expired
     */
    <T> Optional<T> get(String key, Class<T> type);

    /**
     * Stores a value that lives as long as the run's state (with the {@code ttl} cleanup strategy:
     * for {@code nvent.store.state.cleanup.ttl-ms}).
     *
     * @param key state key; a value under it is replaced
     * @param value the value, converted to JSON with JSON-B
     * @throws InvalidPayloadException if the value cannot be converted or is too large
     */
    void set(String key, Object value);

    /**
     * Stores a value that expires after {@code ttl}, counted from now.
     *
     * @param key state key; a value under it is replaced
     * @param value the value, converted to JSON with JSON-B
     * @param ttl how long the value stays visible; positive
     * @throws IllegalArgumentException if {@code ttl} is zero or negative
     * @throws InvalidPayloadException if the value cannot be converted or is too large
     */
    void set(String key, Object value, Duration ttl);

    /**
     * Removes a key; absent keys are ignored.
     *
     * @param key state key
     */
    void delete(String key);
}

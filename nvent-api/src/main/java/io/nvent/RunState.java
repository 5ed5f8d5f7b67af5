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

    /** The value of {@code key} converted to {@code type}, if present and not expired. */
    <T> Optional<T> get(String key, Class<T> type);

    /**
     * Stores a value that lives as long as the run's state (with the {@code ttl} cleanup strategy:
     * for {@code nvent.store.state.cleanup.ttl-ms}).
     */
    void set(String key, Object value);

    /** Stores a value that expires after {@code ttl}. */
    void set(String key, Object value, Duration ttl);

    /** Removes a key; absent keys are ignored. */
    void delete(String key);
}

package io.nvent.spi;

import io.nvent.EventType;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A history entry about to be appended; the store assigns its sequence number.
 *
 * @param type entry type
 * @param step step that produced it, if any
 * @param attempt attempt of that step, {@code 0} if none
 * @param timestamp when it happened
 * @param data JSON payload, already validated
 * @since 0.1
 */
public record EventDraft(EventType type, Optional<String> step, int attempt, Instant timestamp, String data) {

    /**
     * Checks that every component but {@code attempt} is given.
     *
     * @param type entry type
     * @param step step that produced it, if any
     * @param attempt attempt of that step, {@code 0} if none
     * @param timestamp when it happened
     * @param data JSON payload, already validated
     * @throws NullPointerException if {@code type}, {@code step}, {@code timestamp} or {@code data} is
     *     {@code null}
     */
    public EventDraft {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }

    /**
     * An entry not produced by a step.
     *
     * @param type entry type
     * @param timestamp when it happened
     * @param data JSON payload
     * @return an entry with no step and attempt {@code 0}
     */
    public static EventDraft ofRun(EventType type, Instant timestamp, String data) {
        return new EventDraft(type, Optional.empty(), 0, timestamp, data);
    }

    /**
     * An entry produced by an attempt of a step.
     *
     * @param type entry type
     * @param step the step
     * @param attempt the attempt, from 1
     * @param timestamp when it happened
     * @param data JSON payload
     * @return an entry of that step's attempt
     */
    public static EventDraft ofStep(EventType type, String step, int attempt, Instant timestamp, String data) {
        return new EventDraft(type, Optional.of(step), attempt, timestamp, data);
    }
}

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

    public EventDraft {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }

    /** An entry not produced by a step. */
    public static EventDraft ofRun(EventType type, Instant timestamp, String data) {
        return new EventDraft(type, Optional.empty(), 0, timestamp, data);
    }

    /** An entry produced by an attempt of a step. */
    public static EventDraft ofStep(EventType type, String step, int attempt, Instant timestamp, String data) {
        return new EventDraft(type, Optional.of(step), attempt, timestamp, data);
    }
}

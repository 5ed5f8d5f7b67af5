package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One immutable entry of a run's history.
 *
 * @param runId run the entry belongs to
 * @param seq 1-based position in the run's history; no gaps, no duplicates
 * @param type entry type
 * @param step step that produced the entry, if any
 * @param attempt attempt of that step, {@code 0} when not produced by a step attempt
 * @param timestamp when the entry was recorded
 * @param data JSON payload ({@code "{}"} when there is none)
 * @since 0.1
 */
public record HistoryEvent(String runId, long seq, EventType type, Optional<String> step, int attempt,
                           Instant timestamp, String data) {

    /**
     * Checks that every object component is given.
     *
     * @param runId run the entry belongs to
     * @param seq 1-based position in the run's history; no gaps, no duplicates
     * @param type entry type
     * @param step step that produced the entry, if any
     * @param attempt attempt of that step, {@code 0} when not produced by a step attempt
     * @param timestamp when the entry was recorded
     * @param data JSON payload ({@code "{}"} when there is none)
     * @throws NullPointerException if {@code runId}, {@code type}, {@code step}, {@code timestamp} or
     *     {@code data} is {@code null}
     */
    public HistoryEvent {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }
}

package io.nvent;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a trigger's history ({@code trigger.registered}, {@code trigger.updated},
 * {@code trigger.enabled}, {@code trigger.disabled}, {@code trigger.fired}, {@code trigger.failed},
 * {@code trigger.completed}: the retry of a keyed fire that failed part way, {@code trigger.misfire-settings}).
 *
 * @param trigger trigger name
 * @param seq 1-based position in the trigger's history
 * @param type entry type
 * @param timestamp when it happened
 * @param data JSON details
 * @since 0.1
 */
public record TriggerEvent(String trigger, long seq, String type, Instant timestamp, String data) {

    /**
     * Checks that every object component is given.
     *
     * @param trigger trigger name
     * @param seq 1-based position in the trigger's history
     * @param type entry type
     * @param timestamp when it happened
     * @param data JSON details
     * @throws NullPointerException if {@code trigger}, {@code type}, {@code timestamp} or {@code data} is
     *     {@code null}
     */
    public TriggerEvent {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }
}

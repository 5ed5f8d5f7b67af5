package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A tick of a schedule trigger ({@link TriggerService#nextTicksOf}), with the exclusion rule that excludes it, if any
 * ({@link TriggerSpec#exclude()}): an excluded tick starts nothing.
 *
 * @param at when the tick falls
 * @param excludedBy the rule that excludes it, as written ({@code --12-25}, {@code calendar:uk-bank-holidays}); empty
 *     if it fires
 * @since 0.2
 */
public record ScheduledTick(Instant at, Optional<String> excludedBy) {

    /**
     * @param at when the tick falls
     * @param excludedBy the rule that excludes it; empty if it fires
     * @throws NullPointerException if a component is null
     */
    public ScheduledTick {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(excludedBy, "excludedBy");
    }
}

package io.nvent.spi;

import io.nvent.TriggerSpec;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored trigger with its statistics.
 *
 * @param spec definition
 * @param declared from an annotation
 * @param createdAt first registration
 * @param fires fires so far
 * @param runsStarted runs started by its fires
 * @param lastFiredAt last fire
 * @param lastError last failure
 * @since 0.1
 */
public record TriggerRecord(TriggerSpec spec, boolean declared, Instant createdAt, long fires, long runsStarted,
                            Optional<Instant> lastFiredAt, Optional<String> lastError) {

    /**
     * Checks that every object component is given.
     *
     * @param spec definition
     * @param declared from an annotation
     * @param createdAt first registration
     * @param fires fires so far
     * @param runsStarted runs started by its fires
     * @param lastFiredAt last fire
     * @param lastError last failure
     * @throws NullPointerException if {@code spec}, {@code createdAt}, {@code lastFiredAt} or
     *     {@code lastError} is {@code null}
     */
    public TriggerRecord {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastFiredAt, "lastFiredAt");
        Objects.requireNonNull(lastError, "lastError");
    }

    /**
     * This record with another definition, statistics kept.
     *
     * @param newSpec the new definition, of the same trigger
     * @return a copy with that definition
     */
    public TriggerRecord withSpec(TriggerSpec newSpec) {
        return new TriggerRecord(newSpec, declared, createdAt, fires, runsStarted, lastFiredAt, lastError);
    }

    /**
     * This record declared by the code ({@code @Trigger}) or not, statistics kept.
     *
     * @param byCode whether the code declares it
     * @return a copy with that flag
     * @since 0.2
     */
    public TriggerRecord withDeclared(boolean byCode) {
        return new TriggerRecord(spec, byCode, createdAt, fires, runsStarted, lastFiredAt, lastError);
    }

    /**
     * Whether another record of a trigger has this one's definition and is declared as this one is,
     * whatever the statistics: what {@link SchedulingStore#replaceTrigger} compares.
     *
     * @param other the other record
     * @return {@code true} if their definitions are equal and both are declared, or neither
     * @since 0.2
     */
    public boolean sameDefinition(TriggerRecord other) {
        return spec.equals(other.spec) && declared == other.declared;
    }

    /**
     * Checks that two definitions are of the same trigger, as a store replacing one definition by
     * another requires ({@link SchedulingStore#replaceTriggerSpec}).
     *
     * @param expected the definition replaced
     * @param replacement the new one
     * @throws IllegalArgumentException if their names differ
     * @since 0.2
     */
    public static void requireSameTrigger(TriggerSpec expected, TriggerSpec replacement) {
        if (!expected.name().equals(replacement.name())) {
            throw new IllegalArgumentException("the definition of trigger '" + expected.name()
                    + "' cannot be replaced by one of trigger '" + replacement.name() + "'");
        }
    }
}

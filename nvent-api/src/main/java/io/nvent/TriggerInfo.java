package io.nvent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A trigger with its statistics.
 *
 * @param spec its definition
 * @param declared whether it comes from a {@link Trigger} annotation (it cannot be deleted then)
 * @param fires how often it fired
 * @param runsStarted runs its fires started
 * @param lastFiredAt last fire
 * @param lastError last failure to start a run
 * @param nextFireAt next tick of an enabled schedule trigger that its exclusions ({@link TriggerSpec#exclude()}) do not
 *     exclude; empty if there is none, or none within the next 1,000 ticks (since 0.2 it passes over excluded ones)
 * @param unknownCalendars the names its {@code calendar:<name>} exclusions give that no {@link ExclusionCalendar} of
 *     this deployment has (one removed by a redeploy): they exclude no tick; empty if there is none. Since 0.2
 * @since 0.1
 */
public record TriggerInfo(TriggerSpec spec, boolean declared, long fires, long runsStarted,
                          Optional<Instant> lastFiredAt, Optional<String> lastError, Optional<Instant> nextFireAt,
                          List<String> unknownCalendars) {

    /**
     * Checks that every object component is given.
     *
     * @param spec its definition
     * @param declared whether it comes from a {@link Trigger} annotation (it cannot be deleted then)
     * @param fires how often it fired
     * @param runsStarted runs its fires started
     * @param lastFiredAt last fire
     * @param lastError last failure to start a run
     * @param nextFireAt next tick of a schedule trigger
     * @param unknownCalendars the calendars its exclusions name that this deployment does not have (copied)
     * @throws NullPointerException if {@code spec}, {@code lastFiredAt}, {@code lastError}, {@code nextFireAt} or
     *     {@code unknownCalendars} (or one of its names) is {@code null}
     * @since 0.2
     */
    public TriggerInfo {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(lastFiredAt, "lastFiredAt");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(nextFireAt, "nextFireAt");
        unknownCalendars = List.copyOf(Objects.requireNonNull(unknownCalendars, "unknownCalendars"));
    }

    /**
     * A trigger whose exclusions name no calendar this deployment lacks (as before 0.2).
     *
     * @param spec its definition
     * @param declared whether it comes from a {@link Trigger} annotation (it cannot be deleted then)
     * @param fires how often it fired
     * @param runsStarted runs its fires started
     * @param lastFiredAt last fire
     * @param lastError last failure to start a run
     * @param nextFireAt next tick of a schedule trigger
     * @throws NullPointerException if {@code spec}, {@code lastFiredAt}, {@code lastError} or
     *     {@code nextFireAt} is {@code null}
     */
    public TriggerInfo(TriggerSpec spec, boolean declared, long fires, long runsStarted,
                       Optional<Instant> lastFiredAt, Optional<String> lastError, Optional<Instant> nextFireAt) {
        this(spec, declared, fires, runsStarted, lastFiredAt, lastError, nextFireAt, List.of());
    }

    /** {@return the trigger's name, as in its spec} */
    public String name() {
        return spec.name();
    }
}

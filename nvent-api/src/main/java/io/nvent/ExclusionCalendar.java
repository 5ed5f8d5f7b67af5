package io.nvent;

import java.time.ZonedDateTime;

/**
 * A named calendar of times a schedule trigger does not fire at, shared by many triggers (Quartz's
 * {@code Calendar}, Temporal's {@code excludeCalendars}): bank holidays, a release freeze, a team's own table of
 * closing days. A trigger names it in its exclusions as {@code calendar:<name>} ({@link TriggerSpec#exclude()},
 * {@code @Trigger(exclude = "calendar:uk-bank-holidays")}).
 *
 * <p>Inside a container, a CDI bean implementing it (e.g. {@code @ApplicationScoped}) is found by the engine; outside
 * one, give it to {@code EmbeddedEngine.Builder.exclusionCalendar(…)} or {@code FlowTestEnvironment.Builder
 * .exclusionCalendar(…)}. Names are unique within a deployment. The engine asks {@link #excludes} at each tick of
 * every trigger naming it, and to find a trigger's next fire; it caches nothing, so the answer may change (a table
 * edited) and takes effect at the next tick. A calendar that throws does not stop the tick: it fires (the engine
 * fails open) and the failure is logged, at most once a minute per trigger.
 *
 * @since 0.2
 */
public interface ExclusionCalendar {

    /**
     * The name triggers give it after {@code calendar:}; 1-100 letters, digits, {@code . _ -}, as a trigger's.
     *
     * @return the name; the same at every call
     */
    String name();

    /**
     * Whether a tick of a trigger is excluded: it starts nothing, recorded in the trigger's history as
     * {@code trigger.skipped} with {@code "reason":"excluded"}.
     *
     * @param tick the tick, in the trigger's time zone ({@link TriggerSpec#timezone()})
     * @return {@code true} if the trigger must not fire at it
     */
    boolean excludes(ZonedDateTime tick);
}

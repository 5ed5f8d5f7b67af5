package io.nvent.cdi.internal.schedule;

import java.time.Instant;
import java.util.function.BiConsumer;

/**
 * Calls back on the ticks of schedule triggers. In an application server this is the EJB timer
 * service; elsewhere a scheduled executor. Every instance arms every trigger; the store's tick
 * claim makes each tick fire once across instances.
 */
public interface TickScheduler {

    /**
     * Arms (or re-arms) a trigger to hand out its ticks strictly after {@code after}; one that fell
     * between {@code after} and now is handed out at once. A trigger armed afresh starts at the time
     * it is armed; one handed over from another scheduler starts at the last tick that one handed
     * out, so that a tick falling while the two switch fires on the new one (the store's tick claim
     * keeps one that both hand out from firing twice).
     *
     * @param after the last tick already handed out, or the instant from which the ticks are this arm's
     * @param onTick called with the trigger name and the tick's scheduled time
     */
    void arm(String trigger, Schedule schedule, Instant after, BiConsumer<String, Instant> onTick);

    /** Disarms a trigger; unknown names are ignored. */
    void disarm(String trigger);

    /** Disarms everything. */
    void disarmAll();
}

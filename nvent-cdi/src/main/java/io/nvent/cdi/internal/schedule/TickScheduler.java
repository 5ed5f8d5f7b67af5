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
     * Arms (or re-arms) a trigger.
     *
     * @param onTick called with the trigger name and the tick's scheduled time
     */
    void arm(String trigger, Schedule schedule, BiConsumer<String, Instant> onTick);

    /** Disarms a trigger; unknown names are ignored. */
    void disarm(String trigger);

    /** Disarms everything. */
    void disarmAll();
}

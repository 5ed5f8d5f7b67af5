package io.nvent.cdi.internal.ejb;

import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.schedule.Cron;
import io.nvent.cdi.internal.schedule.TickCursor;
import io.nvent.cdi.internal.schedule.TickScheduler;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.Timeout;
import jakarta.ejb.Timer;
import jakarta.ejb.TimerConfig;
import jakarta.ejb.TimerService;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Runs schedule triggers on the EJB timer service: one non-persistent calendar timer per trigger
 * and instance, built from its cron expression. Timers are not persistent because every instance
 * re-arms them from the store at start-up, and the store's tick claim keeps a tick from firing on
 * more than one instance.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class EjbTickScheduler implements TickScheduler {

    private static final System.Logger LOG = System.getLogger(EjbTickScheduler.class.getName());

    private record Armed(TickCursor ticks, BiConsumer<String, Instant> onTick, Timer timer) {
    }

    @Resource
    TimerService timerService;
    @Inject
    EngineBean engine;
    @Inject
    Clock clock;

    private final Map<String, Armed> armed = new ConcurrentHashMap<>();

    @PostConstruct
    void takeOverSchedules() {
        engine.useTickScheduler(this);
    }

    @PreDestroy
    void stop() {
        disarmAll();
    }

    @Override
    public void arm(String trigger, Cron cron, ZoneId zone, BiConsumer<String, Instant> onTick) {
        disarm(trigger);
        Timer timer = timerService.createCalendarTimer(cron.toScheduleExpression(zone), new TimerConfig(trigger, false));
        armed.put(trigger, new Armed(new TickCursor(cron, zone, clock.instant()), onTick, timer));
        LOG.log(System.Logger.Level.DEBUG, "armed schedule trigger {0} ({1} {2})", trigger, cron.expression(), zone);
    }

    @Override
    public void disarm(String trigger) {
        Armed previous = armed.remove(trigger);
        if (previous != null) {
            try {
                previous.timer().cancel();
            } catch (RuntimeException alreadyGone) {
                LOG.log(System.Logger.Level.DEBUG, "timer of {0} was already gone", trigger);
            }
        }
    }

    @Override
    public void disarmAll() {
        armed.keySet().forEach(this::disarm);
    }

    @Timeout
    void tick(Timer timer) {
        String trigger = (String) timer.getInfo();
        Armed current = armed.get(trigger);
        if (current == null) {
            return;
        }
        // The ticks this expiration stands for: the latest cron time at or before now, and those a
        // late timer (busy or paused server) skipped since the previous expiration.
        for (Instant scheduledAt : current.ticks().dueAt(clock.instant())) {
            current.onTick().accept(trigger, scheduledAt);
        }
    }
}

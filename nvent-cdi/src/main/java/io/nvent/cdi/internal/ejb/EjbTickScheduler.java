package io.nvent.cdi.internal.ejb;

import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.schedule.CronSchedule;
import io.nvent.cdi.internal.schedule.IntervalSchedule;
import io.nvent.cdi.internal.schedule.Schedule;
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
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Runs schedule triggers on the EJB timer service: one non-persistent timer per trigger and
 * instance, a calendar timer built from a cron expression or an interval timer whose first
 * expiration is the interval's next tick. Timers are not persistent because every instance
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
    public void arm(String trigger, Schedule schedule, Instant after, BiConsumer<String, Instant> onTick) {
        disarm(trigger);
        Instant now = clock.instant();
        Timer timer = timer(schedule, now, new TimerConfig(trigger, false));
        armed.put(trigger, new Armed(new TickCursor(schedule, after), onTick, timer));
        if (schedule.nextAfter(after).filter(tick -> !tick.isAfter(now)).isPresent()) {
            // A tick fell after the last one handed out before this arm (by the scheduler this one took
            // over from) and before the timer's first expiration: an expiration now hands it out. It
            // needs no cancelling: once the trigger is disarmed it finds nothing armed, and armed again,
            // it wakes a cursor that hands out no tick twice.
            timerService.createSingleActionTimer(0, new TimerConfig(trigger, false));
        }
        LOG.log(System.Logger.Level.DEBUG, "armed schedule trigger {0} ({1})", trigger, schedule);
    }

    private Timer timer(Schedule schedule, Instant now, TimerConfig config) {
        if (schedule instanceof CronSchedule cron) {
            return timerService.createCalendarTimer(cron.cron().toScheduleExpression(cron.zone()), config);
        }
        IntervalSchedule interval = (IntervalSchedule) schedule;
        // Expirations only wake the cursor: it works out the ticks from the clock, so a timer that
        // drifts from the interval's instants neither moves nor repeats a tick.
        Instant first = interval.nextAfter(now).orElseThrow();
        return timerService.createIntervalTimer(Date.from(first), interval.every().toMillis(), config);
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

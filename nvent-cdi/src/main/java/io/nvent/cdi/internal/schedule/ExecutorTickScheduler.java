package io.nvent.cdi.internal.schedule;

import io.nvent.cdi.internal.ClockTimers;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;

/**
 * Tick scheduler on a {@link ScheduledExecutorService}, for environments without EJB timers: one
 * single-shot task per trigger, re-armed after each tick. The tasks wait through {@link ClockTimers},
 * so that on a clock the test moves the ticks come when the clock reaches them.
 */
public final class ExecutorTickScheduler implements TickScheduler {

    private static final System.Logger LOG = System.getLogger(ExecutorTickScheduler.class.getName());

    private final ClockTimers timers;
    private final Clock clock;
    private final Map<String, ClockTimers.Planned> armed = new ConcurrentHashMap<>();

    public ExecutorTickScheduler(ScheduledExecutorService executor, Clock clock) {
        this(ClockTimers.on(executor, clock), clock);
    }

    /** Ticks through {@code timers}, which follow {@code clock}. */
    public ExecutorTickScheduler(ClockTimers timers, Clock clock) {
        this.timers = timers;
        this.clock = clock;
    }

    @Override
    public void arm(String trigger, Schedule schedule, Instant after, BiConsumer<String, Instant> onTick) {
        disarm(trigger);
        Optional<Instant> next = schedule.nextAfter(after);
        if (next.isEmpty()) {
            return;
        }
        armed.put(trigger, timers.at(next.get(), () -> {
            try {
                onTick.accept(trigger, next.get());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0130 tick of trigger " + trigger + " failed", e);
            } finally {
                if (armed.containsKey(trigger)) {
                    // From now, not from this tick: a task that ran late skips the ticks it overslept, as
                    // before; never before this tick, so that a clock behind the executor repeats none.
                    Instant now = clock.instant();
                    arm(trigger, schedule, now.isAfter(next.get()) ? now : next.get(), onTick);
                }
            }
        }));
    }

    @Override
    public void disarm(String trigger) {
        ClockTimers.Planned future = armed.remove(trigger);
        if (future != null) {
            future.cancel();
        }
    }

    @Override
    public void disarmAll() {
        armed.keySet().forEach(this::disarm);
    }
}

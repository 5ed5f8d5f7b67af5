package io.nvent.cdi.internal.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Tick scheduler on a {@link ScheduledExecutorService}, for environments without EJB timers: one
 * single-shot task per trigger, re-armed after each tick.
 */
public final class ExecutorTickScheduler implements TickScheduler {

    private static final System.Logger LOG = System.getLogger(ExecutorTickScheduler.class.getName());

    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final Map<String, ScheduledFuture<?>> armed = new ConcurrentHashMap<>();

    public ExecutorTickScheduler(ScheduledExecutorService executor, Clock clock) {
        this.executor = executor;
        this.clock = clock;
    }

    @Override
    public void arm(String trigger, Schedule schedule, Instant after, BiConsumer<String, Instant> onTick) {
        disarm(trigger);
        Optional<Instant> next = schedule.nextAfter(after);
        if (next.isEmpty()) {
            return;
        }
        long delay = Math.max(0, Duration.between(clock.instant(), next.get()).toMillis());
        armed.put(trigger, executor.schedule(() -> {
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
        }, delay, TimeUnit.MILLISECONDS));
    }

    @Override
    public void disarm(String trigger) {
        ScheduledFuture<?> future = armed.remove(trigger);
        if (future != null) {
            future.cancel(false);
        }
    }

    @Override
    public void disarmAll() {
        armed.keySet().forEach(this::disarm);
    }
}

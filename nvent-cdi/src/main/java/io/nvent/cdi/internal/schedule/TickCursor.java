package io.nvent.cdi.internal.schedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ticks a timer expiration stands for: every tick after the last one this instance handed out
 * up to now. A timer that fires late (a busy or paused server) therefore loses no tick — the store's
 * tick claim still lets each one start its flows once across instances. After a long pause only the
 * latest {@value #MAX_CATCH_UP} missed ticks are handed out; older ones are skipped.
 */
public final class TickCursor {

    /** How many missed ticks one expiration hands out at most. */
    public static final int MAX_CATCH_UP = 10;
    private static final int MAX_WALK = 1_000;

    private final Schedule schedule;
    private final AtomicReference<Instant> last;

    /** A cursor that starts after the tick at or before {@code armedAt}: earlier ticks are not this timer's. */
    public TickCursor(Schedule schedule, Instant armedAt) {
        this.schedule = schedule;
        this.last = new AtomicReference<>(schedule.latestAtOrBefore(armedAt).orElse(armedAt));
    }

    /**
     * The ticks due at {@code now} that were not handed out before, oldest first. Safe for
     * concurrent expirations: each tick is handed out once per cursor.
     */
    public List<Instant> dueAt(Instant now) {
        Optional<Instant> latest = schedule.latestAtOrBefore(now);
        if (latest.isEmpty()) {
            return List.of();
        }
        Instant previous = last.getAndAccumulate(latest.get(), (a, b) -> a.isAfter(b) ? a : b);
        if (!latest.get().isAfter(previous)) {
            return List.of();
        }
        List<Instant> due = new ArrayList<>();
        Instant cursor = previous;
        for (int walked = 0; walked < MAX_WALK; walked++) {
            Optional<Instant> next = schedule.nextAfter(cursor);
            if (next.isEmpty() || next.get().isAfter(latest.get())) {
                return due;
            }
            due.add(next.get());
            if (due.size() > MAX_CATCH_UP) {
                due.remove(0);
            }
            cursor = next.get();
        }
        // Paused for thousands of ticks: only the latest one counts.
        return List.of(latest.get());
    }
}

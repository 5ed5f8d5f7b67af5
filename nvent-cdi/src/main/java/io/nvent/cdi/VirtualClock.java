package io.nvent.cdi;

import io.nvent.cdi.internal.ClockTimers;
import io.nvent.cdi.internal.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A clock that stands still until the test moves it, for an {@link EmbeddedEngine} whose flows wait
 * for days in a test that takes milliseconds. An engine built on it ({@link EmbeddedEngine.Builder#clock})
 * waits for this clock, not for real time, in everything that waits for a time of the runs' world:
 * delayed jobs, retry backoffs, time and schedule awaits, schedule triggers' ticks (await timeouts come
 * with the engine's next sweep, {@link EmbeddedEngine#sweep()}). Moving the clock ({@link #advanceTo})
 * runs every timer it passes, in the order of their times, each with the clock showing its time, so
 * that a trigger every hour ticks three times when the clock moves three hours. Given to anything
 * else that reads a {@link Clock}, it is a plain clock the test moves by hand: nvent's own tests use
 * it so (the test kit has no clock of its own; it cannot depend on this module, whose tests use it).
 *
 * <p>What stays in real time: attempt timeouts (they bound how long a step's code runs, which this
 * clock does not speed up), the write of a long step's start, queue rate limits and the period of the
 * engine's sweeps. {@code io.nvent.test.FlowTestEnvironment} (module {@code nvent-test}) drives it
 * for tests of flows.
 *
 * @since 0.2
 */
public final class VirtualClock extends Clock {

    private static final System.Logger LOG = System.getLogger(VirtualClock.class.getName());

    private final Object moving = new Object();
    private final TreeSet<Timer> timers = new TreeSet<>();
    private final AtomicInteger dispatched = new AtomicInteger();
    /** Runs the timers planned for a time the clock already shows; its one thread ends when idle. */
    private final ExecutorService dueNow = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), Threads.daemonThreads("nvent-virtual-clock"));
    private final ClockTimers planner = new ClockTimers() {
        @Override
        public Planned at(Instant due, Runnable action) {
            return plan(due, action);
        }

        @Override
        public boolean clockMovesByItself() {
            return false;
        }
    };
    private volatile Instant now;
    private long planned;

    private VirtualClock(Instant start) {
        this.now = start;
    }

    /**
     * A clock standing at {@code start}.
     *
     * @param start the instant it shows until moved
     * @return the clock
     */
    public static VirtualClock startingAt(Instant start) {
        return new VirtualClock(Objects.requireNonNull(start, "start"));
    }

    @Override
    public Instant instant() {
        return now;
    }

    /** UTC. */
    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** This clock: it has one time for everyone who reads it. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    /**
     * Moves the clock forward by {@code duration}, as {@link #advanceTo}.
     *
     * @param duration how far; zero runs only the timers due now
     * @throws IllegalArgumentException for a negative duration
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a clock moves forward only, not by " + duration);
        }
        advanceTo(ClockTimers.after(now, duration));
    }

    /**
     * Moves the clock forward to {@code target}, running on the calling thread every timer due by then,
     * in the order of their times, with the clock showing each one's time while it runs. It returns
     * when they have run: what they set going (a step's job made ready, a run started by a tick) goes
     * on on the engine's threads.
     *
     * @param target where the clock stands afterwards
     * @throws IllegalArgumentException if {@code target} is before the clock's time
     */
    public void advanceTo(Instant target) {
        synchronized (moving) {
            if (target.isBefore(now)) {
                throw new IllegalArgumentException("a clock moves forward only: it shows " + now + ", not yet " + target);
            }
            while (true) {
                Timer next;
                synchronized (timers) {
                    next = timers.isEmpty() || timers.first().due.isAfter(target) ? null : timers.pollFirst();
                    if (next != null && next.due.isAfter(now)) {
                        now = next.due;
                    }
                }
                if (next == null) {
                    break;
                }
                next.run();
            }
            now = target;
        }
    }

    /**
     * When the earliest timer not yet run is due.
     *
     * @return its time; empty when nothing waits for the clock
     */
    public Optional<Instant> nextTimer() {
        synchronized (timers) {
            return timers.isEmpty() ? Optional.empty() : Optional.of(timers.first().due);
        }
    }

    /**
     * Whether a timer that came due without the clock moving (planned for a time it already showed)
     * has yet to run or runs now.
     *
     * @return {@code true} until those have run
     */
    public boolean isRunningTimers() {
        return dispatched.get() > 0;
    }

    /** The engine's timers on this clock. */
    ClockTimers timers() {
        return planner;
    }

    private ClockTimers.Planned plan(Instant due, Runnable action) {
        Timer timer;
        synchronized (timers) {
            timer = new Timer(due, ++planned, action);
            if (due.isAfter(now)) {
                timers.add(timer);
                return timer;
            }
        }
        dispatched.incrementAndGet();
        dueNow.execute(() -> {
            try {
                timer.run();
            } finally {
                dispatched.decrementAndGet();
            }
        });
        return timer;
    }

    private final class Timer implements Comparable<Timer>, ClockTimers.Planned {
        final Instant due;
        final long order;
        final Runnable action;
        volatile boolean canceled;

        Timer(Instant due, long order, Runnable action) {
            this.due = due;
            this.order = order;
            this.action = action;
        }

        void run() {
            if (canceled) {
                return;
            }
            try {
                action.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0520 a timer of the virtual clock failed at " + due, e);
            }
        }

        @Override
        public void cancel() {
            canceled = true;
            synchronized (timers) {
                timers.remove(this);
            }
        }

        @Override
        public int compareTo(Timer other) {
            int byDue = due.compareTo(other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}

package io.nvent.cdi.internal.memory;

import java.time.Duration;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

/**
 * The one timer thread of a {@link MemoryJobQueue}: runs actions (delayed jobs becoming ready,
 * retries after their backoff) when they are due, never before, and checks running attempts
 * against their deadlines.
 *
 * <p>Attempt deadlines cost no timer entry per attempt: the queue reports each new deadline with
 * {@link #watch}, which only schedules a deadline check when the deadline is earlier than the one
 * already planned; the check (the {@code deadlines} function given at construction) times out the
 * overdue attempts and returns the earliest remaining deadline, and the next check is planned for
 * it. With a queue's usual timeouts of minutes, a busy queue plans one check every few minutes.
 *
 * <p>Times are nanoseconds since the timer was created ({@link #now}), so they never overflow and
 * compare directly. The thread starts with the first entry and stops on {@link #close}; a later
 * entry starts a new one.
 */
final class QueueTimer implements AutoCloseable {

    /** {@link #nextCheck} when no check is planned. */
    static final long NONE = Long.MAX_VALUE;
    /** {@link #nextCheck} while a check runs: a deadline reported then plans a check of its own. */
    private static final long CHECKING = -1;
    /** Longest delay honoured (about 146 years), so that {@code now() + delay} cannot overflow. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 2;
    private static final System.Logger LOG = System.getLogger(QueueTimer.class.getName());

    private final long origin = System.nanoTime();
    private final DelayQueue<Entry> entries = new DelayQueue<>();
    /** Orders entries due at the same nanosecond by when they were added. */
    private final AtomicLong added = new AtomicLong();
    private final AtomicLong nextCheck = new AtomicLong(NONE);
    /** When the deadline checks waiting among {@link #entries} are due. */
    private final ConcurrentSkipListSet<Long> checksPlanned = new ConcurrentSkipListSet<>();
    private final ThreadFactory threads;
    private final LongUnaryOperator deadlines;
    private volatile Thread thread;

    /**
     * @param threads makes the timer thread
     * @param deadlines given the current time, times out the attempts whose deadline has passed and
     *                  returns the earliest deadline of the others, or {@link #NONE}
     */
    QueueTimer(ThreadFactory threads, LongUnaryOperator deadlines) {
        this.threads = threads;
        this.deadlines = deadlines;
    }

    /** Nanoseconds since this timer was created. */
    long now() {
        return System.nanoTime() - origin;
    }

    /** {@link #now()} plus a delay. */
    long after(Duration delay) {
        long nanos;
        try {
            nanos = delay.toNanos();
        } catch (ArithmeticException huge) {
            nanos = MAX_DELAY_NANOS;
        }
        return now() + Math.min(Math.max(nanos, 0), MAX_DELAY_NANOS);
    }

    /** Runs an action on the timer thread once {@link #now()} has reached {@code due}. */
    void schedule(long due, Runnable action) {
        entries.offer(new Entry(due, added.incrementAndGet(), action));
        if (thread == null) {
            start();
        }
    }

    /** Makes sure attempts get checked at {@code deadline}; cheap unless it is the earliest one. */
    void watch(long deadline) {
        while (true) {
            long planned = nextCheck.get();
            if (planned == CHECKING) {
                planCheck(deadline);
                return;
            }
            if (deadline >= planned) {
                return;
            }
            if (nextCheck.compareAndSet(planned, deadline)) {
                planCheck(deadline);
                return;
            }
        }
    }

    /** Plans a deadline check at {@code due} unless one is planned then already. */
    private void planCheck(long due) {
        if (checksPlanned.add(due)) {
            schedule(due, () -> checkDeadlines(due));
        }
    }

    /**
     * Times out the overdue attempts and plans the check of the earliest other deadline, unless a
     * check is planned at or before it already: one an earlier deadline's check left planned, which
     * will plan the next in its turn. Planning one regardless would start a second chain of checks
     * that lives as long as attempts run, one more for every attempt whose deadline came before the
     * planned check.
     */
    private void checkDeadlines(long due) {
        checksPlanned.remove(due);
        nextCheck.set(CHECKING);
        long next = NONE;
        try {
            next = deadlines.applyAsLong(now());
        } finally {
            Long earliestPlanned = checksPlanned.isEmpty() ? null : checksPlanned.first();
            if (next != NONE && (earliestPlanned == null || earliestPlanned > next)) {
                planCheck(next);
                earliestPlanned = next;
            }
            nextCheck.set(earliestPlanned == null ? NONE : earliestPlanned);
        }
    }

    /** When the next deadline check is planned, {@link #NONE} if none is (tests). */
    long plannedCheck() {
        return nextCheck.get();
    }

    /** How many entries wait: actions and deadline checks. */
    int waiting() {
        return entries.size();
    }

    private synchronized void start() {
        if (thread == null) {
            Thread started = threads.newThread(this::loop);
            thread = started;
            started.start();
        }
    }

    private void loop() {
        try {
            while (thread == Thread.currentThread()) {
                // Everything due now in one go, then sleep until the next entry is due.
                for (Entry entry = entries.take(); entry != null; entry = entries.poll()) {
                    run(entry);
                }
            }
        } catch (InterruptedException closed) {
            // close() stops the thread; entries not yet due stay for a later thread.
        }
    }

    private static void run(Entry entry) {
        try {
            entry.action.run();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "NVENT-0502 queue timer action failed", e);
        }
    }

    @Override
    public synchronized void close() {
        Thread running = thread;
        thread = null;
        if (running != null) {
            running.interrupt();
        }
    }

    private final class Entry implements Delayed {
        final long due;
        final long order;
        final Runnable action;

        Entry(long due, long order, Runnable action) {
            this.due = due;
            this.order = order;
            this.action = action;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Entry that = (Entry) other;
            int byDue = Long.compare(due, that.due);
            return byDue != 0 ? byDue : Long.compare(order, that.order);
        }
    }
}

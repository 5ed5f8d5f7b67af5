package io.nvent.jms.internal;

import io.nvent.spi.RateLimit;
import io.nvent.spi.StartWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Pause state and workers of one queue on this node. */
public final class QueueControl {

    private final String name;
    private boolean paused;
    private boolean stopped;
    private volatile boolean cutShort;
    private volatile boolean hydrated;
    /** Held while the queue is read from the broker, which may wait out an unreachable broker's timeouts. */
    private final Object hydration = new Object();
    private volatile Instant failingSince;
    /** When this node's view of the queue was last checked against the broker; null before the first look. */
    private final AtomicReference<Instant> brokerCheckedAt = new AtomicReference<>();
    private String failure;
    private final List<Thread> workers = new ArrayList<>();
    /** The starts within the rate limit's span; {@code null} without a limit. */
    private volatile StartWindow startWindow;

    /**
     * A start reserved under the rate limit before receiving: it counts from when its message
     * arrives, or is given back if none came.
     */
    public record StartReservation(StartWindow window) {
        static final StartReservation UNLIMITED = new StartReservation(null);

        /** A message came: the start counts from now. */
        public void started() {
            if (window != null) {
                window.started(System.nanoTime());
            }
        }

        /** No message came: the start is given back. */
        public void giveBack() {
            if (window != null) {
                window.release(1);
            }
        }
    }

    public QueueControl(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public synchronized void pause() {
        paused = true;
    }

    public synchronized void resume() {
        paused = false;
        notifyAll();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /** Ends every wait and tells workers to finish. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    public synchronized boolean isStopped() {
        return stopped;
    }

    /**
     * The shutdown grace ran out: the attempts still running are about to be interrupted. Called
     * before the interrupts, so that a worker whose attempt then fails, whatever the step made of its
     * interrupt, sees that the shutdown cut it short.
     */
    public void cutShort() {
        cutShort = true;
    }

    /** Whether the shutdown cut this queue's running attempts short; see {@link #cutShort()}. */
    public boolean isCutShort() {
        return cutShort;
    }

    /** Limits the starts of this node's workers from now on; empty lifts the limit. */
    public synchronized void limitRate(Optional<RateLimit> limit) {
        startWindow = limit.map(StartWindow::new).orElse(null);
        notifyAll();
    }

    public Optional<RateLimit> rateLimit() {
        return Optional.ofNullable(startWindow).map(StartWindow::limit);
    }

    /** How long until the rate limit lets a worker of this node start an attempt; zero without one. */
    public Duration untilRateLimitAllows() {
        StartWindow window = startWindow;
        return window == null ? Duration.ZERO : Duration.ofNanos(window.nanosUntilNextStart(System.nanoTime()));
    }

    public boolean isRateLimited() {
        return startWindow != null;
    }

    /**
     * Reserves the start of the attempt a worker is about to receive, waiting while the rate limit
     * allows none; empty when the queue was paused or stopped meanwhile. Taken before receiving, so
     * that only as many workers as may start take messages from the broker: the others' jobs stay
     * in the queue, in its order, for any node.
     */
    public Optional<StartReservation> reserveStart() throws InterruptedException {
        while (true) {
            Optional<StartReservation> taken = tryReserveStart();
            if (taken.isPresent()) {
                return taken;
            }
            synchronized (this) {
                StartWindow window = startWindow;
                if (paused || stopped) {
                    return Optional.empty();
                }
                if (window != null) {
                    long untilFree = window.nanosUntilFree(System.nanoTime());
                    if (untilFree > 0) {
                        // Whole milliseconds, rounded up: waking early would only wait again.
                        wait(TimeUnit.NANOSECONDS.toMillis(untilFree) + 1);
                    }
                }
            }
        }
    }

    /** Reserves the start of an attempt if the rate limit allows one now. */
    public Optional<StartReservation> tryReserveStart() {
        StartWindow window = startWindow;
        if (window == null) {
            return Optional.of(StartReservation.UNLIMITED);
        }
        return window.reserve(1, System.nanoTime()) == 1 ? Optional.of(new StartReservation(window))
                : Optional.empty();
    }

    /** Blocks while the queue is paused and not stopped. */
    public synchronized void awaitResumed() throws InterruptedException {
        while (paused && !stopped) {
            wait();
        }
    }

    /** Sleeps up to {@code millis}, waking early when stopped. */
    public synchronized void pauseFor(long millis) throws InterruptedException {
        if (!stopped && millis > 0) {
            wait(millis);
        }
    }

    /** A worker lost its connection to the broker. */
    public synchronized void connectionFailed(String error, Instant now) {
        if (failingSince == null) {
            failingSince = now;
        }
        failure = error;
    }

    /** A worker reached the broker; called on every receive, so it only writes after a failure. */
    public void connectionWorks() {
        if (failingSince != null) {
            synchronized (this) {
                failingSince = null;
                failure = null;
            }
        }
    }

    /** Why the workers cannot take jobs, while they cannot. */
    public synchronized Optional<String> problem() {
        return failingSince == null ? Optional.empty() : Optional.of("workers of queue " + name
                + " cannot reach the broker since " + failingSince + ": " + failure);
    }

    public boolean isHydrated() {
        return hydrated;
    }

    public void markHydrated() {
        hydrated = true;
    }

    /**
     * Claims the check of this node's view of the queue against the broker when the last one is at
     * least {@code every} ago: true for one caller then, false for the others and before. The first
     * call only starts the count (the queue was just read).
     */
    public boolean claimBrokerCheck(Instant now, Duration every) {
        Instant last = brokerCheckedAt.get();
        if (last == null) {
            brokerCheckedAt.compareAndSet(null, now);
            return false;
        }
        return !now.isBefore(last.plus(every)) && brokerCheckedAt.compareAndSet(last, now);
    }

    /**
     * Runs {@code read} unless the queue was read from the broker already, one read at a time. Not
     * under this control's own lock: health, pause and the workers ask the control while a read
     * waits for a broker that cannot be reached.
     *
     * @param read reads the queue and {@linkplain #markHydrated() marks it read} when it could
     */
    public void hydrateOnce(Runnable read) {
        if (hydrated) {
            return;
        }
        synchronized (hydration) {
            if (!hydrated) {
                read.run();
            }
        }
    }

    /** Adds the workers of the queue; false if it already has some. */
    public synchronized boolean setWorkers(List<Thread> threads) {
        if (!workers.isEmpty()) {
            return false;
        }
        workers.addAll(threads);
        return true;
    }

    public synchronized List<Thread> workers() {
        return List.copyOf(workers);
    }
}

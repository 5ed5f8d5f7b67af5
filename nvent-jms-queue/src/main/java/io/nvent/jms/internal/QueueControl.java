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
import java.util.function.Supplier;

/** Pause state and workers of one queue on this node. */
public final class QueueControl {

    private final String name;
    private boolean paused;
    /** Who paused the queue, when and why, while {@link #paused}. */
    private io.nvent.spi.QueueChange pauseChange;
    private boolean stopped;
    private volatile boolean cutShort;
    private volatile boolean hydrated;
    /** Held while the queue is read from the broker, which may wait out an unreachable broker's timeouts. */
    private final Object hydration = new Object();
    private volatile Instant failingSince;
    /** When this node's view of the queue was last checked against the broker; null before the first look. */
    private final AtomicReference<Instant> brokerCheckedAt = new AtomicReference<>();
    private String failure;
    /** The worker threads started and not left yet ({@link #leaveIfSurplus}); guarded by {@code this}. */
    private final List<Thread> workers = new ArrayList<>();
    /** Whether workers were registered here: only then {@link #resize} changes them. */
    private boolean registered;
    /** How many attempts the workers run at once at most: the concurrency, or what {@link #resize} set. */
    private int workerLimit;
    /** Worker threads running, counted down as each leaves; above {@link #workerLimit} after a shrink. */
    private int liveWorkers;
    /** {@code liveWorkers > workerLimit}, set with them: read by the workers before each job without the lock. */
    private volatile boolean surplus;
    /** Makes a worker thread of the queue, for a grow. */
    private Supplier<Thread> newWorker;
    /** The starts within the rate limit's span; {@code null} without a limit. */
    private volatile StartWindow startWindow;
    /** How long the replacement of the last worker that died waited; 0 before the first death. */
    private long replaceDelayMillis;
    /** When the last worker died ({@link System#nanoTime}). */
    private long lastDeathNanos;
    /** Workers that died and whose replacement ({@link #replaceDied}) has not been decided yet. */
    private int awaitingReplacement;

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

    public synchronized void pause(io.nvent.spi.QueueChange change) {
        if (!paused) {
            // The first pause's: a second pause of a paused queue changes nothing.
            pauseChange = change;
        }
        paused = true;
    }

    public synchronized void resume() {
        paused = false;
        pauseChange = null;
        notifyAll();
    }

    /** Who paused the queue, when and why; empty while it is not paused. */
    public synchronized java.util.Optional<io.nvent.spi.QueueChange> pauseChange() {
        return paused ? java.util.Optional.ofNullable(pauseChange) : java.util.Optional.empty();
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
                if (paused || stopped || isSurplus()) {
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

    /**
     * The start of the attempt whose message a worker received, under the rate limit in force now: the
     * one it reserved, or, when the limit was set or changed while it was receiving, one reserved under
     * the new limit (the old one given back); empty when the new limit allows no start now.
     */
    public Optional<StartReservation> confirmStart(StartReservation reserved) {
        if (reserved.window() == startWindow) {
            return Optional.of(reserved);
        }
        reserved.giveBack();
        return tryReserveStart();
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

    /** Blocks while the queue is paused and not stopped, nor its workers shrunk below the calling one. */
    public synchronized void awaitResumed() throws InterruptedException {
        while (paused && !stopped && !isSurplus()) {
            wait();
        }
    }

    /** Sleeps up to {@code millis}, waking early when stopped. */
    public synchronized void pauseFor(long millis) throws InterruptedException {
        if (!stopped && millis > 0) {
            wait(millis);
        }
    }

    /**
     * A worker lost its connection to the broker.
     *
     * @return whether this is the first failure since the queue's workers last reached the broker
     */
    public synchronized boolean connectionFailed(String error, Instant now) {
        boolean first = failingSince == null;
        if (first) {
            failingSince = now;
        }
        failure = error;
        return first;
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

    /**
     * Why the workers cannot take jobs, while they cannot: they cannot reach the broker, or none runs here
     * while the ones that died wait out the backoff of their replacement. A queue that still runs some of
     * its workers takes jobs: one of several that died is no problem (NVENT-0617 logs it), so that readiness
     * does not fail for it.
     */
    public synchronized Optional<String> problem() {
        Optional<String> unreachable = unreachable();
        if (awaitingReplacement == 0 || liveWorkers > 0 || workerLimit == 0 || stopped) {
            return unreachable;
        }
        String replacing = "NVENT-0622 queue " + name + " runs " + liveWorkers + " of its " + workerLimit
                + " workers on this node: " + awaitingReplacement + " died and " + (awaitingReplacement == 1 ? "is"
                : "are") + " replaced after a backoff of " + replaceDelayMillis + " ms (see NVENT-0617 in the log)";
        return Optional.of(unreachable.map(problem -> problem + "; " + replacing).orElse(replacing));
    }

    /** Why the workers cannot take jobs because they cannot reach the broker, while they cannot. */
    public synchronized Optional<String> unreachable() {
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

    /**
     * Makes the workers of the queue, which the caller starts; empty if it has some already.
     *
     * @param concurrency how many, at least 1
     * @param newWorker makes one worker thread, now and for a later {@link #resize}
     */
    public synchronized Optional<List<Thread>> setWorkers(int concurrency, Supplier<Thread> newWorker) {
        if (registered) {
            return Optional.empty();
        }
        registered = true;
        this.newWorker = newWorker;
        workerLimit = concurrency;
        return Optional.of(addWorkers(concurrency));
    }

    /** A change of the workers by {@link #resize}: the limit before, and the threads to start. */
    public record Resized(int before, List<Thread> started) {
    }

    /**
     * Sets how many attempts the workers run at once from now on; see
     * {@link io.nvent.spi.JobQueue#resizeWorkers}. Growing makes the threads missing, which the caller
     * starts; shrinking lets the surplus workers leave once their attempts ended, each the next time it
     * would take a job ({@link #leaveIfSurplus}), and starts no new attempt while as many run.
     *
     * @return empty, changing nothing, when the queue has no workers registered here or was stopped
     */
    public synchronized Optional<Resized> resize(int limit) {
        if (!registered || stopped) {
            return Optional.empty();
        }
        int before = workerLimit;
        workerLimit = limit;
        List<Thread> started = addWorkers(Math.max(0, limit - liveWorkers));
        // Wakes the workers waiting while paused, rate limited or reconnecting, so that surplus ones leave.
        notifyAll();
        return Optional.of(new Resized(before, started));
    }

    private List<Thread> addWorkers(int count) {
        workers.removeIf(thread -> thread.getState() == Thread.State.TERMINATED);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            threads.add(newWorker.get());
        }
        workers.addAll(threads);
        liveWorkers += count;
        surplus = liveWorkers > workerLimit;
        return threads;
    }

    /**
     * Whether more workers run than the queue may have since a shrink: the calling one must take no
     * new job, it leaves ({@link #leaveIfSurplus}) or another one does.
     */
    public boolean isSurplus() {
        return surplus;
    }

    /**
     * Lets the calling worker leave when more workers run than the queue may have: true once, for as
     * many callers as there are surplus workers. Called where a worker would take its next job, with no
     * attempt of its own under way.
     */
    public synchronized boolean leaveIfSurplus() {
        if (liveWorkers <= workerLimit) {
            return false;
        }
        // Kept in workers until it ended: close() still waits for it to give its connection back.
        liveWorkers--;
        surplus = liveWorkers > workerLimit;
        return true;
    }

    /**
     * A worker ended other than by leaving or the queue's stop (it died): it is no longer counted, so
     * that a grow replaces it, and its replacement ({@link #replaceDied}) waits the returned delay first.
     * The delay doubles from {@code minMillis} up to {@code maxMillis} while workers keep dying, so that
     * a worker that dies at once does not spin.
     */
    public synchronized long workerDied(long minMillis, long maxMillis) {
        liveWorkers--;
        surplus = liveWorkers > workerLimit;
        long now = System.nanoTime();
        boolean quietSince = replaceDelayMillis == 0
                || now - lastDeathNanos > TimeUnit.MILLISECONDS.toNanos(replaceDelayMillis + maxMillis);
        replaceDelayMillis = quietSince ? minMillis : Math.min(maxMillis, replaceDelayMillis * 2);
        lastDeathNanos = now;
        awaitingReplacement++;
        return replaceDelayMillis;
    }

    /**
     * Makes the worker that replaces one that died, which the caller starts; empty when the queue was
     * stopped, or already has as many workers as it may (a shrink, or a grow that replaced it, meanwhile).
     * Called once for every {@link #workerDied}, whatever came of it.
     */
    public synchronized Optional<Thread> replaceDied() {
        awaitingReplacement--;
        if (stopped || liveWorkers >= workerLimit) {
            return Optional.empty();
        }
        return Optional.of(addWorkers(1).get(0));
    }

    public synchronized List<Thread> workers() {
        return List.copyOf(workers);
    }
}

package io.nvent.jms.internal;

import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;

/** Pause state and workers of one queue on this node. */
public final class QueueControl {

    private final String name;
    private boolean paused;
    private boolean stopped;
    private volatile boolean hydrated;
    private volatile Instant failingSince;
    private String failure;
    private final List<Thread> workers = new ArrayList<>();

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

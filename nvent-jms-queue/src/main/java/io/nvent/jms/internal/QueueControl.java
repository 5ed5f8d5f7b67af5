package io.nvent.jms.internal;

import java.util.ArrayList;
import java.util.List;

/** Pause state and workers of one queue on this node. */
public final class QueueControl {

    private final String name;
    private boolean paused;
    private boolean stopped;
    private volatile boolean hydrated;
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

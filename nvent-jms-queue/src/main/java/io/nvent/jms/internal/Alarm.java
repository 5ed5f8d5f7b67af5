package io.nvent.jms.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a thread once a time is up, at most once, and only while what it guards still runs:
 * the watchdog of an attempt's timeout.
 */
final class Alarm {

    private final Thread thread;
    private ScheduledFuture<?> scheduled;
    private boolean running = true;
    private boolean rang;

    private Alarm(Thread thread) {
        this.thread = thread;
    }

    /** An alarm for the calling thread that rings after {@code timeout}. */
    static Alarm set(ScheduledExecutorService watchdog, Duration timeout) {
        Alarm alarm = new Alarm(Thread.currentThread());
        ScheduledFuture<?> ring = watchdog.schedule(alarm::ring, timeout.toNanos(), TimeUnit.NANOSECONDS);
        synchronized (alarm) {
            alarm.scheduled = ring;
        }
        return alarm;
    }

    private synchronized void ring() {
        if (running) {
            rang = true;
            thread.interrupt();
        }
    }

    /**
     * Stops the alarm.
     *
     * @return whether it rang; its interrupt is then cleared so JMS calls that follow are not hit
     */
    synchronized boolean disarm() {
        running = false;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        if (rang) {
            Thread.interrupted();
        }
        return rang;
    }
}

package io.nvent.postgres.internal;

/**
 * One claimed job on its way through a worker. Decides, exactly once, who ends the attempt: the
 * worker when the handler returns, the watchdog when the timeout strikes first, or shutdown when
 * it gives the job back. The watchdog interrupts the worker thread only while the handler still
 * runs, so a late interrupt never hits the next job of that thread.
 */
final class Attempt {

    private enum Phase { CLAIMED, RUNNING, FINISHED, TIMED_OUT, ABANDONED }

    final ClaimedJob job;
    private final QueueWorker worker;
    private Phase phase = Phase.CLAIMED;
    private Thread thread;

    Attempt(ClaimedJob job, QueueWorker worker) {
        this.job = job;
        this.worker = worker;
    }

    QueueWorker worker() {
        return worker;
    }

    /** Takes back a claimed job before it started (paused queue); false if it started or was given up. */
    synchronized boolean withdraw() {
        if (phase != Phase.CLAIMED) {
            return false;
        }
        phase = Phase.ABANDONED;
        return true;
    }

    Lease lease() {
        return job.lease();
    }

    /** The worker starts the attempt; false if shutdown gave it back first. */
    synchronized boolean start(Thread worker) {
        if (phase != Phase.CLAIMED) {
            return false;
        }
        phase = Phase.RUNNING;
        thread = worker;
        return true;
    }

    /** The watchdog ends the attempt as timed out and interrupts the handler; false if it had ended. */
    synchronized boolean timeOut() {
        if (phase != Phase.RUNNING) {
            return false;
        }
        phase = Phase.TIMED_OUT;
        thread.interrupt();
        return true;
    }

    /** Shutdown gives the job back and interrupts a running handler; false if the attempt had ended. */
    synchronized boolean abandon() {
        if (phase == Phase.RUNNING) {
            thread.interrupt();
        } else if (phase != Phase.CLAIMED) {
            return false;
        }
        phase = Phase.ABANDONED;
        return true;
    }

    /** Whether shutdown gave the job back. */
    synchronized boolean isAbandoned() {
        return phase == Phase.ABANDONED;
    }

    /**
     * Called by the worker thread when the handler returned.
     *
     * @return true if the worker owns the outcome; false if the watchdog or shutdown ended the
     *     attempt, in which case their interrupt is cleared from the worker thread
     */
    synchronized boolean finish() {
        if (phase == Phase.RUNNING) {
            phase = Phase.FINISHED;
            return true;
        }
        Thread.interrupted();
        return false;
    }
}

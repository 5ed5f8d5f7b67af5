package io.nvent.postgres.internal;

import io.nvent.spi.JobRequest;
import java.util.Optional;

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
    private long startedMicros;

    /** The job the handler offered to run next in this attempt's slot. */
    private JobRequest continuation;

    Attempt(ClaimedJob job, QueueWorker worker) {
        this.job = job;
        this.worker = worker;
    }

    /** Takes the job to run next in this slot, unless one was taken already or the attempt ended. */
    synchronized boolean offer(JobRequest next) {
        if (phase != Phase.RUNNING || continuation != null) {
            return false;
        }
        continuation = next;
        return true;
    }

    /** The job offered to run next in this slot, if any. */
    synchronized Optional<JobRequest> continuation() {
        return Optional.ofNullable(continuation);
    }

    /** Whether the job is claimed and its attempt has not started (nor been given up). */
    synchronized boolean isClaimed() {
        return phase == Phase.CLAIMED;
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
    synchronized boolean start(Thread worker, long micros) {
        if (phase != Phase.CLAIMED) {
            return false;
        }
        phase = Phase.RUNNING;
        thread = worker;
        startedMicros = micros;
        return true;
    }

    /** When the attempt started, epoch microseconds. */
    synchronized long startedMicros() {
        return startedMicros;
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

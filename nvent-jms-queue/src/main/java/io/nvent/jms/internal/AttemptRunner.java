package io.nvent.jms.internal;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;

/**
 * Runs one attempt on the calling worker thread and enforces its timeout with a watchdog that
 * interrupts the thread. The handler runs on the worker thread itself (not on a second pool) so
 * it keeps the worker's container context, and so an attempt that ignores the interrupt still
 * occupies its worker: the queue's concurrency is never exceeded.
 */
public final class AttemptRunner {

    private final ScheduledExecutorService watchdog;

    public AttemptRunner(ScheduledExecutorService watchdog) {
        this.watchdog = watchdog;
    }

    /**
     * Runs the attempt.
     *
     * @return empty when it succeeded; the failure otherwise, a {@link TimeoutException} when it
     *     exceeded the timeout (whatever it did after that)
     */
    public Optional<Throwable> run(JobHandler handler, JobExecution execution, Duration timeout) {
        Alarm alarm = Alarm.set(watchdog, timeout);
        Throwable failure = null;
        try {
            handler.handle(execution);
        } catch (VirtualMachineError fatal) {
            alarm.disarm();
            throw fatal;
        } catch (Exception | Error e) {
            failure = e;
        }
        if (alarm.disarm()) {
            TimeoutException timedOut = new TimeoutException("job " + execution.jobId() + " attempt "
                    + execution.attempt() + " exceeded its timeout of " + timeout.toMillis() + " ms");
            if (failure != null) {
                timedOut.initCause(failure);
            }
            return Optional.of(timedOut);
        }
        return Optional.ofNullable(failure);
    }
}

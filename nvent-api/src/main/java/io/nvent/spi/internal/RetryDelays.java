package io.nvent.spi.internal;

import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/** How a queue asks after a failed attempt whether and when its job runs again. */
public final class RetryDelays {

    private RetryDelays() {
    }

    /**
     * The delay before a failed attempt's next attempt: none after the last attempt, else what the handler
     * says ({@link JobHandler#retryDelay}) given the delay the job's retry policy gives, jitter and all.
     *
     * @param handler the queue's handler of the job
     * @param execution the attempt that failed
     * @param error why it failed
     * @param retry the job's retry policy
     * @param random where the policy's jitter comes from
     * @param broken told what the handler's {@code retryDelay} threw, when it did: the policy's delay applies
     *     then, so that the job is retried as declared rather than left running, or run again, for it
     * @return the delay (never negative); empty to fail the job finally now
     */
    public static Optional<Duration> next(JobHandler handler, JobExecution execution, Throwable error,
                                          RetryPolicy retry, RandomGenerator random, Consumer<Throwable> broken) {
        if (execution.attempt() >= execution.maxAttempts()) {
            return Optional.empty();
        }
        Duration declared = retry.delayBefore(execution.attempt() + 1, random);
        Optional<Duration> chosen;
        try {
            chosen = handler.retryDelay(execution, error, declared);
        } catch (RuntimeException | Error e) {
            broken.accept(e);
            return Optional.of(declared);
        }
        return chosen.map(delay -> delay.isNegative() ? Duration.ZERO : delay);
    }
}

package io.nvent.cdi;

import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A queue's oldest waiting job (ready to run, not delayed to a later time), as the REST API and the
 * metrics report it: its age is what an on-call alerts on, beside the backlog's size. Read with
 * {@link #of}, which tells "no job waits" (age zero) from "the queue adapter cannot tell" (no age).
 *
 * @param since when the oldest waiting job became ready ({@link JobQueue#oldestWaitingSince});
 *     empty when no job waits, or when the adapter cannot tell
 * @param noneWaiting whether the queue counted no waiting job
 * @since 0.2
 */
public record OldestWaiting(Optional<Instant> since, boolean noneWaiting) {

    /**
     * Reads a queue's oldest waiting job.
     *
     * @param queue the adapter
     * @param name queue name
     * @param counts the queue's counts, read just before: a queue that counts no waiting job has
     *     none, whatever its adapter knows of ages
     * @return the oldest waiting job
     */
    public static OldestWaiting of(JobQueue queue, String name, JobCounts counts) {
        return new OldestWaiting(queue.oldestWaitingSince(name), counts.waiting() == 0);
    }

    /**
     * How long the oldest waiting job has waited.
     *
     * @param now the time the age is measured to
     * @return the age, zero when no job waits; empty when the adapter cannot tell
     */
    public Optional<Duration> ageAt(Instant now) {
        if (since.isPresent()) {
            // A job made ready by another instance's clock, a moment ahead, has not waited less than nothing.
            Duration waited = Duration.between(since.get(), now);
            return Optional.of(waited.isNegative() ? Duration.ZERO : waited);
        }
        return noneWaiting ? Optional.of(Duration.ZERO) : Optional.empty();
    }
}

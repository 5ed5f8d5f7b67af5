package io.nvent.spi;

/**
 * State of a job in its queue.
 *
 * @since 0.1
 */
public enum JobState {
    /** Available, waiting for a worker. */
    WAITING,
    /** Not yet due (initial delay or retry backoff). */
    DELAYED,
    /** A worker executes it. */
    ACTIVE,
    /** Finished successfully. */
    COMPLETED,
    /** Failed on its last attempt; held in the dead-letter state until retried or redriven. */
    FAILED
}

package io.nvent.spi;

/**
 * Number of jobs of a queue per state (see {@link JobState}).
 *
 * @param waiting jobs available and not yet claimed
 * @param delayed jobs whose delay or retry backoff has not passed yet
 * @param active jobs with an attempt executing now
 * @param completed jobs that succeeded and that the queue still counts
 * @param failed jobs in the dead-letter state
 * @since 0.1
 */
public record JobCounts(long waiting, long delayed, long active, long completed, long failed) {

    /** No jobs at all. */
    public static final JobCounts EMPTY = new JobCounts(0, 0, 0, 0, 0);

    /**
     * Count for one state.
     *
     * @param state a job state
     * @return the count of jobs in that state
     */
    public long of(JobState state) {
        return switch (state) {
            case WAITING -> waiting;
            case DELAYED -> delayed;
            case ACTIVE -> active;
            case COMPLETED -> completed;
            case FAILED -> failed;
        };
    }
}

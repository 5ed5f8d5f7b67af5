package io.nvent.spi;

/**
 * Number of jobs of a queue per state.
 *
 * @since 0.1
 */
public record JobCounts(long waiting, long delayed, long active, long completed, long failed) {

    /** No jobs at all. */
    public static final JobCounts EMPTY = new JobCounts(0, 0, 0, 0, 0);

    /** Count for one state. */
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

package io.nvent.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a queue's job list ({@link JobQueue#jobsAfter}), and where the next one starts.
 *
 * @param jobs the jobs, newest first
 * @param next the position to give {@link JobQueue#jobsAfter} for the page after this one: the adapter's
 *     own words for "after the last job of this page", opaque to callers; empty when this page is the last
 *     (it has fewer jobs than were asked for)
 * @since 0.2
 */
public record JobPage(List<JobRecord> jobs, Optional<String> next) {

    /**
     * Checks the page and copies its jobs, so that it stays immutable.
     *
     * @param jobs the jobs, newest first
     * @param next the position of the page after this one, or empty
     * @throws NullPointerException if either is null, or a job is
     */
    public JobPage {
        jobs = List.copyOf(jobs);
        Objects.requireNonNull(next, "next");
    }

}

package io.nvent;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a run stands in the run list, newest first: by its start, and among runs started at the same
 * instant by its id, the greater first. A page that goes on after the last run of the previous one
 * ({@link RunQuery#startingAfter}) costs the same however deep it is, unlike an offset, and skips or
 * repeats no run when runs start meanwhile.
 *
 * @param startedAt when the run started
 * @param runId the run's id
 * @since 0.2
 */
public record RunPosition(Instant startedAt, String runId) {

    /**
     * Checks the position.
     *
     * @param startedAt when the run started
     * @param runId the run's id
     * @throws NullPointerException if either is null
     */
    public RunPosition {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(runId, "runId");
    }

    /**
     * The position of a run.
     *
     * @param run the run
     * @return its start and id
     */
    public static RunPosition of(RunInfo run) {
        return new RunPosition(run.startedAt(), run.runId());
    }

    /**
     * Whether a run at this position is listed after one at {@code other}: started earlier, or at the
     * same instant with a smaller id.
     *
     * @param other another position
     * @return true if this one comes later in the list
     */
    public boolean isListedAfter(RunPosition other) {
        int byStart = startedAt.compareTo(other.startedAt);
        return byStart < 0 || (byStart == 0 && runId.compareTo(other.runId) < 0);
    }
}

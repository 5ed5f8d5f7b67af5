package io.nvent.spi;

import io.nvent.RunPosition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A page of {@link SchedulingStore#runsAwaitingWithoutAwait}: runs recorded {@code awaiting} with a step
 * {@code awaiting} for which the store keeps no waiting await, and where the next page starts.
 *
 * @param runs such runs, newest first (by start, then id, as {@link io.nvent.RunQuery} lists them)
 * @param next where the next page starts (after this run); empty once this page was the last
 * @since 0.2
 */
public record AwaitlessRuns(List<RunRecord> runs, Optional<RunPosition> next) {

    /** The last page, with no run. */
    public static final AwaitlessRuns NONE = new AwaitlessRuns(List.of(), Optional.empty());

    /**
     * Copies the runs.
     *
     * @param runs such runs, newest first
     * @param next where the next page starts; empty once this page was the last
     */
    public AwaitlessRuns {
        runs = List.copyOf(Objects.requireNonNull(runs, "runs"));
        Objects.requireNonNull(next, "next");
    }
}

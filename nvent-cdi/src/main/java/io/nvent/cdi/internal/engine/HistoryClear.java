package io.nvent.cdi.internal.engine;

import io.nvent.spi.FlowStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A clear of a flow's history bounded in count and in time: it asks the store for a step of runs at a
 * time and stops at the limit, when the store has none left, or once its time is up. The count alone
 * does not bound the time: a run is deleted with its whole history, which may be thousands of
 * entries, and a request behind a reverse proxy (60 s in nginx) must end well before the proxy gives
 * up on it (QA: one request for 54,549 runs took 90 s).
 */
final class HistoryClear {

    /** Runs a store call deletes at most: a transaction of its own, and where the time is looked at. */
    static final int STEP = 100;
    /** After this, no further step is begun; the caller learns from the runs remaining to go on. */
    static final Duration TIME_BUDGET = Duration.ofSeconds(10);

    private HistoryClear() {
    }

    /**
     * Deletes up to {@code limit} of the flow's finished runs.
     *
     * @return how many were deleted
     */
    static int delete(FlowStore store, Clock clock, String flow, int limit) {
        Instant until = clock.instant().plus(TIME_BUDGET);
        int deleted = 0;
        while (deleted < limit) {
            int step = Math.min(STEP, limit - deleted);
            int stepDeleted = store.deleteFinishedRuns(flow, step);
            deleted += stepDeleted;
            // Fewer than asked: none left, or runs retried meanwhile; the count remaining tells the caller.
            if (stepDeleted < step || !clock.instant().isBefore(until)) {
                return deleted;
            }
        }
        return deleted;
    }
}

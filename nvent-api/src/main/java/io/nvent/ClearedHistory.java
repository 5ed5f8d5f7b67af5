package io.nvent;

import java.util.Objects;

/**
 * What one bounded clearing of a flow's history ({@link FlowService#clearHistory(String, int)}) did,
 * and what it left for the next one.
 *
 * @param deleted how many finished runs it deleted
 * @param stats the flow's runs by status, counted once it was done
 * @since 0.2
 */
public record ClearedHistory(int deleted, FlowStats stats) {

    /**
     * Checks the counts.
     *
     * @param deleted how many finished runs it deleted, not negative
     * @param stats the flow's runs by status once it was done
     */
    public ClearedHistory {
        if (deleted < 0) {
            throw new IllegalArgumentException("deleted must not be negative; was " + deleted);
        }
        Objects.requireNonNull(stats, "stats");
    }

    /**
     * The flow's finished runs (completed, failed, canceled) still stored when it was done: what
     * a next call would delete, runs finishing meanwhile aside.
     *
     * @return 0 once the history is clear
     */
    public long remaining() {
        return stats.completed() + stats.failed() + stats.canceled();
    }
}

package io.nvent;

import java.util.Objects;

/**
 * What deleting one run ({@link FlowService#deleteRun(String)}) removed: the run, which flow it was
 * of and how it had ended, and how many history entries went with it.
 *
 * @param runId the deleted run
 * @param flow the flow it was a run of
 * @param status how it had ended: {@link RunStatus#COMPLETED}, {@link RunStatus#FAILED} or
 *     {@link RunStatus#CANCELED}
 * @param historyEntries how many entries of its history were deleted with it
 * @since 0.2
 */
public record DeletedRun(String runId, String flow, RunStatus status, long historyEntries) {

    /**
     * Checks the values.
     *
     * @param runId the deleted run
     * @param flow its flow
     * @param status how it had ended, a terminal status
     * @param historyEntries how many history entries went with it, not negative
     */
    public DeletedRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        if (!status.isTerminal()) {
            throw new IllegalArgumentException("a deleted run had ended; status was " + status.wireName());
        }
        if (historyEntries < 0) {
            throw new IllegalArgumentException("historyEntries must not be negative; was " + historyEntries);
        }
    }
}

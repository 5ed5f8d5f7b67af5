package io.nvent;

/**
 * Counts of one flow's runs by status.
 *
 * @since 0.1
 */
public record FlowStats(String flow, long total, long running, long awaiting, long completed, long failed,
                        long canceled, long stalled) {

    /** Statistics of a flow without runs. */
    public static FlowStats empty(String flow) {
        return new FlowStats(flow, 0, 0, 0, 0, 0, 0, 0);
    }

    /** These statistics with one more run in the given status. */
    public FlowStats plus(RunStatus status, long count) {
        return new FlowStats(flow, total + count,
                running + (status == RunStatus.RUNNING ? count : 0),
                awaiting + (status == RunStatus.AWAITING ? count : 0),
                completed + (status == RunStatus.COMPLETED ? count : 0),
                failed + (status == RunStatus.FAILED ? count : 0),
                canceled + (status == RunStatus.CANCELED ? count : 0),
                stalled + (status == RunStatus.STALLED ? count : 0));
    }
}

package io.nvent;

/**
 * Counts of one flow's runs by status.
 *
 * @param flow flow name
 * @param total all runs of the flow that are stored
 * @param running runs in {@link RunStatus#RUNNING}, and (since 0.2) in {@link RunStatus#COMPENSATING}: under way,
 *     undoing their completed steps
 * @param awaiting runs in {@link RunStatus#AWAITING}
 * @param completed runs in {@link RunStatus#COMPLETED}
 * @param failed runs in {@link RunStatus#FAILED}
 * @param canceled runs in {@link RunStatus#CANCELED}
 * @param stalled runs in {@link RunStatus#STALLED}
 * @param compensating (since 0.2) runs in {@link RunStatus#COMPENSATING}, also counted in {@code running}: how many of
 *     those are undoing their steps, which a list of the runs in {@link RunStatus#RUNNING} leaves out
 * @since 0.1
 */
public record FlowStats(String flow, long total, long running, long awaiting, long completed, long failed,
                        long canceled, long stalled, long compensating) {

    /**
     * Counts without compensating runs, as nvent 0.1 (which had none) made them.
     *
     * @param flow flow name
     * @param total all runs of the flow that are stored
     * @param running runs in {@link RunStatus#RUNNING}
     * @param awaiting runs in {@link RunStatus#AWAITING}
     * @param completed runs in {@link RunStatus#COMPLETED}
     * @param failed runs in {@link RunStatus#FAILED}
     * @param canceled runs in {@link RunStatus#CANCELED}
     * @param stalled runs in {@link RunStatus#STALLED}
     */
    public FlowStats(String flow, long total, long running, long awaiting, long completed, long failed,
                     long canceled, long stalled) {
        this(flow, total, running, awaiting, completed, failed, canceled, stalled, 0);
    }

    /**
     * Statistics of a flow without runs.
     *
     * @param flow flow name
     * @return all counts zero
     */
    public static FlowStats empty(String flow) {
        return new FlowStats(flow, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * These statistics with {@code count} more runs in the given status (and in the total).
     *
     * @param status the status counted
     * @param count runs to add
     * @return a copy with both counts raised
     */
    public FlowStats plus(RunStatus status, long count) {
        return new FlowStats(flow, total + count,
                running + (status == RunStatus.RUNNING || status == RunStatus.COMPENSATING ? count : 0),
                awaiting + (status == RunStatus.AWAITING ? count : 0),
                completed + (status == RunStatus.COMPLETED ? count : 0),
                failed + (status == RunStatus.FAILED ? count : 0),
                canceled + (status == RunStatus.CANCELED ? count : 0),
                stalled + (status == RunStatus.STALLED ? count : 0),
                compensating + (status == RunStatus.COMPENSATING ? count : 0));
    }
}

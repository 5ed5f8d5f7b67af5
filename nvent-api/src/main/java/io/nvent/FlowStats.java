package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Counts of one flow's runs by status, and when its latest run started and its latest completed run ended.
 *
 * <p>"Completed" means {@link RunStatus#COMPLETED} alone, as {@code completed} counts it: a flow whose runs fail or
 * are canceled shows its last success getting older, which is what a person looking for a flow that stopped doing its
 * work wants to see (the reference system's {@code lastCompletedAt}, set on {@code flow.completed} only, means the
 * same). Both times come from the runs still stored: once retention or a history clear deleted a flow's runs, it has
 * none.
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
 * @param lastStartedAt (since 0.2) when the flow's latest stored run started, whatever its status; empty without runs,
 *     and from a store written for nvent 0.1, which does not say
 * @param lastCompletedAt (since 0.2) when the flow's latest stored run in {@link RunStatus#COMPLETED} ended; empty if
 *     none is stored, and from a store written for nvent 0.1
 * @since 0.1
 */
public record FlowStats(String flow, long total, long running, long awaiting, long completed, long failed,
                        long canceled, long stalled, long compensating, Optional<Instant> lastStartedAt,
                        Optional<Instant> lastCompletedAt) {

    /**
     * Counts and times of one flow's runs.
     *
     * @param flow flow name
     * @param total all runs of the flow that are stored
     * @param running runs in {@link RunStatus#RUNNING} or {@link RunStatus#COMPENSATING}
     * @param awaiting runs in {@link RunStatus#AWAITING}
     * @param completed runs in {@link RunStatus#COMPLETED}
     * @param failed runs in {@link RunStatus#FAILED}
     * @param canceled runs in {@link RunStatus#CANCELED}
     * @param stalled runs in {@link RunStatus#STALLED}
     * @param compensating runs in {@link RunStatus#COMPENSATING}
     * @param lastStartedAt when the latest stored run started; empty if none is stored
     * @param lastCompletedAt when the latest stored run in {@link RunStatus#COMPLETED} ended; empty if none is stored
     * @throws NullPointerException if a time is {@code null}: an absent one is empty
     * @since 0.2
     */
    public FlowStats {
        Objects.requireNonNull(lastStartedAt, "lastStartedAt");
        Objects.requireNonNull(lastCompletedAt, "lastCompletedAt");
    }

    /**
     * Counts without the times of the latest runs, as stores written for nvent 0.1 make them.
     *
     * @param flow flow name
     * @param total all runs of the flow that are stored
     * @param running runs in {@link RunStatus#RUNNING} or {@link RunStatus#COMPENSATING}
     * @param awaiting runs in {@link RunStatus#AWAITING}
     * @param completed runs in {@link RunStatus#COMPLETED}
     * @param failed runs in {@link RunStatus#FAILED}
     * @param canceled runs in {@link RunStatus#CANCELED}
     * @param stalled runs in {@link RunStatus#STALLED}
     * @param compensating runs in {@link RunStatus#COMPENSATING}
     */
    public FlowStats(String flow, long total, long running, long awaiting, long completed, long failed,
                     long canceled, long stalled, long compensating) {
        this(flow, total, running, awaiting, completed, failed, canceled, stalled, compensating, Optional.empty(),
                Optional.empty());
    }

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
     * These statistics with {@code count} more runs in the given status, the latest of which started and ended at the
     * given times: how a store adds up its runs one by one, or a group of them by status.
     *
     * @param status the status counted
     * @param count runs to add
     * @param latestStart when the latest of them started
     * @param latestEnd when the latest of them ended; empty if none did (or the store does not say)
     * @return a copy with the counts raised, {@code lastStartedAt} the later of its own and {@code latestStart}, and,
     *     for runs in {@link RunStatus#COMPLETED}, {@code lastCompletedAt} the later of its own and {@code latestEnd}
     * @since 0.2
     */
    public FlowStats plus(RunStatus status, long count, Instant latestStart, Optional<Instant> latestEnd) {
        FlowStats counted = plus(status, count);
        return new FlowStats(flow, counted.total, counted.running, counted.awaiting, counted.completed, counted.failed,
                counted.canceled, counted.stalled, counted.compensating,
                later(lastStartedAt, Optional.of(latestStart)),
                status == RunStatus.COMPLETED ? later(lastCompletedAt, latestEnd) : lastCompletedAt);
    }

    private static Optional<Instant> later(Optional<Instant> a, Optional<Instant> b) {
        return a.isEmpty() ? b : b.isEmpty() || !b.get().isAfter(a.get()) ? a : b;
    }

    /**
     * These statistics with {@code count} more runs in the given status (and in the total), the times as they are.
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
                compensating + (status == RunStatus.COMPENSATING ? count : 0), lastStartedAt, lastCompletedAt);
    }
}

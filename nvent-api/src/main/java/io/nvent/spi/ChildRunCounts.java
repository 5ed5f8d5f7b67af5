package io.nvent.spi;

import io.nvent.RunStatus;
import java.util.Objects;

/**
 * Counts of the runs one run started ({@link RunRecord#parentRunId()}), by how far they got: what an await of type
 * {@link io.nvent.AwaitType#CHILDREN} waits on, and what resolves it. The same counts of all the runs below one, at
 * any depth, are what an await of type {@link io.nvent.AwaitType#DESCENDANTS} waits on
 * ({@link FlowStore#descendantRunCounts}); there "children" reads "descendants".
 *
 * @param total the run's children that are stored (a child deleted since it ended is not counted)
 * @param underWay children not ended: running, awaiting or stalled
 * @param completed children in {@link RunStatus#COMPLETED}
 * @param failed children in {@link RunStatus#FAILED}
 * @param canceled children in {@link RunStatus#CANCELED}
 * @since 0.2
 */
public record ChildRunCounts(long total, long underWay, long completed, long failed, long canceled) {

    /** The counts of a run without children. */
    public static final ChildRunCounts NONE = new ChildRunCounts(0, 0, 0, 0, 0);

    /**
     * Checks that the counts are not negative and add up to the total.
     *
     * @param total the run's children that are stored
     * @param underWay children not ended
     * @param completed completed children
     * @param failed failed children
     * @param canceled canceled children
     * @throws IllegalArgumentException if a count is negative, or they do not add up to {@code total}
     */
    public ChildRunCounts {
        if (total < 0 || underWay < 0 || completed < 0 || failed < 0 || canceled < 0
                || underWay + completed + failed + canceled != total) {
            throw new IllegalArgumentException("child run counts must not be negative and must add up to the total,"
                    + " were total " + total + ", under way " + underWay + ", completed " + completed + ", failed "
                    + failed + ", canceled " + canceled);
        }
    }

    /**
     * These counts with {@code count} more children in the given status (and in the total).
     *
     * @param status the children's status; running, awaiting and stalled count as under way
     * @param count children to add, not negative
     * @return a copy with both counts raised
     */
    public ChildRunCounts plus(RunStatus status, long count) {
        Objects.requireNonNull(status, "status");
        return new ChildRunCounts(total + count, underWay + (status.isTerminal() ? 0 : count),
                completed + (status == RunStatus.COMPLETED ? count : 0), failed + (status == RunStatus.FAILED ? count : 0),
                canceled + (status == RunStatus.CANCELED ? count : 0));
    }
}

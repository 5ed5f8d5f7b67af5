package io.nvent;

/**
 * What {@link FlowService#cancel(String, CancelOptions)} did: whether it canceled the run, and how many of the
 * run's descendants under way it canceled with it.
 *
 * @param canceled {@code true} if this call canceled the run, {@code false} if it had ended already (a repeat of
 *     the call finds it canceled)
 * @param descendantsCanceled descendant runs (children, grandchildren, …) this call canceled, counting one it found
 *     under way that an ancestor's step, stopped by this cancel on another instance, canceled first; not one a step
 *     started as the call ran whose start, finding its parent canceled with its children, canceled it before the
 *     call listed it (it ends canceled all the same); {@code 0} without {@link CancelOptions#children()}
 * @param moreDescendants whether descendants may remain under way beyond the call's
 *     {@link CancelOptions#limit()}: a repeat of the call goes on with them
 * @since 0.2
 */
public record CanceledRuns(boolean canceled, int descendantsCanceled, boolean moreDescendants) {

    /**
     * Checks the count.
     *
     * @param canceled whether this call canceled the run
     * @param descendantsCanceled descendants this call canceled
     * @param moreDescendants whether descendants may remain under way
     * @throws IllegalArgumentException if {@code descendantsCanceled} is negative
     */
    public CanceledRuns {
        if (descendantsCanceled < 0) {
            throw new IllegalArgumentException("descendantsCanceled must be >= 0, was " + descendantsCanceled);
        }
    }
}

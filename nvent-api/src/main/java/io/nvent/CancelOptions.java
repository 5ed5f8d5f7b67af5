package io.nvent;

/**
 * How {@link FlowService#cancel(String, CancelOptions)} cancels a run: the run alone, or the run and every
 * descendant run under way (the runs its steps started with {@link StepContext#startFlow}, theirs, and so on).
 * Immutable; built with {@link #newBuilder()}, {@link #withChildren()} or {@link #compensating()}, which validate
 * eagerly. With {@link #compensate()} the run undoes its completed steps before it ends canceled (saga
 * compensation on cancel, since 0.2).
 *
 * <pre>{@code
 * CanceledRuns canceled = flows.cancel(batchRunId, CancelOptions.withChildren());
 * while (canceled.moreDescendants()) {            // more than 10,000 under way: go on
 *     canceled = flows.cancel(batchRunId, CancelOptions.withChildren());
 * }
 * }</pre>
 *
 * @param children whether the run's descendants under way are canceled with it; those that have ended are left
 *     alone
 * @param limit the most descendants one call cancels, 1 to {@value #MAX_LIMIT}; beyond it the answer says more
 *     remain ({@link CanceledRuns#moreDescendants()}) and a repeat of the call goes on. A call reads about as many
 *     runs as it cancels: the descendants under way, and those that ended with a descendant under way, not those that
 *     ended with none, nor again those an earlier call canceled
 * @param compensate whether the run undoes its completed steps before it ends canceled (since 0.2): a run under way
 *     whose completed steps name a {@link FlowStep#compensation()} goes {@link RunStatus#COMPENSATING}, runs their
 *     compensations newest first as a run whose step failed for good does, and ends {@link RunStatus#CANCELED}
 *     ({@link RunStatus#FAILED} if a compensation fails for good). A run with nothing to undo is canceled at once;
 *     one compensating already is left to go on (the answer says it was not canceled). Descendants canceled with
 *     {@link #children()} are canceled plainly, not compensated
 * @since 0.2
 */
public record CancelOptions(boolean children, int limit, boolean compensate) {

    /** The most descendants one call cancels, and how many it cancels unless told otherwise. */
    public static final int MAX_LIMIT = 10_000;

    /** The run alone, as {@link FlowService#cancel(String)} cancels it: its child runs go on. */
    public static final CancelOptions DEFAULTS = newBuilder().build();

    /**
     * Checks the limit.
     *
     * @param children whether the run's descendants under way are canceled with it
     * @param limit the most descendants one call cancels, 1 to {@value #MAX_LIMIT}
     * @param compensate whether the run undoes its completed steps before it ends canceled
     * @throws IllegalArgumentException if {@code limit} is outside 1 to {@value #MAX_LIMIT}
     */
    public CancelOptions {
        requireLimit(limit);
    }

    /**
     * Options without compensation, as before {@link #compensate()} was added.
     *
     * @param children whether the run's descendants under way are canceled with it
     * @param limit the most descendants one call cancels, 1 to {@value #MAX_LIMIT}
     * @throws IllegalArgumentException if {@code limit} is outside 1 to {@value #MAX_LIMIT}
     */
    public CancelOptions(boolean children, int limit) {
        this(children, limit, false);
    }

    private static void requireLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("NVENT-0297 a cancel's limit of descendants must be within 1.."
                    + MAX_LIMIT + "; was " + limit);
        }
    }

    /**
     * The run and every descendant run under way, {@value #MAX_LIMIT} descendants per call.
     *
     * @return options that cancel the run's children with it
     */
    public static CancelOptions withChildren() {
        return newBuilder().children(true).build();
    }

    /**
     * The run alone, undoing its completed steps before it ends canceled; see {@link #compensate()}.
     *
     * @return options that cancel the run and compensate its completed steps
     */
    public static CancelOptions compensating() {
        return newBuilder().compensate(true).build();
    }

    /**
     * A builder for the run alone, {@value #MAX_LIMIT} descendants per call: what {@link #DEFAULTS} holds.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * A builder holding every component of these options, so that a caller changes one and keeps the others.
     *
     * @return a new builder with the components of these options
     */
    public Builder toBuilder() {
        return newBuilder().children(children).limit(limit).compensate(compensate);
    }

    /** Builds {@link CancelOptions}; every setter validates at once. */
    public static final class Builder {

        private boolean children;
        private int limit = MAX_LIMIT;
        private boolean compensate;

        private Builder() {
        }

        /**
         * Sets whether the run's descendants under way are canceled with it; see {@link CancelOptions#children()}.
         *
         * @param cancelChildren {@code true} to cancel them too
         * @return this builder
         */
        public Builder children(boolean cancelChildren) {
            this.children = cancelChildren;
            return this;
        }

        /**
         * Sets the most descendants one call cancels; see {@link CancelOptions#limit()}.
         *
         * @param mostDescendants 1 to {@value CancelOptions#MAX_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException if {@code mostDescendants} is outside 1 to {@value CancelOptions#MAX_LIMIT}
         */
        public Builder limit(int mostDescendants) {
            requireLimit(mostDescendants);
            this.limit = mostDescendants;
            return this;
        }

        /**
         * Sets whether the run undoes its completed steps before it ends canceled; see
         * {@link CancelOptions#compensate()}.
         *
         * @param undoCompletedSteps {@code true} to run the compensations of its completed steps
         * @return this builder
         */
        public Builder compensate(boolean undoCompletedSteps) {
            this.compensate = undoCompletedSteps;
            return this;
        }

        /**
         * Builds the options; the setters have validated the values already.
         *
         * @return the options
         */
        public CancelOptions build() {
            return new CancelOptions(children, limit, compensate);
        }
    }
}

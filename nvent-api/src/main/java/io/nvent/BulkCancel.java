package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which runs {@link FlowService#cancelRuns(BulkCancel)} cancels: the runs of one flow in some of the
 * statuses a run can be canceled from, optionally only those started within a window, taken in the
 * run list's order (newest first) from a position on, at most {@code limit} of them per call.
 *
 * @param flow the flow whose runs are canceled
 * @param statuses only runs in one of these statuses: running, awaiting or stalled (the statuses that
 *     have not ended); {@link #ofFlow} takes the active ones, running and awaiting
 * @param from only runs started at or after this instant, if present
 * @param to only runs started before this instant, if present
 * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
 * @param after only runs listed after this position, if present: the {@link BulkResult#next()} of
 *     the previous call
 * @param children whether each run's descendants under way are canceled with it, as
 *     {@link FlowService#cancel(String, CancelOptions)} cancels them with {@link CancelOptions#withChildren()}: at
 *     most {@value CancelOptions#MAX_LIMIT} descendants per call in all; once a run's cancel leaves some under way, or
 *     the call canceled that many, it stops after that run, and its {@link BulkResult#next()}, that run's position,
 *     makes the next call go on with them before the runs listed after it
 * @param compensate whether each run undoes its completed steps before it ends canceled, as
 *     {@link FlowService#cancel(String, CancelOptions)} does with {@link CancelOptions#compensate()}; a run that goes
 *     compensating counts as canceled
 * @since 0.2
 */
public record BulkCancel(String flow, Set<RunStatus> statuses, Optional<Instant> from, Optional<Instant> to,
                         int limit, Optional<RunPosition> after, boolean children, boolean compensate) {

    /** The most runs one call works through, and how many it works through unless told otherwise. */
    public static final int MAX_LIMIT = 500;

    /** The statuses {@link #ofFlow} cancels: the active ones, running and awaiting. */
    public static final Set<RunStatus> ACTIVE = Set.of(RunStatus.RUNNING, RunStatus.AWAITING);

    /**
     * Checks the selection.
     *
     * @param flow the flow whose runs are canceled
     * @param statuses only runs in one of these statuses: running, awaiting or stalled
     * @param from only runs started at or after this instant, if present
     * @param to only runs started before this instant, if present
     * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
     * @param after only runs listed after this position, if present
     * @param children whether each run's descendants under way are canceled with it
     * @param compensate whether each run undoes its completed steps before it ends canceled
     * @throws NullPointerException if {@code flow}, {@code statuses} or an {@code Optional} is {@code null}
     * @throws IllegalArgumentException if {@code flow} is blank, {@code statuses} is empty or holds a
     *     status that has ended, {@code limit} is outside 1 to {@value #MAX_LIMIT}, or {@code to} is not
     *     after {@code from}
     */
    public BulkCancel {
        BulkChecks.requireFlow(flow);
        Objects.requireNonNull(statuses, "statuses");
        if (statuses.isEmpty()) {
            throw new IllegalArgumentException("statuses must name at least one of running, awaiting, stalled");
        }
        statuses.forEach(s -> {
            if (Objects.requireNonNull(s, "statuses").isTerminal()) {
                throw new IllegalArgumentException("statuses must be among running, awaiting, stalled (a run in "
                        + "status " + s.wireName() + " has ended and cannot be canceled); was " + s.wireName());
            }
        });
        statuses = Set.copyOf(statuses);
        BulkChecks.requireWindow(from, to);
        BulkChecks.requireLimit(limit, MAX_LIMIT);
        Objects.requireNonNull(after, "after");
    }

    /**
     * A selection canceling its runs without compensation.
     *
     * @param flow the flow whose runs are canceled
     * @param statuses only runs in one of these statuses: running, awaiting or stalled
     * @param from only runs started at or after this instant, if present
     * @param to only runs started before this instant, if present
     * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
     * @param after only runs listed after this position, if present
     * @param children whether each run's descendants under way are canceled with it
     * @throws NullPointerException as the canonical constructor does
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public BulkCancel(String flow, Set<RunStatus> statuses, Optional<Instant> from, Optional<Instant> to, int limit,
                      Optional<RunPosition> after, boolean children) {
        this(flow, statuses, from, to, limit, after, children, false);
    }

    /**
     * A selection whose runs are canceled alone, their child runs going on.
     *
     * @param flow the flow whose runs are canceled
     * @param statuses only runs in one of these statuses: running, awaiting or stalled
     * @param from only runs started at or after this instant, if present
     * @param to only runs started before this instant, if present
     * @param limit the most runs one call works through, 1 to {@value #MAX_LIMIT}
     * @param after only runs listed after this position, if present
     * @throws NullPointerException as the canonical constructor does
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public BulkCancel(String flow, Set<RunStatus> statuses, Optional<Instant> from, Optional<Instant> to, int limit,
                      Optional<RunPosition> after) {
        this(flow, statuses, from, to, limit, after, false);
    }

    /**
     * Every active (running or awaiting) run of a flow, {@value #MAX_LIMIT} per call.
     *
     * @param flow the flow
     * @return a selection with no other filter
     */
    public static BulkCancel ofFlow(String flow) {
        return new BulkCancel(flow, ACTIVE, Optional.empty(),
                Optional.empty(), MAX_LIMIT, Optional.empty());
    }

    /**
     * This selection restricted to runs in these statuses.
     *
     * @param newStatuses running, awaiting or stalled, at least one
     * @return a copy with those statuses
     */
    public BulkCancel withStatuses(Set<RunStatus> newStatuses) {
        return new BulkCancel(flow, newStatuses, from, to, limit, after, children, compensate);
    }

    /**
     * This selection restricted to runs started within {@code [start, end)}.
     *
     * @param start the earliest start taken
     * @param end the first start no longer taken, after {@code start}
     * @return a copy with that window
     */
    public BulkCancel startedWithin(Instant start, Instant end) {
        return new BulkCancel(flow, statuses, Optional.of(start), Optional.of(end), limit, after, children, compensate);
    }

    /**
     * This selection working through at most {@code newLimit} runs per call.
     *
     * @param newLimit 1 to {@value #MAX_LIMIT}
     * @return a copy with that limit
     */
    public BulkCancel withLimit(int newLimit) {
        return new BulkCancel(flow, statuses, from, to, newLimit, after, children, compensate);
    }

    /**
     * This selection going on after a position, the {@link BulkResult#next()} of the previous call.
     *
     * @param position the position; runs at or before it are left out
     * @return a copy that goes on after it
     */
    public BulkCancel startingAfter(RunPosition position) {
        return new BulkCancel(flow, statuses, from, to, limit, Optional.of(position), children, compensate);
    }

    /**
     * This selection canceling each run with its descendants under way; see {@link #children()}.
     *
     * @return a copy that cancels the runs' children too
     */
    public BulkCancel withChildren() {
        return new BulkCancel(flow, statuses, from, to, limit, after, true, compensate);
    }

    /**
     * This selection undoing each run's completed steps before it ends canceled; see {@link #compensate()}.
     *
     * @return a copy that compensates the runs it cancels
     */
    public BulkCancel withCompensation() {
        return new BulkCancel(flow, statuses, from, to, limit, after, children, true);
    }
}

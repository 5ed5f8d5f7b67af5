package io.nvent;

import java.util.Objects;
import java.util.Optional;

/**
 * Which runs to list, newest first.
 *
 * <p>To page through many runs, go on after the last run of a page ({@link #startingAfter}) rather
 * than skip an offset: a store reads and drops every skipped run, so deep offsets get slow.
 *
 * @param flow only runs of this flow, if present
 * @param status only runs in this status, if present
 * @param offset runs to skip (after {@code after}, if present)
 * @param limit maximum runs to return (1..1000)
 * @param after only runs listed after this position, if present (since 0.2)
 * @param parentRunId only the runs this run started ({@link RunInfo#parentRunId()}), if present (since 0.2)
 * @param label only the runs carrying this label ({@link RunInfo#labels()}), if present (since 0.2)
 * @since 0.1
 */
public record RunQuery(Optional<String> flow, Optional<RunStatus> status, int offset, int limit,
                       Optional<RunPosition> after, Optional<String> parentRunId, Optional<String> label) {

    /** The longest run id a store keeps, and so the longest parent a query may name. */
    private static final int MAX_RUN_ID_LENGTH = 255;

    /**
     * Checks the page, the parent and the label.
     *
     * @param flow only runs of this flow, if present
     * @param status only runs in this status, if present
     * @param offset runs to skip (after {@code after}, if present)
     * @param limit maximum runs to return (1..1000)
     * @param after only runs listed after this position, if present
     * @param parentRunId only the runs this run started, if present
     * @param label only the runs carrying this label, if present
     * @throws IllegalArgumentException if {@code offset} is negative, {@code limit} is outside 1 to 1000,
     *     {@code parentRunId} is blank or longer than 255 characters, or the label breaks the rules of
     *     {@link StartOptions#labels()} ({@code NVENT-0286})
     * @throws NullPointerException if an {@code Optional} is null
     * @since 0.2
     */
    public RunQuery {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(label, "label");
        parentRunId.ifPresent(RunQuery::checkRunId);
        label.ifPresent(StartOptions::requireValidLabel);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be within 1..1000, was " + limit);
        }
    }

    /**
     * A page of runs of any label.
     *
     * @param flow only runs of this flow, if present
     * @param status only runs in this status, if present
     * @param offset runs to skip (after {@code after}, if present)
     * @param limit maximum runs to return (1..1000)
     * @param after only runs listed after this position, if present
     * @param parentRunId only the runs this run started, if present
     * @throws IllegalArgumentException if {@code offset} is negative, {@code limit} is outside 1 to 1000,
     *     or {@code parentRunId} is blank or longer than 255 characters
     * @throws NullPointerException if an {@code Optional} is null
     * @since 0.2
     */
    public RunQuery(Optional<String> flow, Optional<RunStatus> status, int offset, int limit,
                    Optional<RunPosition> after, Optional<String> parentRunId) {
        this(flow, status, offset, limit, after, parentRunId, Optional.empty());
    }

    /**
     * A page of runs, with or without a position, of any parent.
     *
     * @param flow only runs of this flow, if present
     * @param status only runs in this status, if present
     * @param offset runs to skip (after {@code after}, if present)
     * @param limit maximum runs to return (1..1000)
     * @param after only runs listed after this position, if present
     * @throws IllegalArgumentException if {@code offset} is negative or {@code limit} is outside 1 to 1000
     * @throws NullPointerException if an {@code Optional} is null
     * @since 0.2
     */
    public RunQuery(Optional<String> flow, Optional<RunStatus> status, int offset, int limit,
                    Optional<RunPosition> after) {
        this(flow, status, offset, limit, after, Optional.empty());
    }

    /**
     * A query from the newest run on.
     *
     * @param flow only runs of this flow, if present
     * @param status only runs in this status, if present
     * @param offset runs to skip
     * @param limit maximum runs to return (1..1000)
     * @throws IllegalArgumentException if {@code offset} is negative or {@code limit} is outside 1 to 1000
     */
    public RunQuery(Optional<String> flow, Optional<RunStatus> status, int offset, int limit) {
        this(flow, status, offset, limit, Optional.empty());
    }

    /**
     * The first 50 runs of every flow.
     *
     * @return a query with no filter, offset 0 and limit 50
     */
    public static RunQuery all() {
        return new RunQuery(Optional.empty(), Optional.empty(), 0, 50);
    }

    /**
     * The first 50 runs of one flow.
     *
     * @param flow flow name
     * @return a query of that flow, offset 0 and limit 50
     */
    public static RunQuery ofFlow(String flow) {
        return new RunQuery(Optional.of(flow), Optional.empty(), 0, 50);
    }

    /**
     * This query restricted to one status.
     *
     * @param newStatus the status
     * @return a copy that lists only runs in that status
     */
    public RunQuery withStatus(RunStatus newStatus) {
        return new RunQuery(flow, Optional.of(newStatus), offset, limit, after, parentRunId, label);
    }

    /**
     * This query with another page.
     *
     * @param newOffset runs to skip, 0 or more
     * @param newLimit maximum runs, 1 to 1000
     * @return a copy with that page
     * @throws IllegalArgumentException if the page is out of range
     */
    public RunQuery page(int newOffset, int newLimit) {
        return new RunQuery(flow, status, newOffset, newLimit, after, parentRunId, label);
    }

    /**
     * This query going on after a position, typically the last run of the previous page.
     *
     * @param position the position; runs at or before it are left out
     * @return a copy that lists only runs after it
     * @since 0.2
     */
    public RunQuery startingAfter(RunPosition position) {
        return new RunQuery(flow, status, offset, limit, Optional.of(position), parentRunId, label);
    }

    /**
     * This query restricted to the runs one run started ({@link StepContext#startFlow}), its children:
     * e.g. a step that goes on once the runs it started have ended counts them by status. Runs of any
     * flow unless the query names one. Through a store adapter written for nvent 0.1, which knows no
     * parent filter, {@link FlowService#runs} fails with an {@link UnsupportedByAdapterException}.
     *
     * @param runId the parent run's id
     * @return a copy that lists only the runs that run started
     * @throws NullPointerException if {@code runId} is null
     * @throws IllegalArgumentException if {@code runId} is blank or longer than 255 characters
     * @since 0.2
     */
    public RunQuery withParentRunId(String runId) {
        Objects.requireNonNull(runId, "runId");
        return new RunQuery(flow, status, offset, limit, after, Optional.of(runId), label);
    }

    /**
     * This query restricted to the runs carrying a label ({@link StartOptions#labels()}): e.g. the runs of one
     * customer. Combines with the flow, status and parent filters and pages as any query does. Through a store
     * adapter written for nvent 0.1, which keeps no labels, {@link FlowService#runs} fails with an
     * {@link UnsupportedByAdapterException}.
     *
     * @param runLabel the label, exactly as the runs were started with it
     * @return a copy that lists only the runs carrying that label
     * @throws NullPointerException if {@code runLabel} is null
     * @throws IllegalArgumentException ({@code NVENT-0286}) if it breaks the rules of {@link StartOptions#labels()}:
     *     no run carries such a label
     * @since 0.2
     */
    public RunQuery withLabel(String runLabel) {
        Objects.requireNonNull(runLabel, "label");
        return new RunQuery(flow, status, offset, limit, after, parentRunId, Optional.of(runLabel));
    }

    private static void checkRunId(String runId) {
        if (runId.isBlank()) {
            throw new IllegalArgumentException("parentRunId must not be blank");
        }
        if (runId.length() > MAX_RUN_ID_LENGTH) {
            throw new IllegalArgumentException("parentRunId must be at most " + MAX_RUN_ID_LENGTH
                    + " characters (a run id), was " + runId.length());
        }
    }
}

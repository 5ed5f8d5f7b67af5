package io.nvent;

import java.util.Optional;

/**
 * Which runs to list, newest first.
 *
 * @param flow only runs of this flow, if present
 * @param status only runs in this status, if present
 * @param offset runs to skip
 * @param limit maximum runs to return (1..1000)
 * @since 0.1
 */
public record RunQuery(Optional<String> flow, Optional<RunStatus> status, int offset, int limit) {

    /**
     * Checks the page.
     *
     * @param flow only runs of this flow, if present
     * @param status only runs in this status, if present
     * @param offset runs to skip
     * @param limit maximum runs to return (1..1000)
     * @throws IllegalArgumentException if {@code offset} is negative or {@code limit} is outside 1 to 1000
     */
    public RunQuery {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be within 1..1000, was " + limit);
        }
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
        return new RunQuery(flow, Optional.of(newStatus), offset, limit);
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
        return new RunQuery(flow, status, newOffset, newLimit);
    }
}

package io.nvent;

import java.util.Objects;
import java.util.Set;

/**
 * Which entries of a run's history to read.
 *
 * <p>The entries between the two bounds that pass the type filter are put in order, and the first
 * {@code limit} of them read: oldest first, a page starts after the last entry seen
 * ({@code afterSeq}); newest first, before the oldest one seen ({@code beforeSeq}).
 *
 * @param types only these types; empty for all
 * @param afterSeq only entries with a sequence number greater than this
 * @param beforeSeq only entries with a sequence number smaller than this; {@link Long#MAX_VALUE}
 *                  for no upper bound
 * @param limit maximum entries (1..10000)
 * @param newestFirst order by descending sequence number
 * @since 0.1
 */
public record EventQuery(Set<EventType> types, long afterSeq, long beforeSeq, int limit, boolean newestFirst) {

    /** Largest page a single read may return. */
    public static final int MAX_LIMIT = 10_000;

    /**
     * Checks the bounds and copies the types, so the record stays immutable.
     *
     * @param types only these types; empty for all
     * @param afterSeq only entries with a sequence number greater than this
     * @param beforeSeq only entries with a sequence number smaller than this; {@link Long#MAX_VALUE}
     *     for no upper bound
     * @param limit maximum entries (1..10000)
     * @param newestFirst order by descending sequence number
     * @throws NullPointerException if {@code types} or one of them is {@code null}
     * @throws IllegalArgumentException if {@code afterSeq} is negative, {@code beforeSeq} is less than 1
     *     or {@code limit} is outside 1 to {@value #MAX_LIMIT}
     */
    public EventQuery {
        types = Set.copyOf(Objects.requireNonNull(types, "types"));
        if (afterSeq < 0) {
            throw new IllegalArgumentException("afterSeq must be >= 0, was " + afterSeq);
        }
        if (beforeSeq < 1) {
            throw new IllegalArgumentException("beforeSeq must be >= 1, was " + beforeSeq);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be within 1.." + MAX_LIMIT + ", was " + limit);
        }
    }

    /**
     * A query with no upper bound.
     *
     * @param types only these types; empty for all
     * @param afterSeq only entries with a sequence number greater than this; 0 for all
     * @param limit maximum entries (1..10000)
     * @param newestFirst order by descending sequence number
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public EventQuery(Set<EventType> types, long afterSeq, int limit, boolean newestFirst) {
        this(types, afterSeq, Long.MAX_VALUE, limit, newestFirst);
    }

    /**
     * The same query, of entries before {@code seq} only.
     *
     * @param seq the new upper bound, exclusive; at least 1
     * @return a copy with {@code beforeSeq} set to {@code seq}
     */
    public EventQuery before(long seq) {
        return new EventQuery(types, afterSeq, seq, limit, newestFirst);
    }

    /**
     * Everything, oldest first, up to {@link #MAX_LIMIT} entries.
     *
     * @return a query with no filter
     */
    public static EventQuery all() {
        return new EventQuery(Set.of(), 0, MAX_LIMIT, false);
    }

    /**
     * Entries after the given sequence number, oldest first.
     *
     * @param seq the last sequence number already seen; 0 for all
     * @return a query of up to {@link #MAX_LIMIT} entries
     */
    public static EventQuery after(long seq) {
        return new EventQuery(Set.of(), seq, MAX_LIMIT, false);
    }

    /**
     * Whether an entry passes the type and sequence filters.
     *
     * @param event a history entry
     * @return {@code true} if it lies between the bounds and has one of the types (any type if none
     *     are given); the limit is not considered
     */
    public boolean matches(HistoryEvent event) {
        return event.seq() > afterSeq && event.seq() < beforeSeq && (types.isEmpty() || types.contains(event.type()));
    }
}

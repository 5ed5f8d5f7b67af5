package io.nvent.web.internal.rest;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One page of a run's history between two sequence numbers. {@link EventQuery} bounds a read from
 * below only ({@code after}); paging newest first needs an upper bound ("older than the oldest entry
 * seen"), which this adds by reading oldest first in windows below it. Sequence numbers have no
 * gaps, so a window of n numbers holds at most n entries: without a type filter one read of the
 * page's size suffices, with one the window doubles until the page is full or the history begins.
 *
 * @param types only these types; empty for all
 * @param after only entries with a greater sequence number
 * @param before only entries with a smaller sequence number; empty for no upper bound
 * @param limit the page size, at most {@link EventQuery#MAX_LIMIT}
 * @param newestFirst the page's order; with {@code before} it is the newest entries below it
 */
record HistoryPage(Set<EventType> types, long after, Optional<Long> before, int limit, boolean newestFirst) {

    /**
     * Reads the page.
     *
     * @param history reads the run's history as the store does
     */
    List<HistoryEvent> read(Function<EventQuery, List<HistoryEvent>> history) {
        if (before.isEmpty()) {
            return history.apply(new EventQuery(types, after, limit, newestFirst));
        }
        // The run's last entry bounds the windows, so a 'before' far above it costs no empty reads.
        long highest = Math.min(before.get() - 1, lastSeq(history));
        if (highest <= after) {
            return List.of();
        }
        return newestFirst ? newestUpTo(highest, history) : within(after, highest, limit, history);
    }

    private static long lastSeq(Function<EventQuery, List<HistoryEvent>> history) {
        return history.apply(new EventQuery(Set.of(), 0, 1, true)).stream().mapToLong(HistoryEvent::seq)
                .findFirst().orElse(0);
    }

    /** The newest {@code limit} matching entries up to {@code highest}, newest first. */
    private List<HistoryEvent> newestUpTo(long highest, Function<EventQuery, List<HistoryEvent>> history) {
        List<HistoryEvent> found = new ArrayList<>();
        long top = highest;
        long window = limit;
        while (true) {
            long bottom = top - after <= window ? after : top - window;
            found.addAll(0, within(bottom, top, Integer.MAX_VALUE, history));
            if (found.size() >= limit || bottom == after) {
                break;
            }
            top = bottom;
            window = window > top / 2 ? top : window * 2;
        }
        List<HistoryEvent> page = new ArrayList<>(found.subList(Math.max(0, found.size() - limit), found.size()));
        Collections.reverse(page);
        return page;
    }

    /** Up to {@code atMost} matching entries with a sequence number in {@code (bottom, top]}, oldest first. */
    private List<HistoryEvent> within(long bottom, long top, int atMost,
                                      Function<EventQuery, List<HistoryEvent>> history) {
        List<HistoryEvent> entries = new ArrayList<>();
        long cursor = bottom;
        while (cursor < top && entries.size() < atMost) {
            // No gaps: (cursor, top] holds at most top - cursor entries; a larger read fetches only ones above.
            int size = (int) Math.min(Math.min(EventQuery.MAX_LIMIT, top - cursor), (long) atMost - entries.size());
            List<HistoryEvent> read = history.apply(new EventQuery(types, cursor, size, false));
            read.stream().filter(entry -> entry.seq() <= top).forEach(entries::add);
            if (read.size() < size) {
                break;
            }
            cursor = read.get(read.size() - 1).seq();
        }
        return entries;
    }
}

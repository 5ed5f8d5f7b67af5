package io.nvent.web.internal.rest;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's history pages oldest first with {@code after} and newest first with {@code before}. */
class HistoryPageTest {

    /** Seventeen entries; every fifth one a log. */
    private final StoredHistory seventeen = new StoredHistory(17);

    @Test
    void newestFirstAPageStartsBelowTheOldestEntrySeen() {
        assertThat(seqs(newestFirst(0, Optional.empty(), 3))).containsExactly(17L, 16L, 15L);

        assertThat(seqs(newestFirst(0, Optional.of(15L), 3))).containsExactly(14L, 13L, 12L);
    }

    @Test
    void newestFirstAfterIsALowerBoundNotACursor() {
        assertThat(seqs(newestFirst(5, Optional.empty(), 3))).as("the newest three above 5")
                .containsExactly(17L, 16L, 15L);
        assertThat(seqs(newestFirst(12, Optional.of(15L), 5))).as("between 12 and 15").containsExactly(14L, 13L);
    }

    @Test
    void pagingNewestFirstWalksTheWholeHistoryOnceAndEndsWithAnEmptyPage() {
        List<Long> walked = new ArrayList<>();
        Optional<Long> before = Optional.empty();
        for (List<HistoryEvent> page = newestFirst(0, before, 4); !page.isEmpty();
                page = newestFirst(0, before, 4)) {
            seqs(page).forEach(walked::add);
            before = Optional.of(page.get(page.size() - 1).seq());
        }

        assertThat(walked).containsExactlyElementsOf(LongStream.iterate(17, seq -> seq >= 1, seq -> seq - 1).boxed()
                .toList());
    }

    @Test
    void oldestFirstBeforeCutsThePage() {
        assertThat(seqs(new HistoryPage(Set.of(), 5, Optional.of(9L), 10, false).read(seventeen)))
                .containsExactly(6L, 7L, 8L);
    }

    @Test
    void everyPageHoldsTheEntriesBetweenItsBoundsTakenFromTheEndItsOrderStartsAt() {
        StoredHistory history = new StoredHistory(40);
        for (Set<EventType> types : List.of(Set.<EventType>of(), Set.of(EventType.LOG))) {
            for (long after = 0; after <= 12; after += 4) {
                for (long before = 1; before <= 43; before++) {
                    for (int limit = 1; limit <= 7; limit += 3) {
                        for (boolean newestFirst : List.of(true, false)) {
                            HistoryPage page = new HistoryPage(types, after, Optional.of(before), limit, newestFirst);
                            assertThat(page.read(history)).as(page.toString())
                                    .containsExactlyElementsOf(history.expected(page));
                        }
                    }
                }
            }
        }
    }

    @Test
    void aPageNewestFirstWithoutTypesTakesOneReadOfItsSizeBesidesFindingTheLastEntry() {
        StoredHistory history = new StoredHistory(5_000);

        new HistoryPage(Set.of(), 0, Optional.of(4_000L), 50, true).read(history);

        assertThat(history.reads).hasSize(2);
        assertThat(history.reads.get(1).limit()).isEqualTo(50);
    }

    @Test
    void aBeforeFarBeyondTheLastEntryReadsFromTheLastEntry() {
        StoredHistory history = new StoredHistory(30);

        assertThat(seqs(new HistoryPage(Set.of(), 0, Optional.of(Long.MAX_VALUE), 2, true).read(history)))
                .containsExactly(30L, 29L);
        assertThat(history.reads).hasSize(2);
    }

    private List<HistoryEvent> newestFirst(long after, Optional<Long> before, int limit) {
        return new HistoryPage(Set.of(), after, before, limit, true).read(seventeen);
    }

    private static List<Long> seqs(List<HistoryEvent> events) {
        return events.stream().map(HistoryEvent::seq).toList();
    }

    /** A run's history read as the stores read it, counting the reads. */
    private static final class StoredHistory implements Function<EventQuery, List<HistoryEvent>> {

        private final List<HistoryEvent> entries;
        final List<EventQuery> reads = new ArrayList<>();

        StoredHistory(int size) {
            entries = LongStream.rangeClosed(1, size).mapToObj(seq -> new HistoryEvent("run", seq,
                    seq % 5 == 0 ? EventType.LOG : EventType.STEP_STARTED, Optional.empty(), 0, Instant.EPOCH, "{}"))
                    .toList();
        }

        @Override
        public List<HistoryEvent> apply(EventQuery query) {
            reads.add(query);
            Comparator<HistoryEvent> order = Comparator.comparingLong(HistoryEvent::seq);
            return entries.stream().filter(query::matches)
                    .sorted(query.newestFirst() ? order.reversed() : order).limit(query.limit()).toList();
        }

        /** What a page holds, worked out the slow way. */
        List<HistoryEvent> expected(HistoryPage page) {
            List<HistoryEvent> between = entries.stream().filter(e -> e.seq() > page.after())
                    .filter(e -> page.before().map(before -> e.seq() < before).orElse(true))
                    .filter(e -> page.types().isEmpty() || page.types().contains(e.type())).toList();
            if (page.newestFirst()) {
                List<HistoryEvent> newest = new ArrayList<>(between);
                newest.sort(Comparator.comparingLong(HistoryEvent::seq).reversed());
                return newest.stream().limit(page.limit()).toList();
            }
            return between.stream().limit(page.limit()).toList();
        }
    }
}

package io.nvent.web.internal.live;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.PublishedEvent;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which run started the run of a status change, told from its start where it can, else read from the store: once per
 * run, and for all the runs of a flush in one read.
 */
class ChildFeedTest {

    private static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");

    private final FlowStore store = MemoryAdapters.store();
    /** The runs each read of the store asked for. */
    private final List<Set<String>> reads = new CopyOnWriteArrayList<>();
    private final Function<Set<String>, Map<String, Optional<String>>> stored = ChildFeed.parentsStoredIn(store);
    /** The flushes queued and not run yet: run by {@link #flush()}, as the hub's executor would. */
    private final Queue<Runnable> queued = new ArrayDeque<>();
    /** What was handed over: "parent <- child: type". */
    private final List<String> handedOver = new CopyOnWriteArrayList<>();
    /** Whether the store is away for a moment: its reads fail. */
    private boolean storeAway;
    private final ChildFeed feed = new ChildFeed(runIds -> {
        reads.add(Set.copyOf(runIds));
        if (storeAway) {
            throw new io.nvent.NventException("NVENT-0302 store read failed: connection refused");
        }
        return stored.apply(runIds);
    }, queued::add, (parent, published) -> handedOver.add(parent + " <- " + published.event().runId() + ": "
            + published.event().type().wireName()));

    private void offer(String runId, long seq, EventType type, String data) {
        feed.offer(new PublishedEvent("parcel", new HistoryEvent(runId, seq, type,
                type.name().startsWith("STEP") || type == EventType.LOG ? Optional.of("pack") : Optional.empty(), 0,
                T0, data)));
    }

    private void offer(String runId, long seq, EventType type) {
        offer(runId, seq, type, "{}");
    }

    private void flush() {
        for (Runnable next = queued.poll(); next != null; next = queued.poll()) {
            next.run();
        }
    }

    private void stored(String runId, String parent) {
        RunRecord run = RunRecord.started(runId, "parcel", "{}", Optional.ofNullable(parent), T0);
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
    }

    @Test
    void aChildsStartNamesItsParentAndItsLaterStatusChangesAreHandedOverWithoutAReadOfTheStore() {
        offer("child", 1, EventType.FLOW_START,
                "{\"parentRunId\":\"parent\",\"idempotencyKey\":\"k\",\"input\":{\"huge\":[1,2,3]}}");
        flush();
        offer("child", 4, EventType.AWAIT_REGISTERED);
        flush();
        offer("child", 9, EventType.FLOW_COMPLETED);
        offer("top", 1, EventType.FLOW_START, "{\"input\":{\"parentRunId\":\"not-this\"}}");
        offer("top", 2, EventType.FLOW_FAILED);
        flush();

        assertThat(handedOver).containsExactly("parent <- child: flow.start", "parent <- child: await.registered",
                "parent <- child: flow.completed");
        assertThat(reads).isEmpty();
    }

    @Test
    void theParentOfARunWhoseStartWasNotSeenIsReadOnceAndAStepsOrALogsEntryIsNotLookedAt() {
        stored("child-seen-before", "parent");

        offer("child-seen-before", 5, EventType.AWAIT_RESOLVED);
        offer("other", 3, EventType.STEP_COMPLETED);
        offer("other", 4, EventType.LOG);
        flush();
        offer("child-seen-before", 8, EventType.FLOW_CANCEL);
        flush();

        assertThat(handedOver).containsExactly("parent <- child-seen-before: await.resolved",
                "parent <- child-seen-before: flow.cancel");
        assertThat(reads).containsExactly(Set.of("child-seen-before"));
    }

    /** A restart's or rerun's copy keeps its original's parent, but its start names the original, not the parent. */
    @Test
    void theParentOfARestartsCopyIsReadFromTheStore() {
        stored("copy", "parent");

        offer("copy", 1, EventType.FLOW_START, "{\"restartOf\":\"original\",\"input\":{}}");
        flush();

        assertThat(handedOver).containsExactly("parent <- copy: flow.start");
        assertThat(reads).containsExactly(Set.of("copy"));
    }

    /**
     * Another instance's fan-out of a thousand children, or the first changes after a restart: the feed read the
     * store once for each child it had not seen start. The children waiting for a flush are one read for all (or a
     * few for very many), each child's latest change is handed over, and the next changes read nothing.
     */
    @Test
    void aBurstOfAThousandChildrenWhoseStartsWereNotSeenCostsAReadPerFlushNotAReadPerChild() {
        List<String> children = IntStream.range(0, 1000).mapToObj(i -> "child-" + i).toList();
        children.forEach(child -> stored(child, "parent"));
        stored("orphan", null);

        children.forEach(child -> offer(child, 3, EventType.AWAIT_REGISTERED));
        children.forEach(child -> offer(child, 2, EventType.FLOW_START, "{\"restartOf\":\"late\",\"input\":{}}"));
        offer("orphan", 5, EventType.FLOW_COMPLETED);
        offer("deleted-before-the-flush", 5, EventType.FLOW_COMPLETED);
        assertThat(queued).as("one flush for the burst").hasSize(1);
        flush();

        assertThat(reads).as("a read per %d runs", ChildFeed.READ_AT_ONCE)
                .hasSize((1002 + ChildFeed.READ_AT_ONCE - 1) / ChildFeed.READ_AT_ONCE);
        assertThat(reads.stream().flatMap(Set::stream)).hasSize(1002).doesNotHaveDuplicates();
        assertThat(handedOver).as("each child's latest change, to its parent only").hasSize(1000)
                .allSatisfy(change -> assertThat(change).startsWith("parent <- child-").endsWith(": await.registered"));

        children.forEach(child -> offer(child, 9, EventType.FLOW_COMPLETED));
        flush();
        assertThat(reads).as("remembered").hasSize(3);
        assertThat(handedOver).hasSize(2000);
    }

    /**
     * A flush's read failed (the store away for a moment): every change of the flush was lost, those of children whose
     * parent was known too. Those are handed over; the others wait, and go with the next flush, their own next
     * change replacing them.
     */
    @Test
    void aReadThatFailsHoldsBackOnlyTheChangesOfTheRunsItWasForAndTheirNextChangesReadAgain() {
        stored("unseen", "parent");
        storeAway = true;

        offer("seen", 1, EventType.FLOW_START, "{\"parentRunId\":\"parent\",\"input\":{}}");
        offer("unseen", 4, EventType.FLOW_COMPLETED);
        flush();
        storeAway = false;
        offer("unseen", 5, EventType.RUN_COMPENSATING);
        flush();

        assertThat(handedOver).containsExactly("parent <- seen: flow.start", "parent <- unseen: run.compensating");
        assertThat(reads).containsExactly(Set.of("unseen"), Set.of("unseen"));
    }

    /**
     * A run's end whose parent a failed read did not tell was dropped: it has no next change to read again with, and
     * those following its parent never saw it end. It waits for the next flush, which another run's change brings
     * (not at once: a store that is away would be read in a loop).
     */
    @Test
    void theEndOfARunWhoseParentCouldNotBeReadGoesWithTheNextFlushNotNever() {
        stored("ended", "parent");
        storeAway = true;

        offer("ended", 9, EventType.FLOW_COMPLETED);
        flush();
        assertThat(queued).as("no read again in a loop while the store is away").isEmpty();
        storeAway = false;
        offer("sibling", 1, EventType.FLOW_START, "{\"parentRunId\":\"parent\",\"input\":{}}");
        flush();

        assertThat(handedOver).containsExactlyInAnyOrder("parent <- ended: flow.completed",
                "parent <- sibling: flow.start");
        assertThat(reads).containsExactly(Set.of("ended"), Set.of("ended"));
    }

    /** Changes that come while a flush reads wait for the next one: never two flushes (two reads) at once. */
    @Test
    void changesComingWhileAFlushIsUnderWayWaitForTheNextFlush() {
        stored("child-1", "parent");
        stored("child-2", "parent");
        ChildFeed[] slow = new ChildFeed[1];
        slow[0] = new ChildFeed(runIds -> {
            reads.add(Set.copyOf(runIds));
            if (reads.size() == 1) {
                slow[0].offer(new PublishedEvent("parcel", new HistoryEvent("child-2", 2, EventType.FLOW_COMPLETED,
                        Optional.empty(), 0, T0, "{}")));
                assertThat(queued).as("no second flush while one reads").isEmpty();
            }
            return stored.apply(runIds);
        }, queued::add, (parent, published) -> handedOver.add(published.event().runId()));

        slow[0].offer(new PublishedEvent("parcel", new HistoryEvent("child-1", 2, EventType.FLOW_COMPLETED,
                Optional.empty(), 0, T0, "{}")));
        flush();

        assertThat(reads).containsExactly(Set.of("child-1"), Set.of("child-2"));
        assertThat(handedOver).containsExactly("child-1", "child-2");
    }
}

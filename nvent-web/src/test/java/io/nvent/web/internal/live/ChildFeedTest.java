package io.nvent.web.internal.live;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which run started the run of a status change, told from its start where it can, else read once per run. */
class ChildFeedTest {

    private final List<String> reads = new CopyOnWriteArrayList<>();
    private final Map<String, String> stored = Map.of("child-seen-before", "parent", "copy", "parent");
    private final ChildFeed feed = new ChildFeed(runId -> {
        reads.add(runId);
        return Optional.ofNullable(stored.get(runId));
    });

    private static HistoryEvent entry(String runId, EventType type, String data) {
        return new HistoryEvent(runId, 1, type, type.name().startsWith("STEP") || type == EventType.LOG
                ? Optional.of("pack") : Optional.empty(), 0, Instant.now(), data);
    }

    @Test
    void aChildsStartNamesItsParentAndItsLaterStatusChangesAreToldWithoutAReadOfTheStore() {
        assertThat(feed.parentOf(entry("child", EventType.FLOW_START,
                "{\"parentRunId\":\"parent\",\"idempotencyKey\":\"k\",\"input\":{\"huge\":[1,2,3]}}"))).contains("parent");
        assertThat(feed.parentOf(entry("child", EventType.AWAIT_REGISTERED, "{}"))).contains("parent");
        assertThat(feed.parentOf(entry("child", EventType.FLOW_COMPLETED, "{}"))).contains("parent");
        assertThat(feed.parentOf(entry("top", EventType.FLOW_START, "{\"input\":{\"parentRunId\":\"not-this\"}}")))
                .isEmpty();
        assertThat(feed.parentOf(entry("top", EventType.FLOW_FAILED, "{}"))).isEmpty();

        assertThat(reads).isEmpty();
    }

    @Test
    void theParentOfARunWhoseStartWasNotSeenIsReadOnceAndAStepsOrALogsEntryIsNotLookedAt() {
        assertThat(feed.parentOf(entry("child-seen-before", EventType.AWAIT_RESOLVED, "{}"))).contains("parent");
        assertThat(feed.parentOf(entry("child-seen-before", EventType.FLOW_CANCEL, "{}"))).contains("parent");
        assertThat(feed.parentOf(entry("other", EventType.STEP_COMPLETED, "{}"))).isEmpty();
        assertThat(feed.parentOf(entry("other", EventType.LOG, "{}"))).isEmpty();

        assertThat(reads).containsExactly("child-seen-before");
    }

    /** A restart's or rerun's copy keeps its original's parent, but its start names the original, not the parent. */
    @Test
    void theParentOfARestartsCopyIsReadFromTheStore() {
        assertThat(feed.parentOf(entry("copy", EventType.FLOW_START, "{\"restartOf\":\"original\",\"input\":{}}")))
                .contains("parent");

        assertThat(reads).containsExactly("copy");
    }
}

package io.nvent.web.internal.live;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.StepProgress;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.PublishedEvent;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The seam between backfill and live entries, and the slow-client policy, without a container. */
class LiveClientTest {

    private static final String RUN = "run-1";

    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final StoredHistory store = new StoredHistory();
    private final Recorder outlet = new Recorder();
    private final ChildFollowers followers = new ChildFollowers();

    @AfterEach
    void stop() {
        executor.shutdownNow();
        timer.shutdownNow();
    }

    private LiveClient client(LiveLimits limits) {
        return client(outlet, limits);
    }

    private LiveClient client(Recorder to, LiveLimits limits) {
        return new LiveClient(to, new LiveRuntime(executor, timer, store, limits, followers), c -> { });
    }

    private static LiveLimits limits(int maxQueued, int pageSize) {
        return new LiveLimits(maxQueued, pageSize, 8, 10_000, Duration.ofMillis(50), Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofSeconds(20), 10);
    }

    @Test
    void aClientSubscribingMidRunGetsTheWholeHistoryThenLiveEntriesExactlyOnceInOrder() {
        store.append(250);
        LiveClient client = client(limits(10_000, 100));

        client.receive("{\"type\":\"subscribe\",\"runId\":\"" + RUN + "\"}");
        for (int i = 0; i < 150; i++) {
            HistoryEvent stored = store.append(1).get(0);
            client.offer(new PublishedEvent("flow", stored));
            if (i % 10 == 0) {
                client.offer(new PublishedEvent("flow", store.get(stored.seq() - 5)));   // a late duplicate
            }
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> outlet.seqs().size() >= 400);
        assertThat(outlet.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, 400).boxed().toList());
        assertThat(outlet.types().get(0)).isEqualTo("subscribed");
        assertThat(outlet.types()).contains("history");
        assertThat(outlet.messages()).filteredOn(m -> m.getString("type").equals("history"))
                .last().satisfies(m -> assertThat(m.getBoolean("complete")).isTrue());
    }

    @Test
    void liveEntriesPublishedOutOfOrderOrLostAreDeliveredInOrderFromTheStore() {
        store.append(3);
        LiveClient client = client(limits(10_000, 100));
        client.receive("{\"type\":\"subscribe\",\"runId\":\"" + RUN + "\",\"afterSeq\":1}");
        await().until(() -> outlet.seqs().size() == 2);

        List<HistoryEvent> more = store.append(4);   // seq 4..7
        client.offer(new PublishedEvent("flow", more.get(1)));   // 5 before 4
        client.offer(new PublishedEvent("flow", more.get(0)));
        client.offer(new PublishedEvent("flow", more.get(3)));   // 7; 6 never arrives live

        await().atMost(Duration.ofSeconds(10)).until(() -> outlet.seqs().size() == 6);
        assertThat(outlet.seqs()).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void aClientThatStopsReadingIsClosedWithTryAgainLaterInsteadOfSkippingEntries() {
        outlet.stall = true;
        LiveClient client = client(limits(20, 100));
        client.receive("{\"type\":\"subscribe\",\"all\":true}");

        for (HistoryEvent event : store.append(50)) {
            client.offer(new PublishedEvent("flow", event));
        }

        assertThat(outlet.closedWith).isEqualTo(LiveClient.TRY_AGAIN_LATER);
    }

    @Test
    void aClientFollowingARunGetsItsStepsProgressWhenItChangesAndOnceWhenItBeginsToFollow() {
        Map<String, StepProgress> stored = new ConcurrentHashMap<>();
        ProgressFeed feed = feedOfRun(stored);
        LiveClient follower = client(limits(100, 100));
        Recorder laterOutlet = new Recorder();
        LiveClient later = client(laterOutlet, limits(100, 100));
        Recorder everythingOutlet = new Recorder();
        LiveClient everything = client(everythingOutlet, limits(100, 100));
        store.append(RUN, EventType.STEP_STARTED, "load");
        follow(follower, outlet, RUN);
        everything.receive("{\"type\":\"subscribe\",\"all\":true}");
        Instant at = Instant.parse("2026-12-05T10:00:00Z");

        stored.put("load", new StepProgress(1200, 50_000, Optional.of("customers.csv"), at));
        feed.round(List.of(follower, later, everything));
        feed.round(List.of(follower, later, everything));
        stored.put("load", new StepProgress(2400, 50_000, Optional.empty(), at.plusSeconds(1)));
        feed.round(List.of(follower, later, everything));
        follow(later, laterOutlet, RUN);
        feed.round(List.of(follower, later, everything));

        List<JsonObject> progress = progressMessages(outlet);
        assertThat(progress).as("one a change, none for a round without").hasSize(2);
        assertThat(progress.get(0).getString("runId")).isEqualTo(RUN);
        assertThat(progress.get(0).getString("flow")).isEqualTo("flow");
        assertThat(progress.get(0).getString("step")).isEqualTo("load");
        assertThat(progress.get(0).getJsonObject("progress").toString()).isEqualTo("{\"done\":1200,\"total\":50000,"
                + "\"percent\":2,\"message\":\"customers.csv\",\"reportedAt\":\"2026-12-05T10:00:00Z\"}");
        assertThat(progress.get(1).getJsonObject("progress").getInt("done")).isEqualTo(2400);
        assertThat(progressMessages(laterOutlet)).as("the latest, once it follows the run").singleElement()
                .satisfies(m -> assertThat(m.getJsonObject("progress").getInt("done")).isEqualTo(2400));
        assertThat(progressMessages(everythingOutlet)).as("a client that follows no run by id").isEmpty();
    }

    @Test
    void aStepWhoseProgressWentIsClearedForTheClientsThatWereSentItAndOnlyOnce() {
        Map<String, StepProgress> stored = new ConcurrentHashMap<>(Map.of("load",
                new StepProgress(1200, 50_000, Optional.empty(), Instant.parse("2026-12-05T10:00:00Z"))));
        ProgressFeed feed = feedOfRun(stored);
        store.append(RUN, EventType.STEP_STARTED, "load");
        LiveClient follower = client(limits(100, 100));
        follow(follower, outlet, RUN);
        Recorder laterOutlet = new Recorder();
        LiveClient later = client(laterOutlet, limits(100, 100));
        feed.round(List.of(follower, later));

        stored.clear();   // the attempt failed, its retry reported nothing yet
        follow(later, laterOutlet, RUN);
        feed.round(List.of(follower, later));
        feed.round(List.of(follower, later));

        assertThat(messagesOfType(outlet, "progress.cleared")).as("once, after the progress it was sent")
                .singleElement().satisfies(m -> assertThat(m.toString()).isEqualTo("{\"type\":\"progress.cleared\","
                        + "\"runId\":\"" + RUN + "\",\"flow\":\"flow\",\"step\":\"load\"}"));
        assertThat(messagesOfType(laterOutlet, "progress.cleared")).as("never sent the progress").isEmpty();
    }

    @Test
    void aRoundDoesNotBeginWhileTheLastIsUnderWayOrWaitsToBegin() {
        List<Runnable> planned = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        ProgressFeed feed = new ProgressFeed(runId -> {
            reads.incrementAndGet();
            return Map.of();
        });
        LiveClient follower = client(limits(100, 100));
        store.append(RUN, EventType.STEP_STARTED, "load");
        follow(follower, outlet, RUN);

        feed.roundOn(planned::add, () -> List.of(follower));
        feed.roundOn(planned::add, () -> List.of(follower));
        assertThat(planned).as("the second waits for none to be planned").hasSize(1);
        planned.get(0).run();
        feed.roundOn(planned::add, () -> List.of(follower));

        assertThat(planned).as("once the first has run, the next").hasSize(2);
        assertThat(reads).hasValue(1);
    }

    @Test
    void onlyRunsWithARunningStepAreReadAndAtMostSoManyARoundThoseReadLongestAgoFirst() {
        Map<String, java.util.concurrent.atomic.AtomicInteger> reads = new ConcurrentHashMap<>();
        ProgressFeed feed = new ProgressFeed(runId -> {
            reads.computeIfAbsent(runId, id -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            return Map.of();
        }, 2);
        LiveClient follower = client(limits(100, 100));
        for (String runId : List.of("run-a", "run-b", "run-c", "run-ended")) {
            store.append(runId, EventType.STEP_STARTED, "load");
        }
        store.append("run-ended", EventType.STEP_COMPLETED, "load");
        for (String runId : List.of("run-a", "run-b", "run-c", "run-ended")) {
            follow(follower, outlet, runId);
        }

        for (int round = 0; round < 3; round++) {
            feed.round(List.of(follower));
        }

        assertThat(reads).as("two a round, in turn; none of a run whose step ended").containsOnlyKeys("run-a",
                "run-b", "run-c");
        assertThat(reads.values()).extracting(java.util.concurrent.atomic.AtomicInteger::get)
                .containsExactlyInAnyOrder(2, 2, 2);
    }

    @Test
    void aClientThatBeganFollowingWhileTheReadFailedGetsTheProgressOnceItIsRead() {
        Map<String, StepProgress> stored = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean storeAway = new java.util.concurrent.atomic.AtomicBoolean();
        ProgressFeed feed = new ProgressFeed(runId -> {
            if (storeAway.get()) {
                throw new IllegalStateException("the store is away");
            }
            return Map.copyOf(stored);
        });
        LiveClient follower = client(limits(100, 100));
        Recorder laterOutlet = new Recorder();
        LiveClient later = client(laterOutlet, limits(100, 100));
        store.append(RUN, EventType.STEP_STARTED, "load");
        follow(follower, outlet, RUN);
        stored.put("load", new StepProgress(1200, 50_000, Optional.empty(), Instant.parse("2026-12-05T10:00:00Z")));
        feed.round(List.of(follower, later));

        storeAway.set(true);
        follow(later, laterOutlet, RUN);
        feed.round(List.of(follower, later));
        storeAway.set(false);
        feed.round(List.of(follower, later));

        assertThat(progressMessages(outlet)).as("unchanged: once").hasSize(1);
        assertThat(progressMessages(laterOutlet)).as("the current value, though it did not change").singleElement()
                .satisfies(m -> assertThat(m.getJsonObject("progress").getInt("done")).isEqualTo(1200));
    }

    /** A feed whose store keeps {@code stored} as the progress of {@link #RUN}, and none of other runs. */
    private static ProgressFeed feedOfRun(Map<String, StepProgress> stored) {
        return new ProgressFeed(runId -> runId.equals(RUN) ? Map.copyOf(stored) : Map.of());
    }

    /** Subscribes {@code client} to a run and waits until it has the run's history. */
    private static void follow(LiveClient client, Recorder outlet, String runId) {
        client.receive("{\"type\":\"subscribe\",\"runId\":\"" + runId + "\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> outlet.messages().stream().anyMatch(m ->
                m.getString("type").equals("history") && m.getString("runId").equals(runId)
                        && m.getBoolean("complete")));
    }

    private static List<JsonObject> progressMessages(Recorder from) {
        return messagesOfType(from, "progress");
    }

    private static List<JsonObject> messagesOfType(Recorder from, String type) {
        await().atMost(Duration.ofSeconds(10)).until(() -> from.types().contains("subscribed"));
        return from.messages().stream().filter(m -> m.getString("type").equals(type)).toList();
    }

    @Test
    void largeEntriesAreSpreadOverSeveralHistoryMessages() {
        String big = "{\"blob\":\"" + "x".repeat(100_000) + "\"}";
        List<HistoryEvent> batch = LongStream.rangeClosed(1, 10).mapToObj(seq -> new HistoryEvent(RUN, seq,
                EventType.LOG, Optional.of("s"), 1, Instant.now(), big)).toList();

        List<List<HistoryEvent>> chunks = RunCursor.chunks(batch);

        assertThat(chunks).hasSizeGreaterThan(3).allSatisfy(c -> assertThat(c).isNotEmpty().hasSizeLessThanOrEqualTo(3));
        assertThat(chunks.stream().flatMap(List::stream).map(HistoryEvent::seq).toList())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
        assertThat(RunCursor.chunks(List.of())).containsExactly(List.of());
    }

    @Test
    void badRequestsAreAnsweredWithErrorsAndTheConnectionStaysOpen() {
        LiveClient client = client(limits(100, 100));

        client.receive("not json");
        client.receive("{\"type\":\"subscribe\"}");
        client.receive("{\"type\":\"subscribe\",\"runId\":\"nope\"}");
        client.receive("{\"type\":123}");
        client.receive("{\"type\":\"subscribe\",\"runId\":\"" + RUN + "\",\"afterSeq\":99999999999999999999999}");
        client.receive("{\"type\":\"subscribe\",\"all\":true,\"flow\":\"order\"}");
        client.receive("{\"type\":\"subscribe\",\"flow\":\"no-such-flow\"}");
        client.receive("{\"type\":\"ping\",\"id\":7}");
        client.receive("{\"type\":\"subscribe\",\"all\":\"yes\"}");

        await().until(() -> outlet.messages().size() == 9);
        assertThat(outlet.messages()).extracting(m -> m.getString("type"))
                .containsExactly("error", "error", "error", "error", "error", "error", "error", "pong", "error");
        assertThat(outlet.messages()).filteredOn(m -> m.getString("type").equals("error")
                && m.getInt("status") == 400).extracting(m -> m.getString("message")).allSatisfy(message ->
                        assertThat(message).startsWith("NVENT-0783 "));
        assertThat(outlet.messages().get(8).getString("message"))
                .isEqualTo("NVENT-0783 \"all\" must be true or false, was \"yes\"");
        assertThat(outlet.messages().get(5).getString("message")).contains("one of");
        assertThat(outlet.messages().get(6).getInt("status")).isEqualTo(404);
        assertThat(outlet.messages().get(6).getString("message")).contains("no flow named 'no-such-flow'");
        assertThat(outlet.messages().get(2).getInt("status")).isEqualTo(404);
        assertThat(outlet.messages().get(3).getString("message")).contains("\"type\" must be a non-empty string");
        assertThat(outlet.messages().get(4).getString("message")).contains("\"afterSeq\" must be a sequence number");
        assertThat(outlet.closedWith).isNull();
    }

    @Test
    void anUnsubscribeFromWhatTheConnectionDoesNotFollowIsRefusedWhileOneFromWhatItFollowsStopsIt() {
        LiveClient client = client(limits(100, 100));

        client.receive("{\"type\":\"unsubscribe\",\"runId\":\"" + RUN + "\"}");
        client.receive("{\"type\":\"unsubscribe\",\"flow\":\"flow\"}");
        client.receive("{\"type\":\"unsubscribe\",\"all\":true}");
        client.receive("{\"type\":\"unsubscribe.stats\"}");
        client.receive("{\"type\":\"subscribe\",\"flow\":\"flow\"}");
        client.receive("{\"type\":\"unsubscribe\",\"flow\":\"flow\"}");
        client.receive("{\"type\":\"unsubscribe\",\"flow\":\"flow\"}");

        await().until(() -> outlet.messages().size() == 7);
        assertThat(outlet.messages()).extracting(m -> m.getString("type"))
                .containsExactly("error", "error", "error", "error", "subscribed", "unsubscribed", "error");
        assertThat(outlet.messages()).filteredOn(m -> m.getString("type").equals("error"))
                .allSatisfy(error -> assertThat(error.getInt("status")).isEqualTo(404))
                .extracting(m -> m.getString("message")).allSatisfy(message ->
                        assertThat(message).startsWith("NVENT-0767 this connection is not subscribed to "));
        assertThat(outlet.messages().get(0).getString("message")).contains("{\"runId\":\"" + RUN + "\"}");
        assertThat(outlet.messages().get(3).getString("message")).contains("the statistics");
        assertThat(outlet.messages().get(5).getString("flow")).isEqualTo("flow");
    }

    /**
     * The console's "Runs below" panel follows the children of the runs it shows: a connection subscribed by
     * {@code parentRunId} gets the status changes of that run's children, and of no other run's.
     */
    @Test
    void aClientFollowingARunsChildrenGetsTheirStatusChangesOnlyUntilItUnsubscribes() {
        LiveClient client = client(limits(100, 100));
        HistoryEvent childEnded = new HistoryEvent("child-1", 4, EventType.FLOW_COMPLETED, Optional.empty(), 0,
                Instant.now(), "{}");

        client.receive("{\"type\":\"subscribe\",\"parentRunId\":\"" + RUN + "\"}");
        client.receive("{\"type\":\"subscribe\",\"parentRunId\":\"no-such-run\"}");
        assertThat(followers.of(RUN)).containsExactly(client);
        client.offerChild(RUN, new PublishedEvent("parcel", childEnded));
        client.offerChild("another-run", new PublishedEvent("parcel", childEnded));
        client.receive("{\"type\":\"unsubscribe\",\"parentRunId\":\"" + RUN + "\"}");
        client.offerChild(RUN, new PublishedEvent("parcel", childEnded));

        await().until(() -> outlet.messages().size() == 4);
        assertThat(outlet.types()).containsExactly("subscribed", "error", "child", "unsubscribed");
        assertThat(outlet.messages().get(0).getString("parentRunId")).isEqualTo(RUN);
        assertThat(outlet.messages().get(1).getString("message")).startsWith("NVENT-0202 run 'no-such-run'");
        JsonObject child = outlet.messages().get(2);
        assertThat(child.getString("parentRunId")).isEqualTo(RUN);
        assertThat(child.getString("runId")).isEqualTo("child-1");
        assertThat(child.getString("flow")).isEqualTo("parcel");
        assertThat(child.getJsonObject("event").getString("type")).isEqualTo("flow.completed");
        assertThat(followers.any()).isFalse();
    }

    /**
     * A parent whose children change in a burst (a batch fan-out finishing, a cancel with children) put a slow
     * connection more than 1,000 messages behind: it was closed with 1013 and the console read everything again,
     * just as an operator watched the tree. A child's changes not yet sent are merged into its latest, so a
     * connection waits with one message per child at most, and is sent each child's last status.
     */
    @Test
    void aBurstOfChangesOfAFewHundredChildrenKeepsTheSlowConnectionOpenAndSendsEachChildsLastStatus() {
        LiveClient client = stalledFollowingTheChildrenOfRun();

        for (int change = 0; change < 20; change++) {
            for (int child = 0; child < 500; child++) {
                childChanged(client, "child-" + child, change + 1,
                        change == 19 ? EventType.FLOW_COMPLETED : EventType.AWAIT_REGISTERED);
            }
        }

        assertThat(outlet.closedWith).as("10,000 changes of 500 children").isNull();
        assertThat(client.pendingChildMessages()).as("one a child").isEqualTo(500);
        readsAgainUntilSent(client);
        List<JsonObject> children = outlet.messages().stream().filter(m -> m.getString("type").equals("child"))
                .toList();
        assertThat(children).as("each child's last status, once").hasSize(500)
                .allSatisfy(m -> assertThat(m.getJsonObject("event").getString("type")).isEqualTo("flow.completed"));
        assertThat(children).extracting(m -> m.getString("runId")).doesNotHaveDuplicates();
        assertThat(outlet.closedWith).isNull();
    }

    /**
     * 10,000 children ending at once are more than a connection waits for one by one: the parent's changes not yet
     * sent become one {@code children.changed} ("read this level again", as the console does on any change), sent
     * after every status it stands for, so no child's last status is lost to the console.
     */
    @Test
    void tenThousandChildrenEndingAtOnceKeepTheSlowConnectionOpenAndEndInOneReadAgainForTheirParent() {
        LiveClient client = stalledFollowingTheChildrenOfRun();

        for (int child = 0; child < 10_000; child++) {
            childChanged(client, "child-" + child, 7, EventType.FLOW_CANCEL);
            assertThat(client.pendingChildMessages()).as("bounded").isLessThanOrEqualTo(1000);
        }

        assertThat(outlet.closedWith).as("a cancel of 10,000 children").isNull();
        readsAgainUntilSent(client);
        List<JsonObject> sent = outlet.messages();
        assertThat(sent.size()).as("not one message a change").isLessThan(1100);
        int readAgain = lastIndexOf(sent, "children.changed");
        assertThat(readAgain).as("a read again").isPositive()
                .as("after every child status it did not stand for").isGreaterThan(lastIndexOf(sent, "child"));
        assertThat(sent.get(readAgain).getString("parentRunId")).isEqualTo(RUN);
        assertThat(outlet.closedWith).isNull();

        childChanged(client, "child-late", 1, EventType.FLOW_START);
        await().until(() -> outlet.messages().size() == sent.size() + 1);
        assertThat(outlet.messages().get(sent.size()).getString("runId")).as("one by one again once read")
                .isEqualTo("child-late");
    }

    /**
     * The hub hands status changes over on several threads, and another instance's may come late: a child's change
     * waiting to be sent was replaced by whichever came last, so a late {@code flow.start} replaced the child's
     * {@code flow.completed} and the client never heard that the child ended. The latest by {@code seq} waits.
     */
    @Test
    void aChildsEarlierChangeComingLateDoesNotReplaceItsLaterOneWaitingToBeSent() {
        LiveClient client = stalledFollowingTheChildrenOfRun();

        childChanged(client, "child-1", 5, EventType.FLOW_COMPLETED);
        childChanged(client, "child-1", 1, EventType.FLOW_START);
        readsAgainUntilSent(client);

        assertThat(outlet.messages()).filteredOn(m -> m.getString("type").equals("child"))
                .extracting(m -> m.getJsonObject("event").getString("type")).containsExactly("flow.completed");
    }

    /** The changes of a parent's children not yet sent are not sent after its {@code unsubscribed}. */
    @Test
    void theChildChangesNotYetSentGoWithTheUnsubscribe() {
        LiveClient client = stalledFollowingTheChildrenOfRun();
        for (int child = 0; child < 1500; child++) {
            childChanged(client, "child-" + child, 2, EventType.FLOW_COMPLETED);
        }

        client.receive("{\"type\":\"unsubscribe\",\"parentRunId\":\"" + RUN + "\"}");
        outlet.readAgain();

        await().until(() -> outlet.types().contains("unsubscribed"));
        assertThat(outlet.types()).containsExactly("subscribed", "pong", "unsubscribed");
        assertThat(client.pendingChildMessages()).isZero();
    }

    /**
     * A client following the children of {@link #RUN}, held to 1,000 messages, whose connection stopped reading: its
     * {@code pong} is being written, and nothing after it until {@link #readsAgainUntilSent}.
     */
    private LiveClient stalledFollowingTheChildrenOfRun() {
        LiveClient client = followingTheChildrenOfRun(limits(1000, 100));
        outlet.stall = true;
        client.receive("{\"type\":\"ping\"}");
        return client;
    }

    /** A status change of a child of {@link #RUN}, of flow "parcel", offered to the client. */
    private static void childChanged(LiveClient client, String childRunId, long seq, EventType type) {
        client.offerChild(RUN, new PublishedEvent("parcel", new HistoryEvent(childRunId, seq, type, Optional.empty(), 0,
                Instant.now(), "{}")));
    }

    /** The stalled connection reads again, until every message and child change waiting was sent. */
    private void readsAgainUntilSent(LiveClient client) {
        outlet.readAgain();
        await().until(() -> client.pendingChildMessages() == 0 && client.backlog() == 0);
    }

    private LiveClient followingTheChildrenOfRun(LiveLimits limits) {
        LiveClient client = client(limits);
        client.receive("{\"type\":\"subscribe\",\"parentRunId\":\"" + RUN + "\"}");
        await().until(() -> outlet.types().contains("subscribed"));
        return client;
    }

    private static int lastIndexOf(List<JsonObject> messages, String type) {
        int last = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).getString("type").equals(type)) {
                last = i;
            }
        }
        return last;
    }

    /**
     * A status change goes to the connections that follow its run's parent, found by that run: not by asking every
     * connected client (a scan per change of any run while one console shows a Runs below panel). A connection that
     * closes, or subscribes after it closed, is among no run's followers.
     */
    @Test
    void theConnectionsFollowingARunsChildrenAreFoundByThatRunAndNoLongerOnceClosed() {
        LiveClient following = client(limits(100, 100));
        LiveClient other = client(new Recorder(), limits(100, 100));
        store.append("run-2", EventType.FLOW_START, "entry");

        following.receive("{\"type\":\"subscribe\",\"parentRunId\":\"" + RUN + "\"}");
        following.receive("{\"type\":\"subscribe\",\"parentRunId\":\"run-2\"}");
        other.receive("{\"type\":\"subscribe\",\"parentRunId\":\"run-2\"}");
        assertThat(followers.of(RUN)).containsExactly(following);
        assertThat(followers.of("run-2")).containsExactlyInAnyOrder(following, other);
        assertThat(followers.of("run-3")).isEmpty();

        following.release();
        other.receive("{\"type\":\"unsubscribe\",\"parentRunId\":\"run-2\"}");
        following.receive("{\"type\":\"subscribe\",\"parentRunId\":\"" + RUN + "\"}");

        assertThat(followers.of(RUN)).isEmpty();
        assertThat(followers.any()).as("no run's children followed by anyone").isFalse();
    }

    @Test
    void aMessageWithTextAfterItsJsonValueIsRefusedRatherThanTakenForTheValue() {
        LiveClient client = client(limits(100, 100));

        client.receive("{\"type\":\"subscribe\",\"all\":true} {\"type\":\"ping\"}");

        await().until(() -> !outlet.messages().isEmpty());
        assertThat(outlet.messages().get(0).getString("type")).isEqualTo("error");
        assertThat(outlet.messages().get(0).getString("message")).startsWith("NVENT-0758 the message is not one "
                + "JSON value: text follows the JSON value, which ends at line 1, column ");
    }

    /**
     * Review finding: the REST API now refuses a JSON body giving a member twice (NVENT-0780), but the live
     * stream still takes the last value: a client asking for run "nope" and then run-1 in one message is
     * silently subscribed to run-1.
     */
    @Test
    void reviewAMessageGivingAMemberTwiceIsRefusedAsTheRestApiRefusesIt() {
        LiveClient client = client(limits(100, 100));

        client.receive("{\"type\":\"subscribe\",\"runId\":\"nope\",\"runId\":\"" + RUN + "\"}");

        await().until(() -> !outlet.messages().isEmpty());
        assertThat(outlet.messages().get(0).getString("type")).isEqualTo("error");
        assertThat(outlet.messages().get(0).getInt("status")).isEqualTo(400);
    }

    /** Approves an expense. */
    @io.nvent.FlowStep(flow = "expense", name = "approve", role = io.nvent.StepRole.ENTRY)
    public static class Approve implements io.nvent.Step<Object, String> {
        @Override
        public String execute(Object input, io.nvent.StepContext ctx) {
            return "approved";
        }
    }

    @Test
    void aSubscriptionToAMisspeltFlowIsAnsweredWithTheEnginesMessageWhichAsksWhichFlowWasMeant() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Approve()).build()) {
            LiveClient client = new LiveClient(outlet, new LiveRuntime(executor, timer,
                    new LiveHub.StoreHistory(engine.flows()), limits(100, 100)), c -> { });

            client.receive("{\"type\":\"subscribe\",\"flow\":\"expnse\"}");
            client.receive("{\"type\":\"subscribe\",\"flow\":\"expense\"}");

            await().until(() -> outlet.messages().size() == 2);
            assertThat(outlet.messages().get(0).getString("type")).isEqualTo("error");
            assertThat(outlet.messages().get(0).getInt("status")).isEqualTo(404);
            assertThat(outlet.messages().get(0).getString("message")).isEqualTo("NVENT-0201 no flow named 'expnse' is"
                    + " registered; did you mean 'expense'?; deployed flows: expense");
            assertThat(outlet.messages().get(1).getString("type")).isEqualTo("subscribed");
        }
    }

    @Test
    void aRunIdOrFlowWithANulIsUnknownAndAStoreFailureIsAnsweredToo() {
        LiveClient client = client(limits(100, 100));

        client.receive("{\"type\":\"subscribe\",\"runId\":\"a\\u0000b\",\"afterSeq\":0}");
        client.receive("{\"type\":\"subscribe\",\"flow\":\"a\\u0000b\"}");
        client.receive("{\"type\":\"subscribe\",\"runId\":\"" + StoredHistory.STORE_FAILS + "\"}");

        await().until(() -> outlet.messages().size() == 3);
        assertThat(outlet.messages()).extracting(m -> m.getString("type")).containsOnly("error");
        assertThat(outlet.messages()).extracting(m -> m.getInt("status")).containsExactly(404, 404, 500);
        assertThat(outlet.messages().get(0).getString("message")).startsWith("NVENT-0202 run 'a\u0000b' does not exist");
        assertThat(outlet.messages().get(2).getString("message"))
                .isEqualTo("NVENT-0786 the request failed on the server; its log has the details")
                .doesNotContain("select");
        assertThat(outlet.closedWith).isNull();
    }

    @Test
    void messagesThatAreNoJsonObjectsAreToldWhatIsWrongInTheClientsTerms() {
        LiveClient client = client(limits(100, 100));

        client.receive("{\"type\" \"ping\"}");
        client.receive("[{\"type\":\"ping\"}]");
        client.receive("\"ping\"");

        await().until(() -> outlet.messages().size() == 3);
        assertThat(outlet.messages()).extracting(m -> m.getString("message")).containsExactly(
                "NVENT-0783 messages must be JSON objects with a \"type\"; this one is not valid JSON at line 1, "
                        + "column 14: expected ':'",
                "NVENT-0783 messages must be JSON objects with a \"type\"; this one is an array",
                "NVENT-0783 messages must be JSON objects with a \"type\"; this one is a string");
        assertThat(outlet.messages()).allSatisfy(m -> assertThat(m.toString()).doesNotContain("Parser", "token"));
    }

    /** A run's history in memory, gapless from 1. */
    private static final class StoredHistory implements History {

        private final List<HistoryEvent> events = Collections.synchronizedList(new ArrayList<>());
        /** The histories of runs other than {@link #RUN}, made by {@link #append(String, EventType, String)}. */
        private final Map<String, List<HistoryEvent>> others = new ConcurrentHashMap<>();

        /** Appends an entry of a step to a run's history: {@link #RUN}'s, or another run's of flow "flow". */
        HistoryEvent append(String runId, EventType type, String step) {
            List<HistoryEvent> history = historyOf(runId);
            synchronized (history) {
                HistoryEvent e = new HistoryEvent(runId, history.size() + 1, type, Optional.of(step), 1, Instant.now(),
                        "{}");
                history.add(e);
                return e;
            }
        }

        private List<HistoryEvent> historyOf(String runId) {
            return runId.equals(RUN) ? events
                    : others.computeIfAbsent(runId, id -> Collections.synchronizedList(new ArrayList<>()));
        }

        List<HistoryEvent> append(int count) {
            List<HistoryEvent> added = new ArrayList<>();
            synchronized (events) {
                for (int i = 0; i < count; i++) {
                    HistoryEvent e = new HistoryEvent(RUN, events.size() + 1, EventType.LOG, Optional.of("s"), 1,
                            Instant.now(), "{\"message\":\"line " + (events.size() + 1) + "\"}");
                    events.add(e);
                    added.add(e);
                }
            }
            return added;
        }

        HistoryEvent get(long seq) {
            return events.get((int) seq - 1);
        }

        /** A run id whose lookup fails as the store's would. */
        static final String STORE_FAILS = "store-fails";

        @Override
        public Optional<String> flowOf(String runId) {
            failAsPostgresqlWould(runId);
            return runId.equals(RUN) || others.containsKey(runId) ? Optional.of("flow") : Optional.empty();
        }

        @Override
        public void requireFlow(String flow) {
            if (!flow.equals("flow")) {
                throw new io.nvent.FlowNotFoundException(flow, List.of("flow"), Optional.empty());
            }
        }

        private static void failAsPostgresqlWould(String id) {
            if (id.indexOf('\u0000') >= 0 || id.equals(STORE_FAILS)) {
                throw new io.nvent.NventException("NVENT-0302 store read failed: select flow from nvent_run where "
                        + "run_id = ? (22021: invalid byte sequence for encoding \"UTF8\": 0x00)");
            }
        }

        @Override
        public List<HistoryEvent> read(String runId, long afterSeq, int limit) {
            List<HistoryEvent> history = historyOf(runId);
            synchronized (history) {
                return List.copyOf(history.subList((int) Math.min(afterSeq, history.size()),
                        (int) Math.min(afterSeq + limit, history.size())));
            }
        }
    }

    /** Records what is sent; completes each send at once unless stalled. */
    private static final class Recorder implements Outlet {

        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile boolean stall;
        volatile Integer closedWith;
        /** The send a stalled connection has not written yet. */
        private volatile Consumer<Throwable> unwritten;

        @Override
        public String id() {
            return "test";
        }

        @Override
        public void send(String text, Consumer<Throwable> done) {
            sent.add(text);
            if (stall) {
                unwritten = done;
            } else {
                done.accept(null);
            }
        }

        /** A stalled connection reads again: the send under way is written, and each one after it at once. */
        void readAgain() {
            stall = false;
            Consumer<Throwable> done = unwritten;
            unwritten = null;
            if (done != null) {
                done.accept(null);
            }
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }

        List<JsonObject> messages() {
            return sent.stream().map(t -> Json.createReader(new StringReader(t)).readObject()).toList();
        }

        List<String> types() {
            return messages().stream().map(m -> m.getString("type")).toList();
        }

        List<Long> seqs() {
            List<Long> seqs = new ArrayList<>();
            for (JsonObject m : messages()) {
                if (m.getString("type").equals("history")) {
                    m.getJsonArray("events").getValuesAs(JsonObject.class)
                            .forEach(e -> seqs.add(e.getJsonNumber("seq").longValue()));
                } else if (m.getString("type").equals("event")) {
                    seqs.add(m.getJsonObject("event").getJsonNumber("seq").longValue());
                }
            }
            return seqs;
        }
    }
}

package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.NventException;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RetentionPurge;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link FlowStore} shows. Subclass it once per backend and implement
 * {@link #createStore()}:
 *
 * <pre>{@code
 * class MemoryFlowStoreTest extends FlowStoreContractTest {
 *     @Override
 *     protected FlowStore createStore() {
 *         return new MemoryFlowStore();
 *     }
 * }
 * }</pre>
 *
 * <p>Every test starts from an empty store: return a new store from {@link #createStore()}, or
 * return a shared one and empty it in {@link #wipe(FlowStore)}. A store with a retention policy
 * names its age limit in {@link #retention()}. Tests never read the wall clock;
 * all times derive from {@link #T0} with millisecond precision, which every backend can store
 * exactly.
 *
 * <p>Beyond the Javadoc of {@link FlowStore}, these tests pin down:
 * <ul>
 *   <li>{@code readEvents}: filter by type and {@code seq > afterSeq}, order by {@code seq}
 *       (descending if {@code newestFirst}), then keep the first {@code limit}; an unknown run has no
 *       entries (empty list, no exception).</li>
 *   <li>Entries appended by one call get consecutive sequence numbers.</li>
 *   <li>{@code updateRun}: the version of the record the mutation returns is ignored; the stored
 *       version is the previous one plus one, also when the change alters nothing else. A status
 *       change is checked with {@link RunStatus#canTransitionTo}; keeping the status is always
 *       allowed. An exception thrown by the mutation propagates unchanged and nothing is stored.</li>
 *   <li>{@code findRuns}: newest {@code startedAt} first, then the greatest run id first; with a
 *       position ({@link RunQuery#startingAfter}) only the runs listed after it; with a parent
 *       ({@link RunQuery#withParentRunId}) only the runs that run started, with a label
 *       ({@link RunQuery#withLabel}) only the runs carrying it, with the other filters and the page
 *       applied to them.</li>
 *   <li>{@code childRunCounts}: the runs whose parent is the run, by status, running, awaiting and stalled ones
 *       as under way; none for a run without children or no run.</li>
 *   <li>{@code descendantRunCounts}, {@code hasDescendantRunsUnderWay}: the same of every run below the run, at any
 *       depth, through ended runs too (a completed child's running child is under way);
 *       {@code hasDescendantRunsBeyondDepthLimit}: whether a run deeper than the walks' limit was left uncounted
 *       (not one reached again round a cycle of parents).</li>
 *   <li>A run's labels ({@link RunRecord#labels()}) are kept as it was created with them, through
 *       every update, and go with it when it is deleted.</li>
 *   <li>State: a value with expiry {@code e} is visible at {@code now} iff {@code now < e};
 *       {@code purgeExpiredState(now)} removes exactly the values with {@code e <= now}. Writing a
 *       value replaces its expiry. {@code putState} on an unknown run throws
 *       {@link RunNotFoundException}; reading, deleting or clearing state of an unknown run does
 *       not.</li>
 *   <li>Payloads (input, result, emitted payloads, entry data, state) come back as the same JSON
 *       value, not necessarily the same text.</li>
 * </ul>
 *
 * @since 0.1
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class FlowStoreContractTest {

    /** The instant all test times derive from. */
    protected static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private static final String INPUT = "{\"order\":\"A-1\",\"qty\":3}";

    private FlowStore store;
    private String idPrefix;
    private final AtomicInteger counter = new AtomicInteger();

    /**
     * The store under test; called before each test. May return the same instance every time if
     * {@link #wipe(FlowStore)} empties it.
     *
     * @return the store, empty
     */
    protected abstract FlowStore createStore();

    /**
     * Removes every run, history entry and state value, so that the next test starts from an empty
     * store. The default does nothing, which is right for stores created fresh per test.
     *
     * @param storeToWipe the store the test used
     */
    protected void wipe(FlowStore storeToWipe) {
        // fresh stores are empty already
    }

    /**
     * How long the store under test keeps a finished run after it ended, by the retention
     * {@link FlowStore#purgeFinishedRuns} applies: empty for a store without retention, which keeps
     * every run (the default). Configure the store with an age limit alone for these tests.
     *
     * @return the age retention of the store {@link #createStore()} returns; empty for none
     */
    protected Optional<Duration> retention() {
        return Optional.empty();
    }

    /**
     * The store the current test uses.
     *
     * @return the store {@link #createStore()} returned for this test
     */
    protected final FlowStore store() {
        return store;
    }

    @BeforeEach
    void openStore(TestInfo info) {
        store = createStore();
        wipe(store);
        // Run ids name the test, which makes leftovers in a shared database easy to attribute.
        idPrefix = info.getTestMethod().map(Method::getName).orElse("test") + "-";
    }

    @AfterEach
    void forgetStore() {
        store = null;
    }

    // ---------------------------------------------------------------- runs

    @Test
    void createsRunAndFindsItById() {
        RunRecord run = newRun("orders");

        List<HistoryEvent> stored = store.createRun(run, List.of(
                EventDraft.ofRun(EventType.FLOW_START, T0, INPUT),
                EventDraft.ofStep(EventType.STEP_STARTED, "reserve", 1, T0.plusMillis(1), "{}")));

        assertThat(stored).extracting(HistoryEvent::seq).containsExactly(1L, 2L);
        assertThat(stored).extracting(HistoryEvent::runId).containsOnly(run.runId());
        assertSameRun(store.findRun(run.runId()).orElseThrow(), run);
    }

    @Test
    void findsNothingForAnUnknownRunId() {
        assertThat(store.findRun("no-such-run")).isEmpty();
    }

    @Test
    void readsManyRunsAtOnceLeavingOutIdsWithoutARun() {
        RunRecord first = createRun("orders");
        RunRecord second = createRun("invoices");
        RunRecord changed = store.updateRun(second.runId(), change(run -> run.withStep("bill", StepStatus.QUEUED)))
                .orElseThrow().run();

        List<RunRecord> read = store.readRuns(List.of(first.runId(), "no-such-run", second.runId(), first.runId()));

        assertThat(read).extracting(RunRecord::runId).containsExactlyInAnyOrder(first.runId(), second.runId());
        assertSameRun(read.stream().filter(run -> run.runId().equals(first.runId())).findFirst().orElseThrow(), first);
        assertSameRun(read.stream().filter(run -> run.runId().equals(second.runId())).findFirst().orElseThrow(),
                changed);
        assertThat(store.readRuns(List.of())).isEmpty();
        assertThat(store.readRuns(List.of("no-such-run"))).isEmpty();
    }

    @Test
    void keepsEveryFieldOfARun() {
        RunRecord run = new RunRecord(newRunId(), "orders", RunStatus.COMPLETED,
                "{\"nested\":{\"list\":[1,2.5,-3e2,true,false,null],\"text\":\"Grüße \\\"quoted\\\" 😀\"}}",
                Optional.of("{\"total\":42}"), Optional.of("parent-1"), T0, Optional.of(T0.plusSeconds(5)),
                Map.of("reserve", StepStatus.COMPLETED, "pay", StepStatus.FAILED, "ship", StepStatus.QUEUED,
                        "notify", StepStatus.RUNNING, "audit", StepStatus.RETRYING, "wait", StepStatus.AWAITING),
                Map.of("reserved", "{\"sku\":\"X\"}", "paid", "[1,2]", "noted", "\"text\"", "empty", "null"), 0);

        store.createRun(run, List.of());

        assertSameRun(store.findRun(run.runId()).orElseThrow(), run);
    }

    @Test
    void refusesToCreateARunWhoseIdExists() {
        RunRecord run = createRun("orders");

        RunRecord duplicate = RunRecord.started(run.runId(), "other", "{}", Optional.empty(), T0.plusSeconds(9));
        assertThatThrownBy(() -> store.createRun(duplicate, List.of(log(1))))
                .isInstanceOf(NventException.class);

        assertSameRun(store.findRun(run.runId()).orElseThrow(), run);
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
    }

    // ---------------------------------------------------------------- idempotency keys

    @Test
    void findsARunByTheIdempotencyKeyItHoldsAlsoAfterUpdates() {
        String key = newKey();
        RunRecord run = newRun("orders");
        store.createRun(run, List.of(log(1)), key);
        store.updateRun(run.runId(), setStatus(RunStatus.COMPLETED));

        assertThat(store.findRunByKey(key)).get().satisfies(found -> {
            assertThat(found.runId()).isEqualTo(run.runId());
            assertThat(found.status()).isEqualTo(RunStatus.COMPLETED);
        });
        assertThat(store.findRunByKey(newKey())).isEmpty();
    }

    /**
     * The engine tells the copy of a keyed restart that its request left unfinished (its instance stopped) by
     * the copy's version: 0, as created, until the first update; by every read, the maintenance sweep's read of
     * the running runs among them.
     */
    @Test
    void aRunCreatedWithAKeyIsReadAtVersionZeroUntilItsFirstUpdate() {
        String key = newKey();
        RunRecord run = newRun("orders");
        store.createRun(run, List.of(log(1)), key);

        assertThat(store.findRunByKey(key).orElseThrow().version()).isZero();
        assertThat(store.findRun(run.runId()).orElseThrow().version()).isZero();
        assertThat(store.readRuns(List.of(run.runId()))).singleElement()
                .satisfies(read -> assertThat(read.version()).isZero());
        assertThat(store.findRuns(new RunQuery(Optional.of("orders"), Optional.of(RunStatus.RUNNING), 0, 100)))
                .filteredOn(read -> read.runId().equals(run.runId())).singleElement()
                .satisfies(read -> assertThat(read.version()).isZero());
        store.updateRun(run.runId(), setStatus(RunStatus.CANCELED));
        assertThat(store.findRun(run.runId()).orElseThrow().version()).isPositive();
    }

    @Test
    void aRunCreatedWithoutAKeyHoldsNone() {
        RunRecord plain = createRun("orders");

        assertThat(store.findRunByKey(plain.runId())).isEmpty();
    }

    @Test
    void refusesASecondRunWithAKeyAnotherRunHoldsAndStoresNothingOfIt() {
        String key = newKey();
        RunRecord first = newRun("orders");
        store.createRun(first, List.of(log(1)), key);

        RunRecord second = newRun("orders");
        assertThatThrownBy(() -> store.createRun(second, List.of(log(2)), key))
                .isInstanceOf(NventException.class);

        assertThat(store.findRun(second.runId())).isEmpty();
        assertThat(store.readEvents(second.runId(), EventQuery.all())).isEmpty();
        assertThat(store.findRunByKey(key)).get().extracting(RunRecord::runId).isEqualTo(first.runId());
    }

    @Test
    void letsExactlyOneOfConcurrentCreationsWithOneKeySucceed() {
        String key = newKey();
        List<RunRecord> contenders = IntStream.range(0, 8).mapToObj(i -> newRun("orders")).toList();
        Set<String> created = Collections.synchronizedSet(new HashSet<>());

        runConcurrently(contenders.size(), thread -> {
            RunRecord run = contenders.get(thread);
            try {
                store.createRun(run, List.of(log(thread)), key);
                created.add(run.runId());
            } catch (NventException refused) {
                // another contender holds the key
            }
        });

        assertThat(created).hasSize(1);
        assertThat(store.findRunByKey(key)).get().extracting(RunRecord::runId).isEqualTo(created.iterator().next());
        assertThat(contenders).filteredOn(run -> store.findRun(run.runId()).isPresent()).hasSize(1);
    }

    @Test
    void freesTheKeyOfARunWhenTheRunIsDeleted() {
        String key = newKey();
        RunRecord first = newRun("orders");
        store.createRun(first, List.of(log(1)), key);
        store.updateRun(first.runId(), setStatus(RunStatus.COMPLETED));

        store.deleteFinishedRuns("orders");

        assertThat(store.findRunByKey(key)).isEmpty();
        RunRecord next = newRun("orders");
        store.createRun(next, List.of(log(2)), key);
        assertThat(store.findRunByKey(key)).get().extracting(RunRecord::runId).isEqualTo(next.runId());
    }

    @Test
    void keepsTheKeyARunWasStartedWithWhereverTheRunIsRead() {
        RunRecord run = newRun("orders").withIdempotencyKey("order-42 from the shop");
        String key = newKey();

        store.createRun(run, List.of(log(1)), key);
        store.updateRun(run.runId(), change(current -> current.withStep("reserve", StepStatus.QUEUED)));

        assertThat(store.findRun(run.runId())).get().extracting(RunRecord::idempotencyKey)
                .isEqualTo(Optional.of("order-42 from the shop"));
        assertThat(store.findRunByKey(key)).get().extracting(RunRecord::idempotencyKey)
                .isEqualTo(Optional.of("order-42 from the shop"));
        assertThat(store.readRuns(List.of(run.runId()))).extracting(RunRecord::idempotencyKey)
                .containsExactly(Optional.of("order-42 from the shop"));
        assertThat(store.findRuns(new RunQuery(Optional.of("orders"), Optional.empty(), 0, 10, Optional.empty())))
                .extracting(RunRecord::idempotencyKey).containsExactly(Optional.of("order-42 from the shop"));
    }

    @Test
    void listsAFailedRunWithItsErrorUntilTheRunGoesOn() {
        RunRecord run = createRun("orders");
        String error = "card declined: insufficient funds\n  at the gateway";

        store.updateRun(run.runId(), change(current -> current.withStep("pay", StepStatus.FAILED)
                .withFailure(T0.plusSeconds(9), error)));

        RunQuery failed = new RunQuery(Optional.of("orders"), Optional.of(RunStatus.FAILED), 0, 10, Optional.empty());
        assertThat(store.findRuns(failed)).extracting(RunRecord::error).containsExactly(Optional.of(error));
        assertThat(store.findRun(run.runId())).get().extracting(RunRecord::error).isEqualTo(Optional.of(error));

        store.updateRun(run.runId(), change(current -> current.withStep("pay", StepStatus.QUEUED)
                .withStatus(RunStatus.RUNNING, T0.plusSeconds(10))));

        assertThat(store.findRun(run.runId())).get().extracting(RunRecord::error).isEqualTo(Optional.empty());
    }

    @Test
    void aRefusedRunIdDoesNotTakeTheKey() {
        RunRecord existing = createRun("orders");
        String key = newKey();

        RunRecord sameId = RunRecord.started(existing.runId(), "orders", "{}", Optional.empty(), T0);
        assertThatThrownBy(() -> store.createRun(sameId, List.of(log(1)), key)).isInstanceOf(NventException.class);

        assertThat(store.findRunByKey(key)).isEmpty();
    }

    // ---------------------------------------------------------------- history

    @Test
    void appendsEventsWithGaplessSequenceNumbers() {
        RunRecord run = createRun("orders");

        List<HistoryEvent> first = store.appendEvents(run.runId(), List.of(log(1), log(2), log(3)));
        List<HistoryEvent> second = store.appendEvents(run.runId(), List.of(log(4), log(5)));

        assertThat(first).extracting(HistoryEvent::seq).containsExactly(2L, 3L, 4L);
        assertThat(second).extracting(HistoryEvent::seq).containsExactly(5L, 6L);
        assertThat(store.readEvents(run.runId(), EventQuery.all()))
                .extracting(HistoryEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void startsHistoryAtOneWhenARunIsCreatedWithoutEvents() {
        RunRecord run = newRun("orders");
        assertThat(store.createRun(run, List.of())).isEmpty();

        assertThat(store.appendEvents(run.runId(), List.of(log(1)))).extracting(HistoryEvent::seq).containsExactly(1L);
    }

    @Test
    void appendingNoEventsConsumesNoSequenceNumber() {
        RunRecord run = createRun("orders");

        assertThat(store.appendEvents(run.runId(), List.of())).isEmpty();

        assertThat(store.appendEvents(run.runId(), List.of(log(1)))).extracting(HistoryEvent::seq).containsExactly(2L);
    }

    @Test
    void keepsEveryFieldOfAnEvent() {
        RunRecord run = createRun("orders");
        EventDraft draft = EventDraft.ofStep(EventType.STEP_RETRY, "pay", 3, T0.plusMillis(1234),
                "{\"error\":\"timeout\",\"next\":[1,{\"in\":\"5s\"}],\"ü\":\"😀\"}");

        HistoryEvent appended = store.appendEvents(run.runId(), List.of(draft)).get(0);
        HistoryEvent read = store.readEvents(run.runId(), EventQuery.after(1)).get(0);

        for (HistoryEvent event : List.of(appended, read)) {
            assertThat(event.runId()).isEqualTo(run.runId());
            assertThat(event.seq()).isEqualTo(2);
            assertThat(event.type()).isEqualTo(EventType.STEP_RETRY);
            assertThat(event.step()).contains("pay");
            assertThat(event.attempt()).isEqualTo(3);
            assertThat(event.timestamp()).isEqualTo(T0.plusMillis(1234));
            assertSameJson(event.data(), draft.data());
        }
    }

    @Test
    void storesEveryEventType() {
        RunRecord run = createRun("orders");
        List<EventDraft> drafts = new ArrayList<>();
        for (EventType type : EventType.values()) {
            drafts.add(EventDraft.ofRun(type, T0, "{}"));
        }

        store.appendEvents(run.runId(), drafts);

        assertThat(store.readEvents(run.runId(), EventQuery.after(1)))
                .extracting(HistoryEvent::type).containsExactly(EventType.values());
    }

    @Test
    void refusesToAppendToAnUnknownRun() {
        assertThatThrownBy(() -> store.appendEvents("no-such-run", List.of(log(1))))
                .isInstanceOf(RunNotFoundException.class);
    }

    @Test
    void readsNoEventsOfAnUnknownRun() {
        assertThat(store.readEvents("no-such-run", EventQuery.all())).isEmpty();
    }

    @Test
    void filtersEventsByType() {
        RunRecord run = runWithAlternatingHistory();

        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(EventType.EMIT), 0, 100, false)))
                .extracting(HistoryEvent::seq).containsExactly(3L, 5L, 7L, 9L);
        assertThat(store.readEvents(run.runId(),
                new EventQuery(Set.of(EventType.EMIT, EventType.FLOW_START), 0, 100, false)))
                .extracting(HistoryEvent::seq).containsExactly(1L, 3L, 5L, 7L, 9L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(EventType.FLOW_FAILED), 0, 100, false)))
                .isEmpty();
    }

    @Test
    void readsOnlyEventsAfterTheGivenSequenceNumber() {
        RunRecord run = runWithAlternatingHistory();

        assertThat(store.readEvents(run.runId(), EventQuery.after(7)))
                .extracting(HistoryEvent::seq).containsExactly(8L, 9L, 10L);
        assertThat(store.readEvents(run.runId(), EventQuery.after(10))).isEmpty();
        assertThat(store.readEvents(run.runId(), EventQuery.after(99))).isEmpty();
    }

    @Test
    void limitsTheNumberOfEventsRead() {
        RunRecord run = runWithAlternatingHistory();

        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 0, 3, false)))
                .extracting(HistoryEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 4, 2, false)))
                .extracting(HistoryEvent::seq).containsExactly(5L, 6L);
    }

    @Test
    void readsNewestEventsFirstWhenAsked() {
        RunRecord run = runWithAlternatingHistory();

        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 0, 100, true)))
                .extracting(HistoryEvent::seq).containsExactly(10L, 9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
        // Filters first, then orders, then limits: the two newest LOG entries after seq 2.
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(EventType.LOG), 2, 2, true)))
                .extracting(HistoryEvent::seq).containsExactly(10L, 8L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(EventType.LOG), 7, 10, true)))
                .extracting(HistoryEvent::seq).containsExactly(10L, 8L);
    }

    @Test
    void pagesNewestFirstBelowTheOldestEntrySeen() {
        RunRecord run = runWithAlternatingHistory();

        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 0, 3, true).before(8)))
                .extracting(HistoryEvent::seq).containsExactly(7L, 6L, 5L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(EventType.LOG), 0, 2, true).before(8)))
                .extracting(HistoryEvent::seq).containsExactly(6L, 4L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 3, 10, false).before(6)))
                .as("both bounds, oldest first").extracting(HistoryEvent::seq).containsExactly(4L, 5L);
        assertThat(store.readEvents(run.runId(), new EventQuery(Set.of(), 0, 10, true).before(1))).isEmpty();
    }

    // ---------------------------------------------------------------- updates

    @Test
    void aRecentRunIsNeverOlderThanTheVersionAskedForNorOneOfAnUnknownRun() {
        RunRecord run = createRun("orders");
        StoredChange change = store.updateRun(run.runId(), setStatus(RunStatus.COMPLETED)).orElseThrow();
        long version = change.run().version();

        assertThat(store.recentRun(run.runId(), version + 1, Duration.ofMinutes(1))).isEmpty();
        assertThat(store.recentRun("no-such-run", 0, Duration.ofMinutes(1))).isEmpty();
        store.recentRun(run.runId(), version, Duration.ofMinutes(1))
                .ifPresent(kept -> assertSameRun(kept, change.run()));
    }

    @Test
    void appliesAMutationAndAppendsItsEventsInOneStep() {
        RunRecord run = createRun("orders");

        StoredChange change = store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStep("reserve", StepStatus.RUNNING),
                List.of(EventDraft.ofStep(EventType.STEP_STARTED, "reserve", 1, T0.plusMillis(5), "{}")))))
                .orElseThrow();

        assertThat(change.run().steps()).containsEntry("reserve", StepStatus.RUNNING);
        assertThat(change.run().version()).isEqualTo(1);
        assertThat(change.events()).extracting(HistoryEvent::seq).containsExactly(2L);
        assertThat(change.events()).extracting(HistoryEvent::type).containsExactly(EventType.STEP_STARTED);
        assertSameRun(store.findRun(run.runId()).orElseThrow(), change.run());
        assertThat(store.readEvents(run.runId(), EventQuery.all()))
                .extracting(HistoryEvent::type).containsExactly(EventType.FLOW_START, EventType.STEP_STARTED);
    }

    @Test
    void storesEveryPartOfAnUpdatedRun() {
        RunRecord run = createRun("orders");

        RunRecord expected = store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStep("reserve", StepStatus.COMPLETED)
                        .withEmitted("reserved", "{\"sku\":\"X\",\"n\":1.50}")
                        .withResult("{\"ok\":true}")
                        .withStatus(RunStatus.COMPLETED, T0.plusSeconds(3)),
                List.of()))).orElseThrow().run();

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertSameRun(stored, expected);
        assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stored.endedAt()).contains(T0.plusSeconds(3));
        assertSameJson(stored.emitted().get("reserved"), "{\"n\":1.5,\"sku\":\"X\"}");
        assertSameJson(stored.result().orElseThrow(), "{\"ok\":true}");
    }

    @Test
    void incrementsTheVersionOnEveryUpdate() {
        RunRecord run = createRun("orders");

        for (int i = 1; i <= 3; i++) {
            int step = i;
            StoredChange change = store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                    current.withStep("s" + step, StepStatus.QUEUED), List.of()))).orElseThrow();
            assertThat(change.run().version()).isEqualTo(i);
        }
        // A change that alters nothing still counts as an update.
        StoredChange same = store.updateRun(run.runId(), current -> Optional.of(new RunChange(current, List.of())))
                .orElseThrow();

        assertThat(same.run().version()).isEqualTo(4);
        assertThat(store.findRun(run.runId()).orElseThrow().version()).isEqualTo(4);
    }

    @Test
    void incrementsTheVersionOnAnUpdateThatOnlyAppendsEntries() {
        RunRecord run = createRun("orders");
        long before = store.findRun(run.runId()).orElseThrow().version();

        // As the engine records a step that completed after its run's compensation ended: an entry, the run as it
        // was. A retry of the failed compensation, which read the run before, must see that it changed.
        StoredChange change = store.updateRun(run.runId(), current -> Optional.of(new RunChange(current, List.of(
                EventDraft.ofStep(EventType.STEP_COMPLETED, "fly", 1, Instant.EPOCH, "{\"notCompensated\":true}")))))
                .orElseThrow();

        assertThat(change.run().version()).isEqualTo(before + 1);
        assertThat(store.findRun(run.runId()).orElseThrow().version()).isEqualTo(before + 1);
    }

    @Test
    void ignoresTheVersionOfTheRecordTheMutationReturns() {
        RunRecord run = createRun("orders");

        StoredChange change = store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStep("a", StepStatus.QUEUED).withVersion(99), List.of()))).orElseThrow();

        assertThat(change.run().version()).isEqualTo(1);
        assertThat(store.findRun(run.runId()).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void handsTheMutationTheRunAsStored() {
        RunRecord run = createRun("orders");
        store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStep("a", StepStatus.RUNNING), List.of())));

        List<RunRecord> seen = new ArrayList<>();
        store.updateRun(run.runId(), current -> {
            seen.add(current);
            return Optional.empty();
        });

        assertThat(seen).isNotEmpty();
        assertThat(seen.get(seen.size() - 1).version()).isEqualTo(1);
        assertThat(seen.get(seen.size() - 1).steps()).containsEntry("a", StepStatus.RUNNING);
    }

    @Test
    void leavesTheRunUntouchedWhenTheMutationDeclines() {
        RunRecord run = createRun("orders");

        assertThat(store.updateRun(run.runId(), current -> Optional.empty())).isEmpty();

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertThat(stored.version()).isZero();
        assertSameRun(stored, run);
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
    }

    @Test
    void propagatesAFailingMutationAndStoresNothing() {
        RunRecord run = createRun("orders");
        IllegalStateException failure = new IllegalStateException("mutation failed");

        assertThatThrownBy(() -> store.updateRun(run.runId(), current -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(store.findRun(run.runId()).orElseThrow().version()).isZero();
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
    }

    @Test
    void refusesAnIllegalTransitionAndStoresNothing() {
        RunRecord run = createRun("orders");
        store.updateRun(run.runId(), setStatus(RunStatus.COMPLETED));

        assertThatThrownBy(() -> store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.RUNNING, T0).withStep("late", StepStatus.QUEUED),
                List.of(log(7), log(8))))))
                .isInstanceOfSatisfying(IllegalRunTransitionException.class, e -> {
                    assertThat(e.runId()).isEqualTo(run.runId());
                    assertThat(e.from()).isEqualTo(RunStatus.COMPLETED);
                });

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stored.steps()).doesNotContainKey("late");
        assertThat(stored.version()).isEqualTo(1);
        assertThat(store.readEvents(run.runId(), EventQuery.all())).hasSize(1);
    }

    @Test
    void enforcesTheRunStatusTransitionTable() {
        for (RunStatus from : RunStatus.values()) {
            for (RunStatus to : RunStatus.values()) {
                RunRecord run = newRun("transitions").withStatus(from, T0.plusSeconds(1));
                store.createRun(run, List.of());
                RunMutation change = current -> Optional.of(new RunChange(current.withStatus(to, T0.plusSeconds(2)),
                        List.of(log(1))));
                String description = from + " -> " + to;

                if (from == to || from.canTransitionTo(to)) {
                    assertThat(store.updateRun(run.runId(), change)).as(description).isPresent();
                    assertThat(store.findRun(run.runId()).orElseThrow().status()).as(description).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> store.updateRun(run.runId(), change)).as(description)
                            .isInstanceOf(IllegalRunTransitionException.class);
                    RunRecord stored = store.findRun(run.runId()).orElseThrow();
                    assertThat(stored.status()).as(description).isEqualTo(from);
                    assertThat(stored.version()).as(description).isZero();
                    assertThat(store.readEvents(run.runId(), EventQuery.all())).as(description).isEmpty();
                }
            }
        }
    }

    @Test
    void refusesToUpdateAnUnknownRun() {
        assertThatThrownBy(() -> store.updateRun("no-such-run", current -> Optional.empty()))
                .isInstanceOfSatisfying(RunNotFoundException.class, e -> assertThat(e.runId()).isEqualTo("no-such-run"));
    }

    @Test
    void appliesConcurrentUpdatesWithoutLosingAny() {
        RunRecord run = createRun("orders");
        int threads = 8;
        int updatesPerThread = 5;

        runConcurrently(threads, thread -> {
            for (int i = 0; i < updatesPerThread; i++) {
                String step = "step-" + thread + "-" + i;
                store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                        current.withStep(step, StepStatus.COMPLETED),
                        List.of(EventDraft.ofStep(EventType.STEP_COMPLETED, step, 1, T0, "{}")))));
            }
        });

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        Set<String> expectedSteps = new HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < updatesPerThread; i++) {
                expectedSteps.add("step-" + t + "-" + i);
            }
        }
        assertThat(stored.steps().keySet()).containsExactlyInAnyOrderElementsOf(expectedSteps);
        assertThat(stored.version()).isEqualTo(threads * updatesPerThread);
        assertGapless(store.readEvents(run.runId(), EventQuery.all()), 1 + threads * updatesPerThread);
    }

    // ---------------------------------------------------------------- concurrency of appends

    @Test
    void appendsTenThousandEventsFromEightThreadsWithoutGapsOrDuplicates() {
        RunRecord run = newRun("orders");
        store.createRun(run, List.of());
        int threads = 8;
        int perThread = 1_250;
        int batch = 10;
        List<List<HistoryEvent>> batches = Collections.synchronizedList(new ArrayList<>());

        runConcurrently(threads, thread -> {
            for (int i = 0; i < perThread; i += batch) {
                List<EventDraft> drafts = new ArrayList<>();
                for (int j = i; j < i + batch; j++) {
                    drafts.add(EventDraft.ofStep(EventType.LOG, "t" + thread, j, T0, "{}"));
                }
                batches.add(store.appendEvents(run.runId(), drafts));
            }
        });

        List<HistoryEvent> history = store.readEvents(run.runId(), EventQuery.all());
        assertGapless(history, threads * perThread);
        assertThat(history.stream().map(e -> e.step().orElseThrow() + "/" + e.attempt()).collect(Collectors.toSet()))
                .as("every appended entry exactly once").hasSize(threads * perThread);
        assertThat(batches).allSatisfy(b -> assertThat(b.get(b.size() - 1).seq() - b.get(0).seq())
                .as("one call's entries are consecutive").isEqualTo(b.size() - 1));
    }

    @Test
    void interleavesUpdatesAndAppendsWithoutGapsOrLostSteps() {
        RunRecord run = createRun("orders");
        int appenders = 4;
        int updaters = 4;
        int calls = 20;

        runConcurrently(appenders + updaters, thread -> {
            for (int i = 0; i < calls; i++) {
                if (thread < appenders) {
                    store.appendEvents(run.runId(), List.of(log(i), log(i), log(i)));
                } else {
                    String step = "step-" + thread + "-" + i;
                    EventDraft entry = log(i);
                    store.updateRun(run.runId(), current -> Optional.of(new RunChange(
                            current.withStep(step, StepStatus.QUEUED), List.of(entry))));
                }
            }
        });

        RunRecord stored = store.findRun(run.runId()).orElseThrow();
        assertThat(stored.steps()).hasSize(updaters * calls);
        assertThat(stored.version()).isEqualTo(updaters * calls);
        assertGapless(store.readEvents(run.runId(), EventQuery.all()), 1 + appenders * calls * 3 + updaters * calls);
    }

    // ---------------------------------------------------------------- queries

    @Test
    void findsRunsOfAFlowNewestFirst() {
        List<RunRecord> orders = createRunsStartedOneSecondApart("orders", 5);
        createRunsStartedOneSecondApart("invoices", 3);

        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(orders));
        assertThat(store.findRuns(RunQuery.ofFlow("unknown"))).isEmpty();
    }

    @Test
    void findsRunsOfAllFlowsNewestFirst() {
        List<RunRecord> all = new ArrayList<>(createRunsStartedOneSecondApart("orders", 3));
        all.addAll(createRunsStartedOneSecondApart("invoices", 3));

        assertThat(store.findRuns(RunQuery.all())).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(all));
    }

    @Test
    void findsRunsByStatus() {
        List<RunRecord> orders = createRunsStartedOneSecondApart("orders", 6);
        List<RunRecord> invoices = createRunsStartedOneSecondApart("invoices", 2);
        for (RunRecord run : List.of(orders.get(1), orders.get(3), orders.get(4), invoices.get(0))) {
            store.updateRun(run.runId(), setStatus(RunStatus.COMPLETED));
        }

        assertThat(store.findRuns(RunQuery.ofFlow("orders").withStatus(RunStatus.COMPLETED)))
                .extracting(RunRecord::runId)
                .containsExactly(orders.get(4).runId(), orders.get(3).runId(), orders.get(1).runId());
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withStatus(RunStatus.RUNNING)))
                .extracting(RunRecord::runId)
                .containsExactly(orders.get(5).runId(), orders.get(2).runId(), orders.get(0).runId());
        assertThat(store.findRuns(new RunQuery(Optional.empty(), Optional.of(RunStatus.COMPLETED), 0, 50)))
                .extracting(RunRecord::runId).hasSize(4).contains(invoices.get(0).runId());
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withStatus(RunStatus.STALLED))).isEmpty();
    }

    @Test
    void pagesThroughRuns() {
        List<String> newestFirst = idsNewestFirst(createRunsStartedOneSecondApart("orders", 7));

        assertThat(store.findRuns(RunQuery.ofFlow("orders").page(0, 3))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(newestFirst.subList(0, 3));
        assertThat(store.findRuns(RunQuery.ofFlow("orders").page(3, 3))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(newestFirst.subList(3, 6));
        assertThat(store.findRuns(RunQuery.ofFlow("orders").page(6, 3))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(newestFirst.subList(6, 7));
        assertThat(store.findRuns(RunQuery.ofFlow("orders").page(7, 3))).isEmpty();
    }

    @Test
    void pagesThroughRunsAfterTheLastOneSeenIncludingRunsStartedAtTheSameInstant() {
        List<RunRecord> runs = new ArrayList<>(createRunsStartedOneSecondApart("orders", 3));
        String same = newRunId();
        for (String id : List.of(same + "-b", same + "-a", same + "-c")) {
            RunRecord sameStart = RunRecord.started(id, "orders", "{}", Optional.empty(), T0.plusSeconds(3600));
            store.createRun(sameStart, List.of(EventDraft.ofRun(EventType.FLOW_START, sameStart.startedAt(), "{}")));
        }
        createRunsStartedOneSecondApart("invoices", 2);

        List<String> seen = new ArrayList<>();
        RunQuery page = RunQuery.ofFlow("orders").page(0, 2);
        // At most as many pages as there are runs: a store that ignores the position repeats its first.
        for (List<RunRecord> found = store.findRuns(page); !found.isEmpty() && seen.size() < 6;
             found = store.findRuns(page)) {
            found.forEach(run -> seen.add(run.runId()));
            page = page.startingAfter(RunPosition.of(found.get(found.size() - 1).toInfo()));
        }

        assertThat(seen).containsExactlyElementsOf(Stream.concat(Stream.of(same + "-c", same + "-b", same + "-a"),
                idsNewestFirst(runs).stream()).toList());
        assertThat(store.findRuns(RunQuery.all().startingAfter(new RunPosition(T0.plusSeconds(3600), same + "-b"))))
                .extracting(RunRecord::runId).startsWith(same + "-a");
    }

    @Test
    void listsTheRunsOneRunStartedOfAnyFlowOrOneStatusAndPagesThroughThem() {
        RunRecord batch = createRun("newsletter");
        RunRecord otherBatch = createRun("newsletter");
        List<RunRecord> children = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            children.add(createChildRun(i == 4 ? "report" : "mail", batch.runId()));
        }
        createChildRun("mail", otherBatch.runId());
        createRun("mail");
        store.updateRun(children.get(1).runId(), setStatus(RunStatus.FAILED));
        store.updateRun(children.get(2).runId(), setStatus(RunStatus.COMPLETED));

        assertThat(store.findRuns(RunQuery.all().withParentRunId(batch.runId()))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(children));
        assertThat(store.findRuns(RunQuery.ofFlow("mail").withParentRunId(batch.runId()).withStatus(RunStatus.FAILED)))
                .extracting(RunRecord::runId).containsExactly(children.get(1).runId());
        assertThat(store.findRuns(RunQuery.ofFlow("mail").withParentRunId(batch.runId()).page(1, 2)))
                .extracting(RunRecord::runId).containsExactly(children.get(2).runId(), children.get(1).runId());
        RunQuery afterTheNewest = RunQuery.all().withParentRunId(batch.runId())
                .startingAfter(RunPosition.of(children.get(4).toInfo()));
        assertThat(store.findRuns(afterTheNewest)).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(children.subList(0, 4)));
        assertThat(store.findRuns(RunQuery.all().withParentRunId(children.get(0).runId()))).as("a run without children")
                .isEmpty();
    }

    @Test
    void countsTheRunsOneRunStartedByHowFarTheyGot() {
        assertThat(store.countsChildRuns()).as("a store counting children says so, or the engine refuses to deploy"
                + " awaits on them").isTrue();
        RunRecord batch = createRun("newsletter");
        RunRecord otherBatch = createRun("newsletter");
        List<RunRecord> children = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            children.add(createChildRun(i == 5 ? "report" : "mail", batch.runId()));
        }
        createChildRun("mail", otherBatch.runId());
        store.updateRun(children.get(0).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(children.get(1).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(children.get(2).runId(), setStatus(RunStatus.FAILED));
        store.updateRun(children.get(3).runId(), setStatus(RunStatus.CANCELED));
        store.updateRun(children.get(4).runId(), setStatus(RunStatus.AWAITING));

        assertThat(store.childRunCounts(batch.runId())).as("the awaiting and the running child are under way")
                .isEqualTo(new ChildRunCounts(6, 2, 2, 1, 1));
        assertThat(store.hasChildRunsUnderWay(batch.runId())).isTrue();
        store.updateRun(children.get(4).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(children.get(5).runId(), setStatus(RunStatus.CANCELED));
        assertThat(store.childRunCounts(batch.runId())).isEqualTo(new ChildRunCounts(6, 0, 3, 1, 2));
        assertThat(store.hasChildRunsUnderWay(batch.runId())).as("all its children ended").isFalse();
        assertThat(store.childRunCounts(otherBatch.runId())).isEqualTo(new ChildRunCounts(1, 1, 0, 0, 0));
        assertThat(store.hasChildRunsUnderWay(otherBatch.runId())).isTrue();
        store.updateRun(createChildRun("mail", batch.runId()).runId(), setStatus(RunStatus.STALLED));
        assertThat(store.hasChildRunsUnderWay(batch.runId())).as("a stalled child is under way").isTrue();
        assertThat(store.childRunCounts(children.get(0).runId())).as("a run without children")
                .isEqualTo(ChildRunCounts.NONE);
        assertThat(store.childRunCounts("no-such-run")).isEqualTo(ChildRunCounts.NONE);
        assertThat(store.hasChildRunsUnderWay(children.get(1).runId())).as("a run without children").isFalse();
        assertThat(store.hasChildRunsUnderWay("no-such-run")).isFalse();
    }

    @Test
    void listsTheChildrenLeadingToRunsUnderWayByRunIdPageByPage() {
        RunRecord batch = createRun("newsletter");
        List<RunRecord> children = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            children.add(createChildRun("mail", batch.runId()));
        }
        createChildRun("mail", createRun("newsletter").runId());
        store.updateRun(children.get(0).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(children.get(1).runId(), setStatus(RunStatus.CANCELED));
        createChildRun("mail", children.get(1).runId());
        store.updateRun(children.get(2).runId(), setStatus(RunStatus.FAILED));
        store.updateRun(createChildRun("mail", children.get(2).runId()).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(children.get(3).runId(), setStatus(RunStatus.STALLED));
        store.updateRun(children.get(4).runId(), setStatus(RunStatus.AWAITING));
        List<String> leading = Stream.of(children.get(1), children.get(3), children.get(4), children.get(5))
                .map(RunRecord::runId).sorted().toList();

        assertThat(store.childRunsLeadingToRunsUnderWay(batch.runId(), Optional.empty(), 10))
                .as("those under way and the canceled one whose child runs; not those that ended with none")
                .extracting(RunRecord::runId).containsExactlyElementsOf(leading);
        assertThat(store.childRunsLeadingToRunsUnderWay(batch.runId(), Optional.empty(), 3))
                .extracting(RunRecord::runId).containsExactlyElementsOf(leading.subList(0, 3));
        assertThat(store.childRunsLeadingToRunsUnderWay(batch.runId(), Optional.of(leading.get(2)), 3))
                .extracting(RunRecord::runId).containsExactly(leading.get(3));
        assertThat(store.childRunsLeadingToRunsUnderWay(children.get(0).runId(), Optional.empty(), 10))
                .as("a run without children").isEmpty();
        assertThat(store.childRunsLeadingToRunsUnderWay("no-such-run", Optional.empty(), 10)).isEmpty();
    }

    @Test
    void listsAChildThatEndedWithARunUnderWayGenerationsBelowIt() {
        RunRecord root = createRun("newsletter");
        RunRecord completed = createChildRun("mail", root.runId());
        RunRecord completedGrandchild = createChildRun("mail", completed.runId());
        RunRecord failedGreatGrandchild = createChildRun("mail", completedGrandchild.runId());
        RunRecord runningBelow = createChildRun("mail", failedGreatGrandchild.runId());
        store.updateRun(completed.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(completedGrandchild.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(failedGreatGrandchild.runId(), setStatus(RunStatus.FAILED));
        RunRecord completedSibling = createChildRun("mail", root.runId());
        store.updateRun(createChildRun("mail", completedSibling.runId()).runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(completedSibling.runId(), setStatus(RunStatus.COMPLETED));

        assertThat(store.childRunsLeadingToRunsUnderWay(root.runId(), Optional.empty(), 10))
                .as("the completed child, under which run %s still runs three generations down", runningBelow.runId())
                .extracting(RunRecord::runId).containsExactly(completed.runId());
        assertThat(store.childRunsLeadingToRunsUnderWay(completed.runId(), Optional.empty(), 10))
                .extracting(RunRecord::runId).containsExactly(completedGrandchild.runId());
    }

    @Test
    void countsEveryRunBelowOneRunAtAnyDepthByHowFarItGot() {
        assertThat(store.countsDescendantRuns()).as("a store counting descendants says so, or the engine refuses to"
                + " deploy awaits on them").isTrue();
        RunRecord root = createRun("shipment");
        RunRecord crate = createChildRun("crate", root.runId());
        RunRecord emptyCrate = createChildRun("crate", root.runId());
        RunRecord parcel = createChildRun("parcel", crate.runId());
        RunRecord lostParcel = createChildRun("parcel", crate.runId());
        RunRecord labelBelow = createChildRun("label", parcel.runId());
        createChildRun("crate", createRun("shipment").runId());
        store.updateRun(crate.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(emptyCrate.runId(), setStatus(RunStatus.CANCELED));
        store.updateRun(parcel.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(lostParcel.runId(), setStatus(RunStatus.FAILED));
        store.updateRun(labelBelow.runId(), setStatus(RunStatus.STALLED));

        assertThat(store.descendantRunCounts(root.runId()))
                .as("two crates, two parcels and a label three generations down, stalled: under way")
                .isEqualTo(new ChildRunCounts(5, 1, 2, 1, 1));
        assertThat(store.hasDescendantRunsUnderWay(root.runId()))
                .as("every child ended, but a run below a completed one did not").isTrue();
        assertThat(store.hasDescendantRunsUnderWay(crate.runId())).isTrue();
        assertThat(store.hasDescendantRunsUnderWay(emptyCrate.runId())).as("a run without children").isFalse();
        store.updateRun(labelBelow.runId(), setStatus(RunStatus.CANCELED));
        assertThat(store.descendantRunCounts(root.runId())).isEqualTo(new ChildRunCounts(5, 0, 2, 1, 2));
        assertThat(store.hasDescendantRunsUnderWay(root.runId())).as("all below it ended").isFalse();
        assertThat(store.descendantRunCounts(crate.runId())).as("below a crate: its parcels and their label")
                .isEqualTo(new ChildRunCounts(3, 0, 1, 1, 1));
        store.updateRun(createChildRun("label", lostParcel.runId()).runId(), setStatus(RunStatus.AWAITING));
        assertThat(store.hasDescendantRunsUnderWay(root.runId())).as("an awaiting run is under way").isTrue();
        assertThat(store.descendantRunCounts("no-such-run")).isEqualTo(ChildRunCounts.NONE);
        assertThat(store.hasDescendantRunsUnderWay("no-such-run")).isFalse();
    }

    /**
     * A run below itself (a keyed run id reused after a purge, under its old child): the walks down from it end, and
     * count each run once. Without a bound they went round the cycle for ever (the memory store) or until the
     * database's statement timeout (PostgreSQL).
     */
    @Test
    void endsTheWalksDownFromARunBelowItselfAndCountsEachRunOnce() {
        String shipment = newRunId();
        String crate = newRunId();
        for (RunRecord run : List.of(RunRecord.started(shipment, "shipment", INPUT, Optional.of(crate), T0),
                RunRecord.started(crate, "crate", INPUT, Optional.of(shipment), T0))) {
            store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        }
        RunRecord parcel = createChildRun("parcel", crate);
        for (String ended : List.of(shipment, crate, parcel.runId())) {
            store.updateRun(ended, setStatus(RunStatus.COMPLETED));
        }

        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertThat(store.descendantRunCounts(shipment)).as("its crate and the crate's parcel, each once; not the"
                    + " shipment itself, the crate's child").isEqualTo(new ChildRunCounts(2, 0, 2, 0, 0));
            assertThat(store.hasDescendantRunsUnderWay(shipment)).as("all below it ended").isFalse();
            assertThat(store.childRunsLeadingToRunsUnderWay(shipment, Optional.empty(), 10)).isEmpty();
            assertThat(store.hasDescendantRunsBeyondDepthLimit(shipment))
                    .as("round the cycle to the limit, nothing is left uncounted").isFalse();
        });
        RunRecord label = createChildRun("label", parcel.runId());
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertThat(store.hasDescendantRunsUnderWay(shipment)).as("label %s runs below the cycle", label.runId())
                    .isTrue();
            assertThat(store.descendantRunCounts(shipment)).isEqualTo(new ChildRunCounts(3, 1, 2, 0, 0));
            assertThat(store.childRunsLeadingToRunsUnderWay(shipment, Optional.empty(), 10))
                    .extracting(RunRecord::runId).containsExactly(crate);
        });
    }

    /**
     * The bound of the walks down is the same for each of them: a run {@link FlowStore#DESCENDANT_DEPTH_LIMIT}
     * generations below is seen by the counts, the look for a run under way and a cancel with children alike, one a
     * generation deeper by none of them (a cancel with children saw one more than the counts did).
     */
    @Test
    void seesARunAtTheDepthLimitBelowAndNoneDeeperInEveryWalkDownAndSaysSoOfTheCounts() {
        RunRecord root = createRun("shipment");
        String parent = root.runId();
        for (int depth = 1; depth < FlowStore.DESCENDANT_DEPTH_LIMIT; depth++) {
            parent = createChildRun("crate", parent).runId();
            store.updateRun(parent, setStatus(RunStatus.COMPLETED));
        }
        RunRecord atTheLimit = createChildRun("parcel", parent);

        assertThat(store.descendantRunCounts(root.runId()).total()).isEqualTo(FlowStore.DESCENDANT_DEPTH_LIMIT);
        assertThat(store.hasDescendantRunsUnderWay(root.runId())).as("run %s, at the limit, runs", atTheLimit.runId())
                .isTrue();
        assertThat(store.childRunsLeadingToRunsUnderWay(root.runId(), Optional.empty(), 10)).hasSize(1);
        assertThat(store.hasDescendantRunsBeyondDepthLimit(root.runId())).as("nothing below run %s, at the limit",
                atTheLimit.runId()).isFalse();

        store.updateRun(atTheLimit.runId(), setStatus(RunStatus.COMPLETED));
        RunRecord deeper = createChildRun("label", atTheLimit.runId());
        assertThat(store.descendantRunCounts(root.runId()).total()).as("run %s, one deeper, is not counted",
                deeper.runId()).isEqualTo(FlowStore.DESCENDANT_DEPTH_LIMIT);
        assertThat(store.hasDescendantRunsUnderWay(root.runId())).isFalse();
        assertThat(store.childRunsLeadingToRunsUnderWay(root.runId(), Optional.empty(), 10))
                .as("a cancel with children does not reach run %s either", deeper.runId()).isEmpty();
        assertThat(store.hasDescendantRunsBeyondDepthLimit(root.runId()))
                .as("the counts say that run %s, one deeper, is left out", deeper.runId()).isTrue();
        assertThat(store.hasDescendantRunsBeyondDepthLimit(atTheLimit.runId())).as("from its parent it is a child")
                .isFalse();
    }

    @Test
    void keepsTheLabelsARunWasCreatedWithThroughItsUpdates() {
        assertThat(store.keepsLabels()).as("a store keeping labels says so, or the engine refuses labelled starts")
                .isTrue();
        RunRecord tagged = createLabeledRun("orders", "vip", "customer-42", "Grüße 😀 / ' \"quoted\"");
        RunRecord plain = createRun("orders");

        store.updateRun(tagged.runId(), change(current -> current.withStep("pay", StepStatus.QUEUED)));

        assertThat(store.findRun(tagged.runId()).orElseThrow().labels())
                .containsExactly("Grüße 😀 / ' \"quoted\"", "customer-42", "vip");
        assertThat(store.readRuns(List.of(tagged.runId(), plain.runId()))).extracting(RunRecord::labels)
                .containsExactlyInAnyOrder(tagged.labels(), Set.of());
        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).extracting(RunRecord::labels)
                .containsExactly(Set.of(), tagged.labels());
    }

    @Test
    void keepsTheTimeoutAndDeadlineOfARunThroughItsUpdates() {
        assertThat(store.keepsDeadlines()).as("a store keeping deadlines says so, or the engine refuses timed starts")
                .isTrue();
        RunRecord timed = createTimedRun("orders", Duration.ofHours(2));
        RunRecord plain = createRun("orders");

        store.updateRun(timed.runId(), change(current -> current.withStep("pay", StepStatus.QUEUED)));

        RunRecord found = store.findRun(timed.runId()).orElseThrow();
        assertThat(found.timeout()).contains(Duration.ofHours(2));
        assertThat(found.deadline()).contains(timed.startedAt().plus(Duration.ofHours(2)));
        assertThat(store.readRuns(List.of(timed.runId(), plain.runId()))).extracting(RunRecord::deadline)
                .containsExactlyInAnyOrder(found.deadline(), Optional.empty());
        assertThat(store.findRuns(RunQuery.ofFlow("orders"))).extracting(RunRecord::deadline)
                .containsExactly(Optional.empty(), found.deadline());
    }

    @Test
    void findsTheRunsUnderWayPastTheirDeadlineEarliestFirst() {
        RunRecord late = createTimedRun("orders", Duration.ofHours(3));
        RunRecord early = createTimedRun("orders", Duration.ofHours(1));
        RunRecord notYet = createTimedRun("orders", Duration.ofHours(6));
        RunRecord plain = createRun("orders");
        RunRecord ended = createTimedRun("orders", Duration.ofHours(1));
        store.updateRun(ended.runId(), change(current -> current.withStatus(RunStatus.COMPLETED, T0)));
        List<String> mine = List.of(late.runId(), early.runId(), notYet.runId(), plain.runId(), ended.runId());

        List<String> due = pastDeadline(T0.plus(Duration.ofHours(4)), Optional.empty(), 1000);

        assertThat(due).filteredOn(mine::contains).containsExactly(early.runId(), late.runId());
        assertThat(store.runsPastDeadline(T0.plus(Duration.ofHours(4)), Optional.empty(), 1)).hasSize(1);
        assertThat(store.runsPastDeadline(T0.plus(Duration.ofHours(4)), Optional.empty(), 1000))
                .filteredOn(run -> run.runId().equals(early.runId()))
                .containsExactly(new RunDeadline(early.deadline().orElseThrow(), early.runId()));
    }

    /**
     * The sweep's next page starts after the last run of the one before, by deadline and then by run id: runs that
     * keep failing to end do not come back at its head.
     */
    @Test
    void findsTheRunsPastTheirDeadlineAfterTheLastOfAPage() {
        RunRecord first = createTimedRun("orders", Duration.ofHours(1));
        RunRecord second = createTimedRun("orders", Duration.ofHours(2));
        RunRecord third = createTimedRun("orders", Duration.ofHours(2).minusSeconds(1));   // due when second is
        RunRecord last = createTimedRun("orders", Duration.ofHours(3));
        List<String> mine = List.of(first.runId(), second.runId(), third.runId(), last.runId());
        Instant now = T0.plus(Duration.ofHours(4));
        List<String> all = pastDeadline(now, Optional.empty(), 1000).stream().filter(mine::contains).toList();
        assertThat(all).hasSize(4).startsWith(first.runId()).endsWith(last.runId());

        RunDeadline afterFirst = new RunDeadline(first.deadline().orElseThrow(), first.runId());
        RunRecord secondFound = Stream.of(second, third).filter(run -> run.runId().equals(all.get(1))).findFirst()
                .orElseThrow();
        RunDeadline afterSecond = new RunDeadline(secondFound.deadline().orElseThrow(), secondFound.runId());

        assertThat(pastDeadline(now, Optional.of(afterFirst), 1000)).filteredOn(mine::contains)
                .containsExactlyElementsOf(all.subList(1, 4));
        assertThat(pastDeadline(now, Optional.of(afterSecond), 1000)).filteredOn(mine::contains)
                .containsExactlyElementsOf(all.subList(2, 4));
        assertThat(pastDeadline(now, Optional.of(new RunDeadline(now, last.runId())), 1000))
                .doesNotContainAnyElementsOf(mine);
    }

    /** The ids of the runs {@link FlowStore#runsPastDeadline} finds. */
    private List<String> pastDeadline(Instant now, Optional<RunDeadline> after, int limit) {
        return store.runsPastDeadline(now, after, limit).stream().map(RunDeadline::runId).toList();
    }

    @Test
    void aRunGivenALaterDeadlineIsNoLongerPastIt() {
        RunRecord timed = createTimedRun("orders", Duration.ofHours(1));

        store.updateRun(timed.runId(), change(current -> current.withTimeout(Duration.ofHours(1), T0.plus(
                Duration.ofHours(3)))));

        assertThat(pastDeadline(T0.plus(Duration.ofHours(2)), Optional.empty(), 1000)).doesNotContain(timed.runId());
        assertThat(pastDeadline(T0.plus(Duration.ofHours(4)), Optional.empty(), 1000)).contains(timed.runId());
    }

    /**
     * A run created with a timeout, its deadline that long after its start.
     *
     * @param flow the run's flow
     * @param timeout how long it may take
     * @return the run as created
     */
    protected final RunRecord createTimedRun(String flow, Duration timeout) {
        RunRecord run = newRun(flow);
        run = run.withTimeout(timeout, run.startedAt());
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        return run;
    }

    @Test
    void aRunCreatedWithAnIdempotencyKeyIsFoundByItsLabels() {
        RunRecord keyed = newRun("orders").withLabels(Set.of("vip", "customer-42"));
        store.createRun(keyed, List.of(EventDraft.ofRun(EventType.FLOW_START, keyed.startedAt(), keyed.input())),
                newKey());

        assertThat(store.findRun(keyed.runId()).orElseThrow().labels()).containsExactly("customer-42", "vip");
        assertThat(store.findRuns(RunQuery.all().withLabel("customer-42"))).extracting(RunRecord::runId)
                .containsExactly(keyed.runId());
    }

    @Test
    void listsTheRunsCarryingALabelWithTheOtherFiltersAndPagesThroughThem() {
        List<RunRecord> vip = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            vip.add(createLabeledRun(i == 4 ? "invoices" : "orders", "vip", "batch-" + (i % 2)));
            createLabeledRun("orders", "regular", "batch-" + (i % 2));
        }
        createRun("orders");
        store.updateRun(vip.get(1).runId(), setStatus(RunStatus.FAILED));

        assertThat(store.findRuns(RunQuery.all().withLabel("vip"))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(vip));
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withLabel("vip").withStatus(RunStatus.FAILED)))
                .extracting(RunRecord::runId).containsExactly(vip.get(1).runId());
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withLabel("batch-0"))).hasSize(5)
                .allSatisfy(run -> assertThat(run.labels()).contains("batch-0"));
        List<String> seen = new ArrayList<>();
        RunQuery page = RunQuery.all().withLabel("vip").page(0, 2);
        for (List<RunRecord> found = store.findRuns(page); !found.isEmpty() && seen.size() < 5;
             found = store.findRuns(page)) {
            found.forEach(run -> seen.add(run.runId()));
            page = page.startingAfter(RunPosition.of(found.get(found.size() - 1).toInfo()));
        }
        assertThat(seen).as("paged by position").containsExactlyElementsOf(idsNewestFirst(vip));
        assertThat(store.findRuns(RunQuery.all().withLabel("vip").page(3, 2))).extracting(RunRecord::runId)
                .containsExactlyElementsOf(idsNewestFirst(vip).subList(3, 5));
        assertThat(store.findRuns(RunQuery.all().withLabel("vi"))).as("labels match exactly").isEmpty();
    }

    @Test
    void deletingARunDeletesItsLabels() {
        RunRecord doomed = createLabeledRun("orders", "vip");
        RunRecord kept = createLabeledRun("orders", "vip");
        store.updateRun(doomed.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(kept.runId(), setStatus(RunStatus.COMPLETED));

        store.deleteFinishedRun(doomed.runId(), store.findRun(doomed.runId()).orElseThrow().version());

        assertThat(store.findRuns(RunQuery.all().withLabel("vip"))).extracting(RunRecord::runId)
                .containsExactly(kept.runId());
        assertThat(store.deleteFinishedRuns("orders")).isEqualTo(1);
        assertThat(store.findRuns(RunQuery.all().withLabel("vip"))).isEmpty();
        RunRecord again = newRun("orders").withLabels(Set.of("vip"));
        store.createRun(again, List.of());
        assertThat(store.findRuns(RunQuery.all().withLabel("vip"))).extracting(RunRecord::runId)
                .containsExactly(again.runId());
        // Their ids taken again: no label of theirs was left behind to be found with, or to collide with.
        store.createRun(RunRecord.started(doomed.runId(), "orders", INPUT, Optional.empty(), doomed.startedAt()),
                List.of());
        store.createRun(kept.withLabels(Set.of("vip")), List.of());
        assertThat(store.findRuns(RunQuery.all().withLabel("vip"))).extracting(RunRecord::runId)
                .containsExactlyInAnyOrder(again.runId(), kept.runId());
    }

    @Test
    void countsRunsOfAFlowByStatus() {
        Map<RunStatus, Integer> wanted = Map.of(RunStatus.RUNNING, 3, RunStatus.AWAITING, 1, RunStatus.COMPLETED, 4,
                RunStatus.FAILED, 2, RunStatus.CANCELED, 1, RunStatus.STALLED, 1);
        FlowStats expected = FlowStats.empty("orders");
        for (Map.Entry<RunStatus, Integer> entry : wanted.entrySet()) {
            for (int i = 0; i < entry.getValue(); i++) {
                RunRecord run = createRun("orders");
                if (entry.getKey() != RunStatus.RUNNING) {
                    store.updateRun(run.runId(), setStatus(entry.getKey()));
                }
            }
            expected = expected.plus(entry.getKey(), entry.getValue());
        }
        createRunsStartedOneSecondApart("invoices", 2);

        assertThat(countsOf(store.stats("orders"))).isEqualTo(expected);
        assertThat(store.stats("orders").total()).isEqualTo(12);
        assertThat(countsOf(store.stats("invoices"))).isEqualTo(FlowStats.empty("invoices").plus(RunStatus.RUNNING, 2));
        assertThat(store.stats("unknown")).isEqualTo(FlowStats.empty("unknown"));
    }

    @Test
    void storesACompensatingRunFindsItByItsStatusAndCountsItAsRunning() {
        RunRecord undoing = createRun("orders");
        createRun("orders");
        store.updateRun(undoing.runId(), setStatus(RunStatus.COMPENSATING));

        assertThat(store.findRun(undoing.runId())).map(RunRecord::status).hasValue(RunStatus.COMPENSATING);
        assertThat(store.findRuns(RunQuery.ofFlow("orders").withStatus(RunStatus.COMPENSATING)))
                .extracting(RunRecord::runId).containsExactly(undoing.runId());
        assertThat(countsOf(store.stats("orders"))).isEqualTo(FlowStats.empty("orders").plus(RunStatus.RUNNING, 1)
                .plus(RunStatus.COMPENSATING, 1));
        assertThat(store.stats("orders").running()).as("compensating runs among the running").isEqualTo(2);
        assertThat(store.stats("orders").compensating()).isEqualTo(1);

        store.updateRun(undoing.runId(), setStatus(RunStatus.FAILED));
        assertThat(store.findRun(undoing.runId())).map(RunRecord::status).hasValue(RunStatus.FAILED);
    }

    @Test
    void keepsStatsConsistentWithStatusChanges() {
        RunRecord a = createRun("orders");
        RunRecord b = createRun("orders");
        store.updateRun(a.runId(), setStatus(RunStatus.AWAITING));
        store.updateRun(a.runId(), setStatus(RunStatus.RUNNING));
        store.updateRun(a.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(b.runId(), setStatus(RunStatus.STALLED));

        FlowStats stats = store.stats("orders");

        assertThat(countsOf(stats)).isEqualTo(FlowStats.empty("orders").plus(RunStatus.COMPLETED, 1)
                .plus(RunStatus.STALLED, 1));
        assertThat(stats.total()).isEqualTo(store.findRuns(RunQuery.ofFlow("orders")).size());
    }

    /**
     * A flow's counts say when its latest run started, whatever its status, and when its latest completed run ended:
     * by the end, not by the start (the first run started ended last), and a failed or canceled run that ended later
     * is no completion. Another flow's later runs are not its own.
     */
    @Test
    void saysWhenAFlowsLatestRunStartedAndWhenItsLatestCompletedRunEnded() {
        RunRecord first = createRun("orders");
        RunRecord second = createRun("orders");
        RunRecord failed = createRun("orders");
        RunRecord canceled = createRun("orders");
        RunRecord latest = createRun("orders");
        createRun("invoices");
        store.updateRun(first.runId(), change(run -> run.withStatus(RunStatus.COMPLETED, T0.plusSeconds(100))));
        store.updateRun(second.runId(), change(run -> run.withStatus(RunStatus.COMPLETED, T0.plusSeconds(50))));
        store.updateRun(failed.runId(), change(run -> run.withStatus(RunStatus.FAILED, T0.plusSeconds(200))));
        store.updateRun(canceled.runId(), change(run -> run.withStatus(RunStatus.CANCELED, T0.plusSeconds(300))));

        FlowStats stats = store.stats("orders");

        assertThat(stats.lastStartedAt()).as("the running run started last").contains(latest.startedAt());
        assertThat(stats.lastCompletedAt()).as("the first run, which completed last").contains(T0.plusSeconds(100));
        assertThat(countsOf(stats)).as("the counts as without the times").isEqualTo(FlowStats.empty("orders")
                .plus(RunStatus.COMPLETED, 2).plus(RunStatus.FAILED, 1).plus(RunStatus.CANCELED, 1)
                .plus(RunStatus.RUNNING, 1));
    }

    /** A flow whose runs never completed has a last start and no completion; one without runs has neither. */
    @Test
    void aFlowWithoutACompletedRunHasNoLastCompletionAndOneWithoutRunsNoLastStart() {
        RunRecord failed = createRun("orders");
        RunRecord awaiting = createRun("orders");
        store.updateRun(failed.runId(), change(run -> run.withStatus(RunStatus.FAILED, T0.plusSeconds(100))));
        store.updateRun(awaiting.runId(), setStatus(RunStatus.AWAITING));

        assertThat(store.stats("orders").lastStartedAt()).contains(awaiting.startedAt());
        assertThat(store.stats("orders").lastCompletedAt()).isEmpty();
        assertThat(store.stats("invoices").lastStartedAt()).isEmpty();
        assertThat(store.stats("invoices").lastCompletedAt()).isEmpty();
    }

    /** A run that completes moves the flow's last completion on, at once: the next count has it. */
    @Test
    void aRunCompletingMovesTheLastCompletionOn() {
        RunRecord first = createRun("orders");
        RunRecord second = createRun("orders");
        store.updateRun(first.runId(), change(run -> run.withStatus(RunStatus.COMPLETED, T0.plusSeconds(100))));
        assertThat(store.stats("orders").lastCompletedAt()).contains(T0.plusSeconds(100));

        store.updateRun(second.runId(), change(run -> run.withStatus(RunStatus.COMPLETED, T0.plusSeconds(200))));

        assertThat(store.stats("orders").lastCompletedAt()).contains(T0.plusSeconds(200));
    }

    /** The counts of {@code stats} without its times, as {@link FlowStats#plus(RunStatus, long)} adds them up. */
    private static FlowStats countsOf(FlowStats stats) {
        return new FlowStats(stats.flow(), stats.total(), stats.running(), stats.awaiting(), stats.completed(),
                stats.failed(), stats.canceled(), stats.stalled(), stats.compensating());
    }

    // ---------------------------------------------------------------- state

    @Test
    void storesReadsAndOverwritesStateValues() {
        RunRecord run = createRun("orders");

        assertThat(store.getState(run.runId(), "cart", T0)).isEmpty();
        store.putState(run.runId(), "cart", "{\"items\":[1,2]}", Optional.empty());
        assertSameJson(store.getState(run.runId(), "cart", T0).orElseThrow(), "{\"items\":[1,2]}");

        store.putState(run.runId(), "cart", "{\"items\":[]}", Optional.empty());
        assertSameJson(store.getState(run.runId(), "cart", T0).orElseThrow(), "{\"items\":[]}");
        assertThat(store.getState(run.runId(), "other", T0)).isEmpty();
    }

    @Test
    void keepsStateSeparatePerRun() {
        RunRecord a = createRun("orders");
        RunRecord b = createRun("orders");

        store.putState(a.runId(), "k", "1", Optional.empty());
        store.putState(b.runId(), "k", "2", Optional.empty());

        assertSameJson(store.getState(a.runId(), "k", T0).orElseThrow(), "1");
        assertSameJson(store.getState(b.runId(), "k", T0).orElseThrow(), "2");
    }

    @Test
    void deletesOneStateValue() {
        RunRecord run = createRun("orders");
        store.putState(run.runId(), "a", "\"x\"", Optional.empty());
        store.putState(run.runId(), "b", "\"y\"", Optional.empty());

        store.deleteState(run.runId(), "a");
        store.deleteState(run.runId(), "never-set");

        assertThat(store.getState(run.runId(), "a", T0)).isEmpty();
        assertThat(store.getState(run.runId(), "b", T0)).isPresent();
    }

    @Test
    void clearsAllStateOfOneRun() {
        RunRecord run = createRun("orders");
        RunRecord other = createRun("orders");
        store.putState(run.runId(), "a", "1", Optional.empty());
        store.putState(run.runId(), "b", "2", Optional.of(T0.plusSeconds(60)));
        store.putState(other.runId(), "a", "3", Optional.empty());

        store.clearState(run.runId());

        assertThat(store.getState(run.runId(), "a", T0)).isEmpty();
        assertThat(store.getState(run.runId(), "b", T0)).isEmpty();
        assertThat(store.getState(other.runId(), "a", T0)).isPresent();
    }

    @Test
    void neverReturnsExpiredState() {
        RunRecord run = createRun("orders");
        Instant expiry = T0.plusSeconds(10);
        store.putState(run.runId(), "token", "\"abc\"", Optional.of(expiry));
        store.putState(run.runId(), "forever", "true", Optional.empty());

        assertThat(store.getState(run.runId(), "token", T0)).isPresent();
        assertThat(store.getState(run.runId(), "token", expiry.minusMillis(1))).isPresent();
        assertThat(store.getState(run.runId(), "token", expiry)).isEmpty();
        assertThat(store.getState(run.runId(), "token", expiry.plusSeconds(3600))).isEmpty();
        assertThat(store.getState(run.runId(), "forever", T0.plus(Duration.ofDays(36_500)))).isPresent();
    }

    @Test
    void replacesTheExpiryWhenAValueIsWrittenAgain() {
        RunRecord run = createRun("orders");
        store.putState(run.runId(), "k", "1", Optional.of(T0.plusSeconds(10)));
        store.putState(run.runId(), "k", "2", Optional.empty());
        store.putState(run.runId(), "j", "1", Optional.empty());
        store.putState(run.runId(), "j", "2", Optional.of(T0.plusSeconds(10)));

        assertSameJson(store.getState(run.runId(), "k", T0.plusSeconds(20)).orElseThrow(), "2");
        assertThat(store.getState(run.runId(), "j", T0.plusSeconds(20))).isEmpty();
    }

    @Test
    void deletesTheFinishedRunsOfOneFlowWithTheirHistoryAndKeepsTheRest() {
        RunRecord completed = createRun("orders");
        RunRecord failed = createRun("orders");
        RunRecord canceled = createRun("orders");
        RunRecord running = createRun("orders");
        RunRecord otherFlow = createRun("invoices");
        store.updateRun(completed.runId(), setStatus(RunStatus.COMPLETED));
        store.updateRun(failed.runId(), setStatus(RunStatus.FAILED));
        store.updateRun(canceled.runId(), setStatus(RunStatus.CANCELED));
        store.updateRun(otherFlow.runId(), setStatus(RunStatus.COMPLETED));
        store.putState(failed.runId(), "k", "1", Optional.empty());

        assertThat(store.deleteFinishedRuns("orders")).isEqualTo(3);

        assertThat(store.findRun(completed.runId())).isEmpty();
        assertThat(store.findRun(failed.runId())).isEmpty();
        assertThat(store.findRun(canceled.runId())).as("canceled is finished too").isEmpty();
        assertThat(store.readEvents(completed.runId(), EventQuery.all())).isEmpty();
        assertThat(store.getState(failed.runId(), "k", T0)).isEmpty();
        assertThat(store.findRun(running.runId())).isPresent();
        assertThat(store.readEvents(running.runId(), EventQuery.all())).hasSize(1);
        assertThat(store.findRun(otherFlow.runId())).isPresent();
        assertThat(store.deleteFinishedRuns("orders")).isZero();
    }

    /**
     * An operator clears a large history a bounded request at a time: each call deletes at most the
     * number asked for, and calls repeated until one deletes nothing leave none of the flow's finished
     * runs and every run under way.
     */
    @Test
    void deletesAtMostTheNumberAskedForOfAFlowsFinishedRunsAndAllOfThemCallByCallButNoRunUnderWay() {
        List<RunRecord> finished = new ArrayList<>();
        List<RunRecord> underWay = new ArrayList<>();
        List<RunStatus> statuses = List.of(RunStatus.COMPLETED, RunStatus.RUNNING, RunStatus.FAILED,
                RunStatus.AWAITING, RunStatus.CANCELED, RunStatus.STALLED, RunStatus.COMPLETED);
        for (RunStatus status : statuses) {
            RunRecord run = createRun("orders");
            if (status != RunStatus.RUNNING) {
                store.updateRun(run.runId(), setStatus(status));
            }
            store.putState(run.runId(), "k", "1", Optional.empty());
            (status.isTerminal() ? finished : underWay).add(run);
        }
        RunRecord otherFlow = createRun("invoices");
        store.updateRun(otherFlow.runId(), setStatus(RunStatus.COMPLETED));

        assertThat(store.deleteFinishedRuns("orders", 3)).isEqualTo(3);
        assertThat(finishedRunsOf("orders")).as("one of four finished runs left").isEqualTo(1);
        assertThat(store.deleteFinishedRuns("orders", 3)).isEqualTo(1);
        assertThat(store.deleteFinishedRuns("orders", 3)).isZero();

        assertThat(finished).allSatisfy(run -> {
            assertThat(store.findRun(run.runId())).isEmpty();
            assertThat(store.readEvents(run.runId(), EventQuery.all())).isEmpty();
            assertThat(store.getState(run.runId(), "k", T0)).isEmpty();
        });
        assertThat(underWay).allSatisfy(run -> {
            assertThat(store.findRun(run.runId())).isPresent();
            assertThat(store.readEvents(run.runId(), EventQuery.all())).isNotEmpty();
            assertThat(store.getState(run.runId(), "k", T0)).isPresent();
        });
        assertThat(store.stats("orders").total()).isEqualTo(3);
        assertThat(store.findRun(otherFlow.runId())).isPresent();
        assertThatThrownBy(() -> store.deleteFinishedRuns("orders", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * More finished runs than a store deletes in one chunk (1,000 with the chunks of 500 of the JPA
     * store, a transaction each), among runs under way: a bounded call stops at its number across
     * chunks, and the call without a bound goes on chunk after chunk until none is left.
     */
    @Test
    void deletesAFlowsFinishedRunsChunkAfterChunkUntilNoneIsLeftAndKeepsEveryRunUnderWay() {
        Set<String> underWay = new HashSet<>();
        for (int i = 0; i < 1_100; i++) {
            RunRecord run = createRun("orders");
            if (i % 50 == 0) {
                underWay.add(run.runId());
            } else {
                store.updateRun(run.runId(), setStatus(i % 3 == 0 ? RunStatus.FAILED : RunStatus.COMPLETED));
            }
        }
        assertThat(finishedRunsOf("orders")).isEqualTo(1_078);

        assertThat(store.deleteFinishedRuns("orders", 1_001)).isEqualTo(1_001);
        assertThat(finishedRunsOf("orders")).isEqualTo(77);
        assertThat(store.deleteFinishedRuns("orders")).isEqualTo(77);

        assertThat(finishedRunsOf("orders")).isZero();
        assertThat(store.findRuns(RunQuery.ofFlow("orders").page(0, 100)))
                .extracting(RunRecord::runId).containsExactlyInAnyOrderElementsOf(underWay);
    }

    @Test
    void aRunRetriedBeforeItsFlowsFinishedRunsAreDeletedIsKept() {
        RunRecord retried = createRun("orders");
        store.updateRun(retried.runId(), setStatus(RunStatus.FAILED));
        store.updateRun(retried.runId(), setStatus(RunStatus.RUNNING));

        assertThat(store.deleteFinishedRuns("orders")).isZero();

        assertThat(store.findRun(retried.runId())).map(RunRecord::status).contains(RunStatus.RUNNING);
    }

    /**
     * A run retried while its flow's finished runs are deleted: the store either waits for the retry
     * and keeps the run, or deletes the failed run first and the retry then finds no run. Never both
     * a retry that succeeded and its run gone. The retry holds the run while the deletion starts; how
     * far the deletion gets meanwhile depends on the machine (a slow one may not reach the run before
     * the retry ends, and then checks the plain case).
     */
    @Test
    void aRunRetriedWhileItsFlowsFinishedRunsAreDeletedIsEitherKeptAsRetriedOrGoneWithTheRetryRefused()
            throws Exception {
        RunRecord retried = createRun("orders");
        RunRecord completed = createRun("orders");
        store.updateRun(retried.runId(), setStatus(RunStatus.FAILED));
        store.updateRun(completed.runId(), setStatus(RunStatus.COMPLETED));

        RetryRace race = retryRacing(retried, () -> store.deleteFinishedRuns("orders"));

        assertThat(race.deleted()).as(race.retryWon() ? "all but the retried run" : "both runs")
                .isEqualTo(race.retryWon() ? 1 : 2);
        assertThat(store.findRun(completed.runId())).isEmpty();
    }

    /** How a retry raced a deletion: whether it came first (and the run is kept, retried), and how many runs went. */
    private record RetryRace(boolean retryWon, int deleted) {
    }

    /**
     * Retries the failed run while {@code deletion} deletes it: the store either waits for the retry
     * and keeps the run, or deletes the failed run first and the retry then finds no run. Never both
     * a retry that succeeded and its run gone. The retry holds the run while the deletion starts; how
     * far the deletion gets meanwhile depends on the machine (a slow one may not reach the run before
     * the retry ends, and then checks the plain case).
     */
    private RetryRace retryRacing(RunRecord failed, Callable<Integer> deletion) throws Exception {
        CountDownLatch retrying = new CountDownLatch(1);
        CountDownLatch stored = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2, new TestThreads("retry-or-delete"));
        try {
            Future<Optional<StoredChange>> retry = threads.submit(() -> store.updateRun(failed.runId(), current -> {
                retrying.countDown();
                awaitQuietly(stored);
                return Optional.of(new RunChange(current.withStatus(RunStatus.RUNNING, T0.plusSeconds(7200)), List.of()));
            }));
            assertThat(retrying.await(30, TimeUnit.SECONDS)).as("the retry holds the run").isTrue();
            Future<Integer> deleting = threads.submit(deletion);
            letOtherThreadsGetGoing();
            stored.countDown();

            int deleted = deleting.get(30, TimeUnit.SECONDS);
            Optional<StoredChange> retriedChange;
            try {
                retriedChange = retry.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException refused) {
                assertThat(refused.getCause()).as("the retry of a deleted run").isInstanceOf(RunNotFoundException.class);
                assertThat(store.findRun(failed.runId())).isEmpty();
                return new RetryRace(false, deleted);
            }
            assertThat(retriedChange).isPresent();
            assertThat(store.findRun(failed.runId())).as("a run retried before it was deleted")
                    .map(RunRecord::status).contains(RunStatus.RUNNING);
            return new RetryRace(true, deleted);
        } finally {
            stored.countDown();
            threads.shutdownNow();
        }
    }

    /**
     * A retry that waits for a run another change holds, while the run's flow's finished runs are
     * deleted: whichever of the two gets the run first, the retry either succeeds and the run is kept
     * as retried, or finds the run deleted ({@link RunNotFoundException}, as for a run it never
     * knew). Never a retry that succeeded on a run that is gone. Both wait for the change that holds
     * the run; how far each gets meanwhile depends on the machine.
     */
    @Test
    void aRetryWaitingForARunThatIsDeletedMeanwhileIsRefusedAsForAnUnknownRun() throws Exception {
        RunRecord failed = createRun("orders");
        store.updateRun(failed.runId(), setStatus(RunStatus.FAILED));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(3, new TestThreads("retry-behind-a-change"));
        try {
            Future<Optional<StoredChange>> holder = threads.submit(() -> store.updateRun(failed.runId(), current -> {
                holding.countDown();
                awaitQuietly(release);
                return Optional.of(new RunChange(current, List.of(log(1))));
            }));
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("the change holds the run").isTrue();
            Future<Optional<StoredChange>> retry = threads.submit(() -> store.updateRun(failed.runId(),
                    change(current -> current.withStatus(RunStatus.RUNNING, T0.plusSeconds(7200)))));
            letOtherThreadsGetGoing();
            Future<Integer> deletion = threads.submit(() -> store.deleteFinishedRuns("orders"));
            letOtherThreadsGetGoing();
            release.countDown();

            assertThat(holder.get(30, TimeUnit.SECONDS)).isPresent();
            int deleted = deletion.get(30, TimeUnit.SECONDS);
            try {
                assertThat(retry.get(30, TimeUnit.SECONDS)).isPresent();
            } catch (ExecutionException refused) {
                assertThat(refused.getCause()).as("the retry of a deleted run").isInstanceOf(RunNotFoundException.class);
                assertThat(store.findRun(failed.runId())).isEmpty();
                assertThat(deleted).isEqualTo(1);
                return;
            }
            assertThat(store.findRun(failed.runId())).as("a run whose retry succeeded")
                    .map(RunRecord::status).contains(RunStatus.RUNNING);
            assertThat(deleted).isZero();
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- deleting one run

    /**
     * An operator deletes one run (personal data, a test run started by mistake): it goes with its
     * history, state and idempotency key, and its flow's other runs stay, finished or not.
     */
    @Test
    void deletesOneFinishedRunWithItsHistoryStateAndKeyAndKeepsEveryOtherRunOfItsFlow() {
        String key = newKey();
        RunRecord doomed = newRun("orders");
        store.createRun(doomed, List.of(log(1), log(2)), key);
        store.appendEvents(doomed.runId(), List.of(log(3)));
        store.putState(doomed.runId(), "k", "1", Optional.empty());
        store.updateRun(doomed.runId(), change(current -> current.withStatus(RunStatus.FAILED, T0.plusSeconds(60)),
                log(4)));
        RunRecord sameFlowFinished = runMovedTo(RunStatus.COMPLETED, T0.plusSeconds(60));
        RunRecord sameFlowRunning = createRun("orders");
        store.putState(sameFlowFinished.runId(), "k", "2", Optional.empty());

        OptionalLong deleted = store.deleteFinishedRun(doomed.runId(), store.findRun(doomed.runId()).orElseThrow()
                .version());

        assertThat(deleted).as("history entries deleted with it").hasValue(4);
        assertThat(store.findRun(doomed.runId())).isEmpty();
        assertThat(store.readEvents(doomed.runId(), EventQuery.all())).isEmpty();
        assertThat(store.getState(doomed.runId(), "k", T0)).isEmpty();
        assertThat(store.findRunByKey(key)).as("its key is free").isEmpty();
        RunRecord next = newRun("orders");
        store.createRun(next, List.of(log(5)), key);
        assertThat(store.findRunByKey(key)).get().extracting(RunRecord::runId).isEqualTo(next.runId());
        assertThat(store.findRun(sameFlowFinished.runId())).isPresent();
        assertThat(store.getState(sameFlowFinished.runId(), "k", T0)).isPresent();
        assertThat(store.findRun(sameFlowRunning.runId())).isPresent();
        assertThat(store.stats("orders").failed()).as("the flow's counts no longer count it").isZero();
        assertThat(store.stats("orders").total()).isEqualTo(3);
        assertThat(store.deleteFinishedRun(doomed.runId(), 2)).as("deleted already").isEmpty();
    }

    /**
     * A run under way is not deleted, nor a finished one at another version than the caller read
     * (retried and ended again since, a late step result recorded): the caller reads it again.
     */
    @Test
    void keepsARunUnderWayAndOneThatChangedSinceItWasReadAndDeletesNoUnknownOne() {
        Map<RunStatus, RunRecord> underWay = new java.util.EnumMap<>(RunStatus.class);
        for (RunStatus status : List.of(RunStatus.RUNNING, RunStatus.AWAITING, RunStatus.STALLED)) {
            underWay.put(status, runMovedTo(status, T0));
        }
        RunRecord read = runMovedTo(RunStatus.CANCELED, T0.plusSeconds(60));
        store.updateRun(read.runId(), change(UnaryOperator.identity(), log(9)));

        assertThat(underWay.values()).allSatisfy(run -> {
            assertThat(store.deleteFinishedRun(run.runId(), run.version())).as(run.status().wireName()).isEmpty();
            assertThat(store.findRun(run.runId())).get().extracting(RunRecord::status).isEqualTo(run.status());
        });
        assertThat(store.deleteFinishedRun(read.runId(), read.version())).as("changed since read").isEmpty();
        assertThat(store.readEvents(read.runId(), EventQuery.all())).hasSize(2);
        assertThat(store.deleteFinishedRun("no-such-run", 0)).isEmpty();
        assertThat(store.deleteFinishedRun(read.runId(), read.version() + 1)).as("read again").hasValue(2);
    }

    /**
     * A retry of a failed run racing its deletion: the retry comes first and the run is kept,
     * retried, or the deletion does and the retry finds no run. Never half a run.
     */
    @Test
    void aRunRetriedWhileItIsDeletedIsEitherKeptAsRetriedOrGoneWithTheRetryRefused() throws Exception {
        RunRecord failed = runMovedTo(RunStatus.FAILED, T0.plusSeconds(60));
        RunRecord other = runMovedTo(RunStatus.FAILED, T0.plusSeconds(60));

        RetryRace race = retryRacing(failed,
                () -> store.deleteFinishedRun(failed.runId(), failed.version()).isPresent() ? 1 : 0);

        assertThat(race.deleted()).isEqualTo(race.retryWon() ? 0 : 1);
        if (race.retryWon()) {
            assertThat(store.readEvents(failed.runId(), EventQuery.all())).as("its whole history").hasSize(1);
        }
        assertThat(store.findRun(other.runId())).isPresent();
    }

    @Test
    void purgingFinishedRunsDeletesThoseThatEndedLongerAgoThanTheRetentionWithTheirHistoryAndKeepsTheRest() {
        Assumptions.assumeTrue(retention().isPresent(), "the store keeps finished runs for a time");
        Duration retention = retention().orElseThrow();
        Instant cutOff = T0.plus(Duration.ofDays(1));
        Instant now = cutOff.plus(retention);
        RunRecord completedBefore = runMovedTo(RunStatus.COMPLETED, cutOff.minusMillis(1));
        RunRecord failedBefore = runMovedTo(RunStatus.FAILED, cutOff.minusSeconds(3600));
        RunRecord canceledBefore = runMovedTo(RunStatus.CANCELED, cutOff.minusSeconds(7200));
        store.putState(failedBefore.runId(), "k", "1", Optional.empty());
        RunRecord endedAtTheCutOff = runMovedTo(RunStatus.COMPLETED, cutOff);
        RunRecord endedSince = runMovedTo(RunStatus.FAILED, cutOff.plusSeconds(1));
        List<RunRecord> unfinished = List.of(createRun("orders"), runMovedTo(RunStatus.AWAITING, T0),
                runMovedTo(RunStatus.STALLED, T0));

        assertThat(store.purgeFinishedRuns(now)).isEqualTo(3);

        for (RunRecord gone : List.of(completedBefore, failedBefore, canceledBefore)) {
            assertThat(store.findRun(gone.runId())).as("run ended %s", gone.endedAt()).isEmpty();
            assertThat(store.readEvents(gone.runId(), EventQuery.all())).isEmpty();
        }
        assertThat(store.getState(failedBefore.runId(), "k", now)).isEmpty();
        for (RunRecord kept : List.of(endedAtTheCutOff, endedSince)) {
            assertThat(store.findRun(kept.runId())).as("run ended within the retention").isPresent();
            assertThat(store.readEvents(kept.runId(), EventQuery.all())).isNotEmpty();
        }
        assertThat(unfinished).allSatisfy(run -> assertThat(store.findRun(run.runId())).as("an unfinished run")
                .isPresent());
        assertThat(store.purgeFinishedRuns(now)).as("nothing more to purge").isZero();
    }

    /**
     * A run that ended before the cut-off, changed while finished runs are purged so that it ended
     * since (retried, and failed again): the purge, which found it among the runs to delete, keeps
     * it. The change holds the run while the purge starts; how far the purge gets meanwhile depends
     * on the machine (a slow one may not read its candidates before the change ends, and then checks
     * the plain case).
     */
    @Test
    void aRunThatEndsAgainWhileFinishedRunsArePurgedIsKeptAsEndedWithinTheRetention() throws Exception {
        Assumptions.assumeTrue(retention().isPresent(), "the store keeps finished runs for a time");
        Instant cutOff = T0.plus(Duration.ofDays(1));
        Instant now = cutOff.plus(retention().orElseThrow());
        // Nothing to purge yet: a store's first purge may take a while (e.g. to prepare its queries).
        assertThat(store.purgeFinishedRuns(now)).isZero();
        RunRecord failed = runMovedTo(RunStatus.FAILED, cutOff.minusSeconds(60));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2, new TestThreads("end-again-or-purge"));
        try {
            Future<Optional<StoredChange>> endsAgain = threads.submit(() -> store.updateRun(failed.runId(), current -> {
                holding.countDown();
                awaitQuietly(release);
                return Optional.of(new RunChange(current.withStatus(RunStatus.FAILED, cutOff.plusSeconds(60)),
                        List.of(log(1))));
            }));
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("the change holds the run").isTrue();
            Future<Integer> purge = threads.submit(() -> store.purgeFinishedRuns(now));
            letOtherThreadsGetGoing();
            release.countDown();

            assertThat(endsAgain.get(30, TimeUnit.SECONDS)).isPresent();
            assertThat(purge.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(store.findRun(failed.runId())).as("a run that ended within the retention")
                    .flatMap(RunRecord::endedAt).contains(cutOff.plusSeconds(60));
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    /** The engine's sweep purges chunk by chunk, a few per sweep: together they delete what one purge would. */
    @Test
    void aRetentionPurgeDoneChunkByChunkDeletesWhatOnePurgeWouldAndThenEnds() {
        Assumptions.assumeTrue(retention().isPresent(), "the store keeps finished runs for a time");
        Instant cutOff = T0.plus(Duration.ofDays(1));
        Instant now = cutOff.plus(retention().orElseThrow());
        RunRecord endedBefore = runMovedTo(RunStatus.FAILED, cutOff.minusSeconds(1));
        RunRecord endedAtTheCutOff = runMovedTo(RunStatus.COMPLETED, cutOff);
        RunRecord underWay = createRun("orders");

        RetentionPurge purge = store.startRetentionPurge(now);
        int deleted = 0;
        for (OptionalInt chunk = purge.nextChunk(); chunk.isPresent(); chunk = purge.nextChunk()) {
            deleted += chunk.getAsInt();
        }

        assertThat(deleted).isEqualTo(1);
        assertThat(purge.nextChunk()).as("a purge that is done").isEmpty();
        assertThat(store.findRun(endedBefore.runId())).isEmpty();
        assertThat(store.findRun(endedAtTheCutOff.runId())).isPresent();
        assertThat(store.findRun(underWay.runId())).isPresent();
    }

    @Test
    void aStoreWithoutRetentionPurgesNoRun() {
        Assumptions.assumeTrue(retention().isEmpty(), "the store has no retention");
        RunRecord endedLongAgo = runMovedTo(RunStatus.COMPLETED, T0);

        assertThat(store.purgeFinishedRuns(T0.plus(Duration.ofDays(3650)))).isZero();
        RetentionPurge purge = store.startRetentionPurge(T0.plus(Duration.ofDays(3650)));
        assertThat(Stream.generate(purge::nextChunk).takeWhile(OptionalInt::isPresent).mapToInt(OptionalInt::getAsInt)
                .sum()).as("runs deleted by a purge chunk by chunk").isZero();

        assertThat(store.findRun(endedLongAgo.runId())).isPresent();
    }

    @Test
    void purgesExactlyTheExpiredState() {
        RunRecord run = createRun("orders");
        RunRecord other = createRun("orders");
        store.putState(run.runId(), "old", "1", Optional.of(T0.plusSeconds(5)));
        store.putState(run.runId(), "due", "2", Optional.of(T0.plusSeconds(10)));
        store.putState(run.runId(), "fresh", "3", Optional.of(T0.plusSeconds(11)));
        store.putState(run.runId(), "forever", "4", Optional.empty());
        store.putState(other.runId(), "old", "5", Optional.of(T0.plusSeconds(1)));

        assertThat(store.purgeExpiredState(T0.plusSeconds(10))).isEqualTo(3);

        assertThat(store.getState(run.runId(), "old", T0)).as("removed, not just hidden").isEmpty();
        assertThat(store.getState(run.runId(), "due", T0)).isEmpty();
        assertThat(store.getState(other.runId(), "old", T0)).isEmpty();
        assertThat(store.getState(run.runId(), "fresh", T0.plusSeconds(10))).isPresent();
        assertThat(store.getState(run.runId(), "forever", T0.plusSeconds(10))).isPresent();
        assertThat(store.purgeExpiredState(T0.plusSeconds(10))).isZero();
    }

    @Test
    void writesOneStateKeyFromManyThreadsAtOnce() {
        RunRecord run = createRun("orders");
        int threads = 8;

        runConcurrently(threads, thread -> {
            for (int i = 0; i < 5; i++) {
                store.putState(run.runId(), "shared", "{\"thread\":" + thread + "}", Optional.empty());
                store.putState(run.runId(), "own-" + thread, String.valueOf(i), Optional.empty());
            }
        });

        assertThat(JsonValues.canonical(store.getState(run.runId(), "shared", T0).orElseThrow()))
                .isIn(IntStream.range(0, threads).mapToObj(t -> JsonValues.canonical("{\"thread\":" + t + "}")).toList());
        for (int t = 0; t < threads; t++) {
            assertSameJson(store.getState(run.runId(), "own-" + t, T0).orElseThrow(), "4");
        }
    }

    @Test
    void refusesStateOfAnUnknownRun() {
        assertThatThrownBy(() -> store.putState("no-such-run", "k", "1", Optional.empty()))
                .isInstanceOf(RunNotFoundException.class);
    }

    @Test
    void treatsStateOfAnUnknownRunAsEmpty() {
        assertThat(store.getState("no-such-run", "k", T0)).isEmpty();
        store.deleteState("no-such-run", "k");
        store.clearState("no-such-run");
    }

    // ---------------------------------------------------------------- helpers for subclasses

    /**
     * A new run id, unique within the test.
     *
     * @return the id
     */
    protected final String newRunId() {
        return idPrefix + counter.incrementAndGet();
    }

    /**
     * A new, not yet stored, running run of the flow, started one second after the previous one
     * of this test.
     *
     * @param flow flow name
     * @return the run, version 0
     */
    protected final RunRecord newRun(String flow) {
        String runId = newRunId();
        return RunRecord.started(runId, flow, INPUT, Optional.empty(), T0.plusSeconds(counter.get()));
    }

    /**
     * A new idempotency key, shaped as the engine's (a 36-character UUID).
     *
     * @return a random UUID as text
     */
    protected static String newKey() {
        return UUID.randomUUID().toString();
    }

    /**
     * Stores a new running run with one {@code FLOW_START} entry.
     *
     * @param flow flow name
     * @return the run as passed to the store, version 0
     */
    protected final RunRecord createRun(String flow) {
        RunRecord run = newRun(flow);
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        return run;
    }

    /**
     * Stores a new running run started by another run, with one {@code FLOW_START} entry.
     *
     * @param flow flow name
     * @param parentRunId the run that started it
     * @return the run as passed to the store, version 0
     * @since 0.2
     */
    protected final RunRecord createChildRun(String flow, String parentRunId) {
        String runId = newRunId();
        RunRecord run = RunRecord.started(runId, flow, INPUT, Optional.of(parentRunId), T0.plusSeconds(counter.get()));
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        return run;
    }

    /**
     * Stores a new running run carrying labels, with one {@code FLOW_START} entry.
     *
     * @param flow flow name
     * @param labels its labels
     * @return the run as stored
     */
    protected final RunRecord createLabeledRun(String flow, String... labels) {
        RunRecord run = newRun(flow).withLabels(Set.of(labels));
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        return run;
    }

    /**
     * Stores a new run of flow {@code orders} with one {@code FLOW_START} entry and moves it to a status.
     *
     * @param status the status it ends up in
     * @param at when it ended, if {@code status} is terminal
     * @return the run as stored
     */
    protected final RunRecord runMovedTo(RunStatus status, Instant at) {
        RunRecord run = createRun("orders");
        store.updateRun(run.runId(), change(current -> current.withStatus(status, at)));
        return store.findRun(run.runId()).orElseThrow();
    }

    /** Waits for {@code latch} inside a change, where the store may not let an exception through. */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives threads just started the time to reach the run they wait for; they cannot say when they have. */
    private static void letOtherThreadsGetGoing() {
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> true);
    }

    /**
     * A log entry whose data names {@code i}.
     *
     * @param i any number; also the entry's offset from {@code T0} in milliseconds
     * @return a {@code log} entry not produced by a step
     */
    protected static EventDraft log(int i) {
        return EventDraft.ofRun(EventType.LOG, T0.plusMillis(i), "{\"i\":" + i + "}");
    }

    /**
     * A mutation moving the run to another status (terminal ones end at {@code T0 + 1h}).
     *
     * @param status the new status
     * @return the mutation
     */
    protected static RunMutation setStatus(RunStatus status) {
        return change(current -> current.withStatus(status, T0.plusSeconds(3600)));
    }

    /**
     * A mutation applying {@code update} and appending {@code events}.
     *
     * @param update computes the next state from the current one
     * @param events entries to append
     * @return a mutation that always changes the run
     */
    protected static RunMutation change(UnaryOperator<RunRecord> update, EventDraft... events) {
        return current -> Optional.of(new RunChange(update.apply(current), List.of(events)));
    }

    /**
     * Asserts two JSON texts denote the same value.
     *
     * @param actual JSON text the store returned
     * @param expected JSON text the test stored
     */
    protected static void assertSameJson(String actual, String expected) {
        assertThat(JsonValues.canonical(actual)).as("JSON %s vs %s", actual, expected)
                .isEqualTo(JsonValues.canonical(expected));
    }

    /**
     * Asserts two runs are equal, comparing payloads as JSON values.
     *
     * @param actual the run the store returned
     * @param expected the run the test expects
     */
    protected static void assertSameRun(RunRecord actual, RunRecord expected) {
        assertThat(actual.runId()).isEqualTo(expected.runId());
        assertThat(actual.flow()).isEqualTo(expected.flow());
        assertThat(actual.status()).isEqualTo(expected.status());
        assertSameJson(actual.input(), expected.input());
        assertThat(actual.result().map(JsonValues::canonical)).isEqualTo(expected.result().map(JsonValues::canonical));
        assertThat(actual.parentRunId()).isEqualTo(expected.parentRunId());
        assertThat(actual.startedAt()).isEqualTo(expected.startedAt());
        assertThat(actual.endedAt()).isEqualTo(expected.endedAt());
        assertThat(actual.steps()).isEqualTo(expected.steps());
        assertThat(canonicalValues(actual.emitted())).isEqualTo(canonicalValues(expected.emitted()));
        assertThat(actual.version()).isEqualTo(expected.version());
        assertThat(actual.idempotencyKey()).isEqualTo(expected.idempotencyKey());
        assertThat(actual.error()).isEqualTo(expected.error());
    }

    /**
     * Asserts a run's history holds exactly the sequence numbers 1..count, in order.
     *
     * @param history a run's history as read
     * @param count the number of entries expected
     */
    protected static void assertGapless(List<HistoryEvent> history, int count) {
        assertThat(history).extracting(HistoryEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, count).boxed().toList());
    }

    /**
     * Runs {@code body} on {@code threads} threads released together; see {@link Concurrently}.
     *
     * @param threads how many threads
     * @param body what each thread runs
     */
    protected static void runConcurrently(int threads, Concurrently.Body body) {
        Concurrently.run(threads, body);
    }

    // ---------------------------------------------------------------- private

    private RunRecord runWithAlternatingHistory() {
        // seq 1 FLOW_START, then EMIT at odd and LOG at even sequence numbers up to 10
        RunRecord run = createRun("orders");
        List<EventDraft> drafts = new ArrayList<>();
        for (int seq = 2; seq <= 10; seq++) {
            drafts.add(seq % 2 == 0 ? log(seq) : EventDraft.ofRun(EventType.EMIT, T0, "{\"seq\":" + seq + "}"));
        }
        store.appendEvents(run.runId(), drafts);
        return run;
    }

    /** The flow's finished runs (completed, failed, canceled) the store counts. */
    private long finishedRunsOf(String flow) {
        FlowStats stats = store.stats(flow);
        return stats.completed() + stats.failed() + stats.canceled();
    }

    private List<RunRecord> createRunsStartedOneSecondApart(String flow, int count) {
        List<RunRecord> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            runs.add(createRun(flow));
        }
        return runs;
    }

    private static List<String> idsNewestFirst(Collection<RunRecord> runs) {
        return runs.stream().sorted((a, b) -> b.startedAt().compareTo(a.startedAt())).map(RunRecord::runId).toList();
    }

    private static Map<String, Object> canonicalValues(Map<String, String> json) {
        return json.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> JsonValues.canonical(e.getValue())));
    }
}

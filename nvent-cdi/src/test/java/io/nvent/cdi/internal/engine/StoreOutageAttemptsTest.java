package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every queue counts the attempts of a job by the deliveries that failed, whatever failed them. While
 * the store cannot be reached, a step's job fails delivery after delivery on the store, the step's
 * attempt cannot give way (that needs the store too), and the queue counts each: the step still goes
 * on at the attempt its run's history shows, with all the attempts it has left (README, Operations,
 * "While the store cannot be reached").
 */
class StoreOutageAttemptsTest {

    /**
     * Its first call answers, but the store goes away before that answer is stored; from then on the
     * partner refuses. Records the attempt it saw each time it ran.
     */
    @FlowStep(flow = "outage", name = "a", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 0)
    public static class CallPartner implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
        static volatile Runnable onFirstCall = () -> { };

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 1) {
                ctx.reportProgress(1, 2, "called");
                onFirstCall.run();
                return "answered";
            }
            throw new IllegalStateException("partner refused the call");
        }
    }

    /** The same partner, called by a step of one attempt: the attempt whose answer the store refused was its last. */
    @FlowStep(flow = "outage-once", name = "a", role = StepRole.ENTRY, maxAttempts = 1)
    public static class CallPartnerOnce extends CallPartner {
    }

    /**
     * A store whose database goes away: while {@link #away}, and for the next {@link #refusing} writes,
     * reading or changing a run fails as the JPA store's does then ({@code NVENT-0325}), unless the
     * test gives it another {@link #outage}.
     */
    static final class StoreThatGoesAway extends MemoryFlowStore {
        volatile boolean away;
        volatile Supplier<RuntimeException> outage = HealthTest::storeAway;
        final AtomicInteger refusing = new AtomicInteger();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            failIfAway();
            return super.findRun(runId);
        }

        @Override
        public List<HistoryEvent> readEvents(String runId, EventQuery query) {
            failIfAway();
            return super.readEvents(runId, query);
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (refusing.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw outage.get();
            }
            failIfAway();
            return super.updateRun(runId, mutation);
        }

        private void failIfAway() {
            if (away) {
                throw outage.get();
            }
        }
    }

    private final StoreThatGoesAway store = new StoreThatGoesAway();

    @BeforeEach
    void partnerNotCalledYet() {
        CallPartner.attemptsSeen.clear();
    }

    @Test
    void deliveriesTheQueueGaveUpOnWhileTheStoreWasAwayAreNoAttemptsOfTheStep() {
        runUntilTheQueueGaveUpWhileTheStoreWasAway();
    }

    @Test
    void deliveriesTheQueueGaveUpOnWhileAnAdapterSaidItWasUnavailableAreNoAttemptsOfTheStep() {
        // The sweep knows the failure only by the text the queue kept of it: NVENT-0250, not NVENT-0325.
        store.outage = () -> new AdapterUnavailableException("flaky-db", "connection refused", null);
        runUntilTheQueueGaveUpWhileTheStoreWasAway();
    }

    private void runUntilTheQueueGaveUpWhileTheStoreWasAway() {
        // The store goes away with the first answer and stays away until the queue gave up on the job:
        // its 2nd and 3rd deliveries fail on the store before the step runs, as in the QA rehearsal.
        CallPartner.onFirstCall = () -> store.away = true;
        try (EngineHarness h = EngineHarness.over(store, newQueue(), new CallPartner())) {
            String runId = h.engine.start("outage", null);
            await().until(() -> h.queue.counts("outage").failed() == 1);

            store.away = false;
            h.sweep();
            h.clock.advance(h.engine.settings().leaseDuration());
            h.sweep();   // NVENT-0127: the job given up for the store is queued again

            // Queued again after the store's retry delay, which the memory queue waits out in real time.
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.FAILED);
            assertGoesOnAtTheAttemptItWasAtWithAllItsAttempts(h, runId);
        } finally {
            CallPartner.onFirstCall = () -> { };
        }
    }

    @Test
    void aDeliveryTheQueueCountedWhileTheStoreWasAwayIsNoAttemptOfTheStep() {
        // The store is away for the answer, for the requeue that would have given way and for the record
        // of the failed delivery, which the queue then retries as its attempt 2, the store back by then.
        runUntilFailedWithTheStoreRefusingAfterTheFirstCall(3, false, (h, runId) -> { });
    }

    /** Traced, the entry of the delivery that failed only for the store names the attempt that ran, as the others. */
    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void aDeliveryThatFailedOnlyForTheStoreIsRecordedAsNoAttemptWhenTheStoreIsBackForItsFailure(boolean traced) {
        // The store is away for the answer and for the requeue that would have given way, and back when the
        // queue reports the failed delivery, which it retries as its attempt 2.
        runUntilFailedWithTheStoreRefusingAfterTheFirstCall(2, traced, (h, runId) -> { });
    }

    /** Traced, the entry of the attempt that gave way for the store names it, as the others. */
    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void anAttemptThatRanBeforeItsStartWasStoredShowsInTheHistoryBeforeItGivesWayForTheStore(boolean traced) {
        // The step's first delivery runs it before storing its start, to store both with its answer: the
        // store is away for that write only, and back for the requeue.
        runUntilFailedWithTheStoreRefusingAfterTheFirstCall(1, traced, (h, runId) -> {
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).extracting(HistoryEvent::attempt)
                    .as("a start for each time the step ran").containsExactly(1, 1, 2, 3);
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.retry", "step.started");
            assertHoldsTheProgressItReported(h.eventsOf(runId, EventType.STEP_RETRY).get(0));
        });
    }

    /**
     * A step's last attempt whose answer the store refused fails to the queue, which gives up on its job; the step
     * runs again as that attempt, and the entry saying so names the attempt that ran, if traced (nothing more if not).
     */
    @ParameterizedTest(name = "traced: {0}")
    @ValueSource(booleans = {false, true})
    void aLastAttemptWhoseAnswerTheStoreRefusedRunsAgainAsThatAttemptAndItsEntryNamesIt(boolean traced) {
        CallPartner.onFirstCall = () -> store.refusing.set(1);
        try (EngineHarness h = EngineHarness.over(store, newQueue(), new CallPartnerOnce())) {
            if (traced) {
                h.engine.useInterceptors(List.of(new NamingAttempts()));
            }
            String runId = h.engine.start("outage-once", null);

            // Queued again after the store's retry delay, which the memory queue waits out in real time.
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.FAILED);
            assertThat(CallPartner.attemptsSeen).as("its one attempt again, its answer not stored").containsExactly(1, 1);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry -> {
                assertThat(retry.data()).contains("the store could not be reached; the attempt does not count");
                assertNamesItsAttemptIfTraced(retry, traced);
                assertHoldsTheProgressItReported(retry);
            });
        } finally {
            CallPartner.onFirstCall = () -> { };
        }
    }

    /**
     * Starts a run whose step's first call is followed by {@code refusedWrites} writes the store refuses,
     * waits until the run failed (the store's retry delay is waited out in real time) and checks the
     * step went on at the attempt it was at, with all its attempts, each entry ending one naming it if
     * {@code traced} (and none naming a trace otherwise, as before interceptors); then {@code andThen}.
     */
    private void runUntilFailedWithTheStoreRefusingAfterTheFirstCall(int refusedWrites, boolean traced,
                                                                    BiConsumer<EngineHarness, String> andThen) {
        CallPartner.onFirstCall = () -> store.refusing.set(refusedWrites);
        try (EngineHarness h = EngineHarness.over(store, newQueue(), new CallPartner())) {
            if (traced) {
                h.engine.useInterceptors(List.of(new NamingAttempts()));
            }
            String runId = h.engine.start("outage", null);

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    h.engine.run(runId).orElseThrow().status() == RunStatus.FAILED);
            assertGoesOnAtTheAttemptItWasAtWithAllItsAttempts(h, runId);
            // Those of deliveries that ran the step: one that gave way for another's attempt ran nothing.
            assertThat(h.store.readEvents(runId, EventQuery.all())).filteredOn(entry -> (entry.type() == EventType.STEP_RETRY
                    || entry.type() == EventType.STEP_FAILED) && entry.data().contains("\"error\":"))
                    .as("the entries ending attempts that ran").isNotEmpty()
                    .allSatisfy(entry -> assertNamesItsAttemptIfTraced(entry, traced));
            andThen.accept(h, runId);
        } finally {
            CallPartner.onFirstCall = () -> { };
        }
    }

    /**
     * The entry the engine wrote as the attempt that ran gave way for the store holds the last progress it reported, as
     * every entry ending an attempt does (README, "Progress").
     */
    private static void assertHoldsTheProgressItReported(HistoryEvent entry) {
        assertThat(entry.data()).contains("the store could not be reached; the attempt does not count",
                "\"progress\":{\"done\":1,\"total\":2,\"message\":\"called\"}");
    }

    /** The entry names its attempt as the interceptor did if {@code traced}; else no trace, as before interceptors. */
    private static void assertNamesItsAttemptIfTraced(HistoryEvent entry, boolean traced) {
        if (traced) {
            assertThat(entry.data()).contains(NamingAttempts.traceOf("a", entry.attempt()));
        } else {
            assertThat(entry.data()).doesNotContain("\"trace\"");
        }
    }

    private static void assertGoesOnAtTheAttemptItWasAtWithAllItsAttempts(EngineHarness h, String runId) {
        assertThat(CallPartner.attemptsSeen).as("attempt 1 again, its answer not stored; then all 3 attempts")
                .containsExactly(1, 1, 2, 3);
        assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).extracting(HistoryEvent::attempt)
                .as("no attempt after the 3rd, none skipped").endsWith(1, 2, 3).allMatch(attempt -> attempt <= 3);
        assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).filteredOn(retry -> !retry.data().contains("nextAttempt\":"))
                .as("the attempt that gave way for the store").isNotEmpty()
                .allSatisfy(retry -> assertThat(retry.attempt()).isEqualTo(1));
        assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
            assertThat(failed.attempt()).isEqualTo(3);
            assertThat(failed.data()).contains("\"maxAttempts\":3").contains("partner refused the call");
        });
    }

    private static MemoryJobQueue newQueue() {
        return new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
    }
}

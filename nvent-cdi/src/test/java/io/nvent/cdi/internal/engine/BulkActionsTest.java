package io.nvent.cdi.internal.engine;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.BulkSkip;
import io.nvent.EventType;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.PublishedEvent;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * Retrying the failed runs and canceling the active runs of a flow in bulk: page by page through a
 * cursor, each run through the single-run operation, a run that changed or fails leaving the others
 * to go on, and a repeated call doing no harm.
 */
class BulkActionsTest {

    /** The downstream service is away: the step named in a run's input ({@code fails}) fails. */
    static final AtomicBoolean OUTAGE = new AtomicBoolean();

    @FlowStep(flow = "payout", name = "charge", role = StepRole.ENTRY, emits = "charged")
    static class Charge implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            failDuringOutage("charge", input);
            ctx.emit("charged", input);
            return null;
        }
    }

    @FlowStep(flow = "payout", name = "notify", subscribes = "charged")
    static class Notify implements Step<Map<String, Map<String, Object>>, Void> {
        @Override
        public Void execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            failDuringOutage("notify", input.get("charged"));
            return null;
        }
    }

    private static void failDuringOutage(String step, Map<String, Object> input) {
        if (OUTAGE.get() && step.equals(input.get("fails"))) {
            throw new IllegalStateException("downstream of " + step + " is away");
        }
    }

    /** A store that lets a test change runs between a bulk call's listing and its actions, or fail one run. */
    static final class InterferingStore extends MemoryFlowStore {
        volatile Consumer<List<RunRecord>> onceListed = runs -> { };
        volatile String failingRun = "";

        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            List<RunRecord> runs = super.findRuns(query);
            Consumer<List<RunRecord>> hook = onceListed;
            onceListed = r -> { };
            hook.accept(runs);
            return runs;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (runId.equals(failingRun)) {
                throw new IllegalStateException("the store lost its connection while changing " + runId);
            }
            return super.updateRun(runId, mutation);
        }
    }

    private final InterferingStore store = new InterferingStore();

    @BeforeEach
    void downstreamIsAway() {
        OUTAGE.set(true);
    }

    private EngineHarness harness() {
        return EngineHarness.over(store, new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker")),
                new Charge(), new Notify());
    }

    /** Starts runs a minute apart whose step {@code failing} fails, and waits until each has failed. */
    private static List<String> failedRuns(EngineHarness h, int count, String failing) {
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            h.clock.advance(Duration.ofMinutes(1));
            runIds.add(h.engine.start("payout", Map.of("fails", failing, "n", i)));
        }
        runIds.forEach(runId -> h.awaitStatus(runId, RunStatus.FAILED));
        return runIds;
    }

    /** Every page of a bulk retry, going on where the previous one stopped. */
    private static List<BulkResult> retryAllPages(EngineHarness h, BulkRetry first) {
        List<BulkResult> pages = new ArrayList<>();
        BulkRetry selection = first;
        while (selection != null) {
            BulkResult page = h.engine.retryFailed(selection);
            pages.add(page);
            selection = page.next().map(selection::startingAfter).orElse(null);
        }
        return pages;
    }

    @Test
    void retryingTheFailedRunsPageByPageRetriesEachOnceAsARetryByHandWould() {
        try (EngineHarness h = harness()) {
            List<String> runIds = failedRuns(h, 5, "charge");
            OUTAGE.set(false);

            List<BulkResult> pages = retryAllPages(h, BulkRetry.ofFlow("payout").withLimit(2));

            assertThat(pages).extracting(BulkResult::matched).containsExactly(2, 2, 1);
            assertThat(pages).extracting(BulkResult::acted).containsExactly(2, 2, 1);
            assertThat(pages.get(2).next()).isEmpty();
            runIds.forEach(runId -> {
                assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).steps()).containsEntry("charge",
                        StepStatus.COMPLETED);
                assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).hasSize(1)
                        .allSatisfy(e -> assertThat(e.data()).contains("manual retry"));
            });
        }
    }

    @Test
    void onlyRunsStartedWithinTheWindowWhoseNamedStepFailedAreRetried() {
        try (EngineHarness h = harness()) {
            List<String> charges = failedRuns(h, 4, "charge");
            List<String> notifies = failedRuns(h, 2, "notify");
            OUTAGE.set(false);
            Instant from = h.engine.run(charges.get(1)).orElseThrow().startedAt();
            Instant to = h.engine.run(charges.get(3)).orElseThrow().startedAt();

            BulkResult result = h.engine.retryFailed(BulkRetry.ofFlow("payout").withStep("charge")
                    .startedWithin(from, to));

            assertThat(result.matched()).isEqualTo(2);
            assertThat(result.acted()).isEqualTo(2);
            assertThat(result.next()).isEmpty();
            h.awaitStatus(charges.get(1), RunStatus.COMPLETED);
            h.awaitStatus(charges.get(2), RunStatus.COMPLETED);
            assertThat(h.engine.run(charges.get(0)).orElseThrow().status()).as("started before the window")
                    .isEqualTo(RunStatus.FAILED);
            assertThat(h.engine.run(charges.get(3)).orElseThrow().status()).as("started at the window's end")
                    .isEqualTo(RunStatus.FAILED);
            notifies.forEach(runId -> assertThat(h.engine.run(runId).orElseThrow().status())
                    .as("another step failed").isEqualTo(RunStatus.FAILED));
        }
    }

    @Test
    void aRunRetriedBetweenTheListingAndItsRetryIsSkippedAsNoLongerFailed() {
        try (EngineHarness h = harness()) {
            List<String> runIds = failedRuns(h, 3, "charge");
            OUTAGE.set(false);
            store.onceListed = listed -> h.engine.retryStep(runIds.get(1), "charge");

            BulkResult result = h.engine.retryFailed(BulkRetry.ofFlow("payout"));

            assertThat(result.matched()).isEqualTo(3);
            assertThat(result.acted()).isEqualTo(2);
            assertThat(result.skippedBy()).containsExactly(entry(BulkSkip.NO_LONGER_FAILED, 1));
            runIds.forEach(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(h.eventsOf(runIds.get(1), EventType.STEP_RETRY)).as("retried once, by hand").hasSize(1);
        }
    }

    @Test
    void aRunWhoseRetryFailsIsCountedAndTheOthersAreRetriedAllTheSame() {
        try (EngineHarness h = harness()) {
            List<String> runIds = failedRuns(h, 3, "charge");
            OUTAGE.set(false);
            store.failingRun = runIds.get(1);

            BulkResult result = h.engine.retryFailed(BulkRetry.ofFlow("payout"));

            assertThat(result.matched()).isEqualTo(3);
            assertThat(result.acted()).isEqualTo(2);
            assertThat(result.failed()).isEqualTo(1);
            h.awaitStatus(runIds.get(0), RunStatus.COMPLETED);
            h.awaitStatus(runIds.get(2), RunStatus.COMPLETED);
            store.failingRun = "";
            assertThat(h.engine.run(runIds.get(1)).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }

    @Test
    void repeatingARetryAfterACutRetriesNothingTwice() {
        try (EngineHarness h = harness()) {
            List<String> runIds = failedRuns(h, 3, "charge");
            OUTAGE.set(false);
            BulkRetry selection = BulkRetry.ofFlow("payout").withLimit(2);
            h.engine.retryFailed(selection);
            runIds.subList(1, 3).forEach(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));

            BulkResult repeated = h.engine.retryFailed(selection);

            assertThat(repeated.matched()).as("only the run the first page did not reach").isEqualTo(1);
            assertThat(repeated.acted()).isEqualTo(1);
            h.awaitStatus(runIds.get(0), RunStatus.COMPLETED);
            runIds.forEach(runId -> assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).hasSize(1));
            assertThat(h.engine.retryFailed(selection).matched()).isZero();
        }
    }

    /** Starts runs a minute apart that wait an hour before their first step: awaiting, active. */
    private static List<String> awaitingRuns(EngineHarness h, int count) {
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            h.clock.advance(Duration.ofMinutes(1));
            runIds.add(h.engine.start("payout", Map.of("n", i), StartOptions.delayed(Duration.ofHours(1))).runId());
        }
        runIds.forEach(runId -> h.awaitStatus(runId, RunStatus.AWAITING));
        return runIds;
    }

    @Test
    void cancelingTheActiveRunsPageByPageCancelsEachAsACancelByHandWould() {
        try (EngineHarness h = harness()) {
            List<String> runIds = awaitingRuns(h, 5);
            List<PublishedEvent> published = new java.util.concurrent.CopyOnWriteArrayList<>();
            h.stream.subscribe(published::add);

            List<BulkResult> pages = new ArrayList<>();
            BulkCancel selection = BulkCancel.ofFlow("payout").withLimit(2);
            while (selection != null) {
                BulkResult page = h.engine.cancelRuns(selection);
                pages.add(page);
                selection = page.next().map(selection::startingAfter).orElse(null);
            }

            assertThat(pages).extracting(BulkResult::acted).containsExactly(2, 2, 1);
            runIds.forEach(runId -> {
                assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
                assertThat(h.eventsOf(runId, EventType.FLOW_CANCEL)).singleElement()
                        .satisfies(e -> assertThat(e.data()).contains("\"previousStatus\":\"awaiting\""));
            });
            assertThat(published).filteredOn(e -> e.event().type() == EventType.FLOW_CANCEL).hasSize(5);
            assertThat(h.scheduling.awaitsOfRun(runIds.get(0))).allSatisfy(a ->
                    assertThat(a.status()).isEqualTo(io.nvent.AwaitStatus.CANCELED));
        }
    }

    @Test
    void cancelingSkipsARunThatEndedMeanwhileGoesOnPastOneThatFailsAndRepeatsHarmlessly() {
        try (EngineHarness h = harness()) {
            List<String> runIds = awaitingRuns(h, 4);
            store.onceListed = listed -> h.engine.cancel(runIds.get(3));
            store.failingRun = runIds.get(2);
            BulkCancel selection = BulkCancel.ofFlow("payout").withStatuses(EnumSet.of(RunStatus.AWAITING));

            BulkResult result = h.engine.cancelRuns(selection);

            assertThat(result.matched()).isEqualTo(4);
            assertThat(result.acted()).isEqualTo(2);
            assertThat(result.skippedBy()).containsExactly(entry(BulkSkip.ALREADY_ENDED, 1));
            assertThat(result.failed()).isEqualTo(1);
            store.failingRun = "";
            BulkResult repeated = h.engine.cancelRuns(selection);
            assertThat(repeated.matched()).as("only the run that failed is still active").isEqualTo(1);
            assertThat(repeated.acted()).isEqualTo(1);
            runIds.forEach(runId -> assertThat(h.eventsOf(runId, EventType.FLOW_CANCEL)).hasSize(1));
        }
    }

    @Test
    void aSelectionOutsideWhatTheOperationsTakeIsRefusedBeforeAnyRunIsTouched() {
        try (EngineHarness h = harness()) {
            assertThatThrownBy(() -> BulkRetry.ofFlow("payout").withLimit(501))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be within 1..500, was 501");
            assertThatThrownBy(() -> BulkCancel.ofFlow("payout").withStatuses(Set.of(RunStatus.COMPLETED)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("statuses must be among");
            Instant now = h.clock.instant();
            assertThatThrownBy(() -> BulkRetry.ofFlow("payout").startedWithin(now, now))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("to must be after from");
            assertThatThrownBy(() -> h.engine.retryFailed(BulkRetry.ofFlow("payout").withStep("ship")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("step must be a step of flow 'payout' (charge, notify); was 'ship'");
            assertThatThrownBy(() -> h.engine.cancelRuns(BulkCancel.ofFlow("nope")))
                    .isInstanceOf(FlowNotFoundException.class);
        }
    }
}

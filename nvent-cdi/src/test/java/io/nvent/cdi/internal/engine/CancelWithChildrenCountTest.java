package io.nvent.cdi.internal.engine;

import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.RunRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cancel with children counts the children it cancels however the instance's other work falls around it: its
 * sweep of the run's children is a moment after the run's cancel, and the instance's look at the cancels of the
 * steps it runs ({@link Maintenance}, every two seconds) may come in that moment.
 */
class CancelWithChildrenCountTest {

    /** The thread of the step that starts the exports. */
    static volatile Thread exportingThread;
    /** Counted down once the step's starts of the exports have returned. */
    static volatile CountDownLatch exportsStarted = new CountDownLatch(1);

    /**
     * Starts two exports that hold until they are canceled, and holds itself until asked to stop; its thread keeps
     * its interrupt, so that the test tells whether it was asked.
     */
    @FlowStep(flow = "export-all", name = "export-each", role = StepRole.ENTRY)
    static class ExportEach implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            exportingThread = Thread.currentThread();
            ctx.startFlow("export", null);
            ctx.startFlow("export", null);
            exportsStarted.countDown();
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park(this);
            }
            throw new InterruptedException("asked to stop");
        }
    }

    /** Holds until its run is canceled. */
    @FlowStep(flow = "export", name = "hold", role = StepRole.ENTRY)
    static class Hold implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            new CountDownLatch(1).await();
            return "held";
        }
    }

    /**
     * A memory store that runs a test's step once, before the next listing of a run's children under way, or before
     * the exporting step reads its run once it stored both exports (as the start of the second looks whether the run
     * was canceled with its children).
     */
    static final class ListingHookStore extends MemoryFlowStore {

        private final AtomicReference<Runnable> beforeNextListing = new AtomicReference<>();
        private final AtomicReference<Runnable> beforeSecondStartCheck = new AtomicReference<>();

        void beforeNextListing(Runnable step) {
            beforeNextListing.set(step);
        }

        void beforeSecondStartCheck(Runnable step) {
            beforeSecondStartCheck.set(step);
        }

        @Override
        public Optional<RunRecord> findRun(String runId) {
            if (Thread.currentThread() == exportingThread
                    && super.childRunsLeadingToRunsUnderWay(runId, Optional.empty(), 10).size() == 2) {
                Runnable step = beforeSecondStartCheck.getAndSet(null);
                if (step != null) {
                    step.run();
                }
            }
            return super.findRun(runId);
        }

        @Override
        public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                              int limit) {
            Runnable step = beforeNextListing.getAndSet(null);
            if (step != null) {
                step.run();
            }
            return super.childRunsLeadingToRunsUnderWay(parentRunId, afterRunId, limit);
        }
    }

    @BeforeEach
    void noStepHoldsYet() {
        exportingThread = null;
        exportsStarted = new CountDownLatch(1);
    }

    @Test
    void theInstancesLookAtCancelsBetweenTheCancelAndItsSweepLeavesTheChildrenCountedAsCanceledByIt()
            throws InterruptedException {
        ListingHookStore store = new ListingHookStore();
        MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness harness = EngineHarness.over(store, queue, new ExportEach(), new Hold())) {
            String exportAll = harness.engine.start("export-all", null);
            await().until(() -> harness.engine.runs(RunQuery.all().withParentRunId(exportAll)).stream()
                    .filter(child -> child.steps().containsValue(io.nvent.StepStatus.RUNNING)).count() == 2);
            harness.awaitRunningWithLease(exportAll, "export-each");
            assertThat(exportsStarted.await(10, TimeUnit.SECONDS)).isTrue();
            store.beforeNextListing(() -> {
                // The instance's look at the cancels of its running steps, as its timer fires now; a step it asks to
                // stop cancels the children its attempt started as it ends.
                EngineHarness.moveClocks(Maintenance.CANCEL_CHECK, harness);
                harness.sweep();
                if (exportingThread.isInterrupted()) {
                    await().until(() -> harness.engine.runs(RunQuery.all().withParentRunId(exportAll)).stream()
                            .allMatch(child -> child.status() == RunStatus.CANCELED));
                }
            });

            CanceledRuns canceled = harness.engine.cancel(exportAll, CancelOptions.withChildren());

            assertThat(canceled.descendantsCanceled()).isEqualTo(2);
            assertThat(harness.engine.runs(RunQuery.all().withParentRunId(exportAll)))
                    .extracting(io.nvent.RunInfo::status).containsOnly(RunStatus.CANCELED);
        }
    }

    @Test
    void aChildWhoseStartCancelsItBeforeTheCancelsSweepListsItEndsCanceledAndIsNotCountedByTheCancel()
            throws InterruptedException {
        ListingHookStore store = new ListingHookStore();
        MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness harness = EngineHarness.over(store, queue, new ExportEach(), new Hold())) {
            CountDownLatch exportAllCanceled = new CountDownLatch(1);
            AtomicReference<String> exportAllId = new AtomicReference<>();
            store.beforeSecondStartCheck(() -> awaitQuietly(exportAllCanceled));
            store.beforeNextListing(() -> {
                exportAllCanceled.countDown();
                // The second export's start reads its run canceled with its children, and cancels the export.
                await().until(() -> harness.engine.runs(RunQuery.all().withParentRunId(exportAllId.get())).stream()
                        .anyMatch(child -> child.status() == RunStatus.CANCELED));
            });
            String exportAll = harness.engine.start("export-all", null);
            exportAllId.set(exportAll);
            await().until(() -> harness.engine.runs(RunQuery.all().withParentRunId(exportAll)).size() == 2);

            CanceledRuns canceled = harness.engine.cancel(exportAll, CancelOptions.withChildren());

            assertThat(canceled.descendantsCanceled()).as("the first export; its start canceled the second")
                    .isEqualTo(1);
            assertThat(exportsStarted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(harness.engine.runs(RunQuery.all().withParentRunId(exportAll)))
                    .extracting(io.nvent.RunInfo::status).containsExactly(RunStatus.CANCELED, RunStatus.CANCELED);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one cancel with children reads and cancels: about as many runs as it cancels, however many of the descendants
 * ended, a repeat not reading again what an earlier call canceled; and a bulk cancel with children cancels at most
 * {@value CancelOptions#MAX_LIMIT} descendants per call, its repeat going on where it stopped.
 */
class CancelWithChildrenBoundsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int LIMIT = 200;

    /**
     * A memory store counting the runs it hands out to an operator's action: not those the maintenance sweep reads
     * meanwhile (the lost-step check reads a thousand runs at a time, every 500 ms), which made the counts flaky.
     */
    static final class RunsReadCountingStore extends MemoryFlowStore {
        final AtomicInteger runsRead = new AtomicInteger();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            return counted(super.findRun(runId).stream().toList()).stream().findFirst();
        }

        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            return counted(super.findRuns(query));
        }

        @Override
        public List<RunRecord> readRuns(Collection<String> runIds) {
            return counted(super.readRuns(runIds));
        }

        @Override
        public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                              int limit) {
            return counted(super.childRunsLeadingToRunsUnderWay(parentRunId, afterRunId, limit));
        }

        private List<RunRecord> counted(List<RunRecord> runs) {
            if (StackWalker.getInstance().walk(frames -> frames.anyMatch(frame -> frame.getClassName()
                    .equals(OperatorActions.class.getName())))) {
                runsRead.addAndGet(runs.size());
            }
            return runs;
        }
    }

    /** A batch's step: the test stores the batch's children itself. */
    @FlowStep(flow = "batch", name = "start", role = StepRole.ENTRY)
    public static class StartBatch implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** A shipment's step, undone by a refund: the test stores a shipment compensating. */
    @FlowStep(flow = "shipment", name = "ship", role = StepRole.ENTRY, compensation = "refund")
    public static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** The shipment's compensation. */
    @FlowStep(flow = "shipment", name = "refund", role = StepRole.COMPENSATION)
    public static class Refund implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private RunsReadCountingStore store;
    private EmbeddedEngine engine;

    @BeforeEach
    void startEngine() {
        store = new RunsReadCountingStore();
        engine = EmbeddedEngine.newBuilder().instanceId("a").store(store).step(new StartBatch()).step(new Ship())
                .step(new Refund()).build();
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    @Test
    void aCancelWithChildrenReadsAboutAsManyRunsAsItCancelsHoweverManyChildrenEnded() {
        FlowService flows = engine.flows();
        String batch = storedRun("batch", Optional.empty(), RunStatus.RUNNING);
        storedChildren(batch, 3_000, RunStatus.COMPLETED);
        storedChildren(batch, 2 * LIMIT + 50, RunStatus.RUNNING);
        CancelOptions limited = CancelOptions.withChildren().toBuilder().limit(LIMIT).build();

        assertThat(cancelReading(flows, batch, limited)).as("the first call")
                .isBetween(LIMIT, LIMIT + 10);
        assertThat(cancelReading(flows, batch, limited)).as("a repeat, which reads none of those canceled before")
                .isBetween(LIMIT, LIMIT + 10);
        assertThat(flows.cancel(batch, limited)).isEqualTo(new CanceledRuns(false, 50, false));
    }

    @Test
    void aBulkCancelWithChildrenCancelsAtMostTenThousandDescendantsPerCallAndItsRepeatGoesOnWhereItStopped() {
        FlowService flows = engine.flows();
        List<String> batches = java.util.stream.Stream.of(storedRun("batch", Optional.empty(), RunStatus.RUNNING),
                storedRun("batch", Optional.empty(), RunStatus.RUNNING)).sorted(java.util.Comparator.reverseOrder())
                .toList();
        batches.forEach(batch -> storedChildren(batch, 6_000, RunStatus.RUNNING));
        BulkCancel withChildren = BulkCancel.ofFlow("batch").withChildren();

        BulkResult first = flows.cancelRuns(withChildren);

        assertThat(first).as("the first batch's 6,000 and 4,000 of the second's; next: the second")
                .isEqualTo(new BulkResult(2, 2, Map.of(), 0, Optional.of(new RunPosition(T0, batches.get(1))),
                        CancelOptions.MAX_LIMIT));
        BulkResult repeat = flows.cancelRuns(withChildren.startingAfter(first.next().orElseThrow()));
        assertThat(repeat).as("the second batch's other 2,000, and no run listed after it")
                .isEqualTo(new BulkResult(0, 0, Map.of(), 0, Optional.empty(), 2_000));
        assertThat(flows.runs(RunQuery.all().withStatus(RunStatus.RUNNING))).isEmpty();
    }

    @Test
    void aCancelWithChildrenReachesARunUnderWayBelowTwoGenerationsOfEndedRuns() {
        String batch = storedRun("batch", Optional.empty(), RunStatus.RUNNING);
        String completedChild = storedRun("mail", Optional.of(batch), RunStatus.RUNNING);
        String completedGrandchild = storedRun("mail", Optional.of(completedChild), RunStatus.RUNNING);
        String stillRunning = storedRun("mail", Optional.of(completedGrandchild), RunStatus.RUNNING);
        ended(completedGrandchild);
        ended(completedChild);

        assertThat(engine.flows().cancel(batch, CancelOptions.withChildren()))
                .isEqualTo(new CanceledRuns(true, 1, false));
        assertThat(store.findRun(stillRunning)).get().extracting(RunRecord::status).isEqualTo(RunStatus.CANCELED);
    }

    @Test
    void aCancelWithChildrenGoesDownAChainOfManyGenerationsWithoutOverflowingTheStack() throws InterruptedException {
        String root = storedRun("batch", Optional.empty(), RunStatus.RUNNING);
        String parent = root;
        for (int generation = 0; generation < 5_000; generation++) {
            parent = storedRun("mail", Optional.of(parent), RunStatus.RUNNING);
        }
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread smallStack = new Thread(null, () -> {
            try {
                outcome.set(engine.flows().cancel(root, CancelOptions.withChildren()));
            } catch (Throwable thrown) {
                outcome.set(thrown);
            }
        }, "small-stack", 256 * 1024);
        smallStack.start();
        smallStack.join();

        assertThat(outcome.get()).isEqualTo(new CanceledRuns(true, 5_000, false));
        assertThat(store.findRun(parent)).get().extracting(RunRecord::status).isEqualTo(RunStatus.CANCELED);
    }

    @Test
    void aBulkCancelCursorAtARunCanceledAloneOrOfAnotherFlowCancelsNoneOfItsDescendants() {
        FlowService flows = engine.flows();
        String canceledAlone = storedRun("batch", Optional.empty(), RunStatus.RUNNING);
        String childOfTheOneCanceledAlone = storedRun("mail", Optional.of(canceledAlone), RunStatus.RUNNING);
        flows.cancel(canceledAlone);
        String ofAnotherFlow = storedRun("mail", Optional.empty(), RunStatus.RUNNING);
        storedChildren(ofAnotherFlow, 2, RunStatus.RUNNING);
        flows.cancel(ofAnotherFlow, CancelOptions.withChildren().toBuilder().limit(1).build());
        BulkCancel withChildren = BulkCancel.ofFlow("batch").withChildren();

        flows.cancelRuns(withChildren.startingAfter(new RunPosition(T0, canceledAlone)));
        flows.cancelRuns(withChildren.startingAfter(new RunPosition(T0, ofAnotherFlow)));

        assertThat(store.findRun(childOfTheOneCanceledAlone)).get().extracting(RunRecord::status)
                .as("a cursor does not make a cancel alone one with children").isEqualTo(RunStatus.RUNNING);
        assertThat(flows.runs(RunQuery.all().withParentRunId(ofAnotherFlow).withStatus(RunStatus.RUNNING)))
                .as("a cursor at a run of another flow goes on with none of its descendants").hasSize(1);
    }

    /**
     * A run below itself (a keyed run id reused after a purge, under its old child), compensating, so under way after
     * its cancel: a cancel with children compensating does not go round the cycle for ever, listing the run under its child and
     * the child under it.
     */
    @Test
    void aCancelWithChildrenOfARunBelowItselfEnds() {
        String shipment = "shipment-" + java.util.UUID.randomUUID();
        String crate = "crate-" + java.util.UUID.randomUUID();
        store.createRun(RunRecord.started(shipment, "shipment", "{}", Optional.of(crate), T0),
                List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}")));
        store.createRun(RunRecord.started(crate, "batch", "{}", Optional.of(shipment), T0),
                List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}")));
        store.updateRun(shipment, stored -> Optional.of(new RunChange(stored.withStatus(RunStatus.COMPENSATING, T0),
                List.of())));
        ended(crate);

        CanceledRuns canceled = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(30), () -> engine.flows().cancel(shipment, CancelOptions.withChildren().toBuilder().compensate(true).build()));

        assertThat(canceled).as("the shipment compensates on; nothing below it but itself is under way")
                .isEqualTo(new CanceledRuns(false, 0, false));
    }

    private void ended(String runId) {
        store.updateRun(runId, stored -> Optional.of(new RunChange(stored.withStatus(RunStatus.COMPLETED, T0),
                List.of())));
    }

    /** The runs one cancel read, having canceled {@value #LIMIT} descendants with more left. */
    private int cancelReading(FlowService flows, String runId, CancelOptions options) {
        store.runsRead.set(0);
        assertThat(flows.cancel(runId, options).descendantsCanceled()).isEqualTo(LIMIT);
        return store.runsRead.get();
    }

    private void storedChildren(String parentRunId, int count, RunStatus status) {
        for (int i = 0; i < count; i++) {
            storedRun("mail", Optional.of(parentRunId), status);
        }
    }

    private String storedRun(String flow, Optional<String> parentRunId, RunStatus status) {
        String runId = java.util.UUID.randomUUID().toString();
        RunRecord run = RunRecord.started(runId, flow, "{}", parentRunId, T0);
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}")));
        if (status != RunStatus.RUNNING) {
            store.updateRun(runId, stored -> Optional.of(new RunChange(stored.withStatus(status, T0), List.of())));
        }
        return runId;
    }
}

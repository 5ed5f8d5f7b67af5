package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
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
 * What a cancel with children reads: about as many runs as it cancels, however many of the descendants ended, and
 * a repeat does not read again what an earlier call canceled.
 */
class CancelWithChildrenReadsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int LIMIT = 200;

    /** A memory store counting the runs it hands out. */
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
            runsRead.addAndGet(runs.size());
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

    private RunsReadCountingStore store;
    private EmbeddedEngine engine;

    @BeforeEach
    void startEngine() {
        store = new RunsReadCountingStore();
        engine = EmbeddedEngine.newBuilder().instanceId("a").store(store).step(new StartBatch()).build();
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
                .isLessThanOrEqualTo(LIMIT + 10);
        assertThat(cancelReading(flows, batch, limited)).as("a repeat, which reads none of those canceled before")
                .isLessThanOrEqualTo(LIMIT + 10);
        assertThat(flows.cancel(batch, limited)).isEqualTo(new CanceledRuns(false, 50, false));
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

package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review: what a cancel with children costs the statements of the store. A batch whose mails were mostly sent must
 * cost reads of the mails still under way, not one read of the children of every mail sent.
 */
class ReviewCancelWithChildrenCostTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @RegisterExtension
    final RecordedStatementsStore recorded = new RecordedStatementsStore(4);

    /** A batch's step: the test stores the batch's mails itself. */
    @FlowStep(flow = "batch", name = "start", role = StepRole.ENTRY)
    static class StartBatch implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aCancelWithChildrenReadsTheChildrenOfTheMailsUnderWayNotOfEveryMailSent() {
        String batch = storedRun(Optional.empty(), RunStatus.RUNNING);
        for (int mail = 0; mail < 20; mail++) {
            storedRun(Optional.of(batch), RunStatus.RUNNING);
        }
        for (int mail = 0; mail < 1_000; mail++) {
            storedRun(Optional.of(batch), RunStatus.COMPLETED);
        }
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().instanceId("a").store(recorded.store())
                .schedulingStore(recorded.store().schedulingStore()).step(new StartBatch()).build()) {
            recorded.statements().clear();

            assertThat(engine.flows().cancel(batch, CancelOptions.withChildren()))
                    .isEqualTo(new CanceledRuns(true, 20, false));
        }

        assertThat(recorded.statements()).as("reads of a run's children: the batch's, and twice each mail's under way")
                .filteredOn(sql -> sql.startsWith("select") && sql.contains("parent_run_id = ?"))
                .hasSizeLessThanOrEqualTo(1 + 2 * 20);
    }

    private String storedRun(Optional<String> parentRunId, RunStatus status) {
        String runId = UUID.randomUUID().toString();
        RunRecord run = RunRecord.started(runId, parentRunId.isPresent() ? "mail" : "batch", "{}", parentRunId, T0);
        recorded.store().createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, T0, "{}")));
        if (status != RunStatus.RUNNING) {
            recorded.store().updateRun(runId, stored -> Optional.of(new RunChange(stored.withStatus(status, T0),
                    List.of())));
        }
        return runId;
    }
}

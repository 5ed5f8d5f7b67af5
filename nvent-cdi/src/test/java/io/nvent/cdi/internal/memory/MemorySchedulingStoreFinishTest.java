package io.nvent.cdi.internal.memory;

import io.nvent.RunStatus;
import io.nvent.StepProgress;
import io.nvent.StepStatus;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory store finishes a step in the atomic update of its lease, but readers of runs and progress take no
 * lock of that update: the moment the finished run shows, the step's progress must be gone already.
 */
class MemorySchedulingStoreFinishTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** Runs whose every change is read back at once, as another thread would read it just then, with its progress. */
    private static final class ReadAsChanged extends MemoryFlowStore {
        final AtomicReference<Map<String, StepProgress>> progressSeenWithTheChange = new AtomicReference<>();
        private volatile MemorySchedulingStore scheduling;

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            Optional<StoredChange> change = super.updateRun(runId, mutation);
            if (scheduling != null) {
                progressSeenWithTheChange.set(scheduling.progressOfRun(runId));
            }
            return change;
        }
    }

    @Test
    void aReaderThatSeesTheStepFinishedSeesNoProgressOfItAnyMore() {
        ReadAsChanged runs = new ReadAsChanged();
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        runs.createRun(RunRecord.started("run-1", "import", "{}", Optional.empty(), T0)
                .withStep("import", StepStatus.RUNNING), List.of());
        StepLease lease = StepLease.renewed("run-1", "import", "node-a", T0, T0.plusSeconds(60)).forAttempt(1);
        scheduling.acquireLease(lease, T0);
        assertThat(scheduling.recordProgress(lease, new StepProgress(500, 1000, Optional.empty(), T0), T0)).isTrue();
        runs.scheduling = scheduling;

        scheduling.finishStepHolding(runs, lease, run -> Optional.of(new RunChange(
                run.withStep("import", StepStatus.COMPLETED).withStatus(RunStatus.COMPLETED, T0), List.of())));

        assertThat(runs.findRun("run-1").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(runs.progressSeenWithTheChange.get()).as("the progress read as the finished run shows").isEmpty();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.StepProgress;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StepLease;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default {@link io.nvent.spi.SchedulingStore#startStep} of a store of one's own, started again on the instance
 * that holds the step's lease (the retry of an attempt whose lease was not given up): it takes the lease a second
 * time, for the start's attempt, only where the store keeps attempts, and the step started whatever that take does.
 */
class DefaultStartStepTest {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /**
     * Counts the leases taken; keeps the attempt and the execution they name, and the progress kept with them, as a
     * store of 0.2 does, if asked to.
     */
    static final class CountingStore extends StoreOfOnesOwn {
        final AtomicInteger takes = new AtomicInteger();
        final boolean keepsAttempts;
        /** Whether a take for attempt 2 fails, as with the store away for a moment. */
        volatile boolean secondAttemptFails;

        CountingStore(boolean keepsAttempts) {
            this.keepsAttempts = keepsAttempts;
        }

        @Override
        public boolean acquireLease(String runId, String step, String owner, Instant until, Instant now) {
            takes.incrementAndGet();
            return super.acquireLease(runId, step, owner, until, now);
        }

        @Override
        public boolean acquireLease(StepLease lease, Instant now) {
            if (!keepsAttempts) {
                return super.acquireLease(lease, now);
            }
            takes.incrementAndGet();
            if (secondAttemptFails && lease.attempt().equals(OptionalInt.of(2))) {
                throw new IllegalStateException("the database is away");
            }
            return kept.acquireLease(lease, now);
        }

        @Override
        public boolean recordProgress(StepLease lease, StepProgress progress, Instant now) {
            return keepsAttempts ? kept.recordProgress(lease, progress, now)
                    : super.recordProgress(lease, progress, now);
        }

        @Override
        public Map<String, StepProgress> progressOfRun(String runId) {
            return keepsAttempts ? kept.progressOfRun(runId) : super.progressOfRun(runId);
        }
    }

    private final MemoryFlowStore runs = new MemoryFlowStore();

    @Test
    void aStartOnTheInstanceHoldingTheLeaseOfAStoreKeepingNoAttemptsTakesItOnce() {
        CountingStore store = new CountingStore(false);
        String runId = runHoldingTheLeaseOfAttempt1(store);

        assertThat(store.startStep(runs, leaseOf(runId).forAttempt(2), T0, stepRuns())).isPresent();

        assertThat(store.takes).as("no second round trip for an attempt the store does not keep").hasValue(1);
        assertThat(store.leasesOfRun(runId)).singleElement().satisfies(lease -> assertThat(lease.owner())
                .isEqualTo("node-a"));
    }

    @Test
    void aStartOnTheInstanceHoldingTheLeaseOfAStoreKeepingAttemptsTakesItForTheStartsAttempt() {
        CountingStore store = new CountingStore(true);
        String runId = runHoldingTheLeaseOfAttempt1(store);

        assertThat(store.startStep(runs, leaseOf(runId).forAttempt(2), T0, stepRuns())).isPresent();

        assertThat(store.takes).hasValue(2);
        assertThat(store.leasesOfRun(runId)).extracting(StepLease::attempt).containsExactly(OptionalInt.of(2));
    }

    @Test
    void aStartWhoseSecondTakeOfTheLeaseFailsHasStartedAllTheSame() {
        CountingStore store = new CountingStore(true);
        String runId = runHoldingTheLeaseOfAttempt1(store);
        store.secondAttemptFails = true;

        assertThat(store.startStep(runs, leaseOf(runId).forAttempt(2), T0, stepRuns())).as("the run changed")
                .isPresent();

        assertThat(runs.findRun(runId).orElseThrow().steps()).containsEntry("ship", StepStatus.RUNNING);
        assertThat(store.leasesOfRun(runId)).as("still held, for the earlier attempt")
                .extracting(StepLease::attempt).containsExactly(OptionalInt.of(1));
    }

    /**
     * A second delivery of the step's job beside the execution running here changes nothing: the lease stays that
     * execution's, which goes on fencing the writes of a timed-out execution of the same attempt number.
     */
    @Test
    void aStartThatChangesNothingLeavesTheLeaseToTheExecutionHoldingIt() {
        CountingStore store = new CountingStore(true);
        String runId = runHoldingTheLeaseOf(store, leaseOf("run-1").forExecution(1, 7));

        assertThat(store.startStep(runs, leaseOf(runId).forExecution(1, 8), T0, run -> Optional.empty())).isEmpty();

        assertThat(store.leasesOfRun(runId)).as("still the running execution's").extracting(StepLease::execution)
                .containsExactly(OptionalLong.of(7));
    }

    /**
     * An operator's retry started on the instance where the step's timed-out attempt 1 still holds the lease counts
     * its attempts from 1 again: it takes the lease for its own execution, without the timed-out one's progress.
     */
    @Test
    void anOperatorsRetryStartedOnTheInstanceHoldingTheLeaseTakesItForItsExecutionWithoutTheOthersProgress() {
        CountingStore store = new CountingStore(true);
        StepLease timedOut = leaseOf("run-1").forExecution(1, 7);
        String runId = runHoldingTheLeaseOf(store, timedOut);
        assertThat(store.recordProgress(timedOut, new StepProgress(3, 10, Optional.empty(), T0), T0)).isTrue();

        assertThat(store.startStep(runs, leaseOf(runId).forExecution(1, 8), T0, stepRuns())).isPresent();

        assertThat(store.leasesOfRun(runId)).extracting(StepLease::execution).containsExactly(OptionalLong.of(8));
        assertThat(store.progressOfRun(runId)).as("the timed-out execution's progress").isEmpty();
    }

    private String runHoldingTheLeaseOfAttempt1(CountingStore store) {
        return runHoldingTheLeaseOf(store, leaseOf("run-1").forAttempt(1));
    }

    private String runHoldingTheLeaseOf(CountingStore store, StepLease held) {
        String runId = held.runId();
        runs.createRun(RunRecord.started(runId, "shipping", "{}", Optional.empty(), T0), List.of());
        assertThat(store.acquireLease(held, T0)).isTrue();
        store.takes.set(0);
        return runId;
    }

    private static StepLease leaseOf(String runId) {
        return StepLease.renewed(runId, "ship", "node-a", T0, T0.plusSeconds(60));
    }

    private static RunMutation stepRuns() {
        return run -> Optional.of(new RunChange(run.withStep("ship", StepStatus.RUNNING),
                List.of(EventDraft.ofStep(EventType.LOG, "ship", 2, T0, "{}"))));
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StepLease;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
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

    /** Counts the leases taken; keeps the attempt they name, as a store of 0.2 does, if asked to. */
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

    private String runHoldingTheLeaseOfAttempt1(CountingStore store) {
        String runId = "run-1";
        runs.createRun(RunRecord.started(runId, "shipping", "{}", Optional.empty(), T0), List.of());
        assertThat(store.acquireLease(leaseOf(runId).forAttempt(1), T0)).isTrue();
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

package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.LeaseFencing;
import io.nvent.testkit.LogRecorder;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * A scheduling store of one's own that leaves the writes made under a step's lease to the defaults of
 * the SPI loses, silently, the guarantee that a step taken over writes nothing more: the engine names
 * it, and what it leaves, once at start.
 */
class UnfencedStoreWarningTest {

    @FlowStep(flow = "fencing", name = "only", role = StepRole.ENTRY)
    static class Only extends CountingStep {
    }

    private static LogRecorder recordingTheWarning() {
        return LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0543"));
    }

    @Test
    void anEngineOnAStoreThatLeavesTheWritesUnderALeaseToTheDefaultsSaysSoOnceAtStartAndRuns() {
        try (LogRecorder log = recordingTheWarning();
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Only())
                     .schedulingStore(new StoreOfOnesOwn()).build()) {
            String runId = engine.flows().start("fencing", Map.of());
            await().until(() -> engine.flows().run(runId).orElseThrow().status() == RunStatus.COMPLETED);

            assertThat(log.records()).singleElement().satisfies(entry -> {
                assertThat(entry.getLevel()).isEqualTo(Level.WARNING);
                assertThat(new SimpleFormatter().formatMessage(entry)).startsWith("NVENT-0543 scheduling store "
                        + StoreOfOnesOwn.class.getName() + " does not override appendEventsHolding, "
                        + "deleteStateHolding, finishStepHolding, putStateHolding, releaseLease(StepLease) of "
                        + "SchedulingStore: their defaults "
                        + "check that the step's lease is still held and write after, not in one transaction");
            });
        }
    }

    @Test
    void theMemoryStoreFencesEveryWriteUnderALeaseAndTheEngineStartsOnItWithoutTheWarning() {
        assertThat(LeaseFencing.unfencedWrites(MemorySchedulingStore.class)).isEmpty();
        try (LogRecorder log = recordingTheWarning();
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Only()).build()) {
            assertThat(log.records()).isEmpty();
        }
    }

    @Test
    void aStoreThatOverridesSomeOfTheWritesIsToldOnlyTheOthers() {
        class FencesItsResults extends StoreOfOnesOwn {
            @Override
            public Optional<StoredChange> finishStepHolding(FlowStore runs, StepLease lease, RunMutation mutation) {
                return super.finishStepHolding(runs, lease, mutation);
            }
        }
        assertThat(LeaseFencing.unfencedWrites(FencesItsResults.class))
                .containsExactly("appendEventsHolding", "deleteStateHolding", "putStateHolding",
                        "releaseLease(StepLease)");
    }
}

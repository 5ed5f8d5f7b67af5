package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * "2 workers per instance instead of 4 until morning": a queue's workers set at run time on one instance are
 * followed by every instance sharing the scheduling store, and removed, each goes back to its configured ones; an
 * instance that leaves the queue to others keeps leaving it.
 */
class QueueWorkersAtRunTimeTest {

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, queue = "invoices")
    public static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private final MemoryFlowStore store = new MemoryFlowStore();
    private final MemorySchedulingStore scheduling = new MemorySchedulingStore();

    private EmbeddedEngine instance(int workers) {
        return EmbeddedEngine.newBuilder().step(new Send()).store(store).schedulingStore(scheduling)
                .concurrency("invoices", workers).build();
    }

    @Test
    void workersSetOnOneInstanceAreFollowedByTheOthersAndRemovedEachGoesBackToItsOwn() {
        try (EmbeddedEngine a = instance(4); EmbeddedEngine b = instance(8); EmbeddedEngine elsewhere = instance(0)) {
            a.setQueueWorkers("invoices", 2);

            assertThat(a.queueWorkersHere("invoices")).as("at once where it was set").isEqualTo(2);
            awaitWorkers(b, 2);
            elsewhere.sweep();
            assertThat(elsewhere.queueWorkersHere("invoices")).as("a queue left to others stays so").isZero();
            assertThat(b.queueWorkersOverride("invoices")).isEqualTo(OptionalInt.of(2));

            b.removeQueueWorkers("invoices");

            assertThat(b.queueWorkersHere("invoices")).isEqualTo(8);
            awaitWorkers(a, 4);
            assertThat(a.queueWorkersOverride("invoices")).isEmpty();
        }
    }

    @Test
    void anInstanceStartingWhileWorkersAreSetRunsThemAndRunsItsSteps() {
        try (EmbeddedEngine a = instance(4)) {
            a.setQueueWorkers("invoices", 1);
        }
        try (EmbeddedEngine restarted = instance(4)) {
            assertThat(restarted.queueWorkersHere("invoices")).isEqualTo(1);
            String runId = restarted.flows().start("invoice", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> restarted.flows().run(runId).orElseThrow().status()
                    == io.nvent.RunStatus.COMPLETED);
        }
    }

    @Test
    void workersOutOfRangeAreRefusedAndNothingIsRecorded() {
        try (EmbeddedEngine a = instance(4)) {
            assertThatThrownBy(() -> a.setQueueWorkers("invoices", -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0 to 1000");
            assertThatThrownBy(() -> a.setQueueWorkers("invoices", 1001)).isInstanceOf(IllegalArgumentException.class);
            assertThat(a.queueWorkersOverride("invoices")).isEmpty();
            assertThat(a.queueWorkersHere("invoices")).isEqualTo(4);
        }
    }

    private static void awaitWorkers(EmbeddedEngine engine, int workers) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            engine.sweep();
            return engine.queueWorkersHere("invoices") == workers;
        });
    }
}

package io.nvent.jpa;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two grandchildren of a run, under two children that completed, end at the same moment, each on a thread of its
 * own, on the JPA store: the one whose end commits last sees nothing below the run under way, and the run waiting for
 * its descendants goes on once, never left waiting.
 */
class H2DescendantsAwaitTest {

    static final CyclicBarrier BOTH_END_AT_ONCE = new CyclicBarrier(2);
    /** What resolved each shipment's await, by shipment, as often as its step ran. */
    static final Map<String, List<String>> COLLECTED = new ConcurrentHashMap<>();

    @FlowStep(flow = "parcel", name = "ship", role = StepRole.ENTRY)
    static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws Exception {
            BOTH_END_AT_ONCE.await(20, TimeUnit.SECONDS);
            return null;
        }
    }

    /** A crate starts its parcel and completes: the parcel outlives it. */
    @FlowStep(flow = "crate", name = "pack", role = StepRole.ENTRY)
    static class Pack implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("parcel", input);
            return null;
        }
    }

    @FlowStep(flow = "shipment", name = "fan-out", role = StepRole.ENTRY, emits = "crates.started")
    static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("crate", Map.of("to", "a"));
            ctx.startFlow("crate", Map.of("to", "b"));
            ctx.emit("crates.started", input);
            return null;
        }
    }

    @FlowStep(flow = "shipment", name = "report", subscribes = "crates.started")
    @AwaitBefore(type = AwaitType.DESCENDANTS)
    static class Report implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            COLLECTED.computeIfAbsent(ctx.runId(), run -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(ctx.triggerData().orElse("none"));
            return null;
        }
    }

    @Test
    void twoGrandchildrenEndingAtOnceLetTheirAncestorGoOnOnce() {
        COLLECTED.clear();
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().instanceId("a").store(store)
                     .schedulingStore(store.schedulingStore()).concurrency(4).step(new Ship()).step(new Pack())
                     .step(new FanOut()).step(new Report()).build()) {
            List<String> shipments = new ArrayList<>();
            for (int shipment = 0; shipment < 5; shipment++) {
                String runId = engine.flows().start("shipment", Map.of("shipment", shipment));
                shipments.add(runId);
                await().atMost(Duration.ofSeconds(30)).until(() -> engine.flows().run(runId)
                        .map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED);
            }

            for (String runId : shipments) {
                assertThat(COLLECTED.get(runId)).as("shipment " + runId)
                        .containsExactly("{\"descendants\":4,\"completed\":4,\"failed\":0,\"canceled\":0}");
                assertThat(engine.flows().events(runId, EventQuery.all()))
                        .filteredOn(e -> e.type() == EventType.AWAIT_RESOLVED).hasSize(1);
            }
        }
    }
}

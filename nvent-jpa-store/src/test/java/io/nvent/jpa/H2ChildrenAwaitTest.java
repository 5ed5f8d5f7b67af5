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
 * Two children of a run end at the same moment, each on a thread of its own, on the JPA store: the one whose end
 * commits last sees no child under way, and the parent waiting for them goes on once, never left waiting; and so do
 * two grandchildren of a run waiting for its descendants.
 */
class H2ChildrenAwaitTest {

    static final CyclicBarrier BOTH_END_AT_ONCE = new CyclicBarrier(2);
    /** What resolved each batch's await, by batch, as often as its step ran. */
    static final Map<String, List<String>> COLLECTED = new ConcurrentHashMap<>();

    @FlowStep(flow = "mail", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws Exception {
            BOTH_END_AT_ONCE.await(20, TimeUnit.SECONDS);
            return null;
        }
    }

    /** Starts two runs of a flow, to a and to b, and emits that they started. */
    abstract static class StartsTwo implements Step<Map<String, Object>, Void> {
        private final String flow;
        private final String started;

        StartsTwo(String flow, String started) {
            this.flow = flow;
            this.started = started;
        }

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow(flow, Map.of("to", "a"));
            ctx.startFlow(flow, Map.of("to", "b"));
            ctx.emit(started, input);
            return null;
        }
    }

    @FlowStep(flow = "newsletter", name = "fan-out", role = StepRole.ENTRY, emits = "mails.started")
    static class FanOut extends StartsTwo {
        FanOut() {
            super("mail", "mails.started");
        }
    }

    @FlowStep(flow = "newsletter", name = "report", subscribes = "mails.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    static class Report implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            COLLECTED.computeIfAbsent(ctx.runId(), run -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(ctx.triggerData().orElse("none"));
            return null;
        }
    }

    /** A crate starts a mail and completes: the mail outlives it. */
    @FlowStep(flow = "crate", name = "pack", role = StepRole.ENTRY)
    static class Pack implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("mail", input);
            return null;
        }
    }

    @FlowStep(flow = "shipment", name = "fan-out", role = StepRole.ENTRY, emits = "crates.started")
    static class FanOutCrates extends StartsTwo {
        FanOutCrates() {
            super("crate", "crates.started");
        }
    }

    /** Waits for the crates and the mails below them: the whole tree. */
    @FlowStep(flow = "shipment", name = "report", subscribes = "crates.started")
    @AwaitBefore(type = AwaitType.DESCENDANTS)
    static class ReportShipment extends Report {
    }

    @Test
    void twoChildrenEndingAtOnceLetTheirParentGoOnOnce() {
        fiveRunsEachGoOnOnce("newsletter", "{\"children\":2,\"completed\":2,\"failed\":0,\"canceled\":0}");
    }

    /**
     * Two grandchildren, under two children that completed, end at the same moment: the one whose end commits last
     * sees nothing below the run under way, and the run waiting for its descendants goes on once.
     */
    @Test
    void twoGrandchildrenEndingAtOnceLetTheirAncestorAwaitingItsDescendantsGoOnOnce() {
        fiveRunsEachGoOnOnce("shipment", "{\"descendants\":4,\"completed\":4,\"failed\":0,\"canceled\":0}");
    }

    /** Starts five runs of the flow one after the other; each must go on once, resolved with {@code resolvedWith}. */
    private static void fiveRunsEachGoOnOnce(String flow, String resolvedWith) {
        COLLECTED.clear();
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().instanceId("a").store(store)
                     .schedulingStore(store.schedulingStore()).concurrency(4).step(new Send()).step(new FanOut())
                     .step(new Report()).step(new Pack()).step(new FanOutCrates()).step(new ReportShipment()).build()) {
            List<String> batches = new ArrayList<>();
            for (int batch = 0; batch < 5; batch++) {
                String runId = engine.flows().start(flow, Map.of("batch", batch));
                batches.add(runId);
                await().atMost(Duration.ofSeconds(30)).until(() -> engine.flows().run(runId)
                        .map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED);
            }

            for (String runId : batches) {
                assertThat(COLLECTED.get(runId)).as("run " + runId).containsExactly(resolvedWith);
                assertThat(engine.flows().events(runId, EventQuery.all()))
                        .filteredOn(e -> e.type() == EventType.AWAIT_RESOLVED).hasSize(1);
            }
        }
    }
}

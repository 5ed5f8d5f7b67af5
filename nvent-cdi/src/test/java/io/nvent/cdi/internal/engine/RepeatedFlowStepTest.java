package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One class that is a step of several flows ({@code @FlowStep} repeated). */
class RepeatedFlowStepTest {

    @FlowStep(flow = "order", name = "ship", role = StepRole.ENTRY, emits = "order.shipped")
    static class ShipOrder implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("order.shipped", input);
            return null;
        }
    }

    @FlowStep(flow = "refund", name = "pay-back", role = StepRole.ENTRY, emits = "refund.paid")
    static class PayBack implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("refund.paid", input);
            return null;
        }
    }

    /** Tells the customer, in the words of the flow it runs in; the mail server refuses its first refund mail. */
    @FlowStep(flow = "order", name = "notify", subscribes = "order.shipped")
    @FlowStep(flow = "refund", name = "tell-customer", subscribes = "refund.paid", queue = "mail", maxAttempts = 2,
            backoffDelayMs = 5)
    static class NotifyCustomer implements Step<Map<String, Map<String, Object>>, String> {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            calls.add(ctx.flow() + "/" + ctx.step() + "#" + ctx.attempt());
            if (ctx.flow().equals("refund")) {
                if (ctx.attempt() == 1) {
                    throw new IllegalStateException("mail server busy");
                }
                return "your refund for " + input.get("refund.paid").get("order") + " is paid";
            }
            return "your order " + input.get("order.shipped").get("order") + " is on its way";
        }
    }

    private static String resultOf(EngineHarness h, String runId, String step) {
        return h.eventsOf(runId, EventType.STEP_COMPLETED).stream()
                .filter(e -> e.step().orElseThrow().equals(step)).map(HistoryEvent::data).findFirst().orElseThrow();
    }

    @Test
    void aClassThatIsAStepOfTwoFlowsRunsInEachWithThatFlowsNameAndSettings() {
        NotifyCustomer notify = new NotifyCustomer();
        try (EngineHarness h = new EngineHarness(new ShipOrder(), new PayBack(), notify)) {
            String order = h.engine.start("order", Map.of("order", "A-1"));
            String refund = h.engine.start("refund", Map.of("order", "B-2"));

            h.awaitStatus(order, RunStatus.COMPLETED);
            h.awaitStatus(refund, RunStatus.COMPLETED);
            assertThat(resultOf(h, order, "notify")).contains("your order A-1 is on its way");
            assertThat(resultOf(h, refund, "tell-customer")).contains("your refund for B-2 is paid");
            assertThat(h.eventsOf(refund, EventType.STEP_RETRY)).as("the refund flow's own maxAttempts")
                    .singleElement().satisfies(e -> assertThat(e.data()).contains("mail server busy"));
            assertThat(notify.calls).containsExactlyInAnyOrder("order/notify#1", "refund/tell-customer#1",
                    "refund/tell-customer#2");
        }
    }

    @Test
    void theRegistryShowsTheClassAsAStepOfEachOfItsFlows() {
        try (EngineHarness h = new EngineHarness(new ShipOrder(), new PayBack(), new NotifyCustomer())) {
            assertThat(h.engine.flows()).extracting(FlowDefinition::name).containsExactly("order", "refund");
            StepDefinition inOrder = h.engine.flow("order").orElseThrow().step("notify").orElseThrow();
            StepDefinition inRefund = h.engine.flow("refund").orElseThrow().step("tell-customer").orElseThrow();
            assertThat(List.of(inOrder, inRefund)).extracting(StepDefinition::beanClass)
                    .containsOnly(NotifyCustomer.class.getName());
            assertThat(inOrder.queue()).isEqualTo("order");
            assertThat(inOrder.retry().maxAttempts()).isEqualTo(1);
            assertThat(inOrder.subscribes()).containsExactly("order.shipped");
            assertThat(inRefund.queue()).isEqualTo("mail");
            assertThat(inRefund.retry().maxAttempts()).isEqualTo(2);
            assertThat(inRefund.subscribes()).containsExactly("refund.paid");
            assertThat(h.engine.flow("refund").orElseThrow().step("notify")).isEmpty();
        }
    }

    @Test
    void theEmbeddedEngineTakesARepeatedStepAsAStepOfEachOfItsFlows() {
        NotifyCustomer notify = new NotifyCustomer();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new ShipOrder()).step(new PayBack()).step(notify)
                .build()) {
            String order = engine.flows().start("order", Map.of("order", "C-3"));

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> engine.flows().run(order).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(engine.flows().flows()).extracting(FlowDefinition::name).containsExactly("order", "refund");
            assertThat(notify.calls).containsExactly("order/notify#1");
        }
    }

    /** Closes the books: the entry of two flows, which its trigger starts both of. */
    @FlowStep(flow = "audit", name = "record", role = StepRole.ENTRY, emits = "recorded")
    @FlowStep(flow = "report", name = "record", role = StepRole.ENTRY)
    @Trigger(name = "books-closed", type = TriggerType.MANUAL)
    static class RecordClose implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            if (ctx.flow().equals("audit")) {
                ctx.emit("recorded", input);
            }
            return "recorded in " + ctx.flow();
        }
    }

    /** The entry of flow "digest" only; in flow "audit" a later step, which its trigger does not start. */
    @FlowStep(flow = "digest", name = "summarize", role = StepRole.ENTRY)
    @FlowStep(flow = "audit", name = "summarize", subscribes = "recorded")
    @Trigger(name = "digest-now", type = TriggerType.MANUAL)
    static class Summarize implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "summary of " + ctx.flow();
        }
    }

    @Test
    void aTriggerStartsEveryFlowItsClassIsTheEntryStepOfAndNoOther() {
        try (EngineHarness h = new EngineHarness(new RecordClose(), new Summarize())) {
            assertThat(h.triggers.trigger("books-closed").orElseThrow().spec().flows())
                    .containsExactlyInAnyOrder("audit", "report");
            assertThat(h.triggers.trigger("digest-now").orElseThrow().spec().flows()).containsExactly("digest");

            List<String> closed = h.triggers.fire("books-closed", "{\"period\":\"2026-11\"}");
            List<String> digest = h.triggers.fire("digest-now", "{}");

            assertThat(closed).hasSize(2);
            assertThat(closed).map(runId -> h.awaitStatus(runId, RunStatus.COMPLETED)).extracting(RunInfo::flow)
                    .containsExactlyInAnyOrder("audit", "report");
            String audit = closed.stream().filter(runId -> h.engine.run(runId).orElseThrow().flow().equals("audit"))
                    .findFirst().orElseThrow();
            assertThat(resultOf(h, audit, "record")).contains("recorded in audit");
            assertThat(resultOf(h, audit, "summarize")).contains("summary of audit");
            assertThat(digest).singleElement().satisfies(runId -> {
                assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).flow()).isEqualTo("digest");
                assertThat(resultOf(h, runId, "summarize")).contains("summary of digest");
            });
        }
    }
}

package io.nvent.jpa;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.Concurrently;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A publish with an idempotency key is delivered once by two instances racing over the JPA store. */
class H2IdempotentEventsTest {

    /** A refund that waits for its approval. */
    @FlowStep(flow = "refund", name = "pay-back", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "refund.approved", timeoutMs = 86_400_000)
    static class PayBack implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void publishesWithOneKeyRacingOnTwoInstancesDeliverOnceAndTheOthersAreAnsweredAsReplayed() throws Exception {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = engine("a", store);
             EmbeddedEngine b = engine("b", store)) {
            List<String> refunds = List.of(a.flows().start("refund", Map.of()), b.flows().start("refund", Map.of()));
            await().atMost(Duration.ofSeconds(30)).until(() -> refunds.stream().allMatch(runId ->
                    a.flows().run(runId).map(RunInfo::status).orElseThrow() == RunStatus.AWAITING));

            List<EventDelivery> deliveries = Collections.synchronizedList(new ArrayList<>());
            Concurrently.run(16, caller -> deliveries.add((caller % 2 == 0 ? a : b).flows()
                    .publishEvent("refund.approved", Map.of("by", "ops"), EventOptions.idempotent("approval-7"))));

            assertThat(deliveries).filteredOn(delivery -> !delivery.replayed()).singleElement()
                    .extracting(EventDelivery::resolvedAwaits).isEqualTo(2);
            assertThat(deliveries).filteredOn(EventDelivery::replayed).hasSize(15);
            assertThat(b.flows().publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).as("once the first answered")
                    .isEqualTo(new EventDelivery(List.of(), 2, true));
        }
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(store).schedulingStore(store.schedulingStore())
                .step(new PayBack()).build();
    }
}

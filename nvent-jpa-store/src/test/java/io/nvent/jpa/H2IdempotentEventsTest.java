package io.nvent.jpa;

import io.nvent.Emitted;
import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.IdempotencyKeyInUseException;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.Concurrently;
import io.nvent.testkit.IdempotentEventFlows.PayBack;
import io.nvent.testkit.IdempotentEventFlows.Send;
import io.nvent.testkit.IdempotentEventFlows.Track;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An emit or a publish with an idempotency key is delivered once by two instances racing over the JPA store; the
 * callers that find the first under way retry, as a client does on a 409, and get its answer.
 */
class H2IdempotentEventsTest {

    @Test
    void publishesWithOneKeyRacingOnTwoInstancesDeliverOnceAndTheOthersAreAnsweredAsReplayed() throws Exception {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = engine("a", store);
             EmbeddedEngine b = engine("b", store)) {
            List<String> refunds = List.of(a.flows().start("refund", Map.of()), b.flows().start("refund", Map.of()));
            await().atMost(Duration.ofSeconds(30)).until(() -> refunds.stream().allMatch(runId ->
                    a.flows().run(runId).map(RunInfo::status).orElseThrow() == RunStatus.AWAITING));

            List<EventDelivery> deliveries = Collections.synchronizedList(new ArrayList<>());
            Concurrently.run(16, caller -> deliveries.add(retriedWhileUnderWay(() -> (caller % 2 == 0 ? a : b).flows()
                    .publishEvent("refund.approved", Map.of("by", "ops"), EventOptions.idempotent("approval-7")))));

            assertThat(deliveries).filteredOn(delivery -> !delivery.replayed()).singleElement()
                    .extracting(EventDelivery::resolvedAwaits).isEqualTo(2);
            assertThat(deliveries).filteredOn(EventDelivery::replayed).hasSize(15);
            assertThat(b.flows().publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).as("once the first answered")
                    .isEqualTo(new EventDelivery(List.of(), 2, true));
        }
    }

    @Test
    void emitsWithOneKeyRacingOnTwoInstancesDeliverOnceAndTheOthersAreAnsweredAsReplayed() throws Exception {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = engine("a", store);
             EmbeddedEngine b = engine("b", store)) {
            String parcel = a.flows().start("parcel", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    a.flows().run(parcel).map(RunInfo::status).orElseThrow() == RunStatus.AWAITING);

            List<Emitted> emits = Collections.synchronizedList(new ArrayList<>());
            Concurrently.run(16, caller -> emits.add(retriedWhileUnderWay(() -> (caller % 2 == 0 ? a : b).flows()
                    .emit(parcel, "parcel.scanned", Map.of("depot", "Hamburg"), EventOptions.idempotent("scan-1")))));

            assertThat(emits).filteredOn(emitted -> !emitted.replayed()).hasSize(1);
            assertThat(emits).filteredOn(Emitted::replayed).hasSize(15);
            assertThat(b.flows().events(parcel, EventQuery.all())).filteredOn(event -> event.type() == EventType.EMIT)
                    .hasSize(1);
        }
    }

    /** The call's answer, called again while another call with its key is under way (a 409 with Retry-After). */
    private static <T> T retriedWhileUnderWay(Callable<T> call) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsMatching(e -> e instanceof IdempotencyKeyInUseException inUse
                        && inUse.retryAfter().isPresent())
                .until(call, answer -> true);
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(store).schedulingStore(store.schedulingStore())
                .step(new PayBack()).step(new Send()).step(new Track()).build();
    }
}

package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.Misfire;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A trigger's concurrency limit as the JPA store keeps it: the runs of each kind of fire hold their key with it, the
 * ticks a {@code fire-all} schedule missed while no instance ran too, fired by the next instance from what it reads.
 */
class H2TriggerConcurrencyLimitTest {

    private static final Instant T0 = Instant.parse("2026-12-05T10:00:30Z");

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    static class Sync implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private static EmbeddedEngine instance(JpaFlowStore store, String id, Instant now) {
        return EmbeddedEngine.newBuilder().instanceId(id).clock(Clock.fixed(now, ZoneOffset.UTC)).store(store)
                .schedulingStore(store.schedulingStore()).step(new Sync()).build();
    }

    @Test
    void everyFireOfALimitedTriggerStartsItsRunsWithTheLimitTheStoreKept() {
        String url = TestDatabases.newH2Url();
        try (JpaFlowStore store = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults())) {
            try (EmbeddedEngine first = instance(store, "a", T0)) {
                first.triggers().create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("sync")
                        .every(Duration.ofMinutes(1)).misfire(Misfire.FIRE_ALL).misfireGrace(Duration.ofHours(1))
                        .concurrencyKey("nightly-sync").concurrencyLimit(3).build());
                first.triggers().create(TriggerSpec.newBuilder("on-change", TriggerType.EVENT)
                        .event("customer.changed").flow("sync").concurrencyKeyFrom("/customerId")
                        .concurrencyKeyPrefix("customer:").concurrencyLimit(3).build());
                first.triggers().create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("sync")
                        .concurrencyKey("by-hand").concurrencyLimit(3).build());
            }
            // The next instance starts after ticks were missed, and fires the triggers as it reads them.
            try (EmbeddedEngine next = instance(store, "b", T0.plus(Duration.ofMinutes(3)))) {
                next.flows().publishEvent("customer.changed", Map.of("customerId", 42));
                next.triggers().fire("by-hand", "{}", StartOptions.newBuilder().delay(Duration.ofMinutes(5)).build());
                next.triggers().fire("by-hand", "{}");

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(keysOfRuns(next))
                        .containsOnly("nightly-sync", "customer:42", "by-hand")
                        .containsOnlyOnce("customer:42").filteredOn("by-hand"::equals).hasSize(2));
                assertThat(keysOfRuns(next)).as("each missed tick fired").filteredOn("nightly-sync"::equals)
                        .hasSizeGreaterThanOrEqualTo(2);
                assertThat(next.flows().runs(RunQuery.all())).allSatisfy(run -> assertThat(run.concurrencyLimit())
                        .as("run of " + run.concurrencyKey()).hasValue(3));
            }
        }
    }

    private static List<String> keysOfRuns(EmbeddedEngine engine) {
        return engine.flows().runs(RunQuery.all()).stream().map(RunInfo::concurrencyKey)
                .map(key -> key.orElse("none")).toList();
    }
}

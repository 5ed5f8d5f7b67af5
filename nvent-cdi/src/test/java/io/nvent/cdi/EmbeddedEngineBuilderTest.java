package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class EmbeddedEngineBuilderTest {

    @Test
    void aLeaseThatNeverLastsIsRefusedWhereItIsGiven() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().leaseDuration(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseDuration");
    }

    @Test
    void aSweepThatNeverWaitsIsRefusedWhereItIsGiven() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().sweepEvery(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sweepEvery");
    }

    @Test
    void aPayloadLimitBelowOneByteIsRefusedWhereItIsGiven() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().maxPayloadBytes(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPayloadBytes");
    }

    @Test
    void aRequestKeyRetentionThatNeverKeepsOrKeepsBeyondACenturyIsRefusedWhereItIsGiven() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().requestKeyRetention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0593 requestKeyRetention (nvent.idempotency.request-key-retention) must be above"
                        + " zero, was PT0S");
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().requestKeyRetention(Duration.ofDays(36_526)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0251 requestKeyRetention");
    }

    @Test
    void aPublishKeyIsKeptForTheRetentionTheBuilderGives() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-01T10:00:00Z"));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock)
                .requestKeyRetention(Duration.ofMinutes(5)).build()) {
            EventOptions key = EventOptions.idempotent("approval-7");
            engine.flows().publishEvent("refund.approved", Map.of(), key);

            clock.advance(Duration.ofMinutes(4));
            assertThat(engine.flows().publishEvent("refund.approved", Map.of(), key))
                    .as("within the retention").isEqualTo(new EventDelivery(List.of(), 0, true));
            clock.advance(Duration.ofMinutes(1));
            assertThat(engine.flows().publishEvent("refund.approved", Map.of(), key))
                    .as("expired").isEqualTo(new EventDelivery(List.of(), 0, false));
        }
    }

    @FlowStep(flow = "crm-sync", name = "sync", role = StepRole.ENTRY)
    public static class Sync implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "synced " + input.get("customerId");
        }
    }

    @Test
    void aDebounceRecoveryGraceOutsideTheSettingsBoundsIsRefusedWhereItIsGivenWithTheSettingsMessage() {
        for (Duration wrong : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(1).plusSeconds(1))) {
            assertThatThrownBy(() -> EmbeddedEngine.newBuilder().debounceRecoveryGrace(wrong)).as(wrong.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0001 configuration key nvent.triggers.debounce.recovery-grace must"
                            + " be longer than zero and at most PT24H, was " + wrong);
        }
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().debounceRecoveryGrace(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("debounceRecoveryGrace");
    }

    @Test
    void aPendingRunWhoseInstanceStoppedBeforeStoringItIsRecoveredOnceTheGraceTheBuilderGivesHasPassed() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-01T10:00:00Z"));
        AtomicBoolean stopAfterOpening = new AtomicBoolean(true);
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public boolean openDebounce(String slot, String runId, String payloadJson, Instant at, Instant dueAt) {
                boolean opened = super.openDebounce(slot, runId, payloadJson, at, dueAt);
                if (opened && stopAfterOpening.getAndSet(false)) {
                    throw new IllegalStateException("the instance stopped before it stored the run");
                }
                return opened;
            }
        };
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).schedulingStore(scheduling)
                .step(new Sync()).debounceRecoveryGrace(Duration.ofMinutes(10)).build()) {
            engine.triggers().create(TriggerSpec.newBuilder("crm", TriggerType.EVENT).event("customer.updated")
                    .flow("crm-sync").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build());
            assertThatThrownBy(() -> engine.triggers().fire("crm", "{\"customerId\":\"c-1\"}", StartOptions.DEFAULTS))
                    .hasStackTraceContaining("the instance stopped");
            RunQuery crmSync = new RunQuery(Optional.of("crm-sync"), Optional.empty(), 0, 10);

            clock.advance(Duration.ofSeconds(30).plus(Duration.ofMinutes(5)));
            engine.sweep();
            assertThat(engine.flows().runs(crmSync)).as("past the default grace, within the one given").isEmpty();

            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            engine.sweep();
            await().untilAsserted(() -> assertThat(engine.flows().runs(crmSync)).as("past the grace given")
                    .singleElement());
        }
    }
}

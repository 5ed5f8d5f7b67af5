package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
}

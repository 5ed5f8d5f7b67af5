package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
}

package io.nvent.cdi.internal.engine;

import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggerMisfiresTest {

    @Test
    void thePolicyIsFireOnceOrSkipInAnyCaseAndTheGraceLongerThanZero() {
        assertThat(TriggerMisfires.of(" Fire-Once ", Duration.ofHours(2))).isEqualTo(new TriggerMisfires(true,
                Duration.ofHours(2)));
        assertThat(TriggerMisfires.of("skip", Duration.ofHours(2)).policy()).isEqualTo("skip");
        assertThat(TriggerMisfires.DEFAULTS).isEqualTo(new TriggerMisfires(true, Duration.ofHours(24)));
        assertThatThrownBy(() -> TriggerMisfires.of("fire-all", Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0001 configuration key nvent.triggers.misfire has value 'fire-all'");
        assertThatThrownBy(() -> TriggerMisfires.of("fire-once", Duration.ZERO))
                .hasMessage("NVENT-0001 configuration key nvent.triggers.misfire-grace must be longer than zero, was "
                        + "PT0S (set nvent.triggers.misfire=skip to fire no missed tick)");
    }
}

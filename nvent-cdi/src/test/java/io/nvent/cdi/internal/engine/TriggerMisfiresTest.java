package io.nvent.cdi.internal.engine;

import io.nvent.Misfire;
import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggerMisfiresTest {

    @Test
    void thePolicyIsFireOnceFireAllOrSkipInAnyCaseAndTheGraceLongerThanZero() {
        assertThat(TriggerMisfires.of(" Fire-Once ", Duration.ofHours(2))).isEqualTo(new TriggerMisfires(
                Misfire.FIRE_ONCE, Duration.ofHours(2)));
        assertThat(TriggerMisfires.of("skip", Duration.ofHours(2)).wireName()).isEqualTo("skip");
        assertThat(TriggerMisfires.of("fire-all", Duration.ofHours(2)).policy()).isEqualTo(Misfire.FIRE_ALL);
        assertThat(TriggerMisfires.DEFAULTS).isEqualTo(new TriggerMisfires(Misfire.FIRE_ONCE, Duration.ofHours(24)));
        assertThatThrownBy(() -> TriggerMisfires.of("fire-each", Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0001 configuration key nvent.triggers.misfire has value 'fire-each'; use"
                        + " fire-once (the latest tick missed while no instance ran fires once at start), fire-all"
                        + " (each one fires, the oldest first, at most 100) or skip");
        assertThatThrownBy(() -> TriggerMisfires.of("inherit", Duration.ofHours(2)))
                .as("only a trigger inherits").hasMessageStartingWith("NVENT-0001");
        assertThatThrownBy(() -> TriggerMisfires.of("fire-once", Duration.ZERO))
                .hasMessage("NVENT-0001 configuration key nvent.triggers.misfire-grace must be longer than zero, was "
                        + "PT0S (set nvent.triggers.misfire=skip to fire no missed tick)");
    }
}

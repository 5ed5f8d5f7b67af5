package io.nvent.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueueChangeTest {

    private static final Instant AT = Instant.parse("2026-12-07T14:02:00Z");

    @Test
    void aChangeByABlankNameIsRefusedAsNoOperatorHasOneAChangeInCodeIsByNobody() {
        assertThatThrownBy(() -> new QueueChange(Optional.of(" "), AT, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("by ' '").hasMessageContaining("Optional.empty()");

        assertThat(new QueueChange(Optional.empty(), AT, Optional.of("supplier outage")).by()).isEmpty();
    }
}

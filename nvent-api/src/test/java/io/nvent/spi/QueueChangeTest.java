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

    /**
     * This process's name is looked up once: every pause in code on the memory and JMS queues asks it, and a host
     * name lookup can hang for seconds where the resolver is slow.
     */
    @Test
    void thisProcessIsLookedUpOnceAndAPauseInCodeIsByCodeOnIt() {
        assertThat(QueueChange.thisProcess()).isSameAs(QueueChange.thisProcess())
                .endsWith(":" + ProcessHandle.current().pid());

        assertThat(QueueChange.inCode(QueueChange.thisProcess(), AT).by()).contains("code@" + QueueChange.thisProcess());
        assertThatThrownBy(() -> QueueChange.inCode(" ", AT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name the instance");
    }
}

package io.nvent;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run's start tells its labels sorted and refuses a first step due before the run started. */
class RunStartedTest {

    private static final Instant STARTED = Instant.parse("2026-12-06T10:00:00Z");

    private static RunStarted startingAt(Optional<Instant> startsAt, Set<String> labels) {
        return new RunStarted("run-1", "invoice", STARTED, startsAt, Optional.empty(), labels, Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    @Test
    void itsLabelsAreKeptSorted() {
        assertThat(startingAt(Optional.empty(), Set.of("tenant:b", "customer:7")).labels())
                .containsExactly("customer:7", "tenant:b");
    }

    @Test
    void aDelayedStartIsDueAtOrAfterItsStart() {
        assertThat(startingAt(Optional.of(STARTED.plus(Duration.ofMinutes(5))), Set.of()).startsAt())
                .contains(STARTED.plus(Duration.ofMinutes(5)));
        assertThatThrownBy(() -> startingAt(Optional.of(STARTED.minusMillis(1)), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0228 run run-1 starts at 2026-12-06T09:59:59.999Z, before it started");
    }

    @Test
    void anOptionalGivenAsNullIsRefused() {
        assertThatThrownBy(() -> new RunStarted("run-1", "invoice", STARTED, Optional.empty(), Optional.empty(),
                Set.of(), Optional.empty(), null, Optional.empty())).isInstanceOf(NullPointerException.class)
                .hasMessage("trigger");
    }
}

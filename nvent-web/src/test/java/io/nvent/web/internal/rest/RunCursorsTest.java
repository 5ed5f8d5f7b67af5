package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.RunPosition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The cursor of the run list's next link: a position through the address and back, or a clear 400. */
class RunCursorsTest {

    @Test
    void aCursorGivesBackThePositionItWasMadeOfAndNeedsNoEscapingInAnAddress() {
        RunPosition position = new RunPosition(Instant.parse("2030-01-01T00:00:00.123456Z"), "order 1/ü?&=");

        String cursor = RunCursors.of(position);

        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(RunCursors.parse("after", cursor)).contains(position);
    }

    @Test
    void anAbsentCursorStartsWithTheNewestRun() {
        assertThat(RunCursors.parse("after", null)).isEmpty();
        assertThat(RunCursors.parse("after", " ")).isEmpty();
    }

    @Test
    void aCursorNotMadeByTheListIsRefusedNamingTheParameter() {
        String notAPosition = RunCursors.of(new RunPosition(Instant.EPOCH, "x")).substring(3);

        for (String bad : new String[] {"%%%", "bm90IGEgY3Vyc29y", notAPosition}) {
            assertThatThrownBy(() -> RunCursors.parse("after", bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("NVENT-0774 query parameter \'after\' must be the cursor of a Link rel=\"next\" header of the run"
                            + " list; was '" + bad + "'");
        }
    }
}

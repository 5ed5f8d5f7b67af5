package io.nvent;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A backfill's range and limit are checked when it is made, and its result's counts add up. */
class BackfillTest {

    private static final Instant NINE = Instant.parse("2030-03-01T09:00:00Z");
    private static final Instant TEN = Instant.parse("2030-03-01T10:00:00Z");

    @Test
    void aBackfillFiresTheTicksThatDidNotFireAThousandPerCallUnlessToldOtherwise() {
        Backfill backfill = Backfill.of("hourly", NINE, TEN);

        assertThat(backfill).isEqualTo(new Backfill("hourly", NINE, TEN, Backfill.MAX_LIMIT, false));
        assertThat(backfill.refiring().withLimit(10).continuingFrom(NINE.plusSeconds(60)))
                .isEqualTo(new Backfill("hourly", NINE.plusSeconds(60), TEN, 10, true));
    }

    @Test
    void aRangeThatDoesNotEndAfterItBeginsIsRefused() {
        assertThatThrownBy(() -> Backfill.of("hourly", TEN, TEN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0225 a backfill fires the ticks within [from, to): to must be after from; was from"
                        + " 2030-03-01T10:00:00Z, to 2030-03-01T10:00:00Z");
        assertThatThrownBy(() -> Backfill.of("hourly", NINE, TEN).continuingFrom(TEN))
                .hasMessageStartingWith("NVENT-0225 ");
    }

    @Test
    void aLimitOutsideOneToAThousandAndABlankTriggerAreRefused() {
        assertThatThrownBy(() -> Backfill.of("hourly", NINE, TEN).withLimit(0))
                .hasMessage("NVENT-0226 a backfill goes through 1 to 1000 ticks per call; was 0");
        assertThatThrownBy(() -> Backfill.of("hourly", NINE, TEN).withLimit(1001)).hasMessageStartingWith("NVENT-0226 ");
        assertThatThrownBy(() -> Backfill.of(" ", NINE, TEN))
                .hasMessage("NVENT-0224 the trigger to backfill must not be blank");
        assertThatThrownBy(() -> Backfill.of("hourly", null, TEN)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aResultWhoseCountsDoNotAddUpIsRefused() {
        assertThat(new BackfillResult(5, 2, 1, 1, 1, Optional.of(TEN)).next()).hasValue(TEN);
        assertThatThrownBy(() -> new BackfillResult(5, 2, 1, 1, 0, Optional.empty()))
                .hasMessage("NVENT-0227 ticks (5) must be fired (2) + alreadyFired (1) + inDoubt (1) + notFired (0)");
    }
}

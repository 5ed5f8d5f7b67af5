package io.nvent.cdi.internal.engine;

import io.nvent.NventException;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.OwedCatchUp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code fire-all} catch-ups a start takes over from the store ({@link OwedCatchUps#takeOver}). */
class OwedCatchUpsTest {

    private static final Instant NOW = Instant.parse("2026-11-30T11:40:00Z");
    private static final String GONE = "instance-c@d1ed0000";

    /** A store whose writes of catch-ups fail once {@link #writesLeft} more went through. */
    static class AwayForCatchUpWrites extends MemorySchedulingStore {
        volatile int writesLeft = Integer.MAX_VALUE;

        @Override
        public boolean replaceOwedCatchUp(String trigger, Optional<OwedCatchUp> expected,
                                          Optional<OwedCatchUp> replacement) {
            if (writesLeft-- <= 0) {
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.replaceOwedCatchUp(trigger, expected, replacement);
        }
    }

    private static OwedCatchUp leftByTheGoneStart(String trigger) {
        return new OwedCatchUp(trigger, GONE, NOW.plusSeconds(200), NOW.minusSeconds(600), NOW.minusSeconds(600),
                "every PT5M UTC", List.of(NOW.minusSeconds(900)));
    }

    @Test
    void aStoreThatFailsPartWayThroughATakeoverLeavesNoneTakenUntilItsHoldRunsOutEachGoesOnAtOnceOrAtTheNextSweep() {
        AwayForCatchUpWrites store = new AwayForCatchUpWrites();
        for (String trigger : List.of("first", "second", "third")) {
            store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(leftByTheGoneStart(trigger)));
        }
        VirtualClock clock = VirtualClock.startingAt(NOW);
        OwedCatchUps owed = new OwedCatchUps(store, clock, "instance-b", "instance-b@b0000000", () -> Set.of(GONE));
        store.writesLeft = 1;   // the first taken, then the store is away

        List<String> taken = new ArrayList<>();
        owed.takeOver().forEach(kept -> taken.add(kept.trigger()));
        assertThat(taken).as("the one taken before the store went away goes on at once").containsExactly("first");

        store.writesLeft = Integer.MAX_VALUE;
        clock.advance(java.time.Duration.ofSeconds(10));   // the next sweep
        owed.takeOver().forEach(kept -> taken.add(kept.trigger()));

        assertThat(taken).as("each once, the others at the next sweep, long before their hold ran out")
                .containsExactly("first", "second", "third");
        assertThat(store.owedCatchUps()).allSatisfy(kept -> assertThat(kept.owner()).isEqualTo("instance-b@b0000000"));
    }

    @Test
    void aTakeoverWhoseWriteWasStoredThoughTheStoreDidNotAnswerIsTakenAgainByTheSameStartAtTheNextSweep() {
        AwayForCatchUpWrites store = new AwayForCatchUpWrites() {
            @Override
            public boolean replaceOwedCatchUp(String trigger, Optional<OwedCatchUp> expected,
                                              Optional<OwedCatchUp> replacement) {
                boolean replaced = super.replaceOwedCatchUp(trigger, expected, replacement);
                if (writesLeft == 0) {
                    writesLeft = Integer.MAX_VALUE;
                    throw new NventException("NVENT-0325 the store did not answer the commit (test)");
                }
                return replaced;
            }
        };
        store.replaceOwedCatchUp("first", Optional.empty(), Optional.of(leftByTheGoneStart("first")));
        VirtualClock clock = VirtualClock.startingAt(NOW);
        OwedCatchUps owed = new OwedCatchUps(store, clock, "instance-b", "instance-b@b0000000", () -> Set.of(GONE));
        store.writesLeft = 1;

        assertThat(owed.takeOver()).as("written, but not known to be").isEmpty();
        clock.advance(java.time.Duration.ofSeconds(10));

        assertThat(owed.takeOver()).extracting(OwedCatchUp::trigger).containsExactly("first");
    }

    @Test
    void aStartBusyWithOneLongCatchUpKeepsTheOthersItHoldsSoNoOtherInstanceTakesThemOverAsLeft() {
        MemorySchedulingStore store = new MemorySchedulingStore();
        for (String trigger : List.of("first", "second")) {
            store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(leftByTheGoneStart(trigger)));
        }
        VirtualClock clock = VirtualClock.startingAt(NOW);
        OwedCatchUps b = new OwedCatchUps(store, clock, "instance-b", "instance-b@b0000000", () -> Set.of(GONE));
        assertThat(b.takeOver()).hasSize(2);   // both go on here, one after the other
        OwedCatchUps c = new OwedCatchUps(store, clock, "instance-c", "instance-c@c0000000", () -> Set.of(GONE));
        io.nvent.TriggerSpec first = io.nvent.TriggerSpec.newBuilder("first", io.nvent.TriggerType.SCHEDULE)
                .cron("*/5 * * * *").flow("sync").build();

        for (int minute = 0; minute < 9; minute++) {   // "first" fires its ticks for 9 minutes, "second" waits
            clock.advance(java.time.Duration.ofMinutes(1));
            assertThat(b.renewIfDue(first, NOW.minusSeconds(600), NOW.minusSeconds(600), List.of(NOW))).isTrue();
            assertThat(c.takeOver()).as("c takes over nothing that b, live and busy, holds").isEmpty();
        }
    }
}

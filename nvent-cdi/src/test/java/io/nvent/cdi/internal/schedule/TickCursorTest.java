package io.nvent.cdi.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.testkit.Concurrently;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class TickCursorTest {

    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Schedule EVERY_SECOND = new CronSchedule(Cron.parse("* * * * * *"), UTC);
    private static final Instant ARMED = Instant.parse("2026-11-30T12:00:00.300Z");

    @Test
    void anOnTimeExpirationStandsForItsOwnTick() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);

        assertThat(cursor.dueAt(at("12:00:01.004"))).containsExactly(at("12:00:01"));
        assertThat(cursor.dueAt(at("12:00:02.010"))).containsExactly(at("12:00:02"));
    }

    @Test
    void aLateExpirationAlsoHandsOutTheTicksItsTimerSkipped() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);
        cursor.dueAt(at("12:00:01.004"));

        assertThat(cursor.dueAt(at("12:00:04.200"))).containsExactly(at("12:00:02"), at("12:00:03"), at("12:00:04"));
    }

    @Test
    void ticksBeforeTheTimerWasArmedAreNotItsOwn() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);

        assertThat(cursor.dueAt(at("12:00:00.900"))).isEmpty();
    }

    @Test
    void anExpirationThatComesTwiceForOneTickHandsItOutOnce() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);

        assertThat(cursor.dueAt(at("12:00:01.004"))).containsExactly(at("12:00:01"));
        assertThat(cursor.dueAt(at("12:00:01.500"))).isEmpty();
    }

    @Test
    void afterALongPauseOnlyTheLatestMissedTicksAreHandedOut() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);

        assertThat(cursor.dueAt(at("12:00:30.100"))).hasSize(TickCursor.MAX_CATCH_UP)
                .startsWith(at("12:00:21")).endsWith(at("12:00:30"));
        assertThat(cursor.dueAt(at("13:00:00.100"))).as("paused for an hour").containsExactly(at("13:00:00"));
    }

    @Test
    void concurrentExpirationsHandOutEachTickOnce() {
        TickCursor cursor = new TickCursor(EVERY_SECOND, ARMED);
        ConcurrentLinkedQueue<Instant> handedOut = new ConcurrentLinkedQueue<>();

        Concurrently.run(8, i -> handedOut.addAll(cursor.dueAt(at("12:00:05.000").plusMillis(i * 100L))));

        assertThat(handedOut).containsExactlyInAnyOrderElementsOf(
                List.of(at("12:00:01"), at("12:00:02"), at("12:00:03"), at("12:00:04"), at("12:00:05")));
    }

    @Test
    void anIntervalsLateExpirationHandsOutTheIntervalTicksItSkippedBoundedLikeACronsTicks() {
        TickCursor cursor = new TickCursor(new IntervalSchedule(Duration.ofSeconds(90)), ARMED);

        assertThat(cursor.dueAt(at("12:01:30.020"))).containsExactly(at("12:01:30"));
        assertThat(cursor.dueAt(at("12:05:00.700"))).containsExactly(at("12:03:00"), at("12:04:30"));
        assertThat(cursor.dueAt(at("12:39:00.500"))).as("23 ticks missed").hasSize(TickCursor.MAX_CATCH_UP)
                .startsWith(at("12:25:30")).endsWith(at("12:39:00"));
    }

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }
}

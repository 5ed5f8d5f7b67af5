package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.Backfill;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.TriggerEvent;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.TickClaim;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A schedule tick whose claim is in doubt (another instance claimed it in a transaction that has not
 * ended, and froze): not fired here, and settled by the sweep once the store can tell: fired there,
 * or missed and then handled as a tick missed while no instance ran.
 */
class TicksInDoubtTest {

    private static final String TRIGGER = "every-5-minutes";

    /** A store shared with a frozen instance, which holds the claims of some ticks in an open transaction. */
    static final class FrozenInstance extends MemorySchedulingStore {
        private final Set<Instant> held = ConcurrentHashMap.newKeySet();

        void claimsAndFreezes(Instant tick) {
            held.add(tick);
        }

        /** Its transaction commits: it fires the tick (not here, the test has no second engine). */
        void commits(Instant tick) {
            held.remove(tick);
            assertThat(super.claimTick(TRIGGER, tick)).isTrue();
        }

        /** Its transaction is rolled back, e.g. by PostgreSQL's idle_in_transaction_session_timeout. */
        void isRolledBack(Instant tick) {
            held.remove(tick);
        }

        @Override
        public TickClaim tryClaimTick(String trigger, Instant scheduledAt) {
            return held.contains(scheduledAt) ? TickClaim.IN_DOUBT : super.tryClaimTick(trigger, scheduledAt);
        }
    }

    private final MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
    private final FrozenInstance store = new FrozenInstance();
    private EngineHarness h;
    private LogRecorder log;

    @BeforeEach
    void start() {
        h = new EngineHarness(new MemoryFlowStore(), store, "instance-a", sync);
        log = LogRecorder.recordingInfoOf(TriggerManager.class);
    }

    @AfterEach
    void stop() {
        log.close();
        h.close();
    }

    @Test
    void aTickWhoseClaimIsInDoubtIsNotFiredHereAndSaysSoOnce() {
        store.claimsAndFreezes(at("10:05:00"));

        tickAt("10:05:00");
        h.triggers.onTick(TRIGGER, at("10:05:00"));

        assertThat(runs()).isEmpty();
        assertThat(log.containing("NVENT-0136")).singleElement().satisfies(entry -> {
            assertThat(entry.getLevel()).isEqualTo(Level.WARNING);
            assertThat(entry.getMessage()).contains("tick 2026-11-30T10:05:00Z of trigger " + TRIGGER
                    + " is not fired here: its claim is in doubt");
        });
        assertThat(log.containing("NVENT-0161")).as("no failure of the trigger's ticks").isEmpty();
    }

    @Test
    void aTickInDoubtThatNoInstanceFiredFiresLateAsAMissedTickAndTheHistorySaysSo() {
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        store.isRolledBack(at("10:05:00"));

        h.clock.advance(TriggerManager.IN_DOUBT_FIRST_CHECK);
        h.sweep();

        assertThat(runs()).hasSize(1);
        awaitCompleted();
        assertThat(sync.scheduledAt).containsExactly(at("10:05:00"));
        TriggerEvent lateFire = h.triggers.history(TRIGGER, 1).get(0);
        assertThat(lateFire.type()).isEqualTo("trigger.fired");
        assertThat(lateFire.data()).contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:05:00Z\",\"earlierSkipped\":0}");
        assertThat(said("NVENT-0133")).singleElement().asString()
                .contains("missed its tick 2026-11-30T10:05:00Z, whose claim was in doubt (NVENT-0136)")
                .contains("it fired late, now, as that tick");

        h.clock.advance(Duration.ofMinutes(1));
        h.sweep();
        assertThat(runs()).as("settled once").hasSize(1);
    }

    @Test
    void aTickInDoubtTheFrozenInstanceCommittedIsNotFiredAgain() {
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        store.commits(at("10:05:00"));

        h.clock.advance(TriggerManager.IN_DOUBT_FIRST_CHECK);
        h.sweep();

        assertThat(runs()).isEmpty();
        assertThat(said("NVENT-0137")).singleElement().asString()
                .contains("tick 2026-11-30T10:05:00Z of trigger " + TRIGGER).contains("it fired there");
        assertThat(h.triggers.history(TRIGGER, 10)).extracting(TriggerEvent::type).doesNotContain("trigger.fired");
    }

    @Test
    void aTickStillInDoubtIsClaimedAgainLessOftenUntilTheStoreCanTell() {
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        h.clock.advance(TriggerManager.IN_DOUBT_FIRST_CHECK);
        h.sweep();
        store.isRolledBack(at("10:05:00"));

        h.clock.advance(Duration.ofSeconds(19));
        h.sweep();
        assertThat(runs()).as("the next claim 20 s after the one still in doubt").isEmpty();

        h.clock.advance(Duration.ofSeconds(1));
        h.sweep();
        assertThat(runs()).hasSize(1);
        awaitCompleted();
        assertThat(sync.scheduledAt).containsExactly(at("10:05:00"));
    }

    @Test
    void aTickInDoubtThatNoInstanceFiredDoesNotFireAfterALaterTickFired() {
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        tickAt("10:10:00");
        awaitCompleted();
        store.isRolledBack(at("10:05:00"));

        h.sweep();

        assertThat(sync.scheduledAt).containsExactly(at("10:10:00"));
        assertThat(said("NVENT-0134")).singleElement().asString()
                .contains("missed its tick 2026-11-30T10:05:00Z, whose claim was in doubt")
                .contains("not fired, the trigger fired since, at 2026-11-30T10:10:00Z");
    }

    @Test
    void aBackfillOfAnEarlierTickMadeMeanwhileDoesNotStandForATickInDoubtThatNoInstanceFired() {
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        h.clock.advance(Duration.ofSeconds(2));
        h.triggers.backfill(Backfill.of(TRIGGER, at("10:00:00"), at("10:05:00")).refiring());
        store.isRolledBack(at("10:05:00"));

        h.clock.advance(TriggerManager.IN_DOUBT_FIRST_CHECK);
        h.sweep();

        awaitCompleted();
        assertThat(sync.scheduledAt).as("the backfilled tick, then the missed one late")
                .containsExactlyInAnyOrder(at("10:00:00"), at("10:05:00"));
        assertThat(said("NVENT-0133")).singleElement().asString()
                .contains("missed its tick 2026-11-30T10:05:00Z, whose claim was in doubt");
    }

    @Test
    void underFireAllATickInDoubtThatNoInstanceFiredFiresLateEvenAfterALaterTickFired() {
        h.close();
        FireAllMissedTicksTest.FiringAllOfTheLastHour firingAll = new FireAllMissedTicksTest.FiringAllOfTheLastHour();
        h = new EngineHarness(new MemoryFlowStore(), store, "instance-a", firingAll);
        store.claimsAndFreezes(at("10:05:00"));
        tickAt("10:05:00");
        tickAt("10:10:00");
        awaitCompleted();
        store.isRolledBack(at("10:05:00"));

        h.sweep();

        assertThat(runs()).hasSize(2);
        awaitCompleted();
        assertThat(firingAll.scheduledAt).containsExactly(at("10:10:00"), at("10:05:00"));
        assertThat(said("NVENT-0133")).singleElement().asString()
                .contains("missed its tick 2026-11-30T10:05:00Z, whose claim was in doubt");
    }

    /** The messages with that id, not those that mention it. */
    private List<String> said(String id) {
        return log.records().stream().map(LogRecord::getMessage).filter(message -> message.startsWith(id + " "))
                .toList();
    }

    private void tickAt(String time) {
        h.clock.advance(Duration.between(h.clock.instant(), at(time)));
        h.ticks.fireDue();
    }

    private List<String> runs() {
        return h.engine.runs(RunQuery.ofFlow("sync")).stream().map(run -> run.runId()).toList();
    }

    private void awaitCompleted() {
        runs().forEach(run -> h.awaitStatus(run, RunStatus.COMPLETED));
    }

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }
}

package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.jpa.internal.JpaSchedulingStoreImpl;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.testkit.LogRecorder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An instance that stopped in the middle of its claim or fire of a trigger (a garbage collection
 * pause, a network partition, a debugger): its transaction stays open on PostgreSQL holding the
 * tick's claim or the trigger's row, and the other instances wait for it no longer than
 * {@code nvent.store.trigger-lock-wait}. The frozen instance is a JDBC connection whose transaction
 * the test leaves open.
 */
class PostgresFrozenInstanceTest {

    private static final String PREFIX = "frozen_";
    private static final String TRIGGER = "every-minute";
    private static final Instant TICK = Instant.parse("2030-01-01T10:00:00Z");
    private static final Duration LOCK_WAIT = Duration.ofSeconds(1);
    /** Generous: the point is that the call returns at all, not how fast. */
    private static final Duration RETURNS_WITHIN = Duration.ofSeconds(30);

    private static JpaFlowStore store;
    private Connection frozen;

    @BeforeAll
    static void openStore() {
        store = JpaFlowStore.create(database(), JpaStoreOptions.newBuilder().tablePrefix(PREFIX)
                .triggerLockWait(LOCK_WAIT).build());
    }

    @AfterAll
    static void closeStore() {
        store.close();
    }

    @BeforeEach
    void aScheduleAndAnInstanceThatWillFreeze() throws SQLException {
        TestDatabases.execute(database(), "delete from " + PREFIX + "flow_trigger",
                "delete from " + PREFIX + "schedule_tick");
        scheduling().saveTrigger(new TriggerRecord(TriggerSpec.newBuilder(TRIGGER, TriggerType.SCHEDULE).flow("report")
                .cron("* * * * *").build(), true, TICK.minusSeconds(3600), 0, 0, Optional.empty(), Optional.empty()));
        frozen = database().getConnection();
        frozen.setAutoCommit(false);
    }

    @AfterEach
    void thawed() throws SQLException {
        if (!frozen.isClosed()) {
            frozen.rollback();
            frozen.close();
        }
    }

    @Test
    void aClaimOfATickAFrozenInstanceHoldsIsInDoubtAfterTheLockWaitInsteadOfWaitingForIt() throws SQLException {
        frozenInstanceClaims(TICK);

        try (LogRecorder log = LogRecorder.recordingInfoOf(JpaSchedulingStoreImpl.class)) {
            TickClaim claim = assertTimeoutPreemptively(RETURNS_WITHIN, () -> scheduling().tryClaimTick(TRIGGER, TICK));

            assertThat(claim).isEqualTo(TickClaim.IN_DOUBT);
            assertThat(log.messagesContaining("NVENT-0331")).singleElement().asString()
                    .contains("tick " + TICK + " of trigger " + TRIGGER).contains("nvent.store.trigger-lock-wait (PT1S)");
        }
        assertThat(scheduling().tryClaimTick(TRIGGER, TICK.plusSeconds(60)))
                .as("the next tick, which the frozen instance does not hold").isEqualTo(TickClaim.CLAIMED);
    }

    @Test
    void aTickTheFrozenInstanceNeverCommittedIsClaimedOnceItsTransactionEnds() throws SQLException {
        frozenInstanceClaims(TICK);
        assertTimeoutPreemptively(RETURNS_WITHIN, () -> scheduling().tryClaimTick(TRIGGER, TICK));

        frozen.rollback();   // e.g. PostgreSQL's idle_in_transaction_session_timeout ended its session

        assertThat(scheduling().tryClaimTick(TRIGGER, TICK)).isEqualTo(TickClaim.CLAIMED);
        assertThat(scheduling().tryClaimTick(TRIGGER, TICK)).isEqualTo(TickClaim.TAKEN);
    }

    @Test
    void aTickTheFrozenInstanceCommittedAfterAllIsTaken() throws SQLException {
        frozenInstanceClaims(TICK);
        assertTimeoutPreemptively(RETURNS_WITHIN, () -> scheduling().tryClaimTick(TRIGGER, TICK));

        frozen.commit();

        assertThat(scheduling().tryClaimTick(TRIGGER, TICK)).isEqualTo(TickClaim.TAKEN);
    }

    @Test
    void theBooleanClaimFailsAfterTheLockWaitRatherThanSayTheTickIsTaken() throws SQLException {
        frozenInstanceClaims(TICK);

        assertTimeoutPreemptively(RETURNS_WITHIN, () -> assertThatThrownBy(() -> scheduling().claimTick(TRIGGER, TICK))
                .hasMessageContaining("NVENT-0331"));
    }

    @Test
    void aFireWhoseTriggerRowAFrozenInstanceHoldsIsNotCountedButDoesNotWait() throws SQLException {
        frozenInstanceLocksTheTrigger();

        try (LogRecorder log = LogRecorder.recordingInfoOf(JpaSchedulingStoreImpl.class)) {
            assertTimeoutPreemptively(RETURNS_WITHIN, () -> scheduling().recordFire(TRIGGER, TICK, 1, Optional.empty()));

            assertThat(log.messagesContaining("NVENT-0332")).singleElement().asString()
                    .contains("fire of trigger " + TRIGGER + " at " + TICK + " is not counted");
        }
        frozen.rollback();
        scheduling().recordFire(TRIGGER, TICK.plusSeconds(60), 1, Optional.empty());
        assertThat(scheduling().findTrigger(TRIGGER).orElseThrow().fires()).as("the fire after it only").isEqualTo(1);
    }

    @Test
    void aHistoryEntryOfATriggerAFrozenInstanceHoldsFailsAfterTheLockWaitAndTheNextOneIsNumberedOn()
            throws SQLException {
        scheduling().appendTriggerEvent(TRIGGER, "trigger.registered", TICK, "{}");
        frozenInstanceLocksTheTrigger();

        assertTimeoutPreemptively(RETURNS_WITHIN, () -> assertThatThrownBy(() -> scheduling().appendTriggerEvent(
                TRIGGER, "trigger.fired", TICK, "{}")).hasMessageContaining("NVENT-0332")
                .hasMessageContaining("trigger.fired entry of trigger " + TRIGGER));

        frozen.rollback();
        assertThat(scheduling().appendTriggerEvent(TRIGGER, "trigger.fired", TICK.plusSeconds(60), "{}").seq())
                .isEqualTo(2);
    }

    private void frozenInstanceClaims(Instant tick) throws SQLException {
        try (PreparedStatement claim = frozen.prepareStatement("insert into " + PREFIX + "schedule_tick"
                + " (trigger_name, scheduled_at, claimed_at) values (?, ?, current_timestamp)")) {
            claim.setString(1, TRIGGER);
            claim.setObject(2, OffsetDateTime.ofInstant(tick, ZoneOffset.UTC));
            assertThat(claim.executeUpdate()).isEqualTo(1);
        }
    }

    /** As its fire's statistics or history entry do until it commits. */
    private void frozenInstanceLocksTheTrigger() throws SQLException {
        try (PreparedStatement lock = frozen.prepareStatement("update " + PREFIX + "flow_trigger"
                + " set last_seq = last_seq where trigger_name = ?")) {
            lock.setString(1, TRIGGER);
            assertThat(lock.executeUpdate()).isEqualTo(1);
        }
    }

    private static SchedulingStore scheduling() {
        return store.schedulingStore();
    }

    private static DataSource database() {
        return TestDatabases.postgres();
    }
}

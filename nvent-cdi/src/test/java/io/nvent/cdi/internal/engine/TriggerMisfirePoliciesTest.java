package io.nvent.cdi.internal.engine;

import io.nvent.AppliedMisfire;
import io.nvent.FlowStep;
import io.nvent.Misfire;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A schedule's own misfire policy and grace ({@code @Trigger(misfire = ..., misfireGrace = ...)} or
 * {@link TriggerSpec#misfire()}) win over the deployment's, and the log says which applied.
 */
class TriggerMisfirePoliciesTest {

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.SKIP)
    static class Skipping extends MissedTicksTest.Sync {
    }

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.FIRE_ONCE)
    static class FiringOnce extends MissedTicksTest.Sync {
    }

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfireGrace = "PT1M")
    static class ShortGrace extends MissedTicksTest.Sync {
    }

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfireGrace = "PT1H")
    static class HourGrace extends MissedTicksTest.Sync {
    }

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "noon-of-nov-30", type = TriggerType.SCHEDULE, cron = "0 12 30 11 *", misfireGrace = "PT72H")
    static class LongGrace extends MissedTicksTest.Sync {
    }

    private static final TriggerMisfires DEPLOYMENT_SKIPS = TriggerMisfires.of("skip", Duration.ofHours(24));

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    private static List<String> runsOf(EngineHarness h) {
        return h.engine.runs(RunQuery.ofFlow("sync")).stream().map(r -> r.runId()).toList();
    }

    /** The instance that ran before the downtime: it fired the tick of 10:05 and stopped. */
    private static EngineHarness ranUntil1005(MissedTicksTest.Sync sync) {
        return MissedTicksTest.ranUntil1005(sync);
    }

    @Test
    void aScheduleThatSaysSkipFiresNoMissedTickThoughTheDeploymentFiresThemAndTheLogSaysTheTriggerSaidSo() {
        Skipping sync = new Skipping();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:05 only").hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).containsExactly("NVENT-0134 trigger every-5-minutes missed its"
                    + " tick 2026-11-30T10:10:00Z while no instance ran: not fired (misfire policy skip, from the trigger)");
        }
    }

    @Test
    void aScheduleThatSaysFireOnceFiresItsMissedTickThoughTheDeploymentSkipsThem() {
        FiringOnce sync = new FiringOnce();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a", DEPLOYMENT_SKIPS,
                     sync)) {

            assertThat(runsOf(after)).as("10:05, then 10:10 late").hasSize(2);
            assertThat(log.messagesContaining("NVENT-0133")).containsExactly("NVENT-0133 trigger every-5-minutes missed its"
                    + " tick 2026-11-30T10:10:00Z while no instance ran: it fired late, now, as that tick (misfire policy"
                    + " fire-once, from the trigger)");
        }
    }

    @Test
    void theDeploymentsPolicyIsNamedAsSuchWhereTheScheduleInheritsIt() {
        MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a", DEPLOYMENT_SKIPS,
                     sync)) {

            assertThat(runsOf(after)).hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).singleElement().asString()
                    .endsWith(": not fired (misfire policy skip, from the deployment's nvent.triggers.misfire)");
        }
    }

    @Test
    void theServiceSaysWhichPolicyAndGraceApplyToASchedulePerValueItsOwnOrTheDeployments() {
        EngineHarness before = ranUntil1005(new MissedTicksTest.Sync());
        try (EngineHarness h = EngineHarness.startingAt(at("10:11:20"), before, "instance-a", DEPLOYMENT_SKIPS,
                new ShortGrace())) {
            TriggerSpec declared = h.triggers.trigger("every-5-minutes").orElseThrow().spec();

            assertThat(h.triggers.appliedMisfire(declared))
                    .isEqualTo(new AppliedMisfire(Misfire.SKIP, false, Duration.ofMinutes(1), true));
            assertThat(h.triggers.appliedMisfire(declared.toBuilder().misfire(Misfire.FIRE_ONCE).build()))
                    .isEqualTo(new AppliedMisfire(Misfire.FIRE_ONCE, true, Duration.ofMinutes(1), true));
            assertThatThrownBy(() -> h.triggers.appliedMisfire(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL)
                    .flow("sync").build())).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aScheduleWithItsOwnGraceSkipsATickOlderThanThatThoughTheDeploymentsGraceIsLonger() {
        ShortGrace sync = new ShortGrace();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:10 is 80 s old, its grace one minute").hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).containsExactly("NVENT-0134 trigger every-5-minutes missed its"
                    + " tick 2026-11-30T10:10:00Z while no instance ran: not fired, it is older than the misfire grace"
                    + " PT1M (the trigger's; misfire policy fire-once, from the deployment's nvent.triggers.misfire)");
        }
    }

    @Test
    void aScheduleWithALongerGraceFiresATickOlderThanTheDeploymentsGraceAndItsClaimIsKeptThatLong() {
        LongGrace sync = new LongGrace();
        EngineHarness before = new EngineHarness(sync);
        before.close();
        Instant twoDaysLater = Instant.parse("2026-12-02T11:00:00Z");
        try (EngineHarness after = EngineHarness.startingAt(twoDaysLater, before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("noon of Nov 30 is 47 h old: beyond a day, within its three").hasSize(1);
            runsOf(after).forEach(run -> after.awaitStatus(run, RunStatus.COMPLETED));
            assertThat(sync.scheduledAt).containsExactly(at("12:00:00"));

            after.triggers.trimHistory();

            assertThat(after.scheduling.claimTick("noon-of-nov-30", at("12:00:00")))
                    .as("another instance starting within the trigger's grace still finds it claimed").isFalse();
        }
    }

    @Test
    void aDeploymentThatChangesTheMisfirePolicyFiresNothingByThatChangeAlone() {
        EngineHarness before = ranUntil1005(new Skipping());
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, new FiringOnce())) {

            assertThat(runsOf(after)).as("10:10 was missed while the trigger said skip").hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).singleElement().asString().contains(
                    "not fired, this deployment changed the trigger's misfire policy or grace",
                    "(then: not fired (misfire policy skip, from the trigger); now: misfire policy fire-once, from the"
                            + " trigger; misfire grace PT24H, from the deployment's nvent.triggers.misfire-grace)");
            assertThat(after.triggers.trigger("every-5-minutes").orElseThrow().spec().misfire())
                    .isEqualTo(Misfire.FIRE_ONCE);
        }
    }

    @Test
    void aDeploymentThatChangesOnlyTheGraceSaysTheOldGraceIsWhyTheTickDidNotFire() {
        EngineHarness before = ranUntil1005(new ShortGrace());
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, new HourGrace())) {

            assertThat(runsOf(after)).as("10:10 was 80 s old, beyond the old grace of a minute").hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).singleElement().asString().contains(
                    "(then: not fired, it is older than the misfire grace PT1M (the trigger's;",
                    "now: misfire policy fire-once, from the deployment's nvent.triggers.misfire; misfire grace PT1H,"
                            + " from the trigger)");
        }
    }

    /** The instance that ran before the downtime under the deployment's {@code settings}: it fired 10:05 and stopped. */
    private static EngineHarness ranUntil1005Under(TriggerMisfires settings, MissedTicksTest.Sync sync) {
        return MissedTicksTest.ranUntil1005(EngineHarness.withMisfires(settings, sync));
    }

    @Test
    void aDeploymentThatChangesOnlyTheDeploymentsMisfirePolicyFiresNothingByThatChangeAloneAndSaysThenAndNow() {
        MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
        EngineHarness before = ranUntil1005Under(DEPLOYMENT_SKIPS, sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:10 was missed while the deployment said skip").hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).singleElement().asString().contains(
                    "not fired, this deployment changed the misfire policy or grace the trigger inherits",
                    "(then: not fired (misfire policy skip, from the deployment's nvent.triggers.misfire); now: misfire"
                            + " policy fire-once, from the deployment's nvent.triggers.misfire; misfire grace PT24H, from"
                            + " the deployment's nvent.triggers.misfire-grace)");
        }
    }

    @Test
    void aDeploymentThatChangesOnlyTheDeploymentsGraceSaysTheOldGraceIsWhyTheTickDidNotFire() {
        MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
        EngineHarness before = ranUntil1005Under(TriggerMisfires.of("fire-once", Duration.ofMinutes(1)), sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:10 was 80 s old, beyond the deployment's old grace of a minute")
                    .hasSize(1);
            assertThat(log.messagesContaining("NVENT-0134")).singleElement().asString().contains(
                    "(then: not fired, it is older than the misfire grace PT1M (from the deployment's"
                            + " nvent.triggers.misfire-grace;");
        }
    }

    @Test
    void aDeploymentThatKeepsTheDeploymentsMisfireSettingsFiresTheMissedTickAsBefore() {
        TriggerMisfires twoHours = TriggerMisfires.of("fire-once", Duration.ofHours(2));
        MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
        EngineHarness before = ranUntil1005Under(twoHours, sync);
        try (EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a", twoHours, sync)) {

            assertThat(runsOf(after)).as("10:05, then 10:10 late").hasSize(2);
            assertThat(after.triggers.history("every-5-minutes", 10)).extracting(TriggerEvent::type)
                    .as("recorded by the first start only").containsOnlyOnce(TriggerManager.MISFIRE_SETTINGS);
        }
    }

    @Test
    void aDeploymentThatKeepsTheMisfirePolicyOrMakesItFireLessStillFiresWhatBothFire() {
        EngineHarness before = ranUntil1005(new MissedTicksTest.Sync());
        try (EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                TriggerMisfires.DEFAULTS, new FiringOnce())) {

            assertThat(runsOf(after)).as("inherited fire-once, now its own fire-once: 10:10 fires").hasSize(2);
        }
    }

    @Test
    void aScheduleCreatedAtRunTimeKeepsItsOwnPolicyAndAnUpdateChangesIt() {
        MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
        EngineHarness before = new EngineHarness(sync);
        before.clock.advance(Duration.ofMinutes(1));
        TriggerSpec atMinute3 = TriggerSpec.newBuilder("at-minute-3", TriggerType.SCHEDULE).cron("3 * * * *")
                .flow("sync").misfire(Misfire.SKIP).misfireGrace(Duration.ofHours(2)).build();
        before.triggers.create(atMinute3);
        before.triggers.setEnabled("every-5-minutes", false);
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:04:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:03 missed, skipped as it says").isEmpty();
            TriggerSpec stored = after.triggers.trigger("at-minute-3").orElseThrow().spec();
            assertThat(stored.misfire()).isEqualTo(Misfire.SKIP);
            assertThat(stored.misfireGrace()).hasValue(Duration.ofHours(2));

            after.triggers.update(stored.toBuilder().misfire(Misfire.INHERIT).misfireGrace(null).build());

            assertThat(after.triggers.trigger("at-minute-3").orElseThrow().spec().misfire()).isEqualTo(Misfire.INHERIT);
            assertThat(after.triggers.history("at-minute-3", 1)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.updated");
        }
    }
}

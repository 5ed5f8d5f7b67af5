package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.Backfill;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schedule ticks that fell while no instance ran (a deploy, an outage): a start fires the latest of
 * them once, as that tick, and skips the older ones (nvent.triggers.misfire, misfire-grace).
 */
class MissedTicksTest {

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *")
    static class Sync implements Step<Map<String, Object>, Void> {
        final Queue<Instant> scheduledAt = new ConcurrentLinkedQueue<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            scheduledAt.add(Instant.parse((String) input.get("scheduledAt")));
            return null;
        }
    }

    @FlowStep(flow = "poll", name = "poll", role = StepRole.ENTRY)
    @Trigger(name = "every-30-s", type = TriggerType.SCHEDULE, every = "PT30S")
    static class Poll extends Sync {
    }

    /** The next deployment's code: the same trigger every 10 minutes. */
    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/10 * * * *")
    static class SyncRescheduled extends Sync {
    }

    /** A store on which the two instances starting together both look for the missed tick before either claims it. */
    static final class ClaimedTogether extends MemorySchedulingStore {
        private final CyclicBarrier bothLooked = new CyclicBarrier(2);
        volatile Instant missedTick;

        @Override
        public boolean claimTick(String trigger, Instant scheduledAt) {
            if (scheduledAt.equals(missedTick)) {
                try {
                    bothLooked.await(10, TimeUnit.SECONDS);
                } catch (Exception notTogether) {
                    throw new IllegalStateException("the instances did not claim the missed tick together", notTogether);
                }
            }
            return super.claimTick(trigger, scheduledAt);
        }
    }



    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    private static List<String> runsOf(EngineHarness h, String flow) {
        return h.engine.runs(RunQuery.ofFlow(flow)).stream().map(r -> r.runId()).toList();
    }

    private static void awaitCompleted(EngineHarness h, String flow) {
        runsOf(h, flow).forEach(run -> h.awaitStatus(run, RunStatus.COMPLETED));
    }

    /** The instance that ran before the downtime: it fired the tick of 10:05 and stopped. */
    static EngineHarness ranUntil1005(Sync sync) {
        return ranUntil1005(new EngineHarness(sync));
    }

    /** {@code first}, an instance started at 10:00, runs until its ticks to 10:05 fired and completed, then stops. */
    static EngineHarness ranUntil1005(EngineHarness first) {
        first.clock.advance(Duration.ofMinutes(5));
        first.ticks.fireDue();
        awaitCompleted(first, "sync");
        first.close();
        return first;
    }

    @Test
    void aTickThatFellWhileNoInstanceRanFiresOnceAtStartAsThatTickAndSaysSo() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        try (EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 before, 10:10 missed").hasSize(2);
            awaitCompleted(after, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"), at("10:10:00"));
            TriggerEvent lateFire = after.triggers.history("every-5-minutes", 1).get(0);
            assertThat(lateFire.type()).isEqualTo("trigger.fired");
            assertThat(lateFire.timestamp()).isEqualTo(at("10:11:20"));
            assertThat(lateFire.data()).contains("\"scheduledAt\":\"2026-11-30T10:10:00Z\"")
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:10:00Z\",\"earlierSkipped\":0}");
            assertThat(after.triggers.trigger("every-5-minutes").orElseThrow().lastFiredAt()).hasValue(at("10:11:20"));

            after.clock.advance(Duration.ofSeconds(220));
            after.ticks.fireDue();

            assertThat(runsOf(after, "sync")).as("then on time again, 10:15").hasSize(3);
            awaitCompleted(after, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"), at("10:10:00"), at("10:15:00"));
        }
    }

    @Test
    void aTickThatFallsWhileTheTimerServiceTakesTheSchedulesOverFiresOnItOnce() {
        Sync sync = new Sync();
        try (EngineHarness h = new EngineHarness(sync)) {
            h.clock.advance(Duration.ofSeconds(290));
            // The first scheduler is disarmed from 10:04:50 to 10:05:10: the tick of 10:05 falls inside the switch.
            h.ticks.disarmingTakes = Duration.ofSeconds(20);
            EngineHarness.ManualTicks timerService = new EngineHarness.ManualTicks(h.clock);

            h.triggers.useTickScheduler(timerService);
            timerService.fireDue();

            assertThat(timerService.handedOut).containsExactly(at("10:05:00"));
            assertThat(runsOf(h, "sync")).hasSize(1);
            awaitCompleted(h, "sync");
            h.clock.advance(Duration.ofMinutes(5));
            timerService.fireDue();

            assertThat(runsOf(h, "sync")).as("then 10:10 on time").hasSize(2);
            awaitCompleted(h, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"), at("10:10:00"));
        }
    }

    @Test
    void aTickTheFirstSchedulerHadNotHandedOutYetWhenTheTimerServiceTookOverFiresOnIt() {
        Sync sync = new Sync();
        try (EngineHarness h = new EngineHarness(sync)) {
            // Its timer for 10:05 had not expired (a busy server) when the timer service took over at 10:05:30.
            h.clock.advance(Duration.ofSeconds(330));
            EngineHarness.ManualTicks timerService = new EngineHarness.ManualTicks(h.clock);

            h.triggers.useTickScheduler(timerService);
            timerService.fireDue();
            timerService.fireDue();

            assertThat(timerService.handedOut).containsExactly(at("10:05:00"));
            awaitCompleted(h, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"));
        }
    }

    @Test
    void aTickTheFirstSchedulerHandedOutBeforeTheTimerServiceTookOverIsNotHandedOutAgain() {
        Sync sync = new Sync();
        try (EngineHarness h = new EngineHarness(sync)) {
            h.clock.advance(Duration.ofMinutes(5));
            h.ticks.fireDue();
            awaitCompleted(h, "sync");
            h.clock.advance(Duration.ofSeconds(30));
            EngineHarness.ManualTicks timerService = new EngineHarness.ManualTicks(h.clock);

            h.triggers.useTickScheduler(timerService);
            timerService.fireDue();

            assertThat(timerService.handedOut).as("10:05 was the first scheduler's").isEmpty();
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"));
        }
    }

    @Test
    void ofSeveralMissedTicksOnlyTheLatestFiresAndTheOthersAreCountedAsSkipped() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:31:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(log.messagesContaining("NVENT-0133")).containsExactly("NVENT-0133 trigger every-5-minutes missed its"
                    + " tick 2026-11-30T10:30:00Z and 4 earlier ones while no instance ran: it fired late, now, as that"
                    + " tick; the earlier ones are skipped (misfire policy fire-once, from the deployment's"
                    + " nvent.triggers.misfire)");

            assertThat(runsOf(after, "sync")).as("10:05, then 10:30 for 10:10 to 10:30").hasSize(2);
            awaitCompleted(after, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:05:00"), at("10:30:00"));
            assertThat(after.triggers.history("every-5-minutes", 1).get(0).data())
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:30:00Z\",\"earlierSkipped\":4}");
        }
    }

    @Test
    void anIntervalScheduleFiresItsLatestMissedTickToo() {
        Poll poll = new Poll();
        EngineHarness before = new EngineHarness(poll);
        before.clock.advance(Duration.ofSeconds(30));
        before.ticks.fireDue();
        awaitCompleted(before, "poll");
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:02:10"), before, "instance-a",
                TriggerMisfires.DEFAULTS, poll)) {

            assertThat(runsOf(after, "poll")).hasSize(2);
            awaitCompleted(after, "poll");
            assertThat(poll.scheduledAt).containsExactly(at("10:00:30"), at("10:02:00"));
            assertThat(after.triggers.history("every-30-s", 1).get(0).data())
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:02:00Z\",\"earlierSkipped\":2}");
        }
    }

    @Test
    void aRestartBetweenTwoTicksFiresNothing() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        try (EngineHarness after = EngineHarness.startingAt(at("10:07:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 only").hasSize(1);
        }
    }

    @Test
    void withSkipNoMissedTickFires() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("10:11:20"), before, "instance-a",
                     TriggerMisfires.of("skip", Duration.ofHours(24)), sync)) {

            assertThat(log.messagesContaining("NVENT-0134")).containsExactly("NVENT-0134 trigger every-5-minutes missed its"
                    + " tick 2026-11-30T10:10:00Z while no instance ran: not fired (misfire policy skip, from the"
                    + " deployment's nvent.triggers.misfire)");

            assertThat(runsOf(after, "sync")).as("10:05 only").hasSize(1);
            assertThat(after.triggers.history("every-5-minutes", 10)).extracting(TriggerEvent::data)
                    .noneMatch(data -> data.contains("\"missed\""));
        }
    }

    @Test
    void aFirstDeploymentFiresNoTickFromBeforeIt() {
        try (EngineHarness first = new EngineHarness(new Sync());
             EngineHarness laterFirst = EngineHarness.startingAt(at("10:11:20"), new EngineHarness(new Poll()),
                     "instance-a", TriggerMisfires.DEFAULTS, new Sync())) {

            assertThat(runsOf(first, "sync")).as("registered on a tick, 10:00").isEmpty();
            assertThat(runsOf(laterFirst, "sync")).as("registered at 10:11:20, after the tick of 10:10").isEmpty();
        }
    }

    @Test
    void aScheduleThatNeverFiredMissesTheTicksAfterItWasCreated() {
        Sync sync = new Sync();
        EngineHarness before = new EngineHarness(sync);
        before.clock.advance(Duration.ofMinutes(1));
        before.triggers.create(TriggerSpec.newBuilder("at-minute-3", TriggerType.SCHEDULE).cron("3 * * * *")
                .flow("sync").build());
        before.triggers.setEnabled("every-5-minutes", false);
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:04:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("created at 10:01, missed 10:03").hasSize(1);
            awaitCompleted(after, "sync");
            assertThat(sync.scheduledAt).containsExactly(at("10:03:00"));
        }
    }

    /** An instance whose schedule was disabled from its start at 10:00 until 10:12; it runs on. */
    private static EngineHarness disabledFrom1000To1012(Sync sync) {
        EngineHarness before = new EngineHarness(sync);
        before.triggers.setEnabled("every-5-minutes", false);
        before.clock.advance(Duration.ofMinutes(12));
        before.triggers.setEnabled("every-5-minutes", true);
        return before;
    }

    @Test
    void aTickThatFellWhileTheScheduleWasDisabledIsNoMissedOne() {
        Sync sync = new Sync();
        EngineHarness before = disabledFrom1000To1012(sync);
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:14:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 and 10:10 fell before it was enabled at 10:12").isEmpty();
        }
        try (EngineHarness after = EngineHarness.startingAt(at("10:16:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:15 fell after").hasSize(1);
        }
    }

    @Test
    void aBackfillOfAnEarlierTickMadeWhileNoEngineRanDoesNotHideTheTickMissedMeanwhile() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        // An API-only instance (nvent.engine.enabled=false) backfills while no engine instance runs.
        before.clock.advance(Duration.between(before.clock.instant(), at("10:13:00")));
        before.triggers.backfill(Backfill.of("every-5-minutes", at("10:00:00"), at("10:05:00")).refiring());
        try (EngineHarness after = EngineHarness.startingAt(at("10:14:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(after.triggers.history("every-5-minutes", 1)).as("10:10 was missed, whatever the backfill"
                    + " of 10:00 fired at 10:13").singleElement().satisfies(lateFire -> assertThat(lateFire.data())
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:10:00Z\""));
        }
    }

    @Test
    void aTickThatFellWhileTheScheduleWasDisabledIsNoMissedOneThoughBackfilledFiresFollowedTheEnable() {
        Sync sync = new Sync();
        EngineHarness before = disabledFrom1000To1012(sync);
        before.triggers.backfill(Backfill.of("every-5-minutes", at("08:00:00"), at("10:00:00")).refiring());
        int backfilled = runsOf(before, "sync").size();
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:14:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 and 10:10 fell before it was enabled at 10:12, the 24"
                    + " backfilled fires after").hasSize(backfilled);
        }
    }

    @Test
    void aTickThatFellWhileTheScheduleWasDisabledIsNoMissedOneThoughManySkippedTicksFollowedTheEnable() {
        Sync sync = new Sync();
        EngineHarness before = disabledFrom1000To1012(sync);
        // A fast schedule under overlap skip whose run outlasted many ticks: their entries hide the enable.
        for (int second = 0; second < 25; second++) {
            before.scheduling.appendTriggerEvent("every-5-minutes", TriggerManager.SKIPPED,
                    at("10:12:00").plusSeconds(second + 1), "{\"reason\":\"overlap\",\"overlap\":\"skip\"}");
        }
        before.close();
        try (EngineHarness after = EngineHarness.startingAt(at("10:14:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 and 10:10 fell before it was enabled at 10:12, the 25"
                    + " skipped ticks after").isEmpty();
        }
    }

    @Test
    void aDeploymentThatChangesTheScheduleFiresNoTickFromBeforeIt() {
        EngineHarness before = ranUntil1005(new Sync());
        try (EngineHarness after = EngineHarness.startingAt(at("10:21:00"), before, "instance-a",
                TriggerMisfires.DEFAULTS, new SyncRescheduled())) {

            assertThat(runsOf(after, "sync")).as("10:20 is a tick of the new code's schedule only").hasSize(1);
        }
    }

    @Test
    void aTickMissedLongerAgoThanTheGraceIsSkipped() {
        Sync sync = new Sync();
        EngineHarness before = ranUntil1005(sync);
        Instant dayAndHourLater = at("11:11:20").plus(Duration.ofDays(1));
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(dayAndHourLater, before, "instance-a",
                     TriggerMisfires.of("fire-once", Duration.ofMinutes(1)), sync)) {

            assertThat(log.messagesContaining("NVENT-0134")).containsExactly("NVENT-0134 trigger every-5-minutes missed its"
                    + " tick 2026-12-01T11:10:00Z and 300 earlier ones while no instance ran: not fired, it is older"
                    + " than the misfire grace PT1M (from the deployment's nvent.triggers.misfire-grace; misfire policy"
                    + " fire-once, from the deployment's nvent.triggers.misfire)");

            assertThat(runsOf(after, "sync")).as("11:10 next day is 80 s old").hasSize(1);
        }
        try (EngineHarness after = EngineHarness.startingAt(dayAndHourLater, before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("within the default day").hasSize(2);
        }
    }

    @Test
    void tickClaimsAreKeptForTheGraceWhereThatIsLongerThanADay() {
        try (EngineHarness h = EngineHarness.startingAt(EngineHarness.START, new EngineHarness(), "instance-a",
                TriggerMisfires.of("fire-once", Duration.ofDays(2)), new Sync())) {
            Instant thirtyHoursAgo = EngineHarness.START.minus(Duration.ofHours(30));
            assertThat(h.scheduling.claimTick("every-5-minutes", thirtyHoursAgo)).isTrue();

            h.triggers.trimHistory();

            assertThat(h.scheduling.claimTick("every-5-minutes", thirtyHoursAgo))
                    .as("another instance starting within the grace still finds it claimed").isFalse();
        }
    }

    @Test
    void anEmbeddedEngineFiresTheMissedTickTooUnlessBuiltToSkipIt() {
        FlowStore store = MemoryAdapters.store();
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        VirtualClock clock = VirtualClock.startingAt(at("10:00:00"));
        Supplier<EmbeddedEngine.Builder> builder = () -> EmbeddedEngine.newBuilder().clock(clock).store(store)
                .schedulingStore(scheduling).step(new Sync());
        builder.get().build().close();
        clock.advance(Duration.ofMinutes(11));

        try (EmbeddedEngine skipping = builder.get().misfire("skip", Duration.ofHours(1)).build()) {
            assertThat(skipping.flows().runs(RunQuery.ofFlow("sync"))).isEmpty();
        }
        try (EmbeddedEngine firing = builder.get().build()) {
            assertThat(firing.flows().runs(RunQuery.ofFlow("sync"))).as("10:10").hasSize(1);
        }
    }

    /** Two instances over one store, the second a second after the first, each with its own step bean. */
    record StartedTogether(EngineHarness a, EngineHarness b) implements AutoCloseable {
        @Override
        public void close() {
            try (EngineHarness first = a; EngineHarness second = b) {
                // both stopped
            }
        }
    }

    /**
     * After an instance ran until 10:05 on a store that makes them look for {@code firstClaimed} together,
     * instances a and b start together at {@code startAt}, all of them as {@code misfires} says.
     */
    static StartedTogether startTogether(Instant startAt, Instant firstClaimed, TriggerMisfires misfires, Sync onA,
                                         Sync onB) throws Exception {
        ClaimedTogether scheduling = new ClaimedTogether();
        EngineHarness before = EngineHarness.withMisfires(misfires, scheduling, onA);
        before.clock.advance(Duration.ofMinutes(5));
        before.ticks.fireDue();
        awaitCompleted(before, "sync");
        before.close();
        scheduling.missedTick = firstClaimed;

        CompletableFuture<EngineHarness> a = CompletableFuture.supplyAsync(() -> EngineHarness.startingAt(
                startAt, before, "instance-a", misfires, onA));
        CompletableFuture<EngineHarness> b = CompletableFuture.supplyAsync(() -> EngineHarness.startingAt(
                startAt.plusSeconds(1), before, "instance-b", misfires, onB));
        return new StartedTogether(a.get(20, TimeUnit.SECONDS), b.get(20, TimeUnit.SECONDS));
    }

    @Test
    void twoInstancesStartingTogetherFireTheMissedTickOnce() throws Exception {
        Sync onA = new Sync();
        Sync onB = new Sync();
        try (StartedTogether together = startTogether(at("10:11:20"), at("10:10:00"), TriggerMisfires.DEFAULTS,
                onA, onB)) {

            assertThat(runsOf(together.a(), "sync")).as("10:05, then 10:10 on one of them").hasSize(2);
            awaitCompleted(together.a(), "sync");
            await().atMost(Duration.ofSeconds(10)).until(() -> onA.scheduledAt.size() + onB.scheduledAt.size() == 2);
            assertThat(List.of(onA.scheduledAt, onB.scheduledAt)).flatMap(ticks -> ticks)
                    .containsExactlyInAnyOrder(at("10:05:00"), at("10:10:00"));
            assertThat(together.a().triggers.trigger("every-5-minutes").orElseThrow().fires()).isEqualTo(2);
        }
    }

    @Test
    void twoInstancesStartingTogetherUnderFireAllFireEachMissedTickOnce() throws Exception {
        Sync onA = new Sync();
        Sync onB = new Sync();
        // Not claimed together: the second leaves them to the catch-up the first holds in the store (NVENT-0476).
        try (StartedTogether together = startTogether(at("10:31:20"), at("09:00:00"),
                TriggerMisfires.of("fire-all", Duration.ofHours(24)), onA, onB)) {

            assertThat(runsOf(together.a(), "sync")).as("10:05, then 10:10 to 10:30 each on one of them").hasSize(6);
            awaitCompleted(together.a(), "sync");
            await().atMost(Duration.ofSeconds(10)).until(() -> onA.scheduledAt.size() + onB.scheduledAt.size() == 6);
            assertThat(List.of(onA.scheduledAt, onB.scheduledAt)).flatMap(ticks -> ticks).containsExactlyInAnyOrder(
                    at("10:05:00"), at("10:10:00"), at("10:15:00"), at("10:20:00"), at("10:25:00"), at("10:30:00"));
            assertThat(together.a().triggers.trigger("every-5-minutes").orElseThrow().fires()).isEqualTo(6);
        }
    }
}

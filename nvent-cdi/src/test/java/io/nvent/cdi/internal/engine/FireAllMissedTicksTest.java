package io.nvent.cdi.internal.engine;

import io.nvent.AppliedMisfire;
import io.nvent.FlowStep;
import io.nvent.Misfire;
import io.nvent.NventException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Misfire policy {@code fire-all} ({@link Misfire#FIRE_ALL}): each tick missed within the grace fires once
 * at start, the oldest first, as its tick, up to {@value Misfire#MOST_FIRED_ALL}; the older ones are skipped.
 */
class FireAllMissedTicksTest {

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.FIRE_ALL,
            misfireGrace = "PT1H")
    static class FiringAllOfTheLastHour extends MissedTicksTest.Sync {
    }

    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-minute", type = TriggerType.SCHEDULE, cron = "* * * * *")
    static class EveryMinute extends MissedTicksTest.Sync {
    }

    /**
     * A scheduling store that can no longer be reached once it has claimed {@link #claimsLeft} more ticks, or read
     * {@link #historyReadsLeft} more trigger histories.
     */
    static final class AwayAfterClaims extends MemorySchedulingStore {
        volatile int claimsLeft = Integer.MAX_VALUE;
        volatile int historyReadsLeft = Integer.MAX_VALUE;

        @Override
        public List<TriggerEvent> triggerHistory(String name, int limit) {
            if (historyReadsLeft-- <= 0) {
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.triggerHistory(name, limit);
        }

        /** Run after each claim stored: the time a tick's fire takes, and what other instances do meanwhile. */
        volatile Runnable onEachClaim;

        /** Set: the next claim is stored, then the store is away for reads of triggers until told otherwise. */
        volatile boolean awayAfterNextClaim;
        volatile boolean awayForReads;

        @Override
        public TickClaim tryClaimTick(String trigger, Instant scheduledAt) {
            if (claimsLeft-- <= 0) {
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            TickClaim claim = super.tryClaimTick(trigger, scheduledAt);
            Runnable hook = onEachClaim;
            if (hook != null) {
                onEachClaim = null;   // not again for the claims of what it does
                try {
                    hook.run();
                } finally {
                    onEachClaim = hook;
                }
            }
            if (awayAfterNextClaim) {
                awayAfterNextClaim = false;
                awayForReads = true;
            }
            return claim;
        }

        @Override
        public Optional<TriggerRecord> findTrigger(String name) {
            if (awayForReads) {
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.findTrigger(name);
        }

        /** The {@code trigger.fired} entries stored before the store is away: the next one is lost, and claims fail. */
        volatile int firedEntriesLeft = Integer.MAX_VALUE;

        @Override
        public TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
            if ((type.equals(TriggerEvent.FIRED) || type.equals(TriggerEvent.FAILED)) && firedEntriesLeft-- <= 0) {
                claimsLeft = 0;   // as an instance killed once the tick's run was stored, before its history entry
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.appendTriggerEvent(name, type, at, data);
        }

        /** How often the catch-ups kept were read. */
        final java.util.concurrent.atomic.AtomicInteger owedReads = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public List<io.nvent.spi.OwedCatchUp> owedCatchUps() {
            owedReads.incrementAndGet();
            return super.owedCatchUps();
        }
    }

    private static final TriggerMisfires DEPLOYMENT_FIRES_ALL = TriggerMisfires.of("fire-all", Duration.ofHours(24));

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    /** Every {@code step} from {@code first} to {@code last}, both included. */
    private static List<Instant> ticks(String first, String last, Duration step) {
        return Stream.iterate(at(first), tick -> !tick.isAfter(at(last)), tick -> tick.plus(step)).toList();
    }

    /** The 12 ticks of the hour before 11:31:20, 10:35 to 11:30: those a start then fires late. */
    private static final List<Instant> THE_LAST_HOUR = ticks("10:35:00", "11:30:00", Duration.ofMinutes(5));

    /** The tick of 10:05, each missed tick of the last hour, then 11:35 on time. */
    private static final List<Instant> MISSED_THEN_ON_TIME = Stream.concat(Stream.of(at("10:05:00")),
            ticks("10:35:00", "11:35:00", Duration.ofMinutes(5)).stream()).toList();

    private static List<String> runsOf(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("sync"), Optional.empty(), 0, 1000)).stream().map(r -> r.runId()).toList();
    }

    private static void awaitCompleted(EngineHarness h) {
        runsOf(h).forEach(run -> h.awaitStatus(run, RunStatus.COMPLETED));
    }

    /** The missed ticks whose runs were started, by the key each was started with, the oldest first (once each). */
    private static List<Instant> missedTicksStarted(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("sync"), Optional.empty(), 0, 1000)).stream()
                .flatMap(run -> run.idempotencyKey().stream()).filter(key -> key.startsWith("missed tick "))
                .map(key -> Instant.parse(key.substring("missed tick ".length())))
                .sorted().toList();
    }

    /** The ticks the late fires stood for, in the order they fired. */
    private static List<Instant> firedTicks(EngineHarness h, String trigger) {
        return firedTicks(h, trigger, "missed");
    }

    /** The ticks the fires whose history entry tells of them in {@code member} stood for, in the order they fired. */
    static List<Instant> firedTicks(EngineHarness h, String trigger, String member) {
        List<TriggerEvent> oldestFirst = new ArrayList<>(h.triggers.history(trigger, 500));
        Collections.reverse(oldestFirst);
        return oldestFirst.stream().filter(entry -> entry.type().equals("trigger.fired"))
                .filter(entry -> entry.data().contains("\"" + member + "\""))
                .map(entry -> Instant.parse(entry.data().replaceFirst(".*\"" + member
                        + "\":\\{\"scheduledAt\":\"([^\"]+)\".*", "$1"))).toList();
    }

    @Test
    void eachTickMissedWithinTheGraceFiresOnceTheOldestFirstAsItsTickAndTheOlderOnesAreSkipped() {
        FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        EngineHarness before = MissedTicksTest.ranUntil1005(sync);
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("11:31:20"), before, "instance-a",
                     TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:05 before, then the 12 ticks of the last hour").hasSize(13);
            awaitCompleted(after);
            assertThat(sync.scheduledAt).as("each run sees its own tick")
                    .containsExactlyInAnyOrderElementsOf(Stream.concat(Stream.of(at("10:05:00")),
                            THE_LAST_HOUR.stream()).toList());
            assertThat(firedTicks(after, "every-5-minutes")).as("the oldest first").isEqualTo(THE_LAST_HOUR);
            assertThat(after.triggers.history("every-5-minutes", 12).get(11).data()).as("10:10 to 10:30 skipped")
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:35:00Z\",\"earlierSkipped\":5}");
            assertThat(after.triggers.history("every-5-minutes", 1).get(0).data())
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T11:30:00Z\",\"earlierSkipped\":0}");
            assertThat(after.triggers.trigger("every-5-minutes").orElseThrow().fires()).isEqualTo(13);
            assertThat(log.messagesContaining("NVENT-0133")).containsExactly("NVENT-0133 trigger every-5-minutes missed"
                    + " its tick 2026-11-30T11:30:00Z and 16 earlier ones while no instance ran: 12 of them fired late,"
                    + " now, each as its tick, the oldest first (2026-11-30T10:35:00Z to 2026-11-30T11:30:00Z); the 5"
                    + " older ones are older than the misfire grace and skipped (misfire policy fire-all, from the"
                    + " trigger; misfire grace PT1H, from the trigger)");
            assertThat(after.triggers.appliedMisfire(after.triggers.trigger("every-5-minutes").orElseThrow().spec()))
                    .isEqualTo(new AppliedMisfire(Misfire.FIRE_ALL, true, Duration.ofHours(1), true));

            after.clock.advance(Duration.ofMinutes(5));
            after.ticks.fireDue();

            assertThat(runsOf(after)).as("then on time again, 11:35").hasSize(14);
        }
    }

    @Test
    void beyondTheMostThatFireTheOlderMissedTicksAreSkippedWithAWarningNamingTheTriggerTheCountsAndTheBound() {
        EveryMinute sync = new EveryMinute();
        EngineHarness before = EngineHarness.withMisfires(DEPLOYMENT_FIRES_ALL, sync);
        before.close();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("12:00:30"), before, "instance-a", DEPLOYMENT_FIRES_ALL,
                     sync)) {

            assertThat(runsOf(after)).as("of 10:01 to 12:00, the latest 100").hasSize(Misfire.MOST_FIRED_ALL);
            awaitCompleted(after);
            List<Instant> latest100 = ticks("10:21:00", "12:00:00", Duration.ofMinutes(1));
            assertThat(sync.scheduledAt).containsExactlyInAnyOrderElementsOf(latest100);
            assertThat(firedTicks(after, "every-minute")).isEqualTo(latest100);
            assertThat(log.messagesContaining("NVENT-0558")).containsExactly("NVENT-0558 trigger every-minute missed"
                    + " its tick 2026-11-30T12:00:00Z and 119 earlier ones while no instance ran: 100 of them fired late,"
                    + " now, each as its tick, the oldest first (2026-11-30T10:21:00Z to 2026-11-30T12:00:00Z); the 20"
                    + " older ones are skipped: misfire policy fire-all fires at most the latest 100 missed ticks of a"
                    + " schedule at a start (misfire policy fire-all, from the deployment's nvent.triggers.misfire;"
                    + " misfire grace PT24H, from the deployment's nvent.triggers.misfire-grace)");
            assertThat(log.containing("NVENT-0558")).singleElement()
                    .satisfies(entry -> assertThat(entry.getLevel()).isEqualTo(java.util.logging.Level.WARNING));
        }
    }

    @Test
    void aDeploymentThatSwitchesFromFireOnceToFireAllFiresOnlyTheLatestMissedTickAsTheOldPolicyWould() {
        EngineHarness before = MissedTicksTest.ranUntil1005(new MissedTicksTest.Sync());
        MissedTicksTest.Sync sync = new FiringAllOfTheLastHour();
        try (EngineHarness after = EngineHarness.startingAt(at("10:31:20"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after)).as("10:05, then 10:30 only").hasSize(2);
            awaitCompleted(after);
            assertThat(sync.scheduledAt).containsExactly(at("10:30:00"));
        }
    }

    @Test
    void aDeploymentWideFireAllKeepsFiringEachMissedTickOfABusyTriggerWhoseSettingsEntryWasTrimmed() {
        EveryMinute sync = new EveryMinute();
        EngineHarness before = MissedTicksTest.ranUntil1005(EngineHarness.withMisfires(DEPLOYMENT_FIRES_ALL, sync));
        before.scheduling.trimTriggerHistory(3);   // the sweep of a deployment keeping 3 entries a trigger
        assertThat(before.triggers.history("every-minute", 10)).extracting(TriggerEvent::type)
                .as("the settings entry is trimmed").doesNotContain(TriggerManager.MISFIRE_SETTINGS);
        try (EngineHarness after = EngineHarness.startingAt(at("10:30:30"), before, "instance-a", DEPLOYMENT_FIRES_ALL,
                TriggerHistoryLimits.DEFAULTS.withMaxEntries(3), sync)) {

            assertThat(runsOf(after)).as("10:01 to 10:05 before, then each of 10:06 to 10:30").hasSize(30);
            assertThat(firedTicks(after, "every-minute")).hasSize(25).first().isEqualTo(at("10:06:00"));
        }
    }

    @Test
    void theMissedTicksAStartCutShortDidNotFireFireAtTheNextStart() {
        FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        AwayAfterClaims scheduling = new AwayAfterClaims();
        EngineHarness cutShort = cutShortAfter(3, scheduling, ranUntil1005Over(scheduling, sync), "instance-a", sync);
        awaitCompleted(cutShort);
        cutShort.close();
        assertThat(firedTicks(cutShort, "every-5-minutes")).as("the store went away after 3 of 12")
                .containsExactly(at("10:35:00"), at("10:40:00"), at("10:45:00"));
        scheduling.claimsLeft = Integer.MAX_VALUE;

        try (EngineHarness after = EngineHarness.startingAt(at("11:33:20"), cutShort, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {

            assertThat(firedTicks(after, "every-5-minutes")).as("the other 9, once each").isEqualTo(THE_LAST_HOUR);
            assertThat(runsOf(after)).as("10:05, then the 12 ticks of the last hour").hasSize(13);
        }
    }

    /** An instance started at 11:31:20 whose catch-up the store cut short after {@code claims} claims. */
    private static EngineHarness cutShortAfter(int claims, AwayAfterClaims scheduling, EngineHarness other,
                                               String instanceId, MissedTicksTest.Sync sync) {
        scheduling.claimsLeft = claims;
        return EngineHarness.startingAt(at("11:31:20"), other, instanceId, TriggerMisfires.DEFAULTS, sync);
    }

    /** The first instance, whose 10:05 tick fired, then stopped: the ticks of 10:10 to 11:30 fall while none runs. */
    private static EngineHarness ranUntil1005Over(AwayAfterClaims scheduling, MissedTicksTest.Sync sync) {
        return MissedTicksTest.ranUntil1005(new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", sync));
    }

    /**
     * The first instance ran until its 10:05 tick fired, then stopped, over a store that goes away when told; from
     * then on the log of {@link TriggerManager} is recorded, and the instances the test starts are stopped at its end.
     */
    private static final class Downtime implements AutoCloseable {
        final FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        final AwayAfterClaims scheduling = new AwayAfterClaims();
        final EngineHarness before = ranUntil1005Over(scheduling, sync);
        final LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
        private final List<EngineHarness> started = new ArrayList<>();

        EngineHarness started(EngineHarness instance) {
            started.add(instance);
            return instance;
        }

        /** Instance a, started at 11:31:20: the store cut its catch-up of the 12 missed ticks short after 3. */
        EngineHarness aCutShortAfterThree() {
            return cutShortAfter(3, before, "instance-a");
        }

        /** Instance a, its catch-up cut short after 3, then the store back: the 9 left fire at a sweep, or not. */
        EngineHarness aCutShortAfterThreeTheStoreBack() {
            EngineHarness a = aCutShortAfterThree();
            storeBack();
            return a;
        }

        /** An instance started at 11:31:20 after {@code other}, its catch-up cut short after {@code claims} claims. */
        EngineHarness cutShortAfter(int claims, EngineHarness other, String instanceId) {
            return started(FireAllMissedTicksTest.cutShortAfter(claims, scheduling, other, instanceId, sync));
        }

        /** Instance b, started at 10:05:30, its timer stopped since: it missed nothing at its start. */
        EngineHarness bRunningSince1005() {
            return started(EngineHarness.startingAt(at("10:05:30"), before, "instance-b", TriggerMisfires.DEFAULTS,
                    sync));
        }

        void storeBack() {
            scheduling.claimsLeft = Integer.MAX_VALUE;
        }

        @Override
        public void close() {
            try {
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).close();
                }
            } finally {
                log.close();
            }
        }
    }

    /**
     * Instance a's catch-up cut short after 3, the store back: once {@code meanwhile} happened to it, a sweep fires
     * none of the 9 ticks the start left, only the 3 of the start stay fired, and the log says once that it does not
     * go on, and {@code why}.
     */
    private static void aSweepFiresNoneOfTheNineLeftAfter(Consumer<EngineHarness> meanwhile, String why) {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThreeTheStoreBack();
            meanwhile.accept(a);

            a.sweep();

            assertThat(firedTicks(a, "every-5-minutes")).as("the 3 fired at start only").hasSize(3);
            assertThat(downtime.log.messagesContaining("NVENT-0469")).containsExactly("NVENT-0469 trigger"
                    + " every-5-minutes does not go on with its catch-up of missed ticks, cut short at start"
                    + " (NVENT-0135): " + why + "; the 9 missed ticks it left (2026-11-30T10:50:00Z to"
                    + " 2026-11-30T11:30:00Z) do not fire");
        }
    }

    /** b, whose timer stopped, catches up with a's clock; at 11:35:00, the store back, the tick fires on time on b. */
    private static void firesOnTimeAt1135On(EngineHarness b, EngineHarness a) {
        b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()));
        EngineHarness.moveClocks(Duration.ofSeconds(220), a, b);
        b.triggers.onTick("every-5-minutes", at("11:35:00"));   // the trigger's last fire is 11:35
    }

    @Test
    void aCatchUpCutShortGoesOnWhenTheStoreIsBackBeforeTheNextOnTimeFireSoThatNoMissedTickIsLost() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness running = downtime.aCutShortAfterThree();
            assertThat(firedTicks(running, "every-5-minutes")).as("the store went away after 3 of 12")
                    .containsExactly(at("10:35:00"), at("10:40:00"), at("10:45:00"));
            assertThat(downtime.log.messagesContaining("NVENT-0135")).singleElement().asString()
                    .contains("the 9 missed ticks it did not fire (2026-11-30T10:50:00Z to 2026-11-30T11:30:00Z) fire"
                            + " once the store answers again (NVENT-0468)");
            downtime.storeBack();

            running.clock.advance(Duration.ofSeconds(220));   // 11:35:00, the store back
            running.ticks.fireDue();

            assertThat(firedTicks(running, "every-5-minutes", "payload"))
                    .as("10:05, then each missed tick once, the oldest first, then 11:35")
                    .isEqualTo(MISSED_THEN_ON_TIME);
            assertThat(firedTicks(running, "every-5-minutes")).as("the missed ones each as its tick")
                    .isEqualTo(THE_LAST_HOUR);
            awaitCompleted(running);
            assertThat(downtime.sync.scheduledAt).as("each run sees its own tick")
                    .containsExactlyInAnyOrderElementsOf(MISSED_THEN_ON_TIME);
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).containsExactly("NVENT-0468 trigger"
                    + " every-5-minutes goes on with its catch-up of missed ticks, cut short at start (NVENT-0135),"
                    + " the store answering again: 9 of them fired late, now, each as its tick, the oldest first"
                    + " (2026-11-30T10:50:00Z to 2026-11-30T11:30:00Z) (misfire policy fire-all, from the trigger;"
                    + " misfire grace PT1H, from the trigger)");

            running.sweep();
            running.clock.advance(Duration.ofMinutes(5));
            running.ticks.fireDue();
            assertThat(runsOf(running)).as("then on time again, 11:40, and nothing twice").hasSize(15);
        }
    }

    @Test
    void twoInstancesStartedWhileTheStoreWasAwayFireEachMissedTickOnceTheSecondLeavingThemToTheFirstsCatchUp() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThree();
            EngineHarness b = downtime.cutShortAfter(0, downtime.before, "instance-b");
            assertThat(firedTicks(a, "every-5-minutes")).hasSize(3);
            assertThat(downtime.log.messagesContaining("NVENT-0476")).as("a holds it in the store").hasSize(1);
            downtime.storeBack();

            EngineHarness.moveClocks(Duration.ofSeconds(220), a, b);   // 11:35:00, the store back
            b.ticks.fireDue();   // on time, on b, which owes no catch-up
            a.sweep();
            a.ticks.fireDue();
            b.sweep();

            assertThat(firedTicks(a, "every-5-minutes", "payload")).as("10:05, then each tick once across the two")
                    .containsExactlyInAnyOrderElementsOf(MISSED_THEN_ON_TIME);
            assertThat(runsOf(a)).as("10:05, the 12 missed, 11:35").hasSize(14);
        }
    }

    @Test
    void aCatchUpCutShortGoesOnAtTheSweepAfterAnotherInstanceFiredOnTimeAndSkipsWhatIsNowOlderThanTheGrace() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");
            downtime.storeBack();
            firesOnTimeAt1135On(b, a);
            EngineHarness.moveClocks(Duration.ofMinutes(17), a, b);   // 11:52:00: 10:50 is older than the grace now

            a.sweep();

            assertThat(firedTicks(a, "every-5-minutes")).as("10:50 skipped, the others once each, as its tick")
                    .isEqualTo(Stream.concat(ticks("10:35:00", "10:45:00", Duration.ofMinutes(5)).stream(),
                            ticks("10:55:00", "11:30:00", Duration.ofMinutes(5)).stream()).toList());
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).singleElement().asString()
                    .contains(": 8 of them fired late, now, each as its tick, the oldest first (2026-11-30T10:55:00Z"
                            + " to 2026-11-30T11:30:00Z); the 1 older one is older than the misfire grace now and"
                            + " skipped (misfire policy fire-all");
            a.sweep();
            assertThat(runsOf(a)).as("10:05, 3, 11:35, 8: nothing twice").hasSize(13);
        }
    }

    @Test
    void aCheckForMissedTicksCutShortBeforeItKnewThemIsDoneAgainAsOfTheStartWhenTheStoreIsBack() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            downtime.scheduling.historyReadsLeft = 1;   // the start reads the misfire settings, then the store is away
            EngineHarness a = downtime.started(EngineHarness.startingAt(at("11:31:20"), b, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));
            assertThat(downtime.log.messagesContaining("NVENT-0135")).singleElement().asString()
                    .endsWith("; misfire policy fire-all: it checks again once the store answers (NVENT-0468)");
            downtime.scheduling.historyReadsLeft = Integer.MAX_VALUE;
            assertThat(firedTicks(a, "every-5-minutes")).isEmpty();
            firesOnTimeAt1135On(b, a);

            a.sweep();
            a.sweep();

            assertThat(firedTicks(a, "every-5-minutes")).as("within the hour before 11:35, once each, as its tick")
                    .isEqualTo(THE_LAST_HOUR);
            assertThat(runsOf(a)).as("10:05, 11:35, the 12 missed").hasSize(14);
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).containsExactly("NVENT-0468 trigger"
                    + " every-5-minutes checks again for the ticks it missed while no instance ran, its check at"
                    + " start cut short (NVENT-0135), the store answering again: as of 2026-11-30T11:31:20Z"
                    + " (NVENT-0133 and NVENT-0134 say what fired)");
        }
    }

    @Test
    void aCatchUpCutShortOfATriggerDisabledMeanwhileFiresNoneOfItsTicksAndSaysSo() {
        aSweepFiresNoneOfTheNineLeftAfter(a -> {
            a.triggers.setEnabled("every-5-minutes", false);
            a.sweep();
            a.triggers.setEnabled("every-5-minutes", true);
        }, "the trigger was disabled since");
    }

    @Test
    void aMissedTickClaimedJustBeforeTheStoreWentAwayAgainFiresWhenItIsBackNotCountedAsAnotherInstances() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThreeTheStoreBack();
            downtime.scheduling.awayAfterNextClaim = true;   // 10:50 claimed here, then the store away before it fired

            a.sweep();
            downtime.scheduling.awayForReads = false;
            a.sweep();

            assertThat(firedTicks(a, "every-5-minutes")).as("each missed tick of the hour once, 10:50 too")
                    .isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).singleElement().asString()
                    .contains(": 9 of them fired late").doesNotContain("another instance");
        }
    }

    @Test
    void aCatchUpCutShortOfATriggerDisabledAndEnabledAgainBeforeTheSweepFiresNoneOfItsTicks() {
        aSweepFiresNoneOfTheNineLeftAfter(a -> {   // enabled again: the ticks before are no missed ones
            a.clock.advance(Duration.ofSeconds(10));
            a.triggers.setEnabled("every-5-minutes", false);
            a.triggers.setEnabled("every-5-minutes", true);
        }, "the trigger was disabled since");
    }

    @Test
    void aCatchUpCutShortOfATriggerSetToSkipMissedTicksMeanwhileFiresNoneOfItsTicksAndSaysSo() {
        aSweepFiresNoneOfTheNineLeftAfter(a -> a.triggers.update(a.triggers.trigger("every-5-minutes").orElseThrow()
                .spec().toBuilder().misfire(Misfire.SKIP).build()), "its misfire policy is skip since");
    }

    /**
     * Instance b running since 10:05, its timer stopped; a started at 11:31:20, its catch-up cut short after 3 of the
     * 12 missed ticks, and stopped before the store is back; then the store back, and 11:35 fired on time on b: a start
     * now finds no tick missed since its trigger's last fire.
     */
    private static EngineHarness aStoppedCutShortThenOnTimeOnB(Downtime downtime) {
        EngineHarness b = downtime.bRunningSince1005();
        EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");
        a.close();
        downtime.storeBack();
        firesOnTimeAt1135On(b, a);
        return b;
    }

    @Test
    void aCatchUpCutShortByTheStoreFinishesAtTheNextStartOfItsInstanceAfterAnotherFiredOnTimeEachTickOnce() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = aStoppedCutShortThenOnTimeOnB(downtime);

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(b.clock.instant(), b, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));

            assertThat(firedTicks(restarted, "every-5-minutes")).as("the 9 left, once each, as its tick, the oldest"
                    + " first").isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0473")).singleElement().asString()
                    .contains("trigger every-5-minutes goes on here with the catch-up of missed ticks that instance-a@")
                    .contains("the 12 ticks it owed (2026-11-30T10:35:00Z to 2026-11-30T11:30:00Z)");
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).singleElement().asString()
                    .contains(": 9 of them fired late, now, each as its tick, the oldest first (2026-11-30T10:35:00Z"
                            + " to 2026-11-30T11:30:00Z); the start that began it, or another instance, fired the other"
                            + " 3");
            assertThat(downtime.scheduling.owedCatchUps()).as("done: removed").isEmpty();
            EngineHarness.moveClocks(OwedCatchUps.HELD.plusMinutes(1), b, restarted);
            b.sweep();
            restarted.sweep();
            assertThat(runsOf(b)).as("10:05, the 12 missed, 11:35: nothing twice").hasSize(14);
        }
    }

    @Test
    void aCatchUpCutShortByTheStoreOfAStoppedInstanceIsFinishedByAnotherOnceItsHoldRanOut() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = aStoppedCutShortThenOnTimeOnB(downtime);
            b.sweep();
            assertThat(firedTicks(b, "every-5-minutes")).as("held by a, which may still go on with it").hasSize(3);

            b.clock.advance(OwedCatchUps.HELD);
            b.sweep();
            b.sweep();

            assertThat(firedTicks(b, "every-5-minutes")).as("the 9 left, once each").isEqualTo(THE_LAST_HOUR);
            assertThat(runsOf(b)).as("10:05, the 12 missed, 11:35").hasSize(14);
            assertThat(downtime.scheduling.owedCatchUps()).isEmpty();
        }
    }

    @Test
    void aMissedTickClaimedBeforeTheStoreWentAwayAgainAndItsInstanceStoppedFiresAtItsNextStart() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThreeTheStoreBack();
            downtime.scheduling.awayAfterNextClaim = true;   // 10:50 claimed by a, then the store away before it fired
            a.sweep();
            a.close();
            downtime.scheduling.awayForReads = false;

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(a.clock.instant(), a, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));

            assertThat(firedTicks(restarted, "every-5-minutes")).as("each missed tick of the hour once, 10:50 too")
                    .isEqualTo(THE_LAST_HOUR);
        }
    }

    @Test
    void aStartWhileAnotherHoldsItsCatchUpInTheStoreLeavesTheTicksToItSoThatATakeoverFiresNoneTwice() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThree();   // a holds the 12 in the store, 3 fired
            downtime.storeBack();
            downtime.scheduling.awayAfterNextClaim = true;   // the store away again after b's first claim, if it claims
            EngineHarness b = downtime.started(EngineHarness.startingAt(at("11:31:20"), downtime.before, "instance-b",
                    TriggerMisfires.DEFAULTS, downtime.sync));
            downtime.scheduling.awayAfterNextClaim = false;
            downtime.scheduling.awayForReads = false;
            a.close();

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(b.clock.instant(), b, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));
            b.sweep();
            restarted.sweep();

            assertThat(firedTicks(restarted, "every-5-minutes")).as("each missed tick of the hour once")
                    .isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0476")).singleElement().asString()
                    .contains("trigger every-5-minutes leaves the ticks it missed while no instance ran to the catch-up"
                            + " that instance-a@");
        }
    }

    @Test
    void aCatchUpLeftInTheStoreOfATriggerDisabledSinceFiresNoneAtTheNextStartAndIsRemoved() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = aStoppedCutShortThenOnTimeOnB(downtime);
            b.triggers.setEnabled("every-5-minutes", false);

            downtime.started(EngineHarness.startingAt(b.clock.instant(), b, "instance-a", TriggerMisfires.DEFAULTS,
                    downtime.sync));

            assertThat(firedTicks(b, "every-5-minutes")).as("the 3 fired before only").hasSize(3);
            assertThat(downtime.log.messagesContaining("NVENT-0469")).singleElement().asString()
                    .contains("the trigger was disabled since; the 12 missed ticks it left");
            assertThat(downtime.scheduling.owedCatchUps()).isEmpty();
        }
    }

    @Test
    void aCatchUpLeftInTheStoreOfATriggerThatExistsNoMoreIsRemovedWithALine() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            io.nvent.spi.OwedCatchUp left = new io.nvent.spi.OwedCatchUp("gone", "instance-b@0ld5tart",
                    at("10:00:00"), at("09:00:00"), at("09:00:00"), "every PT5M UTC", List.of(at("08:55:00")));
            downtime.scheduling.replaceOwedCatchUp("gone", Optional.empty(), Optional.of(left));

            b.clock.advance(OwedCatchUps.HELD);   // found at the latest a hold after b last looked
            b.sweep();

            assertThat(downtime.scheduling.owedCatchUps()).isEmpty();
            assertThat(downtime.log.messagesContaining("NVENT-0474")).containsExactly("NVENT-0474 the catch-up of"
                    + " missed ticks of trigger gone that instance-b@0ld5tart began at 2026-11-30T09:00:00Z and left in"
                    + " the store is removed: the trigger exists no more; the 1 missed ticks it owed do not fire");
        }
    }

    /**
     * Instance a, started at 11:31:20, fired the 3 oldest missed ticks, stored the run of 10:50 and was killed before
     * that tick's history entry; then the store back.
     */
    private static EngineHarness killedAfterStoringTheRunOf1050(Downtime downtime) {
        downtime.scheduling.firedEntriesLeft = 3;
        EngineHarness a = downtime.started(EngineHarness.startingAt(at("11:31:20"), downtime.before, "instance-a",
                TriggerMisfires.DEFAULTS, downtime.sync));
        a.close();
        downtime.scheduling.firedEntriesLeft = Integer.MAX_VALUE;
        downtime.storeBack();
        return a;
    }

    @Test
    void aTickWhoseRunWasStoredBeforeItsInstanceWasKilledAndItsHistoryEntryLostIsNotFiredAgainByTheTakeover() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = killedAfterStoringTheRunOf1050(downtime);
            assertThat(runsOf(a)).as("10:05, the 3 oldest, and 10:50, whose entry is lost").hasSize(5);

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(a.clock.instant(), a, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));

            assertThat(runsOf(restarted)).as("10:05 and the 12 missed ticks, 10:50 once").hasSize(13);
            assertThat(missedTicksStarted(restarted)).as("one run each").isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).singleElement().asString()
                    .contains(": 8 of them fired late").contains("fired the other 4");
        }
    }

    @FlowStep(flow = "report", name = "report", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.FIRE_ALL,
            misfireGrace = "PT1H")
    static class ReportingAllOfTheLastHour extends MissedTicksTest.Sync {
    }

    /** A run store that cannot be reached for the runs of flow {@code report} once it stored {@link #reportsLeft}. */
    static final class AwayForReports extends MemoryFlowStore {
        volatile int reportsLeft = Integer.MAX_VALUE;

        @Override
        public List<io.nvent.HistoryEvent> createRun(io.nvent.spi.RunRecord run, List<io.nvent.spi.EventDraft> events,
                                                   String idempotencyKey) {
            if (run.flow().equals("report") && reportsLeft-- <= 0) {
                throw new NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.createRun(run, events, idempotencyKey);
        }
    }

    @Test
    void aTickOfTwoFlowsWhoseInstanceWasKilledBetweenTheirStartsIsRecordedOnceAsMissedWhenTheTakeoverStartsTheOther() {
        FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        ReportingAllOfTheLastHour report = new ReportingAllOfTheLastHour();
        AwayAfterClaims scheduling = new AwayAfterClaims();
        AwayForReports runs = new AwayForReports();
        EngineHarness before = MissedTicksTest.ranUntil1005(new EngineHarness(runs, scheduling, "instance-a", sync,
                report));
        scheduling.firedEntriesLeft = 3;   // 10:50: its sync run stored, then the store away: no report, no entry
        runs.reportsLeft = 3;
        EngineHarness a = EngineHarness.startingAt(at("11:31:20"), before, "instance-a", TriggerMisfires.DEFAULTS,
                sync, report);
        a.close();
        runs.reportsLeft = Integer.MAX_VALUE;
        scheduling.firedEntriesLeft = Integer.MAX_VALUE;
        scheduling.claimsLeft = Integer.MAX_VALUE;

        try (EngineHarness restarted = EngineHarness.startingAt(a.clock.instant(), a, "instance-a",
                TriggerMisfires.DEFAULTS, sync, report)) {

            assertThat(firedTicks(restarted, "every-5-minutes")).as("each tick's fire recorded once, 10:50 too")
                    .isEqualTo(THE_LAST_HOUR);
            assertThat(restarted.triggers.history("every-5-minutes", 500)).filteredOn(entry -> entry.data()
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:50:00Z\"")).singleElement()
                    .satisfies(tenFifty -> {
                        assertThat(tenFifty.type()).isEqualTo(TriggerEvent.FIRED);
                        assertThat(tenFifty.data()).as("the report started now, the sync found started")
                                .containsPattern("\"runs\":\\[\"[^\"]+\"\\],\"replayedRuns\":\\[\"[^\"]+\"\\]");
                    });
            assertThat(runsOf(restarted)).as("10:05 and the 12 missed ticks' syncs, 10:50's once").hasSize(13);
            assertThat(restarted.triggers.history("every-5-minutes", 500)).extracting(TriggerEvent::type)
                    .doesNotContain("trigger.completed");
        }
    }

    @Test
    void aBackfillOfATickFiredLateWhoseClaimWasForgottenStartsNothingAndRecordsNoSecondFireOfIt() {
        FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        EngineHarness before = MissedTicksTest.ranUntil1005(new EngineHarness(new MemoryFlowStore(), scheduling,
                "instance-a", sync));
        try (EngineHarness a = EngineHarness.startingAt(at("11:31:20"), before, "instance-a",
                TriggerMisfires.DEFAULTS, sync)) {
            assertThat(firedTicks(a, "every-5-minutes")).isEqualTo(THE_LAST_HOUR);
            long firesBefore = a.scheduling.findTrigger("every-5-minutes").orElseThrow().fires();
            scheduling.purgeTickClaims(at("12:00:00"));   // claims kept for their time, ended runs longer

            io.nvent.BackfillResult backfilled = a.triggers.backfill(io.nvent.Backfill.of("every-5-minutes",
                    at("10:50:00"), at("10:51:00")));

            assertThat(backfilled.fired()).as("10:50's run, started late, is found by its key").isZero();
            assertThat(runsOf(a)).as("10:05 and the 12 missed ticks, each once").hasSize(13);
            assertThat(firedTicks(a, "every-5-minutes", "backfill")).as("no second fire of 10:50").isEmpty();
            assertThat(a.scheduling.findTrigger("every-5-minutes").orElseThrow().fires()).isEqualTo(firesBefore);
        }
    }

    @Test
    void aTakeoverAfterTheHistoryWasTrimmedShorterThanTheTicksFiredFiresNoneOfThemAgain() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThree();
            a.close();   // killed: the store keeps its catch-up, 3 of 12 ticks fired
            downtime.storeBack();
            downtime.scheduling.trimTriggerHistory(1);   // retention: no entry of the 3 fires is left but the newest

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(a.clock.instant(), a, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));

            assertThat(runsOf(restarted)).as("10:05 and the 12 missed ticks, each once").hasSize(13);
            assertThat(missedTicksStarted(restarted)).as("one run each").isEqualTo(THE_LAST_HOUR);
        }
    }

    @Test
    void aTickAnOperatorBackfilledWhileAKilledInstanceStillHeldItsCatchUpIsNotFiredAgainByTheTakeover() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness a = downtime.aCutShortAfterThree();
            a.close();   // killed: the store keeps its catch-up, 3 of 12 ticks fired, 9 unclaimed
            downtime.storeBack();
            EngineHarness b = downtime.bRunningSince1005();
            b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()));
            io.nvent.BackfillResult backfilled = b.triggers.backfill(io.nvent.Backfill.of("every-5-minutes",
                    at("10:35:00"), at("11:31:00")));
            assertThat(backfilled.fired()).as("the 9 no instance fired").isEqualTo(9);

            EngineHarness restarted = downtime.started(EngineHarness.startingAt(a.clock.instant(), a, "instance-a",
                    TriggerMisfires.DEFAULTS, downtime.sync));

            assertThat(runsOf(restarted)).as("10:05 and the 12 ticks of the hour, each once").hasSize(13);
        }
    }

    @Test
    void aCatchUpHeldByALiveInstanceStaysItsAndOnceItsHolderIsKilledAnotherTakesItOverLongBeforeTheHoldRunsOut() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");   // the store stays away for claims
            b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()));
            a.sweep();   // a lives: its record refreshed, its catch-up cut short again
            b.sweep();
            EngineHarness.moveClocks(Duration.ofSeconds(20), a, b);
            a.sweep();
            b.sweep();
            assertThat(downtime.scheduling.owedCatchUps()).as("a's, live").singleElement()
                    .satisfies(kept -> assertThat(kept.owner()).startsWith("instance-a@"));
            Instant heldUntil = downtime.scheduling.owedCatchUps().get(0).heldUntil();

            a.close();   // killed: no stop, no release
            downtime.storeBack();
            b.clock.advance(Instances_GONE_AFTER_AND_A_REFRESH);
            b.sweep();   // its record seen unchanged for longer than GONE_AFTER: gone
            b.sweep();

            assertThat(b.clock.instant()).as("well before a's hold ran out").isBefore(heldUntil.minusSeconds(200));
            assertThat(firedTicks(b, "every-5-minutes")).as("the 9 left, at once, once each")
                    .isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.scheduling.owedCatchUps()).isEmpty();
        }
    }

    @Test
    void aCatchUpHeldByALiveInstanceWhoseClockIsAMinuteBehindIsNotTakenOverByAnotherThatReadsItsRecordForTheFirstTime() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");   // the store stays away for claims
            a.sweep();   // a lives: its record refreshed, its catch-up cut short again
            b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()).plusMinutes(1));

            for (int i = 0; i < 3; i++) {   // a and b sweep, each every 10 s by its clock
                b.sweep();
                EngineHarness.moveClocks(io.nvent.Instances.REFRESH, a, b);
                a.sweep();
            }

            assertThat(downtime.scheduling.owedCatchUps()).as("a's, live all along").singleElement()
                    .satisfies(kept -> assertThat(kept.owner()).startsWith("instance-a@"));
        }
    }

    @Test
    void aHolderBusyWithACatchUpLongerThanAnInstanceRecordShowsLiveIsNotTakenOverByAnotherThatSweepsMeanwhile() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");   // the store stays away for claims
            b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()));
            a.sweep();   // a lives: its record refreshed, its catch-up cut short again
            b.sweep();
            downtime.storeBack();
            downtime.scheduling.onEachClaim = () -> {   // each tick's fire takes 10 s; b sweeps every 5 s meanwhile
                for (int i = 0; i < 2; i++) {
                    EngineHarness.moveClocks(Duration.ofSeconds(5), a, b);
                    b.sweep();
                }
            };

            a.sweep();   // goes on with the 9 ticks left: 90 s, three times as long as a record shows live unchanged

            assertThat(firedTicks(a, "every-5-minutes")).as("the 12, once each").isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0473")).as("b took nothing over").isEmpty();
            assertThat(downtime.log.messagesContaining("NVENT-0475")).as("a left nothing to b").isEmpty();
            assertThat(downtime.log.messagesContaining("NVENT-0468 trigger")).singleElement().asString()
                    .contains(": 9 of them fired late");
            assertThat(downtime.scheduling.owedCatchUps()).isEmpty();
        }
    }

    @Test
    void aHolderBusyWithACatchUpLongerThanItsHoldRenewsItAndIsNotTakenOver() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            EngineHarness a = downtime.cutShortAfter(3, b, "instance-a");   // the store stays away for claims
            b.clock.advance(Duration.between(b.clock.instant(), a.clock.instant()));
            a.sweep();
            downtime.storeBack();
            List<Instant> holds = new ArrayList<>();
            downtime.scheduling.onEachClaim = () -> {   // each tick's fire takes a minute
                EngineHarness.moveClocks(Duration.ofMinutes(1), a, b);
                downtime.scheduling.owedCatchUps().forEach(kept -> holds.add(kept.heldUntil()));
                b.sweep();
            };

            a.sweep();   // 9 minutes, almost twice its hold

            assertThat(firedTicks(a, "every-5-minutes")).as("the 12, once each").isEqualTo(THE_LAST_HOUR);
            assertThat(downtime.log.messagesContaining("NVENT-0473")).as("b took nothing over").isEmpty();
            assertThat(holds.stream().distinct().count()).as("renewed every 2.5 minutes, not at each tick")
                    .isBetween(3L, 5L);
        }
    }

    /** Longer than an instance record shows live unchanged, and one refresh of the records more. */
    private static final Duration Instances_GONE_AFTER_AND_A_REFRESH =
            io.nvent.Instances.GONE_AFTER.plus(io.nvent.Instances.REFRESH).plusSeconds(1);

    @Test
    void aSweepReadsTheCatchUpsKeptOnlyWhenOneCanBeOwedAndFindsOneLeftByAnotherInstanceWithinAHold() {
        try (Downtime downtime = new Downtime()) {
            EngineHarness b = downtime.bRunningSince1005();
            b.clock.advance(io.nvent.Instances.REFRESH);
            b.sweep();   // the record of the start before, gone, read a second time: ended, its catch-ups looked for
            b.sweep();
            int atStart = downtime.scheduling.owedReads.get();
            for (int i = 0; i < 20; i++) {
                b.clock.advance(Duration.ofSeconds(10));
                b.sweep();
            }
            assertThat(downtime.scheduling.owedReads.get()).as("none owed, none read in 200 s").isEqualTo(atStart);

            io.nvent.spi.OwedCatchUp left = new io.nvent.spi.OwedCatchUp("gone", "instance-c@d1ed0000",
                    at("10:00:00"), at("09:00:00"), at("09:00:00"), "every PT5M UTC", List.of(at("08:55:00")));
            downtime.scheduling.replaceOwedCatchUp("gone", Optional.empty(), Optional.of(left));
            b.clock.advance(OwedCatchUps.HELD.minusSeconds(200));
            b.sweep();

            assertThat(downtime.scheduling.owedCatchUps()).as("found a hold after b last looked").isEmpty();
        }
    }

    @Test
    void aStartWarnsOfAFireAllScheduleThatMayFireMoreTicksThanItsHistoryKeepsEntriesNamingTheSettingAndTheBound() {
        FiringAllOfTheLastHour sync = new FiringAllOfTheLastHour();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness tenEntries = EngineHarness.startingAt(at("11:31:20"), new EngineHarness(sync), "instance-a",
                     TriggerMisfires.DEFAULTS, TriggerHistoryLimits.DEFAULTS.withMaxEntries(10), sync)) {

            assertThat(log.messagesContaining("NVENT-0477")).singleElement().asString()
                    .startsWith("NVENT-0477 trigger every-5-minutes may fire 12 missed ticks at a start (misfire policy"
                            + " fire-all, from the trigger; misfire grace PT1H, from the trigger), but its history keeps"
                            + " the newest 10 entries (nvent.triggers.history.max-entries)")
                    .endsWith("set nvent.triggers.history.max-entries to at least 24, or give the trigger a shorter"
                            + " misfireGrace");
        }
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness thirteen = EngineHarness.startingAt(at("11:31:20"), new EngineHarness(sync), "instance-a",
                     TriggerMisfires.DEFAULTS, TriggerHistoryLimits.DEFAULTS.withMaxEntries(13), sync)) {

            assertThat(log.messagesContaining("NVENT-0477")).as("more than it fires at most").isEmpty();
        }
    }

    @Test
    void theWarningCountsTheTicksSkippedBeyondTheMostApartFromThoseOlderThanTheGrace() {
        EveryMinute sync = new EveryMinute();
        TriggerMisfires fireAllWithin110Minutes = TriggerMisfires.of("fire-all", Duration.ofMinutes(110));
        EngineHarness before = EngineHarness.withMisfires(fireAllWithin110Minutes, sync);
        before.close();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(at("12:00:30"), before, "instance-a",
                     fireAllWithin110Minutes, sync)) {

            assertThat(firedTicks(after, "every-minute")).isEqualTo(ticks("10:21:00", "12:00:00", Duration.ofMinutes(1)));
            assertThat(log.messagesContaining("NVENT-0558")).singleElement().asString()
                    .contains("and 119 earlier ones while no instance ran: 100 of them fired late")
                    .contains("; the 10 older ones are skipped: misfire policy fire-all fires at most the latest 100"
                            + " missed ticks of a schedule at a start; the 10 before them are older than the misfire"
                            + " grace and skipped (misfire policy fire-all");
        }
    }
}

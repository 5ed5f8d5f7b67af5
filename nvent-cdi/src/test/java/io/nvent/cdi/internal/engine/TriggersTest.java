package io.nvent.cdi.internal.engine;

import io.nvent.FlowNotFoundException;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.InvalidPayloadException;
import io.nvent.InvalidTriggerException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerDisabledException;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import io.nvent.spi.TriggerRecord;
import io.nvent.testkit.LogRecorder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

class TriggersTest {

    @FlowStep(flow = "report", name = "generate", role = StepRole.ENTRY, emits = "report.ready")
    @Trigger(name = "hourly", type = TriggerType.SCHEDULE, cron = "0 * * * *")
    @Trigger(name = "on-demand", type = TriggerType.MANUAL)
    @Trigger(name = "on-order", type = TriggerType.EVENT, event = "order.placed")
    static class Generate implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("report.ready", input);
            return null;
        }
    }

    @FlowStep(flow = "archive", name = "store", role = StepRole.ENTRY)
    static class Store implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static List<String> runsOf(EngineHarness h, String flow) {
        return h.engine.runs(RunQuery.ofFlow(flow)).stream().map(r -> r.runId()).toList();
    }

    @Test
    void declaredTriggersAreStoredAndScheduleTriggersArmed() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThat(h.triggers.triggers()).extracting(TriggerInfo::name)
                    .containsExactly("hourly", "on-demand", "on-order");
            assertThat(h.ticks.armed).containsOnlyKeys("hourly");
            assertThat(h.triggers.trigger("hourly").orElseThrow().nextFireAt())
                    .hasValue(Instant.parse("2026-11-30T11:00:00Z"));
            assertThat(h.triggers.trigger("hourly").orElseThrow().declared()).isTrue();
        }
    }

    @Test
    void aScheduleTickFiresOnceEvenWhenTwoInstancesReceiveIt() {
        try (EngineHarness a = new EngineHarness(new Generate(), new Store());
             EngineHarness b = new EngineHarness(a.store, a.scheduling, "instance-b", new Generate(), new Store())) {
            Instant tick = Instant.parse("2026-11-30T11:00:00Z");

            a.triggers.onTick("hourly", tick);
            b.triggers.onTick("hourly", tick);

            assertThat(runsOf(a, "report")).hasSize(1);
            b.triggers.onTick("hourly", tick.plusSeconds(3600));
            assertThat(runsOf(a, "report")).hasSize(2);
            TriggerInfo info = a.triggers.trigger("hourly").orElseThrow();
            assertThat(info.fires()).isEqualTo(2);
            assertThat(info.runsStarted()).isEqualTo(2);
            assertThat(info.lastFiredAt()).isPresent();
            String runId = runsOf(a, "report").get(0);
            a.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(a.history(runId).get(0).data()).contains("\"trigger\":\"hourly\"", "scheduledAt");
        }
    }

    /** A scheduling store that cannot be reached while {@link #away} is set, for claiming ticks. */
    static final class StoreAwayForTicks extends MemorySchedulingStore {
        volatile boolean away;

        @Override
        public boolean claimTick(String trigger, Instant scheduledAt) {
            if (away) {
                throw new io.nvent.NventException("NVENT-0325 the store cannot be reached (test)");
            }
            return super.claimTick(trigger, scheduledAt);
        }
    }



    @Test
    void ticksThatFailWhileTheStoreIsAwayAreMissedAndLoggedOnceUntilATickFiresAgain() {
        StoreAwayForTicks scheduling = new StoreAwayForTicks();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling,
                "instance-a", new Generate(), new Store())) {
            Instant tick = Instant.parse("2026-11-30T11:00:00Z");
            scheduling.away = true;

            h.triggers.onTick("hourly", tick);
            h.triggers.onTick("hourly", tick.plusSeconds(3600));
            scheduling.away = false;
            h.triggers.onTick("hourly", tick.plusSeconds(7200));

            assertThat(runsOf(h, "report")).hasSize(1);
            assertThat(log.messagesContaining("hourly"))
                    .satisfiesExactly(missed -> assertThat(missed).startsWith("NVENT-0161 tick 2026-11-30T11:00:00Z of"
                            + " trigger hourly is missed"), again -> assertThat(again).startsWith("NVENT-0162"));
        }
    }

    @Test
    void aManualFireStartsTheFlowWithThePayloadAndIsRecordedInTheHistory() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            List<String> runs = h.triggers.fire("on-demand", "{\"region\":\"EU\"}");

            assertThat(runs).hasSize(1);
            h.awaitStatus(runs.get(0), RunStatus.COMPLETED);
            assertThat(h.history(runs.get(0)).get(0).data()).contains("\"region\":\"EU\"");
            assertThat(h.triggers.history("on-demand", 10)).extracting(e -> e.type())
                    .containsExactly("trigger.fired", "trigger.registered");
        }
    }

    @Test
    void aFireSentAgainWithItsIdempotencyKeyReturnsTheFirstFiresRunsAndCountsAsNoFire() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            StartOptions delivery = StartOptions.idempotent("delivery-42");
            List<StartedRun> first = h.triggers.fire("on-demand", "{\"region\":\"EU\"}", delivery);
            List<StartedRun> again = h.triggers.fire("on-demand", "{ \"region\": \"EU\" }", delivery);
            List<StartedRun> other = h.triggers.fire("on-demand", "{\"region\":\"EU\"}",
                    StartOptions.idempotent("delivery-43"));

            assertThat(first).singleElement().satisfies(run -> assertThat(run.created()).isTrue());
            assertThat(again).containsExactly(new StartedRun(first.get(0).runId(), false));
            assertThat(other).singleElement().satisfies(run -> assertThat(run.runId()).isNotEqualTo(first.get(0).runId()));
            assertThat(h.triggers.trigger("on-demand").orElseThrow().fires()).isEqualTo(2);
            assertThat(h.triggers.history("on-demand", 10)).extracting(e -> e.type())
                    .containsExactly("trigger.fired", "trigger.fired", "trigger.registered");
            assertThat(h.history(first.get(0).runId()).get(0).data())
                    .contains("\"trigger\":\"on-demand\"", "\"idempotencyKey\":\"delivery-42\"");
            assertThatThrownBy(() -> h.triggers.fire("on-demand", "{\"region\":\"US\"}", delivery))
                    .isInstanceOf(IdempotencyKeyConflictException.class).hasMessageContaining("delivery-42");
            assertThat(h.triggers.history("on-demand", 10)).as("a reused key is the caller's mistake, no fire")
                    .hasSize(3);
            assertThat(h.triggers.trigger("on-demand").orElseThrow().lastError()).isEmpty();
        }
    }

    /**
     * Review: a webhook sender's delivery sent again, its payload holding a number no BigDecimal holds, is the same
     * delivery (spaced otherwise) or a key reused with another payload, not a failed fire of NumberFormatException.
     */
    @Test
    void aDeliverySentAgainWhosePayloadHoldsANumberNoBigDecimalHoldsReturnsTheFirstFiresRun() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            StartOptions delivery = StartOptions.idempotent("delivery-huge");
            List<StartedRun> first = h.triggers.fire("on-demand", "{\"amount\":1e999999999999}", delivery);

            List<StartedRun> again = h.triggers.fire("on-demand", "{ \"amount\" : 1e999999999999 }", delivery);

            assertThat(again).containsExactly(new StartedRun(first.get(0).runId(), false));
            assertThatThrownBy(() -> h.triggers.fire("on-demand", "{\"amount\":1e999999999998}", delivery))
                    .isInstanceOf(IdempotencyKeyConflictException.class).hasMessageContaining("delivery-huge");
            assertThat(h.triggers.trigger("on-demand").orElseThrow().fires()).isEqualTo(1);
            assertThat(h.triggers.trigger("on-demand").orElseThrow().lastError()).isEmpty();
        }
    }

    @Test
    void aTriggersHistoryKeepsItsNewestEntriesOnceTheSweepHasRun() {
        try (EngineHarness h = EngineHarness.withTriggerHistory(TriggerHistoryLimits.DEFAULTS.withMaxEntries(3),
                new MemoryFlowStore(), new Generate(), new Store())) {
            for (int i = 1; i <= 5; i++) {
                h.triggers.fire("on-demand", "{\"i\":" + i + "}");
            }
            assertThat(h.triggers.history("on-demand", 10)).hasSize(6);

            h.sweep();

            assertThat(h.triggers.history("on-demand", 10)).extracting(TriggerEvent::seq).containsExactly(6L, 5L, 4L);
            assertThat(h.triggers.history("on-demand", 10).get(0).data()).contains("\"i\":5");
            assertThat(h.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.registered");
        }
    }

    @Test
    void aTriggersHistoryIsListedByEntryTypeAPageAtATime() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            for (int i = 1; i <= 3; i++) {
                h.triggers.fire("on-demand", "{\"i\":" + i + "}");
            }
            h.triggers.setEnabled("on-demand", false);

            List<TriggerEvent> newestFires = h.triggers.history("on-demand", Set.of(TriggerEvent.FIRED),
                    OptionalLong.empty(), 2);
            List<TriggerEvent> olderFires = h.triggers.history("on-demand", Set.of(TriggerEvent.FIRED),
                    OptionalLong.of(newestFires.get(1).seq()), 2);

            assertThat(newestFires).extracting(TriggerEvent::data).map(data -> data.replaceAll(".*\"i\":(\\d).*", "$1"))
                    .containsExactly("3", "2");
            assertThat(olderFires).extracting(TriggerEvent::type).containsExactly(TriggerEvent.FIRED);
            assertThat(olderFires.get(0).data()).contains("\"i\":1");
            assertThat(h.triggers.history("on-demand", Set.of(TriggerEvent.DISABLED, TriggerEvent.REGISTERED),
                    OptionalLong.empty(), 10)).extracting(TriggerEvent::type)
                    .containsExactly(TriggerEvent.DISABLED, TriggerEvent.REGISTERED);
        }
    }

    @Test
    void aHistoryOfAnUnknownEntryTypeIsRefusedNamingTheTypes() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.history("on-demand", Set.of(TriggerEvent.FIRED, "trigger.fird"),
                    OptionalLong.empty(), 10))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0497 'trigger.fird' is no trigger history entry type")
                    .hasMessageContaining("trigger.fired, trigger.misfire-settings");
            assertThatThrownBy(() -> h.triggers.history("no-such", Set.of(), OptionalLong.empty(), 10))
                    .isInstanceOf(TriggerNotFoundException.class);
        }
    }

    @Test
    void aLargePayloadIsRecordedByItsSizeAndStartWhileTheRunItStartedHoldsItWhole() {
        String pad = "x".repeat(400);
        try (EngineHarness h = EngineHarness.withTriggerHistory(TriggerHistoryLimits.DEFAULTS.withMaxPayloadBytes(100),
                new MemoryFlowStore(), new Generate(), new Store())) {
            String runId = h.triggers.fire("on-demand", "{\"region\":\"EU\",\"pad\":\"" + pad + "\"}").get(0);

            String fired = h.triggers.history("on-demand", 1).get(0).data();
            assertThat(fired).doesNotContain("\"payload\":").contains("\"payloadOmitted\":{\"bytes\":424",
                    "\"start\":\"{\\\"region\\\":\\\"EU\\\"", runId);
            assertThat(fired.length()).isLessThan(424);
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.history(runId).get(0).data()).contains(pad);

            List<String> small = h.triggers.fire("on-demand", "{\"region\":\"US\"}");
            assertThat(h.triggers.history("on-demand", 1).get(0).data()).contains("\"payload\":{\"region\":\"US\"}",
                    small.get(0));
        }
    }

    /** A store that cannot create runs: a trigger's flows do not start. */
    static final class StoreRefusingRuns extends MemoryFlowStore {
        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            throw new IllegalStateException("database away");
        }
    }

    @Test
    void aFireThatCouldNotStartItsFlowFailsForItsCallerAndKeepsALargePayloadWholeInItsHistory() {
        String pad = "x".repeat(400);
        try (EngineHarness h = EngineHarness.withTriggerHistory(TriggerHistoryLimits.DEFAULTS.withMaxPayloadBytes(100),
                new StoreRefusingRuns(), new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.fire("on-demand", "{\"pad\":\"" + pad + "\"}"))
                    .as("the caller must not believe it started something").hasMessageContaining("database away");

            TriggerEvent failed = h.triggers.history("on-demand", 1).get(0);
            assertThat(failed.type()).isEqualTo("trigger.failed");
            assertThat(failed.data()).contains("\"payload\":{\"pad\":\"" + pad + "\"}", "database away");
        }
    }

    @Test
    void aFireWhosePayloadNoFlowCanTakeIsRefusedAndTheRefusalIsInTheHistory() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.fire("on-demand", "[1]")).isInstanceOf(InvalidPayloadException.class)
                    .hasMessageContaining("trigger 'on-demand' started no run: report: ");

            TriggerEvent failed = h.triggers.history("on-demand", 1).get(0);
            assertThat(failed.type()).isEqualTo("trigger.failed");
            assertThat(failed.data()).contains("\"payload\":[1]");
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    /** A scheduling store whose trigger history writes fail once the test says so. */
    static final class HistoryRefusingStore extends MemorySchedulingStore {
        volatile boolean refuse;

        @Override
        public TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
            if (refuse) {
                throw new IllegalArgumentException("trigger.fired entry of trigger '" + name + "' is too large");
            }
            return super.appendTriggerEvent(name, type, at, data);
        }
    }

    @Test
    void aFireWhoseHistoryEntryCannotBeStoredStillAnswersWithTheRunsItStarted() {
        HistoryRefusingStore scheduling = new HistoryRefusingStore();
        try (EngineHarness h = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            scheduling.refuse = true;

            List<String> runs = h.triggers.fire("on-demand", "{\"region\":\"EU\"}");

            assertThat(runs).hasSize(1);
            h.awaitStatus(runs.get(0), RunStatus.COMPLETED);
            assertThat(h.triggers.trigger("on-demand").orElseThrow().fires()).isEqualTo(1);
        }
    }

    @Test
    void theClaimsOfTicksOlderThanADayAreForgottenBySweep() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            Instant tick = Instant.parse("2026-11-30T11:00:00Z");
            h.triggers.onTick("hourly", tick);
            h.clock.advance(Duration.ofHours(20));
            h.sweep();
            assertThat(h.scheduling.claimTick("hourly", tick)).as("claimed within the day").isFalse();

            h.clock.advance(Duration.ofHours(6));
            h.sweep();

            assertThat(h.scheduling.claimTick("hourly", tick)).as("claimed more than a day ago").isTrue();
        }
    }

    @FlowStep(flow = "audit", name = "check", role = StepRole.ENTRY)
    @Trigger(name = "audit-now", type = TriggerType.MANUAL)
    static class Check implements Step<Object, Void> {
        final Map<String, Optional<String>> startedBy = new ConcurrentHashMap<>();

        @Override
        public Void execute(Object input, StepContext ctx) {
            startedBy.put(ctx.runId(), ctx.startedByTrigger());
            return null;
        }
    }

    @Test
    void aStepKnowsWhichTriggerStartedItsRunIfAny() {
        Check check = new Check();
        try (EngineHarness h = new EngineHarness(check)) {
            String fired = h.triggers.fire("audit-now", "{}").get(0);
            String direct = h.engine.start("audit", null);
            h.awaitStatus(fired, RunStatus.COMPLETED);
            h.awaitStatus(direct, RunStatus.COMPLETED);

            assertThat(check.startedBy.get(fired)).contains("audit-now");
            assertThat(check.startedBy.get(direct)).isEmpty();
        }
    }

    @Test
    void disabledTriggersDoNotFire() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            h.triggers.setEnabled("on-demand", false);
            h.triggers.setEnabled("hourly", false);

            assertThatThrownBy(() -> h.triggers.fire("on-demand", "{}"))
                    .isInstanceOf(TriggerDisabledException.class).hasMessageContaining("on-demand");
            h.triggers.onTick("hourly", Instant.parse("2026-11-30T11:00:00Z"));
            assertThat(h.ticks.armed).doesNotContainKey("hourly");
            assertThat(runsOf(h, "report")).isEmpty();
        }
    }

    @Test
    void eventTriggersStartFlowsForPublishedAndEmittedEvents() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            h.triggers.create(TriggerSpec.newBuilder("archive-reports", TriggerType.EVENT).event("report.ready")
                    .flow("archive").build());

            assertThat(h.engine.publishEvent("order.placed", Map.of("id", 1)).startedRuns()).hasSize(1);

            await().until(() -> runsOf(h, "archive").size() == 1);
            h.awaitStatus(runsOf(h, "archive").get(0), RunStatus.COMPLETED);
            assertThatThrownBy(() -> h.engine.publishEvent(" ", Map.of())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NVENT-0155 an event needs a name; this one is blank");
        }
    }

    @Test
    void invalidTriggersAreRejectedWithTheReason() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("bad", TriggerType.SCHEDULE)
                    .cron("99 * * * *").flow("report").build()))
                    .isInstanceOf(InvalidTriggerException.class).hasMessageContaining("'99 * * * *'");
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("ghost", TriggerType.MANUAL)
                    .flow("no-such-flow").build())).hasMessageContaining("no-such-flow");
            for (String lostInUrls : List.of(".", "..")) {
                assertThatThrownBy(() -> TriggerSpec.newBuilder(lostInUrls, TriggerType.MANUAL).flow("report").build())
                        .as(lostInUrls).hasMessageContaining("not dots only");
            }
            assertThat(TriggerSpec.isValidName("v1.2")).isTrue();
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("manual-with-cron", TriggerType.MANUAL)
                    .cron("* * * * *").flow("report").build())).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("trigger 'manual-with-cron': a cron expression ('* * * * *') belongs to schedule "
                            + "triggers only; this one is a manual trigger");
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("hook-with-event", TriggerType.WEBHOOK)
                    .event("order.placed").flow("report").build()))
                    .hasMessageContaining("an event name ('order.placed') belongs to event triggers only");
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("hourly", TriggerType.MANUAL)
                    .flow("report").build())).hasMessageContaining("exists already");
        }
    }

    @Test
    void triggersThatCouldNotWorkAsMeantAreRefusedByTheServiceAsByRest() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("twice", TriggerType.MANUAL)
                    .flows(List.of("report", "report")).build())).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("NVENT-0210 trigger 'twice' names flow 'report' twice");
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("never", TriggerType.SCHEDULE)
                    .cron("0 0 30 2 *").flow("report").build())).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("cron '0 0 30 2 *'", "never fires");
            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("cron-preview", TriggerType.MANUAL)
                    .flow("report").build())).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("the name 'cron-preview' is reserved");
            assertThat(h.triggers.trigger("twice")).isEmpty();
            assertThat(h.triggers.trigger("never")).isEmpty();

            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("report").build();
            h.triggers.create(nightly);
            assertThatThrownBy(() -> h.triggers.update(nightly.toBuilder().cron("0 0 31 4 *").build()))
                    .isInstanceOf(InvalidTriggerException.class).hasMessageContaining("never fires");
            assertThatThrownBy(() -> h.triggers.update(nightly.toBuilder().flows(List.of("report", "archive",
                    "report")).build())).isInstanceOf(InvalidTriggerException.class).hasMessageContaining("twice");
            assertThat(h.triggers.trigger("nightly").orElseThrow().spec()).isEqualTo(nightly);
            assertThatThrownBy(() -> h.triggers.delete("hourly"))
                    .hasMessageContaining("disable the trigger instead of deleting it");
            assertThatThrownBy(() -> h.triggers.nextTicks(" 0 0 30 2 * ", ZoneId.of("UTC"), h.clock.instant(), 5))
                    .as("a preview, by the rule of create").isInstanceOf(InvalidTriggerException.class)
                    .hasMessage("NVENT-0210 cron '0 0 30 2 *' (" + h.triggers.describe("0 0 30 2 *") + ") never fires:"
                            + " no date matches it");
        }
    }

    @Test
    void aScheduleTheTimerServiceRefusesIsRefusedBeforeAnythingIsStored() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            h.ticks.refused.add("7 * * * *");
            TriggerSpec odd = TriggerSpec.newBuilder("odd", TriggerType.SCHEDULE).cron("7 * * * *").flow("archive").build();

            assertThatThrownBy(() -> h.triggers.create(odd)).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("NVENT-0153 schedule trigger 'odd' (cron '7 * * * *', zone UTC) cannot be"
                            + " armed on the server's timer service: Invalid minute value");
            assertThat(h.triggers.trigger("odd")).isEmpty();

            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *").flow("archive")
                    .build());
            assertThatThrownBy(() -> h.triggers.update(h.triggers.trigger("nightly").orElseThrow().spec().toBuilder()
                    .cron("7 * * * *").build())).isInstanceOf(InvalidTriggerException.class);
            assertThat(h.triggers.trigger("nightly").orElseThrow().spec().cron()).hasValue("0 2 * * *");
            assertThat(h.ticks.armed.get("nightly").expression()).as("the stored schedule is armed again")
                    .isEqualTo("0 2 * * *");
        }
    }

    @Test
    void aStoredScheduleTheTimerServiceRefusesKeepsNoOtherTriggerFromWorking() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            h.ticks.refused.add("7 * * * *");
            // stored by an instance whose timer service took it, or by an older version
            h.scheduling.saveTrigger(new TriggerRecord(TriggerSpec.newBuilder("legacy", TriggerType.SCHEDULE)
                    .cron("7 * * * *").flow("archive").build(), false, h.clock.instant(), 0, 0, Optional.empty(),
                    Optional.empty()));

            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *").flow("archive")
                    .build());
            h.triggers.create(TriggerSpec.newBuilder("on-low-stock", TriggerType.EVENT).event("stock.low").flow("archive")
                    .build());
            h.triggers.refresh();

            assertThat(h.ticks.armed).containsKey("nightly").doesNotContainKey("legacy");
            assertThat(h.triggers.listensTo("stock.low")).isTrue();
        }
    }

    @Test
    void runtimeScheduleTriggersAreArmedAndReArmedOnUpdate() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .timezone(ZoneId.of("Europe/Berlin")).flow("archive").build());
            assertThat(h.ticks.armed.get("nightly").expression()).isEqualTo("0 2 * * *");

            h.triggers.update(h.triggers.trigger("nightly").orElseThrow().spec().toBuilder().cron("30 3 * * *").build());
            assertThat(h.ticks.armed.get("nightly").expression()).isEqualTo("30 3 * * *");
            assertThat(h.triggers.nextTicks("30 3 * * *", ZoneId.of("UTC"), Instant.parse("2026-11-30T10:00:00Z"), 2))
                    .containsExactly(Instant.parse("2026-12-01T03:30:00Z"), Instant.parse("2026-12-02T03:30:00Z"));

            h.triggers.delete("nightly");
            assertThat(h.ticks.armed).doesNotContainKey("nightly");
        }
    }

    @Test
    void createOrUpdateCreatesATriggerThenGivesItANewDefinitionAndLeavesAnUnchangedOneAsItIs() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();
            h.triggers.createOrUpdate(nightly);
            h.triggers.createOrUpdate(nightly); // the application's next start, with the same settings

            assertThat(h.ticks.armed.get("nightly").expression()).isEqualTo("0 2 * * *");
            assertThat(h.triggers.history("nightly", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.registered");

            TriggerInfo changed = h.triggers.createOrUpdate(nightly.toBuilder().cron("30 3 * * *").build());

            assertThat(changed.spec().cron()).hasValue("30 3 * * *");
            assertThat(h.ticks.armed.get("nightly").expression()).isEqualTo("30 3 * * *");
            assertThat(h.triggers.history("nightly", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.updated", "trigger.registered");
        }
    }

    @Test
    void createOrUpdateKeepsATriggerAnOperatorDisabledDisabled() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();
            h.triggers.createOrUpdate(nightly);
            h.triggers.setEnabled("nightly", false);

            TriggerInfo kept = h.triggers.createOrUpdate(nightly.toBuilder().cron("30 3 * * *").build());

            assertThat(kept.spec().enabled()).isFalse();
            assertThat(kept.spec().cron()).hasValue("30 3 * * *");
            assertThat(h.ticks.armed).doesNotContainKey("nightly");
        }
    }

    @Test
    void createOrUpdateOfATriggerAnotherInstanceCreatesJustBeforeUpdatesIt() {
        try (EngineHarness a = new EngineHarness(new Generate(), new Store());
             EngineHarness b = new EngineHarness(a.store, a.scheduling, "instance-b", new Generate(), new Store())) {
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();
            TriggerService bCreatingRightAfterA = creatingFirstThrough(b.triggers, a.triggers);

            TriggerInfo stored = bCreatingRightAfterA.createOrUpdate(nightly.toBuilder().cron("30 3 * * *").build());

            assertThat(stored.spec().cron()).hasValue("30 3 * * *");
            assertThat(a.triggers.trigger("nightly").orElseThrow().spec().cron()).hasValue("30 3 * * *");
        }
    }

    @Test
    void createOrUpdateOfAnInvalidDefinitionIsRefusedWithTheReasonAndStoresNothing() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            assertThatThrownBy(() -> h.triggers.createOrUpdate(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE)
                    .cron("0 2 * * *").flow("no-such-flow").build()))
                    .isInstanceOf(InvalidTriggerException.class).hasMessageContaining("no-such-flow");
            assertThat(h.triggers.trigger("nightly")).isEmpty();
        }
    }

    /**
     * A scheduling store on which another caller changes a trigger just before this instance's next
     * write of one ({@link #between}): what an operator's click on another instance does at that moment.
     */
    static final class ChangedBeforeTheWrite extends MemorySchedulingStore {
        private final AtomicReference<Runnable> between = new AtomicReference<>();

        /** Runs {@code change} before the next trigger write, once. */
        void between(Runnable change) {
            between.set(change);
        }

        private void changeNow() {
            Runnable change = between.getAndSet(null);
            if (change != null) {
                change.run();
            }
        }

        @Override
        public void saveTrigger(TriggerRecord trigger) {
            changeNow();
            super.saveTrigger(trigger);
        }

        @Override
        public boolean replaceTriggerSpec(TriggerSpec expected, TriggerSpec replacement) {
            changeNow();
            return super.replaceTriggerSpec(expected, replacement);
        }

        @Override
        public boolean replaceTrigger(TriggerRecord expected, TriggerSpec replacement, boolean declared) {
            changeNow();
            return super.replaceTrigger(expected, replacement, declared);
        }
    }

    @Test
    void createOrUpdateKeepsADisableAnOperatorStoredBetweenItsReadAndItsWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        try (EngineHarness a = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate());
             EngineHarness operator = instanceOf(a.store, scheduling, "instance-b", new Generate())) {
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();
            a.triggers.createOrUpdate(nightly);
            scheduling.between(() -> operator.triggers.setEnabled("nightly", false));

            TriggerInfo stored = a.triggers.createOrUpdate(nightly.toBuilder().cron("30 3 * * *").build());

            assertThat(stored.spec().enabled()).isFalse();
            assertThat(stored.spec().cron()).hasValue("30 3 * * *");
            assertThat(a.triggers.trigger("nightly").orElseThrow().spec()).isEqualTo(stored.spec());
            assertThat(a.ticks.armed).doesNotContainKey("nightly");
            assertThat(a.triggers.history("nightly", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.updated", "trigger.disabled", "trigger.registered");
        }
    }

    @Test
    void anUpdateKeepsTheFiresCountedAndAnOperatorDisableKeepsTheChangeStoredBetweenTheirReadAndWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        try (EngineHarness a = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate());
             EngineHarness b = instanceOf(a.store, scheduling, "instance-b", new Generate())) {
            TriggerSpec manual = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("archive").build();
            a.triggers.create(manual);
            scheduling.between(() -> b.triggers.fire("by-hand", "{}"));

            a.triggers.update(manual.toBuilder().description("archives on request").build());

            assertThat(a.triggers.trigger("by-hand").orElseThrow().fires()).isEqualTo(1);

            scheduling.between(() -> b.triggers.update(manual.toBuilder().flows(List.of("archive", "report")).build()));
            a.triggers.setEnabled("by-hand", false);

            TriggerSpec stored = a.triggers.trigger("by-hand").orElseThrow().spec();
            assertThat(stored.flows()).containsExactly("archive", "report");
            assertThat(stored.enabled()).isFalse();
        }
    }

    @Test
    void createOrUpdateOfATriggerTheCodeDeclaresIsRefusedAndChangesNothing() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            TriggerInfo declared = h.triggers.trigger("hourly").orElseThrow();

            assertThatThrownBy(() -> h.triggers.createOrUpdate(TriggerSpec.newBuilder("hourly", TriggerType.SCHEDULE)
                    .cron("0 */2 * * *").flow("report").build()))
                    .isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("trigger 'hourly' is declared with @Trigger in the code")
                    .hasMessageContaining("change the @Trigger");
            assertThat(h.triggers.trigger("hourly").orElseThrow().spec()).isEqualTo(declared.spec());
            assertThat(h.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.registered");
        }
    }

    @Test
    void anInstanceThatRunsNoSchedulesArmsNoneItCreatesOrChangesAndTheOnesThatRunThemFollowTheChanges() {
        try (EngineHarness running = new EngineHarness(new Generate(), new Store());
             EngineHarness engineDisabled = new EngineHarness(running.store, running.scheduling, "instance-b",
                     new Generate(), new Store())) {
            // As one whose engine is disabled (nvent.engine.enabled=false), which never starts its triggers.
            engineDisabled.triggers.stop();
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();

            engineDisabled.triggers.createOrUpdate(nightly);
            engineDisabled.triggers.createOrUpdate(nightly.toBuilder().cron("30 3 * * *").build());
            engineDisabled.triggers.setEnabled("hourly", true);

            assertThat(engineDisabled.ticks.armed).isEmpty();
            running.triggers.refresh();
            assertThat(running.ticks.armed.get("nightly").expression()).isEqualTo("30 3 * * *");
        }
    }

    /** {@code service}, whose every create comes right after {@code other} created the same trigger. */
    private static TriggerService creatingFirstThrough(TriggerService service, TriggerService other) {
        return throughDefaults(service, other::create);
    }

    /**
     * {@code service} with the interface's default methods (those of a 0.1 implementation), each
     * create coming right after {@code beforeCreate} ran with its definition.
     */
    private static TriggerService throughDefaults(TriggerService service, Consumer<TriggerSpec> beforeCreate) {
        return (TriggerService) Proxy.newProxyInstance(TriggerService.class.getClassLoader(),
                new Class<?>[] {TriggerService.class}, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    if (method.getName().equals("create")) {
                        beforeCreate.accept((TriggerSpec) args[0]);
                    }
                    try {
                        return method.invoke(service, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void everyRefusalOfATriggerTheCodeDeclaresGivesTheSameReason() {
        try (EngineHarness h = new EngineHarness(new Generate(), new Store())) {
            TriggerSpec hourly = TriggerSpec.newBuilder("hourly", TriggerType.SCHEDULE).cron("0 */2 * * *")
                    .flow("report").build();

            Throwable byTheEngine = catchThrowable(() -> h.triggers.createOrUpdate(hourly));
            TriggerService asA01Implementation = throughDefaults(h.triggers, spec -> { });
            Throwable byTheDefault = catchThrowable(() -> asA01Implementation.createOrUpdate(hourly));
            Throwable byDelete = catchThrowable(() -> h.triggers.delete("hourly"));

            assertThat(byTheEngine).isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("trigger 'hourly' is declared with @Trigger in the code");
            assertThat(byTheDefault).isInstanceOf(InvalidTriggerException.class).hasMessage(byTheEngine.getMessage());
            assertThat(byDelete).isInstanceOf(InvalidTriggerException.class).hasMessage(byTheEngine.getMessage());
        }
    }

    @Test
    void aChangeRefusedOnALaterTryLeavesNoDefinitionArmedThatWasNotStored() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        try (EngineHarness a = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate());
             EngineHarness operator = instanceOf(a.store, scheduling, "instance-b", new Generate())) {
            TriggerSpec nightly = TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).cron("0 2 * * *")
                    .flow("archive").build();
            a.triggers.create(nightly);
            scheduling.between(() -> operator.triggers.delete("nightly"));

            assertThatThrownBy(() -> a.triggers.update(nightly.toBuilder().cron("30 3 * * *").build()))
                    .isInstanceOf(TriggerNotFoundException.class);
            assertThat(a.ticks.armed).as("no tick of the deleted trigger at the cron not stored")
                    .doesNotContainKey("nightly");

            a.triggers.create(nightly);
            scheduling.between(() -> {
                operator.triggers.delete("nightly");
                operator.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.EVENT).event("stock.low")
                        .flow("archive").build());
            });

            assertThatThrownBy(() -> a.triggers.update(nightly.toBuilder().cron("30 3 * * *").build()))
                    .isInstanceOf(InvalidTriggerException.class).hasMessageContaining("its type cannot change");
            assertThat(a.ticks.armed).as("the event trigger stored has no ticks").doesNotContainKey("nightly");
        }
    }

    /** The report flow's entry step in a later version, which no longer declares the "hourly" schedule. */
    @FlowStep(flow = "report", name = "generate", role = StepRole.ENTRY, emits = "report.ready")
    @Trigger(name = "on-demand", type = TriggerType.MANUAL)
    @Trigger(name = "on-order", type = TriggerType.EVENT, event = "order.placed")
    static class GenerateWithoutHourly implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** The report flow's entry step in a later version, whose "hourly" schedule ticks at half past. */
    @FlowStep(flow = "report", name = "generate", role = StepRole.ENTRY, emits = "report.ready")
    @Trigger(name = "hourly", type = TriggerType.SCHEDULE, cron = "30 * * * *")
    @Trigger(name = "on-demand", type = TriggerType.MANUAL)
    @Trigger(name = "on-order", type = TriggerType.EVENT, event = "order.placed")
    static class GenerateAtHalfPast implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStartGivingADeclaredTriggerItsNewDefinitionKeepsAFireAndADisableStoredBetweenItsReadAndItsWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            Instant tick = Instant.parse("2026-11-30T11:00:00Z");
            scheduling.between(() -> {
                v1.triggers.onTick("hourly", tick);
                v1.triggers.setEnabled("hourly", false);
            });

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateAtHalfPast())) {
                TriggerInfo stored = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(stored.spec().cron()).hasValue("30 * * * *");
                assertThat(stored.spec().enabled()).as("the operator's disable is kept").isFalse();
                assertThat(stored.fires()).isEqualTo(1);
                assertThat(stored.lastFiredAt()).isPresent();
                assertThat(v2.ticks.armed).doesNotContainKey("hourly");
            }
        }
    }

    @Test
    void instancesStartingTogetherWithAChangedDeclaredTriggerRecordTheChangeOnce() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        AtomicReference<EngineHarness> startedMeanwhile = new AtomicReference<>();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            scheduling.between(() -> startedMeanwhile.set(instanceOf(v1.store, scheduling, "instance-c",
                    new GenerateAtHalfPast())));

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateAtHalfPast());
                 EngineHarness other = startedMeanwhile.get()) {
                assertThat(other).isNotNull();
                assertThat(v2.triggers.trigger("hourly").orElseThrow().spec().cron()).hasValue("30 * * * *");
                assertThat(v2.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                        .containsExactly("trigger.updated", "trigger.registered");
            }
        }
    }

    @Test
    void aRetiringStartKeepsAFireCountedBetweenItsReadAndItsWriteAndInstancesRetiringTogetherRecordItOnce() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        AtomicReference<EngineHarness> startedMeanwhile = new AtomicReference<>();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            scheduling.between(() -> {
                v1.triggers.onTick("hourly", Instant.parse("2026-11-30T11:00:00Z"));
                startedMeanwhile.set(instanceOf(v1.store, scheduling, "instance-c", new GenerateWithoutHourly()));
            });

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateWithoutHourly());
                 EngineHarness other = startedMeanwhile.get()) {
                assertThat(other).isNotNull();
                TriggerInfo retired = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(retired.declared()).isFalse();
                assertThat(retired.spec().enabled()).isFalse();
                assertThat(retired.fires()).isEqualTo(1);
                assertThat(v2.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                        .containsOnlyOnce("trigger.disabled");
            }
        }
    }

    @Test
    void aStartRegistersAgainADeclaredTriggerRetiredAndDeletedBetweenItsReadAndItsWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        AtomicReference<EngineHarness> startedMeanwhile = new AtomicReference<>();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            scheduling.between(() -> {
                startedMeanwhile.set(instanceOf(v1.store, scheduling, "instance-c", new GenerateWithoutHourly()));
                startedMeanwhile.get().triggers.delete("hourly");
            });

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateAtHalfPast());
                 EngineHarness other = startedMeanwhile.get()) {
                assertThat(other).isNotNull();
                TriggerInfo registered = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(registered.declared()).isTrue();
                assertThat(registered.spec().cron()).hasValue("30 * * * *");
                assertThat(registered.spec().enabled()).isTrue();
                assertThat(v2.ticks.armed).containsKey("hourly");
                assertThat(v2.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                        .containsExactly("trigger.registered");
            }
        }
    }

    @Test
    void aStartDeclaringARuntimeTriggerKeepsAFireAndADisableStoredBetweenItsReadAndItsWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a",
                new GenerateWithoutHourly())) {
            v1.triggers.create(TriggerSpec.newBuilder("hourly", TriggerType.SCHEDULE).cron("0 * * * *").flow("report")
                    .build());
            scheduling.between(() -> {
                v1.triggers.onTick("hourly", Instant.parse("2026-11-30T11:00:00Z"));
                v1.triggers.setEnabled("hourly", false);
            });

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateAtHalfPast())) {
                TriggerInfo declared = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(declared.declared()).isTrue();
                assertThat(declared.spec().cron()).hasValue("30 * * * *");
                assertThat(declared.spec().enabled()).as("the operator's disable is kept").isFalse();
                assertThat(declared.fires()).isEqualTo(1);
                assertThat(v2.ticks.armed).doesNotContainKey("hourly");
                assertThat(v2.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                        .containsExactly("trigger.updated", "trigger.disabled", "trigger.fired", "trigger.registered");
            }
        }
    }

    @Test
    void aRetiringStartKeepsTheDefinitionAnInstanceStartingWithOtherCodeStoredBetweenItsReadAndItsWrite() {
        ChangedBeforeTheWrite scheduling = new ChangedBeforeTheWrite();
        AtomicReference<EngineHarness> startedMeanwhile = new AtomicReference<>();
        try (EngineHarness v1 = instanceOf(new MemoryFlowStore(), scheduling, "instance-a", new Generate())) {
            v1.triggers.setEnabled("hourly", false);
            scheduling.between(() -> startedMeanwhile.set(instanceOf(v1.store, scheduling, "instance-c",
                    new GenerateAtHalfPast())));

            try (EngineHarness v2 = instanceOf(v1.store, scheduling, "instance-b", new GenerateWithoutHourly());
                 EngineHarness other = startedMeanwhile.get()) {
                assertThat(other).isNotNull();
                TriggerInfo retired = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(retired.declared()).isFalse();
                assertThat(retired.spec().enabled()).isFalse();
                assertThat(retired.spec().cron()).as("the other start's definition is kept").hasValue("30 * * * *");
                assertThat(v2.triggers.history("hourly", 10)).extracting(TriggerEvent::type)
                        .containsExactly("trigger.disabled", "trigger.updated", "trigger.disabled",
                                "trigger.registered");
            }
        }
    }

    @Test
    void aTriggerTheDeployedCodeNoLongerDeclaresIsRetiredDisabledAndCanBeDeleted() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness v1 = new EngineHarness(new Generate(), new Store())) {
            v1.triggers.onTick("hourly", Instant.parse("2026-11-30T11:00:00Z"));
            try (EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b",
                    new GenerateWithoutHourly(), new Store())) {
                TriggerInfo retired = v2.triggers.trigger("hourly").orElseThrow();
                assertThat(retired.declared()).isFalse();
                assertThat(retired.spec().enabled()).isFalse();
                assertThat(retired.fires()).as("its statistics stay").isEqualTo(1);
                assertThat(v2.ticks.armed).doesNotContainKey("hourly");
                assertThat(v2.triggers.history("hourly", 1)).singleElement().satisfies(entry -> {
                    assertThat(entry.type()).isEqualTo("trigger.disabled");
                    assertThat(entry.data()).contains("no longer declared with @Trigger");
                });
                assertThat(log.messagesContaining("NVENT-0166")).singleElement().satisfies(line -> assertThat(line)
                        .startsWith("NVENT-0166 trigger hourly is declared with @Trigger no longer"));
                assertThat(v2.triggers.trigger("on-demand").orElseThrow().declared()).isTrue();

                v2.triggers.onTick("hourly", Instant.parse("2026-11-30T12:00:00Z"));
                assertThat(runsOf(v2, "report")).hasSize(1);

                v2.triggers.delete("hourly");
                assertThat(v2.triggers.trigger("hourly")).isEmpty();
            }
        }
    }

    @Test
    void duringARollingDeployTheNewestStartRetiresATriggerAndAnOldInstanceKeepsItDisabled() {
        try (EngineHarness oldA = new EngineHarness(new Generate(), new Store());
             EngineHarness newB = new EngineHarness(oldA.store, oldA.scheduling, "instance-b",
                     new GenerateWithoutHourly(), new Store())) {
            oldA.triggers.refresh();
            assertThat(oldA.ticks.armed).as("the old instance follows the store").doesNotContainKey("hourly");

            try (EngineHarness oldARestarted = new EngineHarness(oldA.store, oldA.scheduling, "instance-a",
                    new Generate(), new Store())) {
                TriggerInfo redeclared = oldARestarted.triggers.trigger("hourly").orElseThrow();
                assertThat(redeclared.declared()).isTrue();
                assertThat(redeclared.spec().enabled()).as("operators, not starts, enable a trigger").isFalse();
                assertThat(oldARestarted.ticks.armed).doesNotContainKey("hourly");
            }
        }
    }

    @Test
    void aRuntimeTriggerStaysWhenTheDeployedCodeDeclaresOthers() {
        try (EngineHarness v1 = new EngineHarness(new Generate(), new Store())) {
            v1.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("archive")
                    .cron("0 2 * * *").build());
            try (EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b",
                    new GenerateWithoutHourly(), new Store())) {
                assertThat(v2.triggers.trigger("nightly").orElseThrow().spec().enabled()).isTrue();
                assertThat(v2.ticks.armed).containsKey("nightly");
            }
        }
    }

    @Test
    void ticksOfARuntimeTriggerWhoseFlowIsNoLongerDeployedAreLoggedOnceAndRecordedAsFailedOnce() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness v1 = new EngineHarness(new Generate(), new Store())) {
            v1.triggers.create(TriggerSpec.newBuilder("gone-rt", TriggerType.SCHEDULE).flow("archive")
                    .every(Duration.ofSeconds(30)).build());
            try (EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b", new Generate())) {
                Instant tick = Instant.parse("2026-11-30T10:00:30Z");

                v2.triggers.onTick("gone-rt", tick);
                v2.triggers.onTick("gone-rt", tick.plusSeconds(30));
                v2.triggers.onTick("gone-rt", tick.plusSeconds(60));

                assertThat(v2.engine.runs(RunQuery.all())).isEmpty();
                assertThat(log.containing("gone-rt")).singleElement().satisfies(entry -> {
                    assertThat(entry.getMessage()).startsWith("NVENT-0167 trigger gone-rt names flow archive, which"
                            + " is not deployed");
                    assertThat(entry.getThrown()).as("a known case needs no stack trace").isNull();
                });
                TriggerInfo info = v2.triggers.trigger("gone-rt").orElseThrow();
                assertThat(info.fires()).as("only the first tick is recorded, as failed").isEqualTo(1);
                assertThat(info.lastError()).hasValueSatisfying(error -> assertThat(error)
                        .contains("archive: NVENT-0201 no flow named 'archive' is registered"));
                assertThat(v2.triggers.history("gone-rt", 10)).extracting(TriggerEvent::type)
                        .containsExactly("trigger.failed", "trigger.registered");
            }
        }
    }

    @Test
    void aFireByNameOfATriggerWhoseFlowIsNoLongerDeployedIsRefusedEveryTimeAndLoggedOnce() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness v1 = new EngineHarness(new Generate(), new Store())) {
            v1.triggers.create(TriggerSpec.newBuilder("gone-manual", TriggerType.MANUAL).flow("archive").build());
            try (EngineHarness v2 = new EngineHarness(v1.store, v1.scheduling, "instance-b", new Generate())) {
                assertThatThrownBy(() -> v2.triggers.fire("gone-manual", "{}"))
                        .isInstanceOf(FlowNotFoundException.class);
                assertThatThrownBy(() -> v2.triggers.fire("gone-manual", "{}"))
                        .isInstanceOf(FlowNotFoundException.class);

                assertThat(v2.triggers.trigger("gone-manual").orElseThrow().fires()).isEqualTo(2);
                assertThat(log.containing("gone-manual")).singleElement()
                        .satisfies(entry -> assertThat(entry.getThrown()).isNull());
            }
        }
    }

    /** An instance on these stores with the archive flow's steps and one flow declaring its triggers. */
    private static EngineHarness instanceOf(MemoryFlowStore store, MemorySchedulingStore scheduling, String instanceId,
                                            Step<?, ?> declaringTriggers) {
        return new EngineHarness(store, scheduling, instanceId, declaringTriggers, new Store());
    }
}

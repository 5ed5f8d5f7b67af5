package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.Emitted;
import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.IdempotencyKeyInUseException;
import io.nvent.NventException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnexpectedEventException;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.testkit.IdempotentEventFlows.PayBack;
import io.nvent.testkit.IdempotentEventFlows.Send;
import io.nvent.testkit.IdempotentEventFlows.Track;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RequestKey;
import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Emits and publishes with an idempotency key deliver once; a repeat is answered as the first was. */
class IdempotentEventsTest {

    /** A depot that counts the parcels scanned: it makes every scan an event that awaits may wait for. */
    @FlowStep(flow = "depot", name = "count", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "parcel.scanned", timeoutMs = 86_400_000)
    static class Count implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** A scheduling store that is away for the awaits of events while {@link #away} is set. */
    static class AwaitsAway extends MemorySchedulingStore {
        final AtomicBoolean away = new AtomicBoolean();

        @Override
        public synchronized List<AwaitRecord> waitingForEvent(String event) {
            if (away.get()) {
                throw new NventException("NVENT-0302 store operation failed (awaits of event '" + event + "')");
            }
            return super.waitingForEvent(event);
        }
    }

    /** A flow store that fails the second run started with a key once, as a database gone for a moment would. */
    static class SecondKeyedStartFailsOnce extends MemoryFlowStore {
        private final AtomicInteger keyedStarts = new AtomicInteger();

        @Override
        public synchronized List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            if (keyedStarts.incrementAndGet() == 2) {
                throw new NventException("NVENT-0302 store operation failed (create run " + run.runId() + ")");
            }
            return super.createRun(run, events, idempotencyKey);
        }
    }

    @Test
    void aPublishWhoseSecondTriggerFailedToStartFailsAndItsRetryStartsOnlyWhatIsMissingAnsweringBothRuns() {
        try (EngineHarness h = new EngineHarness(new SecondKeyedStartFailsOnce(), new MemorySchedulingStore(),
                "instance-a", new Send(), new Track())) {
            for (String trigger : List.of("notify-sender", "notify-recipient")) {
                h.triggers.create(TriggerSpec.newBuilder(trigger, TriggerType.EVENT).event("parcel.lost").flow("parcel")
                        .build());
            }

            assertThatThrownBy(() -> h.engine.publishEvent("parcel.lost", Map.of("parcel", 7),
                    EventOptions.idempotent("loss-7"))).hasMessageStartingWith("NVENT-0302");
            assertThat(h.engine.runs(RunQuery.all())).as("the first trigger's run").hasSize(1);
            EventDelivery retried = h.engine.publishEvent("parcel.lost", Map.of("parcel", 7),
                    EventOptions.idempotent("loss-7"));

            List<String> runs = h.engine.runs(RunQuery.all()).stream().map(RunInfo::runId).toList();
            assertThat(runs).as("one per trigger").hasSize(2);
            assertThat(retried.startedRuns()).as("the first attempt's run too").containsExactlyInAnyOrderElementsOf(runs);
            assertThat(retried.replayed()).isFalse();
            assertThat(h.engine.publishEvent("parcel.lost", Map.of("parcel", 7), EventOptions.idempotent("loss-7")))
                    .as("a repeat of the retry").isEqualTo(retried.asReplayed());
        }
    }

    /** A trigger whose second flow failed to start counted the publish's retry, which started it, as a second fire. */
    @Test
    void theRetryOfAPublishWhoseTriggerStartedOneOfItsTwoFlowsCompletesThatFireWithoutCountingAnother() {
        try (EngineHarness h = new EngineHarness(new SecondKeyedStartFailsOnce(), new MemorySchedulingStore(),
                "instance-a", new Send(), new Track(), new PayBack())) {
            h.triggers.create(TriggerSpec.newBuilder("parcel-lost", TriggerType.EVENT).event("parcel.lost")
                    .flows(List.of("parcel", "refund")).build());

            assertThatThrownBy(() -> h.engine.publishEvent("parcel.lost", Map.of("parcel", 7),
                    EventOptions.idempotent("loss-7"))).hasMessageStartingWith("NVENT-0302");
            String first = h.engine.runs(RunQuery.all()).get(0).runId();
            EventDelivery retried = h.engine.publishEvent("parcel.lost", Map.of("parcel", 7),
                    EventOptions.idempotent("loss-7"));

            assertThat(retried.startedRuns()).hasSize(2).contains(first);
            String second = retried.startedRuns().stream().filter(run -> !run.equals(first)).findFirst().orElseThrow();
            io.nvent.TriggerInfo trigger = h.triggers.trigger("parcel-lost").orElseThrow();
            assertThat(trigger.fires()).as("one publish, one fire").isEqualTo(1);
            // Review finding: the completing retry left runsStarted at the first attempt's 1, though 2 were started.
            assertThat(trigger.runsStarted()).as("the runs of both attempts").isEqualTo(2);
            List<io.nvent.TriggerEvent> history = h.triggers.history("parcel-lost", 10);
            assertThat(history).extracting(io.nvent.TriggerEvent::type)
                    .containsExactly("trigger.completed", "trigger.failed", "trigger.registered");
            assertThat(history.get(0).data()).contains("\"runs\":[\"" + second + "\"]",
                    "\"replayedRuns\":[\"" + first + "\"]").doesNotContain("error");
        }
    }

    /** A flow store that cannot store a run of flow {@code parcel}: a trigger of it fails to start every time. */
    static class ParcelsNeverStored extends MemoryFlowStore {
        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            if (run.flow().equals("parcel")) {
                throw new NventException("NVENT-0302 store operation failed (create run " + run.runId() + ")");
            }
            return super.createRun(run, events, idempotencyKey);
        }
    }

    @Test
    void aKeyedPublishWhoseTriggerFailsToStartStillResolvesTheAwaitsWaitingForTheEventAsOneWithoutAKeyDoes() {
        try (EngineHarness h = new EngineHarness(new ParcelsNeverStored(), new MemorySchedulingStore(), "instance-a",
                new Send(), new Track(), new PayBack())) {
            h.triggers.create(TriggerSpec.newBuilder("ship-replacement", TriggerType.EVENT).event("refund.approved")
                    .flow("parcel").build());
            String refund = h.engine.start("refund", Map.of());
            h.awaitStatus(refund, RunStatus.AWAITING);

            assertThatThrownBy(() -> h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).hasMessageStartingWith("NVENT-0302");

            h.awaitStatus(refund, RunStatus.COMPLETED);
        }
    }

    @Test
    void aPublishKeyReusedWithAnotherPayloadOnceItExpiredStartsTheTriggersRunsAgain() {
        try (EngineHarness h = new EngineHarness(new Send(), new Track())) {
            h.triggers.create(TriggerSpec.newBuilder("notify-sender", TriggerType.EVENT).event("parcel.lost")
                    .flow("parcel").build());
            List<String> first = h.engine.publishEvent("parcel.lost", Map.of("parcel", 7),
                    EventOptions.idempotent("loss")).startedRuns();

            h.clock.advance(Duration.ofHours(25));
            EventDelivery later = h.engine.publishEvent("parcel.lost", Map.of("parcel", 8),
                    EventOptions.idempotent("loss"));

            assertThat(later.startedRuns()).as("a run for the new payload, as the README's key retention says")
                    .hasSize(1).doesNotContainAnyElementsOf(first);
            assertThat(h.engine.runs(RunQuery.all())).hasSize(2);
        }
    }

    @Test
    void anEmitRecordedInTheRunKeepsItsKeyWhenWhatFollowsFailsSoThatItsRetryDoesNotRecordItAgain() {
        AwaitsAway scheduling = new AwaitsAway();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Send(),
                new Track(), new Count())) {
            String runId = awaitingParcel(h);
            scheduling.away.set(true);
            assertThatThrownBy(() -> h.engine.emit(runId, "parcel.scanned", Map.of(), EventOptions.idempotent("k")))
                    .as("recorded in the run, but not delivered to awaits").hasMessageStartingWith("NVENT-0302");
            scheduling.away.set(false);

            assertThat(h.engine.emit(runId, "parcel.scanned", Map.of(), EventOptions.idempotent("k")))
                    .as("the client's retry").isEqualTo(new Emitted(true));
            assertThat(emits(h, runId)).isEqualTo(1);
        }
    }

    private static String awaitingParcel(EngineHarness h) {
        String runId = h.engine.start("parcel", Map.of());
        h.awaitStatus(runId, RunStatus.AWAITING);
        return runId;
    }

    private static int emits(EngineHarness h, String runId) {
        return h.eventsOf(runId, EventType.EMIT).size();
    }

    @Test
    void anEmitRepeatedWithItsKeyIsDeliveredOnceAndTheRepeatIsAnsweredAsReplayed() {
        try (EngineHarness h = new EngineHarness(new Send(), new Track())) {
            String runId = awaitingParcel(h);
            Map<String, Object> scan = new LinkedHashMap<>();
            scan.put("depot", "Hamburg");
            scan.put("at", 1.0);

            assertThat(h.engine.emit(runId, "parcel.scanned", scan, EventOptions.idempotent("scan-1")))
                    .isEqualTo(new Emitted(false));
            assertThat(h.engine.emit(runId, "parcel.scanned", Map.of("at", 1, "depot", "Hamburg"),
                    EventOptions.idempotent("scan-1"))).as("the same payload, written otherwise")
                    .isEqualTo(new Emitted(true));

            assertThat(emits(h, runId)).isEqualTo(1);
            h.engine.emit(runId, "parcel.scanned", scan, EventOptions.DEFAULTS);
            assertThat(emits(h, runId)).as("without a key every emit delivers").isEqualTo(2);
        }
    }

    @Test
    void aKeyOfAnEmitIsTheRunsAndRefusesAnotherEventOrPayloadIntoIt() {
        try (EngineHarness h = new EngineHarness(new Send(), new Track())) {
            String runId = awaitingParcel(h);
            String other = awaitingParcel(h);
            h.engine.emit(runId, "parcel.scanned", Map.of("depot", "Hamburg"), EventOptions.idempotent("scan-1"));

            assertThatThrownBy(() -> h.engine.emit(runId, "parcel.scanned", Map.of("depot", "Kiel"),
                    EventOptions.idempotent("scan-1"))).isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0281 idempotency key 'scan-1' already delivered another event or payload into"
                            + " run " + runId + ", so it cannot be the key of an emit of event 'parcel.scanned' into"
                            + " run " + runId + "; nothing was delivered; a new request needs a new key");
            assertThat(h.engine.emit(other, "parcel.scanned", Map.of("depot", "Kiel"), EventOptions.idempotent("scan-1")))
                    .as("another run's key").isEqualTo(new Emitted(false));
            assertThat(emits(h, runId)).isEqualTo(1);
        }
    }

    @Test
    void anEmitThatFailedLeavesItsKeyUnusedSoThatItsRetryDelivers() {
        try (EngineHarness h = new EngineHarness(new Send(), new Track())) {
            String runId = awaitingParcel(h);

            for (int attempt = 1; attempt <= 2; attempt++) {
                assertThatThrownBy(() -> h.engine.emit(runId, "parcel.scand", Map.of(), EventOptions.idempotent("k")))
                        .as("attempt %d, not answered as replayed", attempt)
                        .isInstanceOf(UnexpectedEventException.class);
            }

            assertThat(h.engine.emit(runId, "parcel.scanned", Map.of(), EventOptions.idempotent("k")))
                    .as("the key, free for the corrected request").isEqualTo(new Emitted(false));
            assertThat(emits(h, runId)).isEqualTo(1);
        }
    }

    @Test
    void aPublishRepeatedWithItsKeyDeliversNothingAndAnswersWhatTheFirstDidUntilTheKeyExpires() {
        try (EngineHarness h = EngineHarness.withSettings(s -> s.withRequestKeyRetention(Duration.ofHours(1)),
                new PayBack())) {
            String first = h.engine.start("refund", Map.of());
            h.awaitStatus(first, RunStatus.AWAITING);
            EventDelivery delivered = h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"));
            h.awaitStatus(first, RunStatus.COMPLETED);
            String second = h.engine.start("refund", Map.of());
            h.awaitStatus(second, RunStatus.AWAITING);

            assertThat(delivered).isEqualTo(new EventDelivery(List.of(), 1, false));
            assertThat(h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).isEqualTo(new EventDelivery(List.of(), 1, true));
            assertThat(h.engine.run(second).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThatThrownBy(() -> h.engine.publishEvent("refund.approved", Map.of("by", "someone else"),
                    EventOptions.idempotent("approval-7"))).isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("already delivered another payload of event 'refund.approved'");

            h.clock.advance(Duration.ofHours(1));
            assertThat(h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).as("expired").isEqualTo(new EventDelivery(List.of(), 1, false));
            h.awaitStatus(second, RunStatus.COMPLETED);
        }
    }

    /** The claim the first publish with {@code key} holds while it delivers: no answer yet. */
    private static RequestKey publishClaimedWithoutAnswer(String event, String payloadJson, String key, Instant at) {
        return new RequestKey(RequestKey.Scope.PUBLISH, event, RequestKeys.digest(key),
                RequestKeys.digest(event + '\n' + JsonMatch.canonical(payloadJson)), Optional.empty(), at,
                at.plus(EngineSettings.DEFAULT_REQUEST_KEY_RETENTION));
    }

    @Test
    void aRepeatWhileTheFirstStillDeliversIsToldToRetryAndDeliversOnceTheFirstFailed() {
        try (EngineHarness h = new EngineHarness(new PayBack())) {
            String refund = h.engine.start("refund", Map.of());
            h.awaitStatus(refund, RunStatus.AWAITING);
            RequestKey first = publishClaimedWithoutAnswer("refund.approved", "{\"by\":\"ops\"}", "approval-7",
                    h.clock.instant());
            h.scheduling.claimRequestKey(first, h.clock.instant());

            assertThatThrownBy(() -> h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).as("not told it was delivered")
                    .isInstanceOfSatisfying(IdempotencyKeyInUseException.class, inUse -> assertThat(inUse.retryAfter())
                            .contains(Duration.ofSeconds(1)))
                    .hasMessage("NVENT-0279 a publish of event 'refund.approved' with idempotency key 'approval-7' is"
                            + " under way; this call delivered nothing; retry in 1 s to get its answer (if it fails,"
                            + " the retry delivers)");
            assertThat(h.engine.run(refund).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.scheduling.forgetRequestKey(first);
            assertThat(h.engine.publishEvent("refund.approved", Map.of("by", "ops"),
                    EventOptions.idempotent("approval-7"))).as("the first failed: its retry delivers")
                    .isEqualTo(new EventDelivery(List.of(), 1, false));
        }
    }

    @Test
    void aKeyWhoseFirstRequestNeverAnsweredIsRefusedAsOfUnknownOutcomeUntilItExpires() {
        try (EngineHarness h = new EngineHarness(new PayBack())) {
            String refund = h.engine.start("refund", Map.of());
            h.awaitStatus(refund, RunStatus.AWAITING);
            h.scheduling.claimRequestKey(publishClaimedWithoutAnswer("refund.approved", "{}", "approval-7",
                    h.clock.instant()), h.clock.instant());
            h.clock.advance(Duration.ofHours(1));

            assertThatThrownBy(() -> h.engine.publishEvent("refund.approved", Map.of(),
                    EventOptions.idempotent("approval-7"))).as("its instance stopped in the middle of it")
                    .isInstanceOfSatisfying(IdempotencyKeyInUseException.class, inUse -> assertThat(inUse.retryAfter())
                            .isEmpty())
                    .hasMessageStartingWith("NVENT-0589 a publish of event 'refund.approved' with idempotency key"
                            + " 'approval-7' was claimed at 2")
                    .hasMessageContaining("whether it delivered is unknown, so this call delivered nothing and the"
                            + " key is refused until 2");
            assertThat(h.engine.run(refund).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.clock.advance(Duration.ofHours(23));
            String later = h.engine.start("refund", Map.of());
            h.awaitStatus(later, RunStatus.AWAITING);
            assertThat(h.engine.publishEvent("refund.approved", Map.of(), EventOptions.idempotent("approval-7"))
                    .replayed()).as("once the key expired").isFalse();
            h.awaitStatus(later, RunStatus.COMPLETED);
        }
    }

    @Test
    void theSweepDropsKeysThatExpired() {
        try (EngineHarness h = new EngineHarness(new PayBack())) {
            h.engine.publishEvent("refund.approved", Map.of(), EventOptions.idempotent("approval-7"));
            RequestKey unrelated = new RequestKey(RequestKey.Scope.PUBLISH, "other", "k", "r", Optional.empty(),
                    h.clock.instant(), h.clock.instant().plus(Duration.ofDays(2)));
            h.scheduling.claimRequestKey(unrelated, h.clock.instant());

            h.clock.advance(Duration.ofHours(24));
            h.sweep();

            assertThat(h.scheduling.purgeRequestKeys(h.clock.instant())).as("left by the sweep").isZero();
            assertThat(h.scheduling.claimRequestKey(unrelated, h.clock.instant())).as("not yet expired")
                    .contains(unrelated);
        }
    }
}

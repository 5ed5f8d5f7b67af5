package io.nvent.cdi.internal.engine;

import io.nvent.Backfill;
import io.nvent.ConcurrentRunModificationException;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.Overlap;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A trigger's overlap policy: what its ticks (and other fires) do while a run it started is under way. Ticks are handed
 * to the trigger as its timer would, each of a minute on the harness's clock.
 */
class TriggerOverlapTest {

    /** Exports whose run started, by the tick they stand for. */
    static final List<String> STARTED = new CopyOnWriteArrayList<>();
    /** Opened to let the export of a tick end. */
    static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    /** A nightly export that lasts until the test lets the run of its tick end. */
    @FlowStep(flow = "export", name = "export", role = StepRole.ENTRY)
    public static class Export implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) throws Exception {
            String tick = (String) input.get("scheduledAt");
            STARTED.add(tick);
            if (!GATES.computeIfAbsent(tick, t -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the export of " + tick + " end");
            }
            return tick;
        }
    }

    /** An audit that a nightly trigger starts beside its export, lasting as long. */
    @FlowStep(flow = "audit", name = "audit", role = StepRole.ENTRY)
    public static class Audit extends Export {
    }

    @BeforeEach
    void reset() {
        STARTED.clear();
        GATES.clear();
    }

    private static Instant tick(EngineHarness h, int minutes) {
        return EngineHarness.START.plus(Duration.ofMinutes(minutes)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    }

    private static void createExport(EngineHarness h, Overlap overlap) {
        h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("export")
                .every(Duration.ofMinutes(1)).overlap(overlap).build());
    }

    /** Hands the trigger its tick, as its timer does, and says which run it started, if any. */
    private static List<RunInfo> fireTick(EngineHarness h, Instant tick) {
        Set<String> before = Set.copyOf(runIds(h));
        h.triggers.onTick("nightly", tick);
        return runs(h).stream().filter(run -> !before.contains(run.runId())).toList();
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(java.util.Optional.of("export"), java.util.Optional.empty(), 0, 100));
    }

    private static List<String> runIds(EngineHarness h) {
        return runs(h).stream().map(RunInfo::runId).toList();
    }

    private static void awaitStarted(Instant tick) {
        await().atMost(Duration.ofSeconds(10)).until(() -> STARTED.contains(tick.toString()));
    }

    private static void letEnd(EngineHarness h, Instant tick, String runId) {
        GATES.computeIfAbsent(tick.toString(), t -> new CountDownLatch(1)).countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.run(runId).orElseThrow().status().isTerminal());
    }

    private static List<TriggerEvent> skipped(EngineHarness h) {
        return h.triggers.history("nightly", 100).stream().filter(e -> e.type().equals("trigger.skipped")).toList();
    }

    @Test
    void skipStartsNoRunForATickWhileTheRunOfAnEarlierOneIsUnderWayAndStartsTheNextAfterItEnded() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerOverlaps.class);
             EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.SKIP);
            RunInfo first = fireTick(h, tick(h, 1)).get(0);
            awaitStarted(tick(h, 1));

            assertThat(fireTick(h, tick(h, 2))).as("tick 2 while the export of tick 1 runs").isEmpty();
            assertThat(fireTick(h, tick(h, 3))).as("tick 3 too").isEmpty();

            assertThat(skipped(h)).hasSize(2).allSatisfy(entry -> assertThat(entry.data())
                    .contains("\"reason\":\"overlap\"", "\"overlap\":\"skip\"", "\"runUnderWay\":\"" + first.runId() + "\""));
            assertThat(skipped(h).get(0).data()).contains(tick(h, 3).toString());
            assertThat(h.triggers.trigger("nightly").orElseThrow().fires()).as("a skipped tick is no fire").isEqualTo(1);
            assertThat(log.messagesContaining("NVENT-0405")).as("one line a minute, whatever is skipped").singleElement()
                    .satisfies(line -> assertThat(line).contains("trigger nightly started no run for tick "
                            + tick(h, 2), "run " + first.runId() + " of it is under way (overlap skip)"));

            letEnd(h, tick(h, 1), first.runId());
            assertThat(fireTick(h, tick(h, 4))).as("the tick after the export ended").hasSize(1);
            awaitStarted(tick(h, 4));
        }
    }

    @Test
    void bufferOneKeepsOneRunWaitingBehindTheRunUnderWayAndSkipsTheTicksAfterIt() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.BUFFER_ONE);
            RunInfo first = fireTick(h, tick(h, 1)).get(0);
            awaitStarted(tick(h, 1));

            List<RunInfo> waiting = fireTick(h, tick(h, 2));
            assertThat(waiting).as("one run waits its turn").hasSize(1);
            assertThat(fireTick(h, tick(h, 3))).as("a second one would pile up").isEmpty();
            assertThat(fireTick(h, tick(h, 4))).isEmpty();
            assertThat(skipped(h)).hasSize(2).allSatisfy(entry -> assertThat(entry.data())
                    .contains("\"overlap\":\"buffer-one\""));
            assertThat(STARTED).containsExactly(tick(h, 1).toString());

            letEnd(h, tick(h, 1), first.runId());
            awaitStarted(tick(h, 2));
            assertThat(runs(h)).hasSize(2);
        }
    }

    @Test
    void bufferOneKeepsOneFireWaitingForATriggerOfTwoFlowsThoughThatFireStartedTwoRuns() {
        try (EngineHarness h = new EngineHarness(new Export(), new Audit())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flows(List.of("export", "audit"))
                    .overlap(Overlap.BUFFER_ONE).build());
            try {
                assertThat(h.triggers.fire("by-hand", "{\"scheduledAt\":\"a\"}")).as("a run of each flow").hasSize(2);
                await().atMost(Duration.ofSeconds(10)).until(() -> STARTED.contains("a"));

                assertThat(h.triggers.fire("by-hand", "{\"scheduledAt\":\"b\"}")).as("the fire that waits its turn")
                        .hasSize(2);
                assertThat(h.triggers.fire("by-hand", "{\"scheduledAt\":\"c\"}")).as("a second would pile up").isEmpty();
                assertThat(h.triggers.history("by-hand", 100)).filteredOn(e -> e.type().equals("trigger.skipped"))
                        .singleElement().satisfies(entry -> assertThat(entry.data()).contains("\"scheduledAt\":\"c\""));
            } finally {
                List.of("a", "b", "c").forEach(fire -> GATES.computeIfAbsent(fire, t -> new CountDownLatch(1)).countDown());
            }
        }
    }

    @Test
    void cancelOtherCancelsTheRunUnderWayAndStartsTheTicksRun() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.CANCEL_OTHER);
            RunInfo first = fireTick(h, tick(h, 1)).get(0);
            awaitStarted(tick(h, 1));

            List<RunInfo> second = fireTick(h, tick(h, 2));

            assertThat(second).hasSize(1);
            assertThat(h.engine.run(first.runId()).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.engine.events(first.runId(), new EventQuery(Set.of(EventType.FLOW_CANCEL), 0, 1, false))
                    .get(0).data()).contains("overlap: canceled by tick " + tick(h, 2) + " of trigger nightly");
            awaitStarted(tick(h, 2));
            assertThat(skipped(h)).isEmpty();
        }
    }

    /** A run store on which the cancel of one run fails, as when others keep changing it. */
    static final class RefusingToChange extends MemoryFlowStore {
        volatile String refused = "";

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (runId.equals(refused)) {
                throw new ConcurrentRunModificationException(runId, 10);
            }
            return super.updateRun(runId, mutation);
        }
    }

    @Test
    void cancelOtherStartsTheTicksRunOnceAndSaysSoWhenTheRunUnderWayCannotBeCanceled() {
        RefusingToChange runs = new RefusingToChange();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerOverlaps.class);
             EngineHarness h = new EngineHarness(runs, new MemorySchedulingStore(), "instance-a", new Export())) {
            createExport(h, Overlap.CANCEL_OTHER);
            RunInfo first = fireTick(h, tick(h, 1)).get(0);
            awaitStarted(tick(h, 1));
            runs.refused = first.runId();

            List<RunInfo> second = fireTick(h, tick(h, 2));
            runs.refused = "";

            assertThat(second).as("the tick is not lost with the cancel").hasSize(1);
            assertThat(h.triggers.history("nightly", 1).get(0).type()).isEqualTo("trigger.fired");
            assertThat(log.messagesContaining("NVENT-0446")).singleElement().satisfies(line -> assertThat(line)
                    .contains("trigger nightly could not cancel run " + first.runId() + " under way for tick "
                            + tick(h, 2), "ConcurrentRunModificationException"));
            letEnd(h, tick(h, 1), first.runId());
            awaitStarted(tick(h, 2));
        }
    }

    @Test
    void allowAllStartsEachTicksRunBesideTheRunsUnderWayAsBefore() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.ALLOW_ALL);
            fireTick(h, tick(h, 1));
            fireTick(h, tick(h, 2));

            awaitStarted(tick(h, 1));
            awaitStarted(tick(h, 2));
            assertThat(runs(h)).hasSize(2).allSatisfy(run -> assertThat(run.concurrencyKey()).isEmpty());
            assertThat(skipped(h)).isEmpty();
        }
    }

    @Test
    void aDelayedFireOfASkippingTriggerIsDecidedWhenItComesAndItsRunWaitsItsTurnAtItsStartRatherThanBeingCanceled() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("export")
                    .overlap(Overlap.SKIP).build());
            Instant later = h.clock.instant().plusSeconds(10);
            String delayed = h.triggers.fire("by-hand", "{\"scheduledAt\":\"" + later + "\"}",
                    StartOptions.delayed(Duration.ofSeconds(10))).get(0).runId();
            Instant now = h.clock.instant();
            String meanwhile = h.triggers.fire("by-hand", "{\"scheduledAt\":\"" + now + "\"}").get(0);
            awaitStarted(now);

            h.clock.advance(Duration.ofSeconds(11));
            h.sweep();

            assertThat(h.engine.run(delayed).orElseThrow().status().isTerminal()).as("the caller's run is kept")
                    .isFalse();
            assertThat(h.engine.waits(delayed)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("held by run " + meanwhile));
            assertThat(STARTED).as("never beside the run under way").doesNotContain(later.toString());
            letEnd(h, now, meanwhile);
            awaitStarted(later);
            letEnd(h, later, delayed);
        }
    }

    @Test
    void aBackfillOfASkippingScheduleFiresEachOfItsTicksInTurn() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.SKIP);
            h.clock.advance(Duration.ofMinutes(10));
            RunInfo onTime = fireTick(h, tick(h, 10)).get(0);
            awaitStarted(tick(h, 10));

            Set<String> before = Set.copyOf(runIds(h));
            h.triggers.backfill(Backfill.of("nightly", tick(h, 2), tick(h, 5)));

            List<RunInfo> backfilled = runs(h).stream().filter(run -> !before.contains(run.runId())).toList();
            assertThat(backfilled).as("ticks 2, 3 and 4, none skipped").hasSize(3)
                    .allSatisfy(run -> assertThat(run.concurrencyKey()).hasValue(Overlap.keyOf("nightly")));
            assertThat(skipped(h)).isEmpty();
            assertThat(STARTED).as("they wait their turn").containsExactly(tick(h, 10).toString());
            letEnd(h, tick(h, 10), onTime.runId());
            awaitStarted(tick(h, 2));
        }
    }

    @Test
    void aManualFireOfASkippingTriggerStartsNothingWhileItsRunIsUnderWay() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("export")
                    .overlap(Overlap.SKIP).build());
            String first = h.triggers.fire("by-hand", "{\"scheduledAt\":\"a\"}").get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> STARTED.contains("a"));

            assertThat(h.triggers.fire("by-hand", "{\"scheduledAt\":\"b\"}")).isEmpty();
            assertThat(h.triggers.history("by-hand", 1).get(0)).satisfies(entry -> {
                assertThat(entry.type()).isEqualTo("trigger.skipped");
                assertThat(entry.data()).contains("\"runUnderWay\":\"" + first + "\"", "\"scheduledAt\":\"b\"");
            });
            GATES.computeIfAbsent("a", t -> new CountDownLatch(1)).countDown();
        }
    }

    @Test
    void firesOfASkippingTriggerAtTheSameMomentOnOneInstanceStartOneRun() throws Exception {
        try (EngineHarness h = new EngineHarness(new Export())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("export")
                    .overlap(Overlap.SKIP).build());
            int callers = 8;
            CyclicBarrier together = new CyclicBarrier(callers);
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                List<Future<List<String>>> fires = new ArrayList<>();
                for (int caller = 0; caller < callers; caller++) {
                    fires.add(pool.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        return h.triggers.fire("by-hand", "{\"scheduledAt\":\"c\"}");
                    }));
                }
                List<String> started = new ArrayList<>();
                for (Future<List<String>> fire : fires) {
                    started.addAll(fire.get(10, TimeUnit.SECONDS));
                }

                assertThat(started).as("a webhook's concurrent calls and a tick at once, say").hasSize(1);
                assertThat(runs(h)).hasSize(1);
                assertThat(h.triggers.history("by-hand", 100)).filteredOn(e -> e.type().equals("trigger.skipped"))
                        .hasSize(callers - 1);
            } finally {
                GATES.computeIfAbsent("c", t -> new CountDownLatch(1)).countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aSendersRetryOfAFireWithItsKeyGetsTheRunItStartedRatherThanBeingSkippedByIt() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("export")
                    .overlap(Overlap.SKIP).build());
            StartedRun first = h.triggers.fire("by-hand", "{\"scheduledAt\":\"a\"}", StartOptions.idempotent("delivery-1"))
                    .get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> STARTED.contains("a"));

            assertThat(h.triggers.fire("by-hand", "{\"scheduledAt\":\"a\"}", StartOptions.idempotent("delivery-1")))
                    .as("the webhook's redelivery of the same call").containsExactly(new StartedRun(first.runId(), false));
            assertThat(h.triggers.history("by-hand", 10)).extracting(TriggerEvent::type).doesNotContain("trigger.skipped");
            GATES.computeIfAbsent("a", t -> new CountDownLatch(1)).countDown();
        }
    }

    @Test
    void aTriggersOwnKeyIsTheOneItsPolicyLooksAt() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("export")
                    .every(Duration.ofMinutes(1)).concurrencyKey("exports").overlap(Overlap.SKIP).build());
            RunInfo first = fireTick(h, tick(h, 1)).get(0);
            awaitStarted(tick(h, 1));

            assertThat(first.concurrencyKey()).hasValue("exports");
            assertThat(fireTick(h, tick(h, 2))).isEmpty();
        }
    }

    @Test
    void theTriggerRegisteredEntryNamesAPolicyOtherThanTheDefault() {
        try (EngineHarness h = new EngineHarness(new Export())) {
            createExport(h, Overlap.CANCEL_OTHER);
            h.triggers.create(TriggerSpec.newBuilder("other", TriggerType.MANUAL).flow("export").build());

            assertThat(h.triggers.history("nightly", 1).get(0).data()).contains("\"overlap\":\"cancel-other\"");
            assertThat(h.triggers.history("other", 1).get(0).data()).doesNotContain("overlap");
        }
    }

    /** A scheduling store written for nvent 0.1: it would hand a trigger back without its overlap policy. */
    static final class StoreWithoutTriggerOverlap extends MemorySchedulingStore {
        /** As the default of SchedulingStore, which a store written for 0.1 does not override. */
        @Override
        public boolean keepsTriggerOverlap() {
            return false;
        }
    }

    @Test
    void aStoreThatKeepsNoOverlapPolicyRefusesATriggerWithOneCreatedAtRunTime() {
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutTriggerOverlap(), "instance-a",
                new Export())) {
            assertThatThrownBy(() -> createExport(h, Overlap.SKIP)).isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0407 trigger 'nightly' has overlap skip, but scheduling store ")
                    .hasMessageContaining("SchedulingStore.keepsTriggerOverlap is false");
            createExport(h, Overlap.ALLOW_ALL);
            assertThat(h.triggers.trigger("nightly")).isPresent();
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A debounced trigger: a burst of fires of one key starts one run, delayed until the key has been quiet for the
 * debounce, with the latest payload.
 */
class DebouncedTriggersTest {

    /** The inputs the CRM sync ran with, in order. */
    static final List<Map<String, Object>> SYNCED = new CopyOnWriteArrayList<>();
    /** Holds the sync's step while a test fires at a run that has started and not ended. */
    static volatile java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(0);

    @FlowStep(flow = "crm-sync", name = "sync", role = StepRole.ENTRY)
    public static class Sync implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            running.await();
            SYNCED.add(input);
            return "synced " + input.get("customerId");
        }
    }

    @BeforeEach
    void reset() {
        SYNCED.clear();
        running = new java.util.concurrent.CountDownLatch(0);
    }

    private static void createDebounced(EngineHarness h, Duration debounce, Duration max) {
        h.triggers.create(TriggerSpec.newBuilder("crm", TriggerType.EVENT).event("customer.updated").flow("crm-sync")
                .debounce(debounce).debounceKeyFrom("/customerId").debounceMax(max).build());
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("crm-sync"), Optional.empty(), 0, 100));
    }

    private static void edit(EngineHarness h, String customer, int version) {
        h.engine.publishEvent("customer.updated", Map.of("customerId", customer, "version", version));
    }

    @Test
    void threeEventsWithinTheDebounceStartOneRunWithTheLastPayloadOnceTheKeyHasBeenQuiet() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);

            edit(h, "c-1", 1);
            h.clock.advance(Duration.ofSeconds(20));
            edit(h, "c-1", 2);
            h.clock.advance(Duration.ofSeconds(20));
            edit(h, "c-1", 3);

            assertThat(runs(h)).as("one pending run for the burst").singleElement()
                    .satisfies(run -> assertThat(run.status()).isEqualTo(RunStatus.AWAITING));
            String runId = runs(h).get(0).runId();
            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> assertThat(wait.until())
                    .as("30 s after the last fire").contains(h.clock.instant().plus(Duration.ofSeconds(30))));
            assertThat(h.eventsOf(runId, EventType.RUN_DEBOUNCED)).hasSize(2).last()
                    .satisfies(e -> assertThat(e.data()).contains("\"folded\":2", "\"version\":3"));

            h.clock.advance(Duration.ofSeconds(29));
            h.sweep();
            assertThat(SYNCED).as("the key has not been quiet long enough").isEmpty();

            h.clock.advance(Duration.ofSeconds(1));
            h.sweep();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(SYNCED).singleElement().satisfies(input -> assertThat(input.get("version")).hasToString("3"));
            assertThat(h.triggers.trigger("crm").orElseThrow().fires()).as("every fire counts").isEqualTo(3);
            assertThat(h.triggers.history("crm", 10).stream().filter(e -> e.data().contains("\"foldedInto\""))
                    .map(TriggerEvent::data)).hasSize(2).allSatisfy(data -> assertThat(data).contains(runId));
        }
    }

    @Test
    void theDebounceMaxStartsTheRunThoughTheFiresGoOn() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), Duration.ofSeconds(60));

            edit(h, "c-1", 1);
            h.clock.advance(Duration.ofSeconds(20));
            edit(h, "c-1", 2);
            h.clock.advance(Duration.ofSeconds(20));
            edit(h, "c-1", 3);
            h.clock.advance(Duration.ofSeconds(15));
            edit(h, "c-1", 4);
            // Fires at 0, 20, 40 and 55 s: the last would put the start off to 85 s, the bound says 60 s.
            String runId = runs(h).get(0).runId();
            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.until()).contains(h.clock.instant().plus(Duration.ofSeconds(5)));
                assertThat(wait.detail()).isEqualTo("before it runs, it is debounced until "
                        + h.clock.instant().plus(Duration.ofSeconds(5)) + " (at most until "
                        + h.clock.instant().plus(Duration.ofSeconds(5)) + "), folding the fires of trigger 'crm' of"
                        + " key 'c-1' into it: each one puts its start off and gives it its payload");
            });

            h.clock.advance(Duration.ofSeconds(5));
            h.sweep();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(runs(h)).hasSize(1);
            assertThat(SYNCED).singleElement().satisfies(input -> assertThat(input.get("version")).hasToString("4"));
        }
    }

    @Test
    void differentKeysGetRunsOfTheirOwn() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);

            edit(h, "c-1", 1);
            edit(h, "c-2", 1);
            edit(h, "c-1", 2);

            assertThat(runs(h)).hasSize(2);
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            runs(h).forEach(run -> h.awaitStatus(run.runId(), RunStatus.COMPLETED));
            assertThat(SYNCED).extracting(input -> input.get("customerId") + "@" + input.get("version"))
                    .containsExactlyInAnyOrder("c-1@2", "c-2@1");
        }
    }

    @Test
    void aFireAfterThePendingRunStartedOpensANewPendingRun() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            List<StartedRun> first = h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":1}",
                    io.nvent.StartOptions.DEFAULTS);
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(first.get(0).runId(), RunStatus.COMPLETED);

            List<StartedRun> second = h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}",
                    io.nvent.StartOptions.DEFAULTS);
            List<StartedRun> folded = h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":3}",
                    io.nvent.StartOptions.DEFAULTS);

            assertThat(second).singleElement().satisfies(run -> {
                assertThat(run.created()).isTrue();
                assertThat(run.runId()).isNotEqualTo(first.get(0).runId());
            });
            assertThat(folded).as("the caller is answered with the pending run, folded into, no replay").singleElement()
                    .satisfies(run -> assertThat(run).isEqualTo(StartedRun.foldedInto(second.get(0).runId())));
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(second.get(0).runId(), RunStatus.COMPLETED);
            assertThat(SYNCED).extracting(input -> String.valueOf(input.get("version"))).containsExactly("1", "3");
        }
    }

    @Test
    void aSendersRetryOfADeliveryAfterItsPendingRunStartedIsAnsweredWithThatRunAndStartsNoOther() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-1").build();
            String payload = "{\"customerId\":\"c-1\",\"version\":1}";
            List<StartedRun> first = h.triggers.fire("crm", payload, delivery);
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(first.get(0).runId(), RunStatus.COMPLETED);

            List<StartedRun> retry = h.triggers.fire("crm", payload, delivery);

            assertThat(retry).as("a replay, not a fold").singleElement()
                    .satisfies(run -> assertThat(run).isEqualTo(new StartedRun(first.get(0).runId(), false))
                            .returns(true, StartedRun::replayed).returns(false, StartedRun::folded));
            assertThat(runs(h)).as("the delivery synced once").hasSize(1);
        }
    }

    @Test
    void aPendingRunCanceledByAnOperatorLetsTheNextFireOpenANewOne() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String canceled = runs(h).get(0).runId();
            h.engine.cancel(canceled);

            edit(h, "c-1", 2);

            assertThat(runs(h)).hasSize(2).filteredOn(run -> run.status() == RunStatus.AWAITING).singleElement()
                    .satisfies(run -> assertThat(run.runId()).isNotEqualTo(canceled));
        }
    }

    @Test
    void aPendingRunCanceledAndDeletedByAnOperatorLetsTheNextFireOpenANewOneAtOnce() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String deleted = runs(h).get(0).runId();
            h.engine.cancel(deleted);
            h.engine.deleteRun(deleted, "ops");
            h.clock.advance(Duration.ofSeconds(5));

            List<StartedRun> next = h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}",
                    io.nvent.StartOptions.DEFAULTS);

            assertThat(next).singleElement().satisfies(run -> {
                assertThat(run.created()).as("a new pending run, not a fold into the deleted one").isTrue();
                assertThat(run.runId()).isNotEqualTo(deleted);
            });
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(next.get(0).runId(), RunStatus.COMPLETED);
            assertThat(SYNCED).singleElement().satisfies(input -> assertThat(input.get("version")).hasToString("2"));
        }
    }

    @Test
    void aDelayedStartThatNoTriggerDebouncesAsksTheStoreForNoDebounceSlotWhenItComesDue() {
        java.util.concurrent.atomic.AtomicInteger takes = new java.util.concurrent.atomic.AtomicInteger();
        MemorySchedulingStore counting = new MemorySchedulingStore() {
            @Override
            public synchronized Optional<String> takeDebounced(String runId) {
                takes.incrementAndGet();
                return super.takeDebounced(runId);
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), counting, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            String delayed = h.engine.start("crm-sync", Map.of("customerId", "c-9", "version", 1),
                    io.nvent.StartOptions.newBuilder().delay(Duration.ofSeconds(30)).build()).runId();
            edit(h, "c-1", 1);

            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            runs(h).forEach(run -> h.awaitStatus(run.runId(), RunStatus.COMPLETED));

            assertThat(runs(h)).extracting(RunInfo::runId).hasSize(2).contains(delayed);
            assertThat(takes).as("only the debounced run's start takes its slot").hasValue(1);
        }
    }

    @Test
    void aStoreFailureTakingTheSlotAsThePendingRunStartsStartsItWithItsLatestPayloadAndTheNextFireOpensANewOne() {
        java.util.concurrent.atomic.AtomicBoolean failNextTake = new java.util.concurrent.atomic.AtomicBoolean();
        MemorySchedulingStore failingOnce = new MemorySchedulingStore() {
            @Override
            public synchronized Optional<String> takeDebounced(String runId) {
                if (failNextTake.getAndSet(false)) {
                    throw new IllegalStateException("the database is unreachable");
                }
                return super.takeDebounced(runId);
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), failingOnce, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            edit(h, "c-1", 2);
            String pending = runs(h).get(0).runId();

            failNextTake.set(true);
            running = new java.util.concurrent.CountDownLatch(1);
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(pending, RunStatus.RUNNING);
            edit(h, "c-1", 3);
            running.countDown();
            h.awaitStatus(pending, RunStatus.COMPLETED);

            assertThat(runs(h)).as("the next fire is not folded into the started run").hasSize(2);
            String next = runs(h).stream().map(RunInfo::runId).filter(id -> !id.equals(pending)).findFirst()
                    .orElseThrow();
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(next, RunStatus.COMPLETED);
            assertThat(SYNCED).extracting(input -> String.valueOf(input.get("version"))).containsExactly("2", "3");
        }
    }

    @Test
    void aFireByNameWithoutTheKeyIsRefusedAndStartsNothing() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);

            assertThatThrownBy(() -> h.triggers.fire("crm", "{\"name\":\"Ada\"}", io.nvent.StartOptions.DEFAULTS))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageContaining("NVENT-0429 trigger 'crm' debounces its fires by the value at /customerId of"
                            + " each fire's payload (debounceKeyFrom), which holds nothing there");
            assertThat(runs(h)).isEmpty();
        }
    }

    @Test
    void twoEnginesOnOneStoreFoldConcurrentFiresOfAKeyIntoOneRun() throws Exception {
        MemoryFlowStore store = new MemoryFlowStore();
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        try (EngineHarness a = new EngineHarness(store, scheduling, "a", new Sync());
             EngineHarness b = new EngineHarness(store, scheduling, "b", new Sync())) {
            createDebounced(a, Duration.ofSeconds(30), null);
            b.triggers.refresh();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                for (int round = 0; round < 20; round++) {
                    String customer = "c-" + round;
                    CyclicBarrier together = new CyclicBarrier(8);
                    List<Callable<List<StartedRun>>> fires = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        EngineHarness h = i % 2 == 0 ? a : b;
                        int version = i;
                        fires.add(() -> {
                            together.await();
                            return h.triggers.fire("crm", "{\"customerId\":\"" + customer + "\",\"version\":" + version
                                    + "}", io.nvent.StartOptions.DEFAULTS);
                        });
                    }
                    Set<String> answered = new java.util.HashSet<>();
                    for (Future<List<StartedRun>> fire : pool.invokeAll(fires)) {
                        fire.get().forEach(run -> answered.add(run.runId()));
                    }
                    assertThat(answered).as("every fire of %s answered with the one pending run", customer).hasSize(1);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(runs(a)).as("one pending run per key").hasSize(20);
        }
    }

    @Test
    void aSendersRetryOfAFoldedDeliveryAfterThePendingRunStartedIsAnsweredWithThatRunAndOpensNoOther() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-2").build();
            String payload = "{\"customerId\":\"c-1\",\"version\":2}";
            assertThat(h.triggers.fire("crm", payload, delivery)).containsExactly(StartedRun.foldedInto(pending));
            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();
            h.awaitStatus(pending, RunStatus.COMPLETED);

            List<StartedRun> retry = h.triggers.fire("crm", payload, delivery);

            assertThat(retry).as("a replay of the fold, not a new pending run").singleElement()
                    .satisfies(run -> assertThat(run).isEqualTo(new StartedRun(pending, false))
                            .returns(true, StartedRun::replayed));
            assertThat(runs(h)).as("the delivery synced once").hasSize(1);
            assertThat(SYNCED).extracting(input -> String.valueOf(input.get("version"))).containsExactly("2");
        }
    }

    @Test
    void aSendersRetryOfAFoldedDeliveryWhileThePendingRunWaitsFoldsNothing() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-2").build();
            h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", delivery);
            h.clock.advance(Duration.ofSeconds(20));

            assertThat(h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", delivery))
                    .containsExactly(new StartedRun(pending, false));
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("folded once").hasSize(1);
            assertThat(h.engine.waits(pending)).singleElement().satisfies(wait -> assertThat(wait.until())
                    .as("the retry moved no start").contains(h.clock.instant().plus(Duration.ofSeconds(10))));
        }
    }

    @Test
    void aSendersRetryOfAFoldedDeliveryWithAnotherPayloadIsRefusedAndFoldsNothing() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-2").build();
            h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", delivery);
            h.clock.advance(Duration.ofSeconds(20));

            assertThatThrownBy(() -> h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":3}", delivery))
                    .isInstanceOf(io.nvent.IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0450 idempotency key 'delivery-2' of trigger 'crm' for flow 'crm-sync' was given"
                            + " by an earlier fire with another payload, which went into run " + pending + "; this fire"
                            + " was not folded into or appended to any run; a new request needs a new key");
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("folded once").hasSize(1);
            assertThat(h.store.findRun(pending).orElseThrow().input()).as("the first delivery's payload")
                    .contains("\"version\":2");
            assertThat(h.engine.waits(pending)).singleElement().satisfies(wait -> assertThat(wait.until())
                    .as("no start moved").contains(h.clock.instant().plus(Duration.ofSeconds(10))));
            assertThat(h.triggers.trigger("crm").orElseThrow().fires()).as("no fire of its own").isEqualTo(2);
            assertThat(h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", delivery))
                    .as("the retry with the first payload is still answered").containsExactly(new StartedRun(pending,
                            false));
        }
    }

    @Test
    void aSendersRetryWithThePayloadWrittenInAnotherMemberOrderAndSpacingIsAnsweredAsAReplay() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-2").build();
            h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", delivery);

            assertThat(h.triggers.fire("crm", "{ \"version\": 2,\n  \"customerId\": \"c-1\" }", delivery))
                    .containsExactly(new StartedRun(pending, false));
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("folded once").hasSize(1);
        }
    }

    @Test
    void aSendersRetryOfTheOpeningDeliveryWithAnotherPayloadIsRefused() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-1").build();
            h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":1}", delivery);
            String pending = runs(h).get(0).runId();

            assertThatThrownBy(() -> h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":9}", delivery))
                    .isInstanceOf(io.nvent.IdempotencyKeyConflictException.class)
                    .hasMessageContaining("NVENT-0450 idempotency key 'delivery-1' of trigger 'crm'")
                    .hasMessageContaining("which went into run " + pending);
            assertThat(h.store.findRun(pending).orElseThrow().input()).contains("\"version\":1");
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).isEmpty();
        }
    }

    @Test
    void aFireFoldedWhileTheOpeningInstanceStoresThePendingRunIsAppliedToThatRun() {
        SlotHookStore scheduling = new SlotHookStore();
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = new EngineHarness(store, scheduling, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            List<StartedRun> racing = new ArrayList<>();
            scheduling.afterNextOpen(() -> racing.addAll(h.triggers.fire("crm",
                    "{\"customerId\":\"c-1\",\"version\":2}", io.nvent.StartOptions.DEFAULTS)));

            edit(h, "c-1", 1);

            String pending = runs(h).get(0).runId();
            assertThat(racing).as("folded into the run being stored").containsExactly(StartedRun.foldedInto(pending));
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("the fold counts on the run").singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"folded\":1", "\"version\":2"));
            assertThat(store.findRun(pending).orElseThrow().input()).as("the latest payload").contains("\"version\":2");
        }
    }

    @Test
    void aFireFoldedJustAfterTheOpeningInstanceStoredThePendingRunCountsOnItOnce() {
        SlotHookStore scheduling = new SlotHookStore();
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness h = new EngineHarness(store, scheduling, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            // The second fire folds into the slot and finds the run stored before its opener applies the slot's folds.
            scheduling.beforeNextSlotRead(() -> h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}",
                    io.nvent.StartOptions.DEFAULTS));

            edit(h, "c-1", 1);

            assertThat(runs(h)).as("one pending run for both fires").hasSize(1);
            String pending = runs(h).get(0).runId();
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("one fold, written once").singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"folded\":1", "\"version\":2"));
            assertThat(store.findRun(pending).orElseThrow().input()).as("the latest payload").contains("\"version\":2");
        }
    }

    @Test
    void aFireFoldedBetweenThePendingRunsStoreAndItsWaitPutsOffItsStartAllTheSame() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            java.time.Instant firstFire = h.clock.instant();
            // The run is stored; before its start's wait is, a fire 10 s later folds into it.
            scheduling.beforeNextWaitSaved(() -> {
                h.clock.advance(Duration.ofSeconds(10));
                edit(h, "c-1", 2);
            });

            edit(h, "c-1", 1);

            String pending = runs(h).get(0).runId();
            assertThat(runs(h)).as("one pending run for both fires").hasSize(1);
            assertThat(h.engine.waits(pending)).singleElement().satisfies(wait -> assertThat(wait.until())
                    .as("a debounce after the latest fire").contains(firstFire.plus(Duration.ofSeconds(40))));
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).as("one fold, written once").hasSize(1);
        }
    }

    @Test
    void twoInstancesPuttingOffThePendingStartAtOnceLeaveItAtTheLaterTimeWhicheverWritesLast() {
        SlotHookStore scheduling = new SlotHookStore();
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness a = new EngineHarness(store, scheduling, "a", new Sync());
             EngineHarness b = new EngineHarness(store, scheduling, "b", new Sync())) {
            createDebounced(a, Duration.ofSeconds(30), null);
            b.triggers.refresh();
            java.time.Instant firstFire = a.clock.instant();
            edit(a, "c-1", 1);
            String pending = runs(a).get(0).runId();
            a.clock.advance(Duration.ofSeconds(10));
            b.clock.advance(Duration.ofSeconds(10));
            // a's fold read the start (firstFire + 30 s) and is about to put it off to firstFire + 40 s; meanwhile a
            // fire on b, 10 s later, puts it off to firstFire + 50 s.
            scheduling.beforeNextMove(() -> {
                a.clock.advance(Duration.ofSeconds(10));
                b.clock.advance(Duration.ofSeconds(10));
                edit(b, "c-1", 3);
            });

            edit(a, "c-1", 2);

            assertThat(scheduling.awaitsOfRun(pending)).singleElement().satisfies(wait -> assertThat(wait.resolveAt())
                    .as("a debounce after the latest fire").contains(firstFire.plus(Duration.ofSeconds(50))));
            a.clock.advance(Duration.ofSeconds(25));
            b.clock.advance(Duration.ofSeconds(25));
            a.sweep();
            b.sweep();
            assertThat(SYNCED).as("the latest fire's debounce has not passed").isEmpty();
            assertThat(store.findRun(pending).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
        }
    }

    @Test
    void aFoldAppliedAfterANewerOneLeavesTheRunWithTheNewerPayload() {
        try (EngineHarness h = new EngineHarness(new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();
            edit(h, "c-1", 2);
            edit(h, "c-1", 3);

            assertThat(h.engine.foldDebounced(new io.nvent.spi.DebouncedFire(pending, h.clock.instant(),
                    h.clock.instant().plus(Duration.ofSeconds(30)), 1), "{\"customerId\":\"c-1\",\"version\":2}",
                    "c-1")).as("counted already").isTrue();

            assertThat(h.store.findRun(pending).orElseThrow().input()).contains("\"version\":3");
            assertThat(h.eventsOf(pending, EventType.RUN_DEBOUNCED)).hasSize(2);
        }
    }

    @Test
    void aPendingRunWhoseInstanceStoppedBeforeStoringItIsRecoveredByTheSweepOnceWithItsLatestFold() {
        SlotHookStore scheduling = new SlotHookStore();
        MemoryFlowStore store = new MemoryFlowStore();
        try (EngineHarness a = new EngineHarness(store, scheduling, "a", new Sync());
             EngineHarness b = new EngineHarness(store, scheduling, "b", new Sync())) {
            createDebounced(a, Duration.ofSeconds(30), null);
            b.triggers.refresh();
            scheduling.stopAfterNextOpen();
            edit(a, "c-1", 1);
            assertThat(runs(a)).as("its instance stopped before it stored the run").isEmpty();
            b.clock.advance(Duration.ofSeconds(10));
            edit(b, "c-1", 2);

            b.clock.advance(Duration.ofSeconds(31).plus(TriggerManager.UNSTORED_SLOT_GRACE));
            a.clock.advance(Duration.ofSeconds(41).plus(TriggerManager.UNSTORED_SLOT_GRACE));
            b.sweep();
            a.sweep();
            b.sweep();

            assertThat(runs(a)).as("recovered once, across both instances").singleElement();
            String recovered = runs(a).get(0).runId();
            b.awaitStatus(recovered, RunStatus.COMPLETED);
            assertThat(SYNCED).extracting(input -> String.valueOf(input.get("version"))).containsExactly("2");
            assertThat(a.eventsOf(recovered, EventType.FLOW_START)).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("NVENT-0444 pending run " + recovered));
            assertThat(a.triggers.history("crm", 10)).filteredOn(e -> e.type().equals("trigger.recovered"))
                    .singleElement().satisfies(e -> assertThat(e.data()).contains(recovered));
        }
    }

    @Test
    void aStoreThatKeepsNoRequestKeysFoldsAKeyedFireAsBefore() {
        MemorySchedulingStore withoutRequestKeys = new MemorySchedulingStore() {
            @Override
            public Optional<io.nvent.spi.RequestKey> claimRequestKey(io.nvent.spi.RequestKey claim,
                                                                   java.time.Instant now) {
                throw new io.nvent.UnsupportedByAdapterException("NVENT-0280 a store written before nvent 0.2");
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), withoutRequestKeys, "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            edit(h, "c-1", 1);
            String pending = runs(h).get(0).runId();

            assertThat(h.triggers.fire("crm", "{\"customerId\":\"c-1\",\"version\":2}",
                    io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-2").build()))
                    .containsExactly(StartedRun.foldedInto(pending));
        }
    }
    @Test
    void aSendersRetryOfTheFireThatOpenedARecoveredRunIsAnsweredWithThatRunAndOpensNoOther() {
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean(true);
        MemoryFlowStore store = new MemoryFlowStore() {
            @Override
            public List<io.nvent.HistoryEvent> createRun(io.nvent.spi.RunRecord run,
                                                         List<io.nvent.spi.EventDraft> events, String key) {
                if (stopping.getAndSet(false)) {
                    throw new Error("the instance stopped before it stored the run");
                }
                return super.createRun(run, events, key);
            }
        };
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "a", new Sync())) {
            createDebounced(h, Duration.ofSeconds(30), null);
            io.nvent.StartOptions delivery = io.nvent.StartOptions.newBuilder().idempotencyKey("delivery-1").build();
            String payload = "{\"customerId\":\"c-1\",\"version\":1}";
            assertThatThrownBy(() -> h.triggers.fire("crm", payload, delivery)).isInstanceOf(Error.class);
            h.clock.advance(Duration.ofMinutes(10));
            h.sweep();
            h.sweep();
            String recovered = runs(h).get(0).runId();
            h.awaitStatus(recovered, RunStatus.COMPLETED);

            List<StartedRun> retry = h.triggers.fire("crm", payload, delivery);

            assertThat(retry).as("a replay of the opening fire").containsExactly(new StartedRun(recovered, false));
            assertThat(runs(h)).as("synced once").hasSize(1);
        }
    }
}

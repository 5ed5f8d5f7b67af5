package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.PayloadViolation;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A batching trigger: the fires of one key start one run with all their payloads, once the batch is full or its
 * window since the first fire has passed.
 */
class BatchedTriggersTest {

    /** The inputs the digest ran with, in order. */
    static final List<Map<String, Object>> DIGESTS = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "digest", name = "send", role = StepRole.ENTRY)
    public static class Digest implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            DIGESTS.add(input);
            return "sent " + input.get("count");
        }
    }

    public record Notification(@NotBlank String userId, @Positive int n) {
    }

    /** A digest of at least two notifications and at most three: more than a batch of one, less than batchMax. */
    public record Notifications(@Size(min = 2, max = 3) List<@Valid Notification> events, int count, String key) {
    }

    @FlowStep(flow = "digest", name = "send", role = StepRole.ENTRY)
    public static class ConstrainedDigest implements Step<Notifications, String> {
        @Override
        public String execute(Notifications input, StepContext ctx) {
            return "sent " + input.count();
        }
    }

    /** Its events are not cascaded to ({@code @Valid}): a batch of them never breaks Notification's constraints. */
    public record LooseNotifications(List<Notification> events, int count, String key) {
    }

    @FlowStep(flow = "digest", name = "send", role = StepRole.ENTRY)
    public static class LooseDigest implements Step<LooseNotifications, String> {
        @Override
        public String execute(LooseNotifications input, StepContext ctx) {
            return "sent " + input.count();
        }
    }

    private static void validating(EngineHarness h) {
        h.engine.useInputConstraints(new BeanValidationConstraints(
                Validation.buildDefaultValidatorFactory().getValidator(), new Json(1024 * 1024)));
    }

    @BeforeEach
    void reset() {
        DIGESTS.clear();
    }

    private static void createBatching(EngineHarness h, int max) {
        h.triggers.create(TriggerSpec.newBuilder("notify", TriggerType.EVENT).event("notification.created")
                .flow("digest").batch(max, Duration.ofSeconds(10)).batchKeyFrom("/userId").build());
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("digest"), Optional.empty(), 0, 100));
    }

    private static List<StartedRun> notify(EngineHarness h, String user, int n, StartOptions options) {
        return h.triggers.fire("notify", "{\"userId\":\"" + user + "\",\"n\":" + n + "}", options);
    }

    private static List<String> ns(Map<String, Object> input) {
        return ((List<?>) input.get("events")).stream().map(e -> String.valueOf(((Map<?, ?>) e).get("n"))).toList();
    }

    @Test
    void threeEventsWithinTheWindowStartOneRunWithTheirThreePayloadsInOrderOnceTheWindowHasPassed() {
        try (EngineHarness h = new EngineHarness(new Digest())) {
            createBatching(h, 100);

            StartedRun first = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0);
            h.clock.advance(Duration.ofSeconds(3));
            assertThat(notify(h, "u-1", 2, StartOptions.DEFAULTS)).as("appended: a fire of its own, not a replay")
                    .containsExactly(StartedRun.foldedInto(first.runId()));
            notify(h, "u-1", 3, StartOptions.DEFAULTS);

            assertThat(runs(h)).singleElement().satisfies(run -> assertThat(run.status()).isEqualTo(RunStatus.AWAITING));
            assertThat(h.engine.waits(first.runId())).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .isEqualTo("batching: 3 of 100 events of trigger 'notify' of key 'u-1', starts by "
                            + h.clock.instant().plus(Duration.ofSeconds(7)) + " or once the batch is full"));
            h.clock.advance(Duration.ofSeconds(6));
            h.sweep();
            assertThat(DIGESTS).as("the window has not passed").isEmpty();

            h.clock.advance(Duration.ofSeconds(1));
            h.sweep();
            h.awaitStatus(first.runId(), RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> {
                assertThat(ns(input)).containsExactly("1", "2", "3");
                assertThat(input).containsEntry("key", "u-1");
                assertThat(input.get("count")).hasToString("3");
            });
            assertThat(h.triggers.trigger("notify").orElseThrow().fires()).as("every fire counts").isEqualTo(3);
        }
    }

    @Test
    void theFireThatFillsTheBatchStartsItsRunAtOnceAndTheNextFireOpensANewBatch() {
        try (EngineHarness h = new EngineHarness(new Digest())) {
            createBatching(h, 3);

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            notify(h, "u-1", 2, StartOptions.DEFAULTS);
            notify(h, "u-1", 3, StartOptions.DEFAULTS);
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2", "3"));

            StartedRun next = notify(h, "u-1", 4, StartOptions.DEFAULTS).get(0);
            assertThat(next.created()).isTrue();
            assertThat(next.runId()).isNotEqualTo(runId);
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();
            h.awaitStatus(next.runId(), RunStatus.COMPLETED);
            assertThat(DIGESTS).last().satisfies(input -> assertThat(ns(input)).containsExactly("4"));
        }
    }

    @Test
    void differentKeysAreBatchedApart() {
        try (EngineHarness h = new EngineHarness(new Digest())) {
            createBatching(h, 100);

            notify(h, "u-1", 1, StartOptions.DEFAULTS);
            notify(h, "u-2", 2, StartOptions.DEFAULTS);
            notify(h, "u-1", 3, StartOptions.DEFAULTS);

            assertThat(runs(h)).hasSize(2);
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();
            runs(h).forEach(run -> h.awaitStatus(run.runId(), RunStatus.COMPLETED));
            assertThat(DIGESTS).extracting(input -> input.get("key") + ":" + ns(input))
                    .containsExactlyInAnyOrder("u-1:[1, 3]", "u-2:[2]");
        }
    }

    @Test
    void aSendersRetryOfAnAppendedFireIsAnsweredWithThePendingRunAndAppendsNothing() {
        try (EngineHarness h = new EngineHarness(new Digest())) {
            createBatching(h, 100);
            StartOptions delivery = StartOptions.newBuilder().idempotencyKey("delivery-2").build();

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            assertThat(notify(h, "u-1", 2, delivery)).containsExactly(StartedRun.foldedInto(runId));
            assertThat(notify(h, "u-1", 2, delivery)).as("the sender's retry: a replay").containsExactly(
                    new StartedRun(runId, false));
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
        }
    }

    @Test
    void aFireThatWouldMakeTheBatchTooLargeStartsItWithoutItselfAndOpensTheNextOne() {
        try (EngineHarness h = EngineHarness.withPayloadLimits(new Json(1024), new Digest())) {
            createBatching(h, 100);
            String filler = "x".repeat(300);

            String runId = h.triggers.fire("notify", "{\"userId\":\"u-1\",\"n\":1,\"f\":\"" + filler + "\"}",
                    StartOptions.DEFAULTS).get(0).runId();
            h.triggers.fire("notify", "{\"userId\":\"u-1\",\"n\":2,\"f\":\"" + filler + "\"}", StartOptions.DEFAULTS);
            StartedRun third = h.triggers.fire("notify", "{\"userId\":\"u-1\",\"n\":3,\"f\":\"" + filler + "\"}",
                    StartOptions.DEFAULTS).get(0);
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(third.created()).as("the third opens the next batch").isTrue();
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();
            h.awaitStatus(third.runId(), RunStatus.COMPLETED);
            assertThat(DIGESTS).last().satisfies(input -> assertThat(ns(input)).containsExactly("3"));
        }
    }

    @Test
    void twoEnginesOnOneStoreAppendConcurrentFiresOfAKeyToOneBatchLosingNone() throws Exception {
        MemoryFlowStore store = new MemoryFlowStore();
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        try (EngineHarness a = new EngineHarness(store, scheduling, "a", new Digest());
             EngineHarness b = new EngineHarness(store, scheduling, "b", new Digest())) {
            createBatching(a, 1000);
            b.triggers.refresh();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CyclicBarrier together = new CyclicBarrier(8);
                List<Callable<List<StartedRun>>> fires = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    EngineHarness h = i % 2 == 0 ? a : b;
                    int n = i;
                    fires.add(() -> {
                        if (n < 8) {
                            together.await();
                        }
                        return notify(h, "u-1", n, StartOptions.DEFAULTS);
                    });
                }
                for (Future<List<StartedRun>> fire : pool.invokeAll(fires)) {
                    fire.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(runs(a)).as("one pending run for the key").hasSize(1);
            a.clock.advance(Duration.ofSeconds(10));
            a.sweep();
            a.awaitStatus(runs(a).get(0).runId(), RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).hasSize(40)
                    .doesNotHaveDuplicates());
        }
    }

    @Test
    void aFireAppendedJustBeforeTheWindowStartsTheRunIsInThatRunOnlyAndOpensNoSecondBatch() {
        java.util.concurrent.atomic.AtomicReference<Runnable> afterAppend = new java.util.concurrent.atomic.AtomicReference<>();
        MemorySchedulingStore racing = new MemorySchedulingStore() {
            @Override
            public synchronized Optional<io.nvent.spi.BatchedFire> appendBatch(String slot, String payloadJson,
                    Optional<String> fireKey, int max, long maxBytes) {
                Optional<io.nvent.spi.BatchedFire> appended = super.appendBatch(slot, payloadJson, fireKey, max, maxBytes);
                Runnable hook = afterAppend.getAndSet(null);
                if (hook != null) {
                    hook.run();   // the window's timer starts the run between the append and its record
                }
                return appended;
            }
        };
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(racing, new Digest())) {
            createBatching(h, 100);
            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            h.clock.advance(Duration.ofSeconds(9));
            afterAppend.set(() -> {
                h.clock.advance(Duration.ofSeconds(1));
                h.sweep();
                h.awaitStatus(runId, RunStatus.COMPLETED);
            });

            assertThat(notify(h, "u-1", 2, StartOptions.DEFAULTS)).containsExactly(StartedRun.foldedInto(runId));
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            assertThat(runs(h)).as("no second batch holds the fire again").singleElement();
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
        }
    }

    @Test
    void aFireTooLargeForABatchOnItsOwnIsRefusedAndLeavesThePendingBatchAsItIs() {
        try (EngineHarness h = EngineHarness.withPayloadLimits(new Json(1024), new Digest())) {
            createBatching(h, 100);
            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.triggers.fire("notify",
                            "{\"userId\":\"u-1\",\"n\":2,\"f\":\"" + "x".repeat(990) + "\"}", StartOptions.DEFAULTS))
                    .hasMessageContaining("nvent.payload.max-bytes");
            h.sweep();
            assertThat(runs(h)).as("the pending batch waits for its window").singleElement()
                    .satisfies(run -> assertThat(run.status()).isEqualTo(RunStatus.AWAITING));
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1"));
        }
    }

    @Test
    void aStoreThatKeepsNoBatchesRefusesABatchingTriggerCreatedAtRunTime() {
        MemorySchedulingStore older = new MemorySchedulingStore() {
            @Override
            public boolean keepsTriggerBatches() {
                return false;
            }
        };
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(older, new Digest())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> createBatching(h, 100))
                    .isInstanceOf(io.nvent.UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0015 trigger 'notify' batches up to 100 fires, but scheduling store")
                    .hasMessageContaining("keepsTriggerBatches is false");
            assertThat(h.triggers.trigger("notify")).isEmpty();
        }
    }

    @Test
    void aSendersRetryOfAnAppendedFireAfterItsRunStartedIsAnsweredWithThatRunAndOpensNoBatch() {
        try (EngineHarness h = new EngineHarness(new Digest())) {
            createBatching(h, 100);
            StartOptions delivery = StartOptions.newBuilder().idempotencyKey("delivery-2").build();
            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            notify(h, "u-1", 2, delivery);
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(notify(h, "u-1", 2, delivery)).as("the sender's retry: a replay").containsExactly(
                    new StartedRun(runId, false));
            assertThat(runs(h)).as("no second batch").hasSize(1);
        }
    }

    @Test
    void aFireThatFillsTheBatchWhileTheOpeningInstanceStoresItsRunStartsThatRunAtOnce() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 2);
            List<StartedRun> racing = new ArrayList<>();
            scheduling.afterNextOpen(() -> racing.addAll(notify(h, "u-1", 2, StartOptions.DEFAULTS)));

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            h.sweep();

            assertThat(racing).containsExactly(StartedRun.foldedInto(runId));
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
            assertThat(h.eventsOf(runId, io.nvent.EventType.RUN_BATCHED)).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"count\":2", "\"full\":true"));
        }
    }

    @Test
    void aFireAppendedJustAfterTheOpeningInstanceStoredTheRunCountsOnItOnce() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 100);
            // The second fire is appended and finds the run stored before its opener applies the slot's fires.
            scheduling.beforeNextSlotRead(() -> notify(h, "u-1", 2, StartOptions.DEFAULTS));

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();

            assertThat(runs(h)).as("one batch").hasSize(1);
            assertThat(h.eventsOf(runId, io.nvent.EventType.RUN_BATCHED)).as("one append, written once")
                    .singleElement().satisfies(e -> assertThat(e.data()).contains("\"count\":2"));
        }
    }

    @Test
    void aFireThatFillsTheBatchBetweenTheRunsStoreAndItsWaitStartsThatRunAtOnceAndCountsOnce() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 2);
            scheduling.beforeNextWaitSaved(() -> notify(h, "u-1", 2, StartOptions.DEFAULTS));

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
            assertThat(h.eventsOf(runId, io.nvent.EventType.RUN_BATCHED)).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"count\":2", "\"full\":true"));
        }
    }

    @Test
    void aBatchWhoseInstanceStoppedBeforeStoringItsRunIsRecoveredByTheSweepWithEveryFire() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 100);
            scheduling.stopAfterNextOpen();
            h.engine.publishEvent("notification.created", Map.of("userId", "u-1", "n", 1));
            h.clock.advance(Duration.ofSeconds(3));
            notify(h, "u-1", 2, StartOptions.DEFAULTS);
            assertThat(runs(h)).as("its instance stopped before it stored the run").isEmpty();

            h.clock.advance(Duration.ofSeconds(8).plus(TriggerManager.UNSTORED_SLOT_GRACE));
            h.sweep();
            h.sweep();

            String recovered = runs(h).get(0).runId();
            h.awaitStatus(recovered, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
            assertThat(h.eventsOf(recovered, io.nvent.EventType.FLOW_START)).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("NVENT-0444", "\"batchKey\":\"u-1\""));
        }
    }

    @Test
    void aFireAfterTheWindowOfABatchNeverStoredOpensTheNextBatchWithTheFiresOfThatOne() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 100);
            scheduling.stopAfterNextOpen();
            h.engine.publishEvent("notification.created", Map.of("userId", "u-1", "n", 1));
            h.clock.advance(Duration.ofSeconds(11));

            String next = notify(h, "u-1", 2, StartOptions.DEFAULTS).get(0).runId();
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            h.awaitStatus(next, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).containsExactly("1", "2"));
        }
    }

    @Test
    void theClosedBatchOfARunCanceledBeforeItStartedIsDeletedWithTheCancel() {
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 2);
            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            notify(h, "u-1", 2, StartOptions.DEFAULTS);
            assertThat(scheduling.debounceSlotOf(runId)).as("full, closed, not yet taken")
                    .hasValueSatisfying(slot -> assertThat(slot.closed()).isTrue());

            h.engine.cancel(runId);

            assertThat(scheduling.debounceSlotOf(runId)).isEmpty();
            assertThat(scheduling.overdueDebounceSlots(h.clock.instant().plus(Duration.ofDays(1)), 10)).isEmpty();
        }
    }
    @Test
    void aSendersRetryArrivingWhileItsFirstDeliveryIsStillBeingAppendedIsToldToRetryAndAppendsNothing() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            createBatching(h, 100);
            StartOptions delivery = StartOptions.newBuilder().idempotencyKey("delivery-1").build();
            List<Throwable> retry = new ArrayList<>();
            scheduling.afterNextOpen(() -> {
                try {
                    notify(h, "u-1", 1, delivery);
                } catch (RuntimeException refused) {
                    retry.add(refused);
                }
            });

            String runId = notify(h, "u-1", 1, delivery).get(0).runId();
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            assertThat(retry).as("the retry is told the first is under way").singleElement()
                    .isInstanceOf(io.nvent.IdempotencyKeyInUseException.class);
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(DIGESTS).singleElement().satisfies(input -> assertThat(ns(input)).as("appended once")
                    .containsExactly("1"));
            assertThat(notify(h, "u-1", 1, delivery)).as("its next retry: a replay")
                    .containsExactly(new StartedRun(runId, false));
        }
    }
    @Test
    void aRecoveredBatchStartsWithTheTriggersConcurrencyKeyReadFromItsFirstPayload() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Digest())) {
            h.triggers.create(TriggerSpec.newBuilder("notify", TriggerType.EVENT).event("notification.created")
                    .flow("digest").batch(100, Duration.ofSeconds(10)).batchKeyFrom("/userId")
                    .concurrencyKeyFrom("/userId").build());
            scheduling.stopAfterNextOpen();
            h.engine.publishEvent("notification.created", Map.of("userId", "u-1", "n", 1));

            h.clock.advance(Duration.ofSeconds(11).plus(TriggerManager.UNSTORED_SLOT_GRACE));
            h.sweep();

            assertThat(runs(h)).singleElement().satisfies(run -> assertThat(run.concurrencyKey())
                    .as("as the batch's run would have").contains("u-1"));
        }
    }

    @Test
    void aFireIsCheckedAgainstTheConstraintsOfItsEventNotThoseOfABatchOfOne() {
        try (EngineHarness h = new EngineHarness(new ConstrainedDigest())) {
            validating(h);
            createBatching(h, 100);

            StartedRun first = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0);
            assertThatThrownBy(() -> notify(h, "u-1", -4, StartOptions.DEFAULTS))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageContaining("NVENT-0029 event of batching trigger 'notify' for flow 'digest' is not "
                            + "valid: n must be greater than 0")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations())
                            .containsExactly(new PayloadViolation("n", "must be greater than 0", "-4", "digest")));
            notify(h, "u-1", 2, StartOptions.DEFAULTS);
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            h.awaitStatus(first.runId(), RunStatus.COMPLETED);
            assertThat(h.store.findRun(first.runId()).orElseThrow().input()).as("the refused fire is not in it")
                    .contains("\"count\":2");
        }
    }

    @Test
    void aBatchBreakingItsClassesConstraintsAsAWholeFailsItsRunSayingWhyWithEveryEventKeptInItsInput() {
        try (EngineHarness h = new EngineHarness(new ConstrainedDigest())) {
            validating(h);
            createBatching(h, 5);

            String runId = notify(h, "u-1", 1, StartOptions.DEFAULTS).get(0).runId();
            for (int n = 2; n <= 5; n++) {
                notify(h, "u-1", n, StartOptions.DEFAULTS);
            }
            h.sweep();

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.AWAIT_RESOLVED)).singleElement().satisfies(started ->
                    assertThat(started.data()).contains("NVENT-0028 the batch of 5 events of key 'u-1' of run " + runId
                            + " of flow 'digest' breaks the constraints of " + Notifications.class.getName()
                            + " as a whole: events size must be between 2 and 3; the run starts with every event"));
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0417"));
            assertThat(h.store.findRun(runId).orElseThrow().input()).as("no accepted event is lost")
                    .contains("\"n\":1", "\"n\":2", "\"n\":3", "\"n\":4", "\"n\":5", "\"count\":5");
        }
    }

    @Test
    void aFireIsNotRefusedForConstraintsItsBatchWouldNotBeCheckedAgainst() {
        try (EngineHarness h = new EngineHarness(new LooseDigest())) {
            validating(h);
            createBatching(h, 100);

            String runId = notify(h, "u-1", -4, StartOptions.DEFAULTS).get(0).runId();
            assertThat(notify(h, "u-1", 2, StartOptions.DEFAULTS)).containsExactly(StartedRun.foldedInto(runId));
            h.clock.advance(Duration.ofSeconds(10));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.store.findRun(runId).orElseThrow().input()).contains("\"n\":-4", "\"count\":2");
        }
    }
}

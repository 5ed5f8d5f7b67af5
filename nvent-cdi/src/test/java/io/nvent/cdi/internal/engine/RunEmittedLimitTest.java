package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.EmittedPayloadsTooLargeException;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.NventConfig;
import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A run keeps the first payload of every event name it emits, in its own record, rewritten with every
 * change of the run: what it keeps is capped ({@code nvent.payload.max-run-emitted-bytes}), so that
 * emits under ever new names cannot make the run's every change slower (QA: 25 operator emits of 1 MB
 * took each emit of the run from 0.17 s to 1.58 s).
 */
class RunEmittedLimitTest {

    /** Payloads up to 1 KiB, a run's emitted ones up to 4 KiB: four payloads of {@link #KIB_PAYLOAD}. */
    private static final Json LIMITS = new Json(1024, new RunEmittedLimit(4096));
    /** A JSON string of 1002 bytes. */
    private static final String KIB_PAYLOAD = "x".repeat(1000);

    /** Declares the operator's events as its own, so that the graph lets a step subscribe to them. */
    @FlowStep(flow = "held", name = "hold", role = StepRole.ENTRY, emits = {"ev.1", "ev.2", "ev.3", "ev.4", "ev.5", "small"})
    static class Hold implements Step<Object, Void> {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    /** Makes the operator's events ones the flow listens to; it joins them all, so it never runs here. */
    @FlowStep(flow = "held", name = "listen", subscribes = {"ev.1", "ev.2", "ev.3", "ev.4", "ev.5", "small"})
    static class Listen implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anOperatorEmitBeyondWhatTheRunKeepsIsRefusedNamingTheRunTheEventTheSizesAndTheSetting() {
        Hold hold = new Hold();
        try (EngineHarness h = EngineHarness.withPayloadLimits(LIMITS, hold, new Listen())) {
            String runId = h.engine.start("held", null);
            for (int i = 1; i <= 4; i++) {
                h.engine.emit(runId, "ev." + i, KIB_PAYLOAD);
            }

            assertThatThrownBy(() -> h.engine.emit(runId, "ev.5", KIB_PAYLOAD))
                    .isInstanceOf(EmittedPayloadsTooLargeException.class)
                    .hasMessageStartingWith("NVENT-0198 run " + runId + ": event 'ev.5' (1002 bytes) is refused")
                    .hasMessageContaining("keeps 4008 bytes of the 4 events")
                    .hasMessageContaining("limit of 4096 bytes (nvent.payload.max-run-emitted-bytes)")
                    .satisfies(e -> {
                        EmittedPayloadsTooLargeException refused = (EmittedPayloadsTooLargeException) e;
                        assertThat(refused.runId()).isEqualTo(runId);
                        assertThat(refused.event()).isEqualTo("ev.5");
                        assertThat(refused.keptBytes()).isEqualTo(4008);
                        assertThat(refused.payloadBytes()).isEqualTo(1002);
                        assertThat(refused.limitBytes()).isEqualTo(4096);
                    });
            // An event the run keeps already takes no more room, nor does a small one that fits.
            h.engine.emit(runId, "ev.1", KIB_PAYLOAD);
            h.engine.emit(runId, "small", 1);

            assertThat(h.store.findRun(runId).orElseThrow().emitted())
                    .containsOnlyKeys("ev.1", "ev.2", "ev.3", "ev.4", "small");
            assertThat(h.eventsOf(runId, EventType.EMIT)).extracting(e -> e.data())
                    .noneMatch(data -> data.contains("\"ev.5\""))
                    .hasSize(6);
            hold.release.countDown();
            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @FlowStep(flow = "items", name = "produce", role = StepRole.ENTRY, emits = {"item.1", "item.2", "item.3"})
    static class Produce implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            for (int i = 1; i <= 3; i++) {
                ctx.emit("item." + i, KIB_PAYLOAD);
            }
            return null;
        }
    }

    @FlowStep(flow = "items", name = "more", subscribes = "item.1", emits = {"extra.1", "extra.2", "extra.3"})
    static class More implements Step<Object, Void> {
        final AtomicInteger emitted = new AtomicInteger();

        @Override
        public Void execute(Object input, StepContext ctx) {
            for (int i = 1; i <= 3; i++) {
                ctx.emit("extra." + i, KIB_PAYLOAD);
                emitted.incrementAndGet();
            }
            return null;
        }
    }

    @FlowStep(flow = "items", name = "after", subscribes = "extra.1")
    static class After extends CountingStep {
    }

    @Test
    void aStepsEmitBeyondWhatItsRunKeepsFailsTheAttemptAndRecordsNoneOfItsEmits() {
        More more = new More();
        After after = new After();
        try (EngineHarness h = EngineHarness.withPayloadLimits(LIMITS, new Produce(), more, after)) {
            String runId = h.engine.start("items", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            // The run kept three of produce's payloads: more's first emit fits, its second does not.
            assertThat(more.emitted).hasValue(1);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.step()).contains("more");
                assertThat(failed.data()).contains("NVENT-0198 run " + runId + ": event 'extra.2' (1002 bytes)")
                        .contains("keeps 4008 bytes of the 4 events")
                        .contains("nvent.payload.max-run-emitted-bytes");
            });
            assertThat(h.store.findRun(runId).orElseThrow().emitted()).containsOnlyKeys("item.1", "item.2", "item.3");
            assertThat(after.runs).hasValue(0);
        }
    }

    /** Both parallel steps of {@code race}: each has emitted (and passed its early check) and waits to be let go. */
    static final class Race {
        final CountDownLatch emitted = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);

        void emitAndWait(StepContext ctx, String prefix) throws InterruptedException {
            ctx.emit(prefix + ".1", KIB_PAYLOAD);
            ctx.emit(prefix + ".2", KIB_PAYLOAD);
            emitted.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @FlowStep(flow = "race", name = "begin", role = StepRole.ENTRY, emits = "go")
    static class Begin implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("go", KIB_PAYLOAD);
            return null;
        }
    }

    /** Emits its side's two events, then waits for the race to let it complete. */
    abstract static class RacingStep implements Step<Object, Void> {
        final Race race;
        final String side;

        RacingStep(Race race, String side) {
            this.race = race;
            this.side = side;
        }

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            race.emitAndWait(ctx, side);
            return null;
        }
    }

    @FlowStep(flow = "race", name = "left", subscribes = "go", emits = {"left.1", "left.2"}, maxAttempts = 2,
            backoff = BackoffType.FIXED, backoffDelayMs = 10)
    static class Left extends RacingStep {
        Left(Race race) {
            super(race, "left");
        }
    }

    @FlowStep(flow = "race", name = "right", subscribes = "go", emits = {"right.1", "right.2"}, maxAttempts = 2,
            backoff = BackoffType.FIXED, backoffDelayMs = 10)
    static class Right extends RacingStep {
        Right(Race race) {
            super(race, "right");
        }
    }

    @Test
    void twoParallelStepsWhoseEmitsEachFitButNotTogetherKeepTheRunWithinTheLimitAndTheSecondToCompleteFails()
            throws InterruptedException {
        Race race = new Race();
        try (EngineHarness h = EngineHarness.withPayloadLimits(LIMITS, new Begin(), new Left(race), new Right(race))) {
            String runId = h.engine.start("race", null);
            // Each read the run keeping go's 1002 bytes, and each emit of theirs fit it: 3006 bytes of 4096.
            assertThat(race.emitted.await(10, TimeUnit.SECONDS)).as("both steps emitted").isTrue();

            race.release.countDown();

            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.run(runId).orElseThrow().status().isTerminal());
            RunRecord run = h.store.findRun(runId).orElseThrow();
            assertThat(run.emitted().values().stream().mapToLong(RunEmittedLimit::utf8Bytes).sum())
                    .as("bytes the run keeps of its emitted events").isLessThanOrEqualTo(4096);
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            String completed = h.eventsOf(runId, EventType.STEP_COMPLETED).stream()
                    .map(e -> e.step().orElseThrow()).filter(step -> !step.equals("begin")).findFirst().orElseThrow();
            String refused = completed.equals("left") ? "right" : "left";
            assertThat(run.emitted()).containsOnlyKeys("go", completed + ".1", completed + ".2");
            // The completion of the second found the run keeping the first's emits: its own no longer fit.
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry -> {
                assertThat(retry.step()).contains(refused);
                assertThat(retry.data()).contains("NVENT-0198 run " + runId + ": event '" + refused + ".2' (1002 bytes)")
                        .contains("keeps 4008 bytes of the 4 events")
                        .contains("nvent.payload.max-run-emitted-bytes");
            });
            // Its retry reads the run as it is now, and its own emit refuses it.
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.step()).contains(refused);
                assertThat(failed.data()).contains("NVENT-0198 run " + runId + ": event '" + refused + ".2' (1002 bytes)");
            });
            assertThat(h.eventsOf(runId, EventType.EMIT)).extracting(e -> e.data())
                    .noneMatch(data -> data.contains("\"" + refused + "."));
        }
    }

    /** Declares the operator's events as its own too, so that the graph lets {@link Ship} subscribe to them. */
    @FlowStep(flow = "approved", name = "order", role = StepRole.ENTRY,
            emits = {"order.1", "order.2", "ev.1", "ev.2", "ev.3"}, maxAttempts = 1)
    @AwaitAfter(type = AwaitType.WEBHOOK)
    static class Order implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("order.1", KIB_PAYLOAD);
            ctx.emit("order.2", KIB_PAYLOAD);
            return null;
        }
    }

    @FlowStep(flow = "approved", name = "ship", subscribes = {"order.1", "ev.1", "ev.2", "ev.3"})
    static class Ship extends CountingStep {
    }

    @Test
    void emitsHeldByAnAfterAwaitThatNoLongerFitWhenItResolvesFailTheStepAndAreDiscarded() {
        Ship ship = new Ship();
        try (EngineHarness h = EngineHarness.withPayloadLimits(LIMITS, new Order(), ship)) {
            String runId = h.engine.start("approved", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            // The step's two emits fit the empty run at its completion; held, they take no room yet.
            for (int i = 1; i <= 3; i++) {
                h.engine.emit(runId, "ev." + i, KIB_PAYLOAD);
            }

            h.engine.resolveAwait(h.registration(0).await().awaitId(), Map.of());

            h.awaitStatus(runId, RunStatus.FAILED);
            RunRecord run = h.store.findRun(runId).orElseThrow();
            assertThat(run.emitted()).as("the held emits are discarded, none of them kept")
                    .containsOnlyKeys("ev.1", "ev.2", "ev.3");
            assertThat(run.steps()).containsEntry("order", StepStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.step()).contains("order");
                assertThat(failed.data()).contains("NVENT-0198 run " + runId + ": event 'order.2' (1002 bytes)")
                        .contains("keeps 4008 bytes of the 4 events")
                        .contains("nvent.payload.max-run-emitted-bytes");
            });
            assertThat(h.types(runId)).containsSubsequence("await.resolved", "step.failed", "flow.failed");
            assertThat(ship.runs).hasValue(0);

            // Its await resolved (it did not time out): a retry runs the step again, and its emit finds no room.
            h.engine.retryStep(runId, "order");

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_STARTED)).hasSize(2);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).last().satisfies(failed ->
                    assertThat(failed.data()).contains("NVENT-0198 run " + runId + ": event 'order.2' (1002 bytes)"));
            assertThat(h.store.findRun(runId).orElseThrow().emitted()).containsOnlyKeys("ev.1", "ev.2", "ev.3");
        }
    }

    @FlowStep(flow = "careful", name = "produce", role = StepRole.ENTRY,
            emits = {"item.1", "item.2", "item.3", "item.4", "item.5"})
    static class Careful implements Step<Object, String> {
        final AtomicReference<EmittedPayloadsTooLargeException> refused = new AtomicReference<>();

        @Override
        public String execute(Object input, StepContext ctx) {
            for (int i = 1; i <= 5; i++) {
                try {
                    ctx.emit("item." + i, Map.of("text", KIB_PAYLOAD.substring(10)));
                } catch (EmittedPayloadsTooLargeException e) {
                    refused.set(e);
                    return "stopped at item " + i;
                }
            }
            return "all";
        }
    }

    @Test
    void aStepThatCatchesTheRefusalCompletesWithTheEmitsThatFit() {
        Careful careful = new Careful();
        try (EngineHarness h = EngineHarness.withPayloadLimits(LIMITS, careful)) {
            String runId = h.engine.start("careful", null);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.store.findRun(runId).orElseThrow().result()).contains("\"stopped at item 5\"");
            assertThat(careful.refused.get().event()).isEqualTo("item.5");
            assertThat(h.store.findRun(runId).orElseThrow().emitted())
                    .containsOnlyKeys("item.1", "item.2", "item.3", "item.4");
        }
    }

    @Test
    void theLimitIsNeverBelowTheLimitOfOnePayload() {
        assertThatThrownBy(() -> new Json(1024 * 1024, new RunEmittedLimit(1024)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be below the limit of one payload (1048576 bytes)");
        assertThat(new Json(1024 * 1024).runEmittedLimit().maxBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(new Json(32 * 1024 * 1024).runEmittedLimit().maxBytes()).isEqualTo(32L * 1024 * 1024);
    }

    @Test
    void theSettingIsReadAndRefusedBelowTheLimitOfOnePayload() {
        assertThat(RunEmittedLimit.of(config(Map.of()), 1024 * 1024).maxBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(RunEmittedLimit.of(config(Map.of(RunEmittedLimit.KEY, "2097152")), 1024 * 1024).maxBytes())
                .isEqualTo(2 * 1024 * 1024);
        assertThatThrownBy(() -> RunEmittedLimit.of(config(Map.of(RunEmittedLimit.KEY, "1000")), 1024 * 1024))
                .hasMessage("NVENT-0001 configuration key nvent.payload.max-run-emitted-bytes must be at least"
                        + " nvent.payload.max-bytes (1048576), so that a run can keep one payload it accepts, was 1000");
        assertThatThrownBy(() -> RunEmittedLimit.of(config(Map.of(RunEmittedLimit.KEY, "16MB")), 1024 * 1024))
                .hasMessageStartingWith("NVENT-0001 configuration key nvent.payload.max-run-emitted-bytes");
    }

    private static NventConfig config(Map<String, String> values) {
        return new NventConfig(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void payloadsAreCountedInUtf8Bytes() {
        assertThat(RunEmittedLimit.utf8Bytes("\"aé€😀\"")).isEqualTo(1 + 1 + 2 + 3 + 4 + 1);
    }

    /** 3 UTF-8 bytes in 1 char. */
    private static final String EURO = "\u20ac";
    /** 4 UTF-8 bytes in 2 chars (a surrogate pair). */
    private static final String GRIN = "\ud83d\ude00";

    @Test
    void payloadsOfCharsOfThreeOrFourBytesAreAdmittedUpToTheLimitAndRefusedJustBeyondIt() {
        RunEmittedLimit.Tally euros = new RunEmittedLimit(30).tally("run-1", Map.of());
        euros.admit("euros", EURO.repeat(10)); // 30 bytes: exactly the limit

        assertThatThrownBy(() -> euros.admit("one more", EURO))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'one more' (3 bytes) is refused: the run keeps 30 bytes");
        assertThatThrownBy(() -> new RunEmittedLimit(30).tally("run-1", Map.of()).admit("euros", EURO.repeat(11)))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'euros' (33 bytes) is refused: the run keeps 0 bytes");

        RunEmittedLimit.Tally grins = new RunEmittedLimit(40).tally("run-1", Map.of());
        grins.admit("grins", GRIN.repeat(10)); // 40 bytes in 20 chars: exactly the limit

        assertThatThrownBy(() -> grins.admit("one more", GRIN))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'one more' (4 bytes) is refused: the run keeps 40 bytes");
        assertThatThrownBy(() -> new RunEmittedLimit(40).tally("run-1", Map.of()).admit("grins", GRIN.repeat(10) + "a"))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'grins' (41 bytes) is refused: the run keeps 0 bytes");
    }

    @Test
    void aRunKeepingPayloadsOfCharsOfThreeOrFourBytesHasRoomOnlyForWhatTheirBytesLeave() {
        new RunEmittedLimit(31).tally("run-1", Map.of("euros", EURO.repeat(10))).admit("last", "a");
        assertThatThrownBy(() -> new RunEmittedLimit(30).tally("run-1", Map.of("euros", EURO.repeat(10)))
                .admit("one more", "a"))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'one more' (1 bytes) is refused: the run keeps 30 bytes");

        new RunEmittedLimit(41).tally("run-1", Map.of("grins", GRIN.repeat(10))).admit("last", "a");
        assertThatThrownBy(() -> new RunEmittedLimit(40).tally("run-1", Map.of("grins", GRIN.repeat(10)))
                .admit("one more", "a"))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("event 'one more' (1 bytes) is refused: the run keeps 40 bytes");
    }

    @Test
    void aRunNearTheLimitCountsInExactBytesWhatItKeptAndWhatItsStepEmittedBefore() {
        RunEmittedLimit.Tally tally = new RunEmittedLimit(100).tally("run-1", Map.of("kept", "k".repeat(10)));

        tally.admit("first", "a".repeat(20));
        tally.admit("second", "b".repeat(30));
        tally.admit("third", "c".repeat(40));

        assertThatThrownBy(() -> tally.admit("fourth", "d"))
                .isInstanceOf(EmittedPayloadsTooLargeException.class)
                .hasMessageContaining("the run keeps 100 bytes of the 4 events");
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An operator's cancel with {@link CancelOptions#compensate()}: the run undoes its completed steps, then ends canceled. */
class CancelCompensationTest {

    /** What the compensation steps were given, in the order they ran. */
    static final List<String> UNDONE = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "shop", name = "pick", role = StepRole.ENTRY, emits = "picked", compensation = "unpick")
    static class Pick implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("picked", Map.of());
            return "shelf-4";
        }
    }

    @FlowStep(flow = "shop", name = "pack", subscribes = "picked", emits = "packed", compensation = "unpack")
    static class Pack implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("packed", Map.of());
            return "box-2";
        }
    }

    /** Waits for the courier until it is asked to stop. */
    @FlowStep(flow = "shop", name = "hand-over", subscribes = "packed")
    static class HandOver implements Step<Object, Void> {
        final CountDownLatch running = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            running.countDown();
            new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @FlowStep(flow = "shop", name = "unpick", role = StepRole.COMPENSATION)
    static class Unpick implements Step<String, Void> {
        @Override
        public Void execute(String shelf, StepContext ctx) {
            UNDONE.add("unpick " + shelf + ": " + ctx.compensating().orElseThrow().failure());
            return null;
        }
    }

    @FlowStep(flow = "shop", name = "unpack", role = StepRole.COMPENSATION, maxAttempts = 1)
    static class Unpack implements Step<String, Void> {
        final AtomicBoolean tapeStuck = new AtomicBoolean();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(String box, StepContext ctx) throws InterruptedException {
            running.countDown();
            release.await(10, TimeUnit.SECONDS);
            if (tapeStuck.get()) {
                throw new IllegalStateException("the tape of " + box + " is stuck");
            }
            UNDONE.add("unpack " + box);
            return null;
        }
    }

    @Test
    void aCancelWithCompensateUndoesTheCompletedStepsNewestFirstThenEndsCanceled() throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        Unpack unpack = new Unpack();
        unpack.release.countDown();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), unpack)) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();

            CanceledRuns canceled = h.engine.cancel(runId, CancelOptions.compensating());

            assertThat(canceled.canceled()).isTrue();
            RunInfo run = h.awaitStatus(runId, RunStatus.CANCELED);
            assertThat(UNDONE).containsExactly("unpack box-2",
                    "unpick shelf-4: an operator canceled the run and asked for its completed steps to be undone");
            assertThat(run.steps()).containsEntry("hand-over", StepStatus.CANCELED)
                    .containsEntry("unpack", StepStatus.COMPLETED).containsEntry("unpick", StepStatus.COMPLETED);
            assertThat(h.types(runId)).containsSubsequence("run.compensating", "step.started", "step.completed",
                    "step.started", "step.completed", "run.compensated", "flow.cancel").doesNotContain("flow.failed");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING).get(0).data()).contains("\"cancel\":true",
                    "\"reason\":\"an operator canceled the run", "\"compensate\":[\"pack\",\"pick\"]");
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATED).get(0).data())
                    .contains("\"compensated\":[\"pack\",\"pick\"]");
        }
    }

    @Test
    void aCompensationThatFailsForGoodDuringACancelFailsTheRunNamingTheStepsLeftNotCompensated()
            throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        Unpack unpack = new Unpack();
        unpack.tapeStuck.set(true);
        unpack.release.countDown();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), unpack)) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();

            h.engine.cancel(runId, CancelOptions.compensating());

            RunInfo run = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains(
                    "the compensation of step pack by unpack failed: the tape of box-2 is stuck",
                    "steps left not compensated: [pack, pick]", "the run was being canceled: an operator canceled"));
            assertThat(UNDONE).isEmpty();
            assertThat(h.types(runId)).containsSubsequence("run.compensating", "step.failed", "flow.failed")
                    .doesNotContain("run.compensated", "flow.cancel");
        }
    }

    @Test
    void aCancelWithCompensateOfARunAlreadyCompensatingLeavesItToGoOnAndSaysItDidNotCancel()
            throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        Unpack unpack = new Unpack();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), unpack)) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();
            h.engine.cancel(runId, CancelOptions.compensating());
            assertThat(unpack.running.await(10, TimeUnit.SECONDS)).isTrue();

            CanceledRuns again = h.engine.cancel(runId, CancelOptions.compensating());

            assertThat(again.canceled()).isFalse();
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            unpack.release.countDown();
            h.awaitStatus(runId, RunStatus.CANCELED);
            assertThat(UNDONE).hasSize(2);
            assertThat(h.eventsOf(runId, EventType.RUN_COMPENSATING)).hasSize(1);
        }
    }

    @Test
    void aBulkCancelWithCompensationUndoesTheCompletedStepsOfEachRun() throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        Unpack unpack = new Unpack();
        unpack.release.countDown();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), unpack)) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();

            BulkResult result = h.engine.cancelRuns(BulkCancel.ofFlow("shop").withCompensation());

            assertThat(result.acted()).isEqualTo(1);
            h.awaitStatus(runId, RunStatus.CANCELED);
            assertThat(UNDONE).hasSize(2).first().isEqualTo("unpack box-2");
        }
    }

    @Test
    void aPlainCancelStillUndoesNothing() throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), new Unpack())) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(h.engine.cancel(runId, CancelOptions.DEFAULTS).canceled()).isTrue();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.types(runId)).contains("flow.cancel").doesNotContain("run.compensating");
            assertThat(UNDONE).isEmpty();
        }
    }

    // ------------------------------------------------------------ nothing to undo

    @FlowStep(flow = "call", name = "dial", role = StepRole.ENTRY, compensation = "hang-up")
    static class Dial implements Step<Object, Void> {
        final CountDownLatch running = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            running.countDown();
            new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @FlowStep(flow = "call", name = "hang-up", role = StepRole.COMPENSATION)
    static class HangUp implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            UNDONE.add("hang up");
            return null;
        }
    }

    @Test
    void aCancelWithCompensateOfARunWithNothingToUndoCancelsItAtOnce() throws InterruptedException {
        UNDONE.clear();
        Dial dial = new Dial();
        try (EngineHarness h = new EngineHarness(dial, new HangUp())) {
            String runId = h.engine.start("call", null);
            assertThat(dial.running.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(h.engine.cancel(runId, CancelOptions.compensating()).canceled()).isTrue();

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.types(runId)).contains("flow.cancel").doesNotContain("run.compensating", "run.compensated");
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(UNDONE::isEmpty);
        }
    }

    // ------------------------------------------------------------ with children

    @FlowStep(flow = "batch", name = "split", role = StepRole.ENTRY, emits = "split", compensation = "merge")
    static class Split implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.startFlow("call", null);
            ctx.emit("split", Map.of());
            return "parts-3";
        }
    }

    @FlowStep(flow = "batch", name = "wait-all", subscribes = "split")
    static class WaitAll implements Step<Object, Void> {
        final CountDownLatch running = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            running.countDown();
            new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @FlowStep(flow = "batch", name = "merge", role = StepRole.COMPENSATION)
    static class Merge implements Step<String, Void> {
        @Override
        public Void execute(String parts, StepContext ctx) {
            UNDONE.add("merge " + parts);
            return null;
        }
    }

    @Test
    void aCancelWithChildrenAndCompensateUndoesTheRunsStepsAndCancelsItsChildrenPlainly() throws InterruptedException {
        UNDONE.clear();
        WaitAll waitAll = new WaitAll();
        Dial dial = new Dial();
        try (EngineHarness h = new EngineHarness(new Split(), waitAll, new Merge(), dial, new HangUp())) {
            String runId = h.engine.start("batch", null);
            assertThat(waitAll.running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(dial.running.await(10, TimeUnit.SECONDS)).isTrue();

            CanceledRuns canceled = h.engine.cancel(runId,
                    CancelOptions.withChildren().toBuilder().compensate(true).build());

            assertThat(canceled.canceled()).isTrue();
            assertThat(canceled.descendantsCanceled()).isEqualTo(1);
            h.awaitStatus(runId, RunStatus.CANCELED);
            assertThat(UNDONE).containsExactly("merge parts-3");
            assertThat(h.eventsOf(runId, EventType.FLOW_CANCEL).get(0).data()).contains("\"withChildren\":true");
            String child = h.engine.runs(io.nvent.RunQuery.all().withParentRunId(runId)).get(0).runId();
            assertThat(h.engine.run(child).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.types(child)).doesNotContain("run.compensating");
        }
    }

    @Test
    void aFailedCompensationOfACancelRetriedByAnOperatorUndoesTheRestThenEndsCanceled() throws InterruptedException {
        UNDONE.clear();
        HandOver handOver = new HandOver();
        Unpack unpack = new Unpack();
        unpack.tapeStuck.set(true);
        unpack.release.countDown();
        try (EngineHarness h = new EngineHarness(new Pick(), new Pack(), handOver, new Unpick(), unpack)) {
            String runId = h.engine.start("shop", null);
            assertThat(handOver.running.await(10, TimeUnit.SECONDS)).isTrue();
            h.engine.cancel(runId, CancelOptions.compensating());
            h.awaitStatus(runId, RunStatus.FAILED);

            unpack.tapeStuck.set(false);
            h.engine.retryStep(runId, "unpack");

            RunInfo run = h.awaitStatus(runId, RunStatus.CANCELED);
            assertThat(run.error()).isEmpty();
            assertThat(UNDONE).hasSize(2).first().isEqualTo("unpack box-2");
            assertThat(h.types(runId)).endsWith("run.compensated", "flow.cancel");
        }
    }

    // ------------------------------------------------------------ a child started late

    @FlowStep(flow = "fan", name = "open", role = StepRole.ENTRY, emits = "opened", compensation = "close")
    static class Open implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("opened", Map.of());
            return "door-1";
        }
    }

    /** Ignores the cancel's interrupt: once let go, it starts a child run and returns. */
    @FlowStep(flow = "fan", name = "spawn", subscribes = "opened")
    static class Spawn implements Step<Object, Void> {
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) {
            running.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    if (letGo.await(10, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            ctx.startFlow("call", null);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    @FlowStep(flow = "fan", name = "close", role = StepRole.COMPENSATION)
    static class Close implements Step<String, Void> {
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Void execute(String door, StepContext ctx) throws InterruptedException {
            running.countDown();
            release.await(10, TimeUnit.SECONDS);
            UNDONE.add("close " + door);
            return null;
        }
    }

    @Test
    void aChildStartedWhileARunCanceledWithChildrenCompensatesIsCanceledAsItStartsNotWhenTheRunEnds()
            throws InterruptedException {
        UNDONE.clear();
        Spawn spawn = new Spawn();
        Close close = new Close();
        try (EngineHarness h = new EngineHarness(new Open(), spawn, close, new Dial(), new HangUp())) {
            String runId = h.engine.start("fan", null);
            assertThat(spawn.running.await(10, TimeUnit.SECONDS)).isTrue();
            h.engine.cancel(runId, CancelOptions.withChildren().toBuilder().compensate(true).build());
            assertThat(close.running.await(10, TimeUnit.SECONDS)).isTrue();

            spawn.letGo.countDown();   // starts its child while the run compensates

            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.runs(io.nvent.RunQuery.all()
                    .withParentRunId(runId)).stream().anyMatch(child -> child.status() == RunStatus.CANCELED));
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            close.release.countDown();
            h.awaitStatus(runId, RunStatus.CANCELED);
        }
    }

    @Test
    void aBulkCancelWithChildrenAndCompensateLeavesARunStillCompensatingAtItsCursorToGoOn()
            throws InterruptedException {
        UNDONE.clear();
        Spawn spawn = new Spawn();
        Close close = new Close();
        try (EngineHarness h = new EngineHarness(new Open(), spawn, close, new Dial(), new HangUp())) {
            String runId = h.engine.start("fan", null);
            assertThat(spawn.running.await(10, TimeUnit.SECONDS)).isTrue();
            // as a bulk cancel that stopped at this run, its limit of descendants reached
            h.engine.cancel(runId, CancelOptions.withChildren().toBuilder().compensate(true).build());
            assertThat(close.running.await(10, TimeUnit.SECONDS)).isTrue();
            spawn.letGo.countDown();   // its child is canceled as it starts
            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.runs(io.nvent.RunQuery.all()
                    .withParentRunId(runId)).stream().anyMatch(child -> child.status() == RunStatus.CANCELED));

            BulkResult next = h.engine.cancelRuns(BulkCancel.ofFlow("fan").withChildren().withCompensation()
                    .startingAfter(io.nvent.RunPosition.of(h.engine.run(runId).orElseThrow())));

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPENSATING);
            assertThat(next.descendantsCanceled()).isZero();
            close.release.countDown();
            h.awaitStatus(runId, RunStatus.CANCELED);
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitClosedException;
import io.nvent.AwaitStatus;
import io.nvent.AwaitTimedOut;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An await registered by a step whose run ended meanwhile (canceled on another instance between the
 * step's completion and the await's save) never resumes the run: it is not left waiting, resolving it
 * says the run ended, and its timeout changes nothing.
 */
class AwaitOfEndedRunTest {

    static final AtomicInteger publications = new AtomicInteger();

    @FlowStep(flow = "article", name = "draft", role = StepRole.ENTRY, emits = "drafted")
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.CONTINUE)
    static class Draft implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("drafted", Map.of("title", "t"));
            return "drafted";
        }
    }

    @FlowStep(flow = "article", name = "publish", subscribes = "drafted")
    static class Publish implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            publications.incrementAndGet();
            return null;
        }
    }

    /**
     * A scheduling store that lets the test act just before an await is saved: one that saves awaits on their own,
     * after the change of their run (a store written before 0.2), as the memory store's own save them with it.
     */
    static final class BeforeSaveStore extends MemorySchedulingStore {
        final AtomicReference<Consumer<AwaitRecord>> beforeSave = new AtomicReference<>(await -> { });

        @Override
        public boolean savesAwaitsWithRunChanges(io.nvent.spi.FlowStore runs) {
            return false;
        }

        @Override
        public void saveAwait(AwaitRecord await) {
            beforeSave.get().accept(await);
            super.saveAwait(await);
        }
    }

    private BeforeSaveStore scheduling;
    private EngineHarness h;

    @BeforeEach
    void noPublications() {
        publications.set(0);
    }

    /** Starts an article whose run another instance cancels after its step completed, before its await is saved. */
    private String startCanceledWhileTheAwaitIsSaved() {
        scheduling = new BeforeSaveStore();
        h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Draft(), new Publish());
        scheduling.beforeSave.set(await -> h.engine.cancel(await.runId()));
        String runId = h.engine.start("article", null);
        await().until(() -> !scheduling.awaitsOfRun(runId).isEmpty());
        h.awaitStatus(runId, RunStatus.CANCELED);
        return runId;
    }

    @Test
    void anAwaitSavedAfterItsRunWasCanceledIsNotLeftWaitingAndResolvingItSaysTheRunEnded() {
        String runId = startCanceledWhileTheAwaitIsSaved();
        try (EngineHarness engine = h) {
            assertThat(engine.engine.awaits(true, 10)).as("no await waits for a canceled run").isEmpty();
            AwaitRecord await = scheduling.awaitsOfRun(runId).get(0);
            assertThat(await.status()).isEqualTo(AwaitStatus.CANCELED);
            List<HistoryEvent> before = engine.history(runId);

            assertThatThrownBy(() -> engine.engine.resolveWebhook(await.token(), "{\"ok\":true}"))
                    .isInstanceOfSatisfying(AwaitClosedException.class,
                            e -> assertThat(e.status()).isEqualTo(AwaitStatus.CANCELED))
                    .hasMessageContaining("NVENT-0212").hasMessageContaining("the run is canceled");
            assertThatThrownBy(() -> engine.engine.resolveAwait(await.awaitId(), null))
                    .isInstanceOf(AwaitClosedException.class);

            await().during(Duration.ofMillis(200)).until(() -> publications.get() == 0);
            assertThat(engine.history(runId)).as("history unchanged").isEqualTo(before);
            assertThat(engine.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
        }
    }

    @Test
    void theTimeoutOfAnAwaitWhoseRunEndedTakesNoAction() {
        String runId = startCanceledWhileTheAwaitIsSaved();
        try (EngineHarness engine = h) {
            List<HistoryEvent> before = engine.history(runId);

            engine.clock.advance(Duration.ofMinutes(2));
            engine.sweep();

            assertThat(engine.hooksOf(AwaitTimedOut.class)).as("no timeout action").isEmpty();
            await().during(Duration.ofMillis(200)).until(() -> publications.get() == 0);
            assertThat(engine.history(runId)).as("history unchanged").isEqualTo(before);
        }
    }
}

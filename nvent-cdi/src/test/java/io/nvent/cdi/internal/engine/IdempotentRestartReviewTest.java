package io.nvent.cdi.internal.engine;

import io.nvent.HistoryEvent;
import io.nvent.RestartOptions;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Confirm;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Fetch;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Load;
import io.nvent.cdi.internal.engine.RecoveryActionsTest.Transform;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Review findings on keyed restarts and reruns: each test states what the API promises and fails today. */
class IdempotentRestartReviewTest {

    private static final Map<String, Object> ANN = Map.of("email", "ann@example.com");

    @Test
    void aRepeatedKeyedRestartAfterTheOriginalWasDeletedReturnsTheCopyItMade() {
        try (EngineHarness h = new EngineHarness(new Confirm())) {
            String original = h.engine.start("signup", ANN);
            h.awaitStatus(original, RunStatus.AWAITING);
            StartedRun first = h.engine.restart(original, RestartOptions.idempotent("restart-1"));
            h.engine.deleteRun(original);   // canceled, so deletable: by an operator, or retention

            // A client's retry of a restart that succeeded, while the copy holds the key: RunNotFoundException today.
            assertThat(h.engine.restart(original, RestartOptions.idempotent("restart-1")))
                    .isEqualTo(new StartedRun(first.runId(), false));
        }
    }

    @Test
    void aRepeatedKeyedRerunAfterTheOriginalWasDeletedReturnsTheCopyItMade() {
        try (EngineHarness h = new EngineHarness(new Fetch(), new Transform(), new Load())) {
            String original = h.engine.start("etl", Map.of("rows", 7));
            h.awaitStatus(original, RunStatus.COMPLETED);
            StartedRun first = h.engine.rerunFrom(original, "transform", RestartOptions.idempotent("rerun-1"));
            h.engine.deleteRun(original);

            assertThat(h.engine.rerunFrom(original, "transform", RestartOptions.idempotent("rerun-1")))
                    .isEqualTo(new StartedRun(first.runId(), false));
        }
    }

    @Test
    void aKeyedRestartRefusedBecauseAnotherInstanceTookTheKeyMeanwhileLeavesTheOriginalRunning() {
        StoreWithHookBeforeWrite store = new StoreWithHookBeforeWrite();
        try (EngineHarness a = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Confirm());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Confirm())) {
            String original = a.engine.start("signup", ANN);
            a.awaitStatus(original, RunStatus.AWAITING);
            // Another instance starts the flow with the same key after this instance found the key free
            // (its check) and before it inserts the copy or, whichever it does first, cancels the original.
            store.beforeNextWriteOf(original, () -> b.engine.start("signup", ANN, StartOptions.idempotent("taken")));

            Throwable refused = catchThrowable(() -> a.engine.restart(original, RestartOptions.idempotent("taken")));

            assertThat(refused).hasMessageContaining("NVENT-0276").hasMessageContaining("nothing was started or canceled");
            assertThat(a.engine.run(original).orElseThrow().status())
                    .as("the refused restart said it canceled nothing").isEqualTo(RunStatus.AWAITING);
        }
    }

    /**
     * A store that runs a hook (another instance's work) just before its next write for a restart of one run:
     * the update of that run or the insert of a run holding a key, whichever comes first.
     */
    static final class StoreWithHookBeforeWrite extends MemoryFlowStore {
        private final AtomicReference<Map.Entry<String, Runnable>> hook = new AtomicReference<>();

        void beforeNextWriteOf(String runId, Runnable action) {
            hook.set(Map.entry(runId, action));
        }

        private void runHookIf(Predicate<String> armedFor) {
            Map.Entry<String, Runnable> armed = hook.get();
            if (armed != null && armedFor.test(armed.getKey()) && hook.compareAndSet(armed, null)) {
                armed.getValue().run();
            }
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            runHookIf(runId::equals);
            return super.updateRun(runId, mutation);
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            runHookIf(anyRun -> true);
            return super.createRun(run, events, idempotencyKey);
        }
    }
}

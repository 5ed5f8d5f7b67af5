package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.RunNotStartedException;
import io.nvent.RunQuery;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.AwaitStatus;
import io.nvent.RunStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunRecord;
import io.nvent.testkit.LogRecorder;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A delayed or keyed start whose await the store refuses is refused to its caller, with nothing left behind, instead
 * of returning a run that failed already.
 */
class RefusedStartAwaitTest {

    /** Sends a reminder. */
    @FlowStep(flow = "reminder", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aDelayedStartTheStoreWasAwayForThrowsNamingTheRunAndKeepsNothing() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new RefusedAwaitTest.SchedulingAway(1), new Send())) {
            assertThatThrownBy(() -> h.engine.start("reminder", Map.of(), StartOptions.delayed(Duration.ofDays(3))))
                    .isInstanceOfSatisfying(RunNotStartedException.class, refused -> {
                        assertThat(refused.isRetryable()).isTrue();
                        assertThat(refused.flow()).isEqualTo("reminder");
                        assertThat(refused.getMessage()).startsWith("NVENT-0257 run '" + refused.runId() + "'")
                                .contains("'send'").contains("NVENT-0250").contains("once the store is back");
                    });
            assertThat(h.store.findRuns(RunQuery.all())).isEmpty();
            assertThat(log.messagesContaining("NVENT-0025")).isEmpty();
        }
    }

    @Test
    void aKeyedStartTheStoreRefusesTheAwaitOfThrowsAndTheSameStartSucceedsOnceTheStoreTakesIt() {
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(new RefusedAwaitTest.FlakyScheduling(), new Send())) {
            StartOptions keyed = StartOptions.newBuilder().idempotencyKey("remind-42").concurrencyKey("customer-42")
                    .delay(Duration.ofHours(1)).build();
            assertThatThrownBy(() -> h.engine.start("reminder", Map.of(), keyed))
                    .isInstanceOfSatisfying(RunNotStartedException.class,
                            refused -> assertThat(refused.isRetryable()).isFalse());

            String started = h.engine.start("reminder", Map.of(), keyed).runId();

            assertThat(h.store.findRuns(RunQuery.all())).singleElement()
                    .satisfies(run -> assertThat(run.runId()).isEqualTo(started));
            assertThat(h.scheduling.awaitsOfRun(started)).hasSize(1);
        }
    }

    /** A store whose database blinks once, on the first read after an await was saved. */
    static final class StoreBlinkingAfterAwait extends MemoryFlowStore {
        final AtomicBoolean blink = new AtomicBoolean();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            if (blink.getAndSet(false)) {
                throw new AdapterUnavailableException("memory", "connection reset", null);
            }
            return super.findRun(runId);
        }
    }

    @Test
    void aDelayedStartWhoseAwaitWasSavedIsKeptWhenTheStoreBlinksJustAfter() {
        StoreBlinkingAfterAwait store = new StoreBlinkingAfterAwait();
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public synchronized void saveAwait(AwaitRecord await) {
                super.saveAwait(await);
                store.blink.set(true);
            }
        };
        try (EngineHarness h = new EngineHarness(store, scheduling, "instance-a", new Send())) {
            try {
                h.engine.start("reminder", Map.of(), StartOptions.delayed(Duration.ofDays(3)));
            } catch (AdapterUnavailableException blinked) {
                // The read after the save failed: the caller hears of it, but the start is not undone.
            }

            assertThat(h.store.findRuns(RunQuery.all())).as("the run its saved await starts").singleElement()
                    .satisfies(run -> {
                        assertThat(run.status()).isEqualTo(RunStatus.AWAITING);
                        assertThat(scheduling.awaitsOfRun(run.runId())).singleElement()
                                .satisfies(await -> assertThat(await.status()).isEqualTo(AwaitStatus.WAITING));
                    });
        }
    }
}

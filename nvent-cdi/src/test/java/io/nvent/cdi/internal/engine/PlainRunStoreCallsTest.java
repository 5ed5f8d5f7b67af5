package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A plain run (a flow without compensations) pays nothing for compensation: its store calls, counted, are those it
 * made before compensation on a run's deadline, a step completing late, and the sweep existed (0.2).
 */
class PlainRunStoreCallsTest {

    static volatile boolean tallyFails;
    static volatile CountDownLatch tallyGate = new CountDownLatch(0);

    /** Counts the run's reads of itself, of its history, and its writes. */
    static final class CountingStore extends MemoryFlowStore {
        final AtomicInteger historyReads = new AtomicInteger();
        final AtomicInteger updates = new AtomicInteger();
        final AtomicInteger awaitResolvedReads = new AtomicInteger();

        @Override
        public List<HistoryEvent> readEvents(String runId, EventQuery query) {
            historyReads.incrementAndGet();
            if (query.types().contains(EventType.AWAIT_RESOLVED)) {
                awaitResolvedReads.incrementAndGet();
            }
            return super.readEvents(runId, query);
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            updates.incrementAndGet();
            return super.updateRun(runId, mutation);
        }

        /** Its history reads and writes: its reads of itself vary with timing (a worker's read ahead), so not those. */
        String counts() {
            return historyReads.get() + " history reads, " + updates.get() + " updates";
        }
    }

    @FlowStep(flow = "plain", name = "count", role = StepRole.ENTRY, emits = "counted")
    static class Count implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("counted", Map.of());
            return "3";
        }
    }

    @FlowStep(flow = "plain", name = "tally", subscribes = "counted", maxAttempts = 1)
    static class Tally implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            tallyGate.await(10, TimeUnit.SECONDS);
            if (tallyFails) {
                throw new IllegalStateException("tally off");
            }
            return null;
        }
    }

    @FlowStep(flow = "synced", name = "sync", role = StepRole.ENTRY)
    static class Sync implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "synced " + input.get("customerId");
        }
    }

    private static String pathOf(boolean fails, boolean timesOut) throws InterruptedException {
        tallyFails = fails;
        tallyGate = new CountDownLatch(timesOut ? 1 : 0);
        CountingStore store = new CountingStore();
        // a step's start stored only with its end, not by a timer that a slow machine may beat: counts that hold
        try (EngineHarness h = EngineHarness.withSettings(store, s -> new EngineSettings(s.instanceId(),
                s.webhookBaseUrl(), Duration.ofMinutes(30), true, Duration.ofMinutes(10)), new Count(), new Tally())) {
            String runId = h.engine.start("plain", null, StartOptions.newBuilder().timeout(Duration.ofSeconds(30))
                    .build()).runId();
            if (timesOut) {
                await().until(() -> h.engine.run(runId).orElseThrow().steps().containsKey("tally"));
                h.clock.advance(Duration.ofSeconds(31));
                h.sweep();
                tallyGate.countDown();
            }
            h.awaitStatus(runId, fails || timesOut ? RunStatus.FAILED : RunStatus.COMPLETED);
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            return store.counts();
        }
    }

    @Test
    void aPlainRunThatCompletesReadsAndWritesNoMoreThanBeforeCompensation() throws InterruptedException {
        assertThat(pathOf(false, false)).isEqualTo("0 history reads, 2 updates");
    }

    @Test
    void aPlainRunThatFailsReadsAndWritesNoMoreThanBeforeCompensation() throws InterruptedException {
        assertThat(pathOf(true, false)).isEqualTo("1 history reads, 3 updates");
    }

    @Test
    void aPlainRunThatTimesOutReadsAndWritesNoMoreThanBeforeCompensation() throws InterruptedException {
        assertThat(pathOf(false, true)).isEqualTo("0 history reads, 3 updates");
    }

    @Test
    void aDebouncedTriggersRunReadsNoAwaitEntriesForItsEntryStepWhoseInputIsNoBatch() {
        CountingStore store = new CountingStore();
        try (EngineHarness h = EngineHarness.withSettings(store, s -> s, new Sync())) {
            h.triggers.create(TriggerSpec.newBuilder("crm", TriggerType.EVENT).event("customer.updated")
                    .flow("synced").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build());
            h.engine.publishEvent("customer.updated", Map.of("customerId", "c-1", "version", 1));
            String runId = h.engine.runs(new RunQuery(Optional.of("synced"), Optional.empty(), 0, 10)).get(0).runId();

            h.clock.advance(Duration.ofSeconds(30));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(store.awaitResolvedReads).as("reads of its await.resolved entries").hasValue(0);
        }
    }
}

package io.nvent.jpa;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.VirtualClock;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs past their deadline on the JPA store: two instances whose sweeps look for them at the same moment end each
 * once; and a run without a timeout costs its start and its steps no statement more than before.
 */
class H2RunTimeoutTest {

    private static final Instant START = Instant.parse("2026-12-01T08:00:00Z");

    /** Waits for the carrier's webhook, for longer than the run may take. */
    @FlowStep(flow = "shipment", name = "ship", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 7 * 24 * 3_600_000L)
    static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private static EmbeddedEngine instance(String id, JpaFlowStore store, VirtualClock clock) {
        // Sweeps only when the test says, on the test's clock.
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .clock(clock).sweepEvery(Duration.ofHours(1)).step(new Ship()).build();
    }

    @Test
    void twoInstancesSweepingAtOnceEndEachRunPastItsDeadlineOnce() throws Exception {
        VirtualClock clock = VirtualClock.startingAt(START);
        ExecutorService sweepers = Executors.newFixedThreadPool(2);
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = instance("a", store, clock);
             EmbeddedEngine b = instance("b", store, clock)) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                runs.add(a.flows().start("shipment", Map.of("parcel", i),
                        StartOptions.newBuilder().timeout(Duration.ofHours(2)).build()).runId());
            }
            runs.forEach(runId -> await().atMost(Duration.ofSeconds(10)).until(() -> a.flows().run(runId)
                    .orElseThrow().status() == RunStatus.AWAITING));
            clock.advance(Duration.ofHours(2));

            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<?>> sweeps = new ArrayList<>();
            for (EmbeddedEngine instance : List.of(a, b)) {
                sweeps.add(sweepers.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    instance.sweep();
                    return null;
                }));
            }
            for (Future<?> sweep : sweeps) {
                sweep.get(30, TimeUnit.SECONDS);
            }

            for (String runId : runs) {
                assertThat(a.flows().run(runId).orElseThrow().status()).as(runId).isEqualTo(RunStatus.FAILED);
                assertThat(a.flows().events(runId, EventQuery.all())).as(runId)
                        .filteredOn(e -> e.type() == EventType.FLOW_FAILED).hasSize(1);
            }
            assertThat(store.runsPastDeadline(clock.instant(), Optional.empty(), 100)).isEmpty();
        } finally {
            sweepers.shutdownNow();
        }
    }

    @Test
    void aRunWithoutATimeoutIsCreatedAndChangedWithAsManyStatementsAsOneWithATimeout() {
        List<String> statements = new CopyOnWriteArrayList<>();
        HikariDataSource pool = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 2);
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.recording(pool, statements),
                JpaStoreOptions.defaults())) {
            RunRecord plain = RunRecord.started("plain", "shipment", "{}", Optional.empty(), START);
            List<String> ofPlain = statementsOf(store, statements, plain);
            List<String> ofTimed = statementsOf(store, statements,
                    RunRecord.started("timed", "shipment", "{}", Optional.empty(), START)
                            .withTimeout(Duration.ofHours(2), START));

            assertThat(ofPlain).hasSameSizeAs(ofTimed);
            assertThat(ofPlain).as("no statement reads deadlines for a run").noneMatch(sql ->
                    sql.startsWith("select") && sql.contains("deadline <="));
        } finally {
            pool.close();
        }
    }

    /** The statements a run's creation and one change of a step of it issue. */
    private static List<String> statementsOf(JpaFlowStore store, List<String> statements, RunRecord run) {
        statements.clear();
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, START, "{}")));
        store.updateRun(run.runId(), current -> Optional.of(new RunChange(current.withStep("ship",
                io.nvent.StepStatus.RUNNING), List.of())));
        return List.copyOf(statements);
    }
}

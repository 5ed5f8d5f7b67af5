package io.nvent.jpa;

import io.nvent.FlowStep;
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
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances, each on a JPA store of its own over one H2 database, taking a burst of fires of one key of a debounced
 * trigger at the same moment: the store's slot folds them into one pending run, which runs once with one payload.
 */
class H2DebouncedTriggerTest {

    /** The versions the syncs ran with. */
    static final List<Object> SYNCED = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "crm-sync", name = "sync", role = StepRole.ENTRY)
    static class Sync implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            SYNCED.add(String.valueOf(input.get("version")));
            return null;
        }
    }

    private static EmbeddedEngine instance(JpaFlowStore store, String id) {
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .sweepEvery(Duration.ofSeconds(1)).step(new Sync()).build();
    }

    @Test
    void twoInstancesFoldConcurrentFiresOfOneKeyIntoOneRunThatRunsOnce() throws Exception {
        SYNCED.clear();
        String url = TestDatabases.newH2Url();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (JpaFlowStore storeOfA = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             JpaFlowStore storeOfB = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = instance(storeOfA, "a"); EmbeddedEngine b = instance(storeOfB, "b")) {
            a.triggers().create(TriggerSpec.newBuilder("crm", TriggerType.WEBHOOK).flow("crm-sync")
                    .debounce(Duration.ofSeconds(2)).debounceKeyFrom("/customerId").build());

            CyclicBarrier together = new CyclicBarrier(8);
            List<Callable<List<StartedRun>>> fires = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                EmbeddedEngine instance = i % 2 == 0 ? a : b;
                String payload = "{\"customerId\":\"c-1\",\"version\":" + i + "}";
                fires.add(() -> {
                    together.await();
                    return instance.triggers().fire("crm", payload, StartOptions.DEFAULTS);
                });
            }
            Set<String> answered = new HashSet<>();
            for (Future<List<StartedRun>> fire : pool.invokeAll(fires)) {
                fire.get().forEach(run -> answered.add(run.runId()));
            }

            assertThat(answered).as("every fire answered with the one pending run").hasSize(1);
            String runId = answered.iterator().next();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.flows().run(runId).orElseThrow().status()
                    == RunStatus.COMPLETED);
            List<RunInfo> runs = a.flows().runs(RunQuery.all());
            assertThat(runs).singleElement().satisfies(run -> assertThat(run.runId()).isEqualTo(runId));
            assertThat(SYNCED).as("one run, with one fire's payload").singleElement()
                    .satisfies(version -> assertThat(List.of("0", "1", "2", "3", "4", "5", "6", "7")).contains((String) version));
            assertThat(b.triggers().trigger("crm").orElseThrow().fires()).isEqualTo(8);

            List<StartedRun> after = b.triggers().fire("crm", "{\"customerId\":\"c-1\",\"version\":8}",
                    StartOptions.DEFAULTS);
            assertThat(after).singleElement().satisfies(run -> assertThat(run.created()).as("a new pending run").isTrue());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPendingRunWhoseInstanceStoppedBeforeStoringItIsRecoveredOnceByTwoInstancesSweepingAtOnce() throws Exception {
        SYNCED.clear();
        io.nvent.cdi.VirtualClock clock = io.nvent.cdi.VirtualClock.startingAt(java.time.Instant.parse(
                "2026-12-01T08:00:00Z"));
        String url = TestDatabases.newH2Url();
        ExecutorService sweepers = Executors.newFixedThreadPool(2);
        try (JpaFlowStore storeOfA = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             JpaFlowStore storeOfB = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = sweptByTheTest(storeOfA, "a", clock);
             EmbeddedEngine b = sweptByTheTest(storeOfB, "b", clock)) {
            a.triggers().create(TriggerSpec.newBuilder("crm", TriggerType.WEBHOOK).flow("crm-sync")
                    .debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build());
            // What an instance that stopped between opening the slot and storing its run leaves: the slot alone.
            String orphan = java.util.UUID.nameUUIDFromBytes("orphan".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .toString();
            storeOfA.schedulingStore().openDebounce("crm\u0000crm-sync\u0000c-1", orphan,
                    "{\"customerId\":\"c-1\",\"version\":1}", clock.instant(), clock.instant().plusSeconds(30));
            clock.advance(Duration.ofSeconds(10));
            assertThat(b.triggers().fire("crm", "{\"customerId\":\"c-1\",\"version\":2}", StartOptions.DEFAULTS))
                    .containsExactly(StartedRun.foldedInto(orphan));
            clock.advance(Duration.ofMinutes(2));

            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<?>> sweeps = new ArrayList<>();
            for (EmbeddedEngine instance : List.of(a, b)) {
                sweeps.add(sweepers.submit(() -> {
                    together.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    instance.sweep();
                    return null;
                }));
            }
            for (Future<?> sweep : sweeps) {
                sweep.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            a.sweep();

            await().atMost(Duration.ofSeconds(30)).until(() -> a.flows().run(orphan).map(RunInfo::status)
                    .orElse(RunStatus.AWAITING) == RunStatus.COMPLETED);
            assertThat(a.flows().runs(RunQuery.all())).as("recovered once").singleElement();
            assertThat(SYNCED).as("with the latest fold").containsExactly("2");
            assertThat(a.triggers().history("crm", 20)).filteredOn(e -> e.type().equals("trigger.recovered"))
                    .singleElement();
        } finally {
            sweepers.shutdownNow();
        }
    }

    private static EmbeddedEngine sweptByTheTest(JpaFlowStore store, String id, io.nvent.cdi.VirtualClock clock) {
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .clock(clock).sweepEvery(Duration.ofHours(1)).step(new Sync()).build();
    }
}

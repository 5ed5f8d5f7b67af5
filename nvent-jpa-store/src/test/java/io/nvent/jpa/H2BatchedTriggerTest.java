package io.nvent.jpa;

import io.nvent.FlowStep;
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
 * Two instances, each on a JPA store of its own over one H2 database, taking many fires of one key of a batching
 * trigger at the same moment: the store's slot appends them all to batches, each run once, no fire lost or doubled.
 */
class H2BatchedTriggerTest {

    /** The n of each payload the digests ran with. */
    static final List<String> DIGESTED = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "digest", name = "send", role = StepRole.ENTRY)
    static class Digest implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ((List<?>) input.get("events")).forEach(e -> DIGESTED.add(String.valueOf(((Map<?, ?>) e).get("n"))));
            return null;
        }
    }

    private static EmbeddedEngine instance(JpaFlowStore store, String id) {
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .sweepEvery(Duration.ofSeconds(1)).step(new Digest()).build();
    }

    @Test
    void twoInstancesAppendConcurrentFiresOfOneKeyToBatchesLosingNoneAndDoublingNone() throws Exception {
        DIGESTED.clear();
        String url = TestDatabases.newH2Url();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (JpaFlowStore storeOfA = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             JpaFlowStore storeOfB = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = instance(storeOfA, "a"); EmbeddedEngine b = instance(storeOfB, "b")) {
            a.triggers().create(TriggerSpec.newBuilder("notify", TriggerType.WEBHOOK).flow("digest")
                    .batch(10, Duration.ofSeconds(2)).batchKeyFrom("/userId").build());

            CyclicBarrier together = new CyclicBarrier(8);
            List<Callable<List<StartedRun>>> fires = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                EmbeddedEngine instance = i % 2 == 0 ? a : b;
                String payload = "{\"userId\":\"u-1\",\"n\":" + i + "}";
                boolean atOnce = i < 8;
                fires.add(() -> {
                    if (atOnce) {
                        together.await();
                    }
                    return instance.triggers().fire("notify", payload, StartOptions.DEFAULTS);
                });
            }
            Set<String> runIds = new HashSet<>();
            for (Future<List<StartedRun>> fire : pool.invokeAll(fires)) {
                fire.get().forEach(run -> runIds.add(run.runId()));
            }

            assertThat(runIds).as("24 fires in batches of at most 10").hasSizeBetween(3, 24);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.flows().runs(RunQuery.all()).stream()
                    .allMatch(run -> run.status() == RunStatus.COMPLETED));
            assertThat(DIGESTED).as("every fire digested once").hasSize(24).doesNotHaveDuplicates();
            assertThat(b.triggers().trigger("notify").orElseThrow().fires()).isEqualTo(24);
        } finally {
            pool.shutdownNow();
        }
    }
}

package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two engines, each on a JPA store of its own over one PostgreSQL database, as two instances are,
 * starting runs with one concurrency key at once: the database decides who holds the key, so one
 * run of the key is under way at a time, whichever instance started it or ended the one before.
 */
class PostgresConcurrencyKeyTest {

    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MOST_AT_ONCE = new AtomicInteger();
    static final AtomicInteger POSTED = new AtomicInteger();

    @FlowStep(flow = "ledger", name = "post", role = StepRole.ENTRY)
    static class Post implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            MOST_AT_ONCE.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);   // the posting
            } finally {
                RUNNING.decrementAndGet();
            }
            POSTED.incrementAndGet();
            return null;
        }
    }

    private final List<JpaFlowStore> stores = new ArrayList<>();
    private final List<EmbeddedEngine> engines = new ArrayList<>();

    @BeforeEach
    void startTwoInstances() {
        RUNNING.set(0);
        MOST_AT_ONCE.set(0);
        POSTED.set(0);
        for (String instance : List.of("a", "b")) {
            JpaFlowStore store = JpaFlowStore.create(TestDatabases.postgres(),
                    JpaStoreOptions.newBuilder().tablePrefix("ckey_").build());
            stores.add(store);
            engines.add(EmbeddedEngine.newBuilder().instanceId(instance).store(store)
                    .schedulingStore(store.schedulingStore()).step(new Post()).build());
        }
    }

    @AfterEach
    void stopThem() {
        engines.forEach(EmbeddedEngine::close);
        stores.forEach(JpaFlowStore::close);
    }

    @Test
    void ofRunsWithOneKeyStartedOnTwoInstancesAtOnceOneIsUnderWayAtATime() throws Exception {
        int runs = 12;
        String key = "account-" + System.nanoTime();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        List<Future<String>> started = new ArrayList<>();
        try {
            for (int i = 0; i < runs; i++) {
                EmbeddedEngine engine = engines.get(i % 2);
                int n = i;
                Callable<String> start = () -> {
                    go.await();
                    return engine.flows().start("ledger", Map.of("n", n),
                            StartOptions.newBuilder().concurrencyKey(key).build()).runId();
                };
                started.add(callers.submit(start));
            }
            go.countDown();
            List<String> runIds = new ArrayList<>();
            for (Future<String> run : started) {
                runIds.add(run.get());
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> runIds.stream().allMatch(runId ->
                    engines.get(0).flows().run(runId).map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED));
            assertThat(POSTED).hasValue(runs);
            assertThat(MOST_AT_ONCE).as("runs of one key under way at once").hasValue(1);
            assertThat(runIds).allSatisfy(runId -> assertThat(engines.get(1).flows().run(runId).orElseThrow()
                    .concurrencyKey()).contains(key));
        } finally {
            callers.shutdownNow();
        }
    }
}

package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.Overlap;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances, each on a JPA store of its own over one H2 database, ticking a schedule that skips a tick while its
 * run is under way: whichever claims a tick reads the other's run as under way and starts none beside it.
 */
class H2TriggerOverlapTest {

    /** Opened to let the exports end. */
    static volatile CountDownLatch gate = new CountDownLatch(1);

    @FlowStep(flow = "export", name = "export", role = StepRole.ENTRY)
    static class Export implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the export end");
            }
            return null;
        }
    }

    private static EmbeddedEngine instance(JpaFlowStore store, String id) {
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .sweepEvery(Duration.ofSeconds(1)).step(new Export()).build();
    }

    @Test
    void twoInstancesTickingASkippingScheduleNeverStartASecondRunWhileOneIsUnderWay() {
        gate = new CountDownLatch(1);
        String url = TestDatabases.newH2Url();
        try (JpaFlowStore storeOfA = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             JpaFlowStore storeOfB = JpaFlowStore.create(url, "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = instance(storeOfA, "a"); EmbeddedEngine b = instance(storeOfB, "b")) {
            a.triggers().create(TriggerSpec.newBuilder("every-second", TriggerType.SCHEDULE).flow("export")
                    .every(Duration.ofSeconds(1)).overlap(Overlap.SKIP).build());

            await().atMost(Duration.ofSeconds(30)).until(() -> skipped(b).size() >= 4);
            List<RunInfo> runs = a.flows().runs(RunQuery.all());
            assertThat(runs).as("the first tick's run, alone").hasSize(1);
            assertThat(skipped(a)).allSatisfy(entry -> assertThat(entry.data())
                    .contains("\"runUnderWay\":\"" + runs.get(0).runId() + "\""));
            assertThat(b.triggers().trigger("every-second").orElseThrow().fires()).isEqualTo(1);

            gate.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> b.flows().runs(RunQuery.all()).size() >= 2);
            assertThat(b.flows().run(runs.get(0).runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        } finally {
            gate.countDown();
        }
    }

    private static List<TriggerEvent> skipped(EmbeddedEngine engine) {
        return engine.triggers().history("every-second", 100).stream()
                .filter(entry -> entry.type().equals("trigger.skipped")).toList();
    }
}

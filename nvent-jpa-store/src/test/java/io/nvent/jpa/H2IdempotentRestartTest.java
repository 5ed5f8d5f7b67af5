package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.RestartOptions;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import io.nvent.testkit.Concurrently;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A restart or rerun with an idempotency key holds the key in the JPA store as a start does: of restarts racing on two
 * instances one creates the run, and a key a start used is refused.
 */
class H2IdempotentRestartTest {

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "sent";
        }
    }

    @Test
    void restartsWithOneKeyRacingOnTwoInstancesCreateOneRunAndAKeyAStartUsedIsRefused() throws Exception {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = engine("a", store);
             EmbeddedEngine b = engine("b", store)) {
            String original = a.flows().start("invoice", Map.of("n", 1));
            StartedRun started = a.flows().start("invoice", Map.of("n", 1), StartOptions.idempotent("started"));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    a.flows().run(original).map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED);

            List<StartedRun> restarts = Collections.synchronizedList(new ArrayList<>());
            Concurrently.run(16, caller -> restarts.add((caller % 2 == 0 ? a : b).flows()
                    .restart(original, RestartOptions.idempotent("retried"))));

            assertThat(restarts).extracting(StartedRun::runId).containsOnly(restarts.get(0).runId());
            assertThat(restarts).filteredOn(StartedRun::created).hasSize(1);
            StartedRun rerun = a.flows().rerunFrom(original, "send", RestartOptions.idempotent("rerun"));
            assertThat(b.flows().rerunFrom(original, "send", RestartOptions.idempotent("rerun")))
                    .isEqualTo(new StartedRun(rerun.runId(), false));
            assertThatThrownBy(() -> b.flows().restart(original, RestartOptions.idempotent("started")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("already started run " + started.runId() + " by a start");
            assertThat(a.flows().runs(RunQuery.ofFlow("invoice"))).hasSize(4);
        }
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(store).schedulingStore(store.schedulingStore())
                .step(new Send()).build();
    }
}

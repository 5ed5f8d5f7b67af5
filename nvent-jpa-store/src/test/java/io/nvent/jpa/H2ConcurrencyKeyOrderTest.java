package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs started with one concurrency key at one instant (a clock that does not move, as a coarse clock is between two
 * ticks): the JPA store keeps them in the order they began waiting, not in the order of a random await id.
 */
class H2ConcurrencyKeyOrderTest {

    static final List<Integer> POSTED = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "ledger", name = "post", role = StepRole.ENTRY)
    static class Post implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            POSTED.add(((Number) input.get("n")).intValue());
            return null;
        }
    }

    @Test
    void runsStartedWithOneKeyAtOneInstantRunInTheOrderTheyWereStarted() {
        POSTED.clear();
        Clock stopped = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().instanceId("a").clock(stopped).store(store)
                     .schedulingStore(store.schedulingStore()).step(new Post()).build()) {
            List<String> runIds = new ArrayList<>();
            for (int n = 0; n < 8; n++) {
                runIds.add(engine.flows().start("ledger", Map.of("n", n),
                        StartOptions.newBuilder().concurrencyKey("account-7").build()).runId());
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> runIds.stream().allMatch(runId ->
                    engine.flows().run(runId).map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED));
            assertThat(POSTED).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        }
    }
}

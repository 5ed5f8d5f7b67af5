package io.nvent.jpa;

import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An await's timeout set as it registers, by a clock with nanoseconds, on H2 and PostgreSQL: both keep microseconds
 * (PostgreSQL rounding half up), and read back the very instant the await.registered entry says.
 */
class AwaitTimeoutInstantTest {

    @FlowStep(flow = "leave", name = "submit", role = StepRole.ENTRY, emits = "leave.submitted")
    public static class Submit implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("leave.submitted", input);
            return null;
        }
    }

    @FlowStep(flow = "leave", name = "book", subscribes = "leave.submitted")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
    public static class Book implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "booked";
        }
    }

    @Test
    void onH2TheStoredTimeoutIsTheOneTheHistorySays() {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults())) {
            assertStoredAsRecorded(store);
        }
    }

    @Test
    void onPostgresTheStoredTimeoutIsTheOneTheHistorySays() {
        DataSource postgres = TestDatabases.postgres();
        try (JpaFlowStore store = JpaFlowStore.create(postgres,
                JpaStoreOptions.newBuilder().tablePrefix("awto_").build())) {
            assertStoredAsRecorded(store);
        }
    }

    private static void assertStoredAsRecorded(JpaFlowStore store) {
        // 789 ns past the system clock's microsecond: rounded up by PostgreSQL, kept as given by nothing
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofNanos(789));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().store(store).schedulingStore(store.schedulingStore())
                .clock(clock).step(new Submit()).step(new Book()).build()) {
            String runId = engine.flows().start("leave", Map.of("days", 2));
            AwaitInfo await = await().until(() -> engine.flows().awaits(true, 100).stream()
                    .filter(a -> a.runId().equals(runId)).findFirst(), Optional::isPresent).orElseThrow();
            HistoryEvent registered = engine.flows().events(runId, EventQuery.all()).stream()
                    .filter(e -> e.type() == EventType.AWAIT_REGISTERED).findFirst().orElseThrow();

            assertThat(await.timeoutAt().orElseThrow().getNano() % 1000).as("whole microseconds").isZero();
            assertThat(registered.data()).contains("\"timeoutAt\":\"" + await.timeoutAt().orElseThrow() + "\"");
        }
    }
}

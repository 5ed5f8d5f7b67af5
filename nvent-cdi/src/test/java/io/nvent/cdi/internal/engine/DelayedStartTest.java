package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run started with a delay exists at once and runs its entry step when the delay has passed. */
class DelayedStartTest {

    static final AtomicInteger REMINDERS = new AtomicInteger();
    /** What each run's entry step was told resolved the await before it. */
    static final Map<String, Optional<String>> TRIGGER_DATA = new ConcurrentHashMap<>();

    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    @Trigger(name = "remind-now", type = TriggerType.MANUAL)
    public static class Remind implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            REMINDERS.incrementAndGet();
            TRIGGER_DATA.put(ctx.runId(), ctx.triggerData());
            return "reminded " + input.get("who");
        }
    }

    @FlowStep(flow = "approval", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    @Trigger(name = "approve-now", type = TriggerType.MANUAL)
    public static class Approve implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void theRunWaitsVisiblyUntilItsDelayHasPassedThenRunsItsEntryStep() {
        REMINDERS.set(0);
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            StartedRun run = h.engine.start("reminder", Map.of("who", "Ada"), StartOptions.delayed(Duration.ofMinutes(10)));

            h.awaitStatus(run.runId(), RunStatus.AWAITING);
            assertThat(h.engine.waits(run.runId())).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(StepWait.Reason.AWAIT);
                assertThat(wait.until()).contains(h.clock.instant().plus(Duration.ofMinutes(10)));
            });
            assertThat(h.eventsOf(run.runId(), EventType.FLOW_START)).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"startAt\":\"2026-11-30T10:10:00Z\""));
            h.clock.advance(Duration.ofMinutes(9));
            h.sweep();
            assertThat(h.engine.run(run.runId()).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(REMINDERS).hasValue(0);

            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();

            h.awaitStatus(run.runId(), RunStatus.COMPLETED);
            assertThat(REMINDERS).hasValue(1);
            assertThat(TRIGGER_DATA.get(run.runId())).as("a time await that came due").contains("{}");
        }
    }

    @Test
    void anOperatorMayStartADelayedRunSoonerByResolvingItsAwaitAndTheEntryStepGetsTheOperatorsData() {
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            StartedRun run = h.engine.start("reminder", Map.of("who", "Grace"), StartOptions.delayed(Duration.ofDays(3)));
            h.awaitStatus(run.runId(), RunStatus.AWAITING);

            h.engine.resolveAwait(h.engine.waits(run.runId()).get(0).awaitId().orElseThrow(), Map.of("by", "ops"));

            h.awaitStatus(run.runId(), RunStatus.COMPLETED);
            assertThat(TRIGGER_DATA.get(run.runId())).contains("{\"by\":\"ops\"}");
        }
    }

    @Test
    void aDelayedStartWithAnIdempotencyKeyIsStartedOnce() {
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            StartOptions options = StartOptions.newBuilder().idempotencyKey("remind-ada").delay(Duration.ofHours(1))
                    .build();
            StartedRun first = h.engine.start("reminder", Map.of("who", "Ada"), options);
            StartedRun again = h.engine.start("reminder", Map.of("who", "Ada"), options);

            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            assertThat(h.engine.awaits(true, 10)).hasSize(1);
        }
    }

    @Test
    void aTriggerFiredWithADelayStartsItsRunsDelayed() {
        REMINDERS.set(0);
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            StartedRun run = h.triggers.fire("remind-now", "{\"who\":\"Ada\"}",
                    StartOptions.delayed(Duration.ofHours(1))).get(0);

            h.awaitStatus(run.runId(), RunStatus.AWAITING);
            assertThat(h.eventsOf(run.runId(), EventType.FLOW_START)).singleElement().satisfies(e -> assertThat(e.data())
                    .contains("\"trigger\":\"remind-now\"", "\"startAt\":\"2026-11-30T11:00:00Z\""));
            assertThat(REMINDERS).hasValue(0);

            h.clock.advance(Duration.ofHours(1));
            h.sweep();

            h.awaitStatus(run.runId(), RunStatus.COMPLETED);
            assertThat(REMINDERS).hasValue(1);
            assertThat(TRIGGER_DATA.get(run.runId())).as("a time await that came due").contains("{}");
        }
    }

    @Test
    void aTriggerWithAFlowWhoseEntryWaitsAlreadyCannotFireDelayedAndStartsNothing() {
        REMINDERS.set(0);
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            h.triggers.create(TriggerSpec.newBuilder("both", TriggerType.MANUAL)
                    .flows(List.of("reminder", "approval")).build());

            assertThatThrownBy(() -> h.triggers.fire("both", "{}", StartOptions.delayed(Duration.ofMinutes(1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("trigger 'both' cannot fire delayed: the entry step 'approve' of its flow 'approval' "
                            + "waits before it runs already (@AwaitBefore)");
            assertThat(h.engine.runs(RunQuery.ofFlow("reminder"))).isEmpty();
            assertThat(h.triggers.trigger("both").orElseThrow().fires()).isZero();
        }
    }

    @Test
    void aFlowWhoseEntryWaitsAlreadyCannotStartDelayedAndADelayMustBePositive() {
        try (EngineHarness h = new EngineHarness(new Remind(), new Approve())) {
            assertThatThrownBy(() -> h.engine.start("approval", Map.of(), StartOptions.delayed(Duration.ofMinutes(1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("flow 'approval' cannot start delayed: its entry step 'approve' waits before it runs "
                            + "already (@AwaitBefore)");
        }
        assertThatThrownBy(() -> StartOptions.delayed(Duration.ZERO)).hasMessage("a start delay must be positive, was PT0S");
        assertThatThrownBy(() -> StartOptions.delayed(Duration.ofSeconds(-1)))
                .hasMessage("a start delay must be positive, was PT-1S");
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code SCHEDULE} await: a step waits for the next tick of a cron expression in its time zone, and reads the
 * tick it waited for. The harness's clock starts on Monday 2026-11-30 at 10:00 UTC (11:00 in Paris).
 */
class ScheduleAwaitTest {

    /** 09:00 in Paris on Tuesday 2026-12-01, the first 09:00 there after the harness's start. */
    private static final Instant TUESDAY_NINE_IN_PARIS = Instant.parse("2026-12-01T08:00:00Z");

    static final AtomicReference<Optional<String>> seenByReport = new AtomicReference<>();
    static final AtomicInteger reports = new AtomicInteger();

    @FlowStep(flow = "daily-report", name = "collect", role = StepRole.ENTRY, emits = "collected")
    static class Collect implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("collected", Map.of("rows", 3));
            return null;
        }
    }

    @FlowStep(flow = "daily-report", name = "send", subscribes = "collected")
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 9 * * *", timezone = "Europe/Paris")
    static class SendAtNineInParis implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            seenByReport.set(ctx.triggerData());
            reports.incrementAndGet();
            return null;
        }
    }

    private static EngineHarness dailyReport() {
        seenByReport.set(null);
        reports.set(0);
        return new EngineHarness(new Collect(), new SendAtNineInParis());
    }

    /** The run's await, once saved: the run shows {@code AWAITING} a moment before its await is listed. */
    private static AwaitInfo onlyAwait(EngineHarness h) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !h.engine.awaits(false, 10).isEmpty());
        assertThat(h.engine.awaits(false, 10)).hasSize(1);
        return h.engine.awaits(false, 10).get(0);
    }

    @Test
    void aStepWaitsForTheNextTickOfItsCronInItsTimeZoneAndNotAMomentLess() {
        try (EngineHarness h = dailyReport()) {
            String runId = h.engine.start("daily-report", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(onlyAwait(h).resolveAt()).as("09:00 in Paris, not 09:00 UTC nor today's 09:00, already past")
                    .contains(TUESDAY_NINE_IN_PARIS);
            assertThat(h.engine.events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.AWAIT_REGISTERED)
                    .singleElement().extracting(HistoryEvent::data).asString()
                    .contains("\"type\":\"schedule\"", "\"resolveAt\":\"" + TUESDAY_NINE_IN_PARIS + "\"");

            h.clock.advance(Duration.between(h.clock.instant(), TUESDAY_NINE_IN_PARIS.minusSeconds(1)));
            h.sweep();
            await().during(Duration.ofMillis(150)).until(() -> reports.get() == 0);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("send", StepStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(1));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(reports).hasValue(1);
            assertThat(seenByReport.get()).contains("{\"scheduledAt\":\"" + TUESDAY_NINE_IN_PARIS + "\"}");
            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.resolved", "step.started",
                    "step.completed", "flow.completed");
        }
    }

    @Test
    void aTickTheSweepReachesLateResumesTheStepWithTheTicksTimeNotTheSweeps() {
        try (EngineHarness h = dailyReport()) {
            String runId = h.engine.start("daily-report", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(onlyAwait(h).resolveAt()).contains(TUESDAY_NINE_IN_PARIS);

            // No instance ran from the tick until noon: the await is resolved as of its tick, once.
            h.clock.advance(Duration.between(h.clock.instant(), TUESDAY_NINE_IN_PARIS.plus(Duration.ofHours(3))));
            h.sweep();
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(reports).hasValue(1);
            assertThat(seenByReport.get()).contains("{\"scheduledAt\":\"" + TUESDAY_NINE_IN_PARIS + "\"}");
        }
    }

    @FlowStep(flow = "standup", name = "remind", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 10 * * *")
    static class RemindAtTen implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTickAtTheVeryInstantTheAwaitIsRegisteredIsNotTheNextOne() {
        try (EngineHarness h = new EngineHarness(new RemindAtTen())) {
            assertThat(h.clock.instant()).isEqualTo(Instant.parse("2026-11-30T10:00:00Z"));

            String runId = h.engine.start("standup", null);

            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(onlyAwait(h).resolveAt()).as("UTC, the time zone by default")
                    .contains(Instant.parse("2026-12-01T10:00:00Z"));
        }
    }

    static final AtomicReference<Optional<String>> seenByPublish = new AtomicReference<>();
    static final AtomicInteger publications = new AtomicInteger();

    @FlowStep(flow = "newsletter", name = "write", role = StepRole.ENTRY, emits = "written")
    @AwaitAfter(type = AwaitType.SCHEDULE, cron = "0 * * * *")
    static class WriteThenWaitForTheHour implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("written", Map.of("issue", 42));
            return "written";
        }
    }

    @FlowStep(flow = "newsletter", name = "publish", subscribes = "written")
    static class Publish implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            seenByPublish.set(ctx.afterAwaitData("write"));
            publications.incrementAndGet();
            return null;
        }
    }

    @Test
    void anAfterAwaitHoldsTheStepsEmissionsUntilTheTickAndTheNextStepReadsTheTick() {
        seenByPublish.set(null);
        publications.set(0);
        Instant elevenUtc = Instant.parse("2026-11-30T11:00:00Z");
        try (EngineHarness h = new EngineHarness(new WriteThenWaitForTheHour(), new Publish())) {
            String runId = h.engine.start("newsletter", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(onlyAwait(h).resolveAt()).contains(elevenUtc);
            assertThat(h.engine.run(runId).orElseThrow().steps()).containsEntry("write", StepStatus.AWAITING)
                    .doesNotContainKey("publish");

            h.clock.advance(Duration.ofMinutes(59));
            h.sweep();
            await().during(Duration.ofMillis(150)).until(() -> publications.get() == 0);

            h.clock.advance(Duration.ofMinutes(1));
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(publications).hasValue(1);
            assertThat(seenByPublish.get()).contains("{\"scheduledAt\":\"" + elevenUtc + "\"}");
        }
    }

    static final AtomicInteger payouts = new AtomicInteger();

    @FlowStep(flow = "payout", name = "request", role = StepRole.ENTRY, emits = "requested")
    static class RequestPayout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("requested", null);
            return null;
        }
    }

    @FlowStep(flow = "payout", name = "pay", subscribes = "requested")
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 9 * * *", timezone = "Europe/Paris", timeoutMs = 3_600_000,
            timeoutAction = TimeoutAction.FAIL)
    static class PayAtNineInParis implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            payouts.incrementAndGet();
            return null;
        }
    }

    @Test
    void aTimeoutThatComesBeforeTheTickFailsTheStepAndTheTickRunsNothing() {
        payouts.set(0);
        try (EngineHarness h = new EngineHarness(new RequestPayout(), new PayAtNineInParis())) {
            String runId = h.engine.start("payout", null);
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo payAtNine = onlyAwait(h);
            assertThat(payAtNine.timeoutAt()).contains(Instant.parse("2026-11-30T11:00:00Z"));
            assertThat(payAtNine.resolveAt()).contains(TUESDAY_NINE_IN_PARIS);

            h.clock.advance(Duration.ofHours(1));
            h.sweep();
            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.timeout", "step.failed",
                    "flow.failed");

            h.clock.advance(Duration.between(h.clock.instant(), TUESDAY_NINE_IN_PARIS));
            h.sweep();
            await().during(Duration.ofMillis(150)).until(() -> payouts.get() == 0);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }
}

package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RetryPolicy;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A failing step's retries come due at the delays it lists, spread by its jitter as the queue's random draws. */
class RetryScheduleTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final VirtualClock clock = VirtualClock.startingAt(T0);

    /** Fails every attempt, noting when it ran. */
    abstract static class AlwaysFails implements Step<Map<String, Object>, Void> {
        final List<Instant> attempts = new CopyOnWriteArrayList<>();
        private final VirtualClock clock;

        AlwaysFails(VirtualClock clock) {
            this.clock = clock;
        }

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            attempts.add(clock.instant());
            throw new IllegalStateException("partner away");
        }
    }

    @FlowStep(flow = "listed", name = "call", role = StepRole.ENTRY, retryDelaysMs = {10_000, 60_000, 600_000})
    static final class Listed extends AlwaysFails {
        Listed(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aFailingStepIsRetriedAtEachDelayItListsThenFailsTheRun() {
        Listed step = new Listed(clock);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).build()) {
            String runId = engine.flows().start("listed", Map.of());

            for (Duration delay : List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());
                int before = step.attempts.size();
                Instant failedAt = step.attempts.get(before - 1);
                assertThat(clock.nextTimer()).as("the retry after attempt " + before).contains(failedAt.plus(delay));
                clock.advanceTo(clock.nextTimer().orElseThrow());
                await().atMost(Duration.ofSeconds(10)).until(() -> step.attempts.size() == before + 1);
            }

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    engine.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED));
            assertThat(step.attempts).containsExactly(T0, T0.plusSeconds(10), T0.plusSeconds(70), T0.plusSeconds(670));
        }
    }

    @FlowStep(flow = "spread", name = "call", role = StepRole.ENTRY, retryDelaysMs = 60_000, retryJitter = 0.5)
    static final class Spread extends AlwaysFails {
        Spread(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aRetryWithJitterComesDueAsTheQueuesSeededRandomSpreadsItsDelay() {
        Spread step = new Spread(clock);
        Duration expected = RetryPolicy.newBuilder().delays(Duration.ofMinutes(1)).jitter(0.5).build()
                .delayBefore(2, new Random(42));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock)
                .queue(MemoryAdapters.queue(clock, new Random(42))).step(step).build()) {
            String runId = engine.flows().start("spread", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());

            assertThat(clock.nextTimer()).contains(T0.plus(expected));
            assertThat(engine.flows().events(runId, EventQuery.all())).as("the job's jitter, for the lost-step sweep")
                    .filteredOn(event -> event.type() == EventType.STEP_RETRY).singleElement()
                    .satisfies(retry -> assertThat(retry.data()).contains("\"retryJitter\":0.5"));
            assertThat(expected).as("spread, within half the delay either way")
                    .isNotEqualTo(Duration.ofMinutes(1)).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(90));
        }
    }
}

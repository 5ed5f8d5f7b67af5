package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The timer an engine plans for a time await (a delayed start, an {@code @AwaitBefore} of type
 * {@code TIME}) goes when the await closes before its time: a long-running engine whose delayed runs
 * are canceled or started sooner must not hold a timer, and the await it names, for each of them
 * until a time days or years away.
 */
class AwaitTimersTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    static final class Remind implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "cooling-off", name = "confirm", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 14 * 24 * 3_600_000L)
    static final class Confirm implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void delayedRunsCanceledOrStartedSoonerLeaveNoTimerWaitingForTheirTime() {
        VirtualClock clock = VirtualClock.startingAt(T0);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(new Remind()).step(new Confirm())
                .build()) {
            FlowService flows = engine.flows();
            List<String> delayed = IntStream.range(0, 10).mapToObj(i -> flows.start("reminder", Map.of("i", i),
                    StartOptions.delayed(Duration.ofDays(365))).runId()).toList();
            List<String> coolingOff = IntStream.range(0, 10).mapToObj(i -> flows.start("cooling-off", Map.of("i", i)))
                    .toList();
            await().atMost(Duration.ofSeconds(10)).until(() -> coolingOff.stream()
                    .allMatch(runId -> flows.run(runId).orElseThrow().status() == RunStatus.AWAITING));
            assertThat(clock.nextTimer()).as("the awaits' timers").isPresent();

            for (int i = 0; i < 10; i++) {
                flows.cancel(coolingOff.get(i));
                if (i % 2 == 0) {
                    flows.cancel(delayed.get(i));
                } else {
                    flows.resolveAwait(flows.waits(delayed.get(i)).get(0).awaitId().orElseThrow(), Map.of());
                }
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> delayed.stream().allMatch(runId -> flows.run(runId)
                    .orElseThrow().status().isTerminal()));
            assertThat(clock.nextTimer()).as("a timer left for a closed await").isEmpty();
        }
    }
}

package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.NventConfig;
import io.nvent.spi.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Queues that start no more steps in a span than their rate limit allows. */
class RateLimitedQueueTest {

    private static final List<Long> STARTS = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "quota", name = "call-api", role = StepRole.ENTRY, emits = "called")
    static class CallApi implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            STARTS.add(System.nanoTime());
            ctx.emit("called", input);
            return null;
        }
    }

    @FlowStep(flow = "quota", name = "call-again", subscribes = "called")
    static class CallAgain implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            STARTS.add(System.nanoTime());
            return null;
        }
    }

    @Test
    void stepsOfARateLimitedQueueStartNoFasterThanItsLimitAlsoWhenAStepHandsItsRunOn() {
        STARTS.clear();
        RateLimit twoInHalfASecond = new RateLimit(2, Duration.ofMillis(500));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .concurrency(4).rateLimit("quota", Optional.of(twoInHalfASecond)).build()) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(engine.flows().start("quota", Map.of("call", i)));
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> runs.stream()
                    .allMatch(run -> engine.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED));
            assertThat(engine.queue().rateLimit("quota")).contains(twoInHalfASecond);
        }
        // The queue counts a start when it hands out the job; the step runs after the engine read its
        // run, which the first time loads classes: step starts may come closer than the limit's span.
        List<Long> sorted = STARTS.stream().sorted().toList();
        assertThat(sorted).hasSize(6);
        for (int i = 2; i < sorted.size(); i++) {
            assertThat(Duration.ofNanos(sorted.get(i) - sorted.get(i - 2))).as("from step start %d to %d", i - 2, i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
        assertThat(Duration.ofNanos(sorted.get(5) - sorted.get(0))).as("six starts at two per span take two spans")
                .isGreaterThanOrEqualTo(Duration.ofMillis(850));
    }

    @Test
    void aStepHeldBackByTheRateLimitSaysSoInTheRunsWaits() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .rateLimit(new RateLimit(1, Duration.ofDays(1))).build()) {
            String first = engine.flows().start("quota", Map.of("call", 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.flows().waits(first).isEmpty());

            assertThat(engine.flows().waits(first)).singleElement().satisfies(wait -> {
                assertThat(wait.step()).isEqualTo("call-again");
                assertThat(wait.reason()).isEqualTo(Reason.RATE_LIMIT);
                assertThat(wait.until().orElseThrow()).isBetween(Instant.now().plus(Duration.ofHours(23)),
                        Instant.now().plus(Duration.ofDays(1)));
                assertThat(wait.detail()).startsWith("waits for the rate limit of queue 'quota' (at most 1 per 86400000"
                        + " ms on each instance), which allows the next start at ").endsWith("(1 waiting, 0 running)");
            });
        }
    }

    @Test
    void aStepOfALimitedQueueWithStartsToSpareWaitsForAWorkerNotForTheLimit() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        HOLD.set(release);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Hold()).concurrency(1)
                .rateLimit(new RateLimit(1000, Duration.ofSeconds(1))).build()) {
            engine.flows().start("held", Map.of());
            String second = engine.flows().start("held", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.flows().waits(second).isEmpty());

            assertThat(engine.flows().waits(second)).singleElement()
                    .satisfies(wait -> assertThat(wait.reason()).isEqualTo(Reason.WORKER));
        } finally {
            release.countDown();
        }
    }

    private static final AtomicReference<CountDownLatch> HOLD = new AtomicReference<>();

    @FlowStep(flow = "held", name = "hold", role = StepRole.ENTRY)
    static class Hold implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            HOLD.get().await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @Test
    void aQueuesOwnLimitWinsOverTheDefaultAndZeroExemptsIt() {
        NventConfig config = config(Map.of("nvent.queue.limiter.max", "100", "nvent.queue.limiter.duration-ms", "60000",
                "nvent.queue.mail.limiter.max", "5", "nvent.queue.audit.limiter.max", "0"));

        assertThat(QueueRateLimits.of(config, "orders")).contains(new RateLimit(100, Duration.ofMinutes(1)));
        assertThat(QueueRateLimits.of(config, "mail")).contains(new RateLimit(5, Duration.ofMinutes(1)));
        assertThat(QueueRateLimits.of(config, "audit")).isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "0",
                "nvent.queue.mail.limiter.duration-ms", "1000")), "mail")).as("exempt whatever its span").isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of()), "orders")).isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "3")), "mail"))
                .as("a second by default").contains(new RateLimit(3, Duration.ofSeconds(1)));
    }

    @Test
    void aLimitThatCannotBeKeptIsRefusedNamingItsKey() {
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "-1")), "mail"))
                .hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.queue.mail.limiter.max");
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.limiter.max", "2000000")), "mail"))
                .hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.queue.limiter.max")
                .hasMessageNotContaining("duration-ms");
        assertThatThrownBy(() -> QueueRateLimits.of(
                config(Map.of("nvent.queue.mail.limiter.max", "1", "nvent.queue.mail.limiter.duration-ms", "86400001")),
                "mail")).hasMessageContaining("nvent.queue.mail.limiter.duration-ms must be at most 86400000 ms");
        assertThatThrownBy(() -> QueueRateLimits.checkDefaults(config(Map.of("nvent.queue.limiter.duration-ms", "500"))))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.limiter.max is not");
        assertThatThrownBy(() -> QueueRateLimits.of(
                config(Map.of("nvent.queue.mail.limiter.max", "1", "nvent.queue.mail.limiter.duration-ms", "0")), "mail"))
                .hasMessageContaining("nvent.queue.mail.limiter.duration-ms");
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.duration-ms", "500")), "mail"))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.mail.limiter.max");
    }

    private static NventConfig config(Map<String, String> values) {
        return new NventConfig(key -> Optional.ofNullable(values.get(key)));
    }
}

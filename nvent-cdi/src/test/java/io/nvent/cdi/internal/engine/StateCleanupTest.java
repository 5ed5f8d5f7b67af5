package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What happens to a run's state when it ends: {@code nvent.store.state.cleanup.strategy}. */
class StateCleanupTest {

    private static final Duration ONE_HOUR = Duration.ofHours(1);

    @FlowStep(flow = "cart", name = "fill", role = StepRole.ENTRY, emits = "cart.filled")
    static class Fill implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.state().set("items", 3);
            ctx.state().set("coupon", "WINTER", Duration.ofMinutes(5));
            if (Boolean.TRUE.equals(input.get("fail"))) {
                throw new IllegalStateException("out of stock");
            }
            ctx.emit("cart.filled", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "cart", name = "checkout", subscribes = "cart.filled")
    static class Checkout implements Step<Object, Void> {
        volatile Optional<Integer> itemsSeen = Optional.empty();

        @Override
        public Void execute(Object input, StepContext ctx) {
            itemsSeen = ctx.state().get("items", Integer.class);
            return null;
        }
    }

    @FlowStep(flow = "approval", name = "request", role = StepRole.ENTRY, emits = "requested")
    static class Request implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.state().set("requestedBy", "ann");
            ctx.emit("requested", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "approval", name = "approve", subscribes = "requested")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Approve implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static EngineHarness engine(String strategy, Step<?, ?>... steps) {
        return EngineHarness.withSettings(s -> s.withStateCleanup(StateCleanup.of(strategy, ONE_HOUR)), steps);
    }

    private static Optional<String> stateOf(EngineHarness h, String runId, String key) {
        return h.store.getState(runId, key, h.clock.instant());
    }

    @Test
    void byDefaultTheStateOfAFinishedRunIsKept() {
        Checkout checkout = new Checkout();
        try (EngineHarness h = new EngineHarness(new Fill(), checkout)) {
            String runId = h.engine.start("cart", Map.of());
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(checkout.itemsSeen).contains(3);
            assertThat(stateOf(h, runId, "items")).contains("3");
        }
    }

    @Test
    void onCompleteTheStepsShareTheStateAndItIsRemovedWhenTheRunCompletes() {
        Checkout checkout = new Checkout();
        try (EngineHarness h = engine("on-complete", new Fill(), checkout)) {
            String runId = h.engine.start("cart", Map.of());
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(checkout.itemsSeen).contains(3);
            assertThat(stateOf(h, runId, "items")).isEmpty();
            assertThat(stateOf(h, runId, "coupon")).isEmpty();
        }
    }

    @Test
    void onCompleteTheStateOfAFailedRunIsRemoved() {
        try (EngineHarness h = engine("on-complete", new Fill(), new Checkout())) {
            String runId = h.engine.start("cart", Map.of("fail", true));
            h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(stateOf(h, runId, "items")).isEmpty();
        }
    }

    @Test
    void onCompleteTheStateOfAnAwaitingRunIsKeptUntilItIsCanceled() {
        try (EngineHarness h = engine("on-complete", new Request(), new Approve())) {
            String runId = h.engine.start("approval", Map.of());
            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(stateOf(h, runId, "requestedBy")).contains("\"ann\"");

            h.engine.cancel(runId);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(stateOf(h, runId, "requestedBy")).isEmpty();
        }
    }

    @Test
    void immediateRemovesTheStateAfterEveryCompletedStep() {
        Checkout checkout = new Checkout();
        try (EngineHarness h = engine("immediate", new Fill(), checkout)) {
            String runId = h.engine.start("cart", Map.of());
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(checkout.itemsSeen).as("what the second step saw of the first step's state").isEmpty();
            assertThat(stateOf(h, runId, "items")).isEmpty();
        }
    }

    @Test
    void ttlGivesValuesSetWithoutATimeToLiveTheConfiguredOneAndKeepsTheirOwnForTheOthers() {
        Checkout checkout = new Checkout();
        try (EngineHarness h = engine("ttl", new Fill(), checkout)) {
            String runId = h.engine.start("cart", Map.of());
            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(checkout.itemsSeen).contains(3);
            assertThat(stateOf(h, runId, "items")).contains("3");

            h.clock.advance(Duration.ofMinutes(6));
            assertThat(stateOf(h, runId, "coupon")).as("set with a time to live of 5 minutes").isEmpty();
            assertThat(stateOf(h, runId, "items")).contains("3");

            h.clock.advance(ONE_HOUR);
            assertThat(stateOf(h, runId, "items")).isEmpty();
        }
    }

    @Test
    void anUnknownStrategyOrATimeToLiveBelowOneMillisecondIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> StateCleanup.of("on-completion", ONE_HOUR))
                .hasMessageContaining("nvent.store.state.cleanup.strategy")
                .hasMessageContaining("never, on-complete, immediate, ttl")
                .hasMessageContaining("'on-completion'");
        assertThatThrownBy(() -> StateCleanup.of("ttl", Duration.ZERO))
                .hasMessageContaining("nvent.store.state.cleanup.ttl-ms must be positive");
        assertThat(StateCleanup.of(" On-Complete ", ONE_HOUR).strategy()).isEqualTo(StateCleanup.Strategy.ON_COMPLETE);
    }
}

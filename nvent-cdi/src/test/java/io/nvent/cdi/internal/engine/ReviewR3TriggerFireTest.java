package io.nvent.cdi.internal.engine;

import io.nvent.AwaitType;
import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.engine.ConcurrencyKeyTest.SyncCustomer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** REVIEW r3 (not product tests): trigger fires with concurrency keys, end to end on the engine harness. */
class ReviewR3TriggerFireTest {

    private static final Duration DELAY = Duration.ofMinutes(5);
    /** Valid JSON whose number's exponent does not fit an int: BigDecimal cannot hold it. */
    private static final String HUGE_EXPONENT = "{\"name\":\"x\",\"customerId\":1e99999999999}";

    @BeforeEach
    void reset() {
        ConcurrencyKeyTest.STARTED.clear();
        ConcurrencyKeyTest.GATES.clear();
    }

    private static void letEnd(String name) {
        ConcurrencyKeyTest.GATES.computeIfAbsent(name, n -> new CountDownLatch(1)).countDown();
    }

    private static void awaitStarted(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ConcurrencyKeyTest.STARTED.contains(name));
    }

    @Test
    void aDelayedFireOfAKeyedTriggerWaitsItsDelayThenTakesItsTurnWithThePayloadsKey() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("sync")
                    .concurrencyKeyFrom("/customerId").concurrencyKeyPrefix("c:").build());
            String holder = h.engine.start("sync", Map.of("name", "holder"),
                    StartOptions.newBuilder().concurrencyKey("c:42").build()).runId();
            awaitStarted("holder");

            List<StartedRun> fired = h.triggers.fire("hook", "{\"name\":\"delayed\",\"customerId\":42.0}",
                    StartOptions.newBuilder().idempotencyKey("delivery-1").delay(DELAY).build());

            assertThat(fired).hasSize(1);
            String delayed = fired.get(0).runId();
            RunInfo run = h.engine.run(delayed).orElseThrow();
            assertThat(run.concurrencyKey()).contains("c:42");
            assertThat(run.status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.awaits(true, 10)).filteredOn(a -> a.runId().equals(delayed)).singleElement()
                    .satisfies(a -> {
                        assertThat(a.type()).isEqualTo(AwaitType.TIME);
                        assertThat(a.concurrencyKey()).contains("c:42");
                    });
            h.clock.advance(DELAY);
            h.sweep();
            assertThat(h.engine.waits(delayed)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("waits for concurrency key 'c:42', held by run " + holder));
            assertThat(ConcurrencyKeyTest.STARTED).containsExactly("holder");
            letEnd("holder");
            awaitStarted("delayed");
            letEnd("delayed");
            h.awaitStatus(delayed, RunStatus.COMPLETED);

            // The same delivery again: the same run, no second one.
            assertThat(h.triggers.fire("hook", "{\"name\":\"delayed\",\"customerId\":42.0}",
                    StartOptions.newBuilder().idempotencyKey("delivery-1").delay(DELAY).build()))
                    .extracting(StartedRun::runId).containsExactly(delayed);
        }
    }

    @Test
    void aFireByNameWithANumberBigDecimalCannotHoldIsRefusedAsNoKeyAndCountedAsAFailedFire() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("sync")
                    .concurrencyKeyFrom("/customerId").build());

            assertThatThrownBy(() -> h.triggers.fire("hook", HUGE_EXPONENT, StartOptions.DEFAULTS))
                    .isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
            assertThat(h.triggers.trigger("hook").orElseThrow().lastError()).isPresent();
        }
    }

    @Test
    void anEventWithANumberBigDecimalCannotHoldDoesNotThrowIntoTheEmitterAndCountsAsAFailedFire() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("on-change", TriggerType.EVENT).event("customer.changed")
                    .flow("sync").concurrencyKeyFrom("/customerId").build());

            assertThatCode(() -> h.triggers.fireOnEvent("customer.changed", HUGE_EXPONENT)).doesNotThrowAnyException();
            assertThat(h.triggers.trigger("on-change").orElseThrow().fires()).isEqualTo(1);
        }
    }
}

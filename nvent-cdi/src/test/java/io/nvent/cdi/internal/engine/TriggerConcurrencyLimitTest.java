package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.engine.ConcurrencyKeyTest.SyncCustomer;
import io.nvent.cdi.internal.engine.ConcurrencyLimitTest.StoreWithoutLimits;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.STARTED;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.awaitStarted;
import static io.nvent.cdi.internal.engine.ConcurrencyKeyTest.letEnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's concurrency limit: every run it starts holds its key with that limit, unless the fire says otherwise. */
class TriggerConcurrencyLimitTest {

    /** The entry step of flow "customer-hook", fired by a webhook whose calls for one customer run two at a time. */
    @FlowStep(flow = "customer-hook", name = "sync-hooked", role = StepRole.ENTRY)
    @Trigger(name = "crm-hook", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customerId", concurrencyLimit = 2)
    public static class HookedSync implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) throws Exception {
            return new SyncCustomer().execute(input, ctx);
        }
    }

    @BeforeEach
    void reset() {
        new ConcurrencyKeyTest().reset();
    }

    /** A webhook call for a customer, as nvent-web hands it on: a fire by name with the sender's delivery id. */
    private static String call(EngineHarness h, String name, Object customerId) {
        List<StartedRun> started = h.triggers.fire("crm-hook", "{\"name\":\"" + name + "\",\"customerId\":"
                + customerId + "}", StartOptions.newBuilder().idempotencyKey("delivery-" + name).build());
        h.clock.advance(Duration.ofSeconds(1));   // the next call begins waiting later
        return started.get(0).runId();
    }

    private static RunInfo run(EngineHarness h, String runId) {
        return h.engine.run(runId).orElseThrow();
    }

    @Test
    void aWebhookTriggerWithLimitTwoLetsTwoRunsOfACustomerRunAndTheThirdWaitWhileOtherCustomersRunBeside() {
        try (EngineHarness h = new EngineHarness(new HookedSync())) {
            String first = call(h, "first", 42);
            String second = call(h, "second", 42);
            String third = call(h, "third", 42);
            String other = call(h, "other", 7);

            awaitStarted("first", "second", "other");
            h.sweep();
            assertThat(run(h, third).status()).isEqualTo(RunStatus.AWAITING);
            assertThat(run(h, third).concurrencyLimit()).hasValue(2);
            assertThat(h.engine.waits(third)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("waits for concurrency key '42', held by 2 of 2 runs: " + first + ", " + second));

            letEnd("first");
            h.awaitStatus(first, RunStatus.COMPLETED);
            awaitStarted("third");
            List.of("second", "third", "other").forEach(ConcurrencyKeyTest::letEnd);
            List.of(second, third, other).forEach(runId -> h.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(STARTED.indexOf("third")).isGreaterThan(STARTED.indexOf("first"));
        }
    }

    @Test
    void aDeclaredTriggersLimitShowsInItsInfoAndItsRegistration() {
        try (EngineHarness h = new EngineHarness(new HookedSync())) {
            assertThat(h.triggers.trigger("crm-hook").orElseThrow().spec().concurrencyLimit()).isEqualTo(2);
            assertThat(h.triggers.history("crm-hook", 10)).singleElement().satisfies(entry -> {
                assertThat(entry.type()).isEqualTo("trigger.registered");
                assertThat(entry.data()).contains("\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyLimit\":2");
            });
        }
    }

    @Test
    void everyStartATriggerMakesCarriesItsLimit() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("sync")
                    .every(Duration.ofMinutes(1)).concurrencyKey("nightly-sync").concurrencyLimit(3).build());
            h.triggers.create(TriggerSpec.newBuilder("on-change", TriggerType.EVENT).event("customer.changed")
                    .flow("sync").concurrencyKeyFrom("/customerId").concurrencyLimit(3).build());
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("sync")
                    .concurrencyKey("by-hand").concurrencyLimit(3).build());

            h.triggers.onTick("nightly", Instant.parse("2026-11-30T11:00:00Z"));
            h.triggers.fireOnEvent("customer.changed", "{\"name\":\"event\",\"customerId\":42}");
            h.triggers.fire("by-hand", "{\"name\":\"manual\"}");
            h.triggers.fire("by-hand", "{\"name\":\"delayed\"}", StartOptions.newBuilder()
                    .delay(Duration.ofMinutes(5)).build());

            assertThat(h.engine.runs(RunQuery.all())).hasSize(4).allSatisfy(run -> assertThat(run.concurrencyLimit())
                    .as("run of " + run.concurrencyKey()).hasValue(3));
            List.of("event", "manual", "delayed").forEach(ConcurrencyKeyTest::letEnd);
        }
    }

    @Test
    void aFireWhoseOptionsGiveTheTriggersKeyWithALimitKeepsThatLimitEvenOneAndWithoutALimitTheTriggers() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("nightly", TriggerType.MANUAL).flow("sync")
                    .concurrencyKey("nightly-sync").concurrencyLimit(3).build());

            List<StartedRun> started = h.triggers.fire("nightly", "{\"name\":\"a\"}",
                    StartOptions.newBuilder().concurrencyKey("nightly-sync", 2).build());
            List<StartedRun> chosenOne = h.triggers.fire("nightly", "{\"name\":\"b\"}",
                    StartOptions.newBuilder().concurrencyKey("nightly-sync", 1).build());
            List<StartedRun> unchosen = h.triggers.fire("nightly", "{\"name\":\"c\"}",
                    StartOptions.newBuilder().concurrencyKey("nightly-sync").build());

            assertThat(run(h, started.get(0).runId()).concurrencyLimit()).hasValue(2);
            assertThat(run(h, chosenOne.get(0).runId()).concurrencyLimit()).hasValue(1);
            assertThat(run(h, unchosen.get(0).runId()).concurrencyLimit()).as("the trigger's").hasValue(3);
            List.of("a", "b", "c").forEach(ConcurrencyKeyTest::letEnd);
        }
    }

    @Test
    void aLimitAboveOneIsRefusedOnCreateAndUpdateWhereTheStoreCannotKeepItAndTheTriggerStaysAsItWas() {
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutLimits(), "instance-a",
                new SyncCustomer())) {
            TriggerSpec oneAtATime = TriggerSpec.newBuilder("nightly", TriggerType.MANUAL).flow("sync")
                    .concurrencyKey("nightly-sync").build();
            TriggerSpec twoAtATime = oneAtATime.toBuilder().concurrencyLimit(2).build();

            assertThatThrownBy(() -> h.triggers.create(twoAtATime)).isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0579 trigger 'nightly' has concurrency limit 2, but scheduling store "
                            + StoreWithoutLimits.class.getName() + " lets one run at a time hold a concurrency key");
            assertThat(h.triggers.trigger("nightly")).isEmpty();

            h.triggers.create(oneAtATime);
            assertThatThrownBy(() -> h.triggers.update(twoAtATime)).hasMessageStartingWith("NVENT-0579");
            assertThatThrownBy(() -> h.triggers.createOrUpdate(twoAtATime)).hasMessageStartingWith("NVENT-0579");
            assertThat(h.triggers.trigger("nightly").orElseThrow().spec()).isEqualTo(oneAtATime);
        }
    }

    @Test
    void aDeclaredLimitAboveOneIsWarnedOfAtStartWhereTheStoreCannotKeepIt() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutLimits(), "instance-a",
                     new HookedSync())) {
            assertThat(log.messagesContaining("NVENT-0580")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0580 trigger 'crm-hook' is declared with concurrency limit 2, but scheduling"
                            + " store " + StoreWithoutLimits.class.getName())
                    .contains("NVENT-0272"));
        }
    }
}

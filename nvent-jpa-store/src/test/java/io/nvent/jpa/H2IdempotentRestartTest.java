package io.nvent.jpa;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.RestartOptions;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.FlowStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import io.nvent.testkit.Concurrently;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A restart or rerun with an idempotency key holds the key in the JPA store as a start does: of restarts racing on two
 * instances one creates the run, and a key a start used is refused.
 */
class H2IdempotentRestartTest {

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "sent";
        }
    }

    @Test
    void restartsWithOneKeyRacingOnTwoInstancesCreateOneRunAndAKeyAStartUsedIsRefused() throws Exception {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = engine("a", store);
             EmbeddedEngine b = engine("b", store)) {
            String original = a.flows().start("invoice", Map.of("n", 1));
            StartedRun started = a.flows().start("invoice", Map.of("n", 1), StartOptions.idempotent("started"));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    a.flows().run(original).map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED);

            List<StartedRun> restarts = Collections.synchronizedList(new ArrayList<>());
            Concurrently.run(16, caller -> restarts.add((caller % 2 == 0 ? a : b).flows()
                    .restart(original, RestartOptions.idempotent("retried"))));

            assertThat(restarts).extracting(StartedRun::runId).containsOnly(restarts.get(0).runId());
            assertThat(restarts).filteredOn(StartedRun::created).hasSize(1);
            StartedRun rerun = a.flows().rerunFrom(original, "send", RestartOptions.idempotent("rerun"));
            assertThat(b.flows().rerunFrom(original, "send", RestartOptions.idempotent("rerun")))
                    .isEqualTo(new StartedRun(rerun.runId(), false));
            assertThatThrownBy(() -> b.flows().restart(original, RestartOptions.idempotent("started")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("already started run " + started.runId() + " by a start");
            assertThat(a.flows().runs(RunQuery.ofFlow("invoice"))).hasSize(4);
        }
    }

    /** Writes a report, which then waits a day for its review: a run that stays under way. */
    @FlowStep(flow = "report", name = "write", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    static class Write implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "written";
        }
    }

    @Test
    void aKeyedRestartWhoseInstanceStoppedAfterStoringTheCopyIsFinishedByTheSweepOfAnotherInstance() throws Exception {
        AtomicReference<String> stopBeforeUpdating = new AtomicReference<>();
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine a = EmbeddedEngine.newBuilder().instanceId("a")
                     .store(stoppingBeforeUpdating(store, stopBeforeUpdating)).schedulingStore(store.schedulingStore())
                     .step(new Write()).build();
             EmbeddedEngine b = EmbeddedEngine.newBuilder().instanceId("b").store(store)
                     .schedulingStore(store.schedulingStore()).leaseDuration(Duration.ofSeconds(1))
                     .sweepEvery(Duration.ofMillis(100)).step(new Write()).build()) {
            String original = a.flows().start("report", null);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    a.flows().run(original).map(RunInfo::status).orElseThrow() == RunStatus.AWAITING);
            stopBeforeUpdating.set(original);
            assertThatThrownBy(() -> a.flows().restart(original, RestartOptions.idempotent("stopped")))
                    .hasMessage("the instance stopped");
            String copy = b.flows().runByIdempotencyKey("report", "stopped").orElseThrow().runId();

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    b.flows().run(copy).map(RunInfo::status).orElseThrow() == RunStatus.AWAITING);
            assertThat(b.flows().run(original).map(RunInfo::status)).contains(RunStatus.CANCELED);
        }
    }

    /** The store, but for one update of the run {@code stopBefore} names, which fails as if its instance stopped. */
    private static FlowStore stoppingBeforeUpdating(FlowStore store, AtomicReference<String> stopBefore) {
        return (FlowStore) Proxy.newProxyInstance(FlowStore.class.getClassLoader(), new Class<?>[] {FlowStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("updateRun") && stopBefore.compareAndSet((String) args[0], null)) {
                        throw new IllegalStateException("the instance stopped");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(store).schedulingStore(store.schedulingStore())
                .step(new Send()).build();
    }
}

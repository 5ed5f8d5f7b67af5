package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepDeclaration;
import io.nvent.cdi.internal.registry.StepDefaults;
import io.nvent.FlowStep;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real engine on the in-memory adapters, without a container: the fast way to test orchestration.
 */
final class EngineHarness implements AutoCloseable {

    final MemoryFlowStore store = new MemoryFlowStore();
    final MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
    final MemoryEventStream stream = new MemoryEventStream();
    final FlowEngine engine;

    EngineHarness(Step<?, ?>... steps) {
        Map<Class<?>, Step<?, ?>> instances = new ConcurrentHashMap<>();
        List<StepDeclaration> declarations = Arrays.stream(steps).map(step -> {
            instances.put(step.getClass(), step);
            return StepDeclaration.of(step.getClass(), step.getClass().getAnnotation(FlowStep.class));
        }).toList();
        assertThat(FlowGraphValidator.validate(declarations)).as("graph problems").isEmpty();
        StepDefaults defaults = new StepDefaults(1, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(30));
        engine = new FlowEngine(FlowRegistry.build(declarations, defaults), store, queue, stream,
                new Json(1024 * 1024), Clock.systemUTC(), instances::get);
        engine.startWorkers(queueName -> 4);
    }

    RunInfo awaitStatus(String runId, RunStatus status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.run(runId).orElseThrow().status() == status);
        return engine.run(runId).orElseThrow();
    }

    List<HistoryEvent> history(String runId) {
        return engine.events(runId, EventQuery.all());
    }

    List<String> types(String runId) {
        return history(runId).stream().map(e -> e.type().wireName()).toList();
    }

    List<HistoryEvent> eventsOf(String runId, EventType type) {
        return history(runId).stream().filter(e -> e.type() == type).toList();
    }

    @Override
    public void close() {
        queue.close();
    }
}

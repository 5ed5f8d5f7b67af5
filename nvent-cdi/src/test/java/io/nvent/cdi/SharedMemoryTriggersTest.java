package io.nvent.cdi;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerService;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.SharedTriggersContractTest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Two embedded engines on one pair of in-memory stores, creating the same trigger at once. */
class SharedMemoryTriggersTest extends SharedTriggersContractTest {

    private FlowStore runs;
    private SchedulingStore scheduling;
    private EmbeddedEngine first;
    private EmbeddedEngine second;

    @FlowStep(flow = FLOW, name = "purge", role = StepRole.ENTRY)
    static class Purge implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "purged";
        }
    }

    @BeforeEach
    void startTwoInstances() {
        runs = MemoryAdapters.store();
        scheduling = MemoryAdapters.schedulingStore();
        first = (EmbeddedEngine) startInstance("a", new Purge());
        second = (EmbeddedEngine) startInstance("b", new Purge());
    }

    @Override
    protected AutoCloseable startInstance(String instanceId, Step<?, ?> entryStep) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(runs).schedulingStore(scheduling)
                .step(entryStep).build();
    }

    @AfterEach
    void stopThem() {
        first.close();
        second.close();
    }

    @Override
    protected List<TriggerService> instances() {
        return List.of(first.triggers(), second.triggers());
    }
}

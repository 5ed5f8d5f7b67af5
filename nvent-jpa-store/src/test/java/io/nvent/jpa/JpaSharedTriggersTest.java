package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerService;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.SharedTriggersContractTest;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two embedded engines, each on a JPA store of its own over one database, as two instances are,
 * creating the same trigger at once.
 */
abstract class JpaSharedTriggersTest extends SharedTriggersContractTest {

    private JpaFlowStore firstStore;
    private JpaFlowStore secondStore;
    private EmbeddedEngine first;
    private EmbeddedEngine second;
    private final AtomicInteger started = new AtomicInteger();

    @FlowStep(flow = FLOW, name = "purge", role = StepRole.ENTRY)
    static class Purge implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "purged";
        }
    }

    /** A store over the test's database; each call a new one, as each instance has. */
    abstract JpaFlowStore newStore();

    @BeforeEach
    void startTwoInstances() {
        firstStore = newStore();
        secondStore = newStore();
        first = engine("a", firstStore);
        second = engine("b", secondStore);
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store) {
        return engine(instanceId, store, new Purge());
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store, Step<?, ?> entryStep) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).store(store).schedulingStore(store.schedulingStore())
                .step(entryStep).build();
    }

    /** On the two stores in turn, so that two instances started one after the other are on stores of their own. */
    @Override
    protected AutoCloseable startInstance(String instanceId, Step<?, ?> entryStep) {
        return engine(instanceId, started.getAndIncrement() % 2 == 0 ? firstStore : secondStore, entryStep);
    }

    @AfterEach
    void stopThem() {
        first.close();
        second.close();
        firstStore.close();
        secondStore.close();
    }

    @Override
    protected List<TriggerService> instances() {
        return List.of(first.triggers(), second.triggers());
    }
}

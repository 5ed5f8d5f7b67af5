package io.nvent.jpa;

import io.nvent.FlowService;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.CancelWithChildrenContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A run canceled with its children on the JPA store, on H2: the children listed through run_parent_started_idx. */
class H2CancelWithChildrenTest extends CancelWithChildrenContractTest {

    private JpaFlowStore store;
    private EmbeddedEngine engine;

    @BeforeEach
    void startEngine() {
        store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().instanceId("a").store(store)
                .schedulingStore(store.schedulingStore()).concurrency(4);
        STEPS.forEach(builder::step);
        engine = builder.build();
    }

    @AfterEach
    void stopEngine() {
        engine.close();
        store.close();
    }

    @Override
    protected FlowService flows() {
        return engine.flows();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.FlowService;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.CancelWithChildrenContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A run canceled with its children on the memory store. */
class CancelWithChildrenTest extends CancelWithChildrenContractTest {

    private EmbeddedEngine engine;

    @BeforeEach
    void startEngine() {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().instanceId("a").concurrency(4);
        STEPS.forEach(builder::step);
        engine = builder.build();
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    @Override
    protected FlowService flows() {
        return engine.flows();
    }
}

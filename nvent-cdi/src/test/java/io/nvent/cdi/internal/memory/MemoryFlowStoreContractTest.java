package io.nvent.cdi.internal.memory;

import io.nvent.spi.FlowStore;
import io.nvent.testkit.FlowStoreContractTest;

/** The in-memory store passes the shared store contract. */
class MemoryFlowStoreContractTest extends FlowStoreContractTest {

    @Override
    protected FlowStore createStore() {
        return new MemoryFlowStore();
    }
}

package io.nvent.cdi.internal.memory;

import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.SchedulingStoreContractTest;

/** The in-memory scheduling store passes the shared scheduling store contract. */
class MemorySchedulingStoreContractTest extends SchedulingStoreContractTest {

    @Override
    protected SchedulingStore createStore() {
        return new MemorySchedulingStore();
    }
}

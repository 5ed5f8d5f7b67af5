package io.nvent.cdi.internal.memory;

import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.SchedulingStoreContractTest;
import java.util.OptionalInt;

/** The in-memory scheduling store passes the shared scheduling store contract, with the in-memory runs. */
class MemorySchedulingStoreContractTest extends SchedulingStoreContractTest {

    private final MemoryFlowStore runs = new MemoryFlowStore();

    @Override
    protected SchedulingStore createStore() {
        return new MemorySchedulingStore();
    }

    @Override
    protected OptionalInt concurrencyKeysKept() {
        return OptionalInt.of(((MemorySchedulingStore) store()).concurrencyKeysKept());
    }

    @Override
    protected boolean holdsConcurrencyKeys() {
        return true;
    }

    @Override
    protected boolean keepsProgress() {
        return true;
    }

    @Override
    protected boolean keepsHeartbeats() {
        return true;
    }

    @Override
    protected boolean keepsInstances() {
        return true;
    }

    @Override
    protected boolean keepsOwedCatchUps() {
        return true;
    }

    @Override
    protected boolean keepsLeaseExecutions() {
        return true;
    }

    @Override
    protected boolean refusesFinishingALostLease() {
        return true;
    }

    @Override
    protected boolean savesAwaitsWithRunChanges() {
        return true;
    }

    @Override
    protected FlowStore flowStore() {
        return runs;
    }
}

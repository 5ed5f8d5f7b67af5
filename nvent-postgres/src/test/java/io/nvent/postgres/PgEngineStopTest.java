package io.nvent.postgres;

import io.nvent.Step;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.testkit.EngineStopContractTest;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine on the PostgreSQL queue, stopped while a step runs, as a rolling deploy stops an instance. */
class PgEngineStopTest extends EngineStopContractTest {

    @RegisterExtension
    static final PgInstances database = new PgInstances();

    @Override
    protected SharedStores newStores() {
        return new SharedStores(MemoryAdapters.store(), MemoryAdapters.schedulingStore());
    }

    /** An instance: the stores it shares with the others, and the PostgreSQL queue on the test's database. */
    @Override
    protected Instance startInstance(SharedStores stores, Step<?, ?>... steps) {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder();
        Arrays.asList(steps).forEach(builder::step);
        EmbeddedEngine engine = builder.store(stores.store()).schedulingStore(stores.scheduling())
                .queue(database.queue("pg-engine")).leaseDuration(LEASE).build();
        return new Instance(engine.flows(), engine::close);
    }
}

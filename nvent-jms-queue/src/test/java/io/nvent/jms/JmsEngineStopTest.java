package io.nvent.jms;

import io.nvent.Step;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.testkit.EngineStopContractTest;
import io.nvent.testkit.TestThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine on the JMS queue, stopped while a step runs, as a rolling deploy stops an instance. */
class JmsEngineStopTest extends EngineStopContractTest {

    @RegisterExtension
    static final InVmBroker broker = InVmBroker.of(5, "engine-stop");

    @Override
    protected SharedStores newStores() {
        return new SharedStores(MemoryAdapters.store(), MemoryAdapters.schedulingStore());
    }

    /** An instance: the stores it shares with the others, and a JMS queue on the test's broker. */
    @Override
    protected Instance startInstance(SharedStores stores, Step<?, ?>... steps) {
        JmsJobQueue queue = new JmsJobQueue(broker.clients(), new TestThreads("jms-engine"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofMillis(500)).build());
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder();
        Arrays.asList(steps).forEach(builder::step);
        EmbeddedEngine engine = builder.store(stores.store()).schedulingStore(stores.scheduling()).queue(queue)
                .leaseDuration(LEASE).build();
        return new Instance(engine.flows(), engine::close);
    }
}

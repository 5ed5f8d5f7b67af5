package io.nvent.cdi;

import io.nvent.cdi.internal.Adapters;
import io.nvent.cdi.internal.NventExtension;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import jakarta.enterprise.inject.spi.Extension;

/**
 * What a CDI container that discovers no beans by itself needs to run nvent: Weld SE or weld-junit
 * in a test of your steps with their real injection, your own beans and nvent's extension, without
 * a server. Deployed in a server, nvent's jar is discovered and needs none of this.
 *
 * <pre>{@code
 * WeldContainer container = new Weld().disableDiscovery()
 *         .addExtension(NventBeans.extension())
 *         .addBeanClasses(NventBeans.inMemoryEngine())
 *         .addBeanClasses(ValidateOrder.class, ChargeCard.class, Payments.class)
 *         .initialize();
 * FlowService flows = container.select(FlowService.class).get();
 * }</pre>
 *
 * The container then checks the flows and the {@code nvent.*} settings as a deployment does (a
 * mistake fails its start with the deployment's messages) and starts the engine on the in-memory
 * adapters, in real time; closing the container stops it.
 *
 * @since 0.2
 */
public final class NventBeans {

    private NventBeans() {
    }

    /**
     * A new instance of nvent's portable extension, which collects the {@code @FlowStep} beans and
     * checks their flows; one for each container.
     *
     * @return the extension
     */
    public static Extension extension() {
        return new NventExtension();
    }

    /**
     * The bean classes of the engine, its configuration ({@link NventConfig}: MicroProfile Config
     * when there is one, else system properties), the in-memory adapters and every public bean a
     * deployment has besides ({@link QueueControls}, {@link PrometheusMetrics}), so that your beans
     * inject what they inject when deployed.
     *
     * @return the classes, a new array each time, to add beside your own
     *     ({@code Weld.addBeanClasses(NventBeans.inMemoryEngine())})
     */
    public static Class<?>[] inMemoryEngine() {
        return new Class<?>[] {Adapters.class, Threads.class, NventConfig.class, EngineBean.class,
            QueueControls.class, PrometheusMetrics.class, MemoryFlowStore.class, MemoryJobQueue.class,
            MemoryEventStream.class, MemorySchedulingStore.class};
    }
}

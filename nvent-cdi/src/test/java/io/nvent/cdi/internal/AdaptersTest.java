package io.nvent.cdi.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.Adapter;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import jakarta.enterprise.inject.Produces;
import java.util.Map;
import java.util.Optional;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adapters chosen by name, and names that choose none. */
class AdaptersTest {

    /** The configuration of one test, as the server's would be. */
    static final class Settings {
        static volatile Map<String, String> values = Map.of();

        @Produces
        NventConfig config() {
            return new NventConfig(key -> Optional.ofNullable(values.get(key)));
        }
    }

    private static WeldContainer start(Map<String, String> settings, Class<?>... moreAdapters) {
        Settings.values = settings;
        return WeldInitiator.createWeld().disableDiscovery()
                .addBeanClasses(Adapters.class, Settings.class, MemoryFlowStore.class, MemoryJobQueue.class,
                        MemoryEventStream.class, MemorySchedulingStore.class, Threads.class)
                .addBeanClasses(moreAdapters)
                .initialize();
    }

    /** A second queue that calls itself memory, as a copied adapter whose name was not changed would. */
    @jakarta.enterprise.context.ApplicationScoped
    @Adapter("memory")
    public static class CopiedQueue extends MemoryJobQueue {
    }

    /** A store of one's own under a name of its own, deployed next to the memory one. */
    @jakarta.enterprise.context.ApplicationScoped
    @Adapter("mine")
    public static class OwnStore extends MemoryFlowStore {
    }

    @Test
    void theMemoryAdaptersAreTheDefault() {
        try (WeldContainer container = start(Map.of())) {
            assertThat(container.select(SchedulingStore.class).get().listTriggers()).isEmpty();
        }
    }

    @Test
    void aStoreAdapterNameThatNamesNoStoreFailsWhereTheEngineFirstNeedsItsSchedulingStore() {
        try (WeldContainer container = start(Map.of("nvent.store.adapter", "nosuch"))) {
            assertThatThrownBy(() -> container.select(SchedulingStore.class).get().listTriggers())
                    .hasMessageContaining("NVENT-0002 nvent.store.adapter=nosuch names no adapter");
        }
    }

    @Test
    void anAdapterNameThatNamesNoneListsTheDeployedAdaptersOfItsKind() {
        try (WeldContainer container = start(Map.of("nvent.store.adapter", "nosuch"), OwnStore.class)) {
            assertThatThrownBy(() -> container.select(FlowStore.class).get().findRun("r"))
                    .hasMessageContaining("NVENT-0002 nvent.store.adapter=nosuch names no adapter")
                    .hasMessageEndingWith("; deployed: memory, mine");
        }
    }

    @Test
    void twoAdaptersOfAKindWithTheSameNameFailTheDeploymentNamingBothClasses() {
        try (WeldContainer container = start(Map.of(), CopiedQueue.class)) {
            assertThatThrownBy(() -> container.select(JobQueue.class).get().rateLimit("q"))
                    .hasMessageContaining("NVENT-0005 2 JobQueue adapters are named 'memory': "
                            + CopiedQueue.class.getName() + " and " + MemoryJobQueue.class.getName()
                            + "; nvent.queue.adapter cannot tell them apart");
        }
    }
}

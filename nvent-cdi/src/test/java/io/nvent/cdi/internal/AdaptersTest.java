package io.nvent.cdi.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
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

    private static WeldContainer start(Map<String, String> settings) {
        Settings.values = settings;
        return WeldInitiator.createWeld().disableDiscovery()
                .addBeanClasses(Adapters.class, Settings.class, MemoryFlowStore.class, MemoryJobQueue.class,
                        MemoryEventStream.class, MemorySchedulingStore.class, Threads.class)
                .initialize();
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
}

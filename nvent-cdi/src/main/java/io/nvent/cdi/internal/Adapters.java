package io.nvent.cdi.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.DeploymentException;
import java.time.Clock;

/**
 * Chooses the store, queue and stream adapters named in configuration
 * ({@code nvent.store.adapter}, {@code nvent.queue.adapter}, {@code nvent.stream.adapter}).
 */
@ApplicationScoped
public class Adapters {

    private static final System.Logger LOG = System.getLogger(Adapters.class.getName());

    @Produces
    @ApplicationScoped
    FlowStore store(@Any Instance<FlowStore> candidates, NventConfig config) {
        return select(candidates, "nvent.store.adapter", config);
    }

    @Produces
    @ApplicationScoped
    SchedulingStore schedulingStore(@Any Instance<SchedulingStore> candidates, @Any Instance<FlowStore> stores,
                                    NventConfig config) {
        // The engine needs its scheduling store at start-up, its flow store only later: an adapter
        // name that is no store at all has to fail the deployment here.
        select(stores, "nvent.store.adapter", config);
        String name = config.get("nvent.store.adapter", "memory");
        if (candidates.select(Adapter.Literal.of(name)).isUnsatisfied()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0003 store adapter ''{0}'' has no scheduling store: awaits, "
                    + "triggers and leases are kept in memory and do not survive a restart", name);
            return candidates.select(Adapter.Literal.of("memory")).get();
        }
        return candidates.select(Adapter.Literal.of(name)).get();
    }

    @Produces
    @ApplicationScoped
    JobQueue queue(@Any Instance<JobQueue> candidates, NventConfig config) {
        return select(candidates, "nvent.queue.adapter", config);
    }

    @Produces
    @ApplicationScoped
    EventStream stream(@Any Instance<EventStream> candidates, NventConfig config) {
        return select(candidates, "nvent.stream.adapter", config);
    }

    /** The engine's clock; replace it with an {@code @Alternative} producer in tests. */
    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * An adapter name that names none is one of the invalid settings the engine reports together
     * ({@code NVENT-0191}) before it starts: the adapters themselves are made on first use, which
     * came after the engine said it started, so a misspelt {@code jpaa} showed up on its own, late.
     */
    static void checkNames(@Observes SettingsCheck check, @Any Instance<FlowStore> stores,
                           @Any Instance<JobQueue> queues, @Any Instance<EventStream> streams, NventConfig config) {
        checkName(check, stores, "nvent.store.adapter", config);
        checkName(check, queues, "nvent.queue.adapter", config);
        checkName(check, streams, "nvent.stream.adapter", config);
    }

    private static void checkName(SettingsCheck check, Instance<?> candidates, String key, NventConfig config) {
        String name = config.get(key, "memory");
        if (candidates.select(Adapter.Literal.of(name)).isUnsatisfied()) {
            check.valid(() -> {
                throw new IllegalArgumentException(noAdapter(key, name));
            }, null);
        }
    }

    private static <T> T select(Instance<T> candidates, String key, NventConfig config) {
        String name = config.get(key, "memory");
        Instance<T> chosen = candidates.select(Adapter.Literal.of(name));
        if (chosen.isUnsatisfied()) {
            throw new DeploymentException(noAdapter(key, name));
        }
        return chosen.get();
    }

    private static String noAdapter(String key, String name) {
        return "NVENT-0002 " + key + "=" + name + " names no adapter; add the module providing it to the WAR "
                + "(nvent-jpa-store for 'jpa', nvent-jms-queue for 'jms', nvent-postgres for 'postgres') or use "
                + "'memory'";
    }
}

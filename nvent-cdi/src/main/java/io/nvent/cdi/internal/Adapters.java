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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        return select(candidates, FlowStore.class, "nvent.store.adapter", config);
    }

    @Produces
    @ApplicationScoped
    SchedulingStore schedulingStore(@Any Instance<SchedulingStore> candidates, @Any Instance<FlowStore> stores,
                                    NventConfig config) {
        // The engine needs its scheduling store at start-up, its flow store only later: an adapter
        // name that is no store at all has to fail the deployment here.
        select(stores, FlowStore.class, "nvent.store.adapter", config);
        String name = config.get("nvent.store.adapter", "memory");
        if (candidates.select(Adapter.Literal.of(name)).isUnsatisfied()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0003 store adapter ''{0}'' has no scheduling store: awaits, "
                    + "triggers and leases are kept in memory and do not survive a restart", name);
            name = "memory";
        }
        return only(candidates, SchedulingStore.class, name, "nvent.store.adapter");
    }

    @Produces
    @ApplicationScoped
    JobQueue queue(@Any Instance<JobQueue> candidates, NventConfig config) {
        return select(candidates, JobQueue.class, "nvent.queue.adapter", config);
    }

    @Produces
    @ApplicationScoped
    EventStream stream(@Any Instance<EventStream> candidates, NventConfig config) {
        return select(candidates, EventStream.class, "nvent.stream.adapter", config);
    }

    /** The engine's clock; replace it with an {@code @Alternative} producer in tests. */
    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * An adapter name that names none, and two adapters of one kind under the same name, are among
     * the invalid settings the engine reports together ({@code NVENT-0191}) before it starts: the
     * adapters themselves are made on first use, which came after the engine said it started, so a
     * misspelt {@code jpaa} showed up on its own, late.
     */
    static void checkNames(@Observes SettingsCheck check, @Any Instance<FlowStore> stores,
                           @Any Instance<SchedulingStore> schedulingStores, @Any Instance<JobQueue> queues,
                           @Any Instance<EventStream> streams, NventConfig config) {
        checkName(check, stores, FlowStore.class, "nvent.store.adapter", config);
        checkCollisions(check, schedulingStores, SchedulingStore.class, "nvent.store.adapter");
        checkName(check, queues, JobQueue.class, "nvent.queue.adapter", config);
        checkName(check, streams, EventStream.class, "nvent.stream.adapter", config);
    }

    private static void checkName(SettingsCheck check, Instance<?> candidates, Class<?> kind, String key,
                                  NventConfig config) {
        String name = config.get(key, "memory");
        if (candidates.select(Adapter.Literal.of(name)).isUnsatisfied()) {
            check.valid(() -> {
                throw new IllegalArgumentException(noAdapter(candidates, key, name));
            }, null);
        }
        checkCollisions(check, candidates, kind, key);
    }

    /** Every name two adapters of a kind share, not only the one chosen: the next deployment may choose it. */
    private static void checkCollisions(SettingsCheck check, Instance<?> candidates, Class<?> kind, String key) {
        deployed(candidates).forEach((name, classes) -> {
            if (candidates.select(Adapter.Literal.of(name)).isAmbiguous()) {
                check.valid(() -> {
                    throw new IllegalArgumentException(collision(kind, name, classes, key));
                }, null);
            }
        });
    }

    private static <T> T select(Instance<T> candidates, Class<T> kind, String key, NventConfig config) {
        String name = config.get(key, "memory");
        if (candidates.select(Adapter.Literal.of(name)).isUnsatisfied()) {
            throw new DeploymentException(noAdapter(candidates, key, name));
        }
        return only(candidates, kind, name, key);
    }

    /** The adapter of that name, which must be the only one; CDI's own ambiguity error names no setting. */
    private static <T> T only(Instance<T> candidates, Class<T> kind, String name, String key) {
        Instance<T> chosen = candidates.select(Adapter.Literal.of(name));
        if (chosen.isAmbiguous()) {
            throw new DeploymentException(collision(kind, name, deployed(candidates).get(name), key));
        }
        return chosen.get();
    }

    /** The deployed adapters of one kind: each name with the classes of the beans qualified with it, sorted. */
    private static Map<String, List<String>> deployed(Instance<?> candidates) {
        Map<String, List<String>> byName = new TreeMap<>();
        candidates.handlesStream().map(Instance.Handle::getBean).forEach(bean -> bean.getQualifiers().stream()
                .filter(Adapter.class::isInstance).map(qualifier -> ((Adapter) qualifier).value())
                .forEach(name -> byName.computeIfAbsent(name, unused -> new ArrayList<>())
                        .add(bean.getBeanClass().getName())));
        byName.values().forEach(java.util.Collections::sort);
        return byName;
    }

    private static String noAdapter(Instance<?> candidates, String key, String name) {
        return "NVENT-0002 " + key + "=" + name + " names no adapter; add the module providing it to the WAR "
                + "(nvent-jpa-store for 'jpa', nvent-jms-queue for 'jms', nvent-postgres for 'postgres') or use "
                + "'memory'; deployed: " + String.join(", ", deployed(candidates).keySet());
    }

    private static String collision(Class<?> kind, String name, List<String> classes, String key) {
        return "NVENT-0005 " + classes.size() + " " + kind.getSimpleName() + " adapters are named '" + name + "': "
                + String.join(" and ", classes) + "; " + key + " cannot tell them apart. Deploy only one of them, "
                + "or give one another @Adapter name";
    }
}

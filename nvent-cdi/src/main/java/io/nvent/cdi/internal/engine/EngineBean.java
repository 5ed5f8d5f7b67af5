package io.nvent.cdi.internal.engine;

import io.nvent.FlowService;
import io.nvent.Step;
import io.nvent.cdi.internal.NventExtension;
import io.nvent.cdi.internal.config.NventConfig;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.cdi.internal.registry.StepDefaults;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import java.time.Clock;

/**
 * Builds the engine from the collected steps and the selected adapters, starts its workers once
 * the application is up and stops them on shutdown.
 */
@ApplicationScoped
public class EngineBean {

    private static final System.Logger LOG = System.getLogger(EngineBean.class.getName());

    @Inject
    NventExtension extension;
    @Inject
    NventConfig config;
    @Inject
    FlowStore store;
    @Inject
    JobQueue queue;
    @Inject
    EventStream stream;
    @Inject
    Clock clock;
    @Inject
    BeanManager beanManager;

    private volatile FlowEngine engine;

    /** The engine, built on first use. */
    public FlowEngine engine() {
        FlowEngine current = engine;
        if (current == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = build();
                }
                current = engine;
            }
        }
        return current;
    }

    private FlowEngine build() {
        StepDefaults defaults = new StepDefaults(
                config.getInt("nvent.step.max-attempts", StepDefaults.STANDARD.maxAttempts()),
                config.getMillis("nvent.step.backoff-delay-ms", StepDefaults.STANDARD.backoffDelay()),
                config.getMillis("nvent.step.backoff-max-delay-ms", StepDefaults.STANDARD.backoffMaxDelay()),
                config.getMillis("nvent.step.timeout-ms", StepDefaults.STANDARD.timeout()));
        FlowRegistry registry = FlowRegistry.build(extension.declarations(), defaults);
        Json json = new Json(config.getInt("nvent.payload.max-bytes", 1024 * 1024));
        return new FlowEngine(registry, store, queue, stream, json, clock,
                beanClass -> (Step<?, ?>) beanManager.createInstance().select(beanClass).get());
    }

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        if (!config.getBoolean("nvent.engine.enabled", true)) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0115 engine disabled by nvent.engine.enabled=false");
            return;
        }
        int defaultConcurrency = config.getInt("nvent.queue.concurrency", 4);
        engine().startWorkers(queueName -> config.getInt("nvent.queue." + queueName + ".concurrency",
                defaultConcurrency));
    }

    @PreDestroy
    void shutdown() {
        queue.close();
        LOG.log(System.Logger.Level.INFO, "NVENT-0116 engine stopped");
    }

    /** The public service, backed by the engine. */
    @Produces
    @ApplicationScoped
    FlowService flowService() {
        return engine();
    }
}

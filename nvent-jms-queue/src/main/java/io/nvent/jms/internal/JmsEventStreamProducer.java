package io.nvent.jms.internal;

import io.nvent.jms.JmsEventStream;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.jms.ConnectionFactory;
import java.lang.System.Logger.Level;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes the JMS topic event stream the CDI bean {@code @Adapter("jms") EventStream}
 * ({@code nvent.stream.adapter=jms}), configured with MicroProfile Config:
 * <ul>
 *   <li>{@code nvent.stream.jms.connection-factory}: JNDI name of the connection factory, one
 *       without transaction support; default the workers' ({@code nvent.queue.jms.worker-connection-factory},
 *       else {@value JmsJobQueueProducer#DEFAULT_WORKER_CONNECTION_FACTORY} when bound, else the queue's
 *       with a warning, {@code NVENT-0662}). The stream keeps one of its connections for good, and
 *       takes one more at a time for its sends, from a thread of its own: count both in the pool
 *       ({@code NVENT-0620} does). It never needs the container to enlist them; the queue's XA pool
 *       is sized for enqueues</li>
 *   <li>{@code nvent.stream.jms.topic}: default {@value #DEFAULT_TOPIC}, the same on every instance</li>
 *   <li>{@code nvent.stream.jms.thread-factory}: default {@code java:comp/DefaultManagedThreadFactory}</li>
 *   <li>{@code nvent.stream.jms.send-timeout}: ISO-8601 duration, default the queue's
 *       ({@code nvent.queue.jms.send-timeout}, else {@code PT10S}): how long the stream's thread
 *       waits for a broker that holds producers back ({@code NVENT-0650}), and for a connection before
 *       it says the pool has none free ({@code NVENT-0664}); a publish itself never waits</li>
 * </ul>
 * The bean is created on first use, so the lookups happen only when {@code jms} is the selected
 * stream adapter.
 */
@ApplicationScoped
public class JmsEventStreamProducer {

    static final String DEFAULT_TOPIC = "nvent-events";
    private static final String FACTORY_KEY = "nvent.stream.jms.connection-factory";
    private static final System.Logger LOG = System.getLogger(JmsEventStreamProducer.class.getName());

    @Produces
    @ApplicationScoped
    @Adapter("jms")
    EventStream jmsEventStream() {
        Config config = ConfigProvider.getConfig();
        String threadFactoryName = config.getOptionalValue("nvent.stream.jms.thread-factory", String.class)
                .orElse("java:comp/DefaultManagedThreadFactory");
        String topic = config.getOptionalValue("nvent.stream.jms.topic", String.class).orElse(DEFAULT_TOPIC).trim();
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0645 nvent.stream.jms.topic must name a topic, was empty");
        }
        String queueFactoryName = config.getOptionalValue("nvent.queue.jms.connection-factory", String.class)
                .orElse(JmsJobQueueProducer.DEFAULT_CONNECTION_FACTORY);
        JmsJobQueueProducer.FactoryChoice choice = factoryChoice(key -> config.getOptionalValue(key, String.class),
                name -> JmsJobQueueProducer.optionalLookup(name, ConnectionFactory.class).isPresent(), queueFactoryName);
        if (choice.fallback()) {
            LOG.log(Level.WARNING, "NVENT-0662 no " + FACTORY_KEY + " nor " + JmsJobQueueProducer.WORKER_FACTORY_KEY
                    + " and nothing bound at " + JmsJobQueueProducer.DEFAULT_WORKER_CONNECTION_FACTORY + ": the live "
                    + "event stream publishes through " + queueFactoryName + ", whose pool is then shared with "
                    + "enqueues, and whose connections it never needs enlisted in a transaction; define a connection "
                    + "factory without transaction support (README, Production)");
        }
        ConnectionFactory factory = choice.lookup();
        String factoryName = choice.name();
        ThreadFactory threads = JmsJobQueueProducer.lookup(threadFactoryName, ThreadFactory.class,
                "nvent.stream.jms.thread-factory", "use a ManagedThreadFactory of the server");
        Duration sendTimeout = JmsJobQueueProducer.duration(config, "nvent.stream.jms.send-timeout")
                .or(() -> JmsJobQueueProducer.duration(config, "nvent.queue.jms.send-timeout"))
                .orElse(JmsEventStream.DEFAULT_SEND_TIMEOUT);
        LOG.log(Level.INFO, "NVENT-0646 live event stream on JMS topic " + topic + " through " + factoryName);
        // Publishes inside a transaction wait for its commit. They are sent from the stream's own thread,
        // outside any transaction, so the queue's XA factory (the fallback) is never enlisted either.
        TransactionSynchronizationRegistry transactions = JmsJobQueueProducer.optionalLookup(
                "java:comp/TransactionSynchronizationRegistry", TransactionSynchronizationRegistry.class).orElse(null);
        return new JmsEventStream(factory, threads, topic, sendTimeout, transactions, factoryName);
    }

    /**
     * The stream's connection factory: its own setting, else the workers' factory (both without
     * transaction support), else the queue's.
     */
    static JmsJobQueueProducer.FactoryChoice factoryChoice(Function<String, Optional<String>> config,
                                                           Predicate<String> bound, String queueFactoryName) {
        return JmsJobQueueProducer.nonTransactional(config, bound,
                List.of(FACTORY_KEY, JmsJobQueueProducer.WORKER_FACTORY_KEY), queueFactoryName);
    }

    void close(@Disposes @Adapter("jms") EventStream stream) {
        ((JmsEventStream) stream).close();
    }
}

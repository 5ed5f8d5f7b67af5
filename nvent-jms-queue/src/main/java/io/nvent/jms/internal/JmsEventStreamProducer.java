package io.nvent.jms.internal;

import io.nvent.jms.JmsEventStream;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.jms.ConnectionFactory;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes the JMS topic event stream the CDI bean {@code @Adapter("jms") EventStream}
 * ({@code nvent.stream.adapter=jms}), configured with MicroProfile Config:
 * <ul>
 *   <li>{@code nvent.stream.jms.connection-factory}: JNDI name of the connection factory, default
 *       the queue's ({@code nvent.queue.jms.connection-factory}); the stream keeps one of its
 *       connections for good</li>
 *   <li>{@code nvent.stream.jms.topic}: default {@value #DEFAULT_TOPIC}, the same on every instance</li>
 *   <li>{@code nvent.stream.jms.thread-factory}: default {@code java:comp/DefaultManagedThreadFactory}</li>
 *   <li>{@code nvent.stream.jms.send-timeout}: ISO-8601 duration, default the queue's
 *       ({@code nvent.queue.jms.send-timeout}, else {@code PT10S}): how long a publish waits for a
 *       broker that holds producers back</li>
 * </ul>
 * The bean is created on first use, so the lookups happen only when {@code jms} is the selected
 * stream adapter.
 */
@ApplicationScoped
public class JmsEventStreamProducer {

    static final String DEFAULT_TOPIC = "nvent-events";
    private static final System.Logger LOG = System.getLogger(JmsEventStreamProducer.class.getName());

    @Produces
    @ApplicationScoped
    @Adapter("jms")
    EventStream jmsEventStream() {
        Config config = ConfigProvider.getConfig();
        String factoryName = config.getOptionalValue("nvent.stream.jms.connection-factory", String.class)
                .or(() -> config.getOptionalValue("nvent.queue.jms.connection-factory", String.class))
                .orElse(JmsJobQueueProducer.DEFAULT_CONNECTION_FACTORY);
        String threadFactoryName = config.getOptionalValue("nvent.stream.jms.thread-factory", String.class)
                .orElse("java:comp/DefaultManagedThreadFactory");
        String topic = config.getOptionalValue("nvent.stream.jms.topic", String.class).orElse(DEFAULT_TOPIC).trim();
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0645 nvent.stream.jms.topic must name a topic, was empty");
        }
        ConnectionFactory factory = JmsJobQueueProducer.lookup(factoryName, ConnectionFactory.class,
                "nvent.stream.jms.connection-factory", "point it (or nvent.queue.jms.connection-factory) at the "
                        + "connection factory of the broker the instances share");
        ThreadFactory threads = JmsJobQueueProducer.lookup(threadFactoryName, ThreadFactory.class,
                "nvent.stream.jms.thread-factory", "use a ManagedThreadFactory of the server");
        Duration sendTimeout = JmsJobQueueProducer.duration(config, "nvent.stream.jms.send-timeout")
                .or(() -> JmsJobQueueProducer.duration(config, "nvent.queue.jms.send-timeout"))
                .orElse(JmsEventStream.DEFAULT_SEND_TIMEOUT);
        LOG.log(Level.INFO, "NVENT-0646 live event stream on JMS topic " + topic + " through " + factoryName);
        return new JmsEventStream(factory, threads, topic, sendTimeout);
    }

    void close(@Disposes @Adapter("jms") EventStream stream) {
        ((JmsEventStream) stream).close();
    }
}

package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The live event stream publishes from the queue workers' threads too, so it takes its connections
 * from a factory the container never enlists in the store's transactions: the workers', unless it
 * has one of its own.
 */
class JmsEventStreamProducerTest {

    private static final String QUEUE_FACTORY = "java:app/nvent/jms/ConnectionFactory";

    private static JmsJobQueueProducer.FactoryChoice choose(Map<String, String> config, Set<String> bound) {
        return JmsEventStreamProducer.factoryChoice(key -> Optional.ofNullable(config.get(key)), bound::contains,
                QUEUE_FACTORY);
    }

    @Test
    void withoutAFactoryOfItsOwnTheStreamTakesTheOneTheWorkersAreConfiguredWith() {
        JmsJobQueueProducer.FactoryChoice choice = choose(
                Map.of("nvent.queue.jms.worker-connection-factory", "java:/jms/nvent/WorkerConnectionFactory"), Set.of());

        assertThat(choice.name()).isEqualTo("java:/jms/nvent/WorkerConnectionFactory");
        assertThat(choice.key()).as("the setting a lookup failure names").isEqualTo("nvent.queue.jms.worker-connection-factory");
        assertThat(choice.fallback()).isFalse();
    }

    @Test
    void withNothingConfiguredTheStreamTakesTheWorkersDefaultFactoryWhenItIsBound() {
        JmsJobQueueProducer.FactoryChoice choice = choose(Map.of(), Set.of(QUEUE_FACTORY,
                JmsJobQueueProducer.DEFAULT_WORKER_CONNECTION_FACTORY));

        assertThat(choice.name()).isEqualTo("java:app/nvent/jms/WorkerConnectionFactory");
        assertThat(choice.fallback()).isFalse();
    }

    @Test
    void theStreamsOwnFactoryComesFirst() {
        JmsJobQueueProducer.FactoryChoice choice = choose(Map.of(
                "nvent.stream.jms.connection-factory", "java:app/StreamFactory",
                "nvent.queue.jms.worker-connection-factory", "java:app/WorkerFactory"),
                Set.of(JmsJobQueueProducer.DEFAULT_WORKER_CONNECTION_FACTORY));

        assertThat(choice.name()).isEqualTo("java:app/StreamFactory");
        assertThat(choice.key()).isEqualTo("nvent.stream.jms.connection-factory");
    }

    @Test
    void withNoFactoryWithoutTransactionSupportTheStreamFallsBackToTheQueuesAndSaysSo() {
        JmsJobQueueProducer.FactoryChoice choice = choose(Map.of(), Set.of(QUEUE_FACTORY));

        assertThat(choice.name()).isEqualTo(QUEUE_FACTORY);
        assertThat(choice.fallback()).as("NVENT-0662 is logged").isTrue();
    }
}

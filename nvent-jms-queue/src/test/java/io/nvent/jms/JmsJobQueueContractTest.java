package io.nvent.jms;

import io.nvent.testkit.TestThreads;

import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.time.Clock;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The queue contract on an Artemis broker embedded in the test JVM (in-VM acceptor, persistent journal). */
class JmsJobQueueContractTest extends JobQueueContractTest {

    private static EmbeddedBroker broker;
    private static ActiveMQConnectionFactory factory;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.inVm(0, "contract");
        factory = broker.clients();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @Override
    protected JobQueue createQueue() {
        return new JmsJobQueue(factory, new TestThreads("contract-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());
    }
}

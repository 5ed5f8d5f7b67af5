package io.nvent.jms;

import io.nvent.testkit.TestThreads;

import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Path dir = Files.createDirectories(Path.of("target", "artemis"));
        broker = EmbeddedBroker.start(Files.createTempDirectory(dir, "contract"), "vm://0");
        // No prefetch: a worker busy with a job must not hold back jobs other workers could run.
        factory = new ActiveMQConnectionFactory("vm://0?consumerWindowSize=0");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        factory.close();
        broker.close();
    }

    @Override
    protected JobQueue createQueue() {
        return new JmsJobQueue(factory, new TestThreads("contract-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());
    }
}

package io.nvent.jms;

import io.nvent.testkit.TestThreads;

import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The queue contract on an Artemis broker embedded in the test JVM (in-VM acceptor, persistent journal). */
class JmsJobQueueContractTest extends JobQueueContractTest {

    @RegisterExtension
    static final InVmBroker broker = InVmBroker.of(0, "contract");

    @Override
    protected JobQueue createQueue() {
        return new JmsJobQueue(broker.clients(), new TestThreads("contract-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());
    }
}

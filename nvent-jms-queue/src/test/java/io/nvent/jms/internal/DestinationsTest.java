package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.jms.JMSException;
import jakarta.jms.Queue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQQueue;
import org.junit.jupiter.api.Test;

class DestinationsTest {

    private final AtomicInteger created = new AtomicInteger();

    private Queue create(String name) {
        created.incrementAndGet();
        return new ActiveMQQueue(name);
    }

    @Test
    void makesAQueueObjectOnceAndHandsTheSameOneToEveryLaterCaller() throws JMSException {
        Destinations destinations = new Destinations();

        Queue first = destinations.queue("nvent.mail", this::create);
        Queue second = destinations.queue("nvent.mail", this::create);

        assertThat(second).isSameAs(first);
        assertThat(first.getQueueName()).isEqualTo("nvent.mail");
        assertThat(created).hasValue(1);
    }

    @Test
    void keepsOneQueueObjectPerName() throws JMSException {
        Destinations destinations = new Destinations();

        Queue main = destinations.queue("nvent.mail", this::create);
        Queue deadLetters = destinations.queue("nvent.mail.dlq", this::create);

        assertThat(main.getQueueName()).isEqualTo("nvent.mail");
        assertThat(deadLetters.getQueueName()).isEqualTo("nvent.mail.dlq");
        assertThat(created).hasValue(2);
    }

    @Test
    void concurrentFirstCallersAllGetTheSameQueueObject() throws Exception {
        Destinations destinations = new Destinations();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Queue>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(callers.submit(() -> {
                    go.await();
                    return destinations.queue("nvent.mail", this::create);
                }));
            }
            go.countDown();
            Queue kept = destinations.queue("nvent.mail", this::create);
            for (Future<Queue> answer : answers) {
                assertThat(answer.get()).isSameAs(kept);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aFailedCreationIsNotRememberedAndTheNextCallTriesAgain() throws JMSException {
        Destinations destinations = new Destinations();

        assertThatThrownBy(() -> destinations.queue("nvent.mail", name -> {
            throw new JMSException("broker unreachable");
        })).isInstanceOf(JMSException.class).hasMessage("broker unreachable");

        assertThat(destinations.queue("nvent.mail", this::create).getQueueName()).isEqualTo("nvent.mail");
        assertThat(created).hasValue(1);
    }
}

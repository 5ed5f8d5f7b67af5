package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobAttempt;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.activemq.artemis.core.client.impl.ClientMessageImpl;
import org.apache.activemq.artemis.jms.client.ActiveMQTextMessage;
import org.junit.jupiter.api.Test;

/** A job as a message and back, as Artemis's client builds and reads it. */
class JobMessageTest {

    private static final Instant CREATED = Instant.parse("2026-12-01T10:00:00.123456Z");

    private static JobMessage job(String queue, String name, List<JobAttempt> history) {
        return new JobMessage(queue, "run-1:send", name, "{\"box\":7}", 5,
                new RetryPolicy(4, BackoffType.EXPONENTIAL, Duration.ofMillis(250), Duration.ofSeconds(30)),
                Duration.ofMinutes(2), CREATED, CREATED.plusMillis(1500), new AttemptKey(1, 3), history);
    }

    /** An empty, writable text message, as a session would create it. */
    private static TextMessage blank() throws JMSException {
        TextMessage message = new ActiveMQTextMessage(new ClientMessageImpl(ActiveMQTextMessage.TYPE, true, 0, 0,
                (byte) 4, 1024), null);
        message.clearBody();
        message.clearProperties();
        return message;
    }

    /** The job written into a blank message, through a session that only creates it. */
    private static TextMessage written(JobMessage job) throws JMSException {
        return job.toMessage(creating(blank()));
    }

    /** A session that only creates {@code message}, with the text asked for. */
    private static Session creating(TextMessage message) {
        return (Session) Proxy.newProxyInstance(JobMessageTest.class.getClassLoader(),
                new Class<?>[] {Session.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("createTextMessage") || args == null || args.length != 1) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    message.setText((String) args[0]);
                    return message;
                });
    }

    @Test
    void aMessageSentBackInPlaceOfARedeliveredOneSaysItsAttemptMayHaveRunAndOneInPlaceOfAFirstDeliveryDoesNot()
            throws JMSException {
        JobMessage job = job("orders", "ship", List.of());
        TextMessage redelivered = written(job);
        redelivered.setJMSRedelivered(true);
        TextMessage first = written(job);

        TextMessage inPlaceOfRedelivered = job.toMessageInPlaceOf(redelivered, creating(blank()));
        TextMessage inPlaceOfFirst = job.toMessageInPlaceOf(first, creating(blank()));

        assertThat(inPlaceOfRedelivered.getJMSRedelivered()).as("a new message for the broker").isFalse();
        assertThat(JobMessage.mayHaveRun(inPlaceOfRedelivered)).isTrue();
        assertThat(JobMessage.mayHaveRun(job.toMessageInPlaceOf(inPlaceOfRedelivered, creating(blank()))))
                .as("sent back again").isTrue();
        assertThat(JobMessage.mayHaveRun(inPlaceOfFirst)).isFalse();
        assertThat(JobMessage.from(inPlaceOfRedelivered)).contains(job);
    }

    @Test
    void aMessageSentBackKeepsTheDeliveriesOfItsAttemptBeforeTheOneThatSentItBack() throws JMSException {
        JobMessage job = job("orders", "ship", List.of());
        TextMessage thirdDelivery = delivered(written(job), 3);

        TextMessage copy = job.toMessageInPlaceOf(thirdDelivery, creating(blank()));
        TextMessage copyAgain = job.toMessageInPlaceOf(delivered(copy, 2), creating(blank()));

        assertThat(JobMessage.deliveries(delivered(copy, 1))).as("two before, the one that sent it back not counted")
                .isEqualTo(3);
        assertThat(JobMessage.deliveries(delivered(copyAgain, 1))).isEqualTo(4);
        assertThat(JobMessage.deliveries(delivered(job.toMessageInPlaceOf(delivered(written(job), 1), creating(blank())),
                1))).as("a first delivery sent back").isOne();
    }

    @Test
    void deliveriesSomeoneElseWroteAsNoNumberCountAsNone() throws JMSException {
        TextMessage message = written(job("orders", "ship", List.of()));
        message.setStringProperty("nventDeliveries", "many");

        assertThat(JobMessage.deliveries(delivered(message, 2))).isEqualTo(2);
    }

    /** The message as the broker delivers it the {@code count}th time. */
    private static TextMessage delivered(TextMessage message, int count) {
        ((ActiveMQTextMessage) message).getCoreMessage().setDeliveryCount(count);
        return message;
    }

    @Test
    void aJobTravelsAsItsIdAndOneTextPropertyAndComesBackWhole() throws JMSException {
        JobMessage job = job("orders, eu", "ship, then bill", List.of(new JobAttempt(1, CREATED,
                Optional.of(CREATED.plusSeconds(1)), Optional.of("timed out; again, later"))));

        TextMessage message = written(job);

        assertThat(Collections.list(message.getPropertyNames())).as("properties but JMS-defined ones")
                .filteredOn(property -> !property.toString().startsWith("JMSX"))
                .containsExactlyInAnyOrder(JobMessage.JOB_ID, JobMessage.JOB, JobMessage.HISTORY);
        assertThat(JobMessage.from(message)).contains(job);
    }

    @Test
    void aJobWithARetryScheduleCarriesItInAPropertyOfItsOwnThatAnEarlierReleaseSkips() throws JMSException {
        RetryPolicy listed = RetryPolicy.newBuilder().delays(Duration.ofSeconds(10), Duration.ofMinutes(1))
                .jitter(0.2).build();
        JobMessage job = new JobMessage("q", "run-1:send", "n", "{}", 0, listed, Duration.ofMinutes(2), CREATED,
                CREATED, new AttemptKey(1, 1), List.of());

        TextMessage message = written(job);

        assertThat(message.getStringProperty(JobMessage.RETRY_SCHEDULE)).isEqualTo("delays=10000/60000;jitter=0.2");
        assertThat(message.getStringProperty(JobMessage.JOB)).as("its fields as before").startsWith("1,0,1,1,3,"
                + "EXPONENTIAL,10000,60000,");
        assertThat(JobMessage.from(message)).contains(job);
        assertThat(written(job("q", "n", List.of())).propertyExists(JobMessage.RETRY_SCHEDULE)).isFalse();
    }

    @Test
    void aJobWithoutHistoryHasNoHistoryProperty() throws JMSException {
        JobMessage job = job("q", "n", List.of());

        TextMessage message = written(job);

        assertThat(message.propertyExists(JobMessage.HISTORY)).isFalse();
        assertThat(JobMessage.from(message)).contains(job);
    }

    @Test
    void aMessageWrittenWithOnePropertyPerFieldIsStillRead() throws JMSException {
        JobMessage job = job("orders", "ship", List.of());
        TextMessage message = blank();
        message.setText(job.payload());
        message.setStringProperty(JobMessage.QUEUE, "orders");
        message.setStringProperty(JobMessage.JOB_ID, "run-1:send");
        message.setStringProperty(JobMessage.NAME, "ship");
        message.setIntProperty(JobMessage.PRIORITY, 5);
        message.setIntProperty(JobMessage.ROUND, 1);
        message.setIntProperty(JobMessage.ATTEMPT, 3);
        message.setIntProperty(JobMessage.MAX_ATTEMPTS, 4);
        message.setStringProperty(JobMessage.BACKOFF, "EXPONENTIAL");
        message.setLongProperty(JobMessage.INITIAL_DELAY, 250);
        message.setLongProperty(JobMessage.MAX_DELAY, 30_000);
        message.setLongProperty(JobMessage.TIMEOUT, 120_000);
        message.setLongProperty(JobMessage.CREATED_AT, JobMessage.micros(CREATED));
        message.setLongProperty(JobMessage.AVAILABLE_AT, JobMessage.micros(CREATED.plusMillis(1500)));

        assertThat(JobMessage.from(message)).contains(job);
    }

    @Test
    void aMessageThatIsNoJobOrOfAnUnknownLayoutIsNotRead() throws JMSException {
        TextMessage foreign = blank();
        foreign.setText("hello");
        TextMessage future = blank();
        future.setStringProperty(JobMessage.JOB_ID, "run-1:send");
        future.setStringProperty(JobMessage.JOB, "2,whatever");
        TextMessage truncated = blank();
        truncated.setStringProperty(JobMessage.JOB_ID, "run-1:send");
        truncated.setStringProperty(JobMessage.JOB, "1,5,1,3");

        assertThat(JobMessage.from(foreign)).isEmpty();
        assertThat(JobMessage.from(future)).isEmpty();
        assertThat(JobMessage.from(truncated)).isEmpty();
    }
}

package io.nvent.jms.internal;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobAttempt;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A job as one JMS message: the payload is the text body, everything else is a message property.
 * The message is the job's durable record: it carries the attempt history, so a retry message, a
 * dead letter, or a message read after a restart or on another node describes the whole job.
 *
 * @param queue nvent queue name
 * @param jobId job id
 * @param name job name
 * @param payload JSON payload
 * @param priority nvent priority (the JMS priority is derived from it)
 * @param retry retry policy
 * @param timeout attempt timeout
 * @param createdAt first enqueue
 * @param availableAt when this message's attempt is due
 * @param key the attempt this message starts
 * @param history attempts before this one, oldest first
 */
public record JobMessage(String queue, String jobId, String name, String payload, int priority, RetryPolicy retry,
                         Duration timeout, Instant createdAt, Instant availableAt, AttemptKey key,
                         List<JobAttempt> history) {

    static final String JOB_ID = "nventJobId";
    static final String QUEUE = "nventQueue";
    static final String NAME = "nventName";
    static final String PRIORITY = "nventPriority";
    static final String ROUND = "nventRound";
    static final String ATTEMPT = "nventAttempt";
    static final String MAX_ATTEMPTS = "nventMaxAttempts";
    static final String BACKOFF = "nventBackoff";
    static final String INITIAL_DELAY = "nventInitialDelayMs";
    static final String MAX_DELAY = "nventMaxDelayMs";
    static final String TIMEOUT = "nventTimeoutMs";
    static final String CREATED_AT = "nventCreatedAtUs";
    static final String AVAILABLE_AT = "nventAvailableAtUs";
    static final String HISTORY = "nventHistory";
    /** Artemis duplicate detection ({@code Message.HDR_DUPLICATE_DETECTION_ID}); other brokers ignore it. */
    static final String ARTEMIS_DUPLICATE_ID = "_AMQ_DUPL_ID";

    public JobMessage {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        history = List.copyOf(history);
    }

    /** JMS priorities are 0–9 with 4 the default: nvent priority 0 maps to 4, and -4..5 keep their order. */
    public int jmsPriority() {
        return Math.max(0, Math.min(9, 4 + priority));
    }

    /** JMS delivery delay until this message's attempt is due, rounded up to whole milliseconds. */
    public long deliveryDelayMillis(Instant now) {
        long nanos = Duration.between(now, availableAt).toNanos();
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }

    /** This job with another attempt key, due time and history. */
    public JobMessage forAttempt(AttemptKey newKey, Instant newAvailableAt, List<JobAttempt> newHistory) {
        return new JobMessage(queue, jobId, name, payload, priority, retry, timeout, createdAt, newAvailableAt, newKey,
                newHistory);
    }

    /** A text message carrying this job. */
    public TextMessage toMessage(JMSContext context) throws JMSException {
        return fill(context.createTextMessage(payload));
    }

    /** The job as a message of a classic session (the API resource adapters allow local transactions on). */
    public TextMessage toMessage(jakarta.jms.Session session) throws JMSException {
        return fill(session.createTextMessage(payload));
    }

    private TextMessage fill(TextMessage message) throws JMSException {
        message.setStringProperty(QUEUE, queue);
        message.setStringProperty(JOB_ID, jobId);
        message.setStringProperty(NAME, name);
        message.setIntProperty(PRIORITY, priority);
        message.setIntProperty(ROUND, key.round());
        message.setIntProperty(ATTEMPT, key.attempt());
        message.setIntProperty(MAX_ATTEMPTS, retry.maxAttempts());
        message.setStringProperty(BACKOFF, retry.backoff().name());
        message.setLongProperty(INITIAL_DELAY, retry.initialDelay().toMillis());
        message.setLongProperty(MAX_DELAY, retry.maxDelay().toMillis());
        message.setLongProperty(TIMEOUT, timeout.toMillis());
        message.setLongProperty(CREATED_AT, micros(createdAt));
        message.setLongProperty(AVAILABLE_AT, micros(availableAt));
        if (!history.isEmpty()) {
            message.setStringProperty(HISTORY, encode(history));
        }
        return message;
    }

    /** Reads a job message; empty when the message is not one (e.g. sent by someone else, or malformed). */
    public static Optional<JobMessage> from(Message message) throws JMSException {
        try {
            return read(message);
        } catch (IllegalArgumentException | NullPointerException | IndexOutOfBoundsException e) {
            // Malformed properties (NumberFormatException is an IllegalArgumentException): not a job we can run.
            return Optional.empty();
        }
    }

    private static Optional<JobMessage> read(Message message) throws JMSException {
        if (!(message instanceof TextMessage text) || !message.propertyExists(JOB_ID)
                || !message.propertyExists(ATTEMPT)) {
            return Optional.empty();
        }
        RetryPolicy retry = new RetryPolicy(message.getIntProperty(MAX_ATTEMPTS),
                BackoffType.valueOf(message.getStringProperty(BACKOFF)),
                Duration.ofMillis(message.getLongProperty(INITIAL_DELAY)),
                Duration.ofMillis(message.getLongProperty(MAX_DELAY)));
        String body = text.getText();
        return Optional.of(new JobMessage(message.getStringProperty(QUEUE), message.getStringProperty(JOB_ID),
                message.getStringProperty(NAME), body == null ? "" : body, message.getIntProperty(PRIORITY), retry,
                Duration.ofMillis(message.getLongProperty(TIMEOUT)), instant(message.getLongProperty(CREATED_AT)),
                instant(message.getLongProperty(AVAILABLE_AT)),
                new AttemptKey(message.getIntProperty(ROUND), message.getIntProperty(ATTEMPT)),
                decode(message.getStringProperty(HISTORY))));
    }

    /** A selector matching one job's messages. */
    public static String selectorFor(String jobId) {
        return JOB_ID + " = '" + jobId.replace("'", "''") + "'";
    }

    static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    // History as "attempt,startUs,endUs,error" entries separated by ';'. End -1 means none; the error
    // is Base64 of UTF-8 ("-" for none), so neither separator can occur inside a field.
    static String encode(List<JobAttempt> attempts) {
        StringBuilder text = new StringBuilder();
        Base64.Encoder base64 = Base64.getEncoder();
        for (JobAttempt attempt : attempts) {
            if (!text.isEmpty()) {
                text.append(';');
            }
            text.append(attempt.attempt()).append(',').append(micros(attempt.startedAt())).append(',')
                    .append(attempt.endedAt().map(JobMessage::micros).orElse(-1L)).append(',')
                    .append(attempt.error().map(e -> base64.encodeToString(e.getBytes(StandardCharsets.UTF_8)))
                            .orElse("-"));
        }
        return text.toString();
    }

    static List<JobAttempt> decode(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        List<JobAttempt> attempts = new ArrayList<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (String entry : text.split(";")) {
            String[] field = entry.split(",", 4);
            long end = Long.parseLong(field[2]);
            attempts.add(new JobAttempt(Integer.parseInt(field[0]), instant(Long.parseLong(field[1])),
                    end < 0 ? Optional.empty() : Optional.of(instant(end)),
                    "-".equals(field[3]) ? Optional.empty()
                            : Optional.of(new String(base64.decode(field[3]), StandardCharsets.UTF_8))));
        }
        return attempts;
    }
}

package io.nvent.jms.internal;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobRequest;
import io.nvent.spi.internal.RetrySchedule;
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
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A job as one JMS message: the payload is the text body, everything else is message properties.
 * The message is the job's durable record: it carries the attempt history, so a retry message, a
 * dead letter, or a message read after a restart or on another node describes the whole job.
 *
 * <p>Three properties (a fourth, {@value #RETRY_SCHEDULE}, for a retry policy with a list of delays or a
 * jitter): the job id ({@value #JOB_ID}, which selectors match), the rest of the job in
 * one text ({@value #JOB}) and, after a failed attempt, the history ({@value #HISTORY}). Artemis
 * decodes all of a message's properties whenever the broker or a client reads one (routing, a
 * scheduled delivery, duplicate detection, every receive); with the job in thirteen properties that
 * decoding took a fifth of the benchmark JVM's samples. Messages written before, with one property
 * per field, are still read.
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
    /** The job's fields but its id, payload and history; see {@link #packed()}. */
    static final String JOB = "nventJob";
    /**
     * The retry policy's list of delays and jitter ({@link RetrySchedule}), for a job that has either: kept out
     * of {@link #JOB}, whose fields an earlier release reads by position; it skips this property, and retries
     * with the initial and longest delay of a list.
     */
    static final String RETRY_SCHEDULE = "nventRetrySchedule";
    private static final String PACKED_VERSION = "1";
    /** Fields of {@link #JOB}: version, ten numbers and names, the queue name's length, queue and name. */
    private static final int PACKED_FIELDS = 13;
    // One property per field: messages written before JOB. Read, never written.
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
    /**
     * Set on a job's message that a worker sends back to the queue in place of one it received flagged
     * redelivered ({@link #mayHaveRun}): the copy is a first delivery for the broker, and still one whose attempt
     * may have run before for the worker that runs it.
     */
    static final String MAY_HAVE_RUN = "nventMayHaveRun";
    /**
     * Set beside {@link #MAY_HAVE_RUN}: how many deliveries the attempt had before the message a worker sent back
     * in place of a redelivered one, which the broker's {@code JMSXDeliveryCount} of the copy starts again without
     * ({@link #deliveries}). A node of an earlier release ignores it and counts the broker's deliveries only.
     */
    static final String EARLIER_DELIVERIES = "nventDeliveries";
    /** The broker's count of a message's deliveries, this one included (JMS 2.0 makes it mandatory). */
    private static final String DELIVERY_COUNT = "JMSXDeliveryCount";
    /** Artemis duplicate detection ({@code Message.HDR_DUPLICATE_DETECTION_ID}); other brokers ignore it. */
    static final String ARTEMIS_DUPLICATE_ID = "_AMQ_DUPL_ID";

    public JobMessage {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(jobId, "jobId");
        history = List.copyOf(history);
    }

    /** The first attempt of a job just enqueued (or taken as a continuation) at {@code now}. */
    public static JobMessage first(JobRequest request, Instant now) {
        return new JobMessage(request.queue(), request.jobId(), request.name(), request.payload(), request.priority(),
                request.retry(), request.timeout(), now, now.plus(request.delay()), AttemptKey.FIRST, List.of());
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

    /** The job as a message of whichever session a send goes on. */
    public TextMessage toMessage(ProducerContexts.Sending sending) throws JMSException {
        return fill(sending.text(payload));
    }

    private TextMessage fill(TextMessage message) throws JMSException {
        message.setStringProperty(JOB_ID, jobId);
        message.setStringProperty(JOB, packed());
        String schedule = RetrySchedule.of(retry);
        if (!schedule.isEmpty()) {
            message.setStringProperty(RETRY_SCHEDULE, schedule);
        }
        if (!history.isEmpty()) {
            message.setStringProperty(HISTORY, encode(history));
        }
        return message;
    }

    /**
     * A copy of a received message of this job to send back to the queue, which keeps what
     * {@link #mayHaveRun} says of the received one and how many times its attempt was delivered ({@link #deliveries}).
     */
    public TextMessage toMessageInPlaceOf(Message received, jakarta.jms.Session session) throws JMSException {
        TextMessage copy = toMessage(session);
        if (mayHaveRun(received)) {
            copy.setBooleanProperty(MAY_HAVE_RUN, true);
        }
        // The delivery that sends it back runs nothing and is not counted: the ones before it are.
        int earlier = deliveries(received) - 1;
        if (earlier > 0) {
            copy.setIntProperty(EARLIER_DELIVERIES, earlier);
        }
        return copy;
    }

    /**
     * How many times the attempt of a received message was delivered, this delivery included: the broker's
     * {@code JMSXDeliveryCount} plus the deliveries before a worker sent the message back in place of a
     * redelivered one ({@link #toMessageInPlaceOf}), so that sending it back, as a pause or shrink does,
     * does not start the count again.
     */
    public static int deliveries(Message message) throws JMSException {
        long total = (long) Math.max(1, intProperty(message, DELIVERY_COUNT)) + Math.max(0, intProperty(message,
                EARLIER_DELIVERIES));
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /** A numeric property, 0 when it is missing or no number (a message someone else wrote): never a failure. */
    private static int intProperty(Message message, String name) throws JMSException {
        try {
            return message.propertyExists(name) ? message.getIntProperty(name) : 0;
        } catch (jakarta.jms.MessageFormatException | NumberFormatException notANumber) {
            return 0;
        }
    }

    /**
     * Whether the attempt of a received message may have run before: the broker delivers it again (after a
     * rollback or a lost connection), or a worker sent it back in place of such a delivery.
     */
    public static boolean mayHaveRun(Message message) throws JMSException {
        return message.getJMSRedelivered() || message.propertyExists(MAY_HAVE_RUN);
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

    /**
     * The job's fields but its id, payload and history as one text: a version, then priority,
     * round, attempt, maximum attempts, backoff, initial and maximum delay (ms), timeout (ms),
     * created and available (µs since the epoch) and the queue name's length, separated by commas,
     * then the queue name and the job name. Only the names may hold commas, and they come last.
     */
    String packed() {
        return new StringBuilder(96 + queue.length() + name.length()).append(PACKED_VERSION).append(',')
                .append(priority).append(',').append(key.round()).append(',').append(key.attempt()).append(',')
                .append(retry.maxAttempts()).append(',').append(retry.backoff().name()).append(',')
                .append(retry.initialDelay().toMillis()).append(',').append(retry.maxDelay().toMillis()).append(',')
                .append(timeout.toMillis()).append(',').append(micros(createdAt)).append(',')
                .append(micros(availableAt)).append(',').append(queue.length()).append(',')
                .append(queue).append(name).toString();
    }

    private static Optional<JobMessage> read(Message message) throws JMSException {
        if (!(message instanceof TextMessage text) || !message.propertyExists(JOB_ID)) {
            return Optional.empty();
        }
        String packed = message.getStringProperty(JOB);
        if (packed == null) {
            return message.propertyExists(ATTEMPT) ? Optional.of(readUnpacked(text)) : Optional.empty();
        }
        String[] field = packed.split(",", PACKED_FIELDS);
        if (field.length != PACKED_FIELDS || !PACKED_VERSION.equals(field[0])) {
            return Optional.empty();
        }
        int queueLength = Integer.parseInt(field[11]);
        String names = field[12];
        RetryPolicy retry = RetrySchedule.applied(new RetryPolicy(Integer.parseInt(field[4]),
                BackoffType.valueOf(field[5]), Duration.ofMillis(Long.parseLong(field[6])),
                Duration.ofMillis(Long.parseLong(field[7]))), message.getStringProperty(RETRY_SCHEDULE));
        String body = text.getText();
        return Optional.of(new JobMessage(names.substring(0, queueLength), message.getStringProperty(JOB_ID),
                names.substring(queueLength), body == null ? "" : body, Integer.parseInt(field[1]), retry,
                Duration.ofMillis(Long.parseLong(field[8])), instant(Long.parseLong(field[9])),
                instant(Long.parseLong(field[10])), new AttemptKey(Integer.parseInt(field[2]), Integer.parseInt(field[3])),
                decode(message.getStringProperty(HISTORY))));
    }

    /** A message written with one property per field (before {@value #JOB}). */
    private static JobMessage readUnpacked(TextMessage message) throws JMSException {
        RetryPolicy retry = new RetryPolicy(message.getIntProperty(MAX_ATTEMPTS),
                BackoffType.valueOf(message.getStringProperty(BACKOFF)),
                Duration.ofMillis(message.getLongProperty(INITIAL_DELAY)),
                Duration.ofMillis(message.getLongProperty(MAX_DELAY)));
        String body = message.getText();
        return new JobMessage(message.getStringProperty(QUEUE), message.getStringProperty(JOB_ID),
                message.getStringProperty(NAME), body == null ? "" : body, message.getIntProperty(PRIORITY), retry,
                Duration.ofMillis(message.getLongProperty(TIMEOUT)), instant(message.getLongProperty(CREATED_AT)),
                instant(message.getLongProperty(AVAILABLE_AT)),
                new AttemptKey(message.getIntProperty(ROUND), message.getIntProperty(ATTEMPT)),
                decode(message.getStringProperty(HISTORY)));
    }

    /** A selector matching one job's messages. */
    public static String selectorFor(String jobId) {
        return JOB_ID + " = " + quoted(jobId);
    }

    /** A message selector for the messages of any of the jobs. */
    public static String selectorForAny(Collection<String> jobIds) {
        return jobIds.stream().map(JobMessage::quoted).collect(Collectors.joining(", ", JOB_ID + " IN (", ")"));
    }

    private static String quoted(String jobId) {
        return "'" + jobId.replace("'", "''") + "'";
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

package io.nvent.jms;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.jms.internal.FailFastConnects;
import io.nvent.jms.internal.HeldBackSends;
import io.nvent.jms.internal.TransactionHooks;
import io.nvent.spi.EventStream;
import io.nvent.spi.EventSubscribers;
import io.nvent.spi.PublishedEvent;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.StreamMessage;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@link EventStream} on a JMS topic: every instance's subscribers see every instance's published
 * events, for clusters that share a broker but not PostgreSQL (whose stream is
 * {@code nvent.stream.adapter=postgres}).
 *
 * <p>{@link #publish} sends the events of one call as one non-persistent message, so they arrive
 * together and in order; live listeners that miss some (a broker restart) re-read them from the
 * store, as the SPI allows, so nothing is written to the broker's journal. Each instance keeps one
 * subscription on a thread of its own and hands each event to its local subscribers on it; local
 * subscribers too are served through the topic, so every instance sees one order per publisher.
 * When the subscription breaks it reconnects with backoff.
 *
 * <p>A publish inside a JTA transaction is sent once that transaction committed, and not at all if it
 * rolled back (its entries were never stored). It is not part of the transaction: a live event is best
 * effort and must never make a store transaction a two-phase commit with the broker, nor fail it. Give
 * the stream a connection factory without transaction support (a pool the container never enlists).
 * Such publishes are sent in order on a thread of the stream's: on the committing thread the resource
 * adapter still sees the transaction. After the commit it refuses the session (Artemis on WildFly:
 * "Transaction is committed"); just before it, on Payara, the message was never delivered.
 *
 * <p>A publish the broker holds back (its disk or memory limit reached: Artemis then withholds
 * producer credits, and its client waits for them without a bound) fails after the send timeout
 * ({@code NVENT-0650}); the engine goes on without it, and live listeners catch up from the store.
 *
 * @since 0.1
 */
public final class JmsEventStream implements EventStream, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JmsEventStream.class.getName());
    /** How long one receive blocks; bounds how long {@link #close()} waits for the listener. */
    private static final long RECEIVE_MILLIS = 500;
    private static final long MIN_RECONNECT_MILLIS = 100;
    private static final long MAX_RECONNECT_MILLIS = 5_000;
    /** How long the constructor waits for the first subscription, so that early events are not missed. */
    private static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(10);
    /** Publishes of committed transactions waiting to be sent, beyond which more are dropped. */
    private static final int AFTER_COMMIT_BACKLOG = 10_000;
    /** Publishes deferred to a commit that fail are logged at most this often. */
    private static final Duration DEFERRED_FAILURE_REPORT_INTERVAL = Duration.ofMinutes(1);
    /** The default of a publish's send timeout: 10 s. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

    private final ConnectionFactory factory;
    private final String topic;
    private final EventSubscribers subscribers = new EventSubscribers();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Thread listener;
    private final ScheduledThreadPoolExecutor watchdog;
    private final HeldBackSends sends;
    private final FailFastConnects connects = new FailFastConnects("publishes of live events");
    private final TransactionHooks transactions;
    /** Sends the publishes of committed transactions, in order; drops them beyond a backlog (best effort). */
    private final ThreadPoolExecutor afterCommit;
    /** {@link System#nanoTime()} from which a failed deferred publish is logged again. */
    private final AtomicLong nextDeferredFailureReport = new AtomicLong(System.nanoTime());
    private final AtomicLong unreportedDeferredFailures = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean listening;

    /**
     * A stream on a topic whose publishes wait up to {@link #DEFAULT_SEND_TIMEOUT} for the broker.
     * Subscribes at once, waiting up to ten seconds for the broker.
     *
     * @param factory connections to the broker (one is kept for the subscription)
     * @param threadFactory makes the listener thread
     * @param topic the topic's name, the same on every instance
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic) {
        this(factory, threadFactory, topic, DEFAULT_SEND_TIMEOUT);
    }

    /**
     * A stream on a topic. Subscribes at once, waiting up to ten seconds for the broker.
     *
     * @param factory connections to the broker (one is kept for the subscription)
     * @param threadFactory makes the listener thread and the watchdog of publishes
     * @param topic the topic's name, the same on every instance
     * @param sendTimeout how long a publish waits for the broker to take its message, at least 1 ms
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout) {
        this(factory, threadFactory, topic, sendTimeout, null);
    }

    /**
     * A stream on a topic that sends the publishes made inside a JTA transaction once it committed.
     * Subscribes at once, waiting up to ten seconds for the broker.
     *
     * @param factory connections to the broker (one is kept for the subscription), best one without
     *        transaction support: the stream never needs the container to enlist them
     * @param threadFactory makes the listener thread and the watchdog of publishes
     * @param topic the topic's name, the same on every instance
     * @param sendTimeout how long a publish waits for the broker to take its message, at least 1 ms
     * @param transactions the container's registry, {@code null} outside a container
     * @since 0.1
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout,
                          TransactionSynchronizationRegistry transactions) {
        this.transactions = TransactionHooks.of(Optional.ofNullable(transactions));
        this.factory = Objects.requireNonNull(factory, "factory");
        this.topic = Objects.requireNonNull(topic, "topic");
        if (Objects.requireNonNull(sendTimeout, "sendTimeout").toMillis() < 1) {
            throw new IllegalArgumentException("sendTimeout must be at least 1 ms, was " + sendTimeout);
        }
        this.watchdog = new ScheduledThreadPoolExecutor(1, Objects.requireNonNull(threadFactory, "threadFactory"));
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.afterCommit = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(AFTER_COMMIT_BACKLOG), threadFactory,
                (dropped, executor) -> {
                    if (!executor.isShutdown()) {
                        reportDeferredFailure(new IllegalStateException(AFTER_COMMIT_BACKLOG
                                + " publishes of committed transactions wait for the broker already"));
                    }
                });
        this.sends = new HeldBackSends(watchdog, sendTimeout, Clock.systemUTC());
        this.listener = Objects.requireNonNull(threadFactory, "threadFactory").newThread(this::listen);
        listener.setName("nvent-event-stream-" + topic);
        listener.start();
        try {
            if (!subscribed.await(SUBSCRIBE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "NVENT-0641 event stream on topic " + topic + " could not subscribe within "
                        + SUBSCRIBE_WAIT.toSeconds() + " s; it keeps trying, live views miss events until then");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Inside a JTA transaction the events are sent once it committed, on a thread of the stream's
     * (failures logged as {@code NVENT-0663} at most once a minute); outside one at once.
     */
    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        Objects.requireNonNull(flow, "flow");
        if (events.isEmpty()) {
            return;
        }
        if (!transactions.inTransaction()) {
            send(flow, events);
            return;
        }
        List<HistoryEvent> stored = List.copyOf(events);
        transactions.afterCompletion(committed -> {
            if (committed) {
                afterCommit.execute(() -> {
                    try {
                        send(flow, stored);
                    } catch (RuntimeException e) {
                        // No caller is left to tell. Live listeners catch up from the store.
                        reportDeferredFailure(e);
                    }
                });
            }
        });
    }

    private void reportDeferredFailure(RuntimeException failure) {
        long now = System.nanoTime();
        long next = nextDeferredFailureReport.get();
        if (now - next < 0 || !nextDeferredFailureReport.compareAndSet(next,
                now + DEFERRED_FAILURE_REPORT_INTERVAL.toNanos())) {
            unreportedDeferredFailures.incrementAndGet();
            return;
        }
        LOG.log(Level.WARNING, "NVENT-0663 a publish of live events after its transaction committed failed or was dropped ("
                + unreportedDeferredFailures.getAndSet(0) + " more since the last report; at most one report a "
                + "minute); live listeners catch up from the store: " + failure.getMessage());
    }

    private void send(String flow, List<HistoryEvent> events) {
        try {
            sends.send("topic " + topic, () -> {
                try (JMSContext context = connects.connect(factory::createContext)) {
                    StreamMessage message = context.createStreamMessage();
                    message.writeString(flow);
                    message.writeInt(events.size());
                    for (HistoryEvent event : events) {
                        write(message, event);
                    }
                    context.createProducer().setDeliveryMode(DeliveryMode.NON_PERSISTENT)
                            .send(context.createTopic(topic), message);
                    return null;
                }
            });
        } catch (HeldBackSends.TimedOut e) {
            throw new NventException("NVENT-0650 could not publish " + events.size() + " event(s) of flow " + flow
                    + ": " + e.getMessage(), e);
        } catch (JMSException | JMSRuntimeException e) {
            throw new NventException("NVENT-0642 could not publish " + events.size() + " event(s) of flow " + flow
                    + " on topic " + topic + ": " + e, e);
        }
    }

    private static void write(StreamMessage message, HistoryEvent event) throws JMSException {
        message.writeString(event.runId());
        message.writeLong(event.seq());
        message.writeString(event.type().wireName());
        message.writeString(event.step().orElse(null));
        message.writeInt(event.attempt());
        message.writeString(event.timestamp().toString());
        message.writeString(event.data());
    }

    private static List<PublishedEvent> read(StreamMessage message) throws JMSException {
        String flow = message.readString();
        int count = message.readInt();
        List<PublishedEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String runId = message.readString();
            long seq = message.readLong();
            String type = message.readString();
            Optional<String> step = Optional.ofNullable(message.readString());
            int attempt = message.readInt();
            Instant at = Instant.parse(message.readString());
            String data = message.readString();
            EventType eventType = EventType.fromWireName(type)
                    .orElseThrow(() -> new IllegalArgumentException("unknown event type " + type));
            events.add(new PublishedEvent(flow, new HistoryEvent(runId, seq, eventType, step, attempt, at, data)));
        }
        return events;
    }

    @Override
    public AutoCloseable subscribe(Consumer<PublishedEvent> subscriber) {
        return subscribers.add(subscriber);
    }

    /** Whether this instance's subscription works right now (for health checks). */
    public boolean isListening() {
        return listening;
    }

    private void listen() {
        long reconnectMillis = MIN_RECONNECT_MILLIS;
        while (!closed) {
            try (JMSContext context = factory.createContext();
                 JMSConsumer consumer = context.createConsumer(context.createTopic(topic))) {
                listening = true;
                subscribed.countDown();
                reconnectMillis = MIN_RECONNECT_MILLIS;
                while (!closed) {
                    Message message = consumer.receive(RECEIVE_MILLIS);
                    if (message != null) {
                        deliver(message);
                    }
                }
            } catch (JMSRuntimeException e) {
                listening = false;
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "NVENT-0640 event stream on topic " + topic + " lost its subscription; "
                        + "reconnecting in " + reconnectMillis + " ms (live views miss events meanwhile): " + e);
                try {
                    Thread.sleep(reconnectMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                reconnectMillis = Math.min(MAX_RECONNECT_MILLIS, reconnectMillis * 2);
            }
        }
        listening = false;
    }

    private void deliver(Message message) {
        List<PublishedEvent> events;
        try {
            if (!(message instanceof StreamMessage stream)) {
                throw new IllegalArgumentException("not a stream message");
            }
            events = read(stream);
        } catch (JMSException | RuntimeException e) {
            LOG.log(Level.WARNING, "NVENT-0643 ignored a malformed message on topic " + topic + ": " + e);
            return;
        }
        subscribers.deliver(events);
    }

    /** Ends the subscription; waits for the listener thread up to a receive's length. */
    @Override
    public void close() {
        closed = true;
        subscribers.clear();
        watchdog.shutdownNow();
        afterCommit.shutdownNow();
        try {
            listener.join(RECEIVE_MILLIS * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (listener.isAlive()) {
            listener.interrupt();
        }
    }
}

package io.nvent.jms;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.jms.internal.BrokerRefusals;
import io.nvent.jms.internal.FailFastConnects;
import io.nvent.jms.internal.HeldBackSends;
import io.nvent.jms.internal.PoolWaits;
import io.nvent.jms.internal.WorkerConnections;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.EventStream;
import io.nvent.spi.EventSubscribers;
import io.nvent.spi.PublishedEvent;
import io.nvent.spi.internal.OrderedPublisher;
import io.nvent.spi.internal.OrderedPublisher.Publish;
import io.nvent.spi.internal.TransactionHooks;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.StreamMessage;
import jakarta.jms.Topic;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link EventStream} on a JMS topic: every instance's subscribers see every instance's published
 * events, for clusters that share a broker but not PostgreSQL (whose stream is
 * {@code nvent.stream.adapter=postgres}).
 *
 * <p>{@link #publish} never waits for the broker nor for a connection: it puts the events in a
 * backlog of {@value #BACKLOG} publishes and returns, and a thread of the stream's sends them, in the
 * order they were published, so one run's events keep theirs (an {@link OrderedPublisher}, as the
 * PostgreSQL stream's). A live event is best effort (the
 * store's history is the record): while the thread cannot send (the broker away or holding sends
 * back, the connection factory's pool exhausted) publishes wait in the backlog, and once it is full
 * further ones are dropped, with a warning at most once a minute that says how many
 * ({@code NVENT-0665}); live listeners that miss some re-read them from the store, as the SPI allows.
 * The thread sends what waits together: the publishes of one flow that follow each other as one
 * non-persistent message, through one connection, so nothing is written to the broker's journal.
 * Each instance keeps one subscription on a thread of its own and hands each event to its local
 * subscribers on it; local subscribers too are served through the topic, so every instance sees one
 * order per publisher. When the subscription breaks it reconnects with backoff.
 *
 * <p>A publish inside a JTA transaction is sent once that transaction committed, and not at all if it
 * rolled back (its entries were never stored). It is not part of the transaction: a live event is best
 * effort and must never make a store transaction a two-phase commit with the broker, nor fail it. Give
 * the stream a connection factory without transaction support (a pool the container never enlists).
 * Sends are never made on the committing thread: there the resource adapter still sees the
 * transaction. After the commit it refuses the session (Artemis on WildFly: "Transaction is
 * committed"); just before it, on Payara, the message was never delivered.
 *
 * <p>The stream tells why it cannot send. A send the broker holds back (its disk or memory limit
 * reached: Artemis then withholds producer credits, and its client waits for them without a bound)
 * fails after the send timeout ({@code NVENT-0648} once, {@code NVENT-0650}). A connection or session
 * the connection factory's pool has none of (the stream shares the workers' pool by default) is the
 * pool's, not the broker's: {@code NVENT-0664} names the pool and what to raise. Failed sends are
 * logged at most once a minute ({@code NVENT-0663}). A send the broker did not take (away, or holding
 * sends back) fails as the JMS queue's enqueue does, with an {@link AdapterUnavailableException} of
 * the adapter {@code jms} naming the broker ({@link AdapterUnavailableException#MESSAGE_ID}
 * {@code adapter 'jms' cannot reach its backend: NVENT-0642 … (broker …)}), which the {@code NVENT-0663}
 * line quotes; a lost subscription names it too ({@code NVENT-0640}). A broker that refuses the stream's
 * login ({@code NVENT-0639}) or a permission on the topic ({@code NVENT-0644}) is said once, at ERROR, until it
 * subscribes: that is a setting to change, not an outage to wait out. Nobody waits for a send, so
 * nobody else sees that failure: a publish never fails for the broker.
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
    /** Publishes waiting to be sent, beyond which more are dropped. */
    static final int BACKLOG = 10_000;
    /** Most publishes sent through one connection. */
    private static final int MAX_BATCH = 256;
    /** Most events in one message, unless one publish has more. */
    private static final int MAX_EVENTS_PER_MESSAGE = 1_000;
    /** The default of a publish's send timeout: 10 s. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

    private final ConnectionFactory factory;
    private final String topic;
    /** How failures name the broker, as {@link JmsJobQueueOptions#broker()} does the queue's. */
    private final String broker;
    private final EventSubscribers subscribers = new EventSubscribers();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Thread listener;
    private final ScheduledThreadPoolExecutor watchdog;
    private final HeldBackSends sends;
    private final FailFastConnects connects = new FailFastConnects("publishes of live events");
    private final PoolWaits pool;
    /** The backlog of publishes and the thread that sends them, through {@link #send}. */
    private final OrderedPublisher publisher;
    private final Clock clock;
    private volatile boolean closed;
    private volatile boolean listening;
    /** Why there is no subscription, for {@link #problem()}; {@code null} while subscribed. */
    private volatile Outage outage;

    /**
     * Why the stream has no subscription.
     *
     * @param since when it had none any more (or, before its first, when it began to try)
     * @param cause the latest try's failure, or a refusal's message that says what to change
     * @param remedy what to do, if the cause does not say it; may be empty
     */
    private record Outage(Instant since, String cause, String remedy) {

        String describe() {
            return remedy.isEmpty() ? cause : cause + "; " + remedy;
        }
    }

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
     * @param threadFactory makes the listener thread, the thread that sends and the watchdog of sends
     * @param topic the topic's name, the same on every instance
     * @param sendTimeout how long a send waits for the broker to take its message, at least 1 ms
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout) {
        this(factory, threadFactory, topic, sendTimeout, null);
    }

    /**
     * A stream on a topic that sends the publishes made inside a JTA transaction once it committed.
     * Subscribes at once, waiting up to ten seconds for the broker.
     *
     * @param factory connections to the broker (one is kept for the subscription, one is taken at a
     *        time for sends), best one without transaction support: the stream never needs the
     *        container to enlist them
     * @param threadFactory makes the listener thread, the thread that sends and the watchdog of sends
     * @param topic the topic's name, the same on every instance
     * @param sendTimeout how long a send waits for the broker to take its message, at least 1 ms; a
     *        connect that waits this long while the subscription works is taken for a pool that has
     *        no connection free ({@code NVENT-0664})
     * @param transactions the container's registry, {@code null} outside a container
     * @since 0.1
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout,
                          TransactionSynchronizationRegistry transactions) {
        this(factory, threadFactory, topic, sendTimeout, transactions, JmsJobQueueOptions.UNNAMED_BROKER);
    }

    /**
     * A stream on a topic whose failures name its broker, as the JMS queue's do. Sends the publishes
     * made inside a JTA transaction once it committed. Subscribes at once, waiting up to ten seconds
     * for the broker.
     *
     * @param factory connections to the broker, as in
     *        {@link #JmsEventStream(ConnectionFactory, ThreadFactory, String, Duration, TransactionSynchronizationRegistry)}
     * @param threadFactory makes the listener thread, the thread that sends and the watchdog of sends
     * @param topic the topic's name, the same on every instance
     * @param sendTimeout how long a send waits for the broker to take its message, at least 1 ms
     * @param transactions the container's registry, {@code null} outside a container
     * @param broker how failures name the broker, e.g. the connection factory's JNDI name or the
     *        broker's {@code host:port}; never credentials (see {@link JmsJobQueueOptions#broker()})
     * @since 0.2
     */
    public JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout,
                          TransactionSynchronizationRegistry transactions, String broker) {
        this(factory, threadFactory, topic, sendTimeout, transactions, broker, Clock.systemUTC());
    }

    /** A stream telling the time of its outages, failed sends and dropped publishes by {@code clock}, for tests. */
    JmsEventStream(ConnectionFactory factory, ThreadFactory threadFactory, String topic, Duration sendTimeout,
                   TransactionSynchronizationRegistry transactions, String broker, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.broker = Objects.requireNonNull(broker, "broker");
        if (broker.isBlank()) {
            throw new IllegalArgumentException("broker must not be blank");
        }
        Objects.requireNonNull(threadFactory, "threadFactory");
        if (Objects.requireNonNull(sendTimeout, "sendTimeout").toMillis() < 1) {
            throw new IllegalArgumentException("sendTimeout must be at least 1 ms, was " + sendTimeout);
        }
        this.watchdog = new ScheduledThreadPoolExecutor(1, threadFactory);
        this.watchdog.setRemoveOnCancelPolicy(true);
        // A send that waits while the subscription or the last connect cannot reach the broker waits for
        // the broker to be back, not for it to take messages (NVENT-0667, not NVENT-0648).
        this.sends = new HeldBackSends(watchdog, sendTimeout, clock, () -> !listening || connects.failing());
        this.pool = new PoolWaits(watchdog, sendTimeout, "the live event stream on topic " + topic,
                "Raise the pool's maximum size (max-pool-size): the stream holds " + WorkerConnections.STREAM_CONNECTIONS
                        + " of its connections (its subscription, and its sends one at a time), on top of the workers'"
                        + " when it shares their factory, as it does by default (NVENT-0620 at start says how many the"
                        + " workers' pool must hold, the stream's included); or give the stream a connection factory"
                        + " of its own (nvent.stream.jms.connection-factory). Meanwhile up to " + BACKLOG
                        + " publishes wait and further ones are dropped (NVENT-0665); live listeners catch up from"
                        + " the store",
                () -> listening && !connects.failing());
        this.outage = new Outage(clock.instant().truncatedTo(ChronoUnit.SECONDS), "its first connect has not returned "
                + "yet", "see that the broker is up and answers, and that its connection factory's pool has a connection "
                + "free (the stream holds " + WorkerConnections.STREAM_CONNECTIONS + ")");
        this.listener = threadFactory.newThread(this::listen);
        listener.setName("nvent-event-stream-" + topic);
        this.publisher = new OrderedPublisher(LOG, "the live event stream on topic " + topic, "NVENT-0665", "NVENT-0663",
                BACKLOG, MAX_BATCH, TransactionHooks.of(Optional.ofNullable(transactions)), threadFactory,
                "nvent-event-stream-sender-" + topic, this::send, clock);
        listener.start();
        try {
            if (!subscribed.await(SUBSCRIBE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                Outage why = outage;
                LOG.log(Level.WARNING, "NVENT-0641 event stream on topic " + topic + " (broker " + broker
                        + ") could not subscribe within " + SUBSCRIBE_WAIT.toSeconds() + " s; it keeps trying, live "
                        + "views miss events until then: " + (why == null ? "it subscribed just now" : why.describe()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns at once: the events are sent on a thread of the stream's, in order; inside a JTA
     * transaction once it committed. Failures are logged as {@code NVENT-0663} at most once a minute;
     * beyond {@value #BACKLOG} publishes waiting to be sent, more are dropped ({@code NVENT-0665}).
     */
    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        publisher.publish(flow, events);
    }

    /** Sends the publishes through one connection, the ones of one flow that follow each other as one message. */
    private void send(List<Publish> batch) {
        publisher.waitingFor("waits for a connection from its connection factory");
        try (JMSContext context = connects.connect(() -> pool.connect(this::connect))) {
            Topic destination = context.createTopic(topic);
            JMSProducer producer = context.createProducer().setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            publisher.waitingFor("waits for the broker to take a message");
            int next = 0;
            while (next < batch.size()) {
                int end = next + 1;
                int count = batch.get(next).events().size();
                while (end < batch.size() && batch.get(end).flow().equals(batch.get(next).flow())
                        && count + batch.get(end).events().size() <= MAX_EVENTS_PER_MESSAGE) {
                    count += batch.get(end).events().size();
                    end++;
                }
                StreamMessage message = message(context, batch.subList(next, end), count);
                sends.send("topic " + topic, () -> {
                    producer.send(destination, message);
                    return null;
                });
                next = end;
            }
        } catch (HeldBackSends.TimedOut e) {
            throw brokerFailure("NVENT-0650 could not publish " + what(batch) + " on topic " + topic, e.getMessage(), e);
        } catch (PoolWaits.Refused e) {
            // The pool's, not the broker's: it says which pool and what to raise.
            throw new NventException("NVENT-0664 could not publish " + what(batch) + ": " + e.getMessage(), e);
        } catch (JMSException | JMSRuntimeException e) {
            throw brokerFailure("NVENT-0642 could not publish " + what(batch) + " on topic " + topic, String.valueOf(e),
                    e);
        }
    }

    /**
     * A send the broker did not take, as the queue's enqueue reports one:
     * {@link AdapterUnavailableException#MESSAGE_ID} {@code adapter 'jms' cannot reach its backend: <what>
     * (broker <name>): <detail>}. Only logged ({@code NVENT-0663}).
     */
    private AdapterUnavailableException brokerFailure(String what, String detail, Throwable cause) {
        return new AdapterUnavailableException(JmsQueueException.ADAPTER, what + " (broker " + broker + "): " + detail,
                cause);
    }

    /** What a batch holds, for a message about it: worked out only when one is needed. */
    private static String what(List<Publish> batch) {
        int events = batch.stream().mapToInt(publish -> publish.events().size()).sum();
        return events + " event(s) of " + batch.size() + " publish(es), flow " + batch.get(0).flow()
                + (batch.stream().map(Publish::flow).distinct().count() > 1 ? " and others" : "");
    }

    /**
     * Takes a connection and its session: a resource adapter's pool (Artemis's in Payara) is hit when
     * the session is created, which a context does on first use.
     */
    private JMSContext connect() {
        JMSContext context = factory.createContext();
        try {
            context.createTopic(topic);
            return context;
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** One message with the events of publishes of one flow, in order. */
    private static StreamMessage message(JMSContext context, List<Publish> publishes, int count) throws JMSException {
        StreamMessage message = context.createStreamMessage();
        message.writeString(publishes.get(0).flow());
        message.writeInt(count);
        for (Publish publish : publishes) {
            for (HistoryEvent event : publish.events()) {
                write(message, event);
            }
        }
        return message;
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

    /**
     * {@inheritDoc}
     *
     * <p>While this instance has no subscription: {@code NVENT-0671}, since when, and the latest try's failure with
     * what to do: a broker away or unreachable (it reconnects by itself), a refused login ({@code NVENT-0639}) or
     * permission on the topic ({@code NVENT-0644}), which say what to change. Empty again once it subscribed.
     * Besides, or alone while it is subscribed: sends that have failed for
     * {@link OrderedPublisher#FAILING_SENDS_DOWN_AFTER} with none going through ({@code NVENT-0676}), and publishes
     * dropped from the full backlog for that long ({@code NVENT-0672}), which keep every instance's live views from
     * this instance's events; before that {@link #working()} says them.
     */
    @Override
    public Optional<String> problem() {
        if (closed) {
            return Optional.of("NVENT-0671 the live event stream on topic " + topic + " is closed (the application "
                    + "stops)");
        }
        Optional<String> sends = publisher.down("NVENT-0676", "NVENT-0672", streamInChecks());
        return subscriptionProblem().map(problem -> problem + sends.map(failing -> "; " + failing).orElse(""))
                .or(() -> sends);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code jms: subscribed to topic … (broker …)}, and sends that failed since the last one went through, for less
     * than {@link OrderedPublisher#FAILING_SENDS_DOWN_AFTER} ({@code NVENT-0676}: since when, how many, the last
     * cause), and publishes dropped from the full backlog, until a minute after the last, for less than that
     * ({@code NVENT-0672}: since when, how many): a warning, until they stop or go on that long.
     */
    @Override
    public String working() {
        return "jms: subscribed to topic " + topic + " (broker " + broker + ")"
                + publisher.warnings("NVENT-0676", "NVENT-0672", streamInChecks());
    }

    private String streamInChecks() {
        return "the live event stream on topic " + topic + " (broker " + broker + ")";
    }

    private Optional<String> subscriptionProblem() {
        Outage why = outage;
        if (why == null) {
            return Optional.empty();
        }
        return Optional.of("NVENT-0671 the live event stream on topic " + topic + " (broker " + broker + ") has had no "
                + "subscription since " + why.since() + ": live views on this instance (the console, WebSocket clients) "
                + "stand still until it subscribes again, and then catch up from the store with a run's next event; "
                + "runs go on as before. " + why.describe());
    }

    private void listen() {
        try {
            subscribeUntilClosed();
        } catch (Error e) {
            // Nothing subscribes again after it: say so where an operator looks, rather than a thread gone unseen.
            lost("its listener thread stopped for good: " + e, "restart the application; see its log for the error");
            throw e;
        } finally {
            listening = false;
        }
    }

    private void subscribeUntilClosed() {
        long reconnectMillis = MIN_RECONNECT_MILLIS;
        // The refusal said last (its id), until it subscribes: a fixed login that meets a missing permission says so.
        String refusalReported = null;
        while (!closed) {
            boolean beforeSession = true;
            try (JMSContext context = factory.createContext()) {
                // A context logs in when its session is made, which a resource adapter's does on first use.
                Topic destination = context.createTopic(topic);
                beforeSession = false;
                try (JMSConsumer consumer = context.createConsumer(destination)) {
                    outage = null;
                    listening = true;
                    subscribed.countDown();
                    reconnectMillis = MIN_RECONNECT_MILLIS;
                    refusalReported = null;
                    while (!closed) {
                        Message message = consumer.receive(RECEIVE_MILLIS);
                        if (message != null) {
                            deliver(message);
                        }
                    }
                }
            } catch (RuntimeException e) {
                // Not only JMS's: a resource adapter's or container's own failure would end the thread for good,
                // with the stream still saying it listens.
                listening = false;
                if (closed) {
                    return;
                }
                if (!BrokerRefusals.bySecurity(e)) {
                    lost(String.valueOf(e), "it reconnects by itself, every " + MAX_RECONNECT_MILLIS / 1000
                            + " s at most: see that the broker is up and reachable from this instance");
                    LOG.log(Level.WARNING, "NVENT-0640 event stream on topic " + topic + " (broker " + broker
                            + ") lost its subscription; "
                            + "reconnecting in " + reconnectMillis + " ms (live views miss events meanwhile): " + e);
                } else {
                    // Misconfiguration, not an outage: say once what to change, not at every try.
                    String refusal = refusal(beforeSession, e);
                    lost(refusal, "");
                    String id = refusal.substring(0, refusal.indexOf(' '));
                    if (!id.equals(refusalReported)) {
                        refusalReported = id;
                        LOG.log(Level.ERROR, refusal);
                    } else {
                        LOG.log(Level.DEBUG, () -> "event stream on topic " + topic + " is still refused by the broker");
                    }
                }
                try {
                    Thread.sleep(reconnectMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                reconnectMillis = Math.min(MAX_RECONNECT_MILLIS, reconnectMillis * 2);
            }
        }
    }

    /** Records why there is no subscription, keeping since when there has been none. */
    private void lost(String cause, String remedy) {
        Outage before = outage;
        outage = new Outage(before == null ? clock.instant().truncatedTo(ChronoUnit.SECONDS) : before.since(), cause,
                remedy);
    }

    private String refusal(boolean beforeSession, RuntimeException e) {
        String retry = "; it tries again every " + MAX_RECONNECT_MILLIS / 1000 + " s at most, live views miss events "
                + "until it subscribes";
        if (!BrokerRefusals.refusedLogin(e, beforeSession)) {
            return "NVENT-0644 the broker refused the live event stream's subscription to topic " + topic + " (broker "
                    + broker + ", " + e + "): the user of its connection factory lacks a permission; give its role, in "
                    + "the broker's security-settings, the permissions send, consume, createAddress, "
                    + "createNonDurableQueue and deleteNonDurableQueue on " + topic + " (README, \"An external "
                    + "ActiveMQ Artemis\" under \"Deploy to WildFly\")" + retry;
        }
        return "NVENT-0639 the broker refused the login of the live event stream's connection factory (topic " + topic
                + ", broker " + broker + ", " + e + "): give the factory the broker's user and password, "
                + BrokerRefusals.WHERE_CREDENTIALS_GO + retry;
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

    /** Ends the subscription and drops what waits to be sent; waits for the stream's threads up to a few receives' length. */
    @Override
    public void close() {
        closed = true;
        subscribers.clear();
        watchdog.shutdownNow();
        publisher.close();
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

package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.VirtualClock;
import io.nvent.spi.EventStream;
import io.nvent.spi.PublishedEvent;
import io.nvent.testkit.EventStreamContractTest;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.OneTransaction;
import io.nvent.testkit.TestThreads;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stream on a JMS topic: two instances on one Artemis broker, plus a broker restart. */
class JmsEventStreamTest extends EventStreamContractTest {

    private static Path dataDir;
    private static String url;
    private static EmbeddedBroker broker;
    private static ActiveMQConnectionFactory factory;
    private String topic;

    @BeforeAll
    static void startBroker() throws Exception {
        dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "artemis")), "stream");
        url = "tcp://127.0.0.1:" + BrokerProcess.freePort();
        broker = EmbeddedBroker.start(dataDir, url);
        // No reconnect inside the client: a broken subscription fails at once and the stream itself
        // subscribes again.
        factory = new ActiveMQConnectionFactory(url + "?reconnectAttempts=0&initialConnectAttempts=1"
                + "&callTimeout=5000&clientFailureCheckPeriod=1000&connectionTTL=5000");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        factory.close();
        broker.close();
    }

    @Override
    protected EventStream createInstance(String instance) {
        if (topic == null) {
            topic = "nvent-events-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return new JmsEventStream(factory, new TestThreads(instance), topic);
    }

    @Override
    protected boolean isListening(EventStream stream) {
        return ((JmsEventStream) stream).isListening();
    }

    private static List<String> runIds(List<PublishedEvent> seen) {
        return seen.stream().map(p -> p.event().runId()).toList();
    }

    @Test
    void a_publish_inside_a_transaction_is_sent_as_it_commits_in_order_and_never_if_it_rolled_back() throws Exception {
        OneTransaction transaction = new OneTransaction();
        try (JmsEventStream inContainer = new JmsEventStream(factory, new TestThreads("stream-tx"), topic,
                JmsEventStream.DEFAULT_SEND_TIMEOUT, transaction)) {
            transaction.begin();
            inContainer.publish("orders", List.of(event("run-committed", 1, "{}")));
            inContainer.publish("orders", List.of(event("run-committed", 2, "{}")));
            transaction.suspend();   // the thread's next publish, outside it
            inContainer.publish("orders", List.of(event("run-outside", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-outside"));
            assertThat(runIds(seenOnB)).as("sent before its transaction committed").doesNotContain("run-committed");

            transaction.resume();
            transaction.commit();
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-committed"));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(seenOnB).filteredOn(p -> p.event().runId()
                    .equals("run-committed")).extracting(p -> p.event().seq()).containsExactly(1L, 2L));

            transaction.begin();
            inContainer.publish("orders", List.of(event("run-rolled-back", 1, "{}")));
            transaction.rollBack();
            inContainer.publish("orders", List.of(event("run-after", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-after"));
            assertThat(runIds(seenOnB)).doesNotContain("run-rolled-back");
        }
    }

    /**
     * A connection factory whose pool can run out, as the workers' does when they hold every
     * connection: a context then waits for one (until the test frees the pool), or is refused in the
     * words of Payara's pool once its wait ran out. The stream's subscription, taken before, keeps its
     * connection.
     */
    static final class ExhaustiblePool {
        private final ConnectionFactory pool;
        private final AtomicInteger waiting = new AtomicInteger();
        private volatile CountDownLatch freed = new CountDownLatch(0);
        private volatile boolean refusing;

        ExhaustiblePool(ConnectionFactory broker) {
            pool = (ConnectionFactory) Proxy.newProxyInstance(ExhaustiblePool.class.getClassLoader(),
                    new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                        if (method.getName().startsWith("create")) {
                            takeFromPool();
                        }
                        try {
                            return method.invoke(broker, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        private void takeFromPool() {
            if (refusing) {
                JMSException refused = new JMSException(BoundedConnectionPool.PAYARA_POOL_EXHAUSTED);
                throw new JMSRuntimeException(refused.getMessage(), null, refused);
            }
            waiting.incrementAndGet();
            try {
                freed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JMSRuntimeException("interrupted while waiting for a pooled connection");
            } finally {
                waiting.decrementAndGet();
            }
        }

        ConnectionFactory factory() {
            return pool;
        }

        void exhaust() {
            freed = new CountDownLatch(1);
        }

        void refuse() {
            refusing = true;
        }

        void free() {
            refusing = false;
            freed.countDown();
        }

        boolean someoneWaits() {
            return waiting.get() > 0;
        }
    }

    @Test
    void a_publish_never_waits_for_a_pool_with_no_connection_free_and_the_log_blames_the_pool_not_the_broker() {
        ExhaustiblePool pool = new ExhaustiblePool(factory);
        // Longer than a loaded machine takes for two publishes that wait for nothing, so the bound tells them apart.
        Duration sendTimeout = Duration.ofSeconds(2);
        try (JmsEventStream stream = new JmsEventStream(pool.factory(), new TestThreads("stream-pool"), topic,
                sendTimeout);
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            pool.exhaust();

            long start = System.nanoTime();
            stream.publish("orders", List.of(event("run-pooled", 1, "{}")));
            stream.publish("orders", List.of(event("run-pooled", 2, "{}")));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the callers wait for no connection")
                    .isLessThan(sendTimeout);

            await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0664").isEmpty());
            assertThat(log.messagesContaining("NVENT-0664")).singleElement().asString()
                    .contains("the live event stream on topic " + topic + " has waited",
                            "the pool of its connection factory has no connection or session free, the broker is not",
                            "max-pool-size", "nvent.stream.jms.connection-factory");
            assertThat(log.containing("NVENT-0648")).as("no broker holding sends back").isEmpty();
            assertThat(log.containing("NVENT-0650")).isEmpty();

            pool.free();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(seenOnB).filteredOn(p -> p.event().runId()
                    .equals("run-pooled")).extracting(p -> p.event().seq()).containsExactly(1L, 2L));
            await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0666").isEmpty());
        } finally {
            pool.free();
        }
    }

    @Test
    void a_connection_the_pool_refuses_is_reported_as_the_pools_and_the_broker_is_tried_again_at_once() {
        ExhaustiblePool pool = new ExhaustiblePool(factory);
        try (JmsEventStream stream = new JmsEventStream(pool.factory(), new TestThreads("stream-refused"), topic);
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            pool.refuse();

            stream.publish("orders", List.of(event("run-refused", 1, "{}")));

            await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0663").isEmpty());
            assertThat(log.messagesContaining("NVENT-0664")).first().asString()
                    .contains("was refused one", "In-use connections equal max-pool-size", "max-pool-size");
            assertThat(log.containing("NVENT-0653")).as("no broker away").isEmpty();

            pool.free();
            stream.publish("orders", List.of(event("run-refused", 2, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-refused"));
            assertThat(log.containing("NVENT-0652")).as("not held back as after a broker outage").isEmpty();
        } finally {
            pool.free();
        }
    }

    /**
     * Sends the broker's pool refuses while the subscription works: a warning in the stream check (since when, how
     * many, the last cause), DOWN once they have failed for 30 s with none going through, and nothing once one goes
     * through. The stream's clock moves, not the test's.
     */
    @Test
    void sends_that_keep_failing_for_thirty_seconds_make_the_stream_check_down_until_one_goes_through() {
        ExhaustiblePool pool = new ExhaustiblePool(factory);
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-07T10:00:00Z"));
        try (JmsEventStream stream = new JmsEventStream(pool.factory(), new TestThreads("stream-down"), topic,
                JmsEventStream.DEFAULT_SEND_TIMEOUT, null, "test-broker", clock)) {
            String subscribed = "jms: subscribed to topic " + topic + " (broker test-broker)";
            String failing = "NVENT-0676 sends of the live event stream on topic " + topic + " (broker test-broker) fail "
                    + "since 2026-12-07T10:00:00Z (";
            assertThat(stream.working()).isEqualTo(subscribed);
            pool.refuse();

            stream.publish("orders", List.of(event("run-refused", 1, "{}")));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(stream.working()).startsWith(subscribed + "; "
                    + failing + "1 send failed, the last at 2026-12-07T10:00:00Z;").contains("NVENT-0664"));
            assertThat(stream.problem()).as("failing for less than 30 s: a warning").isEmpty();

            clock.advance(Duration.ofSeconds(29));
            stream.publish("orders", List.of(event("run-refused", 2, "{}")));
            await().atMost(PATIENCE).until(() -> stream.working().contains("2 sends failed"));
            assertThat(stream.problem()).as("29 s of failures").isEmpty();

            clock.advance(Duration.ofSeconds(1));
            stream.publish("orders", List.of(event("run-refused", 3, "{}")));
            await().atMost(PATIENCE).until(() -> stream.problem().isPresent());
            assertThat(stream.problem()).as("30 s of failures").hasValueSatisfying(problem -> assertThat(problem)
                    .startsWith(failing + "3 sends failed, the last at 2026-12-07T10:00:30Z;").contains("NVENT-0664"));
            assertThat(stream.working()).as("said by problem() alone").isEqualTo(subscribed);

            pool.free();
            stream.publish("orders", List.of(event("run-through", 1, "{}")));
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-through"));
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(stream.problem()).isEmpty();
                assertThat(stream.working()).isEqualTo(subscribed);
            });
        } finally {
            pool.free();
        }
    }

    @Test
    void beyond_the_backlog_publishes_are_dropped_at_once_and_the_log_says_how_many() {
        ExhaustiblePool pool = new ExhaustiblePool(factory);
        try (JmsEventStream stream = new JmsEventStream(pool.factory(), new TestThreads("stream-full"), topic);
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0665"))) {
            pool.exhaust();
            stream.publish("orders", List.of(event("run-first", 1, "{}")));
            await().atMost(PATIENCE).until(pool::someoneWaits);

            long start = System.nanoTime();
            for (int i = 1; i <= JmsEventStream.BACKLOG + 5; i++) {
                stream.publish("orders", List.of(event("run-" + i, 1, "{}")));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a full backlog holds up no publish")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(stream.working()).as("a warning: dropped for less than 30 s").contains("; NVENT-0672 the live "
                    + "event stream on topic " + topic + " (broker " + JmsJobQueueOptions.UNNAMED_BROKER + ") dropped 5 "
                    + "publishes of live events since ", "because " + JmsEventStream.BACKLOG + " waited to be sent");
            assertThat(log.messagesContaining("NVENT-0665")).singleElement().asString()
                    .startsWith("NVENT-0665 dropped 1 publish of live events")
                    .contains(JmsEventStream.BACKLOG + " wait to be sent", "waits for a connection");

            pool.free();
            await().atMost(PATIENCE).until(() -> log.containing("NVENT-0665").size() == 2);
            assertThat(log.messagesContaining("NVENT-0665").get(1)).contains("sends again; it dropped 4 more publishes");
            await().atMost(PATIENCE).until(() -> runIds(seenOnB).contains("run-" + JmsEventStream.BACKLOG));
            assertThat(runIds(seenOnB)).as("the first publishes, in order; the last five dropped")
                    .startsWith("run-first", "run-1", "run-2").doesNotContain("run-" + (JmsEventStream.BACKLOG + 1));
        } finally {
            pool.free();
        }
    }

    @Test
    void while_its_broker_is_away_a_publish_returns_at_once_and_the_log_names_the_broker_as_the_queues_failures_do()
            throws Exception {
        try (JmsEventStream stream = new JmsEventStream(factory, new TestThreads("stream-away"), topic,
                JmsEventStream.DEFAULT_SEND_TIMEOUT, null, "test-broker");
             LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-06"))) {
            broker.close();
            try {
                long start = System.nanoTime();
                stream.publish("orders", List.of(event("run-away", 1, "{}")));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the publish waits for no broker")
                        .isLessThan(Duration.ofSeconds(1));

                await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0663").isEmpty());
                assertThat(log.messagesContaining("NVENT-0663")).first().asString()
                        .startsWith("NVENT-0663 1 send of live events failed")
                        .contains("The last: NVENT-0250 adapter 'jms' cannot reach its backend: NVENT-0642 could not "
                                + "publish 1 event(s) of 1 publish(es), flow orders on topic " + topic
                                + " (broker test-broker): ");
                await().atMost(PATIENCE).until(() -> !log.containing("NVENT-0640").isEmpty());
                assertThat(log.messagesContaining("NVENT-0640")).filteredOn(line -> line.contains("test-broker"))
                        .first().asString().startsWith("NVENT-0640 event stream on topic " + topic
                                + " (broker test-broker) lost its subscription");
            } finally {
                broker = EmbeddedBroker.start(dataDir, url);
            }
        }
    }

    @Test
    void while_its_broker_is_away_the_stream_s_problem_says_since_when_why_and_what_to_do_until_it_subscribes_again()
            throws Exception {
        try (JmsEventStream stream = new JmsEventStream(factory, new TestThreads("stream-problem"), topic,
                JmsEventStream.DEFAULT_SEND_TIMEOUT, null, "test-broker")) {
            assertThat(stream.problem()).as("subscribed").isEmpty();
            broker.close();
            try {
                await().atMost(PATIENCE).until(() -> stream.problem().isPresent());
                assertThat(stream.problem()).hasValueSatisfying(problem -> assertThat(problem)
                        .startsWith("NVENT-0671 the live event stream on topic " + topic + " (broker test-broker) has "
                                + "had no subscription since ")
                        .contains("live views on this instance", "runs go on as before", "jakarta.jms.",
                                "it reconnects by itself, every 5 s at most: see that the broker is up and reachable"));
            } finally {
                broker = EmbeddedBroker.start(dataDir, url);
            }
            await().atMost(PATIENCE).until(() -> stream.problem().isEmpty());
        }
    }

    @Test
    void a_listener_whose_receive_fails_with_another_runtime_exception_than_jms_s_subscribes_again_and_receives_again() {
        AtomicBoolean failNextReceive = new AtomicBoolean();
        List<PublishedEvent> seen = new CopyOnWriteArrayList<>();
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0640"));
             JmsEventStream stream = new JmsEventStream(receivesFailing(factory, failNextReceive),
                     new TestThreads("stream-receive-fails"), topic)) {
            stream.subscribe(seen::add);
            failNextReceive.set(true);
            await().atMost(PATIENCE).until(() -> !failNextReceive.get());

            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
                stream.publish("orders", List.of(event("run-after-failure", 1, "{}")));
                return !seen.isEmpty();
            });
            assertThat(log.messagesContaining("NVENT-0640")).as("said why it subscribes again").singleElement()
                    .asString().contains("lost its subscription", "IllegalStateException: the adapter's session broke");
            await().atMost(PATIENCE).until(() -> stream.problem().isEmpty());
        }
    }

    /**
     * A factory whose consumers' next receive, once {@code failNext} is set, fails as no JMS client would: with a plain
     * runtime exception (a resource adapter's bug, a container's wrapper).
     */
    private static ConnectionFactory receivesFailing(ConnectionFactory broker, AtomicBoolean failNext) {
        return (ConnectionFactory) Proxy.newProxyInstance(JmsEventStreamTest.class.getClassLoader(),
                new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                    Object made = invoke(method, broker, args);
                    if (!(made instanceof JMSContext context)) {
                        return made;
                    }
                    return Proxy.newProxyInstance(JmsEventStreamTest.class.getClassLoader(),
                            new Class<?>[] {JMSContext.class}, (contextProxy, contextMethod, contextArgs) -> {
                                Object result = invoke(contextMethod, context, contextArgs);
                                if (!(result instanceof JMSConsumer consumer)) {
                                    return result;
                                }
                                return Proxy.newProxyInstance(JmsEventStreamTest.class.getClassLoader(),
                                        new Class<?>[] {JMSConsumer.class}, (consumerProxy, consumerMethod, consumerArgs) -> {
                                            if (consumerMethod.getName().equals("receive")
                                                    && failNext.compareAndSet(true, false)) {
                                                throw new IllegalStateException("the adapter's session broke");
                                            }
                                            return invoke(consumerMethod, consumer, consumerArgs);
                                        });
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void a_listener_whose_broker_restarted_subscribes_again_and_receives_again() throws Exception {
        broker.close();
        await().atMost(PATIENCE).until(() -> !isListening(b));
        broker = EmbeddedBroker.start(dataDir, url);

        // Events published while the listener is down are lost (the SPI allows it): publish until
        // one arrives after it subscribed again.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            a.publish("orders", List.of(event("run-after", 1, "{}")));
            return !seenOnB.isEmpty();
        });
        assertThat(isListening(b)).isTrue();
    }
}

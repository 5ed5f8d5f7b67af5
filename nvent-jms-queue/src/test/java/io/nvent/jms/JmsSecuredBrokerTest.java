package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.HealthReport;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.TestThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.LogRecord;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSSecurityRuntimeException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The queue's workers on a real Artemis with authentication on, as README's {@code broker.xml} sets it up, reached
 * in-VM and over TCP (Netty): what the broker answers a factory without credentials, or with a user that may not
 * consume, and what the workers and the live event stream say about it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JmsSecuredBrokerTest {

    private static EmbeddedBroker broker;
    private static String tcpUrl;

    private final List<JmsJobQueue> nodes = new CopyOnWriteArrayList<>();
    private final String queue = InVmBroker.freshQueue("secured");

    @BeforeAll
    static void startBroker() throws Exception {
        tcpUrl = "tcp://127.0.0.1:" + BrokerProcess.freePort();
        broker = EmbeddedBroker.startSecured(EmbeddedBroker.freshDirectory("secured"), "vm://6", tcpUrl);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(JmsJobQueue::close);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in-VM", "TCP"})
    void a_broker_that_refuses_the_workers_login_is_reported_once_saying_where_the_credentials_go(String connector) {
        ActiveMQConnectionFactory withoutCredentials = factory(connector);
        JmsJobQueue node = node(connector, withoutCredentials);

        assertThat(problemsLoggedOnceAJobWaits(node, 2, "refused"))
                .as("one message for the queue, not one per worker and try").singleElement()
                .satisfies(entry -> assertThat(entry.getMessage()).startsWith("NVENT-0637 the broker refused the "
                        + "login of the workers' connection factory of queue " + queue)
                        .contains("JMSSecurity", "AMQ229031", "UserName and Password of each connector-connection-pool"));
        assertThat(node.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("NVENT-0637"));
        assertThat(node.counts(queue).waiting()).as("the job waits on the broker").isOne();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in-VM", "TCP"})
    void workers_whose_user_may_not_consume_are_told_so_not_that_their_login_was_refused(String connector) {
        ActiveMQConnectionFactory browser = factory(connector, "browser");
        JmsJobQueue node = node(connector, browser);

        assertThat(problemsLoggedOnceAJobWaits(node, 1, "not-consumed")).singleElement()
                .satisfies(entry -> assertThat(entry.getMessage()).doesNotContain("refused the login", "NVENT-0637")
                        .startsWith("NVENT-0638 the broker refused the workers of queue " + queue)
                        .contains("AMQ229213", "permission='CONSUME'", "security-settings"));
        assertThat(node.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("NVENT-0638"));
    }

    /**
     * Registers workers on the test's queue and enqueues a job, and returns the problems (NVENT-0601, -0637, -0638)
     * the queue logged once it logged one.
     */
    private List<LogRecord> problemsLoggedOnceAJobWaits(JmsJobQueue node, int workers, String jobId) {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(01|37|38).*"))) {
            node.registerWorker(queue, workers, new Recorder());
            node.enqueue(JobRequest.of(queue, jobId, "step", "{}"));

            // The workers are refused at once; the problem is recorded before it is logged.
            await().until(() -> !log.records().isEmpty());
            return List.copyOf(log.records());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in-VM", "TCP"})
    void workers_with_the_brokers_user_run_the_queue_s_jobs(String connector) {
        ActiveMQConnectionFactory nvent = factory(connector, "nvent");
        JmsJobQueue node = node(connector, nvent);
        Recorder handler = new Recorder();

        node.registerWorker(queue, 1, handler);
        node.enqueue(JobRequest.of(queue, "run", "step", "{}"));

        await().until(() -> handler.started.size() == 1);
        assertThat(node.problem()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void an_enqueue_the_broker_refuses_for_its_login_says_where_the_credentials_go() {
        JmsJobQueue node = new JmsJobQueue(factory("TCP"), factory("TCP"), new TestThreads("secured-worker"),
                Clock.systemUTC(), JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());
        nodes.add(node);

        assertThatThrownBy(() -> node.enqueue(JobRequest.of(queue, "refused", "step", "{}")))
                .isInstanceOf(JmsQueueException.class)
                .hasMessageContaining("NVENT-0610 could not enqueue job refused")
                .hasMessageContaining("AMQ229031")
                .hasMessageContaining("refused the user of the queue's connection factory (nvent.queue.jms.connection-factory)")
                .hasMessageContaining("user and password of the pooled-connection-factory");
    }

    @org.junit.jupiter.api.Test
    void a_live_event_stream_whose_login_the_broker_refuses_says_so_once_and_where_the_credentials_go() {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(factory("TCP"), new TestThreads("secured-stream"),
                     InVmBroker.freshQueue("nvent-events"))) {
            // Its constructor waited 10 s for a subscription: the stream tried several times meanwhile.
            assertThat(stream.isListening()).isFalse();
            assertThat(log.records()).as("one message, not one per try").singleElement().satisfies(entry -> {
                assertThat(entry.getLevel()).isEqualTo(java.util.logging.Level.SEVERE);
                assertThat(entry.getMessage()).startsWith("NVENT-0639 the broker refused the login of the live event"
                        + " stream's connection factory").contains("AMQ229031", "UserName and Password",
                        "user and password of the pooled-connection-factory");
            });
        }
    }

    @org.junit.jupiter.api.Test
    void a_live_event_stream_whose_user_may_not_use_the_topic_is_told_so_not_that_its_login_was_refused() {
        ActiveMQConnectionFactory nvent = factory("in-VM");
        nvent.setUser("nvent");
        nvent.setPassword("secret");
        // The test broker gives role nvent nothing on the topic (README's broker.xml gives it nvent-events).
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(nvent, new TestThreads("secured-stream"), "nvent-events")) {
            assertThat(stream.isListening()).isFalse();
            assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                    .doesNotContain("refused the login")
                    .startsWith("NVENT-0644 the broker refused the live event stream's subscription to topic nvent-events")
                    .contains("does not have permission=", "createNonDurableQueue", "security-settings"));
        }
    }

    @org.junit.jupiter.api.Test
    void a_live_event_stream_on_a_factory_that_logs_in_on_first_use_says_its_login_was_refused_not_a_permission() {
        // A resource adapter's factory (WildFly's pooled-connection-factory) logs in when its context is first used.
        ActiveMQConnectionFactory withoutCredentials = factory("TCP");
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(contexts(() -> loggingInOnFirstUse(withoutCredentials)),
                     new TestThreads("secured-stream"), InVmBroker.freshQueue("nvent-events"))) {
            assertThat(stream.isListening()).isFalse();
            assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                    .startsWith("NVENT-0639 the broker refused the login of the live event stream's connection factory")
                    .contains("AMQ229031").doesNotContain("lacks a permission"));
        }
    }

    @org.junit.jupiter.api.Test
    void a_live_event_stream_whose_login_the_operator_fixes_says_what_the_broker_refuses_next_without_a_restart() {
        ActiveMQConnectionFactory nvent = factory("in-VM");
        nvent.setUser("nvent");
        nvent.setPassword("secret");
        AtomicReference<ActiveMQConnectionFactory> current = new AtomicReference<>(factory("in-VM"));
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(contexts(() -> current.get().createContext()),
                     new TestThreads("secured-stream"), InVmBroker.freshQueue("nvent-events"))) {
            assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                    .startsWith("NVENT-0639"));

            // The login now works; the test broker gives role nvent nothing on the topic.
            current.set(nvent);

            await().until(() -> log.records().size() == 2);
            assertThat(log.records().get(1).getMessage()).startsWith("NVENT-0644 the broker refused the live event "
                    + "stream's subscription");
            assertThat(stream.isListening()).isFalse();
        }
    }

    @org.junit.jupiter.api.Test
    void an_engine_whose_live_event_stream_the_broker_refuses_shows_why_in_health_stays_ready_and_recovers() {
        AtomicReference<ActiveMQConnectionFactory> current = new AtomicReference<>(factory("in-VM"));
        String topic = InVmBroker.freshQueue("granted-events.live");
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0641"));
             JmsEventStream stream = new JmsEventStream(contexts(() -> current.get().createContext()),
                     new TestThreads("secured-stream"), topic, JmsEventStream.DEFAULT_SEND_TIMEOUT, null, "test-broker");
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).stream(stream).build()) {
            assertThat(log.records()).as("the constructor's wait says why it ended").singleElement()
                    .satisfies(entry -> assertThat(entry.getMessage()).startsWith("NVENT-0641 event stream on topic "
                            + topic + " (broker test-broker) could not subscribe within 10 s; it keeps trying, live"
                            + " views miss events until then: NVENT-0639 the broker refused the login").contains(
                            "AMQ229031", "UserName and Password"));

            HealthReport refused = engine.flows().health();
            assertThat(refused.ready()).as("runs, the API and the store work without live views").isTrue();
            assertThat(refused.checks()).filteredOn(check -> check.name().equals("stream")).singleElement()
                    .satisfies(check -> {
                        assertThat(check.up()).isFalse();
                        assertThat(check.detail()).startsWith("NVENT-0671 the live event stream on topic " + topic
                                + " (broker test-broker) has had no subscription since ").contains(
                                "live views on this instance", "NVENT-0639 the broker refused the login", "AMQ229031",
                                "UserName and Password of each connector-connection-pool").endsWith(
                                "(no reason to be not ready: only live views wait for it)");
                    });

            // The operator gives the factory the broker's user.
            current.set(factory("in-VM", "nvent"));

            await().until(stream::isListening);
            assertThat(engine.flows().health().checks()).filteredOn(check -> check.name().equals("stream"))
                    .singleElement().satisfies(check -> assertThat(check.up()).isTrue());
            assertThat(stream.problem()).isEmpty();
        }
    }

    /**
     * Sends the broker refuses while the subscription works: no instance receives this one's events, and the stream
     * check said UP with nothing more. It names the failing sends (since when, how many, the last cause) as a warning
     * that leaves the check UP until they have failed for 30 s, and drops them with the next send that goes through.
     */
    @org.junit.jupiter.api.Test
    void sends_the_broker_refuses_while_the_subscription_works_show_in_the_stream_check_until_one_goes_through() {
        AtomicReference<ActiveMQConnectionFactory> current = new AtomicReference<>(factory("in-VM", "nvent"));
        String topic = InVmBroker.freshQueue("granted-events.sends");
        List<String> received = new CopyOnWriteArrayList<>();
        try (JmsEventStream stream = new JmsEventStream(contexts(() -> current.get().createContext()),
                new TestThreads("secured-stream"), topic, JmsEventStream.DEFAULT_SEND_TIMEOUT, null, "test-broker");
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).stream(stream).build();
             AutoCloseable subscription = stream.subscribe(event -> received.add(event.event().runId()))) {
            assertThat(stream.isListening()).isTrue();
            assertThat(streamCheck(engine).detail()).isEqualTo("jms: subscribed to topic " + topic
                    + " (broker test-broker)");

            // The user's password changed on the broker: new connections (the sends') are refused their login, the
            // subscription keeps the connection it has.
            ActiveMQConnectionFactory oldPassword = factory("in-VM", "nvent");
            oldPassword.setPassword("old-secret");
            current.set(oldPassword);
            stream.publish("noop", List.of(event("refused-1")));
            await().untilAsserted(() -> assertThat(streamCheck(engine).detail()).contains("(1 send failed"));
            stream.publish("noop", List.of(event("refused-2")));

            await().untilAsserted(() -> assertThat(streamCheck(engine).detail()).contains("(2 sends failed"));
            HealthReport.Check failing = streamCheck(engine);
            assertThat(failing.up()).as("failing for less than 30 s: a warning").isTrue();
            assertThat(failing.detail()).startsWith("jms: subscribed to topic " + topic + " (broker test-broker); "
                    + "NVENT-0676 sends of the live event stream on topic " + topic + " (broker test-broker) fail since ")
                    .contains("DOWN once they have failed for 30 s", "the other instances' live views",
                            "The last: NVENT-0250 adapter 'jms' cannot reach its backend: NVENT-0642 could not publish",
                            "AMQ229031");
            assertThat(stream.problem()).isEmpty();
            assertThat(received).isEmpty();

            current.set(factory("in-VM", "nvent"));
            // Sends fail at once for 5 s after a connect failed (NVENT-0652), then one tries the broker again.
            await().pollInterval(Duration.ofSeconds(1)).until(() -> {
                stream.publish("noop", List.of(event("sent")));
                return received.contains("sent");
            });
            await().untilAsserted(() -> assertThat(streamCheck(engine).detail())
                    .isEqualTo("jms: subscribed to topic " + topic + " (broker test-broker)"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static HealthReport.Check streamCheck(EmbeddedEngine engine) {
        return engine.flows().health().checks().stream().filter(check -> check.name().equals("stream")).findFirst()
                .orElseThrow();
    }

    private static io.nvent.HistoryEvent event(String runId) {
        return new io.nvent.HistoryEvent(runId, 1, io.nvent.EventType.FLOW_START, Optional.empty(), 1, Instant.now(),
                "{}");
    }

    @org.junit.jupiter.api.Test
    void another_brokers_client_that_logs_in_on_first_use_is_told_its_login_was_refused_not_a_permission() {
        // No Artemis code in what it throws: only the step it failed at tells.
        ActiveMQConnectionFactory withoutCredentials = factory("TCP");
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(contexts(() -> withoutCodes(loggingInOnFirstUse(withoutCredentials))),
                     new TestThreads("secured-stream"), InVmBroker.freshQueue("nvent-events"))) {
            assertThat(stream.isListening()).isFalse();
            assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                    .startsWith("NVENT-0639 the broker refused the login of the live event stream's connection factory")
                    .contains("access refused").doesNotContain("AMQ229031", "lacks a permission"));
        }
    }

    @org.junit.jupiter.api.Test
    void another_brokers_client_whose_user_may_not_use_the_topic_is_told_so_not_that_its_login_was_refused() {
        ActiveMQConnectionFactory nvent = factory("in-VM", "nvent");
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .matches("NVENT-06(39|40|44).*"));
             JmsEventStream stream = new JmsEventStream(contexts(() -> withoutCodes(loggingInOnFirstUse(nvent))),
                     new TestThreads("secured-stream"), "nvent-events")) {
            assertThat(stream.isListening()).isFalse();
            assertThat(log.records()).singleElement().satisfies(entry -> assertThat(entry.getMessage())
                    .startsWith("NVENT-0644 the broker refused the live event stream's subscription to topic nvent-events")
                    .contains("access refused").doesNotContain("refused the login", "AMQ229"));
        }
    }

    /**
     * A context as another broker's client would be: the broker's refusals come as a JMS security exception of
     * the same words for a login and a permission, without Artemis's codes.
     */
    private static JMSContext withoutCodes(JMSContext context) {
        return (JMSContext) Proxy.newProxyInstance(JmsSecuredBrokerTest.class.getClassLoader(),
                new Class<?>[] {JMSContext.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(context, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause() instanceof JMSSecurityRuntimeException
                                ? new JMSSecurityRuntimeException("access refused") : e.getCause();
                    }
                });
    }

    /** A connection factory whose contexts come from {@code contexts}. */
    private static ConnectionFactory contexts(Supplier<JMSContext> contexts) {
        return (ConnectionFactory) Proxy.newProxyInstance(JmsSecuredBrokerTest.class.getClassLoader(),
                new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createContext") && args == null) {
                        return contexts.get();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A context that, as a resource adapter's, connects (and logs in) only when first used. */
    private static JMSContext loggingInOnFirstUse(ActiveMQConnectionFactory factory) {
        AtomicReference<JMSContext> real = new AtomicReference<>();
        return (JMSContext) Proxy.newProxyInstance(JmsSecuredBrokerTest.class.getClassLoader(),
                new Class<?>[] {JMSContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && real.get() == null) {
                        return null;
                    }
                    if (real.get() == null) {
                        real.set(factory.createContext());
                    }
                    try {
                        return method.invoke(real.get(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static ActiveMQConnectionFactory factory(String connector) {
        return new ActiveMQConnectionFactory((connector.equals("TCP") ? tcpUrl : "vm://6") + "?consumerWindowSize=0");
    }

    /** A factory that logs in as {@code user}, whose password is "secret". */
    private static ActiveMQConnectionFactory factory(String connector, String user) {
        ActiveMQConnectionFactory factory = factory(connector);
        factory.setUser(user);
        factory.setPassword("secret");
        return factory;
    }

    /** A node that enqueues as user nvent and whose workers use the given factory. */
    private JmsJobQueue node(String connector, ActiveMQConnectionFactory workers) {
        ActiveMQConnectionFactory enqueues = factory(connector, "nvent");
        JmsJobQueue node = new JmsJobQueue(enqueues, workers, new TestThreads("secured-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());
        nodes.add(node);
        return node;
    }

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static final class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    private static final class Recorder implements JobHandler {
        final List<JobExecution> started = new CopyOnWriteArrayList<>();

        @Override
        public void handle(JobExecution job) {
            started.add(job);
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
        }
    }
}

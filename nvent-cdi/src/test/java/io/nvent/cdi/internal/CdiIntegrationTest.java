package io.nvent.cdi.internal;

import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.NventBeans;
import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.engine.StoreOfOnesOwn;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.inject.Inject;
import java.util.Map;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldJunit5Extension;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The extension and the engine inside a real CDI container (Weld). */
@ExtendWith(WeldJunit5Extension.class)
class CdiIntegrationTest {

    /** The extension, the engine on the in-memory adapters, and the given classes, in Weld. */
    static Weld engineWith(Class<?>... classes) {
        return WeldInitiator.createWeld()
                .addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine())
                .addBeanClasses(classes);
    }

    @FlowStep(flow = "greeting", name = "hello", role = StepRole.ENTRY, emits = "greeted")
    public static class Hello implements Step<Map<String, String>, String> {
        @Override
        public String execute(Map<String, String> input, StepContext ctx) {
            ctx.state().set("name", input.get("name"));
            ctx.emit("greeted", Map.of("text", "hello " + input.get("name")));
            return "ok";
        }
    }

    /** A request-scoped bean, as many applications have (e.g. an audit context). */
    @jakarta.enterprise.context.RequestScoped
    public static class Audit {
        private final java.util.List<String> entries = new java.util.ArrayList<>();

        void note(String entry) {
            entries.add(entry);
        }

        int size() {
            return entries.size();
        }
    }

    @FlowStep(flow = "greeting", name = "reply", subscribes = "greeted")
    public static class Reply implements Step<Map<String, Map<String, String>>, String> {
        @Inject
        Audit audit;

        @Override
        public String execute(Map<String, Map<String, String>> input, StepContext ctx) {
            String name = ctx.state().get("name", String.class).orElseThrow();
            audit.note("replied to " + name);
            return input.get("greeted").get("text") + ", " + name + " (audit entries in this request: "
                    + audit.size() + ")";
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(engineWith(Hello.class, Reply.class, Audit.class))
            .build();

    @Inject
    FlowService flows;

    @Test
    void flowStepBeansAreDiscoveredAndAFlowRunsToCompletion() {
        assertThat(flows.flows()).singleElement().satisfies(flow -> {
            assertThat(flow.name()).isEqualTo("greeting");
            assertThat(flow.entry().name()).isEqualTo("hello");
            assertThat(flow.subscribersOf("greeted")).extracting(s -> s.name()).containsExactly("reply");
        });

        String runId = flows.start("greeting", Map.of("name", "Ada"));

        await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
        assertThat(flows.events(runId, io.nvent.EventQuery.all()))
                .filteredOn(e -> e.type() == io.nvent.EventType.STEP_COMPLETED && e.step().orElseThrow().equals("reply"))
                .singleElement().satisfies(e -> assertThat(e.data()).contains("hello Ada, Ada")
                        .as("a request context of its own").contains("audit entries in this request: 1"));
        assertThat(flows.stats("greeting").completed()).isEqualTo(1);
    }

    /** Signs the greeting's reply and is the whole of flow "farewell". */
    @FlowStep(flow = "greeting", name = "sign", subscribes = "greeted")
    @FlowStep(flow = "farewell", name = "sign", role = StepRole.ENTRY)
    public static class Sign implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "signed in flow " + ctx.flow();
        }
    }

    @Test
    void aClassAnnotatedFlowStepTwiceIsAnApplicationScopedStepOfBothFlowsAndRunsInEach() {
        assertThat(Sign.class.getAnnotation(FlowStep.class)).as("only the container is on the class")
                .isNull();
        try (WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class, Sign.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            assertThat(container.getBeanManager().getBeans(Sign.class)).singleElement()
                    .satisfies(bean -> assertThat(bean.getScope()).isEqualTo(ApplicationScoped.class));
            assertThat(flows.flows()).extracting(FlowDefinition::name).containsExactly("farewell", "greeting");
            assertThat(flows.flow("greeting").orElseThrow().subscribersOf("greeted")).extracting(s -> s.name())
                    .containsExactlyInAnyOrder("reply", "sign");

            String greeting = flows.start("greeting", Map.of("name", "Ada"));
            String farewell = flows.start("farewell", Map.of());

            await().until(() -> flows.run(greeting).orElseThrow().status() == RunStatus.COMPLETED
                    && flows.run(farewell).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(signature(flows, greeting)).contains("signed in flow greeting");
            assertThat(signature(flows, farewell)).contains("signed in flow farewell");
        }
    }

    /** Counts its instances and their destruction. */
    @FlowStep(flow = "fresh", name = "count", role = StepRole.ENTRY)
    @jakarta.enterprise.context.Dependent
    public static class DependentStep implements Step<Object, Integer> {
        static final java.util.concurrent.atomic.AtomicInteger MADE = new java.util.concurrent.atomic.AtomicInteger();
        static final java.util.concurrent.atomic.AtomicInteger DESTROYED =
                new java.util.concurrent.atomic.AtomicInteger();
        private final int instance = MADE.incrementAndGet();

        @Override
        public Integer execute(Object input, StepContext ctx) {
            return instance;
        }

        @jakarta.annotation.PreDestroy
        void destroyed() {
            DESTROYED.incrementAndGet();
        }
    }

    @Test
    void aDependentStepIsMadeForEachExecutionAndDestroyedAfterIt() {
        try (WeldContainer container = engineWith(DependentStep.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            int madeBefore = DependentStep.MADE.get();
            int destroyedBefore = DependentStep.DESTROYED.get();

            for (int run = 0; run < 3; run++) {
                String runId = flows.start("fresh", Map.of());
                await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
            }

            assertThat(DependentStep.MADE.get() - madeBefore).as("one instance per execution").isEqualTo(3);
            assertThat(DependentStep.DESTROYED.get() - destroyedBefore).isEqualTo(3);
        }
    }

    private static String signature(FlowService flows, String runId) {
        return flows.events(runId, io.nvent.EventQuery.all()).stream()
                .filter(e -> e.type() == io.nvent.EventType.STEP_COMPLETED && e.step().orElseThrow().equals("sign"))
                .map(e -> e.data()).findFirst().orElseThrow();
    }

    @FlowStep(flow = "abstract", name = "base", role = StepRole.ENTRY)
    @FlowStep(flow = "abstract-too", name = "base", role = StepRole.ENTRY)
    public abstract static class AbstractStepOfTwoFlows implements Step<Object, Void> {
    }

    @Test
    void aClassWithOnlyTheContainerOfRepeatedFlowStepsIsCheckedWhereItIsDeclared() {
        Weld misplaced = engineWith(AbstractStepOfTwoFlows.class);
        assertThatThrownBy(misplaced::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0108 " + AbstractStepOfTwoFlows.class.getName() + " is an abstract "
                        + "class annotated @FlowStep");
    }

    @FlowStep(flow = "nightly", name = "report", role = StepRole.ENTRY)
    @io.nvent.Trigger(name = "nightly", type = io.nvent.TriggerType.SCHEDULE, cron = "0 2 * * *", misfireGrace = "6h")
    public static class NightlyWithBadGrace implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aMisfireGraceThatIsNoDurationFailsTheDeploymentNamingClassAndTrigger() {
        Weld badGrace = engineWith(NightlyWithBadGrace.class);
        assertThatThrownBy(badGrace::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0101 step 'report' of flow 'nightly' (" + NightlyWithBadGrace.class.getName()
                        + ")")
                .hasMessageContaining("@Trigger 'nightly': misfireGrace = \"6h\" is no ISO-8601 duration");
    }

    @FlowStep(flow = "nightly", name = "report", role = StepRole.ENTRY)
    @io.nvent.Trigger(name = "nightly", type = io.nvent.TriggerType.SCHEDULE, cron = "0 2 * * *", misfireGrace = "PT1H")
    public static class NightlyWithOwnGrace implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aScheduleThatInheritsItsMisfirePolicyGetsTheDeploymentsSettingAndKeepsItsOwnGrace() {
        System.setProperty("nvent.triggers.misfire", "skip");
        try (WeldContainer container = engineWith(NightlyWithOwnGrace.class).initialize()) {
            io.nvent.TriggerService triggers = container.select(io.nvent.TriggerService.class).get();

            assertThat(triggers.appliedMisfire(triggers.trigger("nightly").orElseThrow().spec())).isEqualTo(
                    new io.nvent.AppliedMisfire(io.nvent.Misfire.SKIP, false, java.time.Duration.ofHours(1), true));
        } finally {
            System.clearProperty("nvent.triggers.misfire");
        }
    }

    @FlowStep(flow = "greeting", name = "greet-again", subscribes = "greeted")
    @FlowStep(flow = "greeting", name = "greet-once-more", subscribes = "greeted")
    public static class GreetsTwice implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void twoFlowStepsOfOneClassForTheSameFlowFailTheDeploymentNamingClassAndFlow() {
        Weld twice = engineWith(Hello.class, Reply.class, Audit.class, GreetsTwice.class);
        assertThatThrownBy(twice::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0180 " + GreetsTwice.class.getName() + " is annotated @FlowStep 2 times "
                        + "for flow 'greeting'");
    }

    @FlowStep(flow = "broken", name = "orphan", subscribes = "never.emitted")
    public static class Orphan implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aBrokenFlowGraphFailsTheDeploymentWithAMessageNamingTheClass() {
        Weld broken = engineWith(Orphan.class);
        assertThatThrownBy(broken::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("flow 'broken' has no entry step")
                .hasMessageContaining(Orphan.class.getName())
                .as("every mistake in one error, one per line").hasMessageContaining("problems in the declared flows:\n- NVENT-");
    }

    /** Its {@code @FlowStep} forgotten: two triggers (only their container is on the class) and an await. */
    @io.nvent.Trigger(name = "nightly", type = io.nvent.TriggerType.SCHEDULE, cron = "0 2 * * *")
    @io.nvent.Trigger(name = "by-hand", type = io.nvent.TriggerType.MANUAL)
    @io.nvent.AwaitAfter(type = io.nvent.AwaitType.WEBHOOK)
    public static class TriggersNoStep implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** The annotations are not inherited: on a base class they declare nothing for its subclasses. */
    @io.nvent.AwaitBefore(type = io.nvent.AwaitType.TIME, delayMs = 10)
    public abstract static class AwaitingBase implements Step<Object, Void> {
    }

    @Test
    void aStepsAnnotationsOnClassesWithoutFlowStepFailTheDeploymentNamingEachClass() {
        Weld forgotten = engineWith(Hello.class, Reply.class, Audit.class, TriggersNoStep.class, AwaitingBase.class);
        assertThatThrownBy(forgotten::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0186 " + TriggersNoStep.class.getName() + " is annotated @Trigger and "
                        + "@AwaitAfter but not @FlowStep, so they do nothing: add @FlowStep(flow = ..., name = ...) or "
                        + "remove @Trigger and @AwaitAfter")
                .hasMessageContaining("NVENT-0186 " + AwaitingBase.class.getName() + " is annotated @AwaitBefore but "
                        + "not @FlowStep, so it does nothing: add @FlowStep(flow = ..., name = ...) or remove "
                        + "@AwaitBefore (annotations are not inherited: a step's belong on its concrete class)");
    }

    @FlowStep(flow = "abstract", name = "base", role = StepRole.ENTRY)
    public abstract static class AbstractStep implements Step<Object, Void> {
    }

    @Test
    void aFlowStepOnAnAbstractClassFailsTheDeploymentSayingWhereTheAnnotationBelongs() {
        Weld misplaced = engineWith(AbstractStep.class);
        assertThatThrownBy(misplaced::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0108 " + AbstractStep.class.getName() + " is an abstract class annotated "
                        + "@FlowStep");
    }

    @FlowStep(flow = "ejb", name = "charge", role = StepRole.ENTRY)
    @jakarta.ejb.Stateless
    public static class StatelessStep implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStepThatIsAStatelessEjbFailsTheDeploymentSayingWhatToDoInstead() {
        // Weld SE has no EJB container; the annotation alone is what a server's deployment shows first.
        Weld ejb = engineWith(StatelessStep.class);
        assertThatThrownBy(ejb::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0109 " + StatelessStep.class.getName() + " is an EJB session bean");
    }

    @FlowStep(flow = "cart", name = "price", role = StepRole.ENTRY)
    @jakarta.enterprise.context.SessionScoped
    public static class SessionScopedStep implements Step<Object, Void>, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "sealed", name = "seal", role = StepRole.ENTRY)
    public static final class FinalStep implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "locked", name = "lock", role = StepRole.ENTRY)
    @jakarta.enterprise.context.RequestScoped
    public static class FinalMethodStep implements Step<Object, Void> {
        @Override
        public final Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "sealed-but-dependent", name = "seal", role = StepRole.ENTRY)
    @jakarta.enterprise.context.Dependent
    public static final class FinalDependentStep implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStepInAScopeWithoutContextOnWorkersOrThatCannotBeProxiedFailsTheDeploymentNamingClassAndFix() {
        Weld unusable = engineWith(SessionScopedStep.class, FinalStep.class, FinalMethodStep.class,
                FinalDependentStep.class);
        assertThatThrownBy(unusable::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("3 problems in the declared flows")
                .hasMessageContaining("NVENT-0189 " + SessionScopedStep.class.getName() + " is a @FlowStep of scope "
                        + "@SessionScoped, which has no active context on the worker threads that run steps")
                .hasMessageContaining("make it @ApplicationScoped (the default: one instance for all executions), "
                        + "@RequestScoped (one per execution) or @Dependent")
                .hasMessageContaining("NVENT-0197 " + FinalStep.class.getName() + " is a @FlowStep of scope "
                        + "@ApplicationScoped, which the container reaches through a proxy, but the class is final, so "
                        + "it cannot be proxied and every execution would fail (WELD-001437): remove final from it, "
                        + "or make the step @Dependent")
                .hasMessageContaining("NVENT-0197 " + FinalMethodStep.class.getName() + " is a @FlowStep of scope "
                        + "@RequestScoped, which the container reaches through a proxy, but its method execute "
                        + "(declared in " + FinalMethodStep.class.getName() + ") is final")
                .as("a dependent step has no proxy").hasMessageNotContaining(FinalDependentStep.class.getName());
    }

    @Test
    void aFinalDependentStepIsMadeWithoutProxyAndRuns() {
        try (WeldContainer container = engineWith(FinalDependentStep.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("sealed-but-dependent", Map.of());
            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
        }
    }

    /** What the engine logs while a container with these system properties starts. */
    private static java.util.List<java.util.logging.LogRecord> engineLogOfStart(Map<String, String> properties) {
        java.util.List<java.util.logging.LogRecord> entries = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger engineLog = java.util.logging.Logger.getLogger(EngineBean.class.getName());
        java.util.logging.Handler collector = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord entry) {
                entries.add(entry);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        engineLog.addHandler(collector);
        properties.forEach(System::setProperty);
        try (var container = engineWith(Hello.class, Reply.class, Audit.class).initialize()) {
            return entries;
        } finally {
            properties.keySet().forEach(System::clearProperty);
            engineLog.removeHandler(collector);
        }
    }

    private static java.util.List<String> messagesAt(java.util.logging.Level level,
                                                     java.util.List<java.util.logging.LogRecord> entries) {
        return entries.stream().filter(entry -> entry.getLevel() == level)
                .map(java.util.logging.LogRecord::getMessage).toList();
    }

    @Test
    void aMisspeltSettingIsReportedAtStartWithTheNameItProbablyMeant() {
        var warnings = messagesAt(java.util.logging.Level.WARNING, engineLogOfStart(Map.of(
                "nvent.queue.concurency", "8", "nvent.queue.ordr.limiter.max", "5")));

        assertThat(warnings).satisfiesExactly(misspelt -> assertThat(misspelt).isEqualTo("NVENT-0004 setting "
                        + "nvent.queue.concurency is read by no module of this deployment, so it has no effect; "
                        + "did you mean nvent.queue.concurrency?"),
                noSuchQueue -> assertThat(noSuchQueue).startsWith("NVENT-0515 configuration key "
                        + "nvent.queue.ordr.limiter.max names queue ordr, which this deployment does not have")
                        .endsWith("the key does nothing"));
    }

    @Test
    void aQueueLeftToOtherInstancesOnTheMemoryQueueIsWarnedOfAtStartAndOnlyThen() {
        var leftHere = engineLogOfStart(Map.of("nvent.queue.greeting.concurrency", "0"));

        assertThat(messagesAt(java.util.logging.Level.WARNING, leftHere)).singleElement().asString()
                .startsWith("NVENT-0441 queue [greeting] has no worker on this instance, and the memory queue");
        assertThat(messagesAt(java.util.logging.Level.INFO, leftHere)).anySatisfy(line -> assertThat(line)
                .startsWith("NVENT-0442 this instance takes queues {} (workers each) and leaves queues [greeting]"));
        assertThat(engineLogOfStart(Map.of("nvent.queue.greeting.concurrency", "1")))
                .as("a queue with workers here").extracting(java.util.logging.LogRecord::getMessage)
                .noneMatch(message -> message.startsWith("NVENT-0441") || message.startsWith("NVENT-0442"));
    }

    /** A stream adapter whose data source cannot be reached, as a wrong JNDI name gives. */
    public static class UnreachableStreamProducer {
        @jakarta.enterprise.inject.Produces
        @jakarta.enterprise.context.ApplicationScoped
        @io.nvent.spi.Adapter("unreachable")
        io.nvent.spi.EventStream stream() {
            throw new IllegalStateException("NVENT-0831 nvent.stream.postgres.datasource=java:app/jdbc/nope: cannot "
                    + "connect");
        }
    }

    /** A durable store named jpa, as nvent-jpa-store's would be, kept in memory for the test. */
    public static class JpaNamedStoreProducer {
        @jakarta.enterprise.inject.Produces
        @jakarta.enterprise.context.ApplicationScoped
        @io.nvent.spi.Adapter("jpa")
        io.nvent.spi.FlowStore store() {
            return new MemoryFlowStore();
        }
    }

    /** The scheduling store of the jpa-named store, whose read of the recorded queue pauses fails as the test says. */
    public static class PausesFailingStoreProducer {
        static volatile RuntimeException pausesFailure;

        @jakarta.enterprise.inject.Produces
        @jakarta.enterprise.context.ApplicationScoped
        @io.nvent.spi.Adapter("jpa")
        io.nvent.spi.SchedulingStore scheduling() {
            return new MemorySchedulingStore() {
                @Override
                public java.util.Set<String> pausedQueues() {
                    throw pausesFailure;
                }
            };
        }
    }

    /** A store failure that may pass, as the JPA store's NVENT-0325. */
    static final class StoreAway extends io.nvent.NventException {
        private static final long serialVersionUID = 1L;

        StoreAway() {
            super("NVENT-0325 store unavailable: connection refused");
        }

        @Override
        public boolean isRetryable() {
            return true;
        }
    }

    /** The engine with a store named jpa whose read of the recorded pauses fails with {@code failure}. */
    private static Weld engineWhosePausesCannotBeRead(RuntimeException failure) {
        PausesFailingStoreProducer.pausesFailure = failure;
        return engineWith(Hello.class, Reply.class, Audit.class, JpaNamedStoreProducer.class,
                PausesFailingStoreProducer.class);
    }

    @Test
    void recordedPausesThatCannotBeReadForAReasonThatWillNotPassFailTheDeploymentBeforeAnyWorkerStarts() {
        System.setProperty("nvent.store.adapter", "jpa");
        try {
            Weld missingTable = engineWhosePausesCannotBeRead(
                    new IllegalStateException("relation \"queue_pause\" does not exist"));
            assertThatThrownBy(missingTable::initialize)
                    .hasStackTraceContaining("NVENT-0534 could not apply the queue pauses recorded in the store at "
                            + "start, so no worker started")
                    .hasStackTraceContaining("relation \"queue_pause\" does not exist");
        } finally {
            System.clearProperty("nvent.store.adapter");
        }
    }

    @Test
    void recordedPausesThatCannotBeReadWhileTheStoreIsAwayAreLeftToTheSweepAndTheEngineStarts() {
        System.setProperty("nvent.store.adapter", "jpa");
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0514"));
             WeldContainer container = engineWhosePausesCannotBeRead(new StoreAway()).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("greeting", Map.of("name", "Ada"));

            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(log.records()).as("NVENT-0514 at start").isNotEmpty();
        } finally {
            System.clearProperty("nvent.store.adapter");
        }
    }

    @Test
    void theStartupLineSaysWhatTheMemoryQueueLosesWhenTheStoreIsDurable() {
        System.setProperty("nvent.store.adapter", "jpa");
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0118"));
             WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class, JpaNamedStoreProducer.class)
                     .initialize()) {
            assertThat(log.records()).singleElement()
                    .extracting(entry -> new java.util.logging.SimpleFormatter().formatMessage(entry))
                    .isEqualTo("NVENT-0118 adapters: store jpa, queue memory, stream memory (memory queue: the jobs "
                            + "it holds are lost on restart and are not enqueued with a transaction; the runs are kept "
                            + "by the jpa store)");
        } finally {
            System.clearProperty("nvent.store.adapter");
        }
    }

    /** A scheduling store of one's own under the jpa name, in a normal scope (so behind a client proxy). */
    public static class OwnStoreProducer {
        @jakarta.enterprise.inject.Produces
        @jakarta.enterprise.context.ApplicationScoped
        @io.nvent.spi.Adapter("jpa")
        io.nvent.spi.SchedulingStore scheduling() {
            return new StoreOfOnesOwn();
        }
    }

    @Test
    void aSchedulingStoreOfOnesOwnThatLeavesTheWritesUnderALeaseToTheDefaultsIsNamedAtStartBehindItsProxies() {
        System.setProperty("nvent.store.adapter", "jpa");
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0543"));
             WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class, JpaNamedStoreProducer.class,
                     OwnStoreProducer.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("greeting", Map.of("name", "Ada"));
            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);

            assertThat(log.records()).singleElement()
                    .extracting(entry -> new java.util.logging.SimpleFormatter().formatMessage(entry))
                    .asString().startsWith("NVENT-0543 scheduling store " + StoreOfOnesOwn.class.getName()
                            + " does not override appendEventsHolding, deleteStateHolding, finishStepHolding, "
                            + "putStateHolding, releaseLease(StepLease) of SchedulingStore");
        } finally {
            System.clearProperty("nvent.store.adapter");
        }
    }

    @Test
    void theMemorySchedulingStoreStartsWithoutTheWarningThatWritesUnderALeaseAreLeftToTheDefaults() {
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0543"));
             WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("greeting", Map.of("name", "Ada"));
            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);

            assertThat(log.records()).isEmpty();
        }
    }

    @Test
    void aClusterRateLimitOnTheMemoryStoreStartsWithAWarningThatItHoldsPerInstance() {
        System.setProperty("nvent.queue.limiter.max", "5");
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0516"));
             WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("greeting", Map.of("name", "Ada"));
            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(log.records()).as("the limit is kept, and the start says where").isNotEmpty()
                    .allSatisfy(entry -> assertThat(entry.getLevel()).isEqualTo(java.util.logging.Level.WARNING))
                    .extracting(entry -> new java.util.logging.SimpleFormatter().formatMessage(entry))
                    .allSatisfy(line -> assertThat(line).contains("has a rate limit for the cluster (5 starts per 1000 "
                            + "ms, limiter.scope=cluster), but the scheduling store in memory keeps it on this instance "
                            + "only: each instance starts up to 5 per 1000 ms"));
        } finally {
            System.clearProperty("nvent.queue.limiter.max");
        }
        System.setProperty("nvent.queue.limiter.max", "5");
        System.setProperty("nvent.queue.limiter.scope", "instance");
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0516"));
             WeldContainer container = engineWith(Hello.class, Reply.class, Audit.class).initialize()) {
            assertThat(log.records()).as("a limit meant per instance").isEmpty();
        } finally {
            System.clearProperty("nvent.queue.limiter.max");
            System.clearProperty("nvent.queue.limiter.scope");
        }
    }

    @Test
    void aStreamAdapterThatCannotStartFailsTheDeploymentNotEveryPublishLater() {
        System.setProperty("nvent.stream.adapter", "unreachable");
        try {
            Weld unreachable = engineWith(Hello.class, Reply.class, Audit.class, UnreachableStreamProducer.class);
            assertThatThrownBy(unreachable::initialize)
                    .hasStackTraceContaining("NVENT-0831 nvent.stream.postgres.datasource=java:app/jdbc/nope");
        } finally {
            System.clearProperty("nvent.stream.adapter");
        }
    }

    @Test
    void everyInvalidSettingOfTheEngineFailsTheDeploymentAtOnce() {
        Map<String, String> invalid = Map.of("nvent.queue.concurrency", "0", "nvent.stall.timeout-ms", "5",
                "nvent.triggers.history.max-entries", "0", "nvent.scheduler.poll-ms", "1",
                "nvent.triggers.misfire", "fire-each", "nvent.triggers.misfire-grace", "24h",
                "nvent.payload.max-bytes", "2048", "nvent.payload.max-run-emitted-bytes", "2047",
                "nvent.step.backoff-max-delay-ms", String.valueOf(Long.MAX_VALUE));
        invalid.forEach(System::setProperty);
        try {
            Weld misconfigured = engineWith(Hello.class, Reply.class, Audit.class);
            assertThatThrownBy(misconfigured::initialize).hasStackTraceContaining("NVENT-0191 8 settings are invalid")
                    .hasStackTraceContaining("nvent.step.backoff-max-delay-ms must be at most 3155760000000 ms (100 "
                            + "years, StartOptions.LONGEST_DELAY), was " + Long.MAX_VALUE + " ms")
                    .hasStackTraceContaining("nvent.queue.concurrency must be at least 1, was 0")
                    .hasStackTraceContaining("nvent.stall.timeout-ms must be at least 1000 ms, was 5 ms")
                    .hasStackTraceContaining("nvent.triggers.history.max-entries must be at least 1, was 0")
                    .hasStackTraceContaining("nvent.payload.max-run-emitted-bytes must be at least nvent.payload"
                            + ".max-bytes (2048), so that a run can keep one payload it accepts, was 2047")
                    .hasStackTraceContaining("nvent.scheduler.poll-ms must be at least 10, was 1")
                    .hasStackTraceContaining("nvent.triggers.misfire has value 'fire-each'; use fire-once")
                    .hasStackTraceContaining("nvent.triggers.misfire-grace has value '24h', which is not an ISO-8601"
                            + " duration");
        } finally {
            invalid.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    void theRetentionOfTheKeysOfEmitsAndPublishesIsLongerThanZeroAndAtMost100Years() {
        Map<String, String> refusals = Map.of("PT0S", "nvent.idempotency.request-key-retention must be longer than"
                + " zero, was 'PT0S' (an emit or publish without a key keeps none)", "P36526D", "NVENT-0251"
                + " configuration key nvent.idempotency.request-key-retention must be at most 36525 days");
        refusals.forEach((value, refusal) -> {
            System.setProperty("nvent.idempotency.request-key-retention", value);
            try {
                Weld misconfigured = engineWith(Hello.class, Reply.class, Audit.class);
                assertThatThrownBy(misconfigured::initialize).as(value).hasStackTraceContaining(refusal);
            } finally {
                System.clearProperty("nvent.idempotency.request-key-retention");
            }
        });
    }

    @Test
    void theRecoveryGraceOfDebounceSlotsIsLongerThanZeroAndAtMostADay() {
        Map<String, String> refusals = Map.of("PT0S", "NVENT-0001 configuration key nvent.triggers.debounce.recovery-grace"
                + " must be longer than zero, was 'PT0S'", "P2D", "NVENT-0001 configuration key"
                + " nvent.triggers.debounce.recovery-grace must be longer than zero and at most PT24H, was PT48H",
                "1m", "nvent.triggers.debounce.recovery-grace has value '1m', which is not an ISO-8601 duration");
        refusals.forEach((value, refusal) -> {
            System.setProperty("nvent.triggers.debounce.recovery-grace", value);
            try {
                Weld misconfigured = engineWith(Hello.class, Reply.class, Audit.class);
                assertThatThrownBy(misconfigured::initialize).as(value).hasStackTraceContaining(refusal);
            } finally {
                System.clearProperty("nvent.triggers.debounce.recovery-grace");
            }
        });
    }

    @Test
    void anAdapterNameThatNamesNoAdapterIsAnInvalidSettingReportedWithTheOthersBeforeTheEngineStarts() {
        Map<String, String> invalid = Map.of("nvent.store.adapter", "jpaa", "nvent.queue.adapter", "jsm",
                "nvent.queue.concurrency", "0");
        invalid.forEach(System::setProperty);
        try {
            Weld misconfigured = engineWith(Hello.class, Reply.class, Audit.class);
            assertThatThrownBy(misconfigured::initialize).hasStackTraceContaining("NVENT-0191 3 settings are invalid")
                    .hasStackTraceContaining("NVENT-0002 nvent.store.adapter=jpaa names no adapter; add the module "
                            + "providing it to the WAR (nvent-jpa-store for 'jpa'")
                    .hasStackTraceContaining("NVENT-0002 nvent.queue.adapter=jsm names no adapter")
                    .hasStackTraceContaining("or use 'memory'; deployed: memory")
                    .hasStackTraceContaining("nvent.queue.concurrency must be at least 1, was 0");
        } finally {
            invalid.keySet().forEach(System::clearProperty);
        }
    }

    @FlowStep(flow = "approval", name = "ask", role = StepRole.ENTRY)
    @io.nvent.AwaitAfter(type = io.nvent.AwaitType.WEBHOOK)
    public static class Ask implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "asked";
        }
    }

    /** Keeps the webhook URLs of the awaits registered, as an application mailing them would. */
    @ApplicationScoped
    public static class AwaitUrls {
        private final java.util.List<String> urls = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.List<String> tokens = new java.util.concurrent.CopyOnWriteArrayList<>();

        java.util.List<String> urls() {
            return urls;
        }

        java.util.List<String> tokens() {
            return tokens;
        }

        void registered(@jakarta.enterprise.event.Observes io.nvent.AwaitRegistered await) {
            await.webhookToken().ifPresent(tokens::add);
            await.webhookUrl().ifPresent(urls::add);
        }
    }

    /** Stands for the web layer, which serves the webhook endpoints. */
    @jakarta.enterprise.context.Dependent
    public static class ServedHere implements io.nvent.cdi.WebhookEndpoints {
    }

    @FlowStep(flow = "erp-import", name = "take", role = StepRole.ENTRY)
    @io.nvent.Trigger(name = "erp-hook", type = io.nvent.TriggerType.WEBHOOK)
    public static class TakeErpPush implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void withOnlyTheEngineAStartWhoseFlowsAwaitWebhooksSaysOnceHowToResolveThemAndTheTokenDoes() {
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> entry.getMessage().startsWith("NVENT-0192"));
             WeldContainer container = engineWith(Ask.class, AwaitUrls.class, TakeErpPush.class).initialize()) {
            assertThat(log.records()).singleElement().extracting(java.util.logging.LogRecord::getMessage).asString()
                    .startsWith("NVENT-0192 steps [approval/ask] await webhooks and webhook triggers [erp-hook] are "
                            + "declared, but this application serves no REST API of nvent (nvent-web is not deployed) "
                            + "and nvent.webhooks.base-url is not set")
                    .contains("Resolve the awaits with FlowService.resolveWebhook(AwaitRegistered.webhookToken(), "
                            + "body)");

            FlowService service = container.select(FlowService.class).get();
            AwaitUrls registered = container.select(AwaitUrls.class).get();
            String runId = service.start("approval", Map.of());
            await().until(() -> registered.urls().size() == 1);
            assertThat(registered.urls().get(0)).as("a URL that carries the token, though nothing serves it")
                    .isEqualTo("http://localhost:8080/api/nvent/awaits/" + registered.tokens().get(0));
            service.resolveWebhook(registered.tokens().get(0), "{\"approved\":true}");
            await().until(() -> service.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
        }
    }

    @Test
    void aStartWithTheWebLayerOrABaseUrlSaysNothingOfWebhooksLeadingNowhere() {
        try (io.nvent.testkit.LogRecorder log = io.nvent.testkit.LogRecorder.recording(
                entry -> entry.getMessage().startsWith("NVENT-0192"))) {
            try (WeldContainer withWebLayer = engineWith(Ask.class, AwaitUrls.class, ServedHere.class).initialize()) {
                assertThat(withWebLayer.isRunning()).isTrue();
            }
            System.setProperty("nvent.webhooks.base-url", "https://approvals.example.com");
            try (WeldContainer withBaseUrl = engineWith(Ask.class, AwaitUrls.class).initialize()) {
                assertThat(withBaseUrl.isRunning()).isTrue();
            } finally {
                System.clearProperty("nvent.webhooks.base-url");
            }
            assertThat(log.records()).isEmpty();
        }
    }

    @Test
    void webhookAwaitUrlsFollowTheAddressTheFirstRequestShowsOnceTheWebModuleTellsIt() {
        try (WeldContainer container = engineWith(Ask.class, AwaitUrls.class).initialize()) {
            FlowService service = container.select(FlowService.class).get();
            AwaitUrls registered = container.select(AwaitUrls.class).get();
            container.getBeanManager().getEvent().fire(new io.nvent.cdi.WebModuleStarted("/shop"));
            service.start("approval", Map.of());
            await().until(() -> registered.urls().size() == 1);

            container.getBeanManager().getEvent().fire(new io.nvent.cdi.WebModuleAddress("http://build-host:8181/shop"));
            container.getBeanManager().getEvent().fire(new io.nvent.cdi.WebModuleStarted("/shop"));
            service.start("approval", Map.of());
            await().until(() -> registered.urls().size() == 2);

            assertThat(registered.urls().get(0)).as("before any request").startsWith("http://localhost:8080/shop/api/nvent/awaits/");
            assertThat(registered.urls().get(1)).startsWith("http://build-host:8181/shop/api/nvent/awaits/");
        }
    }
}

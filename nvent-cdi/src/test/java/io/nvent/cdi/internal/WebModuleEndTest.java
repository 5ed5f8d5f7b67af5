package io.nvent.cdi.internal;

import io.nvent.FlowService;
import io.nvent.RunStatus;
import io.nvent.cdi.internal.engine.WebModuleEnd;
import io.nvent.testkit.LogRecorder;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.lang.reflect.Proxy;
import java.util.EventListener;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The engine stops as its web module ends, before the server takes away the application's resources
 * (on Payara the JMS connection pools of its {@code glassfish-resources.xml} go between the web module's
 * end and the end of its CDI context), and only once.
 */
class WebModuleEndTest {

    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();
    /** The web module as the server shows it to the initializer and the listeners it adds. */
    private final ServletContext webModule = (ServletContext) Proxy.newProxyInstance(
            WebModuleEndTest.class.getClassLoader(), new Class<?>[] {ServletContext.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "addListener" -> listeners.add((EventListener) args[0]) ? null : null;
                case "getContextPath" -> "/shop";
                default -> null;
            });

    @Test
    void theServerFindsTheInitializerThatWatchesTheWebModuleInTheEnginesJar() {
        assertThat(ServiceLoader.load(ServletContainerInitializer.class)).as("META-INF/services of nvent-cdi")
                .anyMatch(WebModuleEnd.class::isInstance);
    }

    @Test
    void theEndOfTheWebModuleStopsTheEngineBeforeItReturnsWhileTheApplicationStillRunsAndItsEndStopsItNoMore() {
        new WebModuleEnd().onStartup(Set.of(), webModule);
        try (LogRecorder stopped = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .startsWith("NVENT-0116"))) {
            WeldContainer application = CdiIntegrationTest.engineWith(CdiIntegrationTest.Hello.class,
                    CdiIntegrationTest.Reply.class, CdiIntegrationTest.Audit.class).initialize();
            try {
                FlowService flows = application.select(FlowService.class).get();
                String runId = flows.start("greeting", Map.of("name", "Ada"));
                await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);

                webModuleEnds();

                assertThat(stopped.records()).as("the engine stopped before the web module's end returned, while "
                        + "the application's beans and the server's resources were still there").hasSize(1);
                assertThat(application.isRunning()).isTrue();
                assertThatThrownBy(() -> flows.start("greeting", Map.of("name", "Bob")))
                        .hasMessageContaining("NVENT-0527");
            } finally {
                application.shutdown();
            }
            assertThat(stopped.records()).as("the end of the application's CDI context finds it stopped").hasSize(1);
        }
    }

    @Test
    void aStepOfTheStopThatFailsAsTheWebModuleEndsIsNoMissingContainerAndTheOtherStepsStillRun() {
        new WebModuleEnd().onStartup(Set.of(), webModule);
        System.setProperty("nvent.queue.adapter", "closing-fails");
        try (LogRecorder stopped = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .startsWith("NVENT-0116"));
             LogRecorder noCdi = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                     .contains("no CDI container"))) {
            WeldContainer application = CdiIntegrationTest.engineWith(CdiIntegrationTest.Hello.class,
                    CdiIntegrationTest.Reply.class, CdiIntegrationTest.Audit.class, ClosingFails.class).initialize();
            try {
                FlowService flows = application.select(FlowService.class).get();
                String runId = flows.start("greeting", Map.of("name", "Ada"));
                await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);

                assertThatThrownBy(this::webModuleEnds).as("handed to the server, which logs it")
                        .isInstanceOf(IllegalStateException.class).hasMessage(ClosingFails.FAILURE);

                assertThat(noCdi.records()).isEmpty();
                assertThat(stopped.records()).as("the steps after the failing one ran").hasSize(1);
            } finally {
                application.shutdown();
            }
            assertThat(stopped.records()).hasSize(1);
        } finally {
            System.clearProperty("nvent.queue.adapter");
        }
    }

    /** The memory queue, whose first close fails as a broker's connection might. */
    @jakarta.enterprise.context.ApplicationScoped
    @io.nvent.spi.Adapter("closing-fails")
    public static class ClosingFails extends io.nvent.cdi.internal.memory.MemoryJobQueue {
        static final String FAILURE = "the connection is already closed";
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        /** For CDI. */
        protected ClosingFails() {
        }

        @jakarta.inject.Inject
        public ClosingFails(java.time.Clock clock, @io.nvent.cdi.Worker java.util.concurrent.ThreadFactory threads) {
            super(clock, threads);
        }

        @Override
        public void close() {
            super.close();
            if (closed.compareAndSet(false, true)) {
                throw new IllegalStateException(FAILURE);
            }
        }
    }

    @Test
    void aWebModuleThatEndsWithoutACdiContainerEndsQuietlyLeavingTheStopToCdi() {
        new WebModuleEnd().onStartup(Set.of(), webModule);

        assertThatCode(this::webModuleEnds).doesNotThrowAnyException();
    }

    private void webModuleEnds() {
        assertThat(listeners).singleElement().isInstanceOf(ServletContextListener.class);
        ((ServletContextListener) listeners.get(0)).contextDestroyed(new ServletContextEvent(webModule));
    }
}

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
    void aWebModuleThatEndsWithoutACdiContainerEndsQuietlyLeavingTheStopToCdi() {
        new WebModuleEnd().onStartup(Set.of(), webModule);

        assertThatCode(this::webModuleEnds).doesNotThrowAnyException();
    }

    private void webModuleEnds() {
        assertThat(listeners).singleElement().isInstanceOf(ServletContextListener.class);
        ((ServletContextListener) listeners.get(0)).contextDestroyed(new ServletContextEvent(webModule));
    }
}

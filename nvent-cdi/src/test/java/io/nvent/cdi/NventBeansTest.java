package io.nvent.cdi;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A container booted with what {@link NventBeans} names has every bean a deployment has. */
class NventBeansTest {

    @FlowStep(flow = "maintenance", name = "pause", role = StepRole.ENTRY)
    public static class Pause implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "paused";
        }
    }

    /** A bean of the application that uses nvent's public beans, as a deployment's beans may. */
    @ApplicationScoped
    public static class Operations {
        @Inject
        QueueControls queues;
        @Inject
        PrometheusMetrics metrics;

        void pause(String queue) {
            queues.pause(queue);
        }

        String metrics() {
            return metrics.scrape();
        }
    }

    @Test
    void aBeanOfYoursInjectsThePublicBeansOfTheEngine() {
        try (WeldContainer container = new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(Pause.class, Operations.class)
                .initialize()) {
            Operations operations = container.select(Operations.class).get();

            operations.pause("maintenance");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(operations.metrics())
                    .contains("nvent_queue_paused{queue=\"maintenance\"} 1"));
        }
    }

    @Test
    void everyBeanClassOfTheEngineIsNamed() throws IOException, URISyntaxException {
        Path classes = Path.of(NventBeans.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> beans;
        try (Stream<Path> files = Files.walk(classes)) {
            beans = files.map(file -> classes.relativize(file).toString()).filter(name -> name.endsWith(".class"))
                    .<Class<?>>map(name -> load(name.substring(0, name.length() - ".class".length()).replace('/', '.')))
                    .filter(type -> type.isAnnotationPresent(ApplicationScoped.class)
                            || type.isAnnotationPresent(RequestScoped.class) || type.isAnnotationPresent(Dependent.class))
                    // QueueControls' view inherits its scope, and is no bean
                    .filter(type -> !type.isAnnotationPresent(jakarta.enterprise.inject.Vetoed.class))
                    .toList();
        }

        assertThat(beans).as("the CDI beans in nvent-cdi").hasSizeGreaterThan(5).containsExactlyInAnyOrder(
                NventBeans.inMemoryEngine());
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, NventBeans.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The bench and embedded users may have no {@code jakarta.validation} at all: the engine loads none of it then. Its
 * classes run in a class loader that hides the package, as a class path without it would.
 */
class EngineWithoutBeanValidationTest {

    @Test
    void anEmbeddedEngineWithoutJakartaValidationOnItsClassPathRunsARecordInputAndLoadsNoneOfIt() throws Exception {
        HidingLoader loader = new HidingLoader(getClass().getClassLoader());

        Object status = loader.loadClass(Driver.class.getName()).getMethod("run").invoke(null);

        assertThat(status).isEqualTo(RunStatus.COMPLETED);
        assertThat(loader.defined).as("the engine ran on the hiding loader's classes")
                .contains(EmbeddedEngine.class.getName(), "io.nvent.cdi.internal.engine.FlowEngine",
                        "io.nvent.cdi.internal.engine.StepRunner", "io.nvent.cdi.internal.engine.InputConstraints")
                .doesNotContain("io.nvent.cdi.internal.engine.BeanValidationConstraints");
        assertThat(loader.refused).as("only the probe for the API, no class that needs it")
                .containsExactly("jakarta.validation.Validator");
    }

    /** Runs in the hiding loader: an embedded engine starting a run with a record input. */
    public static final class Driver {
        public record Parcel(String id, int weight) {
        }

        @FlowStep(flow = "weigh", name = "weigh", role = StepRole.ENTRY)
        public static final class Weigh implements Step<Parcel, Integer> {
            @Override
            public Integer execute(Parcel parcel, StepContext ctx) {
                return parcel.weight();
            }
        }

        public static RunStatus run() {
            try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Weigh()).build()) {
                String runId = engine.flows().start("weigh", Map.of("id", "P-1", "weight", 3));
                await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                        .isTerminal());
                return engine.flows().run(runId).orElseThrow().status();
            }
        }
    }

    /** Defines nvent-cdi's classes itself and refuses {@code jakarta.validation}; the rest comes from its parent. */
    private static final class HidingLoader extends ClassLoader {
        final Set<String> defined = ConcurrentHashMap.newKeySet();
        final Set<String> refused = ConcurrentHashMap.newKeySet();

        HidingLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("jakarta.validation.")) {
                refused.add(name);
                throw new ClassNotFoundException(name);
            }
            if (!name.startsWith("io.nvent.cdi.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    if (in == null) {
                        throw new ClassNotFoundException(name);
                    }
                    byte[] bytes = in.readAllBytes();
                    defined.add(name);
                    return defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }
}

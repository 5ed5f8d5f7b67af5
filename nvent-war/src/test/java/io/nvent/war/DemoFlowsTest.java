package io.nvent.war;

import io.nvent.FlowStep;
import io.nvent.cdi.FlowValidation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's flows pass the checks a deployment makes, without starting a server. */
class DemoFlowsTest {

    @Test
    void theDemoFlowsDeployWithoutAProblem() throws IOException {
        Path classes = Path.of("target/classes");
        List<Class<?>> steps;
        try (Stream<Path> files = Files.walk(classes.resolve("io/nvent/demo"))) {
            steps = files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .map(DemoFlowsTest::load)
                    .filter(c -> c.getAnnotationsByType(FlowStep.class).length > 0)
                    .toList();
        }

        assertThat(steps).as("demo steps").hasSizeGreaterThan(5);
        FlowValidation.validate(steps);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, DemoFlowsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}

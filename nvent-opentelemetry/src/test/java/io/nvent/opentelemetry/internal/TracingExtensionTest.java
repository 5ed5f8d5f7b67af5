package io.nvent.opentelemetry.internal;

import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A WAR with the module but without {@code opentelemetry-api} (a server whose MicroProfile Telemetry is off) fails
 * its deployment saying so, rather than with a class not found while the container reads the module's bean.
 */
class TracingExtensionTest {

    /** Sees the JDK's classes only: a deployment without the OpenTelemetry API. */
    private static final ClassLoader WITHOUT_API = new ClassLoader(null) {
    };

    @Test
    void aDeploymentWithoutTheOpenTelemetryApiFailsNamingWhatIsMissingAndWhereToGetIt() {
        assertThatThrownBy(() -> TracingExtension.requireApi(WITHOUT_API)).isInstanceOf(DeploymentException.class)
                .hasMessageStartingWith("NVENT-1000 ")
                .hasMessageContaining("io.opentelemetry:opentelemetry-api")
                .hasMessageContaining("MicroProfile Telemetry");
    }

    @Test
    void aDeploymentWithTheApiPasses() {
        assertThatCode(() -> TracingExtension.requireApi(TracingExtensionTest.class.getClassLoader()))
                .doesNotThrowAnyException();
    }

    @Test
    void theContainerFindsTheCheckAsAnExtension() {
        assertThat(ServiceLoader.load(Extension.class)).anyMatch(TracingExtension.class::isInstance);
    }
}

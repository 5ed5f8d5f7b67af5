package io.nvent.opentelemetry.internal;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;

/**
 * Checks, before the container reads the module's beans, that the OpenTelemetry API the module is compiled against
 * ({@code provided}) is there: without it the container would meet a missing class in {@link TracingBean}, or skip
 * the bean and trace nothing, neither saying why. Names no OpenTelemetry type itself, so that it loads without them.
 */
public class TracingExtension implements Extension {

    /** A class of {@code io.opentelemetry:opentelemetry-api}. */
    private static final String API_CLASS = "io.opentelemetry.api.OpenTelemetry";

    void requireApi(@Observes BeforeBeanDiscovery discovery) {
        requireApi(TracingExtension.class.getClassLoader());
    }

    /** Fails the deployment if {@code loader} cannot load the OpenTelemetry API. */
    static void requireApi(ClassLoader loader) {
        try {
            Class.forName(API_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError missing) {
            throw new DeploymentException("NVENT-1000 nvent-opentelemetry is deployed but the OpenTelemetry API"
                    + " (io.opentelemetry:opentelemetry-api, class " + API_CLASS + ") is not visible to it: switch on"
                    + " the server's MicroProfile Telemetry (Payara 6, WildFly 28 and later), or add opentelemetry-api"
                    + " and an SDK to the WAR, or remove nvent-opentelemetry from it", missing);
        }
    }
}

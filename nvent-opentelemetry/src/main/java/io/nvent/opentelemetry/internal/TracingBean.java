package io.nvent.opentelemetry.internal;

import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * The tracer of attempts the engine finds in a container: the server's {@code OpenTelemetry} bean if it has one
 * (MicroProfile Telemetry: Payara 6, WildFly 28 and later), else {@link GlobalOpenTelemetry}. Looked up on first
 * use, when the server's telemetry is set up.
 */
@ApplicationScoped
public class TracingBean implements AttemptInterceptor {

    @Inject
    Instance<OpenTelemetry> openTelemetryBeans;

    private volatile StepTracer tracer;

    @Override
    public Map<String, String> capture(StepHandOn handOn) {
        return tracer().capture(handOn);
    }

    @Override
    public Map<String, String> captureLinked(StepHandOn handOn, Map<String, String> producer) {
        return tracer().captureLinked(handOn, producer);
    }

    @Override
    public Map<String, String> captureRecovered(StepHandOn handOn) {
        return tracer().captureRecovered(handOn);
    }

    @Override
    public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
        return tracer().open(attempt, carried);
    }

    private StepTracer tracer() {
        StepTracer current = tracer;
        if (current == null) {
            current = new StepTracer(openTelemetryBeans.isResolvable() ? openTelemetryBeans.get()
                    : GlobalOpenTelemetry.get());
            tracer = current;
        }
        return current;
    }
}

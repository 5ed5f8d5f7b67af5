package io.nvent.opentelemetry;

import io.nvent.opentelemetry.internal.StepTracer;
import io.nvent.spi.AttemptInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;

/**
 * Traces the attempts of steps with OpenTelemetry: each attempt is a span {@code nvent.step <flow>/<step>} in the
 * trace that was current where its run was started, across queues and instances; a run started by a step nests
 * under that step's span. The trace context travels as W3C {@code traceparent}/{@code tracestate} fields in each
 * step's job.
 *
 * <p>In a container, adding this module to the WAR is all it takes: its CDI bean uses the server's
 * {@code OpenTelemetry} (MicroProfile Telemetry) if there is one as a bean, else {@code GlobalOpenTelemetry}.
 * Outside one, give {@link #interceptor(OpenTelemetry)} to {@code EmbeddedEngine.Builder.interceptor(...)}.
 *
 * @since 0.2
 */
public final class OpenTelemetryTracing {

    /** The instrumentation scope of the spans. */
    public static final String INSTRUMENTATION_SCOPE = "io.nvent";
    /** Attribute: the run's id. */
    public static final String RUN_ID = "nvent.run_id";
    /** Attribute: the run's flow. */
    public static final String FLOW = "nvent.flow";
    /** Attribute: the step. */
    public static final String STEP = "nvent.step";
    /** Attribute: the attempt's number, from 1. */
    public static final String ATTEMPT = "nvent.attempt";
    /** Attribute: the step's queue. */
    public static final String QUEUE = "nvent.queue";
    /** Attribute: the instance that ran the attempt ({@code nvent.instance-id}). */
    public static final String INSTANCE_ID = "nvent.instance_id";
    /** Attribute: the run that started this run as its child, when it has one. */
    public static final String PARENT_RUN_ID = "nvent.parent_run_id";
    /**
     * Attribute, {@code true} on the root span {@code nvent.resume <flow>} of a step the maintenance sweep queued again
     * whose earlier job, and the trace it carried, was gone.
     */
    public static final String RECOVERED = "nvent.recovered";

    private OpenTelemetryTracing() {
    }

    /**
     * An interceptor that traces the attempts with {@code openTelemetry}'s tracer.
     *
     * @param openTelemetry where the spans go
     * @return the interceptor, for {@code EmbeddedEngine.Builder.interceptor(...)}
     */
    public static AttemptInterceptor interceptor(OpenTelemetry openTelemetry) {
        return new StepTracer(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }
}

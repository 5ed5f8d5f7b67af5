package io.nvent.opentelemetry.internal;

import io.nvent.opentelemetry.OpenTelemetryTracing;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.HashMap;
import java.util.Map;

/**
 * The spans of steps' attempts. A span is of kind {@link SpanKind#CONSUMER}: the attempt processes a job that
 * came through a queue, maybe on another instance and later, handed on by the code that started the run (the
 * producer side of the hand-off), as OpenTelemetry's messaging conventions model it; its parent is the context
 * captured there, so a trace backend draws the hop from the service that started the run to the workers.
 */
public final class StepTracer implements AttemptInterceptor {

    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey(OpenTelemetryTracing.RUN_ID);
    private static final AttributeKey<String> FLOW = AttributeKey.stringKey(OpenTelemetryTracing.FLOW);
    private static final AttributeKey<String> STEP = AttributeKey.stringKey(OpenTelemetryTracing.STEP);
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey(OpenTelemetryTracing.ATTEMPT);
    private static final AttributeKey<String> QUEUE = AttributeKey.stringKey(OpenTelemetryTracing.QUEUE);
    private static final AttributeKey<String> INSTANCE_ID = AttributeKey.stringKey(OpenTelemetryTracing.INSTANCE_ID);
    private static final AttributeKey<String> PARENT_RUN_ID =
            AttributeKey.stringKey(OpenTelemetryTracing.PARENT_RUN_ID);
    /** The job's queue, as the messaging conventions name it: a step's job is a message of nvent's queue. */
    private static final AttributeKey<String> MESSAGING_DESTINATION =
            AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> MESSAGING_OPERATION = AttributeKey.stringKey("messaging.operation.type");

    private static final TextMapGetter<Map<String, String>> FROM_MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;

    /**
     * A tracer of attempts.
     *
     * @param openTelemetry where the spans go
     */
    public StepTracer(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(OpenTelemetryTracing.INSTRUMENTATION_SCOPE);
    }

    @Override
    public Map<String, String> capture(StepHandOn handOn) {
        Context current = Context.current();
        if (!Span.fromContext(current).getSpanContext().isValid()) {
            current = handOnSpan(handOn);
            if (!Span.fromContext(current).getSpanContext().isValid()) {
                return Map.of();   // a no-op OpenTelemetry: nothing to carry
            }
        }
        Map<String, String> fields = new HashMap<>(4);
        W3C.inject(current, fields, Map::put);
        return fields;
    }

    /**
     * A root span for a step handed on where no span is current (a cron, interval or event trigger's run, a step
     * after a timer): ended at once, it is the parent its run's steps carry from one to the next, so that the run is
     * one trace rather than a trace per attempt. Of kind {@link SpanKind#PRODUCER}: it hands the job on.
     */
    private Context handOnSpan(StepHandOn handOn) {
        Span span = tracer.spanBuilder((handOn.runStart() ? "nvent.start " : "nvent.resume ") + handOn.flow())
                .setNoParent().setSpanKind(SpanKind.PRODUCER)
                .setAttribute(RUN_ID, handOn.runId()).setAttribute(FLOW, handOn.flow())
                .setAttribute(STEP, handOn.step()).setAttribute(MESSAGING_SYSTEM, "nvent")
                .setAttribute(MESSAGING_OPERATION, "create").startSpan();
        span.end();
        return Context.root().with(span);
    }

    @Override
    public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
        // From the root, not the worker's context: the attempt belongs to the trace its run was handed on in.
        Context parent = carried.isEmpty() ? Context.root() : W3C.extract(Context.root(), carried, FROM_MAP);
        SpanBuilder builder = tracer.spanBuilder("nvent.step " + attempt.flow() + "/" + attempt.step())
                .setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(RUN_ID, attempt.runId()).setAttribute(FLOW, attempt.flow())
                .setAttribute(STEP, attempt.step()).setAttribute(ATTEMPT, (long) attempt.attempt())
                .setAttribute(QUEUE, attempt.queue()).setAttribute(INSTANCE_ID, attempt.instanceId())
                .setAttribute(MESSAGING_SYSTEM, "nvent").setAttribute(MESSAGING_DESTINATION, attempt.queue())
                .setAttribute(MESSAGING_OPERATION, "process");
        attempt.parentRunId().ifPresent(parentRun -> builder.setAttribute(PARENT_RUN_ID, parentRun));
        Span span = builder.startSpan();
        return new SpanScope(span, span.makeCurrent());
    }

    /** An attempt's span, current on its worker until the attempt ends. */
    private record SpanScope(Span span, Scope current) implements AttemptScope {

        @Override
        public void failed(Throwable failure) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, failure.toString());
        }

        @Override
        public void close() {
            try {
                current.close();
            } finally {
                span.end();
            }
        }
    }
}

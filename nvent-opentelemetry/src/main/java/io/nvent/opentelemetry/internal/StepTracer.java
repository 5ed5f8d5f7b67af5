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
import io.opentelemetry.api.trace.SpanContext;
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
import java.util.function.Consumer;

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
    private static final AttributeKey<Boolean> RECOVERED = AttributeKey.booleanKey(OpenTelemetryTracing.RECOVERED);
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

    /** The field of an attempt's ending history entry's {@code "trace"} that names its trace. */
    static final String TRACE_ID = "traceId";
    /** The field of an attempt's ending history entry's {@code "trace"} that names its span. */
    static final String SPAN_ID = "spanId";

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
        return captureOr(handOn, builder -> { });
    }

    /**
     * A root span of its own for the run, linked to the span of the step whose event started or resumed it: one trace
     * per run, however many runs one event starts, each found from the producer's span by its link. Also where a span
     * is current: an after-await's held events released by a traced request that resolved it (a webhook, a REST call)
     * were emitted by the step's attempt, not by the request.
     */
    @Override
    public Map<String, String> captureLinked(StepHandOn handOn, Map<String, String> producer) {
        SpanContext emitter = Span.fromContext(W3C.extract(Context.root(), producer, FROM_MAP)).getSpanContext();
        if (!emitter.isValid()) {
            return capture(handOn);
        }
        return carried(handOnSpan(handOn, builder -> builder.addLink(emitter)));
    }

    /** A root span marked {@code nvent.recovered=true}: the context the step's lost job carried is gone with it. */
    @Override
    public Map<String, String> captureRecovered(StepHandOn handOn) {
        return captureOr(handOn, builder -> builder.setAttribute(RECOVERED, true));
    }

    /** The current context, else a root span for the hand-on, made by {@link #handOnSpan} with {@code more}. */
    private Map<String, String> captureOr(StepHandOn handOn, Consumer<SpanBuilder> more) {
        Context current = Context.current();
        if (!Span.fromContext(current).getSpanContext().isValid()) {
            current = handOnSpan(handOn, more);
        }
        return carried(current);
    }

    /** The W3C fields of {@code context}; empty if it has no span (a no-op OpenTelemetry: nothing to carry). */
    private static Map<String, String> carried(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return Map.of();
        }
        Map<String, String> fields = new HashMap<>(4);
        W3C.inject(context, fields, Map::put);
        return fields;
    }

    /**
     * A root span for a step handed on where no span is current (a cron, interval or event trigger's run, a step
     * after a timer): ended at once, it is the parent its run's steps carry from one to the next, so that the run is
     * one trace rather than a trace per attempt. Of kind {@link SpanKind#PRODUCER}: it hands the job on.
     */
    private Context handOnSpan(StepHandOn handOn, Consumer<SpanBuilder> more) {
        SpanBuilder builder = tracer.spanBuilder((handOn.runStart() ? "nvent.start " : "nvent.resume ")
                        + handOn.flow())
                .setNoParent().setSpanKind(SpanKind.PRODUCER)
                .setAttribute(RUN_ID, handOn.runId()).setAttribute(FLOW, handOn.flow())
                .setAttribute(STEP, handOn.step()).setAttribute(MESSAGING_SYSTEM, "nvent")
                .setAttribute(MESSAGING_OPERATION, "create");
        more.accept(builder);
        Span span = builder.startSpan();
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

        /**
         * The span's {@code traceId} and {@code spanId}, for the entry that ends the attempt; none for a span that is
         * not recorded and sampled (no SDK, or its sampler dropped it): no backend would have it.
         */
        @Override
        public Map<String, String> trace() {
            SpanContext context = span.getSpanContext();
            if (!span.isRecording() || !context.isSampled()) {
                return Map.of();
            }
            return Map.of(TRACE_ID, context.getTraceId(), SPAN_ID, context.getSpanId());
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

package io.nvent.war.userapp;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Map;

/**
 * A flow of two steps that report the span each attempt of theirs ran in, so that a test can see
 * that the server's OpenTelemetry traced them and that the second step's job carried the trace.
 */
public final class TracedSteps {

    private TracedSteps() {
    }

    /** The span current in a step's code, as {@code <trace id>/<span id>}. */
    static String currentSpan() {
        SpanContext span = Span.current().getSpanContext();
        return span.getTraceId() + "/" + span.getSpanId();
    }

    /** The entry step: runs where the run was started, then hands on through the queue. */
    @FlowStep(flow = "traced", name = "first", role = StepRole.ENTRY, emits = "first.done")
    public static class First implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("first.done", Map.of());
            return currentSpan();
        }
    }

    /** The second step: runs from its own job, on whichever worker takes it. */
    @FlowStep(flow = "traced", name = "second", subscribes = "first.done")
    public static class Second implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return currentSpan();
        }
    }
}

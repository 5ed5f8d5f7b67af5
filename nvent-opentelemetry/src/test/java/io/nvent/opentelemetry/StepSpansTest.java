package io.nvent.opentelemetry;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.NventBeans;
import io.nvent.opentelemetry.internal.TracingBean;
import io.nvent.testkit.TracedFlows;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The module's bean in a container with an {@code OpenTelemetry} bean (as MicroProfile Telemetry gives one): a run
 * started in a request's span is one trace, each attempt of its steps a span under the request's, a child run's
 * steps under the span of the step that started it, and a failed attempt's span an error with its exception.
 */
class StepSpansTest {

    static final InMemorySpanExporter EXPORTED = InMemorySpanExporter.create();
    static final OpenTelemetrySdk SDK = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build()).build();

    @BeforeEach
    void reset() {
        EXPORTED.reset();
        TracedFlows.reset();
        TracedFlows.shipCall = () -> SDK.getTracer("carrier-client").spanBuilder("POST /labels").startSpan().end();
    }

    /** The server's telemetry, as MicroProfile Telemetry produces it. */
    @ApplicationScoped
    public static class Telemetry {
        @Produces
        OpenTelemetry openTelemetry() {
            return SDK;
        }
    }

    /** A nightly run's first step, whose emit a timer releases: no span is current where its two next steps go on. */
    @FlowStep(flow = "nightly", name = "begin", role = StepRole.ENTRY, emits = "ready")
    @AwaitAfter(type = AwaitType.TIME, delayMs = 50)
    public static class Begin implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("ready", input);
            return null;
        }
    }

    /** One of the two steps the timer's release hands on together. */
    @FlowStep(flow = "nightly", name = "left", subscribes = "ready")
    public static class Left implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** The other one. */
    @FlowStep(flow = "nightly", name = "right", subscribes = "ready")
    public static class Right implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private static WeldContainer container() {
        return new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine())
                .addBeanClasses(TracingBean.class, Telemetry.class, TracedFlows.Take.class,
                        TracedFlows.Pack.class, TracedFlows.Ship.class, TracedFlows.Label.class, Begin.class,
                        Left.class, Right.class)
                .initialize();
    }

    private static void awaitCompleted(FlowService flows, String runId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(runId).map(RunInfo::status)
                .filter(RunStatus.COMPLETED::equals).isPresent());
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream().filter(span -> span.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aRunStartedInARequestIsOneTraceWithEachAttemptASpanAndItsChildsStepsUnderTheStepThatStartedIt() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            Span request = SDK.getTracer("test").spanBuilder("POST /orders").setSpanKind(SpanKind.SERVER).startSpan();
            String runId;
            try (Scope ignored = request.makeCurrent()) {
                runId = flows.start("order", Map.of("n", 1));
            } finally {
                request.end();
            }
            awaitCompleted(flows, runId);
            await().until(() -> flows.runs(RunQuery.ofFlow("shipment")).size() == 1);
            String child = flows.runs(RunQuery.ofFlow("shipment")).get(0).runId();
            awaitCompleted(flows, child);
            await().until(() -> EXPORTED.getFinishedSpanItems().size() == 7);

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            assertThat(spans).extracting(SpanData::getTraceId).containsOnly(request.getSpanContext().getTraceId());
            List<SpanData> steps = spans.stream().filter(span -> span.getName().startsWith("nvent.step order/"))
                    .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
            assertThat(steps).extracting(SpanData::getName).containsExactly("nvent.step order/take",
                    "nvent.step order/pack", "nvent.step order/pack", "nvent.step order/ship");
            assertThat(steps).allSatisfy(step -> {
                assertThat(step.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
                assertThat(step.getKind()).isEqualTo(SpanKind.CONSUMER);
                assertThat(step.getAttributes().get(AttributeKey.stringKey("nvent.run_id"))).isEqualTo(runId);
                assertThat(step.getAttributes().get(AttributeKey.stringKey("nvent.flow"))).isEqualTo("order");
                assertThat(step.getAttributes().get(AttributeKey.stringKey("nvent.queue"))).isEqualTo("order");
                assertThat(step.getAttributes().get(AttributeKey.stringKey("nvent.instance_id"))).isNotBlank();
            });
            assertThat(steps).extracting(step -> step.getAttributes().get(AttributeKey.stringKey("nvent.step")) + "#"
                    + step.getAttributes().get(AttributeKey.longKey("nvent.attempt")))
                    .containsExactly("take#1", "pack#1", "pack#2", "ship#1");

            SpanData failed = steps.get(1);
            assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(failed.getEvents()).singleElement().satisfies(event -> {
                assertThat(event.getName()).isEqualTo("exception");
                assertThat(event.getAttributes().get(AttributeKey.stringKey("exception.message")))
                        .isEqualTo(TracedFlows.PACK_ERROR);
            });
            assertThat(steps.get(2).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

            SpanData ship = steps.get(3);
            assertThat(named(spans, "POST /labels").getParentSpanId()).as("the step's own call nests under it")
                    .isEqualTo(ship.getSpanId());
            SpanData label = named(spans, "nvent.step shipment/label");
            assertThat(label.getParentSpanId()).isEqualTo(ship.getSpanId());
            assertThat(label.getAttributes().get(AttributeKey.stringKey("nvent.parent_run_id"))).isEqualTo(runId);
        }
    }

    @Test
    void aRunStartedOutsideAnySpanIsOneTraceUnderAStartSpanOfItsOwn() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            TracedFlows.PACK_CALLS.set(1);
            String runId = flows.start("order", Map.of("n", 2));
            awaitCompleted(flows, runId);
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step shipment/label")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData start = named(spans, "nvent.start order");
            assertThat(start.getParentSpanId()).isEqualTo(SpanId.getInvalid());
            assertThat(start.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(start.getAttributes().get(AttributeKey.stringKey("nvent.run_id"))).isEqualTo(runId);
            assertThat(spans).extracting(SpanData::getTraceId).as("a cron or event trigger's run in one trace")
                    .containsOnly(start.getTraceId());
            List<SpanData> steps = spans.stream().filter(span -> span.getName().startsWith("nvent.step order/"))
                    .toList();
            assertThat(steps).hasSize(3).extracting(SpanData::getParentSpanId).containsOnly(start.getSpanId());
            assertThat(named(spans, "nvent.step shipment/label").getParentSpanId())
                    .isEqualTo(named(spans, "nvent.step order/ship").getSpanId());
        }
    }

    @Test
    void theStepsATimerHandsOnTogetherGoOnInOneTrace() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("nightly", Map.of());
            awaitCompleted(flows, runId);
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .filter(span -> span.getName().startsWith("nvent.step nightly/")).count() == 3);

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData left = named(spans, "nvent.step nightly/left");
            SpanData right = named(spans, "nvent.step nightly/right");
            assertThat(right.getTraceId()).as("one fan-out of the run, one trace").isEqualTo(left.getTraceId());
            assertThat(right.getParentSpanId()).isEqualTo(left.getParentSpanId());
            assertThat(spans).filteredOn(span -> span.getName().equals("nvent.resume nightly")).singleElement()
                    .satisfies(resume -> assertThat(resume.getSpanId()).isEqualTo(left.getParentSpanId()));
        }
    }
}

package io.nvent.opentelemetry;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.NventBeans;
import io.nvent.opentelemetry.internal.TracingBean;
import io.nvent.testkit.TracedFlows;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The history entry that ends each attempt ({@code step.completed}, {@code step.retry}, {@code step.failed}) names the
 * attempt's span, {@code "trace":{"traceId":…,"spanId":…}}, so that an operator goes from the console to the trace;
 * with no span recorded (no SDK, or a sampler that drops it) the entry carries no such field.
 */
class AttemptTraceEntriesTest {

    static final InMemorySpanExporter EXPORTED = InMemorySpanExporter.create();
    static final OpenTelemetrySdk SDK = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build()).build();
    static final OpenTelemetrySdk DROPPING = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .setSampler(Sampler.alwaysOff()).addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build()).build();
    /** The telemetry the container's bean produces, per test. */
    static volatile OpenTelemetry telemetry = SDK;

    private static final Set<EventType> ENDS = Set.of(EventType.STEP_COMPLETED, EventType.STEP_RETRY,
            EventType.STEP_FAILED);

    @BeforeEach
    void reset() {
        EXPORTED.reset();
        TracedFlows.reset();
        telemetry = SDK;
    }

    /** The server's telemetry, as MicroProfile Telemetry produces it. */
    @ApplicationScoped
    public static class Telemetry {
        @Produces
        OpenTelemetry openTelemetry() {
            return telemetry;
        }
    }

    /** A step that fails for good at its only attempt. */
    @FlowStep(flow = "doomed", name = "refuse", role = StepRole.ENTRY, maxAttempts = 1)
    public static class Refuse implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            throw new IllegalStateException("no stock");
        }
    }

    /** Works until its run is canceled, then stops. */
    @FlowStep(flow = "export", name = "upload", role = StepRole.ENTRY)
    public static class Upload implements Step<Map<String, Object>, Void> {
        static final CountDownLatch RUNNING = new CountDownLatch(1);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            RUNNING.countDown();
            await().atMost(Duration.ofSeconds(30)).until(ctx::isCancelRequested);
            throw new IllegalStateException("stopped: the run was canceled");
        }
    }

    private static WeldContainer container(Class<?>... tracing) {
        return new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(tracing)
                .addBeanClasses(TracedFlows.Take.class, TracedFlows.Pack.class, TracedFlows.Ship.class,
                        TracedFlows.Label.class, Refuse.class, Upload.class)
                .initialize();
    }

    private static void awaitStatus(FlowService flows, String runId, RunStatus status) {
        await().atMost(Duration.ofSeconds(30)).until(() -> flows.run(runId).map(RunInfo::status)
                .filter(status::equals).isPresent());
    }

    private static List<HistoryEvent> attemptEnds(FlowService flows, String runId) {
        return flows.events(runId, EventQuery.all()).stream().filter(entry -> ENDS.contains(entry.type())).toList();
    }

    private static JsonObject data(HistoryEvent entry) {
        return Json.createReader(new StringReader(entry.data())).readObject();
    }

    private static SpanData spanOf(String runId, String step, long attempt) {
        return EXPORTED.getFinishedSpanItems().stream()
                .filter(span -> runId.equals(span.getAttributes().get(AttributeKey.stringKey("nvent.run_id"))))
                .filter(span -> step.equals(span.getAttributes().get(AttributeKey.stringKey("nvent.step"))))
                .filter(span -> Long.valueOf(attempt).equals(span.getAttributes().get(AttributeKey.longKey(
                        "nvent.attempt"))))
                .findFirst().orElseThrow();
    }

    @Test
    void eachAttemptsCompletionOrRetryNamesTheSpanItWasTracedAs() {
        try (WeldContainer container = container(TracingBean.class, Telemetry.class)) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("order", Map.of("n", 1));
            awaitStatus(flows, runId, RunStatus.COMPLETED);
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .filter(span -> span.getName().startsWith("nvent.step order/")).count() == 4);

            List<HistoryEvent> ends = attemptEnds(flows, runId);
            assertThat(ends).extracting(entry -> entry.type() + " " + entry.step().orElseThrow() + "#" + entry.attempt())
                    .containsExactly("STEP_COMPLETED take#1", "STEP_RETRY pack#1", "STEP_COMPLETED pack#2",
                            "STEP_COMPLETED ship#1");
            assertThat(ends).allSatisfy(entry -> {
                SpanData span = spanOf(runId, entry.step().orElseThrow(), entry.attempt());
                JsonObject trace = data(entry).getJsonObject("trace");
                assertThat(trace.getString("traceId")).isEqualTo(span.getTraceId());
                assertThat(trace.getString("spanId")).isEqualTo(span.getSpanId());
            });
        }
    }

    @Test
    void aFinalFailureNamesTheSpanOfTheAttemptThatFailed() {
        try (WeldContainer container = container(TracingBean.class, Telemetry.class)) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("doomed", Map.of());
            awaitStatus(flows, runId, RunStatus.FAILED);

            HistoryEvent failed = attemptEnds(flows, runId).stream()
                    .filter(entry -> entry.type() == EventType.STEP_FAILED).findFirst().orElseThrow();
            SpanData span = spanOf(runId, "refuse", 1);
            assertThat(data(failed).getJsonObject("trace")).isEqualTo(Json.createObjectBuilder()
                    .add("traceId", span.getTraceId()).add("spanId", span.getSpanId()).build());
        }
    }

    @Test
    void theCanceledEntryOfAnAttemptThatRanAsItsRunWasCanceledNamesItsSpan() throws InterruptedException {
        try (WeldContainer container = container(TracingBean.class, Telemetry.class)) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("export", Map.of());
            assertThat(Upload.RUNNING.await(30, TimeUnit.SECONDS)).as("the step runs").isTrue();
            flows.cancel(runId);
            await().until(() -> flows.events(runId, EventQuery.all()).stream()
                    .anyMatch(entry -> entry.type() == EventType.STEP_CANCELED));

            HistoryEvent canceled = flows.events(runId, EventQuery.all()).stream()
                    .filter(entry -> entry.type() == EventType.STEP_CANCELED).findFirst().orElseThrow();
            await().until(() -> EXPORTED.getFinishedSpanItems().stream().anyMatch(span -> runId.equals(
                    span.getAttributes().get(AttributeKey.stringKey("nvent.run_id")))));
            SpanData span = spanOf(runId, "upload", 1);
            assertThat(data(canceled).getJsonObject("trace")).isEqualTo(Json.createObjectBuilder()
                    .add("traceId", span.getTraceId()).add("spanId", span.getSpanId()).build());
        }
    }

    @Test
    void anAttemptWhoseSpanIsNotRecordedNamesNoTrace() {
        telemetry = DROPPING;
        try (WeldContainer container = container(TracingBean.class, Telemetry.class)) {
            assertNoEntryEndingAnAttemptNamesATrace(container.select(FlowService.class).get(), 2);
        }
    }

    @Test
    void withoutAnOpenTelemetrySdkOrWithoutTheModuleNoEntryNamesATrace() {
        telemetry = OpenTelemetry.noop();
        for (Class<?>[] tracing : List.of(new Class<?>[] {TracingBean.class, Telemetry.class}, new Class<?>[0])) {
            TracedFlows.reset();
            try (WeldContainer container = container(tracing)) {
                assertNoEntryEndingAnAttemptNamesATrace(container.select(FlowService.class).get(), 3);
            }
        }
    }

    /**
     * An order of {@code n} completes and a doomed run fails: none of the entries that end their attempts (4 of the
     * order's, the doomed run's one) names a trace.
     */
    private static void assertNoEntryEndingAnAttemptNamesATrace(FlowService flows, int n) {
        String runId = flows.start("order", Map.of("n", n));
        awaitStatus(flows, runId, RunStatus.COMPLETED);
        String doomed = flows.start("doomed", Map.of());
        awaitStatus(flows, doomed, RunStatus.FAILED);

        assertThat(attemptEnds(flows, runId)).hasSize(4)
                .allSatisfy(entry -> assertThat(data(entry)).doesNotContainKey("trace"));
        assertThat(attemptEnds(flows, doomed)).singleElement()
                .satisfies(entry -> assertThat(data(entry)).doesNotContainKey("trace"));
    }
}

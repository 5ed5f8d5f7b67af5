package io.nvent.opentelemetry;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.NventBeans;
import io.nvent.opentelemetry.internal.TracingBean;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.StepHandOn;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces across runs that are not a step's children: a run an emitted event starts is a trace of its own whose root
 * span links to the span of the step that emitted it, and a step the maintenance sweep queues again without the
 * trace its lost job carried goes on under a root span marked as a recovery; a run an emitted event resumes (its
 * await resolved) goes on under a root span linked to the emitting step's span alike, as does a run started by an
 * event an after-await held until it resolved.
 */
class LinkedTracesTest {

    static final InMemorySpanExporter EXPORTED = InMemorySpanExporter.create();
    static final OpenTelemetrySdk SDK = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build()).build();

    @BeforeEach
    void reset() {
        EXPORTED.reset();
    }

    /** The server's telemetry, as MicroProfile Telemetry produces it. */
    @ApplicationScoped
    public static class Telemetry {
        @Produces
        OpenTelemetry openTelemetry() {
            return SDK;
        }
    }

    /** Emits the event that the archive flow's trigger starts a run on. */
    @FlowStep(flow = "report", name = "generate", role = StepRole.ENTRY, emits = "report.ready")
    public static class Generate implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("report.ready", input);
            return null;
        }
    }

    /** Started by every {@code report.ready}. */
    @FlowStep(flow = "archive", name = "store", role = StepRole.ENTRY)
    @Trigger(name = "on-report", type = TriggerType.EVENT, event = "report.ready")
    public static class Store implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** Emits the payment that the order's run waits for. */
    @FlowStep(flow = "payment", name = "capture", role = StepRole.ENTRY, emits = "payment.received")
    public static class Capture implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("payment.received", input);
            return null;
        }
    }

    /** Takes the order, then waits for its payment. */
    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY, emits = "taken")
    public static class Take implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("taken", input);
            return null;
        }
    }

    /** Waits for the order's payment before it ships. */
    @FlowStep(flow = "order", name = "ship", subscribes = "taken")
    @AwaitBefore(type = AwaitType.EVENT, event = "payment.received", timeoutMs = 86_400_000)
    public static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** Drafts a contract and announces it, but only once the contract is approved: its event is held until then. */
    @FlowStep(flow = "contract", name = "draft", role = StepRole.ENTRY, emits = "contract.drafted")
    @AwaitAfter(type = AwaitType.EVENT, event = "contract.approved", timeoutMs = 86_400_000)
    public static class Draft implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("contract.drafted", input);
            return null;
        }
    }

    /** Started by every {@code contract.drafted}. */
    @FlowStep(flow = "filing", name = "file", role = StepRole.ENTRY)
    @Trigger(name = "on-contract", type = TriggerType.EVENT, event = "contract.drafted")
    public static class File implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private static WeldContainer container() {
        return new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine())
                .addBeanClasses(TracingBean.class, Telemetry.class, Generate.class, Store.class,
                        Capture.class, Take.class, Ship.class, Draft.class, File.class)
                .initialize();
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream().filter(span -> span.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aRunStartedByAnEmittedEventIsATraceOfItsOwnWhoseRootSpanLinksToTheEmittingStepsSpan() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            Span request = SDK.getTracer("test").spanBuilder("POST /reports").setSpanKind(SpanKind.SERVER).startSpan();
            String runId;
            try (Scope ignored = request.makeCurrent()) {
                runId = flows.start("report", Map.of("day", "2026-12-06"));
            } finally {
                request.end();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.runs(RunQuery.ofFlow("archive")).stream()
                    .map(RunInfo::status).anyMatch(RunStatus.COMPLETED::equals));
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step archive/store")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData generate = named(spans, "nvent.step report/generate");
            assertThat(generate.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
            SpanData start = named(spans, "nvent.start archive");
            assertThat(start.getParentSpanId()).as("a root span: one trace per run").isEqualTo(SpanId.getInvalid());
            assertThat(start.getTraceId()).isNotEqualTo(generate.getTraceId());
            assertThat(start.getLinks()).extracting(link -> link.getSpanContext().getTraceId() + "/"
                    + link.getSpanContext().getSpanId()).as("linked to the span of the step that emitted the event")
                    .containsExactly(generate.getTraceId() + "/" + generate.getSpanId());
            SpanData store = named(spans, "nvent.step archive/store");
            assertThat(store.getParentSpanId()).isEqualTo(start.getSpanId());
            assertThat(flows.run(runId).map(RunInfo::status)).contains(RunStatus.COMPLETED);
        }
    }

    @Test
    void aRunResumedByAnEmittedEventGoesOnUnderARootSpanThatLinksToTheEmittingStepsSpan() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            String order = flows.start("order", Map.of("orderId", "o-1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(order).map(RunInfo::status)
                    .filter(RunStatus.AWAITING::equals).isPresent());
            EXPORTED.reset();

            flows.start("payment", Map.of("orderId", "o-1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(order).map(RunInfo::status)
                    .filter(RunStatus.COMPLETED::equals).isPresent());
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step order/ship")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData capture = named(spans, "nvent.step payment/capture");
            SpanData resume = named(spans, "nvent.resume order");
            assertThat(resume.getParentSpanId()).as("a root span: one trace per run").isEqualTo(SpanId.getInvalid());
            assertThat(resume.getTraceId()).isNotEqualTo(capture.getTraceId());
            assertThat(resume.getAttributes().get(AttributeKey.stringKey(OpenTelemetryTracing.RUN_ID))).isEqualTo(order);
            assertThat(resume.getLinks()).extracting(link -> link.getSpanContext().getTraceId() + "/"
                    + link.getSpanContext().getSpanId()).as("linked to the span of the step that emitted the event")
                    .containsExactly(capture.getTraceId() + "/" + capture.getSpanId());
            assertThat(named(spans, "nvent.step order/ship").getParentSpanId()).isEqualTo(resume.getSpanId());
        }
    }

    @Test
    void aRunStartedByAnEventAnAfterAwaitHeldLinksToTheEmittingStepsSpanWhenARequestResolvesTheAwait() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            String contract = flows.start("contract", Map.of("contractId", "c-1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(contract).map(RunInfo::status)
                    .filter(RunStatus.AWAITING::equals).isPresent());
            assertThat(flows.runs(RunQuery.ofFlow("filing"))).as("the drafted event is held until the approval")
                    .isEmpty();

            Span approval = SDK.getTracer("test").spanBuilder("POST /approvals").setSpanKind(SpanKind.SERVER)
                    .startSpan();
            try (Scope ignored = approval.makeCurrent()) {
                flows.publishEvent("contract.approved", Map.of("contractId", "c-1"));
            } finally {
                approval.end();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.runs(RunQuery.ofFlow("filing")).stream()
                    .map(RunInfo::status).anyMatch(RunStatus.COMPLETED::equals));
            await().until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step filing/file")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData draft = named(spans, "nvent.step contract/draft");
            SpanData start = named(spans, "nvent.start filing");
            assertThat(start.getParentSpanId()).as("a root span: one trace per run").isEqualTo(SpanId.getInvalid());
            assertThat(start.getTraceId()).isNotEqualTo(draft.getTraceId())
                    .as("the event is the step's, not the request's")
                    .isNotEqualTo(approval.getSpanContext().getTraceId());
            assertThat(start.getLinks()).extracting(link -> link.getSpanContext().getTraceId() + "/"
                    + link.getSpanContext().getSpanId()).as("linked to the span of the step that emitted the event")
                    .containsExactly(draft.getTraceId() + "/" + draft.getSpanId());
            assertThat(named(spans, "nvent.step filing/file").getParentSpanId()).isEqualTo(start.getSpanId());
        }
    }

    @Test
    void aRunStartedByAnEventPublishedInARequestTakesThatRequestsSpan() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            Span request = SDK.getTracer("test").spanBuilder("POST /events").setSpanKind(SpanKind.SERVER).startSpan();
            try (Scope ignored = request.makeCurrent()) {
                flows.publishEvent("report.ready", Map.of("day", "2026-12-06"));
            } finally {
                request.end();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step archive/store")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            assertThat(named(spans, "nvent.step archive/store").getTraceId()).as("in the request's trace")
                    .isEqualTo(request.getSpanContext().getTraceId());
            assertThat(spans).allSatisfy(span -> assertThat(span.getLinks()).as(span.getName()).isEmpty());
        }
    }

    @Test
    void aRunResumedByAnOperatorsEmitInARequestGoesOnInThatRequestsTrace() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            String order = flows.start("order", Map.of("orderId", "o-2"));
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(order).map(RunInfo::status)
                    .filter(RunStatus.AWAITING::equals).isPresent());
            EXPORTED.reset();

            Span request = SDK.getTracer("test").spanBuilder("POST /runs/emit").setSpanKind(SpanKind.SERVER)
                    .startSpan();
            try (Scope ignored = request.makeCurrent()) {
                flows.emit(order, "payment.received", Map.of("orderId", "o-2"));
            } finally {
                request.end();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step order/ship")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            assertThat(named(spans, "nvent.step order/ship").getTraceId()).as("in the request's trace")
                    .isEqualTo(request.getSpanContext().getTraceId());
            assertThat(spans).allSatisfy(span -> assertThat(span.getLinks()).as(span.getName()).isEmpty());
        }
    }

    @Test
    void aRunStartedByAnEventAnAfterAwaitHeldLinksToTheEmittingStepsSpanWhenAnOperatorsEmitResolvesTheAwait() {
        try (WeldContainer container = container()) {
            FlowService flows = container.select(FlowService.class).get();
            String contract = flows.start("contract", Map.of("contractId", "c-2"));
            await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(contract).map(RunInfo::status)
                    .filter(RunStatus.AWAITING::equals).isPresent());

            Span request = SDK.getTracer("test").spanBuilder("POST /runs/emit").setSpanKind(SpanKind.SERVER)
                    .startSpan();
            try (Scope ignored = request.makeCurrent()) {
                flows.emit(contract, "contract.approved", Map.of("contractId", "c-2"));
            } finally {
                request.end();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> EXPORTED.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getName().equals("nvent.step filing/file")));

            List<SpanData> spans = EXPORTED.getFinishedSpanItems();
            SpanData draft = named(spans, "nvent.step contract/draft");
            SpanData start = named(spans, "nvent.start filing");
            assertThat(start.getParentSpanId()).as("a root span").isEqualTo(SpanId.getInvalid());
            assertThat(start.getTraceId()).isNotEqualTo(request.getSpanContext().getTraceId());
            assertThat(start.getLinks()).extracting(link -> link.getSpanContext().getSpanId())
                    .containsExactly(draft.getSpanId());
        }
    }

    @Test
    void aStepQueuedAgainWithoutItsLostJobsTraceGoesOnUnderARootSpanMarkedRecovered() {
        AttemptInterceptor tracing = OpenTelemetryTracing.interceptor(SDK);

        Map<String, String> carried = tracing.captureRecovered(new StepHandOn("run-1", "mail", "send", false));
        tracing.open(new AttemptInfo("run-1", "mail", "send", 2, "mail", "instance-b", Optional.empty()), carried)
                .close();

        List<SpanData> spans = EXPORTED.getFinishedSpanItems();
        SpanData resume = named(spans, "nvent.resume mail");
        assertThat(resume.getParentSpanId()).isEqualTo(SpanId.getInvalid());
        assertThat(resume.getAttributes().get(AttributeKey.booleanKey(OpenTelemetryTracing.RECOVERED))).isTrue();
        assertThat(resume.getAttributes().get(AttributeKey.stringKey(OpenTelemetryTracing.RUN_ID))).isEqualTo("run-1");
        assertThat(named(spans, "nvent.step mail/send").getParentSpanId()).isEqualTo(resume.getSpanId());
    }
}

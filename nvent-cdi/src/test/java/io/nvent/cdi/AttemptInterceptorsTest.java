package io.nvent.cdi;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.TracedFlows;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Attempt interceptors: what they capture where a run starts reaches every attempt of its steps, on to its
 * retries and, captured inside a step's scope, to the runs that step starts; one that throws fails nothing, and
 * without one a step's job is what it was before them.
 */
class AttemptInterceptorsTest {

    @BeforeEach
    void reset() {
        TracedFlows.reset();
    }

    /** One attempt as the interceptor saw it: what it carried, and the failure its scope was told. */
    record Opened(AttemptInfo attempt, Map<String, String> carried, Optional<Throwable> failure, boolean closed) {
    }

    /**
     * Records each attempt's scope; what it captures is the "context" of the capturing thread: the test's
     * request, or the scope of the attempt that thread runs (as a tracer's current span is).
     */
    static final class RecordingInterceptor implements AttemptInterceptor {
        static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
        final List<Opened> opened = new CopyOnWriteArrayList<>();
        final List<StepHandOn> captured = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            captured.add(handOn);
            String current = CURRENT.get();
            return current == null ? Map.of() : Map.of("traceparent", current);
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            String before = CURRENT.get();
            CURRENT.set("span of " + attempt.flow() + "/" + attempt.step());
            int index = opened.size();
            opened.add(new Opened(attempt, carried, Optional.empty(), false));
            return new AttemptScope() {
                @Override
                public void failed(Throwable failure) {
                    opened.set(index, new Opened(attempt, carried, Optional.of(failure), false));
                }

                @Override
                public void close() {
                    Opened was = opened.get(index);
                    opened.set(index, new Opened(attempt, carried, was.failure(), true));
                    CURRENT.set(before);
                }
            };
        }

        List<Opened> of(String flow) {
            return opened.stream().filter(o -> o.attempt().flow().equals(flow)).toList();
        }
    }

    /** Fails wherever it is called. */
    static final class BrokenInterceptor implements AttemptInterceptor {
        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            throw new IllegalStateException("the tracer is away");
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            if (attempt.attempt() == 1 && attempt.step().equals("take")) {
                throw new IllegalStateException("the tracer is away");
            }
            return new AttemptScope() {
                @Override
                public void failed(Throwable failure) {
                    throw new IllegalStateException("the tracer is away");
                }

                @Override
                public void close() {
                    throw new IllegalStateException("the tracer is away");
                }
            };
        }
    }

    /** Its open of {@code take}'s first attempt fails with an error (an assertion, a stack overflow), not an exception. */
    static final class ErringInterceptor implements AttemptInterceptor {
        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            if (attempt.attempt() == 1 && attempt.step().equals("take")) {
                throw new AssertionError("the tracer's own check");
            }
            return AttemptScope.NONE;
        }
    }

    private static EmbeddedEngine engine(boolean continueInWorker, AttemptInterceptor... interceptors) {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().step(new TracedFlows.Take())
                .step(new TracedFlows.Pack()).step(new TracedFlows.Ship()).step(new TracedFlows.Label()).continueInWorker(continueInWorker);
        for (AttemptInterceptor interceptor : interceptors) {
            builder.interceptor(interceptor);
        }
        return builder.build();
    }

    private static String startInRequest(EmbeddedEngine engine, String request) {
        RecordingInterceptor.CURRENT.set(request);
        try {
            return engine.flows().start("order", Map.of("n", 1));
        } finally {
            RecordingInterceptor.CURRENT.remove();
        }
    }

    private static void awaitCompleted(EmbeddedEngine engine, String runId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).map(RunInfo::status)
                .filter(RunStatus.COMPLETED::equals).isPresent());
    }

    private static String onlyChild(EmbeddedEngine engine) {
        List<RunInfo> children = engine.flows().runs(RunQuery.ofFlow("shipment"));
        assertThat(children).hasSize(1);
        return children.get(0).runId();
    }

    /** Names each attempt {@code name=<step>#<attempt>} for its ending entry. */
    static final class NamingInterceptor implements AttemptInterceptor {
        private final String name;

        NamingInterceptor(String name) {
            this.name = name;
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return naming(() -> Map.of(name, attempt.step() + "#" + attempt.attempt()));
        }
    }

    /** A scope that names its attempt as {@code trace} says, and has nothing to close. */
    private static AttemptScope naming(Supplier<Map<String, String>> trace) {
        return new AttemptScope() {
            @Override
            public Map<String, String> trace() {
                return trace.get();
            }

            @Override
            public void close() {
            }
        };
    }

    /** Its scope cannot name the attempt. */
    static final class UnnamingInterceptor implements AttemptInterceptor {
        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return naming(() -> {
                throw new IllegalStateException("the tracer is away");
            });
        }
    }

    /**
     * The entry that ends each attempt (completed, retried) carries what the scopes name the attempt as, of every
     * interceptor together, as {@code "trace"}; one whose scope throws names nothing and fails nothing, and an engine
     * whose scopes name nothing writes no {@code trace} field.
     */
    @Test
    void theEntryThatEndsEachAttemptCarriesWhatTheScopesNameItAs() {
        try (LogRecorder log = LogRecorder.recording(r -> r.getMessage().startsWith("NVENT-0424"));
             EmbeddedEngine engine = engine(false, new NamingInterceptor("spanId"), new UnnamingInterceptor(),
                     new NamingInterceptor("traceId"))) {
            String runId = startInRequest(engine, "request-1");
            awaitCompleted(engine, runId);

            List<HistoryEvent> ends = engine.flows().events(runId, EventQuery.all()).stream()
                    .filter(e -> e.type() == EventType.STEP_COMPLETED || e.type() == EventType.STEP_RETRY).toList();
            assertThat(ends).extracting(e -> e.step().orElseThrow() + "#" + e.attempt())
                    .containsExactly("take#1", "pack#1", "pack#2", "ship#1");
            assertThat(ends).allSatisfy(e -> assertThat(e.data()).contains("\"trace\":{")
                    .contains("\"traceId\":\"" + e.step().orElseThrow() + "#" + e.attempt() + "\"")
                    .contains("\"spanId\":\"" + e.step().orElseThrow() + "#" + e.attempt() + "\""));
            assertThat(log.messagesContaining("failed to name")).isNotEmpty();
        }
        TracedFlows.reset();
        try (EmbeddedEngine engine = engine(false, new RecordingInterceptor())) {
            String runId = startInRequest(engine, "request-2");
            awaitCompleted(engine, runId);

            assertThat(engine.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_COMPLETED
                    || e.type() == EventType.STEP_RETRY).hasSize(4).allSatisfy(e -> assertThat(e.data())
                    .doesNotContain("\"trace\""));
        }
    }

    /** Its scope names the attempt with a field it has no value for (a tenant not set). */
    /** Names the attempt's {@code tenant} with {@code value}: none, or one no string (a map typed raw). */
    static final class BadNamingInterceptor implements AttemptInterceptor {
        private final Object value;

        BadNamingInterceptor(Object value) {
            this.value = value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return naming(() -> {
                Map<String, Object> fields = new HashMap<>();
                fields.put("tenant", value);
                return (Map<String, String>) (Map<?, ?>) fields;
            });
        }
    }

    /**
     * A scope naming the attempt with a field without a value (a map {@code Map.copyOf} refuses), or with a value no
     * string (which no entry's JSON could write), names nothing from it, logged as such, and fails no attempt: the run
     * completes with the other interceptor's names on every ending entry.
     */
    @ParameterizedTest(name = "the bad one first: {0}, its value: {1}")
    @CsvSource(value = {"true, null", "false, null", "false, 42"}, nullValues = "null")
    void aScopeNamingTheAttemptWithAFieldNoEntryCanHoldFailsNoAttempt(boolean badFirst, Integer value) {
        AttemptInterceptor bad = new BadNamingInterceptor(value);
        AttemptInterceptor[] interceptors = badFirst
                ? new AttemptInterceptor[] {bad, new NamingInterceptor("traceId")}
                : new AttemptInterceptor[] {new NamingInterceptor("traceId"), bad};
        try (LogRecorder log = LogRecorder.recording(r -> r.getMessage().startsWith("NVENT-0486"));
             EmbeddedEngine engine = engine(false, interceptors)) {
            String runId = startInRequest(engine, "request-1");
            awaitCompleted(engine, runId);

            assertThat(engine.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_COMPLETED)
                    .hasSize(3).allSatisfy(e -> assertThat(e.data()).doesNotContain("tenant")
                            .contains("\"traceId\":\"" + e.step().orElseThrow() + "#" + e.attempt() + "\""));
            assertThat(log.messagesContaining("with the field 'tenant' with " + (value == null ? "a null value"
                    : "a value that is no string (java.lang.Integer)") + ", which no history entry can hold")).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("NVENT-0486"));
        }
    }

    /** Captures what the test gives it, as an interceptor that leaves a field it has no value for unset, or worse. */
    static final class CapturingInterceptor implements AttemptInterceptor {
        private final Supplier<Map<String, String>> captured;

        CapturingInterceptor(Supplier<Map<String, String>> captured) {
            this.captured = captured;
        }

        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            return captured.get();
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return AttemptScope.NONE;
        }
    }

    /** A field without a value, one without a key, or a map that cannot be read: what a careless interceptor captures. */
    static Stream<Arguments> badCaptures() {
        Supplier<Map<String, String>> nullValue = () -> {
            Map<String, String> fields = new HashMap<>();
            fields.put("tenant", null);
            return fields;
        };
        Supplier<Map<String, String>> nullKey = () -> {
            Map<String, String> fields = new HashMap<>();
            fields.put(null, "acme");
            return fields;
        };
        Supplier<Map<String, String>> noString = () -> {
            // As a caller that typed its map raw (a library's context of objects) hands it on.
            Map<String, Object> fields = new HashMap<>();
            fields.put("tenant", 42);
            @SuppressWarnings("unchecked")
            Map<String, String> raw = (Map<String, String>) (Map<?, ?>) fields;
            return raw;
        };
        Supplier<Map<String, String>> unreadable = () -> new AbstractMap<>() {
            @Override
            public Set<Entry<String, String>> entrySet() {
                throw new IllegalStateException("the context went away");
            }
        };
        return Stream.of(
                Arguments.of("a null value, first", nullValue, true, "NVENT-0485", "the field 'tenant' with a null value"),
                Arguments.of("a null value, after another", nullValue, false, "NVENT-0485",
                        "the field 'tenant' with a null value"),
                Arguments.of("a null key, after another", nullKey, false, "NVENT-0485", "a field with a null key"),
                Arguments.of("a value no string, after another", noString, false, "NVENT-0485",
                        "the field 'tenant' with a value that is no string (java.lang.Integer)"),
                Arguments.of("a map that cannot be read", unreadable, false, "NVENT-0423", "the context went away"));
    }

    /**
     * What an interceptor captures with a field no job can carry (without a key or a value), or in a map that throws
     * as it is read, is dropped, logged saying why, and fails neither the start nor any attempt: the run completes
     * carrying what the other interceptor captured, its job as without the careless one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badCaptures")
    void whatAnInterceptorCapturesThatNoJobCanCarryIsDroppedAndFailsNoStart(String name,
            Supplier<Map<String, String>> captured, boolean badFirst, String id, String why) {
        RecordingInterceptor recording = new RecordingInterceptor();
        AttemptInterceptor careless = new CapturingInterceptor(captured);
        try (LogRecorder log = LogRecorder.recording(r -> r.getMessage().startsWith(id));
             EmbeddedEngine engine = badFirst ? engine(false, careless, recording) : engine(false, recording, careless)) {
            String runId = startInRequest(engine, "request-6");
            awaitCompleted(engine, runId);

            assertThat(recording.of("order")).extracting(o -> o.attempt().step() + "#" + o.attempt().attempt())
                    .containsExactly("take#1", "pack#1", "pack#2", "ship#1");
            assertThat(recording.of("order")).allSatisfy(o -> assertThat(o.carried())
                    .isEqualTo(Map.of("traceparent", "request-6")));
            assertThat(engine.queue().job("order", runId + ":take").orElseThrow().payload())
                    .endsWith(",\"trace\":{\"traceparent\":\"request-6\"}}");
            assertThat(log.messagesContaining(why)).as("logged as " + id).isNotEmpty()
                    .allSatisfy(line -> assertThat(line).contains("step 'take' of run " + runId));
        }
    }

    /** Uploads until interrupted: the engine's stop cuts it short. */
    @FlowStep(flow = "traced-export", name = "upload", role = StepRole.ENTRY)
    static final class Uploads implements Step<Object, String> {
        final CountDownLatch blocking = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) {
            blocking.countDown();
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                throw new IllegalStateException("the upload was interrupted", e);
            }
        }
    }

    /**
     * An attempt the engine's stop cut short ran under its scopes like any other: the {@code step.retry} entry that
     * hands it back names it, as the console shows on that entry.
     */
    @Test
    void theEntryHandingBackAnAttemptCutShortByTheStopNamesIt() throws Exception {
        MemoryFlowStore store = new MemoryFlowStore();
        Uploads step = new Uploads();
        String runId;
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().store(store).step(step)
                .interceptor(new NamingInterceptor("traceId")).build()) {
            runId = engine.flows().start("traced-export", Map.of());
            assertThat(step.blocking.await(10, TimeUnit.SECONDS)).as("the step runs").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().events(runId, EventQuery.all()).stream()
                    .anyMatch(e -> e.type() == EventType.STEP_STARTED));
        }

        assertThat(store.readEvents(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                .singleElement().satisfies(handedBack -> assertThat(handedBack.data())
                        .contains("\"instanceStopped\"", "\"trace\":{\"traceId\":\"upload#1\"}"));
    }

    @ParameterizedTest(name = "continue in worker: {0}")
    @ValueSource(booleans = {true, false})
    void whatTheStartCapturedReachesEveryAttemptOfTheRunsStepsItsRetryIncluded(boolean continueInWorker) {
        RecordingInterceptor interceptor = new RecordingInterceptor();
        try (EmbeddedEngine engine = engine(continueInWorker, interceptor)) {
            String runId = startInRequest(engine, "request-1");
            awaitCompleted(engine, runId);
            awaitCompleted(engine, onlyChild(engine));

            List<Opened> order = interceptor.of("order");
            assertThat(order).extracting(o -> o.attempt().step() + "#" + o.attempt().attempt())
                    .containsExactly("take#1", "pack#1", "pack#2", "ship#1");
            assertThat(order).allSatisfy(o -> {
                assertThat(o.carried()).isEqualTo(Map.of("traceparent", "request-1"));
                assertThat(o.attempt().runId()).isEqualTo(runId);
                assertThat(o.attempt().queue()).isEqualTo("order");
                assertThat(o.attempt().parentRunId()).isEmpty();
                assertThat(o.closed()).isTrue();
            });
            assertThat(order.get(1).failure()).hasValueSatisfying(f -> assertThat(f).hasMessage(TracedFlows.PACK_ERROR));
            assertThat(order).filteredOn(o -> o.failure().isPresent()).hasSize(1);
        }
    }

    @Test
    void aChildRunStartedByAStepCarriesWhatWasCapturedInsideThatStepsScope() {
        RecordingInterceptor interceptor = new RecordingInterceptor();
        try (EmbeddedEngine engine = engine(true, interceptor)) {
            String runId = startInRequest(engine, "request-2");
            awaitCompleted(engine, runId);
            String child = onlyChild(engine);
            awaitCompleted(engine, child);

            assertThat(interceptor.of("shipment")).singleElement().satisfies(label -> {
                assertThat(label.carried()).isEqualTo(Map.of("traceparent", "span of order/ship"));
                assertThat(label.attempt().parentRunId()).contains(runId);
                assertThat(label.attempt().runId()).isEqualTo(child);
            });
            assertThat(interceptor.captured).as("captured where each run started, told which; its next steps carry it")
                    .containsExactly(new StepHandOn(runId, "order", "take", true),
                            new StepHandOn(child, "shipment", "label", true));
        }
    }

    @Test
    void anInterceptorThatThrowsFailsNoStepAndTheOthersStillSeeEveryAttempt() {
        RecordingInterceptor recording = new RecordingInterceptor();
        try (EmbeddedEngine engine = engine(true, new BrokenInterceptor(), recording)) {
            String runId = startInRequest(engine, "request-3");
            awaitCompleted(engine, runId);

            assertThat(engine.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(TracedFlows.PACK_CALLS).as("one failure, the step's own, and its retry").hasValue(2);
            assertThat(recording.of("order")).extracting(o -> o.attempt().step())
                    .containsExactly("take", "pack", "pack", "ship");
            assertThat(recording.of("order")).allSatisfy(o -> {
                assertThat(o.carried()).isEqualTo(Map.of("traceparent", "request-3"));
                assertThat(o.closed()).isTrue();
            });
        }
    }

    @Test
    void aStepsJobCarriesTheTraceOnlyWhenAnInterceptorIsRegistered() {
        try (EmbeddedEngine plain = engine(false);
             EmbeddedEngine traced = engine(false, new RecordingInterceptor())) {
            String untraced = startInRequest(plain, "request-4");
            String tracedRun = startInRequest(traced, "request-4");
            awaitCompleted(plain, untraced);
            awaitCompleted(traced, tracedRun);

            assertThat(plain.queue().job("order", untraced + ":take").orElseThrow().payload())
                    .startsWith("{\"runId\":\"" + untraced + "\",\"flow\":\"order\",\"step\":\"take\",")
                    .doesNotContain("trace");
            assertThat(traced.queue().job("order", tracedRun + ":take").orElseThrow().payload())
                    .endsWith(",\"trace\":{\"traceparent\":\"request-4\"}}");
        }
    }

    @Test
    void anInterceptorThatFailsWithAnErrorOnOpenFailsNoStepAndLeavesNoScopeOpenOnTheWorker() {
        RecordingInterceptor recording = new RecordingInterceptor();
        try (EmbeddedEngine engine = engine(true, recording, new ErringInterceptor())) {
            String runId = startInRequest(engine, "request-5");
            awaitCompleted(engine, runId);

            assertThat(recording.of("order")).extracting(o -> o.attempt().step() + "#" + o.attempt().attempt())
                    .as("take's attempt is not failed by the interceptor").containsExactly("take#1", "pack#1", "pack#2",
                            "ship#1");
            assertThat(recording.of("order")).as("a scope left open stays current on the pooled worker, where the"
                    + " next run's capture would take it").allSatisfy(o -> assertThat(o.closed()).isTrue());
        }
    }
}

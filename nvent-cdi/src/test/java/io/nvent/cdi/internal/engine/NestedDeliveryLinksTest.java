package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The events a run releases while another run's emitted event is delivered (an after-await's held events, released as
 * that event resolves the await) were not emitted by the delivering attempt: the runs they start are not linked to it,
 * but to the attempt that emitted them, which the await keeps with the events it holds.
 */
class NestedDeliveryLinksTest {

    /** Asks a partner; its own event "asked" is held until the partner's answer resolves its await. */
    @FlowStep(flow = "partner", name = "ask", role = StepRole.ENTRY, emits = "asked")
    @AwaitAfter(type = AwaitType.EVENT, event = "answer", filterKey = "requestId")
    static class Ask implements Step<Map<String, Object>, Map<String, String>> {
        @Override
        public Map<String, String> execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("asked", Map.of());
            return Map.of("requestId", "R-1");
        }
    }

    /** The partner's answer, emitted by a step of another run. */
    @FlowStep(flow = "answerer", name = "answer", role = StepRole.ENTRY, emits = "answer")
    static class Answer implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("answer", Map.of("requestId", "R-1"));
            return null;
        }
    }

    /** Started by every "asked". */
    @FlowStep(flow = "audit", name = "log", role = StepRole.ENTRY)
    @Trigger(name = "on-asked", type = TriggerType.EVENT, event = "asked")
    static class Audit implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Says in whose attempt it captured, and records to what each run's first step was linked. */
    static final class Tracing implements AttemptInterceptor {
        final List<String> linked = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            return Map.of("traceparent", handOn.flow() + "/" + handOn.step());
        }

        @Override
        public Map<String, String> captureLinked(StepHandOn handOn, Map<String, String> producer) {
            linked.add(handOn.flow() + " -> " + producer.get("traceparent"));
            return capture(handOn);
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return AttemptScope.NONE;
        }
    }

    @Test
    void aRunStartedByAnEventAnAfterAwaitHeldIsNotLinkedToTheStepWhoseEventResolvedThatAwait() {
        Tracing tracing = new Tracing();
        try (EngineHarness h = new EngineHarness(new Ask(), new Answer(), new Audit())) {
            h.engine.useInterceptors(List.of(tracing));
            String partner = h.engine.start("partner", Map.of());
            h.awaitStatus(partner, RunStatus.AWAITING);

            h.engine.start("answerer", Map.of());

            h.awaitStatus(partner, RunStatus.COMPLETED);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.runs(RunQuery.ofFlow("audit")).stream()
                    .anyMatch(run -> run.status() == RunStatus.COMPLETED));
            assertThat(tracing.linked).as("the audit run was started by the partner's held event, not the answer")
                    .noneMatch(link -> link.startsWith("audit -> answerer"));
        }
    }

    @Test
    void aRunStartedByAnEventAnAfterAwaitHeldIsLinkedToTheAttemptThatEmittedIt() {
        Tracing tracing = new Tracing();
        try (EngineHarness h = new EngineHarness(new Ask(), new Answer(), new Audit())) {
            h.engine.useInterceptors(List.of(tracing));
            String partner = h.engine.start("partner", Map.of());
            h.awaitStatus(partner, RunStatus.AWAITING);
            assertThat(h.scheduling.awaitsOfRun(partner)).singleElement()
                    .satisfies(held -> assertThat(held.held()).as("kept with the events it holds")
                            .contains("\"trace\":{\"traceparent\":\"partner/ask\"}"));

            h.engine.start("answerer", Map.of());

            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.runs(RunQuery.ofFlow("audit")).stream()
                    .anyMatch(run -> run.status() == RunStatus.COMPLETED));
            assertThat(tracing.linked).contains("audit -> partner/ask");
        }
    }

    @Test
    void anAfterAwaitHoldsNoTraceWithItsEventsWithoutAnInterceptor() {
        try (EngineHarness h = new EngineHarness(new Ask(), new Answer(), new Audit())) {
            String partner = h.engine.start("partner", Map.of());
            h.awaitStatus(partner, RunStatus.AWAITING);

            assertThat(h.scheduling.awaitsOfRun(partner)).singleElement()
                    .satisfies(held -> assertThat(held.held()).startsWith("[{\"event\":\"asked\"")
                            .doesNotContain("trace"));
            h.engine.start("answerer", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.runs(RunQuery.ofFlow("audit")).stream()
                    .anyMatch(run -> run.status() == RunStatus.COMPLETED));
        }
    }
}

package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.nvent.web.internal.rest.RunLabelRequestsTest.object;
import static io.nvent.web.internal.rest.RunLabelRequestsTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A start gives its run a deadline with {@code ?timeout=} (an ISO-8601 duration), the run shows it, and the flow list
 * shows a flow's own run timeout; a timeout the API refuses is a 400 naming the parameter.
 */
class RunTimeoutRequestsTest {

    /** Waits for an answer that does not come. */
    @FlowStep(flow = "shipment", name = "ship", role = StepRole.ENTRY, runTimeoutMs = 172_800_000L)
    public static class Ship implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            Thread.sleep(Long.MAX_VALUE);
            return "shipped";
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Ship()).build();
    private final InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), RunsResource.class);

    @AfterEach
    void closeEngine() {
        engine.flows().runs(io.nvent.RunQuery.all()).forEach(run -> engine.flows().cancel(run.runId()));
        engine.close();
    }

    @Test
    void aStartsTimeoutGivesItsRunADeadlineThatTheRunShows() {
        String timed = started(api.requestWithBody("POST", "flows/shipment/runs?timeout=PT2H", "{}"));
        String byTheFlow = started(api.requestWithBody("POST", "flows/shipment/runs", "{}"));

        JsonObject run = object(api.get("runs/" + timed));
        assertThat(Instant.parse(run.getString("deadline")))
                .isEqualTo(Instant.parse(run.getString("startedAt")).plus(Duration.ofHours(2)));
        JsonObject other = object(api.get("runs/" + byTheFlow));
        assertThat(Instant.parse(other.getString("deadline")))
                .isEqualTo(Instant.parse(other.getString("startedAt")).plus(Duration.ofHours(48)));
    }

    @Test
    void theFlowListShowsTheEntryStepsRunTimeout() {
        assertThat(api.get("flows").getEntity()).asString().contains("\"runTimeoutMs\":172800000");
    }

    @Test
    void aTimeoutTheApiRefusesIsA400NamingTheParameterAndStartsNoRun() {
        for (String refused : new String[] {"2h", "PT0S", "-PT1H", "P367D", "PT1.0005S"}) {
            ContainerResponse answer = api.requestWithBody("POST", "flows/shipment/runs?timeout=" + refused, "{}");

            assertThat(answer.getStatus()).as(refused).isEqualTo(400);
            assertThat(answer.getEntity()).asString().as(refused).contains("query parameter 'timeout'");
        }
        assertThat(engine.flows().runs(io.nvent.RunQuery.all())).isEmpty();
    }

    @Test
    void aTimedStartThroughAStoreWithoutDeadlinesIsA501WithTheEnginesMessage() {
        FlowService withoutDeadlines = RefusingFlowService.refusing(engine.flows(),
                (method, args) -> method.getName().startsWith("start"),
                new UnsupportedByAdapterException("NVENT-0292 the store keeps no run deadlines"));

        ContainerResponse answer = InProcessApi.withFlowsResource(withoutDeadlines)
                .requestWithBody("POST", "flows/shipment/runs?timeout=PT2H", "{}");

        assertThat(answer.getStatus()).isEqualTo(501);
        assertThat(answer.getEntity()).asString().contains("NVENT-0292");
    }
}

package io.nvent.web.internal.rest;

import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.nvent.web.internal.rest.RunLabelRequestsTest.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code PUT /api/nvent/awaits/id/{awaitId}/timeout} moves a waiting await's timeout, to an instant or a duration from
 * now; bad input is a 400 naming the field, an unknown await 404, one no longer waiting 409.
 */
class AwaitTimeoutRequestsTest {

    /** Waits for a manager's approval, for an hour. */
    @FlowStep(flow = "leave", name = "book", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
    public static class Book implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "booked";
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Book()).build();
    private final InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), AwaitsResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    private AwaitInfo waitingAwait() {
        String runId = engine.flows().start("leave", Map.of("days", 5));
        return await().until(() -> engine.flows().awaits(true, 10).stream().filter(a -> a.runId().equals(runId))
                .findFirst(), Optional::isPresent).orElseThrow();
    }

    private ContainerResponse put(String awaitId, String body) {
        return api.requestWithBody("PUT", "awaits/id/" + awaitId + "/timeout?reason=on%20holiday", body);
    }

    @Test
    void anOperatorMovesAnAwaitsTimeoutToAnInstantOrADurationFromNowAndTheAwaitShowsIt() {
        AwaitInfo waiting = waitingAwait();
        Instant later = waiting.timeoutAt().orElseThrow().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);

        JsonObject moved = object(put(waiting.awaitId(), "{\"timeoutAt\":\"" + later + "\"}"));
        assertThat(moved.getString("timeoutAt")).isEqualTo(later.toString());
        assertThat(engine.flows().awaits(true, 10).get(0).timeoutAt()).contains(later);

        Instant before = Instant.now();
        JsonObject inAnHour = object(put(waiting.awaitId(), "{\"in\":\"PT1H\"}"));
        assertThat(Instant.parse(inAnHour.getString("timeoutAt")))
                .isBetween(before.plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)));
        assertThat(engine.flows().events(waiting.runId(), io.nvent.EventQuery.all()))
                .filteredOn(e -> e.type() == io.nvent.EventType.AWAIT_TIMEOUT_MOVED).hasSize(2)
                .allSatisfy(e -> assertThat(e.data()).contains("\"operator\":\"anonymous\"",
                        "\"operatorReason\":\"on holiday\""));
    }

    @Test
    void badInputIsA400NamingTheFieldAnUnknownAwaitA404AndOneNoLongerWaitingA409() {
        AwaitInfo waiting = waitingAwait();

        assertProblem(put(waiting.awaitId(), "{\"timeoutAt\":\"tomorrow\"}"), 400, "NVENT-1106 field \"timeoutAt\"");
        assertProblem(put(waiting.awaitId(), "{\"in\":\"-PT1H\"}"), 400, "NVENT-1106 field \"in\"");
        assertProblem(put(waiting.awaitId(), "{}"), 400, "NVENT-1105");
        assertProblem(put(waiting.awaitId(), "{\"timeoutAt\":\"2020-01-01T00:00:00Z\"}"), 400, "NVENT-0457");
        assertProblem(put(waiting.awaitId(), "{\"in\":\"P400D\"}"), 400, "366 days");
        assertProblem(put(waiting.awaitId(), "{\"in\":\"P1000000000000D\"}"), 400, "NVENT-1106 field \"in\"");
        assertProblem(put(waiting.awaitId(), "{\"extendBy\":\"P3D\"}"), 400, "\"extendBy\"");
        assertThat(engine.flows().awaits(true, 10).get(0).timeoutAt()).isEqualTo(waiting.timeoutAt());

        assertProblem(put("no-such-await", "{\"in\":\"P3D\"}"), 404, "NVENT-0206");
        engine.flows().resolveAwait(waiting.awaitId(), Map.of("approved", true));
        assertProblem(put(waiting.awaitId(), "{\"in\":\"P3D\"}"), 409, "NVENT-0458");
    }

    private static void assertProblem(ContainerResponse response, int status, String detail) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(status);
        assertThat(Representations.JSON.createReader(new StringReader(response.getEntity().toString())).readObject()
                .getString("detail")).contains(detail);
    }
}

package io.nvent.web.internal.rest;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.nvent.web.internal.rest.RunLabelRequestsTest.object;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/nvent/triggers/{name}/backfill?from=…&to=…} fires a schedule's ticks within the range and answers
 * the counts; a parameter missing or refused is a 400 naming it, an unknown trigger a 404.
 */
class BackfillRequestsTest {

    @FlowStep(flow = "figures", name = "compute", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", enabled = false)
    @Trigger(name = "by-hand", type = TriggerType.MANUAL)
    public static class Compute implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "computed";
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Compute()).build();
    private final InProcessApi api = InProcessApi.withTriggers(engine.triggers(), TriggersResource.class);
    private final Instant to = Instant.now().truncatedTo(ChronoUnit.HOURS);
    private final Instant from = to.minus(Duration.ofHours(1));

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    private ContainerResponse post(String path) {
        return api.requestWithBody("POST", path, "");
    }

    @Test
    void aBackfillAnswersTheCountsAndASecondOneFindsEveryTickFired() {
        String path = "triggers/every-5-minutes/backfill?from=" + from + "&to=" + to + "&limit=10";

        JsonObject first = object(post(path));
        JsonObject rest = object(post("triggers/every-5-minutes/backfill?from=" + first.getString("next") + "&to=" + to));
        JsonObject again = object(post(path + "&refire=false"));

        assertThat(first.toString()).isEqualTo("{\"trigger\":\"every-5-minutes\",\"ticks\":10,\"fired\":10,"
                + "\"alreadyFired\":0,\"inDoubt\":0,\"notFired\":0,\"next\":\"" + from.plus(Duration.ofMinutes(50)) + "\"}");
        assertThat(rest.getInt("fired")).isEqualTo(2);
        assertThat(rest.isNull("next")).isTrue();
        assertThat(again.getInt("alreadyFired")).isEqualTo(10);
        assertThat(engine.triggers().trigger("every-5-minutes").orElseThrow().fires()).isEqualTo(12);
    }

    @Test
    void aMissingOrBadParameterIsA400NamingIt() {
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=" + from))).contains("NVENT-0718 query"
                + " parameter 'to' is required: an ISO-8601 instant like 2026-12-03T14:00:00Z");
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=yesterday&to=" + to)))
                .contains("NVENT-0774 query parameter 'from' must be an ISO-8601 instant");
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=" + to + "&to=" + from)))
                .contains("NVENT-0225 ");
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=" + from + "&to=" + to + "&limit=1001")))
                .contains("NVENT-0774 query parameter 'limit'");
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=" + from + "&to=" + to + "&since=" + from)))
                .contains("NVENT-0775 query parameter 'since'");
        assertThat(refusal(post("triggers/every-5-minutes/backfill?from=" + from + "&to=" + to.plus(Duration.ofDays(1)))))
                .contains("NVENT-0414 ");
        assertThat(refusal(post("triggers/by-hand/backfill?from=" + from + "&to=" + to)))
                .contains("trigger 'by-hand' is a manual trigger; only a schedule has ticks to backfill");
        assertThat(engine.triggers().trigger("every-5-minutes").orElseThrow().fires()).isZero();
    }

    @Test
    void anUnknownTriggerIsA404() {
        assertThat(post("triggers/nope/backfill?from=" + from + "&to=" + to).getStatus()).isEqualTo(404);
    }

    @Test
    void theCronPreviewListsUpToAHundredTicksAfterAGivenInstantForTheConsoleToCountARangesTicks() {
        JsonObject preview = object(api.get("triggers/cron-preview?cron=%2A%2F5%20%2A%20%2A%20%2A%20%2A&count=100&after="
                + from));

        assertThat(preview.getJsonArray("next")).hasSize(100);
        assertThat(preview.getJsonArray("next").getString(0)).isEqualTo(from.plus(Duration.ofMinutes(5)).toString());
    }

    private static String refusal(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(400);
        return response.getEntity().toString();
    }
}

package io.nvent.web.internal.rest;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.core.Link;
import java.util.ArrayList;
import java.util.List;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.nvent.web.internal.rest.RunLabelRequestsTest.object;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/nvent/triggers/{name}?history=&types=&after=}: a trigger's history of some entry types, a page at a
 * time by the cursor of a {@code Link rel="next"}; an unknown type or a cursor of another trigger is a 400.
 */
class TriggerHistoryRequestsTest {

    @FlowStep(flow = "figures", name = "compute", role = StepRole.ENTRY)
    @Trigger(name = "by-hand", type = TriggerType.MANUAL)
    @Trigger(name = "other", type = TriggerType.MANUAL)
    public static class Compute implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "computed";
        }
    }

    private static final String BASE = "http://localhost/api/nvent/";

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Compute()).build();
    private final InProcessApi api = InProcessApi.withTriggers(engine.triggers(), TriggersResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void followingTheNextLinksListsEveryFireOnceNewestFirstAndNoOtherEntry() {
        for (int i = 1; i <= 5; i++) {
            engine.triggers().fire("by-hand", "{\"i\":" + i + "}");
        }
        engine.triggers().setEnabled("by-hand", false);

        List<Long> listed = new ArrayList<>();
        List<String> types = new ArrayList<>();
        ContainerResponse page = api.get("triggers/by-hand?history=2&types=trigger.fired");
        int pages = 1;
        while (true) {
            JsonObject body = object(page);
            body.getJsonArray("history").forEach(entry -> {
                listed.add(entry.asJsonObject().getJsonNumber("seq").longValue());
                types.add(entry.asJsonObject().getString("type"));
            });
            Link next = page.getLink("next");
            if (next == null) {
                assertThat(body.get("historyNext")).as("no next in the body either").isEqualTo(JsonValue.NULL);
                break;
            }
            assertThat(next.getUri().toString()).as("the body's next is the link's cursor")
                    .contains("after=" + body.getString("historyNext")).contains("types=trigger.fired");
            page = api.get(next.getUri().toString().substring(BASE.length()));
            pages++;
        }

        assertThat(listed).containsExactly(6L, 5L, 4L, 3L, 2L);
        assertThat(types).containsOnly("trigger.fired");
        assertThat(pages).isEqualTo(3);
        assertThat(object(api.get("triggers/by-hand?types=trigger.disabled,%20trigger.registered"))
                .getJsonArray("history").stream().map(e -> e.asJsonObject().getString("type")).toList())
                .containsExactly("trigger.disabled", "trigger.registered");
    }

    @Test
    void anUnknownEntryTypeIsRefusedNamingTheTypes() {
        ContainerResponse refused = api.get("triggers/by-hand?types=trigger.fired,fired");

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(refused.getEntity().toString()).contains("NVENT-1135 query parameter 'types' names 'fired',"
                + " no trigger history entry type", "trigger.fired, trigger.misfire-settings");
    }

    @Test
    void aCursorOfAnotherTriggersHistoryOrNoCursorIsRefused() {
        engine.triggers().fire("other", "{}");
        String cursorOfOther = object(api.get("triggers/other?history=1")).getString("historyNext");

        ContainerResponse ofAnother = api.get("triggers/by-hand?after=" + cursorOfOther);
        ContainerResponse garbled = api.get("triggers/by-hand?after=not-a-cursor");

        assertThat(ofAnother.getStatus()).isEqualTo(400);
        assertThat(ofAnother.getEntity().toString()).contains("NVENT-1136 query parameter 'after' is a cursor of the"
                + " history of trigger 'other', not of trigger 'by-hand'");
        assertThat(garbled.getStatus()).isEqualTo(400);
        assertThat(garbled.getEntity().toString()).contains("NVENT-0774 query parameter 'after' must be the cursor of"
                + " a Link rel=\\\"next\\\" header of a trigger's history");
    }
}

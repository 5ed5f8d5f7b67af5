package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;

/**
 * The console's dashboard run in Node ({@code console/dashboard.mjs}: the view and ui.js as the console serves them, a
 * fake server and live stats, a fake DOM): what its counts say against what the lists they link to hold. Skipped where
 * no {@code node} is installed.
 */
class ConsoleDashboardTest {

    private static JsonObject run(String scenario) throws IOException, InterruptedException, URISyntaxException {
        return ConsoleScripts.harness("dashboard.mjs", scenario);
    }

    /**
     * The live stats count compensating runs in running (FlowStats.running): "8 of 11 active runs: all 5 running →"
     * linked to a list of 3, and the table left the two newest, compensating, out. Each status is counted and linked on
     * its own, every count says how many runs its link lists, and the table lists the compensating runs as active.
     */
    @Test
    void withRunsCompensatingEveryCountOfActiveRunsIsTheNumberOfRunsItsLinkListsAndTheTableShowsThem() throws Exception {
        JsonObject shown = run("compensating");

        assertThat(shown.getString("foot")).startsWith("8 of 11 active runs");
        assertThat(shown.getJsonArray("links").getValuesAs(JsonObject.class))
                .extracting(link -> link.getString("status")).containsExactly("running", "compensating", "awaiting");
        assertThat(shown.getJsonArray("links").getValuesAs(JsonObject.class)).allSatisfy(link ->
                assertThat(link.getInt("count")).as(link.getString("text")).isEqualTo(link.getInt("lists")));
        JsonObject tile = shown.getJsonObject("runningTile");
        assertThat(tile.getInt("count")).as("the Running tile").isEqualTo(tile.getInt("lists"));
        assertThat(tile.getString("hint")).isEqualTo("and 2 compensating");
        assertThat(shown.getJsonArray("rowStatuses").getValuesAs(JsonValue.class)).map(JsonValue::toString)
                .containsExactly("\"compensating\"", "\"compensating\"", "\"awaiting\"", "\"awaiting\"", "\"awaiting\"",
                        "\"awaiting\"", "\"awaiting\"", "\"awaiting\"");
    }
}

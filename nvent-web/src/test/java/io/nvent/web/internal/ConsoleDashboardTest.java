package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The console's dashboard run in Node ({@code console/dashboard.mjs}: the view and ui.js as the console serves them, a
 * fake server and live stats, a fake DOM): what its counts say against what the lists they link to hold. Skipped where
 * no {@code node} is installed.
 */
class ConsoleDashboardTest {

    private static final Path NODE = Path.of("/usr/bin/node");

    private static JsonObject run(String scenario) throws IOException, InterruptedException, URISyntaxException {
        assumeTrue(Files.isExecutable(NODE), "needs /usr/bin/node");
        Path harness = Path.of(ConsoleDashboardTest.class.getResource("/console/dashboard.mjs").toURI());
        Path js = Path.of(ConsoleDashboardTest.class.getResource("/META-INF/nvent-ui/js/ui.js").toURI()).getParent();
        Process node = new ProcessBuilder(List.of(NODE.toString(), harness.toString(), js.toString(), scenario))
                .redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the scenario ends").isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        return Json.createReader(new StringReader(out.substring(out.lastIndexOf('\n') + 1))).readObject();
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

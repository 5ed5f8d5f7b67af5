package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;

/**
 * The console's flows screen and a flow's page run in Node ({@code console/flows.mjs}: views/flows.js and ui.js as the
 * console serves them, a fake server, a fake DOM): when each flow last ran and last completed, and the count on the
 * flow page's bulk cancel. Skipped where no {@code node} is installed.
 */
class ConsoleFlowsTest {

    private static JsonObject run(String scenario) throws IOException, InterruptedException, URISyntaxException {
        return ConsoleScripts.harness("flows.mjs", scenario);
    }

    /** "last run 3m ago", "last completed 25m ago", each with the exact time in its tooltip, as other times show. */
    @Test
    void theFlowsScreenSaysHowLongAgoEachFlowLastRanAndLastCompletedWithTheExactTimeOnHover() throws Exception {
        JsonObject shown = run("listed");

        JsonObject started = shown.getJsonObject("started");
        JsonObject completed = shown.getJsonObject("completed");
        assertThat(started.getString("text")).isEqualTo("last run 3m ago");
        assertThat(started.getString("datetime")).isEqualTo(shown.getJsonObject("times").getString("lastStartedAt"));
        assertThat(started.getString("title")).as("local time, and UTC").endsWith(" UTC)");
        assertThat(completed.getString("text")).isEqualTo("last completed 25m ago");
        assertThat(completed.getString("datetime")).isEqualTo(shown.getJsonObject("times").getString("lastCompletedAt"));
    }

    /** A flow whose runs all failed says it never completed; one without runs that it never ran. */
    @Test
    void aFlowThatNeverCompletedSaysSoAndOneWithoutRunsThatItNeverRan() throws Exception {
        JsonObject failing = run("neverCompleted");
        JsonObject idle = run("noRuns");

        assertThat(failing.getJsonObject("started").getString("text")).isEqualTo("last run 3m ago");
        assertThat(failing.getJsonObject("completed").getString("text")).isEqualTo("none completed");
        assertThat(idle.getJsonObject("started").getString("text")).isEqualTo("never run");
        assertThat(idle.isNull("completed")).isTrue();
    }

    /** A store adapter written before 0.2 gives no times: a flow with runs is not said never to have run. */
    @Test
    void aFlowWithRunsFromAStoreThatGivesNoTimesIsNotSaidNeverToHaveRun() throws Exception {
        JsonObject shown = run("storeWithoutTimes");

        assertThat(shown.isNull("started")).isTrue();
        assertThat(shown.isNull("completed")).isTrue();
    }

    /**
     * The flow page says when the flow last ran and completed; its "Cancel active runs (N)" counts the running and
     * awaiting runs the cancel takes (3 + 3), not the compensating ones the counts have among the running, which the
     * cancel leaves to finish.
     */
    @Test
    void theFlowPageSaysWhenTheFlowLastRanAndItsCancelCountLeavesTheCompensatingRunsOut() throws Exception {
        JsonObject shown = run("page");

        assertThat(shown.getJsonObject("started").getString("text")).isEqualTo("last run 3m ago");
        assertThat(shown.getJsonObject("completed").getString("text")).isEqualTo("last completed 25m ago");
        assertThat(shown.getString("cancelButton")).isEqualTo("■ Cancel active runs (6)");
        assertThat(shown.getInt("cancelable")).as("what the cancel's confirmation counts").isEqualTo(6);
    }
}

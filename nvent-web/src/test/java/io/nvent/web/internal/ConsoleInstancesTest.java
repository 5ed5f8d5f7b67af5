package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's instances: which build each runs, so that an operator sees a rolling upgrade's old and new builds
 * side by side. The function runs in Node.js; skipped where no {@code node} is installed.
 */
class ConsoleInstancesTest {

    private static String run(String script) throws Exception {
        return ConsoleScripts.node(List.of("-e", script));
    }

    @Test
    void eachInstanceShowsItsVersionCommitAndStoreSchemaAndAnOlderNventsThatTheyAreNotKnown() throws Exception {
        String buildOf = ConsoleScripts.function(ConsoleScripts.js("views/dashboard.js"),
                "export function buildOf(instance)").replace("export ", "") + "\n}\n";

        String shown = run(buildOf + "console.log(buildOf({ version: '0.2.0', commit: '1a2b3c4', storeSchema: '45' }));"
                + " console.log(buildOf({ version: '0.2.0', commit: null, storeSchema: null }));"
                + " console.log(buildOf({ version: '0.2.0', commit: '1a2b3c4-dirty', storeSchema: 'none' }));");

        assertThat(shown.lines()).containsExactly("0.2.0 · 1a2b3c4 · schema V45",
                "0.2.0 · commit unknown · schema unknown", "0.2.0 · 1a2b3c4-dirty · schema none (memory store)");
        assertThat(ConsoleScripts.js("views/dashboard.js")).contains("buildOf(i)),");
    }

    /** The column shows the build (version, commit and store schema), and its header says so, not "Version". */
    @Test
    void theColumnOfEachInstancesBuildIsHeadedBuild() throws Exception {
        String headers = ConsoleScripts.function(ConsoleScripts.js("views/dashboard.js"),
                "async function loadInstances()");

        assertThat(headers).contains("h('th', {}, 'Instance'), h('th', {}, 'Status'), h('th', {}, 'Build'),")
                .doesNotContain("'Version'");
    }
}

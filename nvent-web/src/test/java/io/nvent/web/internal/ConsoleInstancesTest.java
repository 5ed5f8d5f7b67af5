package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's instances: which build each runs, so that an operator sees a rolling upgrade's old and new builds
 * side by side. The function runs in Node.js; skipped where no {@code node} is installed.
 */
class ConsoleInstancesTest {

    private static final Path NODE = Path.of("/usr/bin/node");

    private static String run(String script) throws Exception {
        assumeTrue(Files.isExecutable(NODE), "needs /usr/bin/node");
        Process node = new ProcessBuilder(List.of(NODE.toString(), "-e", script)).redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the script ends").isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void eachInstanceShowsItsVersionCommitAndStoreSchemaAndAnOlderNventsThatTheyAreNotKnown() throws Exception {
        String buildOf = ConsoleScripts.function(ConsoleScripts.js("views/dashboard.js"),
                "export function buildOf(instance)").replace("export ", "") + "\n}\n";

        String shown = run(buildOf + "console.log(buildOf({ version: '0.2.0', commit: '1a2b3c4', storeSchema: '45' }));"
                + " console.log(buildOf({ version: '0.2.0', commit: null, storeSchema: null }));");

        assertThat(shown.lines()).containsExactly("0.2.0 · 1a2b3c4 · schema V45",
                "0.2.0 · commit unknown · schema unknown");
        assertThat(ConsoleScripts.js("views/dashboard.js")).contains("buildOf(i)),");
    }
}

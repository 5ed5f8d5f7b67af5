package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
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
 * What the console's run page shows of a run from its row and its history, run in Node
 * ({@code console/view-function.mjs}: the function of {@code views/runs.js} as the console serves it). Skipped where no
 * {@code node} is installed.
 */
class ConsoleRunsBeforeV15Test {

    private static final Path NODE = Path.of("/usr/bin/node");

    /** A failed run's history: started with a key, failed, retried, failed again. */
    private static final String HISTORY = "[{\"type\":\"flow.start\",\"data\":{\"idempotencyKey\":\"order-7\"}},"
            + "{\"type\":\"flow.failed\",\"data\":{\"step\":\"pay\",\"error\":\"gateway timeout\"}},"
            + "{\"type\":\"step.retry\",\"data\":{}},"
            + "{\"type\":\"flow.failed\",\"data\":{\"step\":\"pay\",\"error\":\"card declined\"}}]";

    private static JsonObject factsFromHistory(String run, String events)
            throws IOException, InterruptedException, URISyntaxException {
        assumeTrue(Files.isExecutable(NODE), "needs /usr/bin/node");
        Path harness = Path.of(ConsoleRunsBeforeV15Test.class.getResource("/console/view-function.mjs").toURI());
        Path js = Path.of(ConsoleRunsBeforeV15Test.class.getResource("/META-INF/nvent-ui/js/ui.js").toURI()).getParent();
        Process node = new ProcessBuilder(List.of(NODE.toString(), harness.toString(), js.toString(), "views/runs.js",
                "factsFromHistory", "[" + run + "," + events + "]")).redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the function answers").isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        return Json.createReader(new StringReader(out.substring(out.lastIndexOf('\n') + 1))).readObject();
    }

    /**
     * A run stored before schema V15 has neither key nor error on its row (REST leaves both out): the page read the key
     * from the flow.start entry but showed no error at all, while the run list sent to the page for it. Its latest
     * flow.failed entry has it.
     */
    @Test
    void aFailedRunStoredBeforeV15ShowsTheKeyOfItsStartAndTheErrorOfItsLatestFailureFromItsHistory() throws Exception {
        JsonObject facts = factsFromHistory("{\"runId\":\"r1\",\"flow\":\"order\",\"status\":\"failed\",\"steps\":{}}",
                HISTORY);

        assertThat(facts.getString("key")).isEqualTo("order-7");
        assertThat(facts.getString("error")).isEqualTo("card declined");
    }

    /** The row's own key and error, where it has them, are what the page shows; a run going on again shows no error. */
    @Test
    void aRunStoredSinceV15ShowsItsRowsKeyAndErrorAndARetriedOneNoError() throws Exception {
        JsonObject stored = factsFromHistory("{\"runId\":\"r2\",\"status\":\"failed\",\"idempotencyKey\":\"k\","
                + "\"error\":\"java.lang.IllegalStateException: card declined\\n\\tat Pay.execute\"}", HISTORY);
        JsonObject retried = factsFromHistory("{\"runId\":\"r1\",\"status\":\"running\"}", HISTORY);

        assertThat(stored.getString("key")).isEqualTo("k");
        assertThat(stored.getString("error")).startsWith("java.lang.IllegalStateException: card declined");
        assertThat(retried.containsKey("error")).as("no error while it runs again").isFalse();
        assertThat(retried.getString("key")).isEqualTo("order-7");
    }
}

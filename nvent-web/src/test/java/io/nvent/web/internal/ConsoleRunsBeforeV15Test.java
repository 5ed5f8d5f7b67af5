package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;

/**
 * What the console's run page shows of a run from its row and its history, run in Node
 * ({@code console/view-function.mjs}: the function of {@code views/runs.js} as the console serves it). Skipped where no
 * {@code node} is installed.
 */
class ConsoleRunsBeforeV15Test {


    /** A failed run's history: started with a key, failed, retried, failed again. */
    private static final String HISTORY = "[{\"type\":\"flow.start\",\"data\":{\"idempotencyKey\":\"order-7\"}},"
            + "{\"type\":\"flow.failed\",\"data\":{\"step\":\"pay\",\"error\":\"gateway timeout\"}},"
            + "{\"type\":\"step.retry\",\"data\":{}},"
            + "{\"type\":\"flow.failed\",\"data\":{\"step\":\"pay\",\"error\":\"card declined\"}}]";

    private static JsonObject factsFromHistory(String run, String events)
            throws IOException, InterruptedException, URISyntaxException {
        return ConsoleScripts.harness("view-function.mjs", "views/runs.js", "factsFromHistory", "[" + run + "," + events + "]");
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

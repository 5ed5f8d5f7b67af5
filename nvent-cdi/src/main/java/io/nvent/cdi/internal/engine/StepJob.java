package io.nvent.cdi.internal.engine;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;

/**
 * The payload of a step's queue job: which step of which run to execute. The step input is read
 * from the run when the job executes, so jobs stay small and never carry stale data.
 */
record StepJob(String runId, String flow, String step) {

    static String jobId(String runId, String step) {
        return runId + ":" + step;
    }

    String toJson() {
        return JsonText.object().str("runId", runId).str("flow", flow).str("step", step).build();
    }

    static StepJob parse(String json) {
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(json))) {
            JsonObject o = reader.readObject();
            return new StepJob(o.getString("runId"), o.getString("flow"), o.getString("step"));
        }
    }
}

package io.nvent.cdi.internal.engine;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;

/**
 * The payload of a step's queue job: which step of which run to execute. The step input is read
 * from the run when the job executes, so jobs stay small and never carry stale data.
 */
record StepJob(String runId, String flow, String step) {

    private static final String RECOVERY_SUFFIX = ":recover-";

    static String jobId(String runId, String step) {
        return runId + ":" + step;
    }

    /** The id of the job that runs a step again after a stall, unique per run version. */
    static String recoveryJobId(String runId, String step, long runVersion) {
        return jobId(runId, step) + RECOVERY_SUFFIX + runVersion;
    }

    static boolean isRecoveryJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX);
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

package io.nvent.cdi.internal.engine;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.util.OptionalLong;

/**
 * The payload of a step's queue job: which step of which run to execute, and the version of the
 * run whose write queued it. The step input is read from the run when the job executes, so jobs
 * stay small and never carry stale data; the version tells the worker how recent a state of the
 * run it already holds must be to stand in for that read (see
 * {@link io.nvent.spi.FlowStore#recentRun}). Jobs queued before the version was recorded have none.
 */
record StepJob(String runId, String flow, String step, OptionalLong queuedAtVersion) {

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
        JsonText json = JsonText.object().str("runId", runId).str("flow", flow).str("step", step);
        queuedAtVersion.ifPresent(version -> json.raw("version", Long.toString(version)));
        return json.build();
    }

    static StepJob parse(String json) {
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(json))) {
            JsonObject o = reader.readObject();
            JsonNumber version = o.getJsonNumber("version");
            return new StepJob(o.getString("runId"), o.getString("flow"), o.getString("step"),
                    version == null ? OptionalLong.empty() : OptionalLong.of(version.longValueExact()));
        }
    }
}

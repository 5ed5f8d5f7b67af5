package io.nvent.cdi.internal.engine;

import jakarta.json.stream.JsonParser;
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
    private static final String RATE_LIMITED = "rate-limited-";

    static String jobId(String runId, String step) {
        return runId + ":" + step;
    }

    /** The id of the job that runs a step again after a stall, unique per run version. */
    static String recoveryJobId(String runId, String step, long runVersion) {
        return jobId(runId, step) + RECOVERY_SUFFIX + runVersion;
    }

    /**
     * The id of the job that starts a step once a queue's rate limit allows, when it allowed none
     * soon enough for the job before it: named after the {@code step.retry} entry that says so, which
     * only this step's own requeue writes (a run version would move on with the run's other steps).
     */
    static String rateLimitedJobId(String runId, String step, long retryEntrySeq) {
        return jobId(runId, step) + RECOVERY_SUFFIX + RATE_LIMITED + retryEntrySeq;
    }

    static boolean isRateLimitedJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX + RATE_LIMITED);
    }

    /**
     * The id of the job of an operator's retry of a failed step whose usual job the queue no longer
     * holds, unique per run version.
     */
    static String manualRetryJobId(String runId, String step, long runVersion) {
        return jobId(runId, step) + ":retry-" + runVersion;
    }

    static boolean isRecoveryJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX);
    }

    String toJson() {
        JsonText json = JsonText.object().str("runId", runId).str("flow", flow).str("step", step);
        queuedAtVersion.ifPresent(version -> json.raw("version", Long.toString(version)));
        return json.build();
    }

    /**
     * Reads a job's payload. Streamed rather than read into a {@code JsonObject}: every step's job
     * is parsed, and its four fields need no tree.
     *
     * @throws IllegalArgumentException if it is not a step job's payload
     */
    static StepJob parse(String json) {
        String runId = null;
        String flow = null;
        String step = null;
        OptionalLong version = OptionalLong.empty();
        try (JsonParser parser = Json.PROVIDER.createParser(new StringReader(json))) {
            while (parser.hasNext()) {
                if (parser.next() != JsonParser.Event.KEY_NAME) {
                    continue;
                }
                String key = parser.getString();
                JsonParser.Event value = parser.next();
                switch (key) {
                    case "runId" -> runId = text(value, parser, json);
                    case "flow" -> flow = text(value, parser, json);
                    case "step" -> step = text(value, parser, json);
                    case "version" -> version = OptionalLong.of(parser.getLong());
                    default -> skip(value, parser); // a field of a later release, not needed here
                }
            }
        }
        if (runId == null || flow == null || step == null) {
            throw new IllegalArgumentException("not a step job (runId, flow and step are required): " + json);
        }
        return new StepJob(runId, flow, step, version);
    }

    private static void skip(JsonParser.Event value, JsonParser parser) {
        if (value == JsonParser.Event.START_OBJECT) {
            parser.skipObject();
        } else if (value == JsonParser.Event.START_ARRAY) {
            parser.skipArray();
        }
    }

    private static String text(JsonParser.Event value, JsonParser parser, String json) {
        if (value != JsonParser.Event.VALUE_STRING) {
            throw new IllegalArgumentException("not a step job (" + value + " where a string belongs): " + json);
        }
        return parser.getString();
    }
}

package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.spi.JobRecord;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.Optional;

/**
 * Recognises the jobs the engine enqueues for flow steps: their payload names the run, flow and
 * step ({@code {"runId","flow","step"}}). Jobs of other producers yield nothing.
 */
public final class StepJobs {

    private static final JsonProvider JSON = Representations.JSON;


    /** The run and step a job executes. */
    public record Ref(String runId, String flow, String step) {
    }

    private StepJobs() {
    }

    /** The step a job executes, if it is a step job. */
    public static Optional<Ref> of(JobRecord job) {
        return parse(job.payload());
    }

    static Optional<Ref> parse(String payload) {
        if (payload == null || !payload.trim().startsWith("{")) {
            return Optional.empty();
        }
        try (JsonReader reader = JSON.createReader(new StringReader(payload))) {
            JsonObject o = reader.readObject();
            String runId = text(o, "runId");
            String flow = text(o, "flow");
            String step = text(o, "step");
            return runId == null || flow == null || step == null ? Optional.empty()
                    : Optional.of(new Ref(runId, flow, step));
        } catch (RuntimeException notAStepJob) {
            return Optional.empty();
        }
    }

    private static String text(JsonObject o, String key) {
        JsonValue value = o.get(key);
        return value instanceof JsonString s ? s.getString() : null;
    }
}

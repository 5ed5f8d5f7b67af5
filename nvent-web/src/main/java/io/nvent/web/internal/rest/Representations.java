package io.nvent.web.internal.rest;

import io.nvent.FlowDefinition;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.StepDefinition;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;

/** The JSON shapes of the REST API, kept in one place so they stay consistent. */
final class Representations {

    private Representations() {
    }

    static JsonObject flow(FlowDefinition flow, FlowStats stats) {
        JsonArrayBuilder steps = Json.createArrayBuilder();
        for (StepDefinition step : flow.steps()) {
            steps.add(Json.createObjectBuilder()
                    .add("name", step.name())
                    .add("role", step.role().name().toLowerCase(java.util.Locale.ROOT))
                    .add("queue", step.queue())
                    .add("subscribes", Json.createArrayBuilder(step.subscribes()))
                    .add("emits", Json.createArrayBuilder(step.emits()))
                    .add("maxAttempts", step.retry().maxAttempts())
                    .add("timeoutMs", step.timeout().toMillis()));
        }
        return Json.createObjectBuilder()
                .add("name", flow.name())
                .add("entry", flow.entry().name())
                .add("steps", steps)
                .add("stats", stats(stats))
                .build();
    }

    static JsonObject stats(FlowStats stats) {
        return Json.createObjectBuilder()
                .add("total", stats.total())
                .add("running", stats.running())
                .add("awaiting", stats.awaiting())
                .add("completed", stats.completed())
                .add("failed", stats.failed())
                .add("canceled", stats.canceled())
                .add("stalled", stats.stalled())
                .build();
    }

    static JsonObject run(RunInfo run) {
        JsonObjectBuilder steps = Json.createObjectBuilder();
        run.steps().forEach((step, status) -> steps.add(step, status.wireName()));
        JsonObjectBuilder body = Json.createObjectBuilder()
                .add("runId", run.runId())
                .add("flow", run.flow())
                .add("status", run.status().wireName())
                .add("startedAt", run.startedAt().toString())
                .add("endedAt", run.endedAt().map(t -> (JsonValue) Json.createValue(t.toString())).orElse(JsonValue.NULL))
                .add("steps", steps);
        run.parentRunId().ifPresent(parent -> body.add("parentRunId", parent));
        return body.build();
    }

    static JsonObject event(HistoryEvent event) {
        return Json.createObjectBuilder()
                .add("seq", event.seq())
                .add("type", event.type().wireName())
                .add("step", event.step().map(s -> (JsonValue) Json.createValue(s)).orElse(JsonValue.NULL))
                .add("attempt", event.attempt())
                .add("ts", event.timestamp().toString())
                .add("data", parse(event.data()))
                .build();
    }

    private static JsonValue parse(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            return reader.readValue();
        }
    }
}

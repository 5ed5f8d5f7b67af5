package io.nvent.cdi.internal.engine;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An event a step emitted, with its JSON payload. */
record Emission(String event, String payloadJson, Instant at) {

    /** The field of a held emission with what the attempt that emitted it captured ({@link Held#producer}). */
    private static final String TRACE = "trace";

    /**
     * The emissions an after-await holds, with what the attempt interceptors captured in the scope of the attempt that
     * emitted them: the runs they start or resume once released are linked to it.
     *
     * @param producer empty if nothing was captured (no interceptors, or held by a release without it)
     */
    record Held(List<Emission> emissions, Map<String, String> producer) {
    }

    /**
     * Emissions as a JSON array, to hold them in an after-await; the first carries {@code producer} as its
     * {@code "trace"} object if not empty (a release without it ignores the field).
     */
    static String toJson(List<Emission> emissions, Map<String, String> producer) {
        StringBuilder out = new StringBuilder("[");
        for (Emission e : emissions) {
            boolean first = out.length() == 1;
            if (!first) {
                out.append(',');
            }
            JsonText held = JsonText.object().str("event", e.event()).raw("payload", e.payloadJson())
                    .str("at", e.at().toString());
            if (first && !producer.isEmpty()) {
                held.fields(TRACE, producer);
            }
            out.append(held.build());
        }
        return out.append(']').toString();
    }

    /**
     * As {@link #toJson}, but without {@code producer} where the emissions fit {@code nvent.payload.max-bytes} only
     * without it: the trace never makes a store refuse the await that holds them (the runs they start are then not
     * linked).
     */
    static String toJson(List<Emission> emissions, Map<String, String> producer, Json json) {
        String held = toJson(emissions, producer);
        return producer.isEmpty() || json.fits(held) ? held : toJson(emissions, Map.of());
    }

    /** What {@link #toJson} wrote: the emissions, and the producer's fields (what is not a string is skipped). */
    static Held fromJson(String json) {
        List<Emission> emissions = new ArrayList<>();
        Map<String, String> producer = Map.of();
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(json))) {
            JsonArray array = reader.readArray();
            for (JsonObject o : array.getValuesAs(JsonObject.class)) {
                emissions.add(new Emission(o.getString("event"), o.get("payload").toString(),
                        Instant.parse(o.getString("at"))));
                if (emissions.size() == 1 && o.get(TRACE) instanceof JsonObject trace) {
                    producer = fieldsOf(trace);
                }
            }
        }
        return new Held(emissions, producer);
    }

    private static Map<String, String> fieldsOf(JsonObject trace) {
        Map<String, String> fields = new HashMap<>();
        trace.forEach((key, value) -> {
            if (value instanceof JsonString text) {
                fields.put(key, text.getString());
            }
        });
        return Map.copyOf(fields);
    }

    static String emitData(String event, String payloadJson) {
        return emitEntry(event, payloadJson).build();
    }

    /** An emit of a step that returned after its run was canceled: {@code "scheduled": false} and why. */
    static String unscheduledEmitData(Emission emission) {
        return emitEntry(emission.event(), emission.payloadJson()).raw("scheduled", "false")
                .str("reason", "the run was canceled before the step returned").build();
    }

    private static JsonText emitEntry(String event, String payloadJson) {
        return JsonText.object().str("name", event).raw("payload", payloadJson);
    }
}

package io.nvent.cdi.internal.engine;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An event a step emitted, with its JSON payload. */
record Emission(String event, String payloadJson, Instant at) {

    /** Emissions as a JSON array, to hold them in an after-await. */
    static String toJson(List<Emission> emissions) {
        StringBuilder out = new StringBuilder("[");
        for (Emission e : emissions) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(JsonText.object().str("event", e.event()).raw("payload", e.payloadJson())
                    .str("at", e.at().toString()).build());
        }
        return out.append(']').toString();
    }

    static List<Emission> fromJson(String json) {
        List<Emission> emissions = new ArrayList<>();
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(json))) {
            JsonArray array = reader.readArray();
            for (JsonObject o : array.getValuesAs(JsonObject.class)) {
                emissions.add(new Emission(o.getString("event"), o.get("payload").toString(),
                        Instant.parse(o.getString("at"))));
            }
        }
        return emissions;
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

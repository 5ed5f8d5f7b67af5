package io.nvent;

import jakarta.json.JsonException;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.io.StringWriter;

/** Checks the filter of an event trigger ({@link TriggerSpec#filter()}) and writes it compactly. */
final class EventFilterText {

    private EventFilterText() {
    }

    /** Looked up on first use: {@code jakarta.json.Json}'s static methods look the provider up on every call. */
    private static final class Provider {
        static final JsonProvider JSON = JsonProvider.provider();
    }

    /**
     * The filter as compact JSON text.
     *
     * @throws IllegalArgumentException if it is not a JSON object
     */
    static String compact(String trigger, String text) {
        JsonValue value;
        try (JsonReader reader = Provider.JSON.createReader(new StringReader(text))) {
            value = reader.readValue();
        } catch (JsonException | IllegalStateException e) {
            throw notAnObject(trigger, "not valid JSON (" + e.getMessage() + ")");
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw notAnObject(trigger, abbreviated(text.strip()));
        }
        StringWriter compact = new StringWriter();
        try (JsonWriter writer = Provider.JSON.createWriter(compact)) {
            writer.write(value);
        }
        return compact.toString();
    }

    private static IllegalArgumentException notAnObject(String trigger, String was) {
        return new IllegalArgumentException("NVENT-0220 the filter of event trigger '" + trigger
                + "' must be a JSON object such as {\"region\":\"eu\"}, was " + was);
    }

    private static String abbreviated(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}

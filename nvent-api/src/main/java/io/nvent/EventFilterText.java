package io.nvent;

import jakarta.json.JsonException;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
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
        boolean more;
        try (JsonParser parser = Provider.JSON.createParser(new StringReader(text))) {
            parser.next();
            value = parser.getValue();
            more = hasMore(parser);
        } catch (JsonException | IllegalStateException | java.util.NoSuchElementException e) {
            throw notAnObject(trigger, "not valid JSON (" + e.getMessage() + ")");
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw notAnObject(trigger, abbreviated(text.strip()));
        }
        if (more) {
            // Not the first object alone: {"a":1}, {"a":2} hoped for "either", and got the first.
            throw notAnObject(trigger, "an object followed by more text: " + abbreviated(text.strip()));
        }
        if (holdsNul(value)) {
            throw new IllegalArgumentException("NVENT-0222 the filter of event trigger '" + trigger
                    + "' holds the character U+0000, which no store keeps and no event payload can carry");
        }
        StringWriter compact = new StringWriter();
        try (JsonWriter writer = Provider.JSON.createWriter(compact)) {
            writer.write(value);
        }
        return compact.toString();
    }

    private static boolean hasMore(JsonParser parser) {
        try {
            return parser.hasNext();
        } catch (JsonException garbage) {
            return true;
        }
    }

    private static boolean holdsNul(JsonValue value) {
        return switch (value.getValueType()) {
            case STRING -> ((JsonString) value).getString().indexOf('\u0000') >= 0;
            case OBJECT -> value.asJsonObject().entrySet().stream()
                    .anyMatch(member -> member.getKey().indexOf('\u0000') >= 0 || holdsNul(member.getValue()));
            case ARRAY -> value.asJsonArray().stream().anyMatch(EventFilterText::holdsNul);
            default -> false;
        };
    }

    private static IllegalArgumentException notAnObject(String trigger, String was) {
        return new IllegalArgumentException("NVENT-0220 the filter of event trigger '" + trigger
                + "' must be a JSON object such as {\"region\":\"eu\"}, was " + was);
    }

    private static String abbreviated(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}

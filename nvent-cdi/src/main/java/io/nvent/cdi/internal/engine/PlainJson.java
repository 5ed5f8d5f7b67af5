package io.nvent.cdi.internal.engine;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import jakarta.json.stream.JsonGenerator;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * JSON for the values that need no binding, without JSON-B's cost of choosing (de)serializers on
 * every call, which was most of a step's JSON time.
 * <ul>
 * <li>Writing: Java values already shaped like JSON (maps with string keys, lists, strings, booleans
 *     and whole numbers, nested), as steps mostly emit them ({@code Map.of(...)}). The text is the
 *     one JSON-B writes, through the same JSON-P generator. Anything else (records, beans,
 *     floating-point numbers, dates, other collections, maps with other keys) is left to JSON-B, so
 *     its rules and its configuration apply as before.</li>
 * <li>Reading: a JSON object or array into {@code JsonObject} or {@code JsonArray}, the JSON-P value
 *     JSON-B would return for it.</li>
 * </ul>
 */
final class PlainJson {

    /** Deeper values are left to JSON-B, which also reports cycles. */
    private static final int MAX_DEPTH = 32;

    private PlainJson() {
    }

    /** The JSON text of {@code value}, if it is plain; empty for anything JSON-B should convert. */
    static Optional<String> write(Object value) {
        // Checked whole before anything is written: a value that turns out not to be plain half-way
        // would otherwise leave a half-written text behind for JSON-B to start over.
        if (!isPlain(value, 0)) {
            return Optional.empty();
        }
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = Json.PROVIDER.createGenerator(text)) {
            writeValue(generator, value);
        }
        return Optional.of(text.toString());
    }

    /**
     * {@code text} as a {@code JsonObject} or {@code JsonArray} if that is the {@code type} asked for
     * and the text starts as one; empty for anything JSON-B should convert.
     *
     * @throws JsonException if the text is not valid JSON
     */
    static Optional<JsonStructure> read(String text, Type type) {
        boolean object = type == JsonObject.class && text.startsWith("{");
        if (!object && !(type == JsonArray.class && text.startsWith("["))) {
            return Optional.empty();
        }
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(text))) {
            return Optional.of(object ? reader.readObject() : reader.readArray());
        }
    }

    private static boolean isPlain(Object value, int depth) {
        if (value == null || isScalar(value)) {
            return true;
        }
        if (depth >= MAX_DEPTH) {
            return false;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String) || !isPlain(entry.getValue(), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (!isPlain(element, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger;
    }

    private static void writeValue(JsonGenerator generator, Object value) {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof String string) {
            generator.write(string);
        } else if (value instanceof Boolean bool) {
            generator.write(bool);
        } else if (value instanceof BigInteger big) {
            generator.write(big);
        } else if (value instanceof Number whole) {
            generator.write(whole.longValue());
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeKey((String) entry.getKey());
                writeValue(generator, entry.getValue());
            }
            generator.writeEnd();
        } else {
            generator.writeStartArray();
            for (Object element : (List<?>) value) {
                writeValue(generator, element);
            }
            generator.writeEnd();
        }
    }
}

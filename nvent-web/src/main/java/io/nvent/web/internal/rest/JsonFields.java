package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The fields of a JSON object sent as a request body, read with their expected types: a body that
 * is not an object, or a field of another type, answers 400 naming the field and what it must be.
 * An absent field, or one set to {@code null}, is empty. A body may be held to the fields it can
 * have ({@link #allowOnly}).
 */
final class JsonFields {

    private final JsonObject body;
    private final String what;

    private JsonFields(JsonObject body, String what) {
        this.body = body;
        this.what = what;
    }

    /**
     * The fields of a request's body, read as JSON ({@link JsonInput#parseBody}), that must be a JSON object.
     *
     * @param what what the body describes, for messages ("the queue's workers")
     * @param example the shape expected, for messages
     */
    static JsonFields ofBody(String body, String what, String example) {
        return of(JsonInput.parseBody(body, what), what, example);
    }

    /**
     * The fields of a value that must be a JSON object.
     *
     * @param what what the value describes, for messages ("the trigger")
     * @param example the shape expected, for messages
     */
    static JsonFields of(JsonValue value, String what, String example) {
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidPayloadException(what + " must be a JSON object like " + example + ", was "
                    + kindOf(value));
        }
        return new JsonFields(value.asJsonObject(), what);
    }

    /**
     * Refuses a body with fields other than these: a misspelt field, or one that only responses
     * carry, would otherwise be ignored while the caller believes it was taken.
     *
     * @return these fields, for reading on
     */
    JsonFields allowOnly(List<String> accepted) {
        List<String> unknown = body.keySet().stream().filter(key -> !accepted.contains(key)).toList();
        if (!unknown.isEmpty()) {
            String listed = unknown.stream().map(key -> '"' + key + '"').collect(Collectors.joining(", "));
            throw new IllegalArgumentException("NVENT-0752 " + what + " has " + (unknown.size() == 1 ? "a field" : "fields")
                    + " it cannot have: " + listed + "; it takes only " + String.join(", ", accepted));
        }
        return this;
    }

    Optional<String> string(String key) {
        return value(key).map(v -> {
            if (v.getValueType() != JsonValue.ValueType.STRING) {
                throw wrongType(key, "a string", v);
            }
            return ((JsonString) v).getString();
        });
    }

    Optional<Boolean> bool(String key) {
        return value(key).map(v -> switch (v.getValueType()) {
            case TRUE -> true;
            case FALSE -> false;
            default -> throw wrongType(key, "true or false", v);
        });
    }

    /**
     * A whole number that fits an {@code int}: {@code 3} or {@code 3.0}, not {@code 3.5} nor {@code "3"}; a whole
     * number beyond an {@code int} ({@code 3000000000}, {@code 1e10}) is refused as out of range, naming
     * {@code range}.
     *
     * @param range the numbers the caller takes, such as {@code "1..1000"}, for the message: the caller refuses
     *     those within an {@code int} but out of it itself, and names the range a number beyond an {@code int}
     *     misses rather than an {@code int}'s, which is no range the field takes
     */
    Optional<Integer> wholeNumber(String key, String range) {
        return value(key).map(v -> {
            if (v.getValueType() != JsonValue.ValueType.NUMBER) {
                throw wrongType(key, "a whole number", v);
            }
            BigDecimal number = ((JsonNumber) v).bigDecimalValue();
            if (number.stripTrailingZeros().scale() > 0) {
                throw wrongType(key, "a whole number", v);
            }
            try {
                return number.intValueExact();
            } catch (ArithmeticException e) {
                throw new InvalidPayloadException("\"" + key + "\" of " + what + " is out of range: it must be a whole"
                        + " number within " + range + ", was " + abbreviated(v));
            }
        });
    }

    /**
     * An array of strings.
     *
     * @param items what the strings are, for messages ("flow names")
     */
    Optional<List<String>> strings(String key, String items) {
        return value(key).map(v -> {
            String expected = "an array of " + items + " (strings)";
            if (v.getValueType() != JsonValue.ValueType.ARRAY) {
                throw wrongType(key, expected, v);
            }
            List<String> strings = new ArrayList<>();
            for (JsonValue item : (JsonArray) v) {
                if (item.getValueType() != JsonValue.ValueType.STRING) {
                    throw wrongType(key, expected, v);
                }
                strings.add(((JsonString) item).getString());
            }
            return List.copyOf(strings);
        });
    }

    /**
     * A JSON object.
     *
     * @param example an object of the kind expected, for messages
     */
    Optional<JsonObject> object(String key, String example) {
        return value(key).map(v -> {
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                throw wrongType(key, "a JSON object such as " + example
                        + (v.getValueType() == JsonValue.ValueType.STRING ? " (the object itself, not a string)" : ""), v);
            }
            return v.asJsonObject();
        });
    }

    /** Whether the body has the field at all, set to {@code null} included: on an update that removes a value. */
    boolean has(String key) {
        return body.containsKey(key);
    }

    private Optional<JsonValue> value(String key) {
        return Optional.ofNullable(body.get(key)).filter(v -> v.getValueType() != JsonValue.ValueType.NULL);
    }

    private InvalidPayloadException wrongType(String key, String expected, JsonValue given) {
        return new InvalidPayloadException("\"" + key + "\" of " + what + " must be " + expected + ", was "
                + abbreviated(given));
    }

    private static String kindOf(JsonValue value) {
        return switch (value.getValueType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            default -> value.getValueType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String abbreviated(JsonValue value) {
        String text = value.toString();
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}

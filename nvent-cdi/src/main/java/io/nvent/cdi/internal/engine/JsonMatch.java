package io.nvent.cdi.internal.engine;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.Map;
import java.util.Optional;

/**
 * Comparisons of JSON values as values, not texts: members in any order, numbers by value
 * ({@code 2} is {@code 2.0}). Used for idempotency keys (the same input again) and the filters of
 * event triggers (a payload that contains the filter).
 */
final class JsonMatch {

    private JsonMatch() {
    }

    /**
     * Two JSON texts equal as values; see {@link #sameValue}. A text holding a number no {@code BigDecimal} holds
     * ({@link #readHeld}) cannot be read as a value: two texts of which one is such compare as texts without their
     * spacing (whitespace outside strings), so the same text spaced otherwise is the same, and anything else
     * (members in another order, such a number written otherwise) is not. Never throws for valid JSON.
     */
    static boolean sameJson(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        Optional<JsonValue> x = readHeld(a);
        Optional<JsonValue> y = readHeld(b);
        return x.isPresent() && y.isPresent() ? sameValue(x.get(), y.get()) : unspaced(a).equals(unspaced(b));
    }

    /**
     * One text for every JSON text {@link #sameJson} takes as the same value: members sorted by name, numbers by
     * value ({@code 2.0} as {@code 2}), no spacing; a text holding a number no {@code BigDecimal} holds, without its
     * spacing. For digests of a request that must match its repeat however its sender wrote it.
     */
    static String canonical(String json) {
        return readHeld(json).map(JsonMatch::canonical).orElseGet(() -> unspaced(json));
    }

    private static String canonical(JsonValue value) {
        if (value instanceof JsonNumber number) {
            return number.bigDecimalValue().stripTrailingZeros().toString();
        }
        if (value instanceof JsonObject object) {
            StringBuilder text = new StringBuilder("{");
            new java.util.TreeMap<>(object).forEach((name, member) -> text.append(text.length() > 1 ? "," : "")
                    .append(Json.PROVIDER.createValue(name)).append(':').append(canonical(member)));
            return text.append('}').toString();
        }
        if (value instanceof JsonArray array) {
            return array.stream().map(JsonMatch::canonical).collect(java.util.stream.Collectors.joining(",", "[", "]"));
        }
        return value.toString();
    }

    /** A valid JSON text without the whitespace outside its strings. */
    static String unspaced(String json) {
        StringBuilder text = new StringBuilder(json.length());
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                inString = escaped || c != '"';
                escaped = !escaped && c == '\\';
            } else if (c == '"') {
                inString = true;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                continue;
            }
            text.append(c);
        }
        return text.toString();
    }

    /** Equal as JSON values: members in any order, and numbers by value ({@code 2} is {@code 2.0}). */
    static boolean sameValue(JsonValue a, JsonValue b) {
        if (a instanceof JsonNumber x && b instanceof JsonNumber y) {
            return x.bigDecimalValue().compareTo(y.bigDecimalValue()) == 0;
        }
        if (a instanceof JsonObject x && b instanceof JsonObject y) {
            return x.keySet().equals(y.keySet()) && x.keySet().stream().allMatch(k -> sameValue(x.get(k), y.get(k)));
        }
        if (a instanceof JsonArray x && b instanceof JsonArray y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameValue(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Whether {@code value} is an object holding every member of {@code filter} with an equal value:
     * a member that is an object itself matches as a subset again, anything else (arrays included) as
     * a whole value by {@link #sameValue}. An empty filter matches every value.
     */
    static boolean contains(JsonValue value, JsonObject filter) {
        if (filter.isEmpty()) {
            return true;
        }
        if (!(value instanceof JsonObject object)) {
            return false;
        }
        for (Map.Entry<String, JsonValue> member : filter.entrySet()) {
            JsonValue actual = object.get(member.getKey());
            if (actual == null) {
                return false;
            }
            boolean matches = member.getValue() instanceof JsonObject nested
                    ? actual instanceof JsonObject && contains(actual, nested)
                    : sameValue(actual, member.getValue());
            if (!matches) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a JSON text that is known to be valid, unless it holds a number too large to write out:
     * valid JSON such as {@code 1e99999999999}, whose exponent no {@code BigDecimal} holds. The parser
     * makes every number one, so such a number anywhere leaves the whole text unread.
     *
     * @return the value; empty if it holds such a number
     */
    static Optional<JsonValue> readHeld(String json) {
        try {
            return Optional.of(read(json));
        } catch (NumberFormatException numberNoBigDecimalHolds) {
            return Optional.empty();
        }
    }

    /** Parses a JSON text that is known to be valid and to hold numbers a {@code BigDecimal} holds. */
    static JsonValue read(String json) {
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader(json))) {
            return reader.readValue();
        }
    }
}

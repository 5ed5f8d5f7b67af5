package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import jakarta.json.JsonException;
import jakarta.json.JsonStructure;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * JSON conversion for payloads: JSON-B for user objects (values already shaped like JSON are written
 * directly, see {@link PlainJson}), JSON-P to validate text.
 */
public final class Json {

    /**
     * One provider for the whole engine: {@code jakarta.json.Json}'s static methods look the
     * provider up through the service loader on every call, which is far too slow on the hot path.
     */
    public static final JsonProvider PROVIDER = JsonProvider.provider();

    /**
     * Deepest nesting of arrays and objects a payload may have: what the JPA store accepts, and below
     * the parser's own limit, whose error is not a JSON error.
     */
    public static final int MAX_DEPTH = 512;

    private final Jsonb jsonb = JsonbBuilder.create();
    private final NumberFidelity numbers = new NumberFidelity();
    private final int maxPayloadBytes;
    private final RunEmittedLimit runEmittedLimit;

    /** Payloads up to {@code maxPayloadBytes}, a run's emitted ones up to the default in all. */
    public Json(int maxPayloadBytes) {
        this(maxPayloadBytes, RunEmittedLimit.atLeast(maxPayloadBytes));
    }

    public Json(int maxPayloadBytes, RunEmittedLimit runEmittedLimit) {
        if (runEmittedLimit.maxBytes() < maxPayloadBytes) {
            throw new IllegalArgumentException("the limit of a run's emitted payloads (" + runEmittedLimit.maxBytes()
                    + " bytes) must not be below the limit of one payload (" + maxPayloadBytes + " bytes)");
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.runEmittedLimit = runEmittedLimit;
    }

    /** The largest payload accepted, in UTF-8 bytes ({@code nvent.payload.max-bytes}). */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** The most a run keeps of its emitted events' payloads ({@code nvent.payload.max-run-emitted-bytes}). */
    public RunEmittedLimit runEmittedLimit() {
        return runEmittedLimit;
    }

    /** Converts a user object to JSON text ({@code "null"} for null) and checks its size. */
    public String toJson(Object value, String what) {
        if (value == null) {
            return "null";
        }
        if (value instanceof jakarta.json.JsonValue jsonValue) {
            return checkSize(jsonValue.toString(), what);
        }
        Optional<String> plain = PlainJson.write(value);
        if (plain.isPresent()) {
            return checkSize(plain.get(), what);
        }
        try {
            return checkSize(jsonb.toJson(value), what);
        } catch (JsonbException e) {
            throw new InvalidPayloadException(what + " cannot be converted to JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that text is one well-formed JSON value within the size limit; returns it. No text
     * ({@code null}, empty or blank) is no JSON value: {@code "null"} or {@code "{}"} say what they mean.
     */
    public String validate(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new InvalidPayloadException(what + " is " + (text == null ? "missing (null)" : "empty")
                    + ": give a JSON value, such as {} or null");
        }
        checkSize(text, what);
        boolean mayHoldSurrogates = mayHoldSurrogates(text);
        try (JsonParser parser = PROVIDER.createParser(new StringReader(text))) {
            int depth = 0;
            do {
                if (!parser.hasNext()) {
                    throw new InvalidPayloadException(what + " is empty");
                }
                JsonParser.Event event = parser.next();
                if (mayHoldSurrogates && (event == JsonParser.Event.KEY_NAME || event == JsonParser.Event.VALUE_STRING)
                        && hasUnpairedSurrogate(parser.getString())) {
                    // JSON-P reads it, but it is no Unicode text: a database refuses it later, and
                    // the payload would be lost after the caller was told it was taken.
                    throw new InvalidPayloadException(what + " is not valid JSON: a string holds an unpaired"
                            + " surrogate (\\ud800 to \\udfff without its pair)");
                }
                if (event == JsonParser.Event.START_OBJECT || event == JsonParser.Event.START_ARRAY) {
                    if (++depth > MAX_DEPTH) {
                        throw new InvalidPayloadException(what + " is nested deeper than " + MAX_DEPTH + " levels");
                    }
                } else if (event == JsonParser.Event.END_OBJECT || event == JsonParser.Event.END_ARRAY) {
                    depth--;
                }
            } while (depth > 0);
            if (parser.hasNext()) {
                throw new InvalidPayloadException(what + " has content after the JSON value");
            }
        } catch (JsonException e) {
            throw new InvalidPayloadException(what + " is not valid JSON: " + e.getMessage(), e);
        }
        return text;
    }

    /** Whether the text has a surrogate, raw or as a {@code \\u} escape: only then are its strings read. */
    private static boolean mayHoldSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                return true;
            }
            if (c == '\\' && i + 2 < text.length() && text.charAt(i + 1) == 'u'
                    && (text.charAt(i + 2) == 'd' || text.charAt(i + 2) == 'D')) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Converts JSON text to the given type. A {@code String} gets a JSON string's value and the JSON
     * text of any other value ({@code {"a":1}}, {@code 42}); JSON {@code null} is {@code null}.
     */
    public Object fromJson(String text, Type type, String what) {
        try {
            if (type == String.class && !text.startsWith("\"")) {
                return isNull(text) ? null : text;
            }
            Optional<JsonStructure> structure = PlainJson.read(text, type);
            if (structure.isPresent()) {
                return structure.get();
            }
            Object bound = jsonb.fromJson(text, type);
            if (bound != null && numbers.mayNarrow(type)) {
                NumberFidelity.firstChanged(text, jsonb.toJson(bound)).ifPresent(changed -> {
                    throw new InvalidPayloadException(what + " cannot be read as " + type.getTypeName() + ": "
                            + changed);
                });
            }
            return bound;
        } catch (JsonbException | JsonException e) {
            throw new InvalidPayloadException(what + " cannot be read as " + type.getTypeName() + ": "
                    + (isUnhelpful(e.getMessage()) ? "it is " + kindOf(text) : e.getMessage()), e);
        }
    }

    /** Whether JSON text is the JSON value {@code null}. */
    static boolean isNull(String text) {
        return text.strip().equals("null");
    }

    /**
     * JSON-B says "Internal error: null" for a string where an object was expected, and names its
     * parser's events ("Incorrect position … START_ARRAY") for an array: neither helps the sender.
     */
    private static boolean isUnhelpful(String message) {
        return message == null || message.startsWith("Internal error") || message.startsWith("Incorrect position");
    }

    /** The kind of a JSON text, by its first character: enough to say why it does not fit a type. */
    static String kindOf(String text) {
        String trimmed = text.strip();
        char first = trimmed.isEmpty() ? ' ' : trimmed.charAt(0);
        return switch (first) {
            case '{' -> "a JSON object that does not fit it";
            case '[' -> "a JSON array";
            case '"' -> "a JSON string";
            case 't', 'f' -> "a JSON boolean";
            case 'n' -> "JSON null";
            default -> "a JSON number";
        };
    }

    /**
     * JSON string literal for a Java string. Ids, names and keys need no escaping and are only put in
     * quotes (every step writes several of them into its history entries); anything else is escaped
     * by JSON-P.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        return needsEscaping(value) ? PROVIDER.createValue(value).toString() : '"' + value + '"';
    }

    /** Whether a string holds a quote, a backslash or a control character (RFC 8259, section 7). */
    private static boolean needsEscaping(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                return true;
            }
        }
        return false;
    }

    private String checkSize(String text, String what) {
        // Cheap bound first: a char is at most 3 UTF-8 bytes in the BMP.
        if ((long) text.length() * 3 > maxPayloadBytes
                && text.getBytes(StandardCharsets.UTF_8).length > maxPayloadBytes) {
            throw new InvalidPayloadException(what + " is larger than the limit of " + maxPayloadBytes
                    + " bytes (nvent.payload.max-bytes)");
        }
        return text;
    }
}

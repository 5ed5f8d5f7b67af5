package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import io.nvent.cdi.internal.registry.InputProperties;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
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
            throw new InvalidPayloadException(what + " cannot be converted to JSON: " + e.getMessage()
                    + notPublic(e, value.getClass()), e);
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
                    + memberThatDoesNotFit(text, String.valueOf(e.getMessage()))
                            .orElseGet(() -> isUnhelpful(e.getMessage()) ? "it is " + kindOf(text) : e.getMessage())
                    + notPublic(e, type instanceof Class<?> c ? c : Object.class), e);
        }
    }

    private static final java.util.regex.Pattern DECLARED_IN =
            java.util.regex.Pattern.compile("declared in '(?:class|interface|record|enum) ([^']+)'");

    /**
     * What to do when JSON-B failed for want of access: it reaches the members of public classes only,
     * and says so as "Error accessing getter 'x' declared in 'class …'" (an {@link IllegalAccessException}
     * underneath), which a user of a record nested without {@code public} in a service or a test does not
     * read as "make it public". Names the class JSON-B names, else the converted class or the first of
     * the classes it is nested in that is not public; empty for any other failure.
     */
    private static String notPublic(Throwable failure, Class<?> converted) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof IllegalAccessException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            return "";
        }
        java.util.regex.Matcher declared = DECLARED_IN.matcher(String.valueOf(failure.getMessage()));
        String name = declared.find() ? declared.group(1) : null;
        for (Class<?> c = converted; name == null && c != null; c = c.getEnclosingClass()) {
            if (!java.lang.reflect.Modifier.isPublic(c.getModifiers())) {
                name = c.getName();
            }
        }
        return name == null ? "; JSON-B reaches the members of public classes only"
                : "; JSON-B reaches the members of public classes only: declare " + name + " public";
    }

    private static final java.util.regex.Pattern UNREADABLE_PROPERTY =
            java.util.regex.Pattern.compile("Unable to deserialize property '([^']*)' because of: ");

    /**
     * The member JSON-B could not read, in the sender's terms: its path and the kind of value it is.
     * JSON-B names it in a chain ("Unable to deserialize property 'order' because of: Unable to
     * deserialize property 'quantity' because of: …") that ends in its own types and parser events
     * ("Incorrect position for processing type: class java.lang.String. Received event: START_OBJECT").
     */
    private static Optional<String> memberThatDoesNotFit(String text, String message) {
        java.util.List<String> path = new java.util.ArrayList<>();
        java.util.regex.Matcher property = UNREADABLE_PROPERTY.matcher(message);
        int at = 0;
        while (property.find(at) && property.start() == at) {
            path.add(property.group(1));
            at = property.end();
        }
        if (path.isEmpty()) {
            return Optional.empty();
        }
        JsonValue value = PROVIDER.createReader(new StringReader(text)).readValue();
        for (String member : path) {
            // A property JSON-B reads under another name (@JsonbProperty) is not found by its own.
            if (!(value instanceof JsonObject object) || !object.containsKey(member)) {
                return Optional.of("its member '" + String.join(".", path) + "' does not fit it");
            }
            value = object.get(member);
        }
        String given = value.toString();
        String what = switch (value.getValueType()) {
            case OBJECT -> kindOf(given);
            case ARRAY -> kindOf(given) + ", which does not fit it";
            default -> (given.length() > 40 ? given.substring(0, 40) + "…" : given) + ", which does not fit it";
        };
        return Optional.of("its member '" + String.join(".", path) + "' is " + what);
    }

    /**
     * Converts a run's or a step's input to the step's input type as {@link #fromJson} does, and
     * refuses a JSON object with a member the user's class has no property for, at any depth its
     * properties' types say: JSON-B would leave it out, and the step would get {@code null} where the
     * sender meant a value ({@code custId} sent for {@code customerId}).
     */
    public Object readInput(String text, Type type, String what) {
        Object bound = fromJson(text, type, what);
        if (bound != null && holdsUserClass(type)) {
            JsonValue value = PROVIDER.createReader(new StringReader(text)).readValue();
            unknownMember(value, type, "").ifPresent(unknown -> {
                throw new InvalidPayloadException(what + " cannot be read as " + type.getTypeName() + ": its member '"
                        + unknown.path() + "' would be dropped, since " + unknown.in().getName() + " has no property "
                        + "of that name (its properties are " + InputProperties.of(unknown.in()) + "); fix the name, "
                        + "or give the class the property (@JsonbProperty names it otherwise)");
            });
        }
        return bound;
    }

    /** Whether the type is, or has as a type argument, a class JSON-B binds property by property. */
    private static boolean holdsUserClass(Type type) {
        if (InputProperties.userClass(type).isPresent()) {
            return true;
        }
        if (type instanceof ParameterizedType parameterized) {
            for (Type argument : parameterized.getActualTypeArguments()) {
                if (holdsUserClass(argument)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A member no property takes: its path from the input's top, and the class that lacks it. */
    private record UnknownMember(String path, Class<?> in) {
    }

    private static Optional<UnknownMember> unknownMember(JsonValue value, Type type, String path) {
        if (value instanceof JsonObject object) {
            Optional<Class<?>> userClass = InputProperties.userClass(type);
            if (userClass.isPresent()) {
                Map<String, Type> known = KNOWN_MEMBERS.get(userClass.get());
                for (Map.Entry<String, JsonValue> member : object.entrySet()) {
                    String at = path.isEmpty() ? member.getKey() : path + "." + member.getKey();
                    Type propertyType = known.get(member.getKey());
                    if (propertyType == null) {
                        return Optional.of(new UnknownMember(at, userClass.get()));
                    }
                    Optional<UnknownMember> deeper = unknownMember(member.getValue(), propertyType, at);
                    if (deeper.isPresent()) {
                        return deeper;
                    }
                }
            } else if (type instanceof ParameterizedType map && map.getRawType() instanceof Class<?> raw
                    && Map.class.isAssignableFrom(raw) && map.getActualTypeArguments().length == 2) {
                for (Map.Entry<String, JsonValue> member : object.entrySet()) {
                    Optional<UnknownMember> deeper = unknownMember(member.getValue(), map.getActualTypeArguments()[1],
                            path.isEmpty() ? member.getKey() : path + "." + member.getKey());
                    if (deeper.isPresent()) {
                        return deeper;
                    }
                }
            }
        } else if (value instanceof JsonArray array && type instanceof ParameterizedType collection
                && collection.getRawType() instanceof Class<?> raw && Collection.class.isAssignableFrom(raw)
                && collection.getActualTypeArguments().length == 1) {
            for (int i = 0; i < array.size(); i++) {
                Optional<UnknownMember> deeper = unknownMember(array.get(i), collection.getActualTypeArguments()[0],
                        path + "[" + i + "]");
                if (deeper.isPresent()) {
                    return deeper;
                }
            }
        }
        return Optional.empty();
    }

    /** Per class, as classes do not change: read for every input of a step taking its own class. */
    private static final ClassValue<Map<String, Type>> KNOWN_MEMBERS = new ClassValue<>() {
        @Override
        protected Map<String, Type> computeValue(Class<?> type) {
            return InputProperties.known(type);
        }
    };

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

    /**
     * Appends {@link #quote}'s text to {@code out}, without the intermediate string when nothing needs
     * escaping: the engine writes several such strings for every step.
     */
    static StringBuilder appendQuoted(StringBuilder out, String value) {
        if (value == null || needsEscaping(value)) {
            return out.append(quote(value));
        }
        return out.append('"').append(value).append('"');
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

    /** Whether {@code text} is within {@code nvent.payload.max-bytes}, in UTF-8 bytes. */
    boolean fits(String text) {
        // Cheap bound first: a char is at most 3 UTF-8 bytes in the BMP.
        return (long) text.length() * 3 <= maxPayloadBytes
                || text.getBytes(StandardCharsets.UTF_8).length <= maxPayloadBytes;
    }

    private String checkSize(String text, String what) {
        if (!fits(text)) {
            throw new InvalidPayloadException(what + " is larger than the limit of " + maxPayloadBytes
                    + " bytes (nvent.payload.max-bytes)");
        }
        return text;
    }
}

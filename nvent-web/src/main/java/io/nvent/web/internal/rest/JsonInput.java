package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.InvalidPayloadException;
import jakarta.json.JsonException;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses what clients send, turning malformed JSON into bad input that says where it broke, in
 * the client's terms rather than the parser's internal states.
 */
public final class JsonInput {

    private static final JsonProvider JSON = Representations.JSON;
    private static final Pattern EXPECTED = Pattern.compile("Expected tokens are: \\[([A-Z, ]+)]");
    private static final Map<String, String> TOKENS = Map.ofEntries(Map.entry("CURLYOPEN", "'{'"),
            Map.entry("CURLYCLOSE", "'}'"), Map.entry("SQUAREOPEN", "'['"), Map.entry("SQUARECLOSE", "']'"),
            Map.entry("COLON", "':'"), Map.entry("COMMA", "','"), Map.entry("STRING", "a string"),
            Map.entry("NUMBER", "a number"), Map.entry("TRUE", "true"), Map.entry("FALSE", "false"),
            Map.entry("NULL", "null"), Map.entry("EOF", "the end"));

    private JsonInput() {
    }

    /**
     * The JSON text of a request body, or {@code whenEmpty} for an empty (or blank) one: the Java API
     * takes no empty text as JSON, while over HTTP an empty body is how one sends nothing.
     *
     * @param body the body as received; may be {@code null}
     * @param whenEmpty the JSON an empty body stands for ({@code "{}"}, {@code "null"})
     * @return JSON text to hand to the engine
     */
    static String orWhenEmpty(String body, String whenEmpty) {
        return body == null || body.isBlank() ? whenEmpty : body;
    }

    /**
     * A body that becomes a trigger's payload or an await's data ({@code /webhook}, {@code /fire},
     * {@code /awaits/{token}}), {@code {}} for an empty one, refused in JSON's terms when it is no
     * JSON: the engine would say it with its parser's internal states, and a webhook's sender knows
     * only what it sent.
     *
     * @throws IllegalArgumentException ({@code NVENT-0726}, a 400) if the body is not JSON, ({@code NVENT-0780})
     *     if it gives a member twice in one object, ({@code NVENT-0758}) if text follows its value
     */
    static String webhookBody(String body) {
        String text = orWhenEmpty(body, "{}");
        Optional<String> refusal;
        try {
            refusal = memberGivenTwiceRefusal(text, "body", member -> "");
        } catch (TextAfterValueException e) {
            throw new IllegalArgumentException(e.refusal("body"), e);
        } catch (JsonException e) {
            throw notJson(whatIsWrong(e));
        } catch (RuntimeException e) {
            throw notJson("nested too deeply");
        }
        refusal.ifPresent(twice -> {
            throw new IllegalArgumentException(twice);
        });
        return text;
    }

    private static IllegalArgumentException notJson(String wrong) {
        return new IllegalArgumentException("NVENT-0726 the body is " + wrong + "; send a JSON value, such as an "
                + "object {\"orderId\":\"A-1\"}, or an empty body for {}");
    }

    /**
     * Reads a request body.
     *
     * @param what what the body is, for the message ("trigger definition")
     * @throws InvalidPayloadException if it is not JSON
     * @throws IllegalArgumentException ({@code NVENT-0758}) if text follows its value
     */
    static JsonValue parse(String body, String what) {
        return reading(() -> read(body), what);
    }

    /**
     * Refuses a request body whose JSON text the engine reads itself (a run's input), in one pass that
     * builds no tree: as {@link #parseBody} refuses it, if it is not JSON or gives a member twice.
     *
     * @param what what the body is, for the message ("input of flow 'order'")
     * @throws InvalidPayloadException if it is not JSON
     * @throws IllegalArgumentException ({@code NVENT-0780}) if a member is given twice, ({@code NVENT-0758}) if text
     *     follows its value
     */
    static void requireJson(String body, String what) {
        reading(() -> memberGivenTwiceRefusal(body, what, member -> ""), what).ifPresent(twice -> {
            throw new IllegalArgumentException(twice);
        });
    }

    private static <T> T reading(Supplier<T> reading, String what) {
        try {
            return reading.get();
        } catch (TextAfterValueException e) {
            throw new IllegalArgumentException(e.refusal(what), e);
        } catch (JsonException e) {
            throw new InvalidPayloadException(what + " is " + whatIsWrong(e), e);
        } catch (RuntimeException e) {
            // Parsson reports nesting beyond its limit with a plain RuntimeException; it is still bad input.
            throw new InvalidPayloadException(what + " cannot be read as JSON: it is nested too deeply", e);
        }
    }

    /**
     * Reads a request body that defines something (a trigger), refusing one that gives a member twice
     * in one object: the parser would keep one of the values and the other would be lost unnoticed.
     *
     * @param what what the body is, for the message ("trigger")
     * @param hint what to say after the member, e.g. how to do what two values may have meant
     * @throws InvalidPayloadException if it is not JSON
     * @throws IllegalArgumentException ({@code NVENT-0780}) if a member is given twice, ({@code NVENT-0758}) if text
     *     follows its value
     */
    static JsonValue parseDefinition(String body, String what, Function<String, String> hint) {
        JsonValue value = parse(body, what);
        requireMembersOnce(body, what, hint);
        return value;
    }

    /**
     * Reads a request body whose JSON becomes a run's input, an event's payload or an await's data,
     * refusing one that gives a member twice in one object, as {@link #parseDefinition} does: the parser
     * kept the last value, and the run went on with it while the sender's other value was lost unnoticed.
     *
     * @param what what the body is, for the message ("input of flow 'order'")
     * @throws InvalidPayloadException if it is not JSON
     * @throws IllegalArgumentException ({@code NVENT-0780}) if a member is given twice, ({@code NVENT-0758}) if text
     *     follows its value
     */
    static JsonValue parseBody(String body, String what) {
        return parseDefinition(body, what, member -> "");
    }

    /** Refuses valid JSON text that gives a member twice in one object ({@code NVENT-0780}). */
    private static void requireMembersOnce(String text, String what, Function<String, String> hint) {
        Optional<String> refusal = memberGivenTwiceRefusal(text, what, hint);
        if (refusal.isPresent()) {
            throw new IllegalArgumentException(refusal.get());
        }
    }

    /**
     * Why valid JSON text is refused ({@code NVENT-0780}), if it gives a member twice in one object: the
     * parser keeps one of the values and the other is lost unnoticed.
     *
     * @param what what the text is, for the message ("message")
     */
    public static Optional<String> memberGivenTwiceRefusal(String text, String what) {
        return memberGivenTwiceRefusal(text, what, member -> "");
    }

    private static Optional<String> memberGivenTwiceRefusal(String text, String what, Function<String, String> hint) {
        return memberGivenTwice(text).map(twice -> "NVENT-0780 the " + what + " gives the member \"" + twice
                + "\" twice; give each member once" + hint.apply(twice));
    }

    /**
     * The first member given twice in one object, by its path from the top ({@code filter.region},
     * {@code flows[1].name}), read in one pass over the text that builds no tree: as {@link #read}, it
     * reads the text to its end and fails alike where it is no JSON, text after the value included, so a
     * body it accepts needs no other read. nvent-api checks a trigger's filter text alike ({@code NVENT-0230}); it cannot share its check,
     * having no internal package.
     *
     * @throws JsonException if the text is not JSON (describe it with {@link #whatIsWrong})
     * @throws RuntimeException for nesting beyond the parser's limit
     */
    static Optional<String> memberGivenTwice(String text) {
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            List<String> twice = new ArrayList<>();
            memberGivenTwice(parser, parser.next(), "", twice);
            requireEnd(parser);
            return twice.stream().findFirst();
        }
    }

    /**
     * Refuses anything but whitespace after the value a parser has read: Parsson's reader stops at the
     * value's end, so {@code {"a":1} x} was taken for {@code {"a":1}}, and a sender's second value, or a
     * body cut and pasted twice, went by unnoticed. Every body and live message is read through here.
     *
     * @throws TextAfterValueException ({@code NVENT-0758}) if more follows the value
     */
    private static void requireEnd(JsonParser parser) {
        JsonLocation end = parser.getLocation();
        boolean more;
        try {
            more = parser.hasNext();
        } catch (JsonParsingException notAToken) {
            more = true;
        }
        if (more) {
            throw new TextAfterValueException(end);
        }
    }

    /**
     * Text after a JSON value: the value ended where more followed. A {@link JsonParsingException}, so
     * that whoever reads JSON through here without asking for it refuses it as other malformed JSON;
     * {@link #refusal} says it with its id.
     */
    public static final class TextAfterValueException extends JsonParsingException {

        private static final long serialVersionUID = 1L;

        TextAfterValueException(JsonLocation end) {
            // The parser stands just past the value's last character.
            super("text follows the JSON value, which ends at line " + end.getLineNumber() + ", column "
                    + Math.max(1, end.getColumnNumber() - 1), end);
        }

        /**
         * The refusal of the text ({@code NVENT-0758}, a 400).
         *
         * @param what what the text is, for the message ("body", "input of flow 'order'", "message")
         */
        public String refusal(String what) {
            return "NVENT-0758 the " + what + " is not one JSON value: " + getMessage()
                    + "; send one JSON value, with nothing after it but whitespace";
        }
    }

    /** Reads the value that {@code start} begins, noting in {@code twice} each member given twice. */
    private static void memberGivenTwice(JsonParser parser, JsonParser.Event start, String path, List<String> twice) {
        if (start == JsonParser.Event.START_OBJECT) {
            Set<String> members = new HashSet<>();
            while (parser.next() != JsonParser.Event.END_OBJECT) {
                String member = parser.getString();
                String at = path.isEmpty() ? member : path + "." + member;
                if (!members.add(member)) {
                    twice.add(at);
                }
                memberGivenTwice(parser, parser.next(), at, twice);
            }
        } else if (start == JsonParser.Event.START_ARRAY) {
            int index = 0;
            for (JsonParser.Event next = parser.next(); next != JsonParser.Event.END_ARRAY; next = parser.next()) {
                memberGivenTwice(parser, next, path + "[" + index++ + "]", twice);
            }
        }
    }

    /**
     * Reads any JSON value.
     *
     * @throws JsonException if the text is not JSON (describe it with {@link #whatIsWrong})
     * @throws RuntimeException for nesting beyond the parser's limit
     */
    public static JsonValue read(String text) {
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            if (!parser.hasNext()) {
                // As the reader says of empty text.
                throw new JsonParsingException("Invalid token=EOF", parser.getLocation());
            }
            parser.next();
            JsonValue value = parser.getValue();
            requireEnd(parser);
            return value;
        }
    }

    /**
     * Why text could not be read: "not valid JSON at line 1, column 6: expected ':'", "not valid JSON:
     * it ends too early, expected a string".
     */
    public static String whatIsWrong(JsonException e) {
        if (e instanceof TextAfterValueException) {
            return "not one JSON value: " + e.getMessage();
        }
        StringBuilder description = new StringBuilder("not valid JSON");
        if (String.valueOf(e.getMessage()).startsWith("Invalid token=EOF")) {
            // Parsson's column at the end of the text is not where the text ends: say that it ends instead.
            description.append(": it ends too early");
        } else if (e instanceof JsonParsingException parsing && parsing.getLocation() != null
                && parsing.getLocation().getLineNumber() > 0) {
            JsonLocation at = parsing.getLocation();
            description.append(" at line ").append(at.getLineNumber()).append(", column ").append(at.getColumnNumber());
        }
        Matcher expected = EXPECTED.matcher(String.valueOf(e.getMessage()));
        if (expected.find()) {
            List<String> tokens = new ArrayList<>();
            for (String token : expected.group(1).split(",\\s*")) {
                tokens.add(TOKENS.getOrDefault(token.trim(), token.trim().toLowerCase()));
            }
            description.append(description.indexOf(":") < 0 ? ": expected " : ", expected ").append(String.join(" or ", tokens));
        }
        return description.toString();
    }

    /** The kind of a JSON value in words ("an array"), for messages about a value of the wrong kind. */
    public static String kindOf(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            case NULL -> "null";
        };
    }
}

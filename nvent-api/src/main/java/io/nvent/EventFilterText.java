package io.nvent;

import jakarta.json.JsonException;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

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
     * @throws IllegalArgumentException if it is not a JSON object, or holds a number too large to write out
     */
    static String compact(String trigger, String text) {
        JsonValue value;
        boolean more;
        try (JsonParser parser = Provider.JSON.createParser(new StringReader(text))) {
            parser.next();
            value = parser.getValue();
            more = hasMore(parser);
        } catch (NumberFormatException e) {
            // Valid JSON such as 1e99999999999, whose exponent no BigDecimal holds: nothing compares with it.
            throw new IllegalArgumentException("NVENT-0274 the filter of event trigger '" + trigger + "' holds a number"
                    + " too large to write out, such as 1e99999999999 (" + e.getMessage() + "): no payload could be"
                    + " compared with it");
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
        Optional<String> twice = memberGivenTwice(text);
        if (twice.isPresent()) {
            // JSON keeps one of them (which one depends on the parser): the filter would not say what was written.
            throw new IllegalArgumentException("NVENT-0230 the filter of event trigger '" + trigger + "' gives the "
                    + "member \"" + twice.get() + "\" twice; give each member once (a filter cannot say \"either "
                    + "value\": declare one trigger per value)");
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

    /**
     * The first member given twice in one object of valid JSON text, by its path from the top
     * ({@code order.region}, {@code items[1].sku}), or empty if every object names each member once.
     */
    private static Optional<String> memberGivenTwice(String text) {
        Deque<Container> open = new ArrayDeque<>();
        try (JsonParser parser = Provider.JSON.createParser(new StringReader(text))) {
            while (parser.hasNext()) {
                JsonParser.Event event = parser.next();
                switch (event) {
                    case START_OBJECT, START_ARRAY -> open.push(new Container(
                            open.isEmpty() ? "" : open.peek().nextValue(), event == JsonParser.Event.START_ARRAY));
                    case END_OBJECT, END_ARRAY -> open.pop();
                    case KEY_NAME -> {
                        if (!open.peek().member(parser.getString())) {
                            return Optional.of(open.peek().nextValue());
                        }
                    }
                    default -> open.peek().nextValue();
                }
            }
        }
        return Optional.empty();
    }

    /** An object or array being read, with its path and the members or elements read so far. */
    private static final class Container {
        private final String path;
        private final boolean array;
        private final Set<String> members = new HashSet<>();
        private String member;
        private int elements;

        Container(String path, boolean array) {
            this.path = path;
            this.array = array;
        }

        /** Whether the member is new in this object; it names the next value. */
        boolean member(String name) {
            member = name;
            return members.add(name);
        }

        /** The path of the value read next in this container. */
        String nextValue() {
            return array ? path + "[" + elements++ + "]" : path.isEmpty() ? member : path + "." + member;
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

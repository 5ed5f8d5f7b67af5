package io.nvent.postgres.internal;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.PublishedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * JSON of published events, as sent on the stream's channel: an array of flat objects
 * <pre>
 * [{"flow":"order","runId":"r-1","seq":3,"type":"step.completed","step":"charge","attempt":1,
 *   "timestamp":"2025-01-01T10:00:00.123456Z","data":"{\"ok\":true}"}]
 * </pre>
 * {@code data} is the entry's JSON as a string, so it arrives byte for byte; {@code step} is
 * {@code null} when absent. Hand-written (a few dozen lines) so the module needs no JSON provider
 * outside a container; unknown fields are ignored so newer publishers can add some.
 */
public final class EventCodec {

    private final String text;
    private int pos;

    private EventCodec(String text) {
        this.text = text;
    }

    /** One event as a JSON object. */
    public static String encode(PublishedEvent published) {
        HistoryEvent e = published.event();
        StringBuilder out = new StringBuilder(160 + e.data().length());
        out.append("{\"flow\":");
        string(out, published.flow());
        out.append(",\"runId\":");
        string(out, e.runId());
        out.append(",\"seq\":").append(e.seq());
        out.append(",\"type\":");
        string(out, e.type().wireName());
        out.append(",\"step\":");
        if (e.step().isPresent()) {
            string(out, e.step().get());
        } else {
            out.append("null");
        }
        out.append(",\"attempt\":").append(e.attempt());
        out.append(",\"timestamp\":");
        string(out, e.timestamp().toString());
        out.append(",\"data\":");
        string(out, e.data());
        return out.append('}').toString();
    }

    /** A JSON array of already encoded objects. */
    public static String array(List<String> objects) {
        return "[" + String.join(",", objects) + "]";
    }

    /**
     * The events of a JSON array written by {@link #encode}/{@link #array}.
     *
     * @throws IllegalArgumentException if the text is not such an array
     */
    public static List<PublishedEvent> decode(String text) {
        EventCodec codec = new EventCodec(text);
        List<PublishedEvent> events = new ArrayList<>();
        codec.expect('[');
        if (!codec.consume(']')) {
            do {
                events.add(codec.event());
            } while (codec.consume(','));
            codec.expect(']');
        }
        codec.skipWhitespace();
        if (codec.pos != text.length()) {
            throw codec.error("unexpected text after the array");
        }
        return events;
    }

    private PublishedEvent event() {
        Map<String, Object> fields = new HashMap<>();
        expect('{');
        if (!consume('}')) {
            do {
                skipWhitespace();
                String key = string();
                expect(':');
                fields.put(key, value());
            } while (consume(','));
            expect('}');
        }
        String type = (String) fields.get("type");
        HistoryEvent event = new HistoryEvent((String) fields.get("runId"), number(fields, "seq"),
                EventType.fromWireName(type).orElseThrow(() -> error("unknown event type " + type)),
                Optional.ofNullable((String) fields.get("step")), (int) number(fields, "attempt"),
                Instant.parse((String) fields.get("timestamp")), (String) fields.get("data"));
        return new PublishedEvent((String) fields.get("flow"), event);
    }

    private long number(Map<String, Object> fields, String key) {
        Object value = fields.get(key);
        if (value instanceof Long number) {
            return number;
        }
        throw error("field " + key + " is not an integer");
    }

    private Object value() {
        skipWhitespace();
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (text.startsWith("null", pos)) {
            pos += 4;
            return null;
        }
        if (text.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (start == pos) {
            throw error("unexpected character '" + c + "'");
        }
        String number = text.substring(start, pos);
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException notInteger) {
            return Double.parseDouble(number);
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escaped = text.charAt(pos++);
            switch (escaped) {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape \\" + escaped);
            }
        }
    }

    private static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // Control characters and NUL (which NOTIFY and text columns refuse) as \\u escapes.
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private void skipWhitespace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private boolean consume(char c) {
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException("not a published-events array: " + message + " at offset " + pos);
    }
}

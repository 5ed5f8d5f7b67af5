package io.nvent.postgres.internal;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.PublishedEvent;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * JSON of published events, as sent on the stream's channel: an array of flat objects
 * <pre>
 * [{"flow":"order","runId":"r-1","seq":3,"type":"step.completed","step":"charge","attempt":1,
 *   "timestamp":"2025-01-01T10:00:00.123456Z","data":"{\"ok\":true}"}]
 * </pre>
 * {@code data} is the entry's JSON as a string, so it arrives byte for byte; {@code step} is
 * {@code null} when absent. Unknown fields are ignored so newer publishers can add some. Written
 * and read with JSON-P, whose provider the engine needs anyway (the server's, or Parsson outside one).
 */
public final class EventCodec {

    private static final JsonProvider JSON = JsonProvider.provider();

    private EventCodec() {
    }

    /** One event as a JSON object. */
    public static String encode(PublishedEvent published) {
        HistoryEvent e = published.event();
        StringWriter out = new StringWriter(160 + e.data().length());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject().write("flow", published.flow()).write("runId", e.runId()).write("seq", e.seq())
                    .write("type", e.type().wireName());
            if (e.step().isPresent()) {
                json.write("step", e.step().get());
            } else {
                json.writeNull("step");
            }
            json.write("attempt", e.attempt()).write("timestamp", e.timestamp().toString()).write("data", e.data())
                    .writeEnd();
        }
        return out.toString();
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
        JsonArray array;
        try (JsonReader reader = JSON.createReader(new StringReader(text))) {
            array = reader.readArray();
        } catch (JsonException | IllegalStateException e) {
            throw notEvents(e.getMessage(), e);
        }
        List<PublishedEvent> events = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                events.add(event(array.getJsonObject(i)));
            } catch (RuntimeException e) {
                throw notEvents("element " + i + ": " + e, e);
            }
        }
        return events;
    }

    private static PublishedEvent event(JsonObject fields) {
        String type = fields.getString("type");
        HistoryEvent event = new HistoryEvent(fields.getString("runId"), fields.getJsonNumber("seq").longValueExact(),
                EventType.fromWireName(type).orElseThrow(() -> new IllegalArgumentException("unknown event type " + type)),
                fields.isNull("step") ? Optional.empty() : Optional.of(fields.getString("step")),
                fields.getJsonNumber("attempt").intValueExact(), Instant.parse(fields.getString("timestamp")),
                fields.getString("data"));
        return new PublishedEvent(fields.getString("flow"), event);
    }

    private static IllegalArgumentException notEvents(String reason, Exception cause) {
        return new IllegalArgumentException("not a published-events array: " + reason, cause);
    }
}

package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.InvalidPayloadException;
import jakarta.json.JsonException;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;

/** Parses request bodies, turning malformed JSON into a 400 problem that says where it broke. */
final class JsonInput {

    private static final JsonProvider JSON = Representations.JSON;

    private JsonInput() {
    }

    static JsonValue parse(String body, String what) {
        try (JsonReader reader = JSON.createReader(new StringReader(body))) {
            return reader.readValue();
        } catch (JsonException e) {
            throw new InvalidPayloadException(what + " is not valid JSON: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Parsson reports nesting beyond its limit with a plain RuntimeException; it is still bad input.
            throw new InvalidPayloadException(what + " cannot be read as JSON: " + e.getMessage(), e);
        }
    }
}

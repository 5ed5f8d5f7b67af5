package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.InvalidPayloadException;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;

/** Parses request bodies, turning malformed JSON into a 400 problem that says where it broke. */
final class JsonInput {

    private static final JsonProvider JSON = Representations.JSON;


    private JsonInput() {
    }

    static JsonValue parse(String body, String what) {
        try (JsonReader reader = JSON.createReader(new StringReader(body))) {
            return reader.readValue();
        } catch (JsonParsingException e) {
            throw new InvalidPayloadException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}

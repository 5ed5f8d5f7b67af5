package io.nvent.cluster;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/** The REST API of one instance, as the built-in administrator ({@code admin}/{@code admin}) or anonymously. */
final class Api {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ADMIN = "Basic "
            + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));

    /** An answer: status and body. */
    record Reply(int status, String body) {
        JsonObject json() {
            try (JsonReader reader = Json.createReader(new StringReader(body))) {
                return reader.readObject();
            }
        }

        JsonArray array() {
            try (JsonReader reader = Json.createReader(new StringReader(body))) {
                return reader.readArray();
            }
        }
    }

    private final URI base;

    Api(URI base) {
        this.base = base;
    }

    Reply get(String path) {
        return send(request(path, Optional.of(ADMIN)).GET());
    }

    Reply post(String path, String json) {
        return send(request(path, Optional.of(ADMIN)).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A call without credentials, like a webhook sender's. */
    Reply postAnonymously(String path, String json) {
        return send(request(path, Optional.empty()).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Starts a run of {@code flow} and returns its id. */
    String start(String flow, String input) {
        Reply reply = post("api/nvent/flows/" + flow + "/runs", input);
        if (reply.status() != 201) {
            throw new IllegalStateException("starting " + flow + " on " + base + " answered " + reply.status()
                    + ": " + reply.body());
        }
        return reply.json().getString("runId");
    }

    private HttpRequest.Builder request(String path, Optional<String> authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json");
        authorization.ifPresent(value -> request.header("Authorization", value));
        return request;
    }

    private static Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

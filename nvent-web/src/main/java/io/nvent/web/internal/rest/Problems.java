package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Consumer;

/** Builds RFC 9457 {@code application/problem+json} responses. */
final class Problems {

    private static final JsonProvider JSON = Representations.JSON;


    static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");

    private Problems() {
    }

    static Response of(int status, String title, String detail) {
        return of(status, title, detail, body -> { });
    }

    /** A problem with members of its own besides the standard ones ({@code violations} of a refused input, say). */
    static Response of(int status, String title, String detail, Consumer<JsonObjectBuilder> extensions) {
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("type", "about:blank")
                .add("title", title)
                .add("status", status);
        if (detail != null) {
            body.add("detail", detail);
        }
        extensions.accept(body);
        return Response.status(status).type(PROBLEM_JSON).entity(body.build().toString()).build();
    }
}

package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Builds RFC 9457 {@code application/problem+json} responses. */
final class Problems {

    private static final JsonProvider JSON = Representations.JSON;


    static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");

    private Problems() {
    }

    static Response of(int status, String title, String detail) {
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("type", "about:blank")
                .add("title", title)
                .add("status", status);
        if (detail != null) {
            body.add("detail", detail);
        }
        return Response.status(statusType(status)).type(PROBLEM_JSON).entity(body.build().toString()).build();
    }

    /**
     * The status with its reason phrase: JAX-RS knows none for 422, and a container then writes a
     * status line such as {@code 422 CUSTOM}.
     */
    static Response.StatusType statusType(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        if (known != null) {
            return known;
        }
        String phrase = status == 422 ? "Unprocessable Content" : "Error";
        return new Response.StatusType() {
            @Override
            public int getStatusCode() {
                return status;
            }

            @Override
            public Response.Status.Family getFamily() {
                return Response.Status.Family.familyOf(status);
            }

            @Override
            public String getReasonPhrase() {
                return phrase;
            }
        };
    }
}

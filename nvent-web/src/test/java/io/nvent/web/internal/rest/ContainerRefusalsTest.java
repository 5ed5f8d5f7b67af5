package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.Test;

/**
 * What the API answers a request the JAX-RS runtime refuses before any resource runs (no such path, a
 * method the path does not take, a body or an answer of a type the request does not take): a problem
 * with a message id that says what to send instead, where it said only "HTTP 415 Unsupported Media Type".
 */
class ContainerRefusalsTest {

    /** A trigger-like resource: it reads JSON and answers JSON. */
    @Path("things")
    public static class Things {
        @GET
        @Produces(MediaType.APPLICATION_JSON)
        public String list() {
            return "[]";
        }

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        @Produces(MediaType.APPLICATION_JSON)
        public String create(String body) {
            return body;
        }

        @GET
        @Path("missing")
        public String missing() {
            throw new NotFoundException("NVENT-0746 queue 'q' has no job 'j'");
        }
    }

    private final InProcessApi api = InProcessApi.of(Things.class);

    @Test
    void aPathNoResourceHasSaysWhereTheApiIsDescribed() {
        ContainerResponse unknown = api.get("thingz");

        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(unknown.getEntity()).asString().contains("NVENT-0776 no resource of nvent's API has the path "
                + "/api/nvent/thingz", "GET /api/nvent/openapi.yaml");
    }

    @Test
    void aMethodThePathDoesNotTakeIsNamedWithTheOnesItTakes() {
        ContainerResponse wrongMethod = api.request("DELETE", "things", null);

        assertThat(wrongMethod.getStatus()).isEqualTo(405);
        assertThat(wrongMethod.getHeaderString("Allow")).contains("GET", "POST");
        assertThat(wrongMethod.getEntity()).asString().contains("NVENT-0777 DELETE is not a method of /api/nvent/things;"
                + " it takes ");
    }

    @Test
    void aBodyOfAnotherTypeIsRefusedNamingTheTypeSentAndTheOneToSend() {
        ContainerResponse plainText = api.requestWithBody("POST", "things", "{}", "Content-Type", "text/plain");

        assertThat(plainText.getStatus()).isEqualTo(415);
        assertThat(plainText.getMediaType()).hasToString("application/problem+json");
        assertThat(plainText.getEntity()).asString().contains("NVENT-0778 the body was sent as text/plain; this "
                + "request takes application/json");
    }

    @Test
    void anAcceptHeaderThatTakesNoAnswerOfTheRequestIsNamed() {
        ContainerResponse xmlOnly = api.requestWithBody("GET", "things", "", "Accept", "application/xml");

        assertThat(xmlOnly.getStatus()).isEqualTo(406);
        assertThat(xmlOnly.getEntity()).asString().contains("NVENT-0779 the Accept header 'application/xml' takes "
                + "none of the types this request answers");
    }

    @Test
    void aResourcesOwnRefusalKeepsItsMessage() {
        assertThat(api.get("things/missing").getEntity()).asString()
                .contains("\"detail\":\"NVENT-0746 queue 'q' has no job 'j'\"");
    }
    /**
     * Review finding: NVENT-0779 tells every caller to accept application/json, but GET openapi.yaml answers
     * application/yaml alone: a client that follows the advice (Accept: application/json) gets the same 406.
     */
    @Test
    void reviewAnAcceptRefusedByTheOpenApiDocumentNamesTheTypeItAnswers() {
        ContainerResponse jsonOnly = InProcessApi.of(OpenApiResource.class).requestWithBody("GET", "openapi.yaml", "",
                "Accept", "application/json");

        assertThat(jsonOnly.getStatus()).isEqualTo(406);
        assertThat(jsonOnly.getEntity()).asString().contains("application/yaml");
    }

    /**
     * Review finding: in a WAR deployed at /shop the API is at /shop/api/nvent (OpenApiResource rewrites its
     * server URL for that reason), but NVENT-0776 points the caller to GET /api/nvent/openapi.yaml, a path
     * outside the application.
     */
    @Test
    void reviewAPathNoResourceHasPointsToTheOpenApiDocumentOfThisApplication() throws Exception {
        URI base = URI.create("http://localhost/shop/api/nvent/");
        ApplicationHandler shop = new ApplicationHandler(new ResourceConfig(Things.class, WebProblemMapper.class));

        ContainerResponse unknown = shop.apply(new ContainerRequest(base, base.resolve("thingz"), "GET", null,
                new MapPropertiesDelegate(), null)).get();

        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(unknown.getEntity()).asString().contains("GET /shop/api/nvent/openapi.yaml");
    }
}

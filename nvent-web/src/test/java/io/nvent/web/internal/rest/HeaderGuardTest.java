package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.Test;

/**
 * Headers that cannot mean one thing are refused before a resource reads them: of an
 * {@code Idempotency-Key} given twice a resource saw only the first, so a retry that sent the keys in
 * the other order started a second run.
 */
class HeaderGuardTest {

    /** The keys the start resource was given. */
    private static final List<String> STARTED_WITH = new ArrayList<>();

    /** Starts a "run" keyed as a real start reads its key. */
    @Path("start")
    public static class Start {
        @POST
        public String start(@HeaderParam(StartRequests.IDEMPOTENCY_KEY) String key, String body) {
            STARTED_WITH.add(key);
            return "{\"started\":true}";
        }
    }

    private final InProcessApi api = InProcessApi.of(Start.class);

    @Test
    void anIdempotencyKeyGivenTwiceIsRefusedAndStartsNothing() {
        STARTED_WITH.clear();

        ContainerResponse twice = api.requestWithBody("POST", "start", "{}", "Content-Type", "application/json",
                "Idempotency-Key", "order-1", "Idempotency-Key", "order-2");

        assertThat(twice.getStatus()).isEqualTo(400);
        assertThat(twice.getMediaType()).hasToString("application/problem+json");
        assertThat(twice.getEntity()).asString().contains("NVENT-0771 the Idempotency-Key header is given 2 times");
        assertThat(STARTED_WITH).isEmpty();
    }

    /** A gzip body's compressed bytes were read as the JSON it compresses, and refused as malformed or not UTF-8. */
    @Test
    void aBodyWithAContentEncodingOtherThanIdentityIsRefusedWith415NamingTheOneAcceptedAndStartsNothing() {
        STARTED_WITH.clear();

        for (String encoding : List.of("gzip", "GZIP", "deflate", "identity, br")) {
            ContainerResponse encoded = api.requestWithBody("POST", "start", "{}", "Content-Type", "application/json",
                    "Content-Encoding", encoding);

            assertThat(encoded.getStatus()).as(encoding).isEqualTo(415);
            assertThat(encoded.getMediaType()).hasToString("application/problem+json");
            assertThat(encoded.getHeaderString("Accept-Encoding")).isEqualTo("identity");
            assertThat(encoded.getEntity()).asString().contains("NVENT-0768 the body was sent with Content-Encoding: "
                    + encoding.replace("identity, ", "") + ", which this server does not decode; it accepts only "
                    + "identity");
        }
        assertThat(STARTED_WITH).isEmpty();
        assertThat(api.requestWithBody("POST", "start", "{}", "Content-Type", "application/json",
                "Content-Encoding", "identity").getStatus()).as("identity: no coding").isEqualTo(200);
    }

    @Test
    void oneIdempotencyKeyOrNoneReachesTheResource() {
        STARTED_WITH.clear();

        assertThat(api.requestWithBody("POST", "start", "{}", "Content-Type", "application/json",
                "Idempotency-Key", "order-1").getStatus()).isEqualTo(200);
        assertThat(api.requestWithBody("POST", "start", "{}", "Content-Type", "application/json").getStatus())
                .isEqualTo(200);
        assertThat(STARTED_WITH).containsExactly("order-1", null);
    }

    /**
     * A Content-Type JAX-RS cannot read failed the request with an empty 400, which the servlet container
     * answered with its HTML error page (Payara: "Payara Micro - Error report").
     */
    @Test
    void aContentTypeThatIsNoMediaTypeIsA400ProblemNamingTheHeader() {
        STARTED_WITH.clear();

        for (String contentType : List.of("garbage", "application/", "application/json;charset")) {
            ContainerResponse refused = api.requestWithBody("POST", "start", "{}", "Content-Type", contentType);

            assertThat(refused.getStatus()).as(contentType).isEqualTo(400);
            assertThat(refused.getMediaType()).as(contentType).hasToString("application/problem+json");
            assertThat(refused.getEntity()).asString().contains("NVENT-0772 the Content-Type header '" + contentType
                    + "' is not a media type", "send application/json");
        }
        assertThat(STARTED_WITH).isEmpty();
    }

    @Test
    void aCharsetTheServerDoesNotKnowIsA400ProblemNamingIt() {
        ContainerResponse refused = api.requestWithBody("POST", "start", "{}", "Content-Type",
                "application/json; charset=bogus");

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(refused.getEntity()).asString().contains("NVENT-0772 the Content-Type header "
                + "'application/json; charset=bogus' names the charset 'bogus', which this server does not know");
    }
    /** A public webhook that refuses every call as one without its signature, as TriggersResource does first. */
    @Path("triggers/{name}/webhook")
    public static class UnsignedWebhook {
        @POST
        public Response webhook(@PathParam("name") String name, String body) {
            return Problems.of(401, "Invalid signature", "the request has no signature");
        }
    }

    /**
     * Review finding: openapi.yaml documents the webhook's 400 for an Idempotency-Key given twice
     * (NVENT-0771) or a Content-Type that is no media type (NVENT-0772) as "checked after the signature
     * and key"; HeaderGuard is {@code @PreMatching}, so an anonymous caller without a signature gets the
     * 400 before the resource can answer its 401.
     */
    @Test
    void reviewAWebhookCallWithoutItsSignatureIsRefusedAs401BeforeItsHeadersAreJudged() {
        ContainerResponse unsigned = InProcessApi.of(UnsignedWebhook.class).requestWithBody("POST",
                "triggers/orders/webhook", "{}", "Content-Type", "application/json",
                "Idempotency-Key", "order-1", "Idempotency-Key", "order-2");

        assertThat(unsigned.getStatus()).isEqualTo(401);
    }

    /** A public webhook that refuses every call as unsigned, saying which Content-Type it was given. */
    @Path("awaits/{token}")
    public static class UnsignedAwaitWebhook {
        @POST
        public Response webhook(@PathParam("token") String token, @HeaderParam("Content-Type") String contentType,
                                @HeaderParam(HeaderGuard.SET_ASIDE_CONTENT_TYPE) String setAside, byte[] body) {
            return Problems.of(401, "Invalid signature", "the request has no signature; it came as " + contentType
                    + ", set aside " + setAside);
        }
    }

    /**
     * A Content-Type that is no media type was refused (400, NVENT-0772) before the webhook asked for its
     * signature, telling a caller who cannot sign what the webhook parses: it reaches the webhook set aside.
     */
    @Test
    void aWebhookCallWithoutItsSignatureIsRefusedAs401WhateverItsContentType() {
        for (String contentType : List.of("garbage", "application/", "application/json; charset=bogus")) {
            ContainerResponse unsigned = InProcessApi.of(UnsignedWebhook.class).requestWithBody("POST",
                    "triggers/orders/webhook", "{}", "Content-Type", contentType);

            assertThat(unsigned.getStatus()).as(contentType).isEqualTo(401);
        }
        ContainerResponse setAside = InProcessApi.of(UnsignedAwaitWebhook.class).requestWithBody("POST",
                "awaits/t0ken", "{}", "Content-Type", "garbage");
        assertThat(setAside.getStatus()).isEqualTo(401);
        assertThat(setAside.getEntity()).asString().contains("it came as application/octet-stream, set aside garbage");
        assertThat(HeaderGuard.contentTypeProblem("garbage")).isPresent();
    }

    /**
     * Review finding: a caller's own {@code Nvent-Set-Aside-Content-Type} reached the webhook beside a Content-Type
     * that is a media type, which refused the signed call (400) for a Content-Type it was never sent.
     */
    @Test
    void reviewACallersOwnSetAsideHeaderDoesNotReachTheWebhookBesideAMediaType() {
        ContainerResponse given = InProcessApi.of(UnsignedAwaitWebhook.class).requestWithBody("POST",
                "awaits/t0ken", "{}", "Content-Type", "application/json",
                HeaderGuard.SET_ASIDE_CONTENT_TYPE, "garbage");

        assertThat(given.getEntity()).asString().contains("it came as application/json, set aside null");
    }
}

package io.nvent.web.internal.rest;

import io.nvent.AwaitInfo;
import io.nvent.AwaitNotFoundException;
import io.nvent.FlowService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;

/**
 * Awaits: the operator's list and resolve action, and the public webhook
 * {@code POST /api/nvent/awaits/{token}} whose unguessable token authenticates the caller.
 */
@ApplicationScoped
@Path("awaits")
@Produces(MediaType.APPLICATION_JSON)
public class AwaitsResource {

    @Inject
    FlowService flows;

    /** Awaits, newest first: {@code ?status=pending} (default) or {@code ?status=all}. */
    @GET
    public String list(@QueryParam("status") String status, @QueryParam("limit") String limit, @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "status", "limit");
        boolean pendingOnly = QueryParams.choice("status", status, "pending", "pending", "all").equals("pending");
        JsonArrayBuilder all = Json.createArrayBuilder();
        flows.awaits(pendingOnly, QueryParams.intWithin("limit", limit, 100, 1, 1000))
                .forEach(a -> all.add(await(a)));
        return all.build().toString();
    }

    /** Resolves a waiting await as an operator; the body (JSON) becomes its data. */
    @POST
    @Path("id/{awaitId}/resolve")
    public String resolve(@PathParam("awaitId") String awaitId, String body,
                          @jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security,
                          @jakarta.ws.rs.QueryParam(Operators.REASON) String reason) {
        Operators.acting(flows, security, reason).resolveAwait(awaitId, JsonInput.parseBody(JsonInput.orWhenEmpty(body, "{}"), "resolution data"));
        return Json.createObjectBuilder().add("awaitId", awaitId).add("resolved", true).build().toString();
    }

    /**
     * The webhook URL opened in a browser: a page saying what waits and a button that sends the
     * answer by POST. Opening it answers nothing (link scanners open every link of an email).
     */
    // Public: mail clients and link scanners add parameters of their own (utm_source …) to the link.
    @KnownQueryParams.TakesAnyQuery
    @GET
    @Path("{token}")
    @Produces(MediaType.TEXT_HTML)
    public Response answerPage(@PathParam("token") String token) {
        return flows.webhookAwait(token).map(AnswerPage::of).orElseGet(AnswerPage::unknown).toResponse();
    }

    /**
     * The webhook of a webhook await. Unknown token → 404; already resolved, or its step or flow not
     * deployed here (the await still waits) → 409; timed out or canceled → 410 (see the problem mapper).
     * A {@code Content-Type} that is no media type, and the body, are judged (400) only for a known token.
     */
    @KnownQueryParams.TakesAnyQuery
    @POST
    @Path("{token}")
    public String webhook(@PathParam("token") String token, @Context HttpHeaders headers, byte[] raw) {
        // The token is the caller's credential: a caller without one learns nothing of what the webhook parses.
        if (flows.webhookAwait(token).isEmpty()) {
            throw new AwaitNotFoundException("for this webhook URL");
        }
        HeaderGuard.requireNoSetAsideContentType(headers);
        flows.resolveWebhook(token, JsonInput.webhookBody(raw == null ? null : new String(raw, StandardCharsets.UTF_8)));
        return Json.createObjectBuilder().add("resolved", true)
                .add("message", "the run resumes shortly").build().toString();
    }

    static JsonObjectBuilder await(AwaitInfo a) {
        JsonObjectBuilder body = Json.createObjectBuilder()
                .add("awaitId", a.awaitId()).add("runId", a.runId()).add("flow", a.flow()).add("step", a.step())
                .add("position", a.position().wireName()).add("type", a.type().name().toLowerCase())
                .add("status", a.status().wireName()).add("registeredAt", a.registeredAt().toString());
        a.resolveAt().ifPresent(t -> body.add("resolveAt", t.toString()));
        a.timeoutAt().ifPresent(t -> body.add("timeoutAt", t.toString()));
        a.concurrencyKey().ifPresent(key -> body.add("concurrencyKey", key));
        a.concurrencyKeyHolder().ifPresent(holder -> body.add("concurrencyKeyHolder", holder));
        // Of a run whose key more than one run may hold, how many may; the holders wherever the first is not all of
        // them, also for a run of limit 1 waiting behind several runs of a higher limit.
        if (a.concurrencyLimit() > 1) {
            body.add("concurrencyLimit", a.concurrencyLimit());
        }
        if (a.concurrencyLimit() > 1 && !a.concurrencyKeyHolders().isEmpty() || a.concurrencyKeyHolders().size() > 1) {
            body.add("concurrencyKeyHolders", Json.createArrayBuilder(a.concurrencyKeyHolders()));
        }
        return body;
    }
}

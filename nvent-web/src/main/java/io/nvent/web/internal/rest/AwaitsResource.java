package io.nvent.web.internal.rest;

import io.nvent.AwaitInfo;
import io.nvent.AwaitNotFoundException;
import io.nvent.FlowService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * Awaits: the operator's list, resolve and timeout actions, and the public webhook
 * {@code POST /api/nvent/awaits/{token}} whose unguessable token authenticates the caller.
 */
@ApplicationScoped
@Path("awaits")
@Produces(MediaType.APPLICATION_JSON)
public class AwaitsResource {

    @Inject
    FlowService flows;
    /** The engine's clock: a timeout {@code "in"} a duration is from its now (the system's until injected: a test's). */
    @Inject
    Clock clock = Clock.systemUTC();

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
     * Moves a waiting await's timeout as an operator: {@code {"timeoutAt":"2026-12-10T09:00:00Z"}}, or
     * {@code {"in":"P3D"}} (from now, on the engine's clock). Bad input 400 naming the field (NVENT-1105); an
     * unknown await 404; one no longer waiting, without a timeout or of a run that ended 409 (the engine says why).
     */
    @PUT
    @Path("id/{awaitId}/timeout")
    @Consumes(MediaType.APPLICATION_JSON)
    public String moveTimeout(@PathParam("awaitId") String awaitId, String body,
                              @Context jakarta.ws.rs.core.SecurityContext security,
                              @QueryParam(Operators.REASON) String reason) {
        JsonFields fields = JsonFields.ofBody(JsonInput.orWhenEmpty(body, "{}"), "the new timeout", TIMEOUT_EXAMPLE)
                .allowOnly(List.of("timeoutAt", "in"));
        Optional<String> at = fields.string("timeoutAt");
        Optional<String> in = fields.string("in");
        if (at.isPresent() == in.isPresent()) {
            throw new IllegalArgumentException("NVENT-1105 the new timeout needs exactly one of the fields"
                    + " \"timeoutAt\" (an instant) and \"in\" (a duration from now), like " + TIMEOUT_EXAMPLE
                    + (at.isPresent() ? ", not both" : ", and has neither") + "; nothing changed");
        }
        Instant timeoutAt = at.map(AwaitsResource::instant).orElseGet(() -> clock.instant().plus(duration(in.get())));
        AwaitInfo moved = Operators.acting(flows, security, reason).moveAwaitTimeout(awaitId, timeoutAt);
        return await(moved).build().toString();
    }

    private static final String TIMEOUT_EXAMPLE = "{\"timeoutAt\":\"2026-12-10T09:00:00Z\"} or {\"in\":\"P3D\"}";

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("NVENT-1106 field \"timeoutAt\" must be an instant in UTC like"
                    + " 2026-12-10T09:00:00Z, was '" + io.nvent.spi.internal.LogText.of(text, 60) + "'; nothing changed",
                    e);
        }
    }

    private static Duration duration(String text) {
        try {
            Duration duration = Duration.parse(text);
            if (duration.compareTo(FlowService.LONGEST_AWAIT_TIMEOUT_MOVE) > 0) {
                // refused here: added to now, a duration of millions of years would not be an instant
                throw new IllegalArgumentException("NVENT-1106 field \"in\" must be at most 366 days (P366D), was '"
                        + io.nvent.spi.internal.LogText.of(text, 60) + "'; nothing changed");
            }
            if (!duration.isNegative()) {
                return duration;
            }
        } catch (DateTimeParseException e) {
            // said below
        }
        throw new IllegalArgumentException("NVENT-1106 field \"in\" must be an ISO-8601 duration from now, at least"
                + " zero, like P3D or PT1H, was '" + io.nvent.spi.internal.LogText.of(text, 60) + "'; nothing changed");
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

package io.nvent.web.internal.rest;

import io.nvent.EventDelivery;
import io.nvent.EventOptions;
import io.nvent.FlowService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Publishes a named event: event triggers start their flows, awaiting runs resume. */
@ApplicationScoped
@Path("events")
@Produces(MediaType.APPLICATION_JSON)
public class EventsResource {

    @Inject
    FlowService flows;

    /**
     * Publishes the event; the body is its payload. With an {@code Idempotency-Key}, a repeated request delivers
     * nothing and gets what the first did with {@code Idempotent-Replayed: true}; the same key with another payload
     * is refused (422).
     */
    @POST
    @Path("{event}")
    public Response publish(@PathParam("event") String event,
                            @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey, String body,
                            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security,
                            @jakarta.ws.rs.QueryParam(Operators.REASON) String reason) {
        EventOptions options = StartRequests.eventOptions(idempotencyKey);
        FlowService acting = Operators.acting(flows, security, reason);
        Object payload = JsonInput.parseBody(JsonInput.orWhenEmpty(body, "{}"), "event payload");
        EventDelivery delivery = UnexpectedProblemMapper.checkedByTheEngine(() -> options.idempotencyKey().isEmpty()
                ? acting.publishEvent(event, payload) : acting.publishEvent(event, payload, options));
        return StartRequests.delivered(delivery.replayed(), Json.createObjectBuilder().add("event", event)
                .add("startedRuns", Json.createArrayBuilder(delivery.startedRuns()))
                .add("resolvedAwaits", delivery.resolvedAwaits()).build().toString());
    }
}

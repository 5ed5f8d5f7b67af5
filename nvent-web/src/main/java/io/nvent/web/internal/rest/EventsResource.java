package io.nvent.web.internal.rest;

import io.nvent.EventDelivery;
import io.nvent.FlowService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Publishes a named event: event triggers start their flows, awaiting runs resume. */
@ApplicationScoped
@Path("events")
@Produces(MediaType.APPLICATION_JSON)
public class EventsResource {

    @Inject
    FlowService flows;

    @POST
    @Path("{event}")
    public String publish(@PathParam("event") String event, String body) {
        Object payload = JsonInput.parseBody(JsonInput.orWhenEmpty(body, "{}"), "event payload");
        EventDelivery delivery = UnexpectedProblemMapper.checkedByTheEngine(() -> flows.publishEvent(event, payload));
        return Json.createObjectBuilder().add("event", event)
                .add("startedRuns", Json.createArrayBuilder(delivery.startedRuns()))
                .add("resolvedAwaits", delivery.resolvedAwaits()).build().toString();
    }
}

package io.nvent.web.internal.rest;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.RunNotFoundException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Runs: listing, detail, history, cancel. */
@ApplicationScoped
@Path("runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {

    @Inject
    FlowService flows;

    @GET
    public String list(@QueryParam("flow") String flow, @QueryParam("status") String status,
                       @QueryParam("offset") @DefaultValue("0") int offset,
                       @QueryParam("limit") @DefaultValue("50") int limit) {
        RunQuery query = new RunQuery(Optional.ofNullable(flow).filter(f -> !f.isBlank()),
                Optional.ofNullable(status).filter(s -> !s.isBlank()).map(RunsResource::status), offset, limit);
        JsonArrayBuilder runs = Json.createArrayBuilder();
        flows.runs(query).forEach(run -> runs.add(Representations.run(run)));
        return runs.build().toString();
    }

    @GET
    @Path("{runId}")
    public String get(@PathParam("runId") String runId) {
        return flows.run(runId).map(run -> Representations.run(run).toString())
                .orElseThrow(() -> new RunNotFoundException(runId));
    }

    /**
     * The run's history in sequence order.
     *
     * @param after only entries after this sequence number (for paging and catching up)
     * @param limit page size (1..10000)
     * @param types comma-separated event types, e.g. {@code step.completed,log}
     * @param order {@code asc} (default) or {@code desc}
     */
    @GET
    @Path("{runId}/events")
    public String events(@PathParam("runId") String runId, @QueryParam("after") @DefaultValue("0") long after,
                         @QueryParam("limit") @DefaultValue("1000") int limit, @QueryParam("types") String types,
                         @QueryParam("order") @DefaultValue("asc") String order) {
        EventQuery query = new EventQuery(types(types), after, limit, "desc".equalsIgnoreCase(order));
        JsonArrayBuilder events = Json.createArrayBuilder();
        flows.events(runId, query).forEach(event -> events.add(Representations.event(event)));
        return events.build().toString();
    }

    @POST
    @Path("{runId}/cancel")
    public String cancel(@PathParam("runId") String runId) {
        boolean canceled = flows.cancel(runId);
        return Json.createObjectBuilder().add("runId", runId).add("canceled", canceled)
                .add("status", flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId)).status().wireName())
                .build().toString();
    }

    private static RunStatus status(String value) {
        try {
            return RunStatus.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown status '" + value + "'; use one of "
                    + Arrays.stream(RunStatus.values()).map(RunStatus::wireName).toList(), e);
        }
    }

    private static Set<EventType> types(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .map(t -> EventType.fromWireName(t).orElseThrow(() -> new IllegalArgumentException(
                        "unknown event type '" + t + "'")))
                .collect(Collectors.toSet());
    }
}

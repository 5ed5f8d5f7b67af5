package io.nvent.web.internal.rest;

import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.StartedRun;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.spi.JsonProvider;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Optional;

/** The flow registry, flow graphs and statistics, and starting runs. */
@ApplicationScoped
@Path("flows")
@Produces(MediaType.APPLICATION_JSON)
public class FlowsResource {

    private static final JsonProvider JSON = Representations.JSON;

    @Inject
    FlowService flows;

    @GET
    public String list() {
        JsonArrayBuilder all = JSON.createArrayBuilder();
        flows.flows().forEach(flow -> all.add(Representations.flow(flow, flows.stats(flow.name()))));
        return all.build().toString();
    }

    @GET
    @Path("{flow}")
    public String get(@PathParam("flow") String name) {
        return flows.flow(name)
                .map(flow -> Representations.flow(flow, flows.stats(name)).toString())
                .orElseThrow(() -> new FlowNotFoundException(name));
    }

    @GET
    @Path("{flow}/stats")
    public String stats(@PathParam("flow") String name) {
        return Representations.stats(flows.stats(name)).toString();
    }

    /**
     * The flow as a layered graph of steps and event edges, for drawing; with {@code runId},
     * each step carries its status in that run.
     */
    @GET
    @Path("{flow}/graph")
    public String graph(@PathParam("flow") String name, @QueryParam("runId") String runId) {
        FlowDefinition flow = flows.flow(name).orElseThrow(() -> new FlowNotFoundException(name));
        Optional<RunInfo> run = Optional.empty();
        if (runId != null && !runId.isBlank()) {
            RunInfo found = flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId));
            if (!found.flow().equals(name)) {
                throw new IllegalArgumentException("run '" + runId + "' belongs to flow '" + found.flow()
                        + "', not to '" + name + "'");
            }
            run = Optional.of(found);
        }
        return Representations.graph(flow, run).toString();
    }

    /** Starts a run; the body is the entry step's input (any JSON value, or empty for null). */
    @POST
    @Path("{flow}/runs")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.WILDCARD})
    public Response start(@PathParam("flow") String name, String body, @Context UriInfo uri,
                          @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                          @QueryParam("delay") String delay) {
        StartedRun run = flows.startWithJson(name, JsonInput.orWhenEmpty(body, "null"), StartRequests.startOptions(idempotencyKey,
                QueryParams.optionalPositiveDuration("delay", delay)));
        URI location = uri.getBaseUriBuilder().path("runs").path(run.runId()).build();
        String entity = JSON.createObjectBuilder().add("runId", run.runId()).add("created", run.created()).build()
                .toString();
        // A repeated request gets what the first got, but says that it created nothing this time.
        return (run.created() ? Response.created(location) : Response.ok().location(location)
                .header(StartRequests.REPLAYED, "true"))
                .entity(entity).build();
    }


    /** Clears the flow's history: deletes its finished runs; runs under way stay. */
    @DELETE
    @Path("{flow}/runs")
    public String clearHistory(@PathParam("flow") String name) {
        int deleted = flows.clearHistory(name);
        return JSON.createObjectBuilder().add("flow", name).add("deleted", deleted)
                .add("stats", Representations.stats(flows.stats(name))).build().toString();
    }
}

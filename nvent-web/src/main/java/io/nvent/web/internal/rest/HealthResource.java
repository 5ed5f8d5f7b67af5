package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import io.nvent.HealthReport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The instance's health: {@code /health/live} and {@code /health/ready} for probes, public and
 * without details (200 {@code UP} or 503 {@code DOWN}); {@code /health}, for operators, with every
 * check's detail (which may name hosts and errors, so it needs the admin role). Answering costs no
 * database round trip: the engine reports what its maintenance sweeps observed.
 */
@ApplicationScoped
@Path("health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    @Inject
    FlowService flows;

    @GET
    public Response report() {
        HealthReport report = flows.health();
        JsonArrayBuilder checks = Json.createArrayBuilder();
        report.checks().forEach(check -> checks.add(Json.createObjectBuilder().add("name", check.name())
                .add("status", status(check.up())).add("detail", check.detail())));
        return answer(report.ready(), Json.createObjectBuilder().add("status", status(report.ready()))
                .add("live", report.live()).add("ready", report.ready()).add("checks", checks).build().toString());
    }

    // Public probes: a load balancer's URL may carry parameters of its own.
    @KnownQueryParams.TakesAnyQuery
    @GET
    @Path("live")
    public Response live() {
        boolean live = flows.health().live();
        return answer(live, statusOnly(live));
    }

    @KnownQueryParams.TakesAnyQuery
    @GET
    @Path("ready")
    public Response ready() {
        boolean ready = flows.health().ready();
        return answer(ready, statusOnly(ready));
    }

    private static Response answer(boolean up, String body) {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return Response.status(up ? 200 : 503).entity(body).type(MediaType.APPLICATION_JSON_TYPE).cacheControl(noStore)
                .build();
    }

    private static String statusOnly(boolean up) {
        return Json.createObjectBuilder().add("status", status(up)).build().toString();
    }

    private static String status(boolean up) {
        return up ? "UP" : "DOWN";
    }
}

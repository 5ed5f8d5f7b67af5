package io.nvent.demo;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/demo/approvals[?runId=...]}: the approval URLs the demo "sent". */
@ApplicationScoped
@Path("approvals")
@Produces(MediaType.APPLICATION_JSON)
public class ApprovalsResource {

    @Inject
    ApprovalRequests requests;

    @GET
    public String list(@QueryParam("runId") String runId) {
        JsonArrayBuilder all = Json.createArrayBuilder();
        requests.latest().stream().filter(r -> runId == null || r.get("runId").equals(runId))
                .forEach(r -> {
                    jakarta.json.JsonObjectBuilder request = Json.createObjectBuilder();
                    r.forEach(request::add);
                    all.add(request);
                });
        return all.build().toString();
    }
}

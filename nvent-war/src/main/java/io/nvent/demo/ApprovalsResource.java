package io.nvent.demo;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /api/demo/approvals[?runId=...]}: the approval URLs the demo "sent". */
@ApplicationScoped
@Path("approvals")
@Produces(MediaType.APPLICATION_JSON)
public class ApprovalsResource {

    @Inject
    ApprovalRequests requests;

    /** Bound by the server's JSON-B, as an application's own types are. */
    @GET
    public List<ApprovalRequest> list(@QueryParam("runId") String runId) {
        return requests.latest().stream().filter(r -> runId == null || r.runId().equals(runId)).toList();
    }
}

package io.nvent.demo;

import io.nvent.AwaitStatus;
import io.nvent.FlowService;
import io.nvent.cdi.NventConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.GenericEntity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;

/**
 * {@code GET /api/demo/approvals[?runId=...][&all=true]}: the approval URLs the demo "sent" whose
 * awaits still wait for an answer (with {@code all=true} also those answered, timed out or canceled
 * with their run), for the nvent admin only: each one lets its holder approve a run. nvent's login guards
 * the path ({@link DemoApiGuard}), as it guards nvent's API: {@code 401} without a login, {@code 403} without the
 * role, {@code 429} after repeated failed logins. A real application sends each URL to the one person who may
 * approve instead of listing them.
 */
@ApplicationScoped
@Path("approvals")
@Produces(MediaType.APPLICATION_JSON)
public class ApprovalsResource {

    private final NventConfig config = new NventConfig();

    @Inject
    ApprovalRequests requests;

    @Inject
    FlowService flows;

    /** Bound by the server's JSON-B, as an application's own types are. */
    @GET
    public Response list(@Context SecurityContext security, @QueryParam("runId") String runId,
                         @QueryParam("all") boolean all) {
        if (!isAdmin(security)) {
            return Response.status(401).header(HttpHeaders.CACHE_CONTROL, "no-store")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"nvent\", charset=\"UTF-8\"")
                    .type("application/problem+json").entity(Json.createObjectBuilder().add("type", "about:blank")
                            .add("title", "Authentication required").add("status", 401)
                            .add("detail", "the approval URLs are for the nvent admin: log in as a user with nvent's "
                                    + "role (nvent.security.role)").build().toString())
                    .build();
        }
        List<ApprovalRequest> matching = requests.latest().stream()
                .filter(r -> runId == null || r.runId().equals(runId)).filter(r -> all || stillWaits(r)).toList();
        // Each URL approves a run: no browser or proxy keeps the list, as none keeps nvent's own answers.
        return Response.ok(new GenericEntity<>(matching) { }).header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }

    /** Whether the await behind the URL still waits: the token is the URL's last path segment. */
    private boolean stillWaits(ApprovalRequest request) {
        String path = URI.create(request.webhookUrl()).getPath();
        String token = path.substring(path.lastIndexOf('/') + 1);
        return flows.webhookAwait(token).filter(await -> await.status() == AwaitStatus.WAITING).isPresent();
    }

    /**
     * Whether nvent's login let an admin through. The filter refuses anyone else before this resource runs;
     * checked again so that a deployment where the filter does not guard this path lists nothing.
     */
    private boolean isAdmin(SecurityContext security) {
        return !Boolean.parseBoolean(config.get("nvent.security.enabled", "true"))
                || security.isUserInRole(config.get("nvent.security.role", "nvent-admin"));
    }
}

package io.nvent.web.internal.rest;

import io.nvent.cdi.NventConfig;
import io.nvent.web.internal.WebSettings;
import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Optional;

/** Who the console is talking as: shown in its header; the console's link to traces; and its log-out. */
@Path("session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    private static final JsonProvider JSON = Representations.JSON;


    @GET
    public String get(@Context SecurityContext security) {
        JsonObjectBuilder body = JSON.createObjectBuilder();
        if (security.getUserPrincipal() == null) {
            body.addNull("user").add("authenticated", false);
        } else {
            body.add("user", security.getUserPrincipal().getName()).add("authenticated", true)
                    .add("admin", security.isUserInRole("nvent-admin"));
        }
        traceUrl().ifPresent(template -> body.add("traceUrl", template));
        return body.build().toString();
    }

    /**
     * The console's link from an attempt to its trace ({@code nvent.console.trace-url}), if set. An invalid one failed
     * the deployment ({@code NVENT-1122}); changed since to one that is invalid, it gives no link.
     */
    private static Optional<String> traceUrl() {
        try {
            return WebSettings.traceUrl(new NventConfig());
        } catch (IllegalArgumentException invalid) {
            return Optional.empty();
        }
    }

    /**
     * Ends the HTTP session the console's login started (if there is one): {@code 204}. Like every
     * change, it needs a caller with the admin role, from the console's own origin, with
     * {@code X-Requested-With} when only the session cookie authenticates it (see the security filter).
     */
    @POST
    @Path("logout")
    public Response logout(@Context HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        return Response.noContent().build();
    }
}

package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

/** Who the console is talking as: shown in its header. */
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
        return body.build().toString();
    }
}

package io.nvent.war.userapp;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** A resource of the user's own API, with an error response of its own making. */
@Path("orders")
public class OrdersResource {

    @GET
    public String orders() {
        throw new WebApplicationException(Response.status(418).entity("the shop's own answer").build());
    }
}

package io.nvent.web.internal.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The OpenAPI 3.0 description of this API, maintained next to the resources. */
@Path("openapi.yaml")
public class OpenApiResource {

    private static final String SERVER_LINE = "  - url: /api/nvent";

    @GET
    @Produces("application/yaml")
    public String get(@Context UriInfo uri) {
        try (InputStream in = OpenApiResource.class.getResourceAsStream("/META-INF/nvent/openapi.yaml")) {
            if (in == null) {
                throw new NotFoundException("openapi.yaml is missing from nvent-web");
            }
            // A server URL starting with '/' is taken from the host's root: in a WAR at /shop the API
            // is at /shop/api/nvent, and generated clients would call the wrong path.
            String base = uri.getBaseUri().getPath();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace(SERVER_LINE, "  - url: " + (base.endsWith("/") ? base.substring(0, base.length() - 1) : base));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

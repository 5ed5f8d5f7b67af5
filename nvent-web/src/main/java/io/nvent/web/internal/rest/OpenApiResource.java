package io.nvent.web.internal.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The OpenAPI 3.0 description of this API, maintained next to the resources. */
@Path("openapi.yaml")
public class OpenApiResource {

    @GET
    @Produces("application/yaml")
    public String get() {
        try (InputStream in = OpenApiResource.class.getResourceAsStream("/META-INF/nvent/openapi.yaml")) {
            if (in == null) {
                throw new NotFoundException("openapi.yaml is missing from nvent-web");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

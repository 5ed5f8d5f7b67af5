package io.nvent.web.internal.rest;

import io.nvent.web.internal.WebSettings;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps nvent's resources out of the host application's own JAX-RS application. An application
 * whose {@code Application} lists no classes gets every resource the server finds in the WAR,
 * nvent's included, under its own path and without nvent's security filter (which guards
 * {@code /api/nvent}): the whole admin API would answer anyone at, say, {@code /api/shop/flows}.
 * nvent's own application lists its classes and not this one, so the guard acts only where nvent's
 * resources do not belong, and answers 404 there. The exception mappers and the body limit are not
 * {@code @Provider}s for the same reason: they would take over the host application's errors.
 */
@Provider
public class ForeignApplicationGuard implements DynamicFeature {

    private static final System.Logger LOG = System.getLogger(ForeignApplicationGuard.class.getName());
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        if (!resource.getResourceClass().getPackageName().equals(ForeignApplicationGuard.class.getPackageName())) {
            return;
        }
        if (REPORTED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0710 the application''s own JAX-RS application picked up "
                    + "nvent''s resources (it lists no classes of its own); they answer 404 there, nvent''s API "
                    + "is served at {0} under the WAR''s context root (NVENT-0708 at start names the full path)",
                    WebSettings.API_PATH);
        }
        context.register(NotHere.class);
    }

    /** Answers 404, as if the resource were not there. */
    public static final class NotHere implements ContainerRequestFilter {

        @Override
        public void filter(ContainerRequestContext request) {
            request.abortWith(Response.status(Response.Status.NOT_FOUND).build());
        }
    }
}

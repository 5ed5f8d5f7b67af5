package io.nvent.web.internal.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;
import java.util.Set;

/**
 * The nvent REST API under {@code /api/nvent}. It lists its classes explicitly so that it never
 * picks up the host application's resources (and vice versa within this application).
 */
@ApplicationPath("api/nvent")
public class NventRestApplication extends Application {

    /** Jersey's {@code ServerProperties.WADL_FEATURE_DISABLE}, named as text: nvent-web compiles against the API only. */
    static final String DISABLE_WADL = "jersey.config.server.wadl.disableWadl";

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(FlowsResource.class, RunsResource.class, QueuesResource.class, SessionResource.class,
                OpenApiResource.class, TriggersResource.class, AwaitsResource.class, EventsResource.class,
                HealthResource.class, MetricsResource.class, InstancesResource.class,
                PayloadLimit.class, HeaderGuard.class, ControlCharacterGuard.class, KnownQueryParams.class, ReasonHeader.class, ProblemMapper.class, WebProblemMapper.class, UnexpectedProblemMapper.class);
    }

    /**
     * Turns off Jersey's WADL (Payara's JAX-RS): it answered {@code OPTIONS} on every path, the public
     * webhooks' without a login too, with an XML description naming the Jersey version and the resources'
     * Java methods, and {@code GET /api/nvent/application.wadl} with a second API description beside the
     * OpenAPI document. Other runtimes ignore the property.
     */
    @Override
    public Map<String, Object> getProperties() {
        return Map.of(DISABLE_WADL, true);
    }

}

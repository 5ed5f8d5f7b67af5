package io.nvent.web.internal.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/**
 * The nvent REST API under {@code /api/nvent}. It lists its classes explicitly so that it never
 * picks up the host application's resources (and vice versa within this application).
 */
@ApplicationPath("api/nvent")
public class NventRestApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(FlowsResource.class, RunsResource.class, QueuesResource.class, SessionResource.class,
                OpenApiResource.class, TriggersResource.class, AwaitsResource.class, EventsResource.class,
                HealthResource.class, MetricsResource.class,
                PayloadLimit.class, HeaderGuard.class, ControlCharacterGuard.class, KnownQueryParams.class, ProblemMapper.class, WebProblemMapper.class, UnexpectedProblemMapper.class);
    }
}

package io.nvent.web.internal.rest;

import io.nvent.cdi.PrometheusMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

/**
 * Metrics for Prometheus (text format 0.0.4) at {@code /metrics}, behind the API's login like the
 * rest of it: Prometheus sends the credentials with {@code basic_auth}.
 */
@ApplicationScoped
@Path("metrics")
public class MetricsResource {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    @Inject
    PrometheusMetrics metrics;

    @GET
    public Response scrape() {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return Response.ok(metrics.scrape(), PROMETHEUS_TEXT).cacheControl(noStore).build();
    }
}

package io.nvent.web.internal.rest;

import io.nvent.cdi.PrometheusMetrics;
import io.nvent.web.internal.stats.FlowCounts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

/**
 * Metrics for Prometheus (text format 0.0.4) at {@code /metrics}, behind the API's login like the
 * rest of it: Prometheus sends the credentials with {@code basic_auth}. The run counts are the
 * shared count the flow list serves ({@link FlowCounts#fresh()}: a scrape waits for the count it
 * starts), not a count per scrape; a count that fails leaves the runs out of the scrape, flagged in
 * {@code nvent_scrape_errors}, and the scrape answers 200 with the rest.
 */
@ApplicationScoped
@Path("metrics")
public class MetricsResource {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    @Inject
    PrometheusMetrics metrics;
    @Inject
    FlowCounts counts;

    @GET
    public Response scrape() {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        // The count is taken inside the scrape's runs part: a store away then leaves only that part
        // out, and the health gauges still reach Prometheus when an alert needs them.
        return Response.ok(metrics.scrape(() -> counts.fresh().value()), PROMETHEUS_TEXT).cacheControl(noStore).build();
    }
}

package io.nvent.web.internal.stats;

import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.cdi.NventConfig;
import io.nvent.cdi.Worker;
import io.nvent.web.internal.live.LiveLimits;
import io.nvent.web.internal.stats.SharedCount.Counted;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The run counts of every deployed flow, counted for everyone at once: the flow list and statistics of
 * the REST API and the console's live statistics all serve the latest count (see {@link SharedCount}),
 * so that a page view costs no count of the run table; counting the runs of a big store takes a good
 * part of a second. Counts follow one another no more often than the live statistics are compared
 * ({@code nvent.ws.stats-interval-ms}) and than twenty times as long as the last count took.
 */
@ApplicationScoped
public class FlowCounts {

    /** Well within Prometheus's default scrape timeout of 10 s. */
    static final Duration SELDOM_READER_PATIENCE = Duration.ofSeconds(5);

    private FlowService flows;
    private ThreadPoolExecutor executor;
    private SharedCount<Map<String, FlowStats>> shared;

    /** For the container's client proxy. */
    protected FlowCounts() {
    }

    /**
     * @param flows whose runs are counted
     * @param config where {@code nvent.ws.stats-interval-ms} is read
     * @param clock when counts are taken and how long they take
     * @param threads the thread that counts, one at a time and only while counting
     */
    @Inject
    public FlowCounts(FlowService flows, NventConfig config, Clock clock, @Worker ThreadFactory threads) {
        this.flows = flows;
        executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        executor.allowCoreThreadTimeOut(true);
        shared = new SharedCount<>(this::countAll, LiveLimits.from(config).statsInterval(), executor, clock);
    }

    /** Stops counting; a count under way is interrupted. */
    @PreDestroy
    public void stop() {
        executor.shutdownNow();
    }

    /**
     * The latest counts of every deployed flow, by flow name in the registry's order; waits only for
     * the first count.
     */
    public Counted<Map<String, FlowStats>> all() {
        return shared.latest();
    }

    /**
     * The counts of every deployed flow for a reader that comes seldom (a metrics scrape): those of
     * the count due now if it ends within {@link #SELDOM_READER_PATIENCE}, else the latest.
     */
    public Counted<Map<String, FlowStats>> fresh() {
        return shared.fresh(SELDOM_READER_PATIENCE);
    }

    /**
     * The latest counts of one flow.
     *
     * @throws FlowNotFoundException if no deployed flow has that name
     */
    public Counted<FlowStats> of(String flow) {
        flows.deployedFlow(flow); // an unknown one answered with the engine's message, which asks "did you mean"
        Counted<Map<String, FlowStats>> all = all();
        return new Counted<>(all.value().getOrDefault(flow, FlowStats.empty(flow)), all.countedAt());
    }

    private Map<String, FlowStats> countAll() {
        Map<String, FlowStats> counted = new LinkedHashMap<>();
        for (FlowDefinition flow : flows.flows()) {
            counted.put(flow.name(), flows.stats(flow.name()));
        }
        return Collections.unmodifiableMap(counted);
    }
}

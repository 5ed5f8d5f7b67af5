package io.nvent.web.internal.live;

import jakarta.json.spi.JsonProvider;
import io.nvent.EventQuery;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.cdi.NventConfig;
import io.nvent.cdi.QueueControls;
import io.nvent.cdi.Worker;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.PublishedEvent;
import io.nvent.web.internal.rest.Queues;
import io.nvent.web.internal.rest.Representations;
import io.nvent.web.internal.stats.FlowCounts;
import io.nvent.web.internal.stats.PacedTask;
import io.nvent.web.internal.stats.SharedCount.Counted;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.websocket.CloseReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Holds the live stream's clients and feeds them: history entries from the {@link EventStream}
 * (every entry the engine stores, and with a distributed stream adapter those of other instances
 * too), statistics once a second while changed (the run counts are the latest shared count,
 * {@link FlowCounts}, so a new connection costs no count; less often when comparing takes long, see
 * {@link PacedTask}), the progress of running steps of the runs clients follow ({@link ProgressFeed}, once
 * a second, a message when it changed), heartbeats. Clients reach it through
 * {@code CDI.current()} from the programmatic endpoint; nothing is injected into endpoints.
 *
 * <p>Created on the first connection; on shutdown every client is closed with 1001 ("going away").
 */
@ApplicationScoped
public class LiveHub {

    private static final JsonProvider JSON = Representations.JSON;


    private static final System.Logger LOG = System.getLogger(LiveHub.class.getName());

    /**
     * How often the progress of the runs clients follow is read and sent when changed: as often as a
     * step's progress is stored at most.
     */
    private static final java.time.Duration PROGRESS_INTERVAL = java.time.Duration.ofSeconds(1);

    @Inject
    FlowService flows;
    @Inject
    JobQueue queue;
    @Inject
    QueueControls controls;
    @Inject
    EventStream stream;
    /** Read directly for the parents of many runs at once ({@link ChildFeed}): the service reads one run a call. */
    @Inject
    FlowStore store;
    @Inject
    NventConfig config;
    @Inject
    FlowCounts counts;
    @Inject
    @Worker
    ThreadFactory threads;

    private final Map<String, LiveClient> clients = new ConcurrentHashMap<>();
    private LiveRuntime runtime;
    private ExecutorService executor;
    private ScheduledExecutorService timer;
    private AutoCloseable subscription;
    private volatile String lastStats;
    private ChildFeed children;

    @PostConstruct
    void start() {
        LiveLimits limits = LiveLimits.from(config);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads);
        pool.allowCoreThreadTimeOut(true);
        executor = pool;
        timer = Executors.newSingleThreadScheduledExecutor(threads);
        runtime = new LiveRuntime(executor, timer, new StoreHistory(flows), limits);
        children = new ChildFeed(ChildFeed.parentsStoredIn(store), executor, this::offerToParent);
        subscription = stream.subscribe(this::onEvent);
        new PacedTask(this::publishStats, limits.statsInterval(),
                (run, delay) -> timer.schedule(run, delay, TimeUnit.NANOSECONDS), System::nanoTime).start();
        // Progress is read on the executor: a slow store delays no heartbeat, and a round is skipped while the
        // last one has not ended.
        ProgressFeed progress = new ProgressFeed(flows::progress);
        timer.scheduleWithFixedDelay(() -> progress.roundOn(executor, clients::values),
                PROGRESS_INTERVAL.toMillis(), PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        long heartbeat = limits.heartbeatInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> clients.values().forEach(LiveClient::heartbeat), heartbeat, heartbeat,
                TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.DEBUG, "live stream started with {0}", limits);
    }

    @PreDestroy
    void stop() {
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the event stream subscription: {0}", e.toString());
        }
        clients.values().forEach(c -> c.close(CloseReason.CloseCodes.GOING_AWAY.getCode(), "server shutting down"));
        clients.clear();
        timer.shutdownNow();
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ connections

    /** A client connected. */
    LiveClient open(Outlet outlet) {
        LiveClient client = new LiveClient(outlet, runtime, this::initialStats);
        clients.put(outlet.id(), client);
        client.enqueue(Messages.connected(outlet.id(), runtime.limits().heartbeatInterval().toMillis()));
        return client;
    }

    /** A client disconnected. */
    void closed(String id) {
        LiveClient client = clients.remove(id);
        if (client != null) {
            client.release();
        }
    }

    /** Time one message may take to be written before its client is closed. */
    java.time.Duration sendTimeout() {
        return runtime.limits().sendTimeout();
    }

    /** Number of connected clients. */
    public int clientCount() {
        return clients.size();
    }

    private void onEvent(PublishedEvent event) {
        for (LiveClient client : clients.values()) {
            client.offer(event);
        }
        if (runtime.childFollowers().any()) {
            children.offer(event);
        }
    }

    /** A run's status change to the clients that follow the children of the run that started it. */
    private void offerToParent(String parent, PublishedEvent event) {
        runtime.childFollowers().of(parent).forEach(client -> client.offerChild(parent, event));
    }

    // ------------------------------------------------------------------ statistics

    private void initialStats(LiveClient client) {
        executor.execute(() -> {
            try {
                client.stats(snapshot());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0722 could not compute statistics", e);
            }
        });
    }

    private void publishStats() {
        try {
            List<LiveClient> subscribers = clients.values().stream().filter(LiveClient::wantsStats).toList();
            if (subscribers.isEmpty()) {
                lastStats = null;
                return;
            }
            Counted<Map<String, FlowStats>> counted = counts.all();
            String body = statsBody(counted.value());
            if (body.equals(lastStats)) {
                return;
            }
            lastStats = body;
            String message = withTimes(body, counted.countedAt());
            subscribers.forEach(c -> c.stats(message));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0722 could not compute statistics", e);
        }
    }

    private String snapshot() {
        Counted<Map<String, FlowStats>> counted = counts.all();
        return withTimes(statsBody(counted.value()), counted.countedAt());
    }

    /** The message: when it was sent ({@code ts}) and when its run counts were counted ({@code countedAt}). */
    private static String withTimes(String body, Instant countedAt) {
        return "{\"type\":\"stats\",\"ts\":\"" + Instant.now() + "\",\"countedAt\":\"" + countedAt + "\","
                + body.substring(1);
    }

    /** Flow statistics and queue counts, without times so that unchanged numbers compare equal. */
    private String statsBody(Map<String, FlowStats> runCounts) {
        JsonArrayBuilder flowStats = JSON.createArrayBuilder();
        runCounts.forEach((flow, stats) -> flowStats.add(JSON.createObjectBuilder().add("name", flow)
                .add("stats", Representations.stats(stats))));
        JsonArrayBuilder queues = JSON.createArrayBuilder();
        Set<String> names = Queues.names(flows, queue);
        Representations.QueueReads reads = Representations.QueueReads.of(controls, queue, names); // one for all
        for (String name : names) {
            queues.add(Representations.queue(queue, controls, name, reads));
        }
        return JSON.createObjectBuilder().add("flows", flowStats).add("queues", queues).build().toString();
    }

    /** Reads histories through the public service. */
    record StoreHistory(FlowService flows) implements History {

        @Override
        public Optional<String> flowOf(String runId) {
            return flows.run(runId).map(RunInfo::flow);
        }

        @Override
        public void requireFlow(String flow) {
            flows.deployedFlow(flow);
        }

        @Override
        public List<HistoryEvent> read(String runId, long afterSeq, int limit) {
            return flows.events(runId, new EventQuery(Set.of(), afterSeq, limit, false));
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.HistoryEvent;
import io.nvent.RunEnded;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.ExitSafeLogger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes what was stored of runs to the live event stream: the one way the engine's parts publish,
 * so that metrics count every entry, a run's state is cleared when its entries call for it, a run
 * that ended hands its concurrency key on, and a child that ended lets its parent waiting on its children go on.
 */
final class RunPublisher {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    private final FlowStore store;
    private final EventStream stream;
    private final Clock clock;
    private final EngineSettings settings;
    private final EngineMetrics metrics;
    private final AwaitResolution awaitResolution;
    private final RunLifecycleHooks lifecycleHooks;
    private static final Duration PUBLISH_FAILURE_REPORT_INTERVAL = Duration.ofMinutes(1);
    private final AtomicLong lastPublishFailureReport = new AtomicLong();
    private final AtomicLong unreportedPublishFailures = new AtomicLong();

    RunPublisher(FlowStore store, EventStream stream, Clock clock, EngineSettings settings, EngineMetrics metrics,
                 AwaitResolution awaitResolution, RunLifecycleHooks lifecycleHooks) {
        this.store = store;
        this.stream = stream;
        this.clock = clock;
        this.settings = settings;
        this.metrics = metrics;
        this.awaitResolution = awaitResolution;
        this.lifecycleHooks = lifecycleHooks;
    }

    /** Reports a failed publish, at most once a minute, counting the failures in between. */
    private void reportPublishFailure(String flow, RuntimeException failure) {
        long now = clock.millis();
        long last = lastPublishFailureReport.get();
        if (now - last < PUBLISH_FAILURE_REPORT_INTERVAL.toMillis() && last != 0) {
            unreportedPublishFailures.incrementAndGet();
            return;
        }
        if (lastPublishFailureReport.compareAndSet(last, now)) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0114 could not publish events of flow " + flow + " to the live "
                    + "stream (" + unreportedPublishFailures.getAndSet(0) + " more failures since the last report; "
                    + "at most one report a minute); runs go on, live listeners catch up from the store", failure);
        }
    }

    /**
     * Publishes a stored change of a run and, if it ended the run, hands on the concurrency key the run
     * held and, for a child, checks its parent's await of its children: every change that ends a run is published
     * through here, with the run as stored, so that neither costs a read of the run, nor does its {@link RunEnded},
     * fired last of these: a slow observer holds up neither, though it holds up what the caller does after the
     * publish (a cancel's closing of the run's awaits, for one), which is why the hooks must be quick.
     */
    void publish(StoredChange change) {
        publish(change.run().flow(), change.events());
        boolean ended = change.events().stream().anyMatch(e -> e.type().isTerminal());
        if (ended && change.run().concurrencyKey().isPresent()) {
            awaitResolution.handOnConcurrencyKey(change.run());
        }
        if (ended && change.run().parentRunId().isPresent()) {
            awaitResolution.childEnded(change.run());
        }
        if (ended) {
            lifecycleHooks.stored(change);
        }
    }

    /** Publishes entries of one run that are stored, and removes the run's state if they call for it. */
    void publish(String flow, List<HistoryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        metrics.stored(flow, events);
        try {
            stream.publish(flow, events);
        } catch (RuntimeException e) {
            // Live listeners catch up from the store; a stream hiccup must not fail the run. Every
            // publish fails while the stream is away: one report a minute, not a stack trace per step.
            reportPublishFailure(flow, e);
        }
        lifecycleHooks.stored(flow, events);
        for (String runId : settings.stateCleanup().runsToClearAfter(events)) {
            try {
                store.clearState(runId);
            } catch (RuntimeException e) {
                // The run's outcome is stored; left-over state goes with the run's retention.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0117 could not remove the state of run " + runId
                        + " (" + settings.stateCleanup().strategy().configValue() + ")", e);
            }
        }
    }
}

package io.nvent.cdi;

import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.HealthReport;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.engine.EngineMetrics;
import io.nvent.cdi.internal.engine.FlowEngine;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * nvent's metrics in the Prometheus text format (version 0.0.4), which the web layer serves at
 * {@code GET /api/nvent/metrics}. Two kinds:
 * <ul>
 *   <li>what this instance did since it started (counters and the step duration histogram): sum
 *       them over the instances, as Prometheus queries do, for the cluster;</li>
 *   <li>what the store and the queue hold now (runs by status, jobs by state, trigger fires):
 *       the same on every instance that shares them, so do not sum those.</li>
 * </ul>
 * A part that cannot be read (the store away) is left out and counted in
 * {@code nvent_scrape_errors}, so a scrape never fails as a whole.
 *
 * @since 0.1
 */
@ApplicationScoped
public class PrometheusMetrics {

    private static final System.Logger LOG = System.getLogger(PrometheusMetrics.class.getName());

    @Inject
    EngineBean engineBean;
    @Inject
    JobQueue queue;

    /**
     * The metrics now, as Prometheus reads them (content type {@code text/plain; version=0.0.4}),
     * counting every flow's runs in the store for this scrape.
     */
    public String scrape() {
        return render(engineBean.engine(), engineBean.triggers(), queue, Optional.empty());
    }

    /**
     * The metrics now, with run counts taken elsewhere: counting the runs of a big store takes a good
     * part of a second, so an application that keeps a recent count for other readers (nvent's REST
     * API does) serves that one instead of counting again for every scrape.
     *
     * @param runCounts each flow's runs by status, by flow name; a deployed flow missing from it is
     *     counted for this scrape
     * @return the metrics text
     * @since 0.2
     */
    public String scrape(Map<String, FlowStats> runCounts) {
        Map<String, FlowStats> counted = Map.copyOf(runCounts);
        return scrape(() -> counted);
    }

    /**
     * The metrics now, with run counts taken elsewhere when this scrape reaches them: a count that
     * cannot be had (its store away) leaves the runs out of this scrape, flagged in
     * {@code nvent_scrape_errors{part="runs"}}, as any other part that cannot be read, so that the
     * scrape still answers with the health gauges an alert needs just then.
     *
     * @param runCounts gives each flow's runs by status, by flow name, or throws; a deployed flow
     *     missing from what it gives is counted for this scrape
     * @return the metrics text
     * @since 0.2
     */
    public String scrape(Supplier<Map<String, FlowStats>> runCounts) {
        return render(engineBean.engine(), engineBean.triggers(), queue, Optional.of(runCounts));
    }

    static String render(FlowEngine engine, TriggerService triggers, JobQueue queue) {
        return render(engine, triggers, queue, Optional.empty());
    }

    static String render(FlowEngine engine, TriggerService triggers, JobQueue queue,
                                 Optional<Supplier<Map<String, FlowStats>>> runCounts) {
        Text text = new Text();
        EngineMetrics metrics = engine.metrics();
        writeCounters(text, metrics);
        writeStepTimes(text, metrics);
        List<String> failedParts = new ArrayList<>();
        attempt("health", text, failedParts, part -> writeHealth(part, engine.health()));
        // As the latest refresh of this instance's record counted them: no read of the store here. Left out where the
        // store keeps no instance records: a 0 there would fire an alert on no live instance.
        engine.liveInstances().ifPresent(live -> {
            text.family("nvent_instances", "gauge", "Starts of instances seen live in the store at the latest refresh"
                    + " of this instance's record (left out if the store keeps no instance records)");
            text.sample("nvent_instances", labels("status", "live"), live);
        });
        attempt("runs", text, failedParts, part -> writeRuns(part, engine, runCounts.map(Supplier::get).orElse(Map.of())));
        Map<String, JobCounts> queueCounts = new TreeMap<>();
        attempt("queues", text, failedParts, part -> writeQueues(part, engine, queue, queueCounts));
        if (failedParts.contains("queues")) {
            queueCounts.clear(); // counts the scrape leaves out: no ages by them either
        }
        // A part of its own: an adapter that fails to read ages still has its counts scraped.
        attempt("queue_ages", text, failedParts, part -> writeQueueAges(part, engine, queue, queueCounts));
        attempt("triggers", text, failedParts, part -> writeTriggers(part, triggers.triggers()));
        text.family("nvent_scrape_errors", "gauge", "Parts of this scrape that could not be read (1), by part");
        for (String part : List.of("health", "runs", "queues", "queue_ages", "triggers")) {
            text.sample("nvent_scrape_errors", labels("part", part), failedParts.contains(part) ? 1 : 0);
        }
        return text.toString();
    }

    private static void writeCounters(Text text, EngineMetrics metrics) {
        Map<EngineMetrics.Series, Long> counts = metrics.counts();
        for (EngineMetrics.Counter counter : EngineMetrics.Counter.values()) {
            text.family(counter.metric(), "counter", counter.help() + "; on this instance, since it started");
            counts.forEach((series, value) -> {
                if (series.counter() == counter) {
                    text.sample(counter.metric(), counter.detailLabel().isEmpty() ? labels("flow", series.flow())
                            : labels("flow", series.flow(), counter.detailLabel(), series.detail()), value);
                }
            });
        }
    }

    private static void writeStepTimes(Text text, EngineMetrics metrics) {
        Map<EngineMetrics.StepKey, EngineMetrics.StepTimes> steps = metrics.stepTimes();
        double[] bounds = EngineMetrics.StepTimes.bucketBounds();
        String histogram = "nvent_step_execution_seconds";
        text.family(histogram, "histogram", "Time a step's code took, per execution on this instance");
        steps.forEach((step, times) -> {
            long[] cumulative = times.cumulativeBuckets();
            for (int i = 0; i < bounds.length; i++) {
                text.sample(histogram + "_bucket", labels("flow", step.flow(), "step", step.step(), "le",
                        number(bounds[i])), cumulative[i]);
            }
            long count = cumulative[bounds.length];
            String stepLabels = labels("flow", step.flow(), "step", step.step());
            text.sample(histogram + "_bucket", labels("flow", step.flow(), "step", step.step(), "le", "+Inf"), count);
            text.sample(histogram + "_sum", stepLabels, times.seconds());
            text.sample(histogram + "_count", stepLabels, count);
        });
        text.family("nvent_step_executions_failed_total", "counter",
                "Step executions on this instance whose code threw");
        steps.forEach((step, times) -> text.sample("nvent_step_executions_failed_total",
                labels("flow", step.flow(), "step", step.step()), times.failed()));
    }

    private static void writeHealth(Text text, HealthReport health) {
        text.family("nvent_health_live", "gauge", "Whether this instance's engine is live (1) or not (0)");
        text.sample("nvent_health_live", "", health.live() ? 1 : 0);
        text.family("nvent_health_ready", "gauge", "Whether this instance's engine is ready (1) or not (0)");
        text.sample("nvent_health_ready", "", health.ready() ? 1 : 0);
        text.family("nvent_health_check_up", "gauge", "Each health check, up (1) or down (0)");
        for (HealthReport.Check check : health.checks()) {
            text.sample("nvent_health_check_up", labels("check", check.name()), check.up() ? 1 : 0);
        }
    }

    private static void writeRuns(Text text, FlowService flows, Map<String, FlowStats> counted) {
        text.family("nvent_runs", "gauge", "Runs in the store, by flow and status (the same on every instance)");
        for (FlowDefinition flow : flows.flows()) {
            FlowStats stats = counted.containsKey(flow.name()) ? counted.get(flow.name()) : flows.stats(flow.name());
            long[] values = {stats.running(), stats.awaiting(), stats.completed(), stats.failed(), stats.canceled(),
                    stats.stalled()};
            String[] statuses = {"running", "awaiting", "completed", "failed", "canceled", "stalled"};
            for (int i = 0; i < statuses.length; i++) {
                text.sample("nvent_runs", labels("flow", flow.name(), "status", statuses[i]), values[i]);
            }
        }
    }

    /** Writes the queues' counts and settings, and keeps each queue's counts in {@code counted}. */
    private static void writeQueues(Text text, FlowEngine engine, JobQueue queue, Map<String, JobCounts> counted) {
        Set<String> names = new TreeSet<>(queue.queues());
        engine.flows().forEach(flow -> flow.steps().forEach(step -> names.add(step.queue())));
        text.family("nvent_queue_jobs", "gauge", "Jobs in the queue, by state");
        for (String name : names) {
            JobCounts counts = queue.counts(name);
            counted.put(name, counts);
            long[] values = {counts.waiting(), counts.delayed(), counts.active(), counts.completed(), counts.failed()};
            String[] states = {"waiting", "delayed", "active", "completed", "failed"};
            for (int i = 0; i < states.length; i++) {
                text.sample("nvent_queue_jobs", labels("queue", name, "state", states[i]), values[i]);
            }
        }
        text.family("nvent_queue_paused", "gauge", "Whether the queue is paused (1) or not (0)");
        Set<String> paused = engine.queuePauses().pausedHere(names);
        for (String name : names) {
            text.sample("nvent_queue_paused", labels("queue", name), paused.contains(name) ? 1 : 0);
        }
        text.family("nvent_queue_rate_limit_per_second", "gauge",
                "Attempts per second the queue's rate limit allows, in the cluster or on each instance as its scope says,"
                        + " for each group of its steps if it has a group key (queues with a limit only)");
        for (String name : names) {
            engine.rateLimitOf(name).map(QueueControls.QueueRateLimit::limit).ifPresent(limit -> text.sample(
                    "nvent_queue_rate_limit_per_second", labels("queue", name), limit.max() * 1e9 / limit.per().toNanos()));
        }
    }

    /**
     * How long each queue's oldest waiting job has waited: 0 when none waits, no sample for a queue
     * whose adapter cannot tell (a sample would claim an age); the queues of {@code counted}, so
     * none if their counts could not be read.
     */
    private static void writeQueueAges(Text text, FlowEngine engine, JobQueue queue, Map<String, JobCounts> counted) {
        text.family("nvent_queue_oldest_waiting_age_seconds", "gauge",
                "How long the queue's oldest waiting job (ready, not delayed) has waited; 0 when none waits");
        Instant now = engine.clock().instant();
        counted.forEach((name, counts) -> OldestWaiting.of(queue, name, counts).ageAt(now).ifPresent(age ->
                text.sample("nvent_queue_oldest_waiting_age_seconds", labels("queue", name), age.toNanos() / 1e9)));
    }

    private static void writeTriggers(Text text, List<TriggerInfo> triggers) {
        text.family("nvent_trigger_fires_total", "counter", "Fires of each trigger (stored, for all instances)");
        for (TriggerInfo trigger : triggers) {
            text.sample("nvent_trigger_fires_total", triggerLabels(trigger), trigger.fires());
        }
        text.family("nvent_trigger_runs_started_total", "counter",
                "Runs started by each trigger's fires (stored, for all instances)");
        for (TriggerInfo trigger : triggers) {
            text.sample("nvent_trigger_runs_started_total", triggerLabels(trigger), trigger.runsStarted());
        }
    }

    private static String triggerLabels(TriggerInfo trigger) {
        return labels("trigger", trigger.name(), "type", trigger.spec().type().name().toLowerCase(Locale.ROOT));
    }

    /** Writes a part, or none of it if it fails midway. */
    private static void attempt(String part, Text into, List<String> failedParts, Consumer<Text> write) {
        Text own = new Text();
        try {
            write.accept(own);
            into.out.append(own.out);
        } catch (RuntimeException e) {
            failedParts.add(part);
            LOG.log(System.Logger.Level.DEBUG, "metrics: could not read the " + part, e);
        }
    }

    /** {@code {name="value",…}} with Prometheus's escapes, from alternating names and values. */
    static String labels(String... namesAndValues) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(namesAndValues[i]).append("=\"");
            String value = namesAndValues[i + 1];
            for (int c = 0; c < value.length(); c++) {
                char ch = value.charAt(c);
                switch (ch) {
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    case '\n' -> out.append("\\n");
                    default -> out.append(ch);
                }
            }
            out.append('"');
        }
        return out.append('}').toString();
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) + ".0"
                : Double.toString(value);
    }

    /** The exposition text. */
    private static final class Text {
        private final StringBuilder out = new StringBuilder(4096);

        void family(String name, String type, String help) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        void sample(String name, String labels, long value) {
            out.append(name).append(labels).append(' ').append(value).append('\n');
        }

        void sample(String name, String labels, double value) {
            out.append(name).append(labels).append(' ').append(number(value)).append('\n');
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.HistoryEvent;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * What this instance's engine did since it started: runs started and ended, step executions and
 * their durations, retries, failures, stalls and awaits. Counted from the history entries this
 * instance stores (each entry is stored by exactly one instance, so the instances' counts add up
 * to the cluster's) and from the step executions it runs; read by the Prometheus endpoint.
 */
public final class EngineMetrics {

    /** Marks the data of a {@code step.retry} entry that the cluster's rate limit caused (as stored, maybe spaced). */
    private static final Pattern RATE_LIMITED = Pattern.compile("\"rateLimited\"\\s*:\\s*true");
    /**
     * Marks the data of a {@code step.retry} entry that says an instance handed the step's job back: one
     * lacking the step (NVENT-0171), or one that stopped while the step ran (NVENT-0535).
     */
    private static final Pattern HANDED_BACK = Pattern.compile("\"(handedBackJob|instanceStopped)\"\\s*:");

    /** Upper bounds (seconds) of the step duration histogram's buckets. */
    static final double[] DURATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    /**
     * A counted series: the metric and the values of its labels ({@code detail} is the second label's).
     * Its {@code equals} and {@code hashCode} are written out, so a component added here must be added to
     * them too: {@code EngineMetricsTest} fails for a component they leave out.
     */
    public record Series(Counter counter, String flow, String detail) {
        // Written out: looked up for every run started and ended, and the generated ones are slow until C2 compiles them.
        @Override
        public boolean equals(Object other) {
            return other instanceof Series that && counter == that.counter && Objects.equals(flow, that.flow)
                    && Objects.equals(detail, that.detail);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(counter) * 31 + Objects.hashCode(flow)) * 31 + Objects.hashCode(detail);
        }
    }

    /** The counters, with the name of their second label (none for some). */
    public enum Counter {
        RUNS_STARTED("nvent_runs_started_total", "Runs started", ""),
        RUNS_ENDED("nvent_runs_ended_total", "Runs that ended, by final status", "status"),
        STEP_RETRIES("nvent_step_retries_total", "Steps scheduled again: failed attempts with attempts left, and operators' retries", "step"),
        STEPS_RATE_LIMITED("nvent_steps_rate_limited_total", "Steps queued again because the rate limit the engine keeps for their queue (for the cluster, or per group) allowed no start soon enough", "step"),
        STEPS_FAILED("nvent_steps_failed_total", "Steps that failed for good (their run fails)", "step"),
        STEPS_STALLED("nvent_steps_stalled_total", "Steps whose instance stopped renewing their lease", "step"),
        AWAITS_REGISTERED("nvent_awaits_registered_total", "Awaits registered, by type", "type"),
        AWAITS_RESOLVED("nvent_awaits_resolved_total", "Awaits resolved", "step"),
        AWAITS_TIMED_OUT("nvent_awaits_timed_out_total", "Awaits that timed out", "step");

        private final String metric;
        private final String help;
        private final String detailLabel;

        Counter(String metric, String help, String detailLabel) {
            this.metric = metric;
            this.help = help;
            this.detailLabel = detailLabel;
        }

        public String metric() {
            return metric;
        }

        public String help() {
            return help;
        }

        /** Name of the label after {@code flow}; empty if the counter has only {@code flow}. */
        public String detailLabel() {
            return detailLabel;
        }
    }

    /** Executions of one step on this instance: how many, how many threw, and how long they took. */
    public static final class StepTimes {
        /** One per bound, and one for executions above the last. */
        private final LongAdder[] buckets = new LongAdder[DURATION_BUCKETS.length + 1];
        private final LongAdder failed = new LongAdder();
        private final DoubleAdder seconds = new DoubleAdder();

        StepTimes() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void record(double took, boolean succeeded) {
            int bucket = 0;
            while (bucket < DURATION_BUCKETS.length && took > DURATION_BUCKETS[bucket]) {
                bucket++;
            }
            seconds.add(took);
            if (!succeeded) {
                failed.increment();
            }
            buckets[bucket].increment();
        }

        /** Upper bounds of the buckets, in seconds. */
        public static double[] bucketBounds() {
            return DURATION_BUCKETS.clone();
        }

        /**
         * Executions per bucket, cumulative, read once: element {@code i} counts those that took at most
         * bound {@code i}, and the last element, one past the bounds, all of them. The count is that
         * last element, so a scrape never shows a bucket above its total, however many executions end
         * while it reads.
         */
        public long[] cumulativeBuckets() {
            long[] cumulative = new long[buckets.length];
            long sum = 0;
            for (int i = 0; i < buckets.length; i++) {
                sum += buckets[i].sum();
                cumulative[i] = sum;
            }
            return cumulative;
        }

        public long failed() {
            return failed.sum();
        }

        public double seconds() {
            return seconds.sum();
        }
    }

    /**
     * A step of a flow. Its {@code equals} and {@code hashCode} are written out (see {@link Series}): a
     * component added here must be added to them too.
     */
    public record StepKey(String flow, String step) {
        // Written out: looked up for every step executed (see Series).
        @Override
        public boolean equals(Object other) {
            return other instanceof StepKey that && Objects.equals(flow, that.flow) && Objects.equals(step, that.step);
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(flow) * 31 + Objects.hashCode(step);
        }
    }

    private final Map<Series, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<StepKey, StepTimes> steps = new ConcurrentHashMap<>();

    /** Counts what these entries, just stored for runs of {@code flow}, record. */
    void stored(String flow, List<HistoryEvent> events) {
        for (HistoryEvent event : events) {
            switch (event.type()) {
                case FLOW_START -> count(Counter.RUNS_STARTED, flow, "");
                case FLOW_COMPLETED -> count(Counter.RUNS_ENDED, flow, "completed");
                case FLOW_FAILED -> count(Counter.RUNS_ENDED, flow, "failed");
                case FLOW_CANCEL -> count(Counter.RUNS_ENDED, flow, "canceled");
                case FLOW_STALLED -> count(Counter.RUNS_ENDED, flow, "stalled");
                case STEP_RETRY -> {
                    // A job handed back during a rolling deploy is no retry of the step's (NVENT-0171, NVENT-0535).
                    if (!HANDED_BACK.matcher(event.data()).find()) {
                        count(isRateLimited(event.data()) ? Counter.STEPS_RATE_LIMITED : Counter.STEP_RETRIES, flow,
                                stepOf(event));
                    }
                }
                case STEP_FAILED -> count(Counter.STEPS_FAILED, flow, stepOf(event));
                case STEP_STALLED -> count(Counter.STEPS_STALLED, flow, stepOf(event));
                case AWAIT_REGISTERED -> count(Counter.AWAITS_REGISTERED, flow, awaitType(event.data()));
                case AWAIT_RESOLVED -> count(Counter.AWAITS_RESOLVED, flow, stepOf(event));
                case AWAIT_TIMEOUT -> count(Counter.AWAITS_TIMED_OUT, flow, stepOf(event));
                default -> {
                    // step starts, completions, emits and logs are counted by executions
                }
            }
        }
    }

    /** Whether the data of a {@code step.retry} entry says the cluster's rate limit queued the step again. */
    static boolean isRateLimited(String retryData) {
        return RATE_LIMITED.matcher(retryData).find();
    }

    /** Records one execution of a step's code on this instance. */
    void executed(String flow, String step, long nanos, boolean succeeded) {
        steps.computeIfAbsent(new StepKey(flow, step), key -> new StepTimes()).record(nanos / 1e9, succeeded);
    }

    /** The counters' current values. */
    public Map<Series, Long> counts() {
        Map<Series, Long> snapshot = new java.util.TreeMap<>(java.util.Comparator.comparing((Series s) -> s.counter())
                .thenComparing(Series::flow).thenComparing(Series::detail));
        counts.forEach((series, adder) -> snapshot.put(series, adder.sum()));
        return snapshot;
    }

    /** Step executions by step. */
    public Map<StepKey, StepTimes> stepTimes() {
        Map<StepKey, StepTimes> snapshot = new java.util.TreeMap<>(
                java.util.Comparator.comparing(StepKey::flow).thenComparing(StepKey::step));
        snapshot.putAll(steps);
        return snapshot;
    }

    private void count(Counter counter, String flow, String detail) {
        counts.computeIfAbsent(new Series(counter, flow, detail), series -> new LongAdder()).increment();
    }

    private static String stepOf(HistoryEvent event) {
        return event.step().orElse("");
    }

    /** The {@code type} of an {@code await.registered} entry, which the engine writes as {@code "type":"…"}. */
    private static String awaitType(String data) {
        int at = data.indexOf("\"type\":\"");
        if (at < 0) {
            return "";
        }
        int start = at + 8;
        int end = data.indexOf('"', start);
        return end < 0 ? "" : data.substring(start, end);
    }
}

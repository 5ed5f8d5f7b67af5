package io.nvent.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a sample, as the workloads report them. */
record Stats(long count, double p50, double p95, double p99, double min, double max) {

    static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(0, 0, 0, 0, 0, 0);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Stats(sorted.length, pick(sorted, 0.50), pick(sorted, 0.95), pick(sorted, 0.99), sorted[0],
                sorted[sorted.length - 1]);
    }

    private static double pick(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    String json() {
        return String.format(Locale.ROOT, "{\"count\":%d,\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f,\"min\":%.1f,\"max\":%.1f}",
                count, p50, p95, p99, min, max);
    }
}

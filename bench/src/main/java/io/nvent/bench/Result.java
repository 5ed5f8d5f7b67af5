package io.nvent.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The one JSON line a benchmark run prints, fields in the order WORKLOADS.md lists them. */
final class Result {

    private final Map<String, String> fields = new LinkedHashMap<>();

    Result(String workload, String profile) {
        str("system", "nvent");
        str("version", "0.1.0-SNAPSHOT");
        str("profile", profile);
        str("workload", workload);
    }

    Result str(String key, String value) {
        fields.put(key, "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        return this;
    }

    Result num(String key, double value) {
        fields.put(key, value == Math.rint(value) && Math.abs(value) < 1e15
                ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value));
        return this;
    }

    Result stats(String key, Stats stats) {
        fields.put(key, stats.json());
        return this;
    }

    String json() {
        str("host_cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        fields.put("host_cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        fields.put("loadavg_1m", String.format(Locale.ROOT, "%.2f", loadAverage()));
        str("java", System.getProperty("java.version"));
        str("ts", Instant.now().toString());
        StringBuilder out = new StringBuilder("{");
        fields.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return out.append('}').toString();
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }
}

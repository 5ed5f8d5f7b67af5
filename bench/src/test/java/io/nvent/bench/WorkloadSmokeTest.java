package io.nvent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every workload on every profile at a tiny size, for correctness only (the figures are measured
 * with {@code bench/run.sh}, never asserted): all jobs and runs finish, every sample is there, no
 * delayed job starts early, and the line carries the fields WORKLOADS.md defines.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WorkloadSmokeTest {

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "durable-pg"})
    void queueThroughputCompletesEveryJob(String profileName) throws Exception {
        JsonObject line = runOn(profileName, profile -> Workloads.w1(profile, 400));

        assertThat(line.getString("workload")).isEqualTo("W1");
        assertThat(line.getInt("n")).isEqualTo(400);
        assertThat(line.getJsonNumber("e2e_per_s").doubleValue()).isPositive();
        assertThat(line.keySet()).contains("enqueue_ms", "enqueue_per_s", "process_ms", "process_per_s", "total_ms",
                "store_confirm_lag_ms", "host_cpus", "loadavg_1m", "java", "ts");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "durable-pg"})
    void threeStepChainsHandOverTwiceAndFinishEveryRun(String profileName) throws Exception {
        JsonObject line = runOn(profileName, profile -> Workloads.w2(profile, 40));

        assertThat(line.getInt("runs")).isEqualTo(40);
        assertThat(line.getJsonObject("handoff_ms").getInt("count")).isEqualTo(80);
        assertThat(line.getJsonObject("run_ms").getInt("count")).isEqualTo(40);
        assertThat(line.getJsonObject("handoff_ms").getJsonNumber("min").doubleValue()).isNotNegative();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "durable-pg"})
    void delayedJobsNeverStartEarly(String profileName) throws Exception {
        JsonObject line = runOn(profileName, profile -> Workloads.w3(profile, 100, Duration.ofMillis(500)));

        assertThat(line.getInt("early_jobs")).isZero();
        assertThat(line.getJsonObject("lateness_ms").getInt("count")).isEqualTo(100);
        assertThat(line.getJsonObject("lateness_ms").getJsonNumber("min").doubleValue()).isNotNegative();
    }

    @Test
    void aWarmRunThrowsTheWarmUpsStateAwayAndCountsOnlyItsOwnRuns() throws Exception {
        String json = Bench.run("W2", "durable-pg", 30, 20, false).json();
        JsonObject line = Json.createReader(new StringReader(json)).readObject();

        assertThat(line.getString("profile")).isEqualTo("durable-pg, warm");
        assertThat(line.getInt("runs")).isEqualTo(30);
        assertThat(line.getJsonObject("run_ms").getInt("count")).isEqualTo(30);
        assertThat(line.getJsonObject("handoff_ms").getInt("count")).isEqualTo(60);
    }

    @FunctionalInterface
    private interface Workload {
        Result run(Profile profile) throws Exception;
    }

    private static JsonObject runOn(String profileName, Workload workload) throws Exception {
        try (Profile profile = Bench.profile(profileName)) {
            String json = workload.run(profile).json();
            return Json.createReader(new StringReader(json)).readObject();
        }
    }
}

package io.nvent.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Runs one workload of {@code shared/bench/WORKLOADS.md} on the embedded engine (the same engine,
 * adapters and code path as inside the application server, minus CDI wiring and HTTP) and prints
 * one JSON line, last on stdout.
 *
 * <p>Usage: {@code Bench W1|W2|W3 memory|durable|durable-pg}. Sizes can be lowered for smoke runs with
 * {@code -Dnvent.bench.n=...}; {@code -Dnvent.bench.warmup=N} runs the workload with N jobs or runs
 * first, untimed, on state that is thrown away; {@code -Dnvent.bench.baseline=false} skips the
 * machine's baseline ({@link MachineBaseline}).
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Bench W1|W2|W3 [memory|durable]");
            System.exit(2);
        }
        String workload = args[0].toUpperCase(Locale.ROOT);
        String profileName = args.length > 1 ? args[1].toLowerCase(Locale.ROOT) : "memory";
        boolean baseline = Boolean.parseBoolean(System.getProperty("nvent.bench.baseline", "true"));
        System.out.println(run(workload, profileName, Integer.getInteger("nvent.bench.n", -1),
                Integer.getInteger("nvent.bench.warmup", 0), baseline).json());
        System.exit(0);
    }

    /**
     * Runs the workload once, timed, on a freshly wiped profile. With {@code warmup > 0} the same
     * workload first runs that many jobs or runs on a profile of its own, which is then closed
     * and its state thrown away (start-up, not timed): the timed run then finds compiled code, as
     * on a server that has been up a while, instead of a cold JVM whose JIT competes with the
     * workload for the two cores. The profile is then reported as {@code <profile>, warm}. With
     * {@code baseline}, the machine's speed is measured just before the timed part (not timed) and
     * reported as {@code baseline_pg_inserts_per_s}, where the profile has a PostgreSQL.
     */
    static Result run(String workload, String profileName, int n, int warmup, boolean baseline) throws Exception {
        if (warmup > 0) {
            try (Profile profile = profile(profileName)) {
                runOnce(workload, profile, warmup);
            }
        }
        try (Profile profile = profile(profileName)) {
            OptionalDouble machine = baseline ? profile.measureBaseline() : OptionalDouble.empty();
            Result result = runOnce(workload, profile, n)
                    .str("profile", warmup > 0 ? profile.name() + ", warm" : profile.name());
            machine.ifPresent(insertsPerSecond -> result.num("baseline_pg_inserts_per_s", Math.rint(insertsPerSecond)));
            return result;
        }
    }

    private static Result runOnce(String workload, Profile profile, int n) throws Exception {
        return switch (workload) {
            case "W1" -> Workloads.w1(profile, n > 0 ? n : 20_000);
            case "W2" -> Workloads.w2(profile, n > 0 ? n : 1_000);
            case "W3" -> Workloads.w3(profile, n > 0 ? n : 2_000, Duration.ofMillis(2_000));
            default -> throw new IllegalArgumentException("unknown workload " + workload + "; use W1, W2 or W3");
        };
    }

    static Profile profile(String name) {
        return switch (name) {
            case "memory" -> new MemoryProfile();
            case "durable" -> DurableProfile.start(DurableProfile.QueueBackend.JMS);
            case "durable-pg" -> DurableProfile.start(DurableProfile.QueueBackend.POSTGRES);
            default -> throw new IllegalArgumentException("unknown profile " + name
                    + "; use memory, durable (JPA store + JMS queue) or durable-pg (JPA store + PostgreSQL queue)");
        };
    }
}

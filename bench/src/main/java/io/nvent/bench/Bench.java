package io.nvent.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * Runs one workload of {@code shared/bench/WORKLOADS.md} on the embedded engine (the same engine,
 * adapters and code path as inside the application server, minus CDI wiring and HTTP) and prints
 * one JSON line, last on stdout.
 *
 * <p>Usage: {@code Bench W1|W2|W3 memory|durable|durable-pg}. Sizes can be lowered for smoke runs with
 * {@code -Dnvent.bench.n=...}.
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
        System.out.println(run(workload, profileName, Integer.getInteger("nvent.bench.n", -1)).json());
        System.exit(0);
    }

    static Result run(String workload, String profileName, int n) throws Exception {
        try (Profile profile = profile(profileName)) {
            return switch (workload) {
                case "W1" -> Workloads.w1(profile, n > 0 ? n : 20_000);
                case "W2" -> Workloads.w2(profile, n > 0 ? n : 1_000);
                case "W3" -> Workloads.w3(profile, n > 0 ? n : 2_000, Duration.ofMillis(2_000));
                default -> throw new IllegalArgumentException("unknown workload " + workload + "; use W1, W2 or W3");
            };
        }
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

package io.nvent;

import java.util.List;
import java.util.Objects;

/**
 * What an instance's engine knows about its own health, for liveness and readiness probes
 * ({@code GET /api/nvent/health/live}, {@code /ready}) and for people ({@code GET /api/nvent/health}).
 * It is built from what the engine observes anyway (its workers, its periodic maintenance sweep,
 * which reads the store every few hundred milliseconds): asking for it costs no database round trip.
 *
 * @param live whether the engine's periodic maintenance still runs; false means the instance is
 *     wedged and should be restarted
 * @param ready whether the instance can take work: its engine is started (or switched off on purpose),
 *     and the store answered its latest maintenance sweep
 * @param checks the individual checks, each with a detail for people
 * @since 0.1
 */
public record HealthReport(boolean live, boolean ready, List<Check> checks) {

    /**
     * Copies the checks, so the record stays immutable.
     *
     * @param live whether the engine's periodic maintenance still runs; false means the instance is
     *     wedged and should be restarted
     * @param ready whether the instance can take work: its engine is started (or switched off on
     *     purpose), and the store answered its latest maintenance sweep
     * @param checks the individual checks, each with a detail for people
     * @throws NullPointerException if {@code checks} or a check is {@code null}
     */
    public HealthReport {
        checks = List.copyOf(Objects.requireNonNull(checks, "checks"));
    }

    /**
     * One check.
     *
     * @param name what was checked: {@code engine}, {@code maintenance}, {@code store}
     * @param up whether it is fine
     * @param detail what was seen, e.g. since when and how often the store failed, with its last error
     */
    public record Check(String name, boolean up, String detail) {

        /**
         * Checks that the name and detail are given.
         *
         * @param name what was checked
         * @param up whether it is fine
         * @param detail what was seen
         * @throws NullPointerException if {@code name} or {@code detail} is {@code null}
         */
        public Check {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(detail, "detail");
        }
    }
}

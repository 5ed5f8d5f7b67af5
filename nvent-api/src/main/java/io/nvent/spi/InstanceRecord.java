package io.nvent.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one start of an instance stores of itself ({@link SchedulingStore#saveInstance}), refreshed by its
 * maintenance sweep every few seconds: who it is, since when, which nvent it runs, and which queues it takes.
 * A restart under the same instance id is a new start with a new token, and so a record of its own.
 *
 * @param instanceId the instance's id ({@code nvent.instance-id})
 * @param startToken the token of this start of the instance (the part after {@code @} of its step leases' owner)
 * @param startedAt when this start began
 * @param lastSeen when this start last refreshed its record
 * @param stoppedAt when this start stopped cleanly; empty while it runs (or if it died without stopping)
 * @param version the nvent version it runs, {@code unknown} if nvent-api lacks its version resource
 * @param engineEnabled whether its engine runs steps ({@code nvent.engine.enabled})
 * @param queues the queues it knows with the workers it runs for each: 0 for a queue it leaves to other instances
 * @param ticksTriggers whether it fires schedule triggers' ticks (its engine runs)
 * @param storeSchema the store schema version its build brings ({@link SchedulingStore#schemaVersion()}); empty for a
 *     store without a versioned schema, and where the record does not say: written by an nvent before 0.2's schema
 *     V45 (a rolling upgrade's old instances), or read from a store that does not keep it
 * @param commit the git commit (short id) of the nvent build it runs; empty for a build made without its git
 *     repository (a source tarball), and where the record does not say, as for {@code storeSchema}
 * @since 0.2
 */
public record InstanceRecord(String instanceId, String startToken, Instant startedAt, Instant lastSeen,
                             Optional<Instant> stoppedAt, String version, boolean engineEnabled,
                             Map<String, Integer> queues, boolean ticksTriggers, Optional<String> storeSchema,
                             Optional<String> commit) {

    /**
     * Checks the values and copies the queues, keeping their order.
     *
     * @param instanceId the instance's id
     * @param startToken the token of this start
     * @param startedAt when this start began
     * @param lastSeen when this start last refreshed its record
     * @param stoppedAt when it stopped cleanly, or empty
     * @param version the nvent version it runs
     * @param engineEnabled whether its engine runs steps
     * @param queues the queues it knows, with their workers here
     * @param ticksTriggers whether it fires schedule triggers' ticks
     * @param storeSchema the store schema version its build brings, or empty if not known
     * @param commit the git commit of its nvent build, or empty if not known
     * @throws NullPointerException if a value is {@code null}
     * @throws IllegalArgumentException if the id or the token is blank, or a queue has fewer than 0 workers
     */
    public InstanceRecord {
        Objects.requireNonNull(storeSchema, "storeSchema");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(startToken, "startToken");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(stoppedAt, "stoppedAt");
        Objects.requireNonNull(version, "version");
        if (instanceId.isBlank() || startToken.isBlank()) {
            throw new IllegalArgumentException("an instance record needs an instance id and a start token, was ["
                    + instanceId + "] and [" + startToken + "]");
        }
        java.util.LinkedHashMap<String, Integer> copy = new java.util.LinkedHashMap<>();
        Objects.requireNonNull(queues, "queues").forEach((queue, workers) -> {
            if (Objects.requireNonNull(workers, "workers") < 0) {
                throw new IllegalArgumentException("queue " + queue + " of instance " + instanceId
                        + " has " + workers + " workers; 0 or more");
            }
            copy.put(Objects.requireNonNull(queue, "queue"), workers);
        });
        queues = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * A record that does not say which build wrote it: as a store written before 0.2's schema V45 reads one (a
     * store of a third party that keeps neither the schema version nor the commit).
     *
     * @param instanceId the instance's id
     * @param startToken the token of this start
     * @param startedAt when this start began
     * @param lastSeen when this start last refreshed its record
     * @param stoppedAt when it stopped cleanly, or empty
     * @param version the nvent version it runs
     * @param engineEnabled whether its engine runs steps
     * @param queues the queues it knows, with their workers here
     * @param ticksTriggers whether it fires schedule triggers' ticks
     * @throws NullPointerException if a value is {@code null}
     * @throws IllegalArgumentException if the id or the token is blank, or a queue has fewer than 0 workers
     */
    public InstanceRecord(String instanceId, String startToken, Instant startedAt, Instant lastSeen,
                          Optional<Instant> stoppedAt, String version, boolean engineEnabled,
                          Map<String, Integer> queues, boolean ticksTriggers) {
        this(instanceId, startToken, startedAt, lastSeen, stoppedAt, version, engineEnabled, queues, ticksTriggers,
                Optional.empty(), Optional.empty());
    }

    /**
     * This record as refreshed at {@code now}.
     *
     * @param now the time of the refresh
     * @return a copy with {@link #lastSeen()} {@code now}
     */
    public InstanceRecord seenAt(Instant now) {
        return new InstanceRecord(instanceId, startToken, startedAt, now, stoppedAt, version, engineEnabled, queues,
                ticksTriggers, storeSchema, commit);
    }

    /**
     * This record as stopped at {@code now}.
     *
     * @param now the time of the stop
     * @return a copy seen and stopped at {@code now}
     */
    public InstanceRecord stoppedAt(Instant now) {
        return new InstanceRecord(instanceId, startToken, startedAt, now, Optional.of(now), version, engineEnabled,
                queues, ticksTriggers, storeSchema, commit);
    }
}

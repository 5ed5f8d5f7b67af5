package io.nvent;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One start of an instance of the deployment, as its record in the store says ({@link FlowService#instances()}).
 *
 * @param instanceId the instance's id ({@code nvent.instance-id})
 * @param startToken the token of this start: a restart under the same id is another start, with another token
 * @param status whether it is live, stopped or gone
 * @param startedAt when this start began
 * @param lastSeen when it last refreshed its record
 * @param stoppedAt when it stopped cleanly; empty while it runs or if it died
 * @param version the nvent version it runs, {@code unknown} if nvent-api lacks its version resource
 * @param engineEnabled whether its engine runs steps ({@code nvent.engine.enabled})
 * @param queues the queues it knows with the workers it runs for each (0: left to other instances)
 * @param ticksTriggers whether it fires schedule triggers' ticks
 * @param thisInstance whether it is the start that answers
 * @param storeSchema the store schema version its build brings ({@link io.nvent.spi.SchedulingStore#schemaVersion()}:
 *     {@code 45} for the JPA store's V45), which tells apart builds of one artifact version; empty for a store without
 *     a versioned schema (the memory store), and for a start whose record does not say it (an nvent before the JPA
 *     store's V45, as the old instances of a rolling upgrade, or a store that does not keep it)
 * @param commit the git commit (short id) of the nvent build it runs; empty for a build made without its git
 *     repository (a source tarball) and for a start whose record does not say it, as for {@code storeSchema}
 * @since 0.2
 */
public record ClusterInstance(String instanceId, String startToken, InstanceStatus status, Instant startedAt,
                              Instant lastSeen, Optional<Instant> stoppedAt, String version, boolean engineEnabled,
                              Map<String, Integer> queues, boolean ticksTriggers, boolean thisInstance,
                              Optional<String> storeSchema, Optional<String> commit) {

    /**
     * Checks the values and copies the queues.
     *
     * @param instanceId the instance's id
     * @param startToken the token of this start
     * @param status whether it is live, stopped or gone
     * @param startedAt when this start began
     * @param lastSeen when it last refreshed its record
     * @param stoppedAt when it stopped cleanly, or empty
     * @param version the nvent version it runs
     * @param engineEnabled whether its engine runs steps
     * @param queues the queues it knows, with their workers there
     * @param ticksTriggers whether it fires schedule triggers' ticks
     * @param thisInstance whether it is the start that answers
     * @param storeSchema the store schema version its build brings, if known
     * @param commit the git commit of its nvent build, if known
     * @throws NullPointerException if a value is {@code null}
     */
    public ClusterInstance {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(startToken, "startToken");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(stoppedAt, "stoppedAt");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(storeSchema, "storeSchema");
        queues = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(Objects.requireNonNull(queues,
                "queues")));
    }

    /**
     * A start whose commit is not known.
     *
     * @param instanceId the instance's id
     * @param startToken the token of this start
     * @param status whether it is live, stopped or gone
     * @param startedAt when this start began
     * @param lastSeen when it last refreshed its record
     * @param stoppedAt when it stopped cleanly, or empty
     * @param version the nvent version it runs
     * @param engineEnabled whether its engine runs steps
     * @param queues the queues it knows, with their workers there
     * @param ticksTriggers whether it fires schedule triggers' ticks
     * @param thisInstance whether it is the start that answers
     * @param storeSchema the store schema version its build brings, if known
     * @throws NullPointerException if a value is {@code null}
     */
    public ClusterInstance(String instanceId, String startToken, InstanceStatus status, Instant startedAt,
                           Instant lastSeen, Optional<Instant> stoppedAt, String version, boolean engineEnabled,
                           Map<String, Integer> queues, boolean ticksTriggers, boolean thisInstance,
                           Optional<String> storeSchema) {
        this(instanceId, startToken, status, startedAt, lastSeen, stoppedAt, version, engineEnabled, queues,
                ticksTriggers, thisInstance, storeSchema, Optional.empty());
    }

    /**
     * A start whose store schema version and commit are not known.
     *
     * @param instanceId the instance's id
     * @param startToken the token of this start
     * @param status whether it is live, stopped or gone
     * @param startedAt when this start began
     * @param lastSeen when it last refreshed its record
     * @param stoppedAt when it stopped cleanly, or empty
     * @param version the nvent version it runs
     * @param engineEnabled whether its engine runs steps
     * @param queues the queues it knows, with their workers there
     * @param ticksTriggers whether it fires schedule triggers' ticks
     * @param thisInstance whether it is the start that answers
     * @throws NullPointerException if a value is {@code null}
     */
    public ClusterInstance(String instanceId, String startToken, InstanceStatus status, Instant startedAt,
                           Instant lastSeen, Optional<Instant> stoppedAt, String version, boolean engineEnabled,
                           Map<String, Integer> queues, boolean ticksTriggers, boolean thisInstance) {
        this(instanceId, startToken, status, startedAt, lastSeen, stoppedAt, version, engineEnabled, queues,
                ticksTriggers, thisInstance, Optional.empty(), Optional.empty());
    }

    /**
     * Whether this start runs workers for a queue now: it is live, its engine runs, and it has at least one worker
     * for the queue.
     *
     * @param queue a queue's name
     * @return {@code true} if it takes the queue's jobs
     */
    public boolean takes(String queue) {
        return status == InstanceStatus.LIVE && engineEnabled && queues.getOrDefault(queue, 0) > 0;
    }
}

package io.nvent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The instances of the deployment, as their records in the store say, and the queues with waiting jobs that no live
 * instance takes ({@link FlowService#instances()}).
 *
 * @param kept whether the scheduling store keeps instance records; if not, {@code instances} and {@code untakenQueues}
 *     are empty and say nothing
 * @param instances the starts of instances kept, the latest seen first: live ones, those stopped and those gone within
 *     the last day
 * @param untakenQueues the queues this deployment has whose jobs wait ({@code waiting} above 0) while no live
 *     instance runs a worker for them, with their waiting count, as the latest maintenance check found them
 * @param schemaVersioned whether the store has a versioned schema ({@link io.nvent.spi.SchedulingStore#schemaVersion()}
 *     says one); {@code false} for the memory store: then no instance's {@link ClusterInstance#storeSchema()} says
 *     one as there is none, not as it is not known
 * @since 0.2
 */
public record Instances(boolean kept, List<ClusterInstance> instances, Map<String, Long> untakenQueues,
                        boolean schemaVersioned) {

    /** How often each instance refreshes its record. */
    public static final Duration REFRESH = Duration.ofSeconds(10);
    /** A start not seen for longer than this (three refreshes) is {@link InstanceStatus#GONE}. */
    public static final Duration GONE_AFTER = REFRESH.multipliedBy(3);
    /** Records of starts stopped or gone for longer than this are deleted. */
    public static final Duration KEPT_FOR = Duration.ofDays(1);

    /**
     * Copies the lists, so the record stays immutable.
     *
     * @param kept whether the store keeps instance records
     * @param instances the starts of instances kept
     * @param untakenQueues the queues whose jobs wait with no live instance to take them
     * @param schemaVersioned whether the store has a versioned schema
     * @throws NullPointerException if a value is {@code null}
     */
    public Instances {
        instances = List.copyOf(Objects.requireNonNull(instances, "instances"));
        untakenQueues = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(Objects.requireNonNull(
                untakenQueues, "untakenQueues")));
    }

    /**
     * The instances of a store with a versioned schema.
     *
     * @param kept whether the store keeps instance records
     * @param instances the starts of instances kept
     * @param untakenQueues the queues whose jobs wait with no live instance to take them
     * @throws NullPointerException if a value is {@code null}
     */
    public Instances(boolean kept, List<ClusterInstance> instances, Map<String, Long> untakenQueues) {
        this(kept, instances, untakenQueues, true);
    }

    /**
     * The live starts.
     *
     * @return those of {@link #instances()} whose status is {@link InstanceStatus#LIVE}
     */
    public List<ClusterInstance> live() {
        return instances.stream().filter(i -> i.status() == InstanceStatus.LIVE).toList();
    }
}

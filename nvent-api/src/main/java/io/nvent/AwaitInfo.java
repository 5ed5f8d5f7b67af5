package io.nvent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One await of a run, as operators see it. The webhook token is not part of it: only the hook
 * ({@link AwaitRegistered}) learns the URL.
 *
 * @param awaitId id for operators (resolve through the management API)
 * @param runId run
 * @param flow flow
 * @param step step
 * @param position before or after the step
 * @param type what it waits for
 * @param status where it is
 * @param registeredAt when it started waiting
 * @param resolveAt when a time or schedule await resolves
 * @param timeoutAt when it times out
 * @param concurrencyKey for an await of type {@link AwaitType#CONCURRENCY_KEY}: the key its run waits for; for
 *     the time await of a start delayed with a concurrency key ({@link StartOptions#concurrencyKey()}): the key
 *     its run waits for once the delay ends, not holding it meanwhile (since 0.2)
 * @param concurrencyKeyHolder for a waiting await of type {@link AwaitType#CONCURRENCY_KEY}, as
 *     {@link FlowService#awaits} lists it: the run holding the key now, which the await's run waits behind; empty
 *     for every other await, and when the key is free or its own run is just getting it (since 0.2); where several
 *     runs hold the key ({@link StartOptions#concurrencyLimit()} above 1), the first of
 *     {@link #concurrencyKeyHolders()}
 * @param concurrencyKeyHolders for a waiting await of type {@link AwaitType#CONCURRENCY_KEY}, as
 *     {@link FlowService#awaits} lists it: every run holding the key now, the one that got it first first; empty
 *     where {@code concurrencyKeyHolder} is (since 0.2)
 * @param concurrencyLimit for an await of type {@link AwaitType#CONCURRENCY_KEY}, or the time await of a start
 *     delayed with a key: the run's {@link StartOptions#concurrencyLimit()}; 1 for every other await (since 0.2)
 * @since 0.1
 */
public record AwaitInfo(String awaitId, String runId, String flow, String step, AwaitPosition position, AwaitType type,
                        AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                        Optional<Instant> timeoutAt, Optional<String> concurrencyKey,
                        Optional<String> concurrencyKeyHolder, List<String> concurrencyKeyHolders,
                        int concurrencyLimit) {

    /**
     * Checks the ids and the optional times.
     *
     * @param awaitId id for operators (resolve through the management API)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt when it started waiting
     * @param resolveAt when a time or schedule await resolves
     * @param timeoutAt when it times out
     * @param concurrencyKey the key a concurrency-key await waits for, or a delayed start's time await waits for next
     * @param concurrencyKeyHolder the run holding the key a waiting concurrency-key await waits for (the first)
     * @param concurrencyKeyHolders every run holding that key
     * @param concurrencyLimit the run's concurrency limit, 1 for awaits of no key
     * @throws NullPointerException if {@code awaitId}, {@code runId}, {@code resolveAt}, {@code timeoutAt},
     *     {@code concurrencyKey}, {@code concurrencyKeyHolder} or {@code concurrencyKeyHolders} is {@code null}
     * @throws IllegalArgumentException if the limit is out of range ({@code NVENT-0270}), or the holder is not the
     *     first of the holders ({@code NVENT-0273})
     * @since 0.2
     */
    public AwaitInfo {
        Objects.requireNonNull(awaitId, "awaitId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(resolveAt, "resolveAt");
        Objects.requireNonNull(timeoutAt, "timeoutAt");
        Objects.requireNonNull(concurrencyKey, "concurrencyKey");
        Objects.requireNonNull(concurrencyKeyHolder, "concurrencyKeyHolder");
        concurrencyKeyHolders = List.copyOf(concurrencyKeyHolders);
        StartOptions.requireValidConcurrencyLimit(concurrencyLimit);
        if (!concurrencyKeyHolders.isEmpty()
                && !concurrencyKeyHolder.equals(Optional.of(concurrencyKeyHolders.get(0)))) {
            throw new IllegalArgumentException("NVENT-0273 the holder of an await's concurrency key is the first of its"
                    + " holders " + concurrencyKeyHolders + ", was " + concurrencyKeyHolder.orElse("none")
                    + ", await " + awaitId);
        }
    }

    /**
     * An await naming at most one run holding its key, of its run's limit 1.
     *
     * @param awaitId id for operators (resolve through the management API)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt when it started waiting
     * @param resolveAt when a time or schedule await resolves
     * @param timeoutAt when it times out
     * @param concurrencyKey the key a concurrency-key await waits for, or a delayed start's time await waits for next
     * @param concurrencyKeyHolder the run holding the key a waiting concurrency-key await waits for
     * @throws NullPointerException if {@code awaitId}, {@code runId}, {@code resolveAt}, {@code timeoutAt},
     *     {@code concurrencyKey} or {@code concurrencyKeyHolder} is {@code null}
     * @since 0.2
     */
    public AwaitInfo(String awaitId, String runId, String flow, String step, AwaitPosition position, AwaitType type,
                     AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                     Optional<Instant> timeoutAt, Optional<String> concurrencyKey,
                     Optional<String> concurrencyKeyHolder) {
        this(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt, concurrencyKey,
                concurrencyKeyHolder, concurrencyKeyHolder.stream().toList(), 1);
    }

    /**
     * An await without the holder of its key named.
     *
     * @param awaitId id for operators (resolve through the management API)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt when it started waiting
     * @param resolveAt when a time or schedule await resolves
     * @param timeoutAt when it times out
     * @param concurrencyKey the key a concurrency-key await waits for, or a delayed start's time await waits for next
     * @throws NullPointerException if {@code awaitId}, {@code runId}, {@code resolveAt}, {@code timeoutAt}
     *     or {@code concurrencyKey} is {@code null}
     * @since 0.2
     */
    public AwaitInfo(String awaitId, String runId, String flow, String step, AwaitPosition position, AwaitType type,
                     AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                     Optional<Instant> timeoutAt, Optional<String> concurrencyKey) {
        this(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt, concurrencyKey,
                Optional.empty(), List.of(), 1);
    }

    /**
     * This await with the run holding the key it waits for.
     *
     * @param holder the run holding the key; empty if none other does
     * @return a copy naming {@code holder}
     * @since 0.2
     */
    public AwaitInfo withConcurrencyKeyHolder(Optional<String> holder) {
        return withConcurrencyKeyHolders(holder.stream().toList());
    }

    /**
     * This await with the runs holding the key it waits for.
     *
     * @param holders the runs holding the key, the one that got it first first; empty if none other does
     * @return a copy naming {@code holders}
     * @since 0.2
     */
    public AwaitInfo withConcurrencyKeyHolders(List<String> holders) {
        return new AwaitInfo(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt,
                concurrencyKey, holders.stream().findFirst(), holders, concurrencyLimit);
    }

    /**
     * This await with its run's concurrency limit.
     *
     * @param limit the limit, as {@link StartOptions#concurrencyLimit()}
     * @return a copy with {@code limit}
     * @since 0.2
     */
    public AwaitInfo withConcurrencyLimit(int limit) {
        return new AwaitInfo(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt,
                concurrencyKey, concurrencyKeyHolder, concurrencyKeyHolders, limit);
    }

    /**
     * An await that waits for no concurrency key: the components of 0.1.
     *
     * @param awaitId id for operators (resolve through the management API)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt when it started waiting
     * @param resolveAt when a time or schedule await resolves
     * @param timeoutAt when it times out
     * @throws NullPointerException if {@code awaitId}, {@code runId}, {@code resolveAt} or
     *     {@code timeoutAt} is {@code null}
     */
    public AwaitInfo(String awaitId, String runId, String flow, String step, AwaitPosition position, AwaitType type,
                     AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                     Optional<Instant> timeoutAt) {
        this(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt, Optional.empty());
    }
}

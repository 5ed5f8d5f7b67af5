package io.nvent;

import java.time.Instant;
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
 *     for every other await, and when the key is free or its own run is just getting it (since 0.2)
 * @since 0.1
 */
public record AwaitInfo(String awaitId, String runId, String flow, String step, AwaitPosition position, AwaitType type,
                        AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                        Optional<Instant> timeoutAt, Optional<String> concurrencyKey,
                        Optional<String> concurrencyKeyHolder) {

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
     * @param concurrencyKeyHolder the run holding the key a waiting concurrency-key await waits for
     * @throws NullPointerException if {@code awaitId}, {@code runId}, {@code resolveAt}, {@code timeoutAt},
     *     {@code concurrencyKey} or {@code concurrencyKeyHolder} is {@code null}
     * @since 0.2
     */
    public AwaitInfo {
        Objects.requireNonNull(awaitId, "awaitId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(resolveAt, "resolveAt");
        Objects.requireNonNull(timeoutAt, "timeoutAt");
        Objects.requireNonNull(concurrencyKey, "concurrencyKey");
        Objects.requireNonNull(concurrencyKeyHolder, "concurrencyKeyHolder");
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
                Optional.empty());
    }

    /**
     * This await with the run holding the key it waits for.
     *
     * @param holder the run holding the key; empty if none other does
     * @return a copy naming {@code holder}
     * @since 0.2
     */
    public AwaitInfo withConcurrencyKeyHolder(Optional<String> holder) {
        return new AwaitInfo(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt,
                concurrencyKey, holder);
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

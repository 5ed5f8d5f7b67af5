package io.nvent.spi;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.TimeoutAction;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored await.
 *
 * @param awaitId id for operators
 * @param token secret part of the webhook URL (&ge; 128 random bits)
 * @param runId run
 * @param flow flow
 * @param step step
 * @param position before or after the step
 * @param type what it waits for
 * @param status where it is
 * @param registeredAt start of the wait
 * @param resolveAt when a time/schedule await resolves by itself
 * @param timeoutAt when it times out
 * @param timeoutAction what happens on timeout
 * @param event for event awaits: the event name; for concurrency-key awaits ({@link AwaitType#CONCURRENCY_KEY},
 *     since 0.2): the key; for the time await of a delayed start with a concurrency key (since 0.2): the key its
 *     run waits for once the delay ends (a store keeps it as it keeps an event's name)
 * @param filterValue for event awaits with a filter key: {@code key=JSON value} the event must carry
 * @param held for after-awaits: the step's emissions, held back until resolution (JSON array)
 * @param data resolution data (JSON), once resolved
 * @param closedAt when it stopped waiting
 * @param concurrencyLimit for concurrency-key awaits and the time await of a delayed start with a key: the run's
 *     {@link io.nvent.StartOptions#concurrencyLimit()}, how many runs may hold the key while this run is at the head
 *     of its line; 1 for every other await (since 0.2)
 * @since 0.1
 */
public record AwaitRecord(String awaitId, String token, String runId, String flow, String step, AwaitPosition position,
                          AwaitType type, AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                          Optional<Instant> timeoutAt, TimeoutAction timeoutAction, Optional<String> event,
                          Optional<String> filterValue, String held, Optional<String> data, Optional<Instant> closedAt,
                          int concurrencyLimit) {

    /**
     * Checks that every component is given ({@code Optional.empty()} where there is none).
     *
     * @param awaitId id for operators
     * @param token secret part of the webhook URL (&ge; 128 random bits)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt start of the wait
     * @param resolveAt when a time/schedule await resolves by itself
     * @param timeoutAt when it times out
     * @param timeoutAction what happens on timeout
     * @param event for event awaits: the event name
     * @param filterValue for event awaits with a filter key: {@code key=JSON value} the event must
     *     carry
     * @param held for after-awaits: the step's emissions, held back until resolution (JSON array)
     * @param data resolution data (JSON), once resolved
     * @param closedAt when it stopped waiting
     * @param concurrencyLimit how many runs may hold the key this await's run waits for, while it is at the head of
     *     the line; 1 for awaits of other kinds
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the concurrency limit is out of range ({@code NVENT-0270})
     * @since 0.2
     */
    public AwaitRecord {
        Objects.requireNonNull(awaitId, "awaitId");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(registeredAt, "registeredAt");
        Objects.requireNonNull(resolveAt, "resolveAt");
        Objects.requireNonNull(timeoutAt, "timeoutAt");
        Objects.requireNonNull(timeoutAction, "timeoutAction");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(filterValue, "filterValue");
        Objects.requireNonNull(held, "held");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(closedAt, "closedAt");
        io.nvent.StartOptions.requireValidConcurrencyLimit(concurrencyLimit);
    }

    /**
     * An await whose run waits for no concurrency key above limit 1: the components of 0.1.
     *
     * @param awaitId id for operators
     * @param token secret part of the webhook URL (&ge; 128 random bits)
     * @param runId run
     * @param flow flow
     * @param step step
     * @param position before or after the step
     * @param type what it waits for
     * @param status where it is
     * @param registeredAt start of the wait
     * @param resolveAt when a time/schedule await resolves by itself
     * @param timeoutAt when it times out
     * @param timeoutAction what happens on timeout
     * @param event for event awaits: the event name; for concurrency-key awaits: the key
     * @param filterValue for event awaits with a filter key: {@code key=JSON value} the event must carry
     * @param held for after-awaits: the step's emissions, held back until resolution (JSON array)
     * @param data resolution data (JSON), once resolved
     * @param closedAt when it stopped waiting
     * @throws NullPointerException if a component is {@code null}
     */
    public AwaitRecord(String awaitId, String token, String runId, String flow, String step, AwaitPosition position,
                       AwaitType type, AwaitStatus status, Instant registeredAt, Optional<Instant> resolveAt,
                       Optional<Instant> timeoutAt, TimeoutAction timeoutAction, Optional<String> event,
                       Optional<String> filterValue, String held, Optional<String> data, Optional<Instant> closedAt) {
        this(awaitId, token, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt,
                timeoutAction, event, filterValue, held, data, closedAt, 1);
    }

    /**
     * This await closed with a status and data; everything else is kept.
     *
     * @param newStatus the closing status
     * @param newData resolution data (JSON), empty for none
     * @param at when it closed
     * @return a copy closed at {@code at}
     */
    public AwaitRecord closed(AwaitStatus newStatus, Optional<String> newData, Instant at) {
        return new AwaitRecord(awaitId, token, runId, flow, step, position, type, newStatus, registeredAt, resolveAt,
                timeoutAt, timeoutAction, event, filterValue, held, newData, Optional.of(at), concurrencyLimit);
    }

    /**
     * The operator's view, without the token, held emissions and data.
     *
     * @return the await as {@link io.nvent.FlowService} shows it
     */
    public AwaitInfo toInfo() {
        return new AwaitInfo(awaitId, runId, flow, step, position, type, status, registeredAt, resolveAt, timeoutAt,
                type == AwaitType.CONCURRENCY_KEY || type == AwaitType.TIME ? event : Optional.empty())
                .withConcurrencyLimit(concurrencyLimit);
    }
}

package io.nvent;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * Manages triggers: the declared ones ({@link Trigger}) and those created at run time. Inject it
 * like {@link FlowService}.
 *
 * @since 0.1
 */
public interface TriggerService {

    /** Every trigger, by name. */
    List<TriggerInfo> triggers();

    /** One trigger. */
    Optional<TriggerInfo> trigger(String name);

    /**
     * Creates a trigger.
     *
     * @throws InvalidTriggerException if the name is taken, a flow is unknown or the cron or interval is invalid
     */
    TriggerInfo create(TriggerSpec spec);

    /**
     * Replaces a trigger's definition (type and name stay).
     *
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws InvalidTriggerException if the new definition is invalid
     */
    TriggerInfo update(TriggerSpec spec);

    /** Enables or disables a trigger. */
    TriggerInfo setEnabled(String name, boolean enabled);

    /**
     * Deletes a trigger created at run time.
     *
     * @throws InvalidTriggerException for a declared trigger (disable it instead)
     */
    void delete(String name);

    /**
     * Fires a trigger now with a JSON payload, starting each of its flows.
     *
     * @return the ids of the runs started
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws TriggerDisabledException if it is disabled
     * @throws InvalidPayloadException if the payload is not valid JSON
     */
    List<String> fire(String name, String jsonPayload);

    /**
     * Fires a trigger now, once per idempotency key: a webhook sender's retry of a delivery (same
     * key, same payload) returns the runs the first fire started, with {@code created} false, and
     * counts as no fire of its own. Keys are per trigger and flow; the same key with another payload
     * is refused. See {@link StartOptions#idempotencyKey()}.
     *
     * @return the runs of the trigger's flows
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws TriggerDisabledException if it is disabled
     * @throws InvalidPayloadException if the payload is not valid JSON
     * @throws IdempotencyKeyConflictException if the key started runs with another payload
     */
    List<StartedRun> fire(String name, String jsonPayload, StartOptions options);

    /** The newest entries of a trigger's history, newest first. */
    List<TriggerEvent> history(String name, int limit);

    /**
     * The next ticks of a cron expression, to preview a schedule before saving it.
     *
     * @throws InvalidTriggerException if the expression is invalid
     */
    List<Instant> nextTicks(String cron, ZoneId zone, Instant after, int count);

    /** A human-readable description of a cron expression ("every 5 minutes"). */
    String describe(String cron);
}

package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of a trigger's history, of a type this record's constants name ({@link #REGISTERED}, {@link #UPDATED},
 * {@link #ENABLED}, {@link #DISABLED}, {@link #FIRED}, {@link #FAILED}, {@link #COMPLETED}, {@link #MISFIRE_SETTINGS},
 * {@link #SKIPPED}, {@link #RECOVERED}); a newer nvent may add types: read one that none names as an entry to show,
 * not an error. An entry an operator's action wrote carries {@code "operator"} and {@code "operatorReason"} in its data.
 *
 * @param trigger trigger name
 * @param seq 1-based position in the trigger's history
 * @param type entry type
 * @param timestamp when it happened
 * @param data JSON details
 * @since 0.1
 */
public record TriggerEvent(String trigger, long seq, String type, Instant timestamp, String data) {

    /**
     * A trigger was created, or declared for the first time; data: its definition.
     *
     * @since 0.2
     */
    public static final String REGISTERED = "trigger.registered";

    /**
     * A trigger was changed; data: its definition.
     *
     * @since 0.2
     */
    public static final String UPDATED = "trigger.updated";

    /**
     * A trigger was enabled.
     *
     * @since 0.2
     */
    public static final String ENABLED = "trigger.enabled";

    /**
     * A trigger was disabled; data: {@code {"reason"}} when nvent disabled it (no longer declared), else {@code {}}.
     *
     * @since 0.2
     */
    public static final String DISABLED = "trigger.disabled";

    /**
     * A fire started its runs; data: {@code {"payload","runs":[runId]}} ({@code "payloadOmitted":{"bytes","start"}}
     * instead of the payload above {@code nvent.triggers.history.max-payload-bytes}), with {@code "missed"} for a tick
     * fired late at a start, {@code "backfill"} for one a backfill fired, {@code "debounced"} or {@code "batched"} for a
     * fire folded into a pending run.
     *
     * @since 0.2
     */
    public static final String FIRED = "trigger.fired";

    /**
     * A fire failed to start a flow; data: as {@link #FIRED}, with {@code "error"}.
     *
     * @since 0.2
     */
    public static final String FAILED = "trigger.failed";

    /**
     * The retry of a keyed fire that failed part way started the flows it had not; data: {@code {"runs","replayedRuns","error"}}.
     *
     * @since 0.2
     */
    public static final String COMPLETED = "trigger.completed";

    /**
     * The deployment's misfire settings a start applied to a schedule; data: {@code {"misfire","misfireGrace"}}.
     *
     * @since 0.2
     */
    public static final String MISFIRE_SETTINGS = "trigger.misfire-settings";

    /**
     * A fire or tick started nothing; data: {@code {"reason":"overlap","overlap","runUnderWay","payload"}}, or
     * {@code {"reason":"excluded","rule","scheduledAt","timezone"}} for a tick an exclusion rule excludes (with
     * {@code "missed"} or {@code "backfill"} as {@link #FIRED} has them for a tick skipped late).
     *
     * @since 0.2
     */
    public static final String SKIPPED = "trigger.skipped";

    /**
     * A run a fire had started under a concurrency key was found again after a crash; data: {@code {"runId","key","message"}}, the message
     * the engine logged.
     *
     * @since 0.2
     */
    public static final String RECOVERED = "trigger.recovered";

    /**
     * Every entry type this version of nvent writes, the types a history may be filtered by
     * ({@link TriggerService#history(String, Set, java.util.OptionalLong, int)}).
     *
     * @since 0.2
     */
    public static final Set<String> TYPES = Set.of(REGISTERED, UPDATED, ENABLED, DISABLED, FIRED, FAILED, COMPLETED,
            MISFIRE_SETTINGS, SKIPPED, RECOVERED);

    /**
     * Checks that every object component is given.
     *
     * @param trigger trigger name
     * @param seq 1-based position in the trigger's history
     * @param type entry type
     * @param timestamp when it happened
     * @param data JSON details
     * @throws NullPointerException if {@code trigger}, {@code type}, {@code timestamp} or {@code data} is
     *     {@code null}
     */
    public TriggerEvent {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }
}

package io.nvent.cdi.internal.engine;

import java.time.Duration;

/**
 * What a trigger's history keeps: {@code nvent.triggers.history.max-entries} and
 * {@code nvent.triggers.history.max-payload-bytes}. Without limits an every-second schedule adds
 * 86,400 entries a day, and a webhook trigger a copy of every body it receives.
 *
 * @param maxEntries newest entries kept per trigger; older ones are removed by the maintenance sweep
 * @param maxPayloadBytes largest payload a {@code trigger.fired} entry holds in full; a larger one is
 *     recorded by its size and its start, since the runs it started hold it whole as their input. A
 *     fire that could not start every flow keeps its payload whole
 * @param tickClaimRetention how long the claim of a schedule tick is kept; no instance fires a tick
 *     that old, so its claim is no longer needed to fire it once
 */
public record TriggerHistoryLimits(int maxEntries, int maxPayloadBytes, Duration tickClaimRetention) {

    /** 1,000 entries per trigger, payloads up to 10 KiB in full (the reference system's threshold), claims for a day. */
    public static final TriggerHistoryLimits DEFAULTS = new TriggerHistoryLimits(1000, 10 * 1024, Duration.ofDays(1));

    public TriggerHistoryLimits {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.history.max-entries must be "
                    + "at least 1, was " + maxEntries);
        }
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.triggers.history.max-payload-bytes "
                    + "must not be negative, was " + maxPayloadBytes);
        }
        if (tickClaimRetention.compareTo(Duration.ofHours(1)) < 0) {
            throw new IllegalArgumentException("tick claims must be kept for at least an hour, was " + tickClaimRetention);
        }
    }

    /** These limits with another number of entries kept per trigger. */
    public TriggerHistoryLimits withMaxEntries(int value) {
        return new TriggerHistoryLimits(value, maxPayloadBytes, tickClaimRetention);
    }

    /** These limits with another largest payload kept in full. */
    public TriggerHistoryLimits withMaxPayloadBytes(int value) {
        return new TriggerHistoryLimits(maxEntries, value, tickClaimRetention);
    }
}

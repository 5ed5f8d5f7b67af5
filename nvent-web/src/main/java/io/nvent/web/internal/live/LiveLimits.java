package io.nvent.web.internal.live;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.web.internal.WebSettings;
import java.time.Duration;

/**
 * Tuning of the live stream ({@code nvent.ws.*}).
 *
 * @param maxQueued messages a client may have waiting; a client that falls further behind is closed
 *        with 1013 ("try again later") and resumes by re-subscribing with {@code afterSeq}; also the children's
 *        status changes a client may have waiting, one per child, beyond which a parent's merge into one
 *        {@code children.changed}
 * @param pageSize history entries per backfill message
 * @param pauseBackfillAt backfill waits while a client has this many messages waiting
 * @param maxPending live entries held per run while its backfill runs; beyond that they are re-read
 * @param repairDelay how long a gap in live entries may last before it is repaired from the store
 * @param sendTimeout a single message that cannot be written within this closes the client
 * @param statsInterval how often statistics are compared and sent when changed
 * @param heartbeatInterval how often an idle client gets a heartbeat
 * @param maxRunsPerClient run subscriptions one connection may hold
 */
public record LiveLimits(int maxQueued, int pageSize, int pauseBackfillAt, int maxPending, Duration repairDelay,
                  Duration sendTimeout, Duration statsInterval, Duration heartbeatInterval, int maxRunsPerClient) {

    static final LiveLimits DEFAULTS = new LiveLimits(1000, 500, 8, 10_000, Duration.ofMillis(250),
            Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofSeconds(20), 200);

    /** The limits configured; the first invalid one fails with its message. */
    public static LiveLimits from(NventConfig config) {
        return from(config, WebSettings.FIRST_INVALID_FAILS);
    }

    /** The limits configured, each read through {@code check}, which learns every invalid one. */
    public static LiveLimits from(NventConfig config, SettingsCheck check) {
        return new LiveLimits(
                check.valid(() -> config.getInt("nvent.ws.max-queued-messages", DEFAULTS.maxQueued, 1),
                        DEFAULTS.maxQueued),
                check.valid(() -> config.getInt("nvent.ws.history-page-size", DEFAULTS.pageSize, 1), DEFAULTS.pageSize),
                DEFAULTS.pauseBackfillAt,
                DEFAULTS.maxPending,
                DEFAULTS.repairDelay,
                check.valid(() -> config.getMillis("nvent.ws.send-timeout-ms", DEFAULTS.sendTimeout,
                        Duration.ofMillis(1)), DEFAULTS.sendTimeout),
                check.valid(() -> config.getMillis("nvent.ws.stats-interval-ms", DEFAULTS.statsInterval,
                        Duration.ofMillis(1)), DEFAULTS.statsInterval),
                check.valid(() -> config.getMillis("nvent.ws.heartbeat-ms", DEFAULTS.heartbeatInterval,
                        Duration.ofMillis(1)), DEFAULTS.heartbeatInterval),
                DEFAULTS.maxRunsPerClient);
    }
}

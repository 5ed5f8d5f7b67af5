package io.nvent.web.internal.live;

import io.nvent.cdi.NventConfig;
import java.time.Duration;

/**
 * Tuning of the live stream ({@code nvent.ws.*}).
 *
 * @param maxQueued messages a client may have waiting; a client that falls further behind is closed
 *        with 1013 ("try again later") and resumes by re-subscribing with {@code afterSeq}
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

    public static LiveLimits from(NventConfig config) {
        return new LiveLimits(
                config.getInt("nvent.ws.max-queued-messages", DEFAULTS.maxQueued, 1),
                config.getInt("nvent.ws.history-page-size", DEFAULTS.pageSize, 1),
                DEFAULTS.pauseBackfillAt,
                DEFAULTS.maxPending,
                DEFAULTS.repairDelay,
                config.getMillis("nvent.ws.send-timeout-ms", DEFAULTS.sendTimeout, Duration.ofMillis(1)),
                config.getMillis("nvent.ws.stats-interval-ms", DEFAULTS.statsInterval, Duration.ofMillis(1)),
                config.getMillis("nvent.ws.heartbeat-ms", DEFAULTS.heartbeatInterval, Duration.ofMillis(1)),
                DEFAULTS.maxRunsPerClient);
    }
}

package io.nvent.web.internal.live;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What clients and cursors share: threads for backfill and sending, a timer, the history source
 * and the limits.
 */
record LiveRuntime(Executor executor, ScheduledExecutorService timer, History history, LiveLimits limits) {
}

package io.nvent.web.internal.live;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What clients and cursors share: threads for backfill and sending, a timer, the history source,
 * the limits and the clients that follow each run's children.
 */
record LiveRuntime(Executor executor, ScheduledExecutorService timer, History history, LiveLimits limits,
                   ChildFollowers childFollowers) {

    LiveRuntime(Executor executor, ScheduledExecutorService timer, History history, LiveLimits limits) {
        this(executor, timer, history, limits, new ChildFollowers());
    }
}

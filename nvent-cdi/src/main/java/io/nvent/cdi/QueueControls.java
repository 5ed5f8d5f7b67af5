package io.nvent.cdi;

import io.nvent.cdi.internal.engine.EngineBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Pauses and resumes queues for the whole cluster: a pause is recorded in the scheduling store,
 * which every instance follows within about a second and applies again after a restart, whatever
 * the queue adapter (a JMS broker keeps no pause of its own). With the in-memory store a pause holds
 * on this instance only. Also tells whether a queue's rate limit holds for the cluster.
 *
 * @since 0.1
 */
@ApplicationScoped
public class QueueControls {

    @Inject
    EngineBean engineBean;

    /** Stops starting attempts of a queue; attempts running now finish. */
    public void pause(String queue) {
        engineBean.engine().queuePauses().pause(queue);
    }

    /** Starts attempts of a paused queue again. */
    public void resume(String queue) {
        engineBean.engine().queuePauses().resume(queue);
    }

    /**
     * Whether a queue's rate limit holds for every instance sharing the scheduling store, rather than
     * on each instance ({@code nvent.queue.<name>.limiter.scope}, and whether the store can share it).
     */
    public boolean sharesRateLimit(String queue) {
        return engineBean.engine().clusterRateLimit(queue).isPresent();
    }
}

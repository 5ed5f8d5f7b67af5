package io.nvent.web.internal.rest;

import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.spi.JobQueue;
import jakarta.ws.rs.NotFoundException;
import java.util.Set;
import java.util.TreeSet;

/**
 * The queues worth showing: those the flows use plus any other the queue adapter knows.
 * Asking the adapter about an unknown name could create it, so names are checked here first.
 */
public final class Queues {

    private Queues() {
    }

    /** Every known queue name, sorted. */
    public static Set<String> names(FlowService flows, JobQueue queue) {
        Set<String> names = new TreeSet<>(queue.queues());
        for (FlowDefinition flow : flows.flows()) {
            flow.steps().forEach(step -> names.add(step.queue()));
        }
        return names;
    }

    /** The name, if known; otherwise a 404. */
    public static String require(FlowService flows, JobQueue queue, String name) {
        if (!names(flows, queue).contains(name)) {
            throw notFound(flows, queue, name, null);
        }
        return name;
    }

    /**
     * Does an action of the queue controls acting only on known queues ({@code QueueControls.knownQueuesOnly}): their
     * refusal of an unknown queue, audited where they act as an operator, answers the 404 {@link #require} would.
     */
    public static void act(FlowService flows, JobQueue queue, String name, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException refused) {
            if (names(flows, queue).contains(name)) {
                throw refused;
            }
            throw notFound(flows, queue, name, refused);
        }
    }

    private static NotFoundException notFound(FlowService flows, JobQueue queue, String name, Throwable cause) {
        return new NotFoundException("NVENT-0740 no queue named '" + name + "'; known queues are "
                + names(flows, queue), cause);
    }
}

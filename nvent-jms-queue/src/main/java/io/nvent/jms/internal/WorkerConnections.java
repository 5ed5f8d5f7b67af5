package io.nvent.jms.internal;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections this node's workers hold. Each worker keeps one connection from the factory for
 * as long as it runs (a container allows one session per pooled connection), so a pool smaller than
 * the workers of all queues starves the last workers started: they wait for a connection that never
 * comes, while the rest work. A broker that is away refuses every worker alike; a worker refused
 * while others hold connections points at the pool, which is what this tells apart.
 */
public final class WorkerConnections {

    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private volatile String starved;

    /** Counts the workers of a queue that started. */
    public void workersStarted(int count) {
        workers.addAndGet(count);
    }

    /** A worker got its connection. */
    void granted() {
        if (held.incrementAndGet() >= workers.get()) {
            starved = null;
        }
    }

    /** A worker gave its connection back. */
    void returned() {
        held.decrementAndGet();
    }

    /**
     * A worker of {@code queue} was refused a connection.
     *
     * @return the diagnosis when the refusal looks like an exhausted pool and was not reported yet
     */
    Optional<String> refused(String queue) {
        int holding = held.get();
        if (holding == 0) {
            return Optional.empty();
        }
        int needed = workers.get();
        String diagnosis = "a worker of queue " + queue + " could not get a JMS connection while " + holding
                + " of this node's " + needed + " workers hold one: the pool of the workers' connection factory"
                + " (nvent.queue.jms.worker-connection-factory) is smaller than the workers need. Each worker keeps"
                + " one pooled connection, so the pool must hold at least " + needed + " (plus room for the live"
                + " event stream's subscription and publishes, and for enqueues if they share it); raise its"
                + " maximum size, or lower nvent.queue.concurrency";
        boolean first = starved == null;
        starved = diagnosis;
        return first ? Optional.of(diagnosis) : Optional.empty();
    }

    /** Why some workers cannot take jobs, while they cannot get a connection from a busy pool. */
    public Optional<String> problem() {
        return Optional.ofNullable(starved);
    }
}

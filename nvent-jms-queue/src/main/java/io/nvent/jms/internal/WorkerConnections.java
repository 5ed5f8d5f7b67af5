package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections this node's workers hold. Each worker keeps one connection from the factory for
 * as long as it runs (a container allows one session per pooled connection), so a pool smaller than
 * the workers of all queues starves the last workers started: they wait for a connection that never
 * comes, while the rest work. This tells such a refusal from a broker that is away, and says how
 * large the pool must be.
 *
 * <p>Where the pool is hit depends on the factory: a pooling factory refuses the connection, while
 * a resource adapter (Artemis's in Payara) hands out a connection handle at once and takes the pooled
 * connection when the handle's session is created. Both count as getting a connection here.
 */
public final class WorkerConnections {

    /**
     * What containers' pools say when no connection came free within their wait: Payara and
     * GlassFish, WildFly (IronJacamar), Open Liberty. The resource adapter passes it on in the
     * message or the cause of the {@link JMSException} it throws.
     */
    private static final List<String> POOL_EXHAUSTED = List.of("In-use connections equal max-pool-size",
            "IJ000655", "No managed connections available", "J2CA0045E");

    private static final int MAX_CAUSES = 10;

    /**
     * The pooled connections the JMS live event stream holds at most: one for its subscription, for
     * good, and one its thread sends through, one send at a time.
     */
    public static final int STREAM_CONNECTIONS = 2;

    /** Where a worker asked for its connection. */
    enum Step {
        /**
         * The factory's {@code createConnection}, where a pooling factory is hit: a refusal is the
         * pool's when the pool says so, or when other workers of this node hold connections meanwhile
         * (a pool may refuse without saying why).
         */
        CONNECTION,
        /**
         * The connection's {@code createSession}, where a resource adapter's pool is hit and the
         * broker first reached: only what the pool says counts, since after the broker went away
         * the other workers may still hold connections they have not found broken yet.
         */
        SESSION
    }

    /**
     * A refusal taken for the pool's.
     *
     * @param diagnosis what to tell the operator
     * @param first whether it is the first since the workers last all had their connections
     */
    record PoolRefusal(String diagnosis, boolean first) {
    }

    private final AtomicInteger queues = new AtomicInteger();
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private volatile String starved;

    /**
     * Counts the workers of a queue that started.
     *
     * @return how many pooled connections the workers of this node's queues hold in all, and how
     *     many the pool of the workers' factory must hold, the live event stream's included, in words
     *     for the log
     */
    public String workersStarted(int count) {
        queues.incrementAndGet();
        workers.addAndGet(count);
        return poolNeeded();
    }

    /**
     * Counts a change of a queue's workers at run time: from {@code before} to {@code after}, either
     * possibly 0 (a queue without workers is not counted among the queues).
     *
     * @return the workers in all and the pool they need from now on, in words for the log, as
     *     {@link #workersStarted} says them
     */
    public String workersResized(int before, int after) {
        if (before == 0 && after > 0) {
            queues.incrementAndGet();
        } else if (before > 0 && after == 0) {
            queues.decrementAndGet();
        }
        workers.addAndGet(after - before);
        if (held.get() >= workers.get()) {
            // Shrunk to what the pool gave: a worker refused may leave without ever getting its connection.
            starved = null;
        }
        return poolNeeded();
    }

    /** The workers in all and the pool they need, in words for the log. */
    private String poolNeeded() {
        return inAll() + ": the pool of the workers' connection factory (nvent.queue.jms.worker-connection-factory) "
                + need();
    }

    /**
     * How many connections the pool of the workers' factory must hold, in words: one place for the
     * log at start and the diagnosis of a refusal, which said different numbers before (the one at
     * start left the stream out). The stream's are counted whether or not it is the JMS one: a queue
     * cannot tell, and by default it is the workers' factory the stream takes them from.
     */
    private String need() {
        int all = workers.get();
        return "must hold at least " + (all + STREAM_CONNECTIONS) + " (" + all + " for the workers, "
                + STREAM_CONNECTIONS + " for the live event stream's subscription and sends when it takes its"
                + " connections from this factory, as nvent.stream.adapter=jms does by default; and room for the"
                + " enqueues under way if they share it)";
    }

    /** The workers of all queues, each of which holds a pooled connection. */
    private String inAll() {
        int queueCount = queues.get();
        return "this node's " + queueCount + (queueCount == 1 ? " queue has " : " queues have ") + workers.get()
                + " workers in all, each holding one pooled connection for as long as it runs";
    }

    /** A worker got its connection and session: it holds one pooled connection now. */
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
     * A worker of {@code queue} was refused its connection or session at {@code step}.
     *
     * @return the diagnosis when the refusal is the pool's (see {@link Step})
     */
    Optional<PoolRefusal> refused(String queue, Step step, Exception refusal) {
        int holding = held.get();
        if (!saysPoolExhausted(refusal) && (step == Step.SESSION || holding == 0)) {
            return Optional.empty();
        }
        String diagnosis = "the pool of the workers' connection factory (nvent.queue.jms.worker-connection-factory)"
                + " is too small: a worker of queue " + queue + " could not get a JMS connection while " + holding
                + " of this node's " + workers.get() + " workers hold one; " + inAll() + ", so the pool " + need()
                + ": raise its maximum size (max-pool-size), or lower nvent.queue.concurrency";
        boolean first = starved == null;
        starved = diagnosis;
        return Optional.of(new PoolRefusal(diagnosis, first));
    }

    /** Whether a refusal, or one of its causes, is a container pool's saying it has no connection free. */
    static boolean saysPoolExhausted(Exception refusal) {
        // Bounded: a chain of causes may loop back.
        Throwable cause = refusal;
        for (int depth = 0; cause != null && depth < MAX_CAUSES; depth++, cause = next(cause)) {
            String message = String.valueOf(cause.getMessage());
            if (POOL_EXHAUSTED.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }

    /** The cause, or for a JMS exception without one its linked exception, as resource adapters set. */
    private static Throwable next(Throwable current) {
        Throwable cause = current.getCause();
        if (cause == null && current instanceof JMSException jms) {
            cause = jms.getLinkedException();
        }
        return cause == current ? null : cause;
    }

    /** Why some workers cannot take jobs, while they cannot get a connection from a full pool. */
    public Optional<String> problem() {
        return Optional.ofNullable(starved);
    }
}

package io.nvent.jms.internal;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * JMS contexts for sends, browsing and dead-letter moves.
 *
 * <p>With a container-managed connection factory each call creates and closes its own context:
 * the container pools the connections and enlists each new one in the caller's JTA transaction,
 * which is what makes an enqueue part of that transaction. With a plain connection factory a new
 * context means a new TCP connection, so calls share one connection and reuse idle sessions on it;
 * when that connection breaks it is dropped and the next call opens a new one.
 */
public final class ProducerContexts implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ProducerContexts.class.getName());

    private final ConnectionFactory factory;
    private final boolean share;
    private final FailFastConnects connects = new FailFastConnects("enqueues and reads of queues");
    private final Queue<JMSContext> idle = new ConcurrentLinkedQueue<>();
    private JMSContext root;
    private long generation;

    public ProducerContexts(ConnectionFactory factory, boolean share) {
        this.factory = factory;
        this.share = share;
    }

    /** Whether the last connect for sends failed and none got through since: the broker cannot be reached. */
    public boolean connectsFailing() {
        return connects.failing();
    }

    /** Work on a context. */
    @FunctionalInterface
    public interface Work<T> {
        T run(JMSContext context) throws JMSException;
    }

    /** Runs work on a non-transacted context (in a container: part of the caller's JTA transaction, if any). */
    public <T> T call(Work<T> work) throws JMSException {
        if (!share) {
            try (JMSContext context = connects.connect(factory::createContext)) {
                return work.run(context);
            }
        }
        return onShared(work, JMSContext.AUTO_ACKNOWLEDGE, idle);
    }

    /** Work on a classic session. */
    @FunctionalInterface
    public interface SessionWork<T> {
        T run(jakarta.jms.Session session) throws JMSException;
    }

    /**
     * Runs work on a transacted session and commits it. Inside a JTA transaction the session joins
     * that transaction and commits with it. The classic API is used on purpose: resource adapters
     * (Artemis) refuse {@code createContext(SESSION_TRANSACTED)} outside JTA but honour
     * {@code AllowLocalTransactions} for {@code createSession(true, ...)}.
     */
    public <T> T callTransacted(SessionWork<T> work, boolean inJtaTransaction) throws JMSException {
        try (jakarta.jms.Connection connection = connects.connect(factory::createConnection)) {
            jakarta.jms.Session session = inJtaTransaction
                    ? connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE)
                    : connection.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
            connection.start();
            try {
                T result = work.run(session);
                if (!inJtaTransaction) {
                    session.commit();
                }
                return result;
            } catch (JMSException | RuntimeException e) {
                if (!inJtaTransaction) {
                    session.rollback();
                }
                throw e;
            }
        }
    }

    private <T> T onShared(Work<T> work, int mode, Queue<JMSContext> pool) throws JMSException {
        JMSContext context = pool.poll();
        long borrowedIn;
        synchronized (this) {
            borrowedIn = generation;
        }
        if (context == null) {
            context = newSession(mode);
        }
        boolean ok = false;
        try {
            T result = work.run(context);
            ok = true;
            return result;
        } finally {
            if (ok) {
                giveBack(context, pool, borrowedIn);
            } else {
                closeQuietly(context);
                reset(borrowedIn);
            }
        }
    }

    private synchronized JMSContext newSession(int mode) throws JMSException {
        if (root == null) {
            JMSContext connection = connects.connect(() -> factory.createContext(JMSContext.AUTO_ACKNOWLEDGE));
            long current = generation;
            // A dead connection is noticed here before the next send trips over it.
            connection.setExceptionListener(e -> reset(current));
            root = connection;
        }
        return root.createContext(mode);
    }

    private void giveBack(JMSContext context, Queue<JMSContext> pool, long borrowedIn) {
        synchronized (this) {
            if (borrowedIn == generation && root != null) {
                pool.offer(context);
                return;
            }
        }
        closeQuietly(context);
    }

    /** Drops the shared connection if it is still the one of {@code failedGeneration}. */
    private void reset(long failedGeneration) {
        JMSContext dead;
        synchronized (this) {
            if (failedGeneration != generation) {
                return;
            }
            generation++;
            dead = root;
            root = null;
        }
        drain(idle);
        if (dead != null) {
            LOG.log(Level.DEBUG, "NVENT-0611 dropping the shared JMS connection after a failure");
            closeQuietly(dead);
        }
    }

    private static void drain(Queue<JMSContext> pool) {
        for (JMSContext context = pool.poll(); context != null; context = pool.poll()) {
            closeQuietly(context);
        }
    }

    static void closeQuietly(JMSContext context) {
        try {
            context.close();
        } catch (JMSRuntimeException e) {
            LOG.log(Level.DEBUG, "closing a JMS context failed", e);
        }
    }

    @Override
    public void close() {
        long current;
        synchronized (this) {
            current = generation;
        }
        reset(current);
    }
}

package io.nvent.jms.internal;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

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
    private final Queue<JMSContext> idleTransacted = new ConcurrentLinkedQueue<>();
    /** The factory refused a locally transacted session outside JTA: sends go without one from then on. */
    private final AtomicBoolean localTransactionsRefused = new AtomicBoolean();
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

    /** What a send of one message needs of the session it goes on, whichever API made that session. */
    public interface Sending {
        /** A text message of this session. */
        jakarta.jms.TextMessage text(String body) throws JMSException;

        /** A queue object of this session's provider. */
        jakarta.jms.Queue queue(String name) throws JMSException;

        void send(jakarta.jms.Queue queue, Message message, int priority, long deliveryDelayMillis)
                throws JMSException;
    }

    /** Work that sends one message; see {@link #sendRefusingDuplicates}. */
    @FunctionalInterface
    public interface SendWork {
        void run(Sending sending) throws JMSException;
    }

    /**
     * Sends in a local transaction of its own, outside any JTA transaction, so that a message whose
     * duplicate id the broker already holds is refused at the commit, where a send without a
     * transaction has it dropped without a word (Artemis logs AMQ222059 on the broker only) and the
     * sender cannot tell it never arrived.
     *
     * <p>A connection factory that refuses locally transacted sessions outside JTA (a resource
     * adapter without {@code AllowLocalTransactions}) gets the send without a transaction, as before
     * this existed, and the log says once that duplicates are then dropped unseen ({@code NVENT-0615}).
     *
     * @return false if the broker refused the message as a duplicate: nothing was sent
     */
    public boolean sendRefusingDuplicates(SendWork work) throws JMSException {
        if (!share) {
            return sendOnSessionOfItsOwn(work);
        }
        // A plain client factory, which allows local transactions: a transacted context of the shared connection.
        return onShared(context -> {
            try {
                work.run(sending(context));
                context.commit();
                return true;
            } catch (JMSException | JMSRuntimeException e) {
                if (!isDuplicateRefused(e)) {
                    throw e;
                }
                // The broker rolled the transaction back; the context is fit for the next send.
                return false;
            }
        }, JMSContext.SESSION_TRANSACTED, idleTransacted);
    }

    private boolean sendOnSessionOfItsOwn(SendWork work) throws JMSException {
        // The classic API: resource adapters honour AllowLocalTransactions for it, not for createContext.
        try (jakarta.jms.Connection connection = connects.connect(factory::createConnection)) {
            jakarta.jms.Session session = localTransactionsRefused.get() ? null : transactedOrNull(connection);
            boolean transacted = session != null;
            if (!transacted) {
                session = connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            }
            try {
                work.run(onSession(session));
                if (transacted) {
                    session.commit();
                }
                return true;
            } catch (JMSException e) {
                if (transacted && isDuplicateRefused(e)) {
                    return false;
                }
                throw e;
            }
        }
    }

    /** A locally transacted session, or null once the factory refused one where it gives untransacted ones. */
    private jakarta.jms.Session transactedOrNull(jakarta.jms.Connection connection) throws JMSException {
        try {
            return connection.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
        } catch (JMSException | JMSRuntimeException refused) {
            // Refused for local transactions only if an untransacted session works; else the connection failed.
            connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE).close();
            if (localTransactionsRefused.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "NVENT-0615 the connection factory of enqueues refuses locally transacted"
                        + " sessions outside JTA; enqueues are sent without one, and the broker then drops a job"
                        + " whose id it already took (duplicate detection) without telling: this node may count it"
                        + " as waiting until it restarts. Set AllowLocalTransactions=true on the factory"
                        + " (nvent.queue.jms.connection-factory; allow-local-transactions on WildFly): " + refused);
            }
            return null;
        }
    }

    /** Whether a failed commit is the broker refusing a message whose duplicate id it already holds. */
    static boolean isDuplicateRefused(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Artemis: ActiveMQDuplicateIdException under the JMSException, not on this module's class path.
            if (t.getClass().getSimpleName().endsWith("DuplicateIdException")
                    || String.valueOf(t.getMessage()).startsWith("Duplicate message detected")) {
                return true;
            }
        }
        return false;
    }

    /** A send on a context of the simplified API. */
    public static Sending sending(JMSContext context) {
        return new Sending() {
            @Override
            public jakarta.jms.TextMessage text(String body) {
                return context.createTextMessage(body);
            }

            @Override
            public jakarta.jms.Queue queue(String name) {
                return context.createQueue(name);
            }

            @Override
            public void send(jakarta.jms.Queue queue, Message message, int priority, long deliveryDelayMillis) {
                context.createProducer().setPriority(priority).setDeliveryDelay(deliveryDelayMillis).send(queue, message);
            }
        };
    }

    private static Sending onSession(jakarta.jms.Session session) {
        return new Sending() {
            @Override
            public jakarta.jms.TextMessage text(String body) throws JMSException {
                return session.createTextMessage(body);
            }

            @Override
            public jakarta.jms.Queue queue(String name) throws JMSException {
                return session.createQueue(name);
            }

            @Override
            public void send(jakarta.jms.Queue queue, Message message, int priority, long deliveryDelayMillis)
                    throws JMSException {
                try (jakarta.jms.MessageProducer producer = session.createProducer(queue)) {
                    producer.setPriority(priority);
                    producer.setDeliveryDelay(deliveryDelayMillis);
                    producer.send(message);
                }
            }
        };
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
        drain(idleTransacted);
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

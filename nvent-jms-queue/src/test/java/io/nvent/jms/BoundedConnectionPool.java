package io.nvent.jms;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection factory that hands out at most so many connections at a time, as an application
 * server's connection pool does, and refuses the next one as such a pool does once its wait for a
 * free connection runs out. The connections are the broker's own.
 */
final class BoundedConnectionPool {

    /**
     * What Artemis's resource adapter throws from {@code createSession} when Payara's pool has no
     * connection left within its max-wait-time (the adapter wraps the pool's
     * {@code ResourceAllocationException} in a {@link JMSException} linked to it).
     */
    static final String PAYARA_POOL_EXHAUSTED = "Could not create a session: Error in allocating a connection. "
            + "Cause: In-use connections equal max-pool-size and expired max-wait-time. Cannot allocate more connections.";

    private BoundedConnectionPool() {
    }

    /** A pool that is hit when a connection is created, as a plain pooling factory is. */
    static ConnectionFactory of(ConnectionFactory broker, int maxConnections) {
        AtomicInteger open = new AtomicInteger();
        return (ConnectionFactory) Proxy.newProxyInstance(BoundedConnectionPool.class.getClassLoader(),
                new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("createConnection")) {
                        return invoke(method, broker, args);
                    }
                    if (open.incrementAndGet() > maxConnections) {
                        open.decrementAndGet();
                        throw new JMSException("no free connection in the pool of " + maxConnections);
                    }
                    return released((Connection) invoke(method, broker, args), open);
                });
    }

    /**
     * A pool as Artemis's resource adapter has it in Payara: a connection is only a handle, and the
     * pool hands out its connection, or refuses it, when the handle's session is created.
     */
    static ConnectionFactory ofSessions(ConnectionFactory broker, int maxConnections) {
        AtomicInteger open = new AtomicInteger();
        return (ConnectionFactory) Proxy.newProxyInstance(BoundedConnectionPool.class.getClassLoader(),
                new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("createConnection")) {
                        return invoke(method, broker, args);
                    }
                    return sessionsFromPool((Connection) invoke(method, broker, args), open, maxConnections);
                });
    }

    private static Connection sessionsFromPool(Connection handle, AtomicInteger open, int maxConnections) {
        AtomicBoolean pooled = new AtomicBoolean();
        return (Connection) Proxy.newProxyInstance(BoundedConnectionPool.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createSession") && pooled.compareAndSet(false, true)) {
                        if (open.incrementAndGet() > maxConnections) {
                            open.decrementAndGet();
                            pooled.set(false);
                            JMSException refused = new JMSException(PAYARA_POOL_EXHAUSTED);
                            Exception pool = new Exception("Error in allocating a connection. Cause: In-use connections"
                                    + " equal max-pool-size and expired max-wait-time. Cannot allocate more connections.");
                            refused.setLinkedException(pool);
                            refused.initCause(pool);
                            throw refused;
                        }
                    }
                    if (method.getName().equals("close") && pooled.compareAndSet(true, false)) {
                        open.decrementAndGet();
                    }
                    return invoke(method, handle, args);
                });
    }

    private static Connection released(Connection connection, AtomicInteger open) {
        AtomicBoolean closed = new AtomicBoolean();
        return (Connection) Proxy.newProxyInstance(BoundedConnectionPool.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && closed.compareAndSet(false, true)) {
                        open.decrementAndGet();
                    }
                    return invoke(method, connection, args);
                });
    }

    /** Calls the proxied object's method, throwing what it threw rather than its reflective wrapper. */
    static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

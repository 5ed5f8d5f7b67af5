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

    private BoundedConnectionPool() {
    }

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

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

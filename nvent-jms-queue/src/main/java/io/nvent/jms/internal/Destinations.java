package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import jakarta.jms.Queue;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JMS queue objects of this node's queues, created once per name and reused by every session.
 *
 * <p>{@code Session.createQueue} is not free: Artemis's client asks the broker whether the queue
 * exists, a blocking round trip, on every call. Done per send it doubled the round trips of an
 * enqueue. A {@link Queue} is a plain name holder of its provider and valid in any of that
 * provider's sessions, so the first one made is kept.
 */
public final class Destinations {

    /** Creates a queue object on some session or context of the provider. */
    @FunctionalInterface
    public interface Factory {
        Queue create(String name) throws JMSException;
    }

    private final Map<String, Queue> known = new ConcurrentHashMap<>();

    /** The queue object for a JMS queue name, made by {@code factory} the first time only. */
    public Queue queue(String name, Factory factory) throws JMSException {
        Queue queue = known.get(name);
        if (queue == null) {
            queue = factory.create(name);
            Queue raced = known.putIfAbsent(name, queue);
            if (raced != null) {
                queue = raced;
            }
        }
        return queue;
    }
}

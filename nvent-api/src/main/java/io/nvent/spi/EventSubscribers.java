package io.nvent.spi;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The subscribers an {@link EventStream} adapter serves on its own instance: added and removed from
 * any thread, each event handed to every one of them in the order they subscribed. A subscriber that
 * throws is logged and the others still receive the event, so one broken live view cannot silence
 * the rest. Thread-safe.
 *
 * @since 0.1
 */
public final class EventSubscribers {

    private static final System.Logger LOG = System.getLogger(EventSubscribers.class.getName());

    private final List<Consumer<PublishedEvent>> subscribers = new CopyOnWriteArrayList<>();

    /**
     * Adds a subscriber, as {@link EventStream#subscribe} does.
     *
     * @param subscriber receives each event; should return quickly
     * @return closing it removes the subscriber
     */
    public AutoCloseable add(Consumer<PublishedEvent> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /**
     * Hands the events, in order, to every subscriber.
     *
     * @param events events to hand out, in order
     */
    public void deliver(List<PublishedEvent> events) {
        for (PublishedEvent event : events) {
            for (Consumer<PublishedEvent> subscriber : subscribers) {
                try {
                    subscriber.accept(event);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0243 an event subscriber failed on event "
                            + event.event().seq() + " of run " + event.event().runId(), e);
                }
            }
        }
    }

    /** Removes every subscriber. */
    public void clear() {
        subscribers.clear();
    }
}

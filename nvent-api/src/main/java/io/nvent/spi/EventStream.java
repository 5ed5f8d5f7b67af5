package io.nvent.spi;

import io.nvent.HistoryEvent;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fire-and-forget distribution of stored history entries to live listeners (the WebSocket
 * endpoint), across instances where the adapter supports it. The engine never depends on it for
 * correctness: a listener that misses entries re-reads them from the store by sequence number.
 *
 * @since 0.1
 */
public interface EventStream {

    /**
     * Publishes stored entries of one run, in order, to every subscriber. May lose entries (listeners
     * catch up from the store); must not throw for a listener's failure.
     *
     * @param flow flow of the run
     * @param events the stored entries, with sequence numbers, in order
     */
    void publish(String flow, List<HistoryEvent> events);

    /**
     * Subscribes to every published entry.
     *
     * @param listener receives each entry; must return quickly and not throw
     * @return call {@link AutoCloseable#close()} to unsubscribe
     */
    AutoCloseable subscribe(Consumer<PublishedEvent> listener);

    /**
     * What keeps this instance's live listeners from receiving published entries right now, if anything, in words for
     * an operator: since when, why, and what to do, e.g. "the live event stream on topic nvent-events has had no
     * subscription since …: …". Answered from what the stream observed, without a round trip to its broker or
     * database: the health report asks it often. A live view only lags meanwhile (it catches up from the store),
     * so the health report shows it without making the instance not ready. The default knows of nothing.
     *
     * @return the problem in words; empty when the stream works as far as it knows
     * @since 0.2
     */
    default Optional<String> problem() {
        return Optional.empty();
    }

    /**
     * How this stream works while {@link #problem()} has nothing, in words for an operator: the health report's
     * {@code stream} check says it, so that the check has the same shape on every adapter. It starts with the
     * stream's kind (its adapter's name) and says where its events go, e.g. "jms: subscribed to topic nvent-events
     * (broker …)", then anything an operator should see that does not stop live views yet, e.g. sends that failed a
     * moment ago. Answered from what the stream observed, as {@link #problem()} is. The default knows no more than
     * that nothing is wrong.
     *
     * @return the stream's state in words
     * @since 0.2
     */
    default String working() {
        return "live events reach this instance's listeners, as far as its adapter knows";
    }
}

package io.nvent.spi;

import io.nvent.HistoryEvent;
import java.util.Objects;

/**
 * A history entry delivered by an {@link EventStream}.
 *
 * @param flow flow of the run the entry belongs to
 * @param event the entry
 * @since 0.1
 */
public record PublishedEvent(String flow, HistoryEvent event) {

    /**
     * Checks that both components are given.
     *
     * @param flow flow of the run the entry belongs to
     * @param event the entry
     * @throws NullPointerException if {@code flow} or {@code event} is {@code null}
     */
    public PublishedEvent {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(event, "event");
    }
}

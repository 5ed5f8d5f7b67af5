package io.nvent.cdi.internal.memory;

import io.nvent.HistoryEvent;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import io.nvent.spi.PublishedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Delivers events to listeners of this instance only, synchronously in the publishing thread.
 */
@ApplicationScoped
@Adapter("memory")
public class MemoryEventStream implements EventStream {

    private static final System.Logger LOG = System.getLogger(MemoryEventStream.class.getName());

    private final List<Consumer<PublishedEvent>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        for (HistoryEvent event : events) {
            PublishedEvent published = new PublishedEvent(flow, event);
            for (Consumer<PublishedEvent> listener : listeners) {
                try {
                    listener.accept(published);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0401 an event listener failed", e);
                }
            }
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<PublishedEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}

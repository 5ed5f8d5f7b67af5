package io.nvent.cdi.internal.memory;

import io.nvent.HistoryEvent;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import io.nvent.spi.EventSubscribers;
import io.nvent.spi.PublishedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Delivers events to listeners of this instance only, synchronously in the publishing thread.
 */
@ApplicationScoped
@Adapter("memory")
public class MemoryEventStream implements EventStream {

    private final EventSubscribers listeners = new EventSubscribers();

    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        List<PublishedEvent> published = new ArrayList<>(events.size());
        for (HistoryEvent event : events) {
            published.add(new PublishedEvent(flow, event));
        }
        listeners.deliver(published);
    }

    /** Nothing can fail between a publish and its listeners here: it says what it is, as every adapter does. */
    @Override
    public String working() {
        return "memory: delivers this instance's events to its own listeners, in the publishing thread; no other "
                + "instance sees them (nvent.stream.adapter=jms or postgres shares them)";
    }

    @Override
    public AutoCloseable subscribe(Consumer<PublishedEvent> listener) {
        return listeners.add(listener);
    }
}

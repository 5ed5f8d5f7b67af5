package io.nvent.spi;

import io.nvent.HistoryEvent;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link FlowStore#updateRun}: the run as stored and the entries appended with it.
 *
 * @param run the run after the change, with its new version
 * @param events the appended entries, with sequence numbers
 * @since 0.1
 */
public record StoredChange(RunRecord run, List<HistoryEvent> events) {

    /**
     * Checks the run and copies the entries, so the record stays immutable.
     *
     * @param run the run after the change, with its new version
     * @param events the appended entries, with sequence numbers
     * @throws NullPointerException if {@code run}, {@code events} or an entry is {@code null}
     */
    public StoredChange {
        Objects.requireNonNull(run, "run");
        events = List.copyOf(events);
    }
}

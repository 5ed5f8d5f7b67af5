package io.nvent.spi;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link RunMutation}: the run's next state and the entries to append with it.
 *
 * @param updated the next state of the run (its version is ignored; the store sets it)
 * @param events entries to append in the same atomic step
 * @since 0.1
 */
public record RunChange(RunRecord updated, List<EventDraft> events) {

    /**
     * Checks the next state and copies the entries, so the record stays immutable.
     *
     * @param updated the next state of the run (its version is ignored; the store sets it)
     * @param events entries to append in the same atomic step
     * @throws NullPointerException if {@code updated}, {@code events} or an entry is {@code null}
     */
    public RunChange {
        Objects.requireNonNull(updated, "updated");
        events = List.copyOf(events);
    }
}

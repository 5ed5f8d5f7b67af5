package io.nvent.spi;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link RunMutation}: the run's next state and the entries to append with it, and since 0.2 the
 * awaits to save with it.
 *
 * @param updated the next state of the run (its version is ignored; the store sets it)
 * @param events entries to append in the same atomic step
 * @param awaits new awaits of the run to save in the same atomic step, into the scheduling store that said it saves
 *     them so ({@link SchedulingStore#savesAwaitsWithRunChanges}); the engine sets them only for such a store, and a
 *     store that does not save them ignores them. Empty for none (since 0.2)
 * @since 0.1
 */
public record RunChange(RunRecord updated, List<EventDraft> events, List<AwaitRecord> awaits) {

    /**
     * Checks the next state and copies the entries and awaits, so the record stays immutable.
     *
     * @param updated the next state of the run (its version is ignored; the store sets it)
     * @param events entries to append in the same atomic step
     * @param awaits new awaits to save in the same atomic step (see above)
     * @throws NullPointerException if {@code updated}, {@code events}, {@code awaits} or an element is {@code null}
     * @since 0.2
     */
    public RunChange {
        Objects.requireNonNull(updated, "updated");
        events = List.copyOf(events);
        awaits = List.copyOf(awaits);
    }

    /**
     * A change that saves no await.
     *
     * @param updated the next state of the run (its version is ignored; the store sets it)
     * @param events entries to append in the same atomic step
     * @throws NullPointerException if {@code updated}, {@code events} or an entry is {@code null}
     */
    public RunChange(RunRecord updated, List<EventDraft> events) {
        this(updated, events, List.of());
    }

    /**
     * This change, saving {@code awaits} with it.
     *
     * @param awaits the new awaits of the run; they replace any this change carried
     * @return the change with these awaits
     * @since 0.2
     */
    public RunChange withAwaits(List<AwaitRecord> awaits) {
        return new RunChange(updated, events, awaits);
    }
}

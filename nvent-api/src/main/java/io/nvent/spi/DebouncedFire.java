package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * The pending run of a debounced trigger's key after a fire was folded into it
 * ({@link SchedulingStore#foldDebounce}).
 *
 * @param runId the pending run, which starts with the latest payload once due
 * @param firstFireAt when the key's first fire opened the pending run
 * @param dueAt when the run starts now
 * @param folded how many fires were folded into it, this one included (the first fire not counted)
 * @since 0.2
 */
public record DebouncedFire(String runId, Instant firstFireAt, Instant dueAt, int folded) {

    /**
     * Checks that every component is given.
     *
     * @param runId the pending run
     * @param firstFireAt when the key's first fire opened it
     * @param dueAt when the run starts now
     * @param folded how many fires were folded into it
     * @throws NullPointerException if a component is {@code null}
     */
    public DebouncedFire {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(firstFireAt, "firstFireAt");
        Objects.requireNonNull(dueAt, "dueAt");
    }
}

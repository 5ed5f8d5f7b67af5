package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * The pending run of a batching trigger's key after a fire was offered to it ({@link SchedulingStore#appendBatch}).
 *
 * @param runId the pending run, which starts with the payloads of its batch
 * @param firstFireAt when the key's first fire opened the batch
 * @param dueAt when the run starts unless its batch fills first
 * @param count how many payloads the batch holds now
 * @param appended whether this call appended the fire's payload; {@code false} if it would have made the batch larger
 *     than the bound given (the batch was closed without it), or if the fire's key was appended before (a repeat)
 * @param closed whether the batch is closed: full (its {@code max} reached) or too large for the fire; its run should
 *     start now, and the key's next fire opens a new batch
 * @since 0.2
 */
public record BatchedFire(String runId, Instant firstFireAt, Instant dueAt, int count, boolean appended,
                          boolean closed) {

    /**
     * Checks that every component is given.
     *
     * @param runId the pending run
     * @param firstFireAt when the key's first fire opened it
     * @param dueAt when the run starts unless its batch fills first
     * @param count how many payloads the batch holds
     * @param appended whether this fire's payload is in it
     * @param closed whether the batch is closed
     * @throws NullPointerException if a component is {@code null}
     */
    public BatchedFire {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(firstFireAt, "firstFireAt");
        Objects.requireNonNull(dueAt, "dueAt");
    }
}

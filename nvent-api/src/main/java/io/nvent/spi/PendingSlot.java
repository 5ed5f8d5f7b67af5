package io.nvent.spi;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * The slot of a debounced or batching trigger's pending run as the store keeps it ({@link SchedulingStore#openDebounce}):
 * read back by the instance that opened it once its run is stored ({@link SchedulingStore#debounceSlotOf}), and by the
 * maintenance sweep for slots whose run was never stored or has ended ({@link SchedulingStore#overdueDebounceSlots}).
 *
 * @param slot the trigger, flow and key, as the engine wrote them
 * @param runId the run the slot names
 * @param payloadJson the latest payload folded into it (a debounce), or the JSON array of its batch's payloads
 * @param firstFireAt when the key's first fire opened it
 * @param dueAt when its run starts (unless a batch fills first)
 * @param folded how many fires were folded into or appended to it after the one that opened it
 * @param closed whether its batch is closed ({@link SchedulingStore#appendBatch}): full, or too large for a fire
 * @since 0.2
 */
public record PendingSlot(String slot, String runId, String payloadJson, Instant firstFireAt, Instant dueAt,
                          int folded, boolean closed) {

    /**
     * The order the maintenance sweep looks at overdue slots in ({@link SchedulingStore#overdueDebounceSlots(Instant,
     * java.util.Optional, int)}): by due time, then run id.
     *
     * @since 0.2
     */
    public static final Comparator<PendingSlot> SWEEP_ORDER = Comparator.comparing(PendingSlot::dueAt)
            .thenComparing(PendingSlot::runId);

    /**
     * Checks that every component is given.
     *
     * @param slot the trigger, flow and key
     * @param runId the run the slot names
     * @param payloadJson its payload or batch
     * @param firstFireAt when it was opened
     * @param dueAt when its run starts
     * @param folded how many fires came after the first
     * @param closed whether its batch is closed
     * @throws NullPointerException if a component is {@code null}
     */
    public PendingSlot {
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(payloadJson, "payloadJson");
        Objects.requireNonNull(firstFireAt, "firstFireAt");
        Objects.requireNonNull(dueAt, "dueAt");
    }
}

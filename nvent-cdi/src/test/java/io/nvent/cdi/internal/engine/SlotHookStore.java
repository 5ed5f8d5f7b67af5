package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.PendingSlot;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A memory scheduling store that runs a test's step once at a moment of a debounce or batch slot's life: right after a
 * slot is opened and before the run it names is stored, before the slot of a stored run is read, before the wait of
 * its pending start is saved, or before that start is put off. Another fire landing in that moment, or the opening
 * instance stopping there.
 */
final class SlotHookStore extends MemorySchedulingStore {

    private final AtomicReference<Runnable> afterNextOpen = new AtomicReference<>();
    private final AtomicReference<Runnable> beforeNextSlotRead = new AtomicReference<>();
    private final AtomicReference<Runnable> beforeNextWaitSaved = new AtomicReference<>();
    private final AtomicReference<Runnable> beforeNextMove = new AtomicReference<>();

    /** Runs {@code step} once, after the next slot opened; a step that throws stops the opener there. */
    void afterNextOpen(Runnable step) {
        afterNextOpen.set(step);
    }

    /** The opening instance stops after its next slot opened, before it stores the run. */
    void stopAfterNextOpen() {
        afterNextOpen(() -> {
            throw new IllegalStateException("the instance stopped");
        });
    }

    /** Runs {@code step} once, before the next read of a run's slot ({@link #debounceSlotOf}). */
    void beforeNextSlotRead(Runnable step) {
        beforeNextSlotRead.set(step);
    }

    /** Runs {@code step} once, before the next wait is saved ({@link #saveAwait}). */
    void beforeNextWaitSaved(Runnable step) {
        beforeNextWaitSaved.set(step);
    }

    /** Runs {@code step} once, before the next wait is moved ({@link #moveAwait} or {@link #moveAwaitLater}). */
    void beforeNextMove(Runnable step) {
        beforeNextMove.set(step);
    }

    @Override
    public boolean openDebounce(String slot, String runId, String payloadJson, Instant at, Instant dueAt) {
        boolean opened = super.openDebounce(slot, runId, payloadJson, at, dueAt);
        Runnable step = opened ? afterNextOpen.getAndSet(null) : null;
        if (step != null) {
            step.run();
        }
        return opened;
    }

    @Override
    public Optional<PendingSlot> debounceSlotOf(String runId) {
        runOnce(beforeNextSlotRead);
        return super.debounceSlotOf(runId);
    }

    @Override
    public void saveAwait(AwaitRecord await) {
        runOnce(beforeNextWaitSaved);
        super.saveAwait(await);
    }

    @Override
    public boolean moveAwait(String awaitId, Instant resolveAt) {
        runOnce(beforeNextMove);
        return super.moveAwait(awaitId, resolveAt);
    }

    @Override
    public boolean moveAwaitLater(String awaitId, Instant resolveAt) {
        runOnce(beforeNextMove);
        return super.moveAwaitLater(awaitId, resolveAt);
    }

    private static void runOnce(AtomicReference<Runnable> hook) {
        Optional.ofNullable(hook.getAndSet(null)).ifPresent(Runnable::run);
    }
}

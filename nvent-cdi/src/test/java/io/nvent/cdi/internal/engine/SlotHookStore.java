package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A memory scheduling store that runs a test's step once, right after a debounce or batch slot is opened and before
 * the run it names is stored: another fire landing in that moment, or the opening instance stopping there.
 */
final class SlotOpenedHookStore extends MemorySchedulingStore {

    private final AtomicReference<Runnable> afterNextOpen = new AtomicReference<>();

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

    @Override
    public boolean openDebounce(String slot, String runId, String payloadJson, Instant at, Instant dueAt) {
        boolean opened = super.openDebounce(slot, runId, payloadJson, at, dueAt);
        Runnable step = opened ? afterNextOpen.getAndSet(null) : null;
        if (step != null) {
            step.run();
        }
        return opened;
    }
}

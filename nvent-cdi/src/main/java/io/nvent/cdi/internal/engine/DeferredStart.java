package io.nvent.cdi.internal.engine;

import io.nvent.spi.StoredChange;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The start of a step that runs before its start is stored: either a timer stores it while the
 * step runs ({@link #writeIfPending}), or the step finishes first and its completion stores the
 * start along with the result ({@link #takeOver}). Exactly one of the two happens.
 */
final class DeferredStart {

    private static final int PENDING = 0;
    private static final int WRITING = 1;
    private static final int TAKEN_OVER = 2;

    private final Supplier<Optional<StoredChange>> write;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CompletableFuture<Optional<StoredChange>> written = new CompletableFuture<>();

    DeferredStart(Supplier<Optional<StoredChange>> write) {
        this.write = write;
    }

    /** Stores the start unless it is stored already or the completion took it over. */
    void writeIfPending() {
        if (!state.compareAndSet(PENDING, WRITING)) {
            return;
        }
        try {
            written.complete(write.get());
        } catch (RuntimeException | Error e) {
            written.completeExceptionally(e);
        }
    }

    /** Whether the completion stores the start itself: true unless the timer began to store it. */
    boolean takeOver() {
        return state.compareAndSet(PENDING, TAKEN_OVER);
    }

    /**
     * The stored start, once the timer's write is done; empty if the step must not run (or the
     * completion took the start over). Rethrows the write's failure.
     */
    Optional<StoredChange> outcome() {
        if (state.get() == TAKEN_OVER) {
            return Optional.empty();
        }
        try {
            return written.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}

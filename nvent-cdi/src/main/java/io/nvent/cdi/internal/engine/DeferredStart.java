package io.nvent.cdi.internal.engine;

import io.nvent.spi.StoredChange;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The start of a step that runs before its start is stored: either the ticker of
 * {@link DeferredStarts} stores it while the step runs ({@link #whenDue}), or the step finishes first
 * and its completion stores the start along with the result ({@link #takeOver}). Exactly one of the
 * two happens.
 */
final class DeferredStart {

    private static final int PENDING = 0;
    private static final int WRITING = 1;
    private static final int TAKEN_OVER = 2;

    private final Supplier<Optional<StoredChange>> write;
    private final BooleanSupplier pastTimeout;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CompletableFuture<Optional<StoredChange>> written = new CompletableFuture<>();
    /** When ({@link System#nanoTime}) the start is due to be stored, set as {@link DeferredStarts} takes it. */
    long dueAt;
    /** The ticker holding this start, told when it is no longer pending so that it lets go at once. */
    private volatile DeferredStarts heldBy;

    /**
     * @param write stores the start (and the step's lease)
     * @param pastTimeout whether the attempt is past its timeout: then the start is not stored when due
     */
    DeferredStart(Supplier<Optional<StoredChange>> write, BooleanSupplier pastTimeout) {
        this.write = write;
        this.pastTimeout = pastTimeout;
    }

    /**
     * Once the step has run for the start-write delay: stores the start, unless the attempt is past
     * its timeout. The queue failed that attempt already, or will: its failure stores the start, and
     * a start stored now would show a step running that its retry is about to take over.
     */
    void whenDue() {
        if (pastTimeout.getAsBoolean()) {
            takeOver();
        } else {
            writeIfPending();
        }
    }

    /** Whether neither the start's write nor the completion's take-over has begun. */
    boolean isPending() {
        return state.get() == PENDING;
    }

    /** Stores the start unless it is stored already or the completion took it over. */
    void writeIfPending() {
        if (!state.compareAndSet(PENDING, WRITING)) {
            return;
        }
        letGo();
        try {
            written.complete(write.get());
        } catch (RuntimeException | Error e) {
            written.completeExceptionally(e);
        }
    }

    /** Whether the completion stores the start itself: true unless its write began already. */
    boolean takeOver() {
        if (!state.compareAndSet(PENDING, TAKEN_OVER)) {
            return false;
        }
        letGo();
        return true;
    }

    /** Held from now on by {@code ticker} (see {@link DeferredStarts#register}). */
    void heldBy(DeferredStarts ticker) {
        this.heldBy = ticker;
    }

    private void letGo() {
        DeferredStarts ticker = heldBy;
        if (ticker != null) {
            ticker.drop(this);
        }
    }

    /**
     * The stored start, once its write is done; empty if the step must not run (or the
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

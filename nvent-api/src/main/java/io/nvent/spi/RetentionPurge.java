package io.nvent.spi;

import java.util.OptionalInt;

/**
 * A purge of the finished runs a store's retention policy no longer keeps, done a chunk at a time so
 * that its caller can spread a large one over time (see {@link FlowStore#startRetentionPurge}). What
 * the purge deletes is decided when it starts (e.g. the cut-off time); each chunk is a transaction
 * of its own. Not safe for use by several threads at once.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface RetentionPurge {

    /**
     * Deletes the next chunk of runs, with their history and state.
     *
     * @return how many runs the chunk deleted (0 is possible while more remain, e.g. when the runs it
     *         read were retried meanwhile); empty when nothing was left to delete
     */
    OptionalInt nextChunk();
}

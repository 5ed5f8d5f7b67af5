package io.nvent.spi;

import java.util.Optional;

/**
 * A pure function from a run's current state to its change. Stores may call it more than once
 * (after an optimistic-locking conflict), so it must have no side effects.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface RunMutation {

    /**
     * Computes the change.
     *
     * @param current the run as stored now
     * @return the change, or empty to leave the run untouched
     */
    Optional<RunChange> apply(RunRecord current);
}

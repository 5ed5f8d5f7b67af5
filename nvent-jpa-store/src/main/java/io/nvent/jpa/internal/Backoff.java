package io.nvent.jpa.internal;

import io.nvent.NventException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/** Runs a write again after a lost race, with short random pauses between its attempts. */
final class Backoff {

    private static final System.Logger LOG = System.getLogger(Backoff.class.getName());

    private Backoff() {
    }

    /**
     * Runs {@code attempt} until it does not fail with a conflict (an optimistic-lock failure, a
     * serialization failure or a deadlock), at most {@code maxAttempts} times; any other failure is
     * translated by {@code failures} and thrown at once. {@code attempt} rolls its own transaction back when it fails.
     *
     * @throws NventException {@code subject}'s retryable exception once every attempt lost its race
     */
    static <T> T retryingConflicts(Transactions.Contended subject, int maxAttempts, Failures failures,
                                   Supplier<T> attempt) {
        for (int attempts = 1; ; attempts++) {
            try {
                return attempt.get();
            } catch (RuntimeException e) {
                if (!Failures.isConflict(e)) {
                    throw failures.translate(e);
                }
                if (attempts >= maxAttempts) {
                    NventException gaveUp = subject.gaveUp(attempts);
                    gaveUp.initCause(e);
                    throw gaveUp;
                }
                LOG.log(System.Logger.Level.DEBUG, "conflict, attempt {0}: {1}", attempts, e);
                pause(attempts);
            }
        }
    }

    /** A pause that grows with the attempt, random so that racing transactions do not collide in lockstep. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2L + Math.min(attempt, 10) * 5L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.nvent.jpa.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Short random pause between attempts, so that racing transactions do not collide in lockstep. */
final class Backoff {

    private Backoff() {
    }

    static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2L + Math.min(attempt, 10) * 5L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

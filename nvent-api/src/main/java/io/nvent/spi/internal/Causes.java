package io.nvent.spi.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Walks a failure and its causes, each once: a cause chain may loop (an exception overriding
 * {@link Throwable#getCause()}, or {@code initCause} closing A → B → A), and a walk that follows it
 * blindly never ends, on whichever thread judges the failure (a queue's worker, asking whether to retry).
 */
public final class Causes {

    /** Deeper than any real chain; a walk stops there even without a loop. */
    private static final int MAX_DEPTH = 100;

    private Causes() {
    }

    /**
     * The failure and its causes, outermost first, each once and at most {@value #MAX_DEPTH}.
     *
     * @param failure what was thrown; may be null
     * @return the chain, empty for null
     */
    public static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && chain.size() < MAX_DEPTH && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * Whether the failure or one of its causes is such.
     *
     * @param failure what was thrown; may be null
     * @param test what to look for
     * @return whether an exception in the chain passes the test
     */
    public static boolean anyMatch(Throwable failure, Predicate<Throwable> test) {
        return chain(failure).stream().anyMatch(test);
    }
}

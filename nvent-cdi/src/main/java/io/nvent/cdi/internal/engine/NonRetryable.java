package io.nvent.cdi.internal.engine;

import io.nvent.NonRetryableStepException;
import io.nvent.StepDefinition;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which failures of a step no retry can mend: a {@link NonRetryableStepException}, or an exception
 * of a type its {@code @FlowStep(noRetryFor = …)} lists (matched as {@code instanceof}), thrown by
 * the step or the cause of what it threw, at any depth.
 */
final class NonRetryable {

    private NonRetryable() {
    }

    /**
     * The exception that makes a failure final.
     *
     * @param step the failed step
     * @param failure what its attempt threw
     * @return the failure or the cause of it that is not worth a retry; empty if a retry may help
     */
    static Optional<Throwable> reason(StepDefinition step, Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof NonRetryableStepException || isA(t.getClass(), step.noRetryFor())) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Whether the type or one of its superclasses has one of the names (the types listed are classes). */
    private static boolean isA(Class<?> type, List<String> names) {
        for (Class<?> c = type; c != null && !names.isEmpty(); c = c.getSuperclass()) {
            if (names.contains(c.getName())) {
                return true;
            }
        }
        return false;
    }
}

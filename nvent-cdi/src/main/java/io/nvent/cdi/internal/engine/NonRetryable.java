package io.nvent.cdi.internal.engine;

import io.nvent.NonRetryableStepException;
import io.nvent.NventException;
import io.nvent.StepDefinition;
import io.nvent.spi.internal.Causes;
import java.util.List;
import java.util.Optional;

/**
 * Which failures of a step no retry can mend: a {@link NonRetryableStepException}, or an exception
 * of a type its {@code @FlowStep(noRetryFor = …)} lists (matched as {@code instanceof}), thrown by
 * the step or the cause of what it threw, at any depth. A listed type never matches a failure of
 * nvent's own: one whose chain holds any {@link NventException} but a {@link NonRetryableStepException}
 * (a write that gave up on concurrent changes, the store away, the engine stopping, a stale
 * execution, a run its first attempt does not find yet because another resource's commit has not
 * shown it); a step listing {@code RuntimeException} would otherwise fail its run for good on them.
 * Retrying is the safe side: a step that wants nvent's failure final throws
 * {@link NonRetryableStepException} with it as the cause.
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
        List<Throwable> chain = Causes.chain(failure);
        boolean nventsOwn = chain.stream().anyMatch(NonRetryable::isNventsOwnFailure);
        return chain.stream().filter(t -> t instanceof NonRetryableStepException
                || !nventsOwn && isA(t.getClass(), step.noRetryFor())).findFirst();
    }

    /** Whether the exception is one of nvent's own failures rather than the step's word on its own. */
    private static boolean isNventsOwnFailure(Throwable t) {
        return t instanceof NventException && !(t instanceof NonRetryableStepException);
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

package io.nvent.cdi.internal.engine;

import io.nvent.StartOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The idempotency keys under which one execution of a step attempt starts child runs without a key
 * of its own ({@code StepContext.startFlow}): an execution that runs again as the same attempt (its
 * instance died, or its lease ran out and another instance took the step over) derives the same keys
 * in the same order, and so gets the children the earlier execution started instead of new ones.
 *
 * <p>A key names the parent run, the step, the attempt, the child flow and the ordinal of the start
 * among this execution's starts of that flow: {@code nvent-child/<run>/<step>/attempt-<n>/<flow>/<k>}.
 * An operator's retry of a step that failed takes it up again from attempt 1, as new work: its
 * executions' keys also name how often the step had failed for good before
 * ({@code …/<step>/retried-<m>/attempt-<n>/…}). A key longer than a stored key may be
 * ({@link StartOptions#MAX_KEY_LENGTH}) is the run and a digest of the rest. The keys are held in a
 * scope of their own ({@link #SCOPE}), apart from the keys callers give.
 */
final class ChildStarts {

    /** How every generated key begins, so that a history's reader tells it from a caller's. */
    static final String PREFIX = "nvent-child/";
    /**
     * Put before a generated key where the store's key is derived: callers' keys hold no control
     * character, so none of theirs reaches a generated key's child, whatever its text.
     */
    static final String SCOPE = "child\u0000";

    private final String runId;
    private final String step;
    private final int attempt;
    /** How often the step failed for good in the run: read when the execution first starts a child. */
    private final IntSupplier failuresOfStep;
    private final Map<String, Integer> startsByFlow = new HashMap<>();
    /** The keys' ordinals of starts that threw, by flow and input: a start of both again takes it. */
    private final Map<String, Integer> failedStarts = new HashMap<>();
    private int failuresBefore = -1;

    ChildStarts(String runId, String step, int attempt, IntSupplier failuresOfStep) {
        this.runId = runId;
        this.step = step;
        this.attempt = attempt;
        this.failuresOfStep = failuresOfStep;
    }

    /**
     * Makes this execution's next start of {@code flow} under its key. A start that throws keeps its key
     * for a start of the same flow with the same input: a step that catches the failure (the store was
     * away a moment) and starts that child again makes it under the key an execution that runs again,
     * whose first try succeeds, makes it under (and finds the child if the failed start made it after
     * all); a step that goes on to its next item instead starts that one under a key of its own, as an
     * execution whose first try succeeded does. A step that starts the same flow from several threads
     * at once pairs its calls with keys in the order they come.
     */
    <T> T startNext(String flow, String inputJson, Function<String, T> start) {
        int ordinal = reserve(flow, inputJson);
        try {
            return start.apply(key(runId, step, failuresBefore, attempt, flow, ordinal));
        } catch (RuntimeException | Error failed) {
            synchronized (this) {
                failedStarts.put(flow + '\u0000' + inputJson, ordinal);
            }
            throw failed;
        }
    }

    private synchronized int reserve(String flow, String inputJson) {
        if (failuresBefore < 0) {
            failuresBefore = failuresOfStep.getAsInt();
        }
        Integer again = failedStarts.remove(flow + '\u0000' + inputJson);
        return again != null ? again : startsByFlow.merge(flow, 1, Integer::sum);
    }

    static String key(String runId, String step, int failuresBefore, int attempt, String flow, int ordinal) {
        String execution = (failuresBefore > 0 ? "retried-" + failuresBefore + "/" : "") + "attempt-" + attempt;
        String key = PREFIX + runId + "/" + step + "/" + execution + "/" + flow + "/" + ordinal;
        if (key.length() <= StartOptions.MAX_KEY_LENGTH) {
            return key;
        }
        String digested = PREFIX + runId + "/" + EngineRateLimits.digest(key);
        return digested.length() <= StartOptions.MAX_KEY_LENGTH ? digested : PREFIX + EngineRateLimits.digest(key);
    }
}

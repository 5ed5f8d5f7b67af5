package io.nvent;

/**
 * The code of one flow step. Implemented by classes annotated with {@link FlowStep}.
 *
 * <p>The entry step receives the run's input, converted to {@code I} with JSON-B. A downstream
 * step receives a JSON object keyed by subscribed event name whose values are the payloads of
 * those events, converted to {@code I}: declare {@code I} as {@code Map<String, Object>},
 * {@link jakarta.json.JsonObject} or a class with one property per event.
 *
 * <p>An input declared as {@code String} receives a JSON string's value, and the raw JSON text of
 * any other value: {@code {"a":1}} for an object, {@code 42} for a number. JSON {@code null} (a run
 * started with a {@code null} input) is {@code null} for every input type.
 *
 * <p>A step that throws is retried according to its retry policy; when attempts are exhausted the
 * run fails. Events passed to {@link StepContext#emit} take effect when the step returns normally,
 * so a failed attempt never triggers downstream steps.
 *
 * @param <I> input type
 * @param <O> result type, recorded in the {@code step.completed} event ({@code Void} for none)
 * @since 0.1
 */
@FunctionalInterface
public interface Step<I, O> {

    /**
     * Executes the step.
     *
     * @param input the step input
     * @param context the run context of this attempt
     * @return the step result, or {@code null} for none
     * @throws Exception any failure; the attempt is retried or the run fails
     */
    O execute(I input, StepContext context) throws Exception;
}

package io.nvent;

import java.util.Objects;

/**
 * One Bean Validation constraint a run's input broke ({@link InvalidPayloadException#violations()}):
 * e.g. {@code amountCents} "must be greater than 0", given {@code -5}.
 *
 * @param path the property path from the input's top, as Bean Validation gives it ({@code "amountCents"},
 *     {@code "lines[0].sku"}); empty for a constraint on the input's class itself
 * @param message the constraint's message, interpolated
 * @param invalidValue the refused value as JSON text ({@code -5}, {@code "x"}, {@code null}); a value whose JSON is
 *     longer than 200 characters is a JSON string of its start followed by {@code …}
 * @param flow the flow whose entry step's constraints the input broke, for a trigger's fire (which may start
 *     several flows, each checking the payload against its own entry step's class); empty for a start of the one
 *     flow the caller named ({@link FlowService#start}, a child run), or a step's input
 * @since 0.2
 */
public record PayloadViolation(String path, String message, String invalidValue, String flow)
        implements java.io.Serializable {

    /**
     * Checks that no component is null.
     *
     * @param path the property path; empty for the input's class itself
     * @param message the constraint's message
     * @param invalidValue the refused value as JSON text
     * @param flow the flow that refused it; empty when the caller named the one flow
     */
    public PayloadViolation {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(invalidValue, "invalidValue");
        Objects.requireNonNull(flow, "flow");
    }

    /**
     * A violation of the input of a single-flow start: of the one flow the caller named ({@link FlowService#start},
     * a child run's start), or of a step's input; {@link #flow()} is empty. A trigger's fire, which may start
     * several flows, names the flow that refused its payload with {@link #ofFlow}.
     *
     * @param path the property path; empty for the input's class itself
     * @param message the constraint's message
     * @param invalidValue the refused value as JSON text
     */
    public PayloadViolation(String path, String message, String invalidValue) {
        this(path, message, invalidValue, "");
    }

    /**
     * This violation, said of the input of flow {@code flow}.
     *
     * @param flow the flow whose entry step's constraints the input broke
     * @return a violation that names it
     * @throws IllegalArgumentException ({@code NVENT-0258}) if {@code flow} is blank
     * @since 0.2
     */
    public PayloadViolation ofFlow(String flow) {
        if (Objects.requireNonNull(flow, "flow").isBlank()) {
            throw new IllegalArgumentException("NVENT-0258 the flow a violation of '" + path + "' is said of must"
                    + " not be blank, was '" + flow + "': give the name of the flow whose input broke it");
        }
        return new PayloadViolation(path, message, invalidValue, flow);
    }

    /**
     * The violation as the REST {@code violations} item gives it: its flow only when it names one
     * ({@code PayloadViolation[path=amountCents, message=must be greater than 0, invalidValue=-5, flow=refund]}).
     *
     * @return its path, message, refused value and, for a trigger's fire, its flow
     */
    @Override
    public String toString() {
        return "PayloadViolation[path=" + path + ", message=" + message + ", invalidValue=" + invalidValue
                + (flow.isEmpty() ? "" : ", flow=" + flow) + "]";
    }
}

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
 * @since 0.2
 */
public record PayloadViolation(String path, String message, String invalidValue) implements java.io.Serializable {

    /**
     * Checks that no component is null.
     *
     * @param path the property path; empty for the input's class itself
     * @param message the constraint's message
     * @param invalidValue the refused value as JSON text
     */
    public PayloadViolation {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(invalidValue, "invalidValue");
    }
}

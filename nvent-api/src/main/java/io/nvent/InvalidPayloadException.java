package io.nvent;

import java.util.List;

/**
 * A payload (run input, event payload, state value) is not valid JSON, cannot be converted, or
 * exceeds the configured size limit, or breaks the Bean Validation constraints of the entry step's input
 * class ({@link #violations()}). Nothing was stored.
 *
 * @since 0.1
 */
public class InvalidPayloadException extends NventException {

    private static final long serialVersionUID = 1L;

    /** The broken constraints; empty for other refusals. */
    private final List<PayloadViolation> violations;

    /**
     * A refused payload; the message gets the prefix NVENT-0204.
     *
     * @param message which payload and why, e.g. {@code "input of flow 'order' is empty"}
     */
    public InvalidPayloadException(String message) {
        super("NVENT-0204 " + message);
        this.violations = List.of();
    }

    /**
     * A payload that breaks Bean Validation constraints; the message gets the prefix NVENT-0204.
     *
     * @param message which payload and each violation
     * @param violations the broken constraints, at least one
     * @since 0.2
     */
    public InvalidPayloadException(String message, List<PayloadViolation> violations) {
        super("NVENT-0204 " + message);
        this.violations = List.copyOf(violations);
    }

    /**
     * A payload that could not be converted; the message gets the prefix NVENT-0204.
     *
     * @param message which payload and why
     * @param cause the JSON-B or parser failure
     */
    public InvalidPayloadException(String message, Throwable cause) {
        super("NVENT-0204 " + message, cause);
        this.violations = List.of();
    }

    /**
     * The Bean Validation constraints the payload broke, in the order of their paths.
     *
     * @return the violations; empty when the payload was refused for another reason (not JSON, too large, an
     *     unknown member)
     * @since 0.2
     */
    public List<PayloadViolation> violations() {
        return violations;
    }
}

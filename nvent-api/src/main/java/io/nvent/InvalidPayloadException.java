package io.nvent;

/**
 * A payload (run input, event payload, state value) is not valid JSON, cannot be converted, or
 * exceeds the configured size limit. Nothing was stored.
 *
 * @since 0.1
 */
public class InvalidPayloadException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A refused payload; the message gets the prefix NVENT-0204.
     *
     * @param message which payload and why, e.g. {@code "input of flow 'order' is empty"}
     */
    public InvalidPayloadException(String message) {
        super("NVENT-0204 " + message);
    }

    /**
     * A payload that could not be converted; the message gets the prefix NVENT-0204.
     *
     * @param message which payload and why
     * @param cause the JSON-B or parser failure
     */
    public InvalidPayloadException(String message, Throwable cause) {
        super("NVENT-0204 " + message, cause);
    }
}

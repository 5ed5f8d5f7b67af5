package io.nvent;

/**
 * A payload (run input, event payload, state value) is not valid JSON, cannot be converted, or
 * exceeds the configured size limit. Nothing was stored.
 *
 * @since 0.1
 */
public class InvalidPayloadException extends NventException {

    private static final long serialVersionUID = 1L;

    public InvalidPayloadException(String message) {
        super("NVENT-0204 " + message);
    }

    public InvalidPayloadException(String message, Throwable cause) {
        super("NVENT-0204 " + message, cause);
    }
}

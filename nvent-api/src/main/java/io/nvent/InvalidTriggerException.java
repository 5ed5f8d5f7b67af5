package io.nvent;

/**
 * A trigger definition is invalid (bad cron, unknown flow, name taken, declared trigger deleted).
 *
 * @since 0.1
 */
public class InvalidTriggerException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A refused definition or operation; the message gets the prefix NVENT-0210.
     *
     * @param message which trigger and what is wrong with it
     */
    public InvalidTriggerException(String message) {
        super("NVENT-0210 " + message);
    }
}

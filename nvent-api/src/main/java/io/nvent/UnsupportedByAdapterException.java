package io.nvent;

/**
 * An adapter cannot do what was asked, as it was written for an earlier nvent that had no such
 * operation: e.g. deleting a single run, or listing the runs of one parent, with a store adapter
 * written for nvent 0.1. Repeating the call cannot help; upgrading the adapter, or doing it another
 * way (the message says which), can.
 * The REST API answers {@code 501 Not Implemented} with the message.
 *
 * @since 0.2
 */
public class UnsupportedByAdapterException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A refusal the engine tells from what the adapter did (no refusal of the adapter's own), with a
     * message that names the adapter and what to do instead.
     *
     * @param message what could not be done, by which adapter, and what to do instead; should start
     *     with its stable id
     */
    public UnsupportedByAdapterException(String message) {
        super(message);
    }

    /**
     * A refusal, with a message that names the adapter and what to do instead.
     *
     * @param message what could not be done, by which adapter, and what to do instead; should start
     *     with its stable id
     * @param cause the adapter's own refusal (its {@link UnsupportedOperationException})
     */
    public UnsupportedByAdapterException(String message, Throwable cause) {
        super(message, cause);
    }
}

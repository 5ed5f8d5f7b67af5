package io.nvent;

/**
 * No await matches the given id or webhook token.
 *
 * @since 0.1
 */
public class AwaitNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * An unknown await; the message reads "NVENT-0206 no await " followed by {@code what}.
     *
     * @param what how it was looked for, e.g. {@code "with id 42"} or {@code "for this webhook URL"}
     */
    public AwaitNotFoundException(String what) {
        super("NVENT-0206 no await " + what);
    }
}

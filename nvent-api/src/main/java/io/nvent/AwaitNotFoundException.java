package io.nvent;

/**
 * No await matches the given id or webhook token.
 *
 * @since 0.1
 */
public class AwaitNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;

    public AwaitNotFoundException(String what) {
        super("NVENT-0206 no await " + what);
    }
}

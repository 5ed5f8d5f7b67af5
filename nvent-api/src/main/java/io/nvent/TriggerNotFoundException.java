package io.nvent;

/**
 * No trigger has the given name.
 *
 * @since 0.1
 */
public class TriggerNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * An unknown trigger, with a message (NVENT-0208) that names it.
     *
     * @param name the trigger name asked for
     */
    public TriggerNotFoundException(String name) {
        super("NVENT-0208 no trigger named '" + name + "' exists");
    }
}

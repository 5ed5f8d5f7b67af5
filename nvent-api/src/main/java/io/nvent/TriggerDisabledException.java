package io.nvent;

/**
 * The trigger exists but is disabled, so it does not fire.
 *
 * @since 0.1
 */
public class TriggerDisabledException extends NventException {

    private static final long serialVersionUID = 1L;

    /**
     * A refused fire, with a message (NVENT-0209) that names the trigger.
     *
     * @param name the disabled trigger
     */
    public TriggerDisabledException(String name) {
        super("NVENT-0209 trigger '" + name + "' is disabled; enable it to fire it");
    }
}

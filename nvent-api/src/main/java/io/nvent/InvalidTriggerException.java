package io.nvent;

/**
 * A trigger definition is invalid (bad cron, unknown flow, name taken, declared trigger deleted).
 *
 * @since 0.1
 */
public class InvalidTriggerException extends NventException {

    private static final long serialVersionUID = 1L;

    /** A message that begins with an id of its own. */
    private static final java.util.regex.Pattern OWN_ID = java.util.regex.Pattern.compile("NVENT-\\d{4} ");

    /**
     * A refused definition or operation; the message gets the prefix NVENT-0210, unless it begins with a message id
     * of its own ({@code NVENT-xxxx …}, a module's own), which it keeps alone: a message begins with one id, the one
     * to search for.
     *
     * @param message which trigger and what is wrong with it
     */
    public InvalidTriggerException(String message) {
        super(message != null && OWN_ID.matcher(message).lookingAt() ? message : "NVENT-0210 " + message);
    }

    /**
     * Refuses to change or delete a trigger declared with {@link Trigger} in the code, which gives
     * its definition at every start: a change made at run time ({@code createOrUpdate}) would be
     * replaced at the next start, and a deletion undone. The same message for each refusal.
     *
     * @param name the declared trigger
     * @return the refusal, to throw
     * @since 0.2
     */
    public static InvalidTriggerException declaredInCode(String name) {
        return new InvalidTriggerException("trigger '" + name + "' is declared with @Trigger in the code, which"
                + " gives its definition at every start: change the @Trigger, or disable the trigger instead of"
                + " deleting it; give a trigger created at run time another name");
    }
}

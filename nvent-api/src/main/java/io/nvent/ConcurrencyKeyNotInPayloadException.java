package io.nvent;

import java.util.Objects;

/**
 * A fire of a trigger that reads its concurrency key from the payload ({@link TriggerSpec#concurrencyKeyFrom()})
 * found no usable key there: nothing, {@code null}, an empty or blank string, an object or an array, or a
 * value that makes no valid key: a string with control characters, a value longer than
 * {@link StartOptions#MAX_CONCURRENCY_KEY_LENGTH} with the prefix, a number whose plain form is longer
 * than that (such as {@code 1e400}). A payload holding a number too large to write out at all (such as
 * {@code 1e99999999999}, anywhere in it: such a payload cannot be read) is refused too.
 * Nothing was started. The REST API and the webhook answer 422.
 *
 * @since 0.2
 */
public class ConcurrencyKeyNotInPayloadException extends NventException {

    private static final long serialVersionUID = 1L;

    /** Part of the serialized form; see {@link #trigger()}. */
    private final String trigger;
    /** Part of the serialized form; see {@link #pointer()}. */
    private final String pointer;
    /** Part of the serialized form; see {@link #found()}. */
    private final String found;

    /**
     * A refused fire, with a message (NVENT-0267) that names the trigger, the pointer and what was found.
     *
     * @param trigger the trigger fired
     * @param pointer its JSON Pointer to the key
     * @param found what the payload holds there, in words, such as {@code "nothing"} or {@code "an object"}
     * @throws NullPointerException if an argument is {@code null}
     */
    public ConcurrencyKeyNotInPayloadException(String trigger, String pointer, String found) {
        super("NVENT-0267 trigger '" + trigger + "' takes the concurrency key of its runs from " + pointer
                + " of each fire's payload, which holds " + found + " there; nothing was started: the payload"
                + " must hold a string, number or boolean at " + pointer);
        this.trigger = Objects.requireNonNull(trigger, "trigger");
        this.pointer = Objects.requireNonNull(pointer, "pointer");
        this.found = Objects.requireNonNull(found, "found");
    }

    /** {@return the trigger whose fire was refused} */
    public String trigger() {
        return trigger;
    }

    /** {@return the trigger's JSON Pointer to the key, such as {@code /customerId}} */
    public String pointer() {
        return pointer;
    }

    /** {@return what the payload holds at the pointer, in words} */
    public String found() {
        return found;
    }
}

package io.nvent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A trigger's debounce ({@link TriggerSpec#debounce()}), as Inngest's {@code debounce}: a burst of fires of one key
 * starts one run of each of the trigger's flows, with the latest payload, once the key has been quiet for
 * {@link #window()}. "customer.updated" arriving 40 times while a user edits a profile runs the CRM sync once, 30
 * seconds after the last edit.
 *
 * <p>A fire of a key with no pending debounced run starts the trigger's flows delayed by the window (the run is
 * {@code awaiting} a time await of its entry step, as with {@link StartOptions#delay()}); a further fire of the key
 * while that run has not started replaces the pending run's input with its payload and moves its start to now plus
 * the window, but never past the key's first fire plus {@link #max()}. It starts no run and is answered with the
 * pending run. Once the run starts, the next fire opens a new pending run. The key is the payload's value at
 * {@link #keyFrom()}, or one key for the whole trigger when none is given. The folded payloads are not batched: the
 * last one wins.
 *
 * <p>For event, webhook and manual triggers; a schedule's ticks are no bursts ({@code NVENT-0239}).
 *
 * @param window how long a key must be quiet before its run starts: whole seconds, from {@link #MIN_WINDOW} to
 *     {@link #MAX_WINDOW}
 * @param keyFrom an RFC 6901 JSON Pointer, such as {@code /customerId}, to each fire's key in its payload; empty for
 *     one key for the whole trigger
 * @param max the longest a key's run may be put off from its first fire, at least the window and at most
 *     {@link #MAX_WINDOW}; empty for no bound (a key fired more often than the window never starts its run)
 * @since 0.2
 */
public record Debounce(Duration window, Optional<String> keyFrom, Optional<Duration> max) {

    /** The shortest window: a second. */
    public static final Duration MIN_WINDOW = Duration.ofSeconds(1);

    /** The longest window, and the longest {@link #max()}: seven days. */
    public static final Duration MAX_WINDOW = Duration.ofDays(7);

    /**
     * Checks the debounce; see {@link #check} for the rules.
     *
     * @param window how long a key must be quiet before its run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @param max the longest a key's run may be put off from its first fire; empty for no bound
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException as {@link #check}
     */
    public Debounce {
        checkOf("", window, keyFrom, max);
    }

    /**
     * A debounce with one key for the whole trigger and no bound.
     *
     * @param window how long the trigger must be quiet before its run starts
     * @return the debounce
     * @throws IllegalArgumentException as {@link #check}
     */
    public static Debounce of(Duration window) {
        return new Debounce(window, Optional.empty(), Optional.empty());
    }

    /**
     * Checks a trigger's debounce as {@link TriggerSpec} does, naming the trigger; for callers that read one before
     * they build a spec (an annotation, a request).
     *
     * @param trigger the trigger's name, for the messages
     * @param window how long a key must be quiet before its run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @param max the longest a key's run may be put off from its first fire; empty for no bound
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0239}) if the window or the bound is not whole seconds from
     *     {@link #MIN_WINDOW} to {@link #MAX_WINDOW}, or the bound is shorter than the window; ({@code NVENT-0249}) if
     *     the pointer is no JSON Pointer
     */
    public static void check(String trigger, Duration window, Optional<String> keyFrom, Optional<Duration> max) {
        checkOf(" of trigger '" + Objects.requireNonNull(trigger, "trigger") + "'", window, keyFrom, max);
    }

    private static void checkOf(String of, Duration window, Optional<String> keyFrom, Optional<Duration> max) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(keyFrom, "keyFrom");
        Objects.requireNonNull(max, "max");
        outOfRange(window).ifPresent(problem -> {
            throw new IllegalArgumentException("NVENT-0239 the debounce" + of + " is "
                    + TriggerSpec.durationText(window) + "; " + problem);
        });
        max.ifPresent(bound -> {
            outOfRange(bound).ifPresent(problem -> {
                throw new IllegalArgumentException("NVENT-0239 the debounce bound (debounceMax)" + of
                        + " is " + TriggerSpec.durationText(bound) + "; " + problem);
            });
            if (bound.compareTo(window) < 0) {
                throw new IllegalArgumentException("NVENT-0239 the debounce bound (debounceMax)" + of
                        + " is " + TriggerSpec.durationText(bound) + ", shorter than its debounce "
                        + TriggerSpec.durationText(window) + ": give a bound of at least the debounce, or none");
            }
        });
        keyFrom.ifPresent(pointer -> {
            if (!TriggerSpec.isJsonPointer(pointer) || pointer.length() > StartOptions.MAX_CONCURRENCY_KEY_LENGTH) {
                throw new IllegalArgumentException("NVENT-0249 the debounce key pointer (debounceKeyFrom)"
                        + of + " is \"" + pointer + "\", no JSON Pointer (RFC 6901) to a member of the payload:"
                        + " write it as \"/customerId\" or \"/order/customer/id\" (~1 for a '/' in a name, ~0 for a '~')");
            }
        });
    }

    private static Optional<String> outOfRange(Duration duration) {
        if (duration.compareTo(MIN_WINDOW) >= 0 && duration.compareTo(MAX_WINDOW) <= 0 && duration.getNano() == 0) {
            return Optional.empty();
        }
        return Optional.of("it must be a whole number of seconds, at least " + TriggerSpec.durationText(MIN_WINDOW)
                + " and at most " + TriggerSpec.durationText(MAX_WINDOW));
    }
}

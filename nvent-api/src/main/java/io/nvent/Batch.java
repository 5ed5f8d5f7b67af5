package io.nvent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A trigger's batching ({@link TriggerSpec#batch()}), as Inngest's {@code batchEvents}: the fires of one key start one
 * run of each of the trigger's flows with all their payloads, once {@link #max()} have come or {@link #window()} has
 * passed since the first. A thousand "notification.created" for one user make one digest e-mail, not a thousand.
 *
 * <p>The first fire of a key opens a pending run delayed by the window (the run is {@code awaiting} a time await of its
 * entry step, as with {@link StartOptions#delay()}); each further fire appends its payload to it and is answered with
 * the pending run; the fire that makes the batch reach {@code max} starts it at once. Once the run starts, the next fire
 * opens a new batch. The run's input is {@code {"events":[p1, p2, …],"count":n,"key":"…"}}, the payloads in the order
 * the store took them.
 *
 * <p>For event, webhook and manual triggers, not with a {@link Debounce} ({@code NVENT-0254}).
 *
 * @param max how many fires start the run at once: {@link #MIN_MAX} to {@link #MAX_MAX}
 * @param window how long after the first fire the run starts if fewer came: whole seconds, from {@link #MIN_WINDOW} to
 *     {@link #MAX_WINDOW}
 * @param keyFrom an RFC 6901 JSON Pointer, such as {@code /userId}, to each fire's key in its payload; empty for one
 *     batch for the whole trigger
 * @since 0.2
 */
public record Batch(int max, Duration window, Optional<String> keyFrom) {

    /** The fewest fires a batch can be made of. */
    public static final int MIN_MAX = 2;

    /** The most fires a batch can be made of. */
    public static final int MAX_MAX = 1000;

    /** The shortest window: a second. */
    public static final Duration MIN_WINDOW = Duration.ofSeconds(1);

    /** The longest window: a day. */
    public static final Duration MAX_WINDOW = Duration.ofDays(1);

    /**
     * Checks the batching; see {@link #check} for the rules.
     *
     * @param max how many fires start the run at once
     * @param window how long after the first fire the run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException as {@link #check}
     */
    public Batch {
        checkOf("", max, window, keyFrom);
    }

    /**
     * Batching with one key for the whole trigger.
     *
     * @param max how many fires start the run at once
     * @param window how long after the first fire the run starts
     * @return the batching
     * @throws IllegalArgumentException as {@link #check}
     */
    public static Batch of(int max, Duration window) {
        return new Batch(max, window, Optional.empty());
    }

    /**
     * Checks a trigger's batching as {@link TriggerSpec} does, naming the trigger.
     *
     * @param trigger the trigger's name, for the messages
     * @param max how many fires start the run at once
     * @param window how long after the first fire the run starts
     * @param keyFrom a JSON Pointer to each fire's key; empty for one key
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0252}) if {@code max} is not from {@link #MIN_MAX} to
     *     {@link #MAX_MAX} or the window is not whole seconds from {@link #MIN_WINDOW} to {@link #MAX_WINDOW};
     *     ({@code NVENT-0253}) if the pointer is no JSON Pointer
     */
    public static void check(String trigger, int max, Duration window, Optional<String> keyFrom) {
        checkOf(" of trigger '" + Objects.requireNonNull(trigger, "trigger") + "'", max, window, keyFrom);
    }

    private static void checkOf(String of, int max, Duration window, Optional<String> keyFrom) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(keyFrom, "keyFrom");
        if (max < MIN_MAX || max > MAX_MAX) {
            throw new IllegalArgumentException("NVENT-0252 the batch size (batchMax)" + of + " is " + max
                    + "; it must be from " + MIN_MAX + " to " + MAX_MAX + " fires");
        }
        if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0 || window.getNano() != 0) {
            throw new IllegalArgumentException("NVENT-0252 the batch window (batchWindow)" + of + " is "
                    + TriggerSpec.durationText(window) + "; it must be a whole number of seconds, at least "
                    + TriggerSpec.durationText(MIN_WINDOW) + " and at most " + TriggerSpec.durationText(MAX_WINDOW));
        }
        keyFrom.ifPresent(pointer -> {
            if (!TriggerSpec.isJsonPointer(pointer) || pointer.length() > StartOptions.MAX_CONCURRENCY_KEY_LENGTH) {
                throw new IllegalArgumentException("NVENT-0253 the batch key pointer (batchKeyFrom)" + of + " is \""
                        + pointer + "\", no JSON Pointer (RFC 6901) to a member of the payload: write it as"
                        + " \"/userId\" or \"/order/customer/id\" (~1 for a '/' in a name, ~0 for a '~')");
            }
        });
    }
}

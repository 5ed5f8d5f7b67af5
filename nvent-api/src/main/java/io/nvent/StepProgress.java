package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How far a running step's current attempt has come, as it last reported it with
 * {@link StepContext#reportProgress(long, long, String)}: {@code done} of {@code total} units of work
 * (rows imported, files sent), with an optional short message for the operator.
 *
 * <p>It belongs to the attempt that reported it: a store keeps it with the attempt's lease on the step,
 * so it shows while the attempt runs ({@link StepWait#progress()}, {@link FlowService#progress}) and goes
 * with the lease when the attempt ends; a completed step's {@code step.completed} entry keeps the last
 * value reported.
 *
 * @param done units done, from 0 to {@code total}
 * @param total units in all, at least 1
 * @param message what the step is at, in words (at most {@link #MAX_MESSAGE_LENGTH} characters, no control
 *     characters); empty if it gave none
 * @param reportedAt when the step reported it, by the engine's clock
 * @since 0.2
 */
public record StepProgress(long done, long total, Optional<String> message, Instant reportedAt) {

    /** The longest {@link #message()} a report may carry, in characters. */
    public static final int MAX_MESSAGE_LENGTH = 200;

    /**
     * Checks the numbers and the message, so that a report is refused where the step makes it.
     *
     * @param done units done, from 0 to {@code total}
     * @param total units in all, at least 1
     * @param message what the step is at, in words; empty if none
     * @param reportedAt when the step reported it
     * @throws NullPointerException if {@code message} or {@code reportedAt} is {@code null}
     * @throws IllegalArgumentException if {@code done} is negative or greater than {@code total}, {@code total}
     *     is less than 1, or the message is longer than {@link #MAX_MESSAGE_LENGTH} characters or holds a control
     *     character (a line break, a tab, NUL: a store could not keep it, PostgreSQL refuses NUL in text; the
     *     exception names its offset)
     */
    public StepProgress {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(reportedAt, "reportedAt");
        if (total < 1) {
            throw new IllegalArgumentException("progress total must be at least 1, was " + total);
        }
        if (done < 0 || done > total) {
            throw new IllegalArgumentException("progress done must be from 0 to the total " + total + ", was " + done);
        }
        if (message.isPresent() && message.get().length() > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("progress message must be at most " + MAX_MESSAGE_LENGTH
                    + " characters, was " + message.get().length() + ": '" + message.get().substring(0, 40) + "…'");
        }
        if (message.isPresent()) {
            String text = message.get();
            for (int offset = 0; offset < text.length(); offset++) {
                if (Character.isISOControl(text.charAt(offset))) {
                    throw new IllegalArgumentException("progress message must not contain control characters, has U+"
                            + String.format("%04X", (int) text.charAt(offset)) + " at offset " + offset);
                }
            }
        }
    }

    /**
     * {@return the share done, in whole percent rounded down: 100 only once {@code done} is {@code total}}
     */
    public int percent() {
        if (done == total) {
            return 100;
        }
        return (int) Math.min(99, (long) Math.floor((double) done / total * 100));
    }
}

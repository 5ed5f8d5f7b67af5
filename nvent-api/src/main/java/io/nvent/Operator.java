package io.nvent;

import java.util.Objects;
import java.util.Optional;

/**
 * Who performs an operator action (a cancel, a retry, a trigger's change, ...) and, optionally, why: the audit
 * trail. Passed to {@link FlowService#actingAs(Operator)} or {@link TriggerService#actingAs(Operator)}, whose view
 * of the service records it in the history entries the action writes ({@code "operator"} and {@code "operatorReason"}) and
 * in a line of the {@code io.nvent.audit} log.
 *
 * <pre>{@code
 * flows.actingAs(Operator.named("alice").because("customer called to cancel")).cancel(runId);
 * }</pre>
 *
 * <p>Immutable; validated when made: a name of 1 to {@value #MAX_NAME_LENGTH} characters, a reason of at most
 * {@value #MAX_REASON_LENGTH}, neither with control or line-separator characters (so neither can forge a log line).
 *
 * @param name who acts, e.g. the signed-in user; 1 to {@value #MAX_NAME_LENGTH} characters
 * @param reason why, in the operator's words; at most {@value #MAX_REASON_LENGTH} characters
 * @since 0.2
 */
public record Operator(String name, Optional<String> reason) {

    /** The longest name. */
    public static final int MAX_NAME_LENGTH = 200;
    /** The longest reason. */
    public static final int MAX_REASON_LENGTH = 1_000;

    /**
     * Checks the name and the reason.
     *
     * @param name who acts
     * @param reason why, or empty
     * @throws IllegalArgumentException if the name is empty or longer than {@value #MAX_NAME_LENGTH} characters
     *     (NVENT-1100), the reason longer than {@value #MAX_REASON_LENGTH} (NVENT-1101), or either holds a control
     *     or line-separator character
     */
    public Operator {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH || hasControl(name)) {
            throw new IllegalArgumentException("NVENT-1100 operator name " + quoted(name) + " refused: it must have 1 to "
                    + MAX_NAME_LENGTH + " characters (it has " + name.length() + "), not only blanks, and no control"
                    + " or line-separator characters; nothing was done");
        }
        if (reason.isPresent() && (reason.get().length() > MAX_REASON_LENGTH || hasControl(reason.get()))) {
            throw new IllegalArgumentException("NVENT-1101 reason " + quoted(reason.get()) + " refused: it must have at"
                    + " most " + MAX_REASON_LENGTH + " characters (it has " + reason.get().length() + ") and no control"
                    + " or line-separator characters (write it on one line); nothing was done");
        }
    }

    /**
     * An operator who gives no reason.
     *
     * @param name who acts, 1 to {@value #MAX_NAME_LENGTH} characters
     * @return the operator
     * @throws IllegalArgumentException if the name is refused (NVENT-1100)
     */
    public static Operator named(String name) {
        return new Operator(name, Optional.empty());
    }

    /**
     * This operator, giving a reason. A blank reason is no reason.
     *
     * @param why the reason, at most {@value #MAX_REASON_LENGTH} characters
     * @return the operator with the reason
     * @throws IllegalArgumentException if the reason is refused (NVENT-1101)
     */
    public Operator because(String why) {
        Objects.requireNonNull(why, "why");
        return new Operator(name, why.isBlank() ? Optional.empty() : Optional.of(why.strip()));
    }

    private static boolean hasControl(String text) {
        return text.codePoints().anyMatch(c -> Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR);
    }

    /** The refused text in a message: its start only, with control characters shown as escapes. */
    private static String quoted(String text) {
        String start = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        StringBuilder out = new StringBuilder("'");
        start.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('\'').toString();
    }
}

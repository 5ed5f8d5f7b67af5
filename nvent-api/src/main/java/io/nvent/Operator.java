package io.nvent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
 * {@link #named(String)} refuses any other name: a name written in code that does not fit is a mistake to fix. A
 * signed-in user's name as a realm gives it (an LDAP DN, a JWT subject) goes through {@link #signedIn(String)},
 * which never refuses: a name too long or with control characters is recorded in a shortened form that still tells
 * two users apart, and the whole name is kept in {@link #fullName()} for the audit log.
 *
 * @param name who acts, e.g. the signed-in user; 1 to {@value #MAX_NAME_LENGTH} characters; what the history
 *     entries record
 * @param reason why, in the operator's words; at most {@value #MAX_REASON_LENGTH} characters
 * @param fullName the whole name of a signed-in user whose name had to be shortened to make {@code name} (see
 *     {@link #signedIn(String)}); empty when {@code name} is the whole name. The audit log line shows it.
 * @since 0.2
 */
public record Operator(String name, Optional<String> reason, Optional<String> fullName) {

    /** The longest name. */
    public static final int MAX_NAME_LENGTH = 200;
    /** The longest reason. */
    public static final int MAX_REASON_LENGTH = 1_000;
    /** How many characters of a shortened name {@link #signedIn(String)} keeps before {@code …} and the hash. */
    private static final int KEPT_OF_SHORTENED = 180;
    /** How many hex digits of the SHA-256 of the whole name end a shortened name. */
    private static final int HASH_DIGITS = 12;

    /**
     * Checks the name and the reason.
     *
     * @param name who acts
     * @param reason why, or empty
     * @param fullName the whole name {@code name} shortens, or empty
     * @throws IllegalArgumentException if the name is empty or longer than {@value #MAX_NAME_LENGTH} characters
     *     (NVENT-1100), the reason longer than {@value #MAX_REASON_LENGTH} (NVENT-1101), or either holds a control
     *     or line-separator character
     */
    public Operator {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(fullName, "fullName");
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
     * An operator with a name of their own (no shortened one), as {@link #named(String)} and {@link #because(String)}
     * make it.
     *
     * @param name who acts
     * @param reason why, or empty
     * @throws IllegalArgumentException if the name (NVENT-1100) or the reason (NVENT-1101) is refused
     */
    public Operator(String name, Optional<String> reason) {
        this(name, reason, Optional.empty());
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
        return new Operator(name, why.isBlank() ? Optional.empty() : Optional.of(why.strip()), fullName);
    }

    /**
     * The operator for a signed-in user, named as the container or the identity store names them (an LDAP DN, a JWT
     * subject, {@code EJBContext.getCallerPrincipal().getName()}): never refused, since an authenticated user must
     * not be locked out of operations by their name. A name of 1 to {@value #MAX_NAME_LENGTH} characters on one
     * line is the operator's name as it is. Any other (longer, blank, or with control or line-separator characters)
     * is recorded in the history as its first 180 characters, control characters written as unicode escapes
     * (a line feed as a backslash and {@code u000a}), then {@code …} and the first 12 hex digits of the SHA-256 of
     * the whole name, so that two long names with the same start stay apart:
     * {@code cn=Alice Example,ou=…,dc=example,dc=com…3fa41c09be72}; the whole name is kept in {@link #fullName()},
     * and the audit log line shows it.
     *
     * @param userName the signed-in user's name, as the realm gives it
     * @return the operator, giving no reason
     */
    public static Operator signedIn(String userName) {
        Objects.requireNonNull(userName, "userName");
        if (!userName.isBlank() && userName.length() <= MAX_NAME_LENGTH && !hasControl(userName)) {
            return named(userName);
        }
        String shown = escaped(userName);
        int kept = Math.min(shown.length(), KEPT_OF_SHORTENED);
        if (kept > 0 && Character.isHighSurrogate(shown.charAt(kept - 1))) {
            kept--;
        }
        return new Operator(shown.substring(0, kept).strip() + "…" + hash(userName), Optional.empty(),
                Optional.of(userName));
    }

    /** The first {@value #HASH_DIGITS} hex digits of the SHA-256 of {@code text}. */
    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_DIGITS);
        } catch (NoSuchAlgorithmException absent) {
            throw new IllegalStateException("SHA-256 is absent from this Java runtime, which every runtime has", absent);
        }
    }

    /** {@code text} with its control and line-separator characters written as escapes. */
    private static String escaped(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static boolean hasControl(String text) {
        return text.codePoints().anyMatch(c -> Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR);
    }

    /** The refused text in a message: its start only, with control characters shown as escapes. */
    private static String quoted(String text) {
        String start = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return "'" + escaped(start) + "'";
    }
}

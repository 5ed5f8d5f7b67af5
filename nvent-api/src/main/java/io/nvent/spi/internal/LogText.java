package io.nvent.spi.internal;

/**
 * Text a caller sent (a user name, a header, a path), made fit for a log line: control and
 * line-separator characters written as escapes ({@code \n}, {@code \u0000}, …), so the text cannot
 * start a line of its own that looks like the server's, and cut to {@value #MAX_LENGTH} characters
 * followed by {@code …}, so it cannot fill the log. Shared by the web module's security lines and the engine's
 * audit lines ({@code io.nvent.audit}).
 */
public final class LogText {

    /** The most characters of a caller's text a log line shows, unless told otherwise. */
    public static final int MAX_LENGTH = 64;
    /** The most characters of a signed-in user's whole name an audit line shows (a long LDAP DN fits). */
    public static final int MAX_OPERATOR_LENGTH = 4_096;

    private LogText() {
    }

    /**
     * The caller's text as it may appear in a log line.
     *
     * @param callerText the text, or null
     * @return the text escaped and cut to {@value #MAX_LENGTH} characters
     */
    public static String of(String callerText) {
        return of(callerText, MAX_LENGTH);
    }

    /**
     * The caller's text as it may appear in a log line, cut to {@code maxLength} characters.
     *
     * @param callerText the text, or null
     * @param maxLength the most characters kept
     * @return the text escaped and cut
     */
    public static String of(String callerText, int maxLength) {
        if (callerText == null) {
            return "null";
        }
        boolean cut = callerText.codePointCount(0, callerText.length()) > maxLength;
        String kept = cut ? callerText.substring(0, callerText.offsetByCodePoints(0, maxLength)) : callerText;
        StringBuilder text = new StringBuilder(kept.length() + 8);
        kept.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                case '\\' -> text.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                            || Character.getType(c) == Character.FORMAT) {
                        text.append(String.format("\\u%04x", c));
                    } else {
                        text.appendCodePoint(c);
                    }
                }
            }
        });
        return cut ? text.append('…').toString() : text.toString();
    }

    /**
     * Who acts, as an audit log line names them: the operator's name, or, for a signed-in user whose name had to be
     * shortened ({@link io.nvent.Operator#signedIn(String)}), the whole name (escaped, up to
     * {@value #MAX_OPERATOR_LENGTH} characters) followed by the shortened one the history holds, so a line can be
     * matched with its history entries.
     *
     * @param operator who acts
     * @return the operator's name for the line
     */
    public static String operator(io.nvent.Operator operator) {
        String name = of(operator.name(), io.nvent.Operator.MAX_NAME_LENGTH);
        return operator.fullName().map(full -> of(full, MAX_OPERATOR_LENGTH) + " (in the history: " + name + ")")
                .orElse(name);
    }
}

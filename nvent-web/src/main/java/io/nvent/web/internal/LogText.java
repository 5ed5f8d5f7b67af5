package io.nvent.web.internal;

/**
 * Text a caller sent (a user name, a header, a path), made fit for a log line: control and
 * line-separator characters written as escapes ({@code \n}, {@code \u0000}, …), so the text cannot
 * start a line of its own that looks like the server's, and cut to {@value #MAX_LENGTH} characters
 * followed by {@code …}, so it cannot fill the log.
 */
public final class LogText {

    /** The most characters of a caller's text a log line shows. */
    public static final int MAX_LENGTH = 64;

    private LogText() {
    }

    /** The caller's text as it may appear in a log line. */
    public static String of(String callerText) {
        if (callerText == null) {
            return "null";
        }
        boolean cut = callerText.codePointCount(0, callerText.length()) > MAX_LENGTH;
        String kept = cut ? callerText.substring(0, callerText.offsetByCodePoints(0, MAX_LENGTH)) : callerText;
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
}

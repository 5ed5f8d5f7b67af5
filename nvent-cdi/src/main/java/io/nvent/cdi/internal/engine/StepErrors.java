package io.nvent.cdi.internal.engine;

/**
 * The text of a step's error as the run's history keeps it. A step's code chooses its message, and
 * a store must take every failure, or the attempt's failure is never recorded: its job comes back,
 * finds its execution lost, is recovered as a stall and fails again, for ever, a history entry each
 * time (on PostgreSQL, with a message holding a NUL, which no text column takes, or one larger than
 * {@code nvent.payload.max-bytes}). So the text is made storable: NUL and unpaired surrogates
 * replaced, and cut to {@value #MAX_LENGTH} characters, or fewer where {@code nvent.payload.max-bytes} is smaller,
 * saying how long it was. Other control characters are kept: the history's JSON escapes
 * them, and the log escapes them where it shows one.
 */
final class StepErrors {

    /** The most characters of a step's error a history entry keeps, as for its stack trace. */
    static final int MAX_LENGTH = 8_000;

    private StepErrors() {
    }

    /** The error's message, or its class's name when it has none, made storable within {@code maxBytes}. */
    static String of(Throwable error, long maxBytes) {
        return storable(error.getMessage() == null ? error.getClass().getName() : error.getMessage(), maxBytes);
    }

    /** {@code text} with NUL written as {@code \u0000}, unpaired surrogates as U+FFFD, cut to {@link #MAX_LENGTH}. */
    static String storable(String text) {
        return storable(text, Long.MAX_VALUE);
    }

    /**
     * {@code text} made storable, cut to {@link #MAX_LENGTH} characters and to at most {@code maxBytes} as a JSON
     * string (escapes counted), so that a history entry holding it fits {@code nvent.payload.max-bytes}: a fixed cut
     * of 8,000 characters fits 1 MiB, not the 1,024 bytes the key allows.
     */
    static String storable(String text, long maxBytes) {
        int end = Math.min(text.length(), MAX_LENGTH);
        long bytes = 0;
        for (int i = 0; i < end; i++) {
            bytes += jsonBytes(text.charAt(i));
            if (bytes > maxBytes) {
                end = i;
            }
        }
        if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            String replacement = null;
            if (c == '\0') {
                replacement = "\\u0000";
            } else if (Character.isHighSurrogate(c) && (i + 1 >= end || !Character.isLowSurrogate(text.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)))) {
                replacement = "\uFFFD";
            }
            if (replacement != null && out == null) {
                out = new StringBuilder(end + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        String kept = out != null ? out.toString() : end == text.length() ? text : text.substring(0, end);
        return end == text.length() ? kept : kept + "… (cut: " + text.length() + " characters in all)";
    }

    /** UTF-8 bytes of {@code c} in a JSON string, at most (a NUL is written as {@code \u0000}, then escaped). */
    private static int jsonBytes(char c) {
        if (c == 0) {
            return 7;
        }
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            return 2;
        }
        return c < 0x20 ? 6 : c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
}

package io.nvent.postgres.internal;

/** What an attempt's error says: its text for the record, whether it shows an interrupt. */
public final class Errors {

    private Errors() {
    }

    /**
     * The error and its stack trace, cut to a length. NUL characters are replaced: PostgreSQL text
     * and jsonb refuse them, and a record that cannot be stored would lose the whole failure.
     */
    public static String describe(Throwable error, int maxLength) {
        StringBuilder text = new StringBuilder(String.valueOf(error));
        for (StackTraceElement frame : error.getStackTrace()) {
            if (text.length() > maxLength) {
                break;
            }
            text.append("\n\tat ").append(frame);
        }
        Throwable cause = error.getCause();
        if (cause != null && cause != error && text.length() < maxLength) {
            text.append("\nCaused by: ").append(cause);
        }
        String result = text.length() > maxLength ? text.substring(0, maxLength) : text.toString();
        return result.replace('\0', '\uFFFD');
    }
}

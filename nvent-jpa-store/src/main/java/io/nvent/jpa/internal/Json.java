package io.nvent.jpa.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Minimal strict JSON (RFC 8259) checking and the little reading and writing the store needs for its
 * JSON columns. Hand-written rather than JSON-P so that the store needs no JSON provider outside a
 * container, and so that it can refuse what PostgreSQL's {@code jsonb} refuses ({@code \u0000},
 * unpaired surrogates, numbers {@code numeric} cannot hold) with a clear message instead of a database
 * error.
 */
public final class Json {

    /** Deeper nesting is refused: it is never legitimate and would exhaust the stack. */
    static final int MAX_DEPTH = 512;

    /** Most digits a number has before, and after, its decimal point, and the largest exponent; see {@link #NUMBER_RULE}. */
    static final int MAX_NUMBER_DIGITS = 1000;

    /**
     * What a number must be, in words. Well within what PostgreSQL's {@code numeric} (131072 digits
     * before the point, 16383 after), H2 and {@code BigDecimal} hold, and far beyond any real quantity.
     */
    static final String NUMBER_RULE = "a number has an exponent within -1000..1000 and, written out without it, at "
            + "most 1000 digits before its decimal point and 1000 after (PostgreSQL cannot store larger ones)";

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Thrown for text that is not acceptable JSON; carries the reason and offset. */
    static final class NotJsonException extends Exception {
        private static final long serialVersionUID = 1L;

        NotJsonException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Checks that {@code text} is one JSON value (surrounding whitespace allowed).
     *
     * @throws NotJsonException if it is not
     */
    static void check(String text) throws NotJsonException {
        Json json = new Json(text);
        json.skipWhitespace();
        json.skipValue(0);
        json.skipWhitespace();
        if (json.pos != text.length()) {
            throw json.error("unexpected character after the value");
        }
    }

    /**
     * Length of {@code s} in UTF-8, counting only up to {@code limit + 1} so that huge strings are
     * not scanned to the end.
     */
    static long utf8Length(String s, long limit) {
        long bytes = 0;
        for (int i = 0, n = s.length(); i < n && bytes <= limit; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** {@code s} as a JSON string literal. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** A JSON object whose member values are given as JSON texts, e.g. {@code {"a":1}}. */
    static String object(Map<String, String> jsonValues) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, String> entry : jsonValues.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(quote(entry.getKey())).append(':').append(entry.getValue());
        }
        return out.append('}').toString();
    }

    /**
     * The members of a JSON object with their values as JSON texts, in document order.
     *
     * @throws IllegalStateException if {@code text} is not a JSON object (the store wrote it, so
     *     this means the row was damaged outside the store)
     */
    static Map<String, String> members(String text) {
        Json json = new Json(text);
        try {
            Map<String, String> members = new LinkedHashMap<>();
            json.skipWhitespace();
            json.expect('{');
            json.skipWhitespace();
            if (json.peek() == '}') {
                return members;
            }
            while (true) {
                json.skipWhitespace();
                String name = json.readString();
                json.skipWhitespace();
                json.expect(':');
                json.skipWhitespace();
                int start = json.pos;
                json.skipValue(1);
                members.put(name, text.substring(start, json.pos));
                json.skipWhitespace();
                char c = json.next();
                if (c == '}') {
                    return members;
                }
                if (c != ',') {
                    throw json.error("expected ',' or '}'");
                }
            }
        } catch (NotJsonException e) {
            throw new IllegalStateException("stored JSON object is damaged: " + e.getMessage(), e);
        }
    }

    /** A JSON array of strings. */
    static String strings(java.util.List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (String value : values) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(quote(value));
        }
        return out.append(']').toString();
    }

    /**
     * The elements of a JSON array of strings, in order.
     *
     * @throws IllegalStateException if {@code text} is not such an array (the store wrote it, so
     *     this means the row was damaged outside the store)
     */
    static java.util.List<String> strings(String text) {
        Json json = new Json(text);
        try {
            java.util.List<String> values = new java.util.ArrayList<>();
            json.skipWhitespace();
            json.expect('[');
            json.skipWhitespace();
            if (json.peek() == ']') {
                return values;
            }
            while (true) {
                json.skipWhitespace();
                values.add(json.readString());
                json.skipWhitespace();
                char c = json.next();
                if (c == ']') {
                    return values;
                }
                if (c != ',') {
                    throw json.error("expected ',' or ']'");
                }
            }
        } catch (NotJsonException e) {
            throw new IllegalStateException("stored JSON array of strings is damaged: " + e.getMessage(), e);
        }
    }

    /**
     * The value of a JSON string literal.
     *
     * @throws IllegalStateException if {@code text} is not a JSON string
     */
    static String unquote(String text) {
        Json json = new Json(text);
        try {
            json.skipWhitespace();
            return json.readString();
        } catch (NotJsonException e) {
            throw new IllegalStateException("stored JSON string is damaged: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ scanner

    private void skipValue(int depth) throws NotJsonException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        char c = peek();
        switch (c) {
            case '{' -> skipObject(depth);
            case '[' -> skipArray(depth);
            case '"' -> skipString();
            case 't' -> skipLiteral("true");
            case 'f' -> skipLiteral("false");
            case 'n' -> skipLiteral("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    skipNumber();
                } else {
                    throw error("unexpected character");
                }
            }
        }
    }

    private void skipObject(int depth) throws NotJsonException {
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a member name");
            }
            skipString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            skipValue(depth + 1);
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private void skipArray(int depth) throws NotJsonException {
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            skipValue(depth + 1);
            skipWhitespace();
            char c = next();
            if (c == ']') {
                return;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private void skipString() throws NotJsonException {
        readOrSkipString(null);
    }

    private String readString() throws NotJsonException {
        StringBuilder out = new StringBuilder();
        readOrSkipString(out);
        return out.toString();
    }

    private void readOrSkipString(StringBuilder out) throws NotJsonException {
        expect('"');
        boolean pendingHigh = false;
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            char decoded;
            if (c == '"') {
                if (pendingHigh) {
                    throw error("unpaired surrogate in string");
                }
                return;
            } else if (c == '\\') {
                decoded = escape();
            } else if (c < 0x20) {
                throw error("unescaped control character in string");
            } else {
                decoded = c;
            }
            // Surrogates must pair up whether written raw or as \\u escapes.
            if (Character.isHighSurrogate(decoded)) {
                if (pendingHigh) {
                    throw error("unpaired surrogate in string");
                }
                pendingHigh = true;
            } else if (Character.isLowSurrogate(decoded)) {
                if (!pendingHigh) {
                    throw error("unpaired surrogate in string");
                }
                pendingHigh = false;
            } else if (pendingHigh) {
                throw error("unpaired surrogate in string");
            }
            if (out != null) {
                out.append(decoded);
            }
        }
    }

    private char escape() throws NotJsonException {
        char e = next();
        switch (e) {
            case '"', '\\', '/':
                return e;
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                int value = 0;
                for (int i = 0; i < 4; i++) {
                    int digit = Character.digit(next(), 16);
                    if (digit < 0) {
                        throw error("bad \\u escape");
                    }
                    value = value * 16 + digit;
                }
                if (value == 0) {
                    throw error("\\u0000 is not allowed (PostgreSQL cannot store it)");
                }
                return (char) value;
            default:
                throw error("bad escape");
        }
    }

    private void skipNumber() throws NotJsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int intStart = pos;
        if (peek() == '0') {
            pos++;
        } else {
            digits();
        }
        int intDigits = pos - intStart;
        int fracStart = pos;
        int fracDigits = 0;
        if (pos < text.length() && text.charAt(pos) == '.') {
            pos++;
            fracStart = pos;
            digits();
            fracDigits = pos - fracStart;
        }
        long exponent = 0;
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos++;
            boolean negative = false;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                negative = text.charAt(pos) == '-';
                pos++;
            }
            int expStart = pos;
            digits();
            for (int i = expStart; i < pos; i++) {
                // Saturates: anything beyond the limit is refused alike, however many digits it has.
                exponent = Math.min(exponent * 10 + (text.charAt(i) - '0'), MAX_NUMBER_DIGITS + 1L);
            }
            exponent = negative ? -exponent : exponent;
        }
        checkNumberRange(start, intStart, intDigits, fracStart, fracDigits, exponent);
    }

    /**
     * Refuses a number beyond {@link #NUMBER_RULE}. PostgreSQL's {@code jsonb} keeps numbers as
     * {@code numeric} and fails the whole insert for one it cannot hold ({@code 1e999999999}); JSON-B
     * reads them as {@code BigDecimal}, which holds far more.
     */
    private void checkNumberRange(int start, int intStart, int intDigits, int fracStart, int fracDigits,
                                  long exponent) throws NotJsonException {
        if (exponent == 0 && intDigits <= MAX_NUMBER_DIGITS && fracDigits <= MAX_NUMBER_DIGITS) {
            return;
        }
        int leadingZeros = 0;
        while (leadingZeros < intDigits && text.charAt(intStart + leadingZeros) == '0') {
            leadingZeros++;
        }
        if (leadingZeros == intDigits) {
            for (int i = fracStart; i < fracStart + fracDigits && text.charAt(i) == '0'; i++) {
                leadingZeros++;
            }
        }
        boolean zero = leadingZeros == intDigits + fracDigits;
        // Where the point falls among the written digits, and so how many stand before and after it.
        long before = zero ? 0 : intDigits + exponent - leadingZeros;
        long after = fracDigits - exponent;
        if (Math.abs(exponent) > MAX_NUMBER_DIGITS || before > MAX_NUMBER_DIGITS || after > MAX_NUMBER_DIGITS) {
            String number = text.substring(start, Math.min(pos, start + 20)) + (pos - start > 20 ? "…" : "");
            throw new NotJsonException("number " + number + " is out of range: " + NUMBER_RULE + " (at offset "
                    + start + ")");
        }
    }

    private void digits() throws NotJsonException {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw error("expected a digit");
        }
    }

    private void skipLiteral(String word) throws NotJsonException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character");
        }
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() throws NotJsonException {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private char next() throws NotJsonException {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) throws NotJsonException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private NotJsonException error(String what) {
        return new NotJsonException(what + " at offset " + Math.min(pos, text.length()));
    }
}

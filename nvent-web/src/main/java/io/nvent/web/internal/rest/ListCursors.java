package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code after} cursor of a list paged by position (a queue's jobs, a trigger's history): the list's scope and
 * the position after a page's last item, opaque to clients (base64url of them), so that what they hold may change
 * without breaking links they kept. A position means something only in its own list, so its scope travels with it.
 */
final class ListCursors {

    private ListCursors() {
    }

    /** The cursor of the parts, none holding a line break. */
    static String of(String... parts) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The parts a cursor holds, {@code count} of them, the last not blank; a 400 (NVENT-0774) naming {@code madeBy}
     * for any other value.
     */
    static String[] parts(String name, String value, int count, String madeBy) {
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(value.trim()), StandardCharsets.UTF_8).split("\n", count);
        } catch (IllegalArgumentException e) {
            parts = new String[0];
        }
        if (parts.length != count || parts[count - 1].isBlank()) {
            throw QueryParams.invalid(name, value, "the cursor of " + madeBy);
        }
        return parts;
    }
}

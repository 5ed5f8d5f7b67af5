package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code after} parameter of a queue's job list: the queue adapter's position after a page's last job
 * ({@link io.nvent.spi.JobPage#next}), opaque to clients (base64url of it), as the run list's cursors are
 * ({@link RunCursors}).
 */
final class JobCursors {

    private JobCursors() {
    }

    /** The cursor of an adapter's position. */
    static String of(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    /** The adapter's position a cursor holds; empty when the parameter is absent; a 400 (NVENT-0774) for no cursor. */
    static Optional<String> parse(String name, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            String position = new String(Base64.getUrlDecoder().decode(value.trim()), StandardCharsets.UTF_8);
            if (!position.isBlank()) {
                return Optional.of(position);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw QueryParams.invalid(name, value, "the cursor of a Link rel=\"next\" header of the job list");
    }
}

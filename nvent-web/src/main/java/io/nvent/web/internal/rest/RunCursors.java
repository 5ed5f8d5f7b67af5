package io.nvent.web.internal.rest;

import io.nvent.RunPosition;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code after} parameter of the run list: the position of the last run of a page, opaque to
 * clients (base64url of its start and id), so that what it holds may change without breaking links
 * they kept.
 */
final class RunCursors {

    private RunCursors() {
    }

    /** The cursor of a position. */
    static String of(RunPosition position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (position.startedAt() + " " + position.runId()).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor of the run list ({@code GET /api/nvent/runs}) holds; empty when absent. */
    static Optional<RunPosition> parse(String name, String value) {
        return parse(name, value, "a Link rel=\"next\" header of the run list");
    }

    /**
     * The position a cursor holds; empty when the parameter is absent.
     *
     * @param madeBy where the cursor comes from, for a refusal: the answer of the request it pages through
     */
    static Optional<RunPosition> parse(String name, String value, String madeBy) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(value.trim()), StandardCharsets.UTF_8);
            int space = text.indexOf(' ');
            if (space > 0 && space < text.length() - 1) {
                return Optional.of(new RunPosition(Instant.parse(text.substring(0, space)), text.substring(space + 1)));
            }
        } catch (IllegalArgumentException | DateTimeException e) {
            // answered below
        }
        throw QueryParams.invalid(name, value, "the cursor of " + madeBy);
    }
}

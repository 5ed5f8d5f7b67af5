package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** The checks {@link BulkRetry} and {@link BulkCancel} share; package-private, no API. */
final class BulkChecks {

    private BulkChecks() {
    }

    static void requireFlow(String flow) {
        if (Objects.requireNonNull(flow, "flow").isBlank()) {
            throw new IllegalArgumentException("flow must not be blank");
        }
    }

    static void requireWindow(Optional<Instant> from, Optional<Instant> to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from.isPresent() && to.isPresent() && !to.get().isAfter(from.get())) {
            throw new IllegalArgumentException("to must be after from (runs started within [from, to)); was from "
                    + from.get() + ", to " + to.get());
        }
    }

    static void requireLimit(int limit, int max) {
        if (limit < 1 || limit > max) {
            throw new IllegalArgumentException("limit must be within 1.." + max + ", was " + limit);
        }
    }
}

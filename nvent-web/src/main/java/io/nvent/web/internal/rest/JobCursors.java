package io.nvent.web.internal.rest;

import java.util.Optional;

/**
 * The {@code after} parameter of a queue's job list: the queue adapter's position after a page's last job
 * ({@link io.nvent.spi.JobPage#next}), with the queue and state of the list it pages, opaque to clients ({@link ListCursors}
 * of them), as the run list's cursors are ({@link RunCursors}). A position means something only in its own list
 * (a row id of the PostgreSQL queue would page any list of it, silently starting it part way), so a cursor of
 * another queue or state is refused.
 */
final class JobCursors {

    private JobCursors() {
    }

    /** The cursor of an adapter's position in the list of a queue's jobs in a state. */
    static String of(String queue, String state, String position) {
        return ListCursors.of(queue, state, position);
    }

    /**
     * The adapter's position a cursor holds; empty when the parameter is absent; a 400 (NVENT-0774) for no cursor,
     * and (NVENT-1112) for one of another queue's or state's list.
     */
    static Optional<String> parse(String name, String value, String queue, String state) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String[] parts = ListCursors.parts(name, value, 3, "a Link rel=\"next\" header of the job list");
        if (!parts[0].equals(queue) || !parts[1].equals(state)) {
            throw new IllegalArgumentException("NVENT-1112 query parameter '" + name + "' is a cursor of the job list"
                    + " of queue '" + parts[0] + "' in state " + parts[1] + ", not of queue '" + queue + "' in state "
                    + state + ": follow the Link rel=\"next\" header of the list you page, or list its first page"
                    + " again (without '" + name + "')");
        }
        return Optional.of(parts[2]);
    }
}

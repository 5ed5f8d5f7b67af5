package io.nvent.spi;

import io.nvent.NventException;
import java.util.Objects;

/**
 * An adapter (a {@link FlowStore}, {@link SchedulingStore}, {@link JobQueue} or {@link EventStream})
 * cannot reach its backend right now: the database or broker is down, refuses connections, or the
 * adapter's pool has none to give. Adapters throw it so that the engine sees one type for every
 * outage, whatever the backend's own exceptions are: it treats it as "store unavailable" — an
 * attempt that failed with it does not use up the step's attempts, and the step is queued again
 * once the store is back — and the REST API answers {@code 503} with {@code Retry-After}, naming
 * the adapter but not the backend's message (which can name hosts and ports).
 *
 * <p>Only for failures that may pass by themselves: a failure that repeating cannot cure (a
 * constraint, a payload too large, a bug) is another exception.
 *
 * @since 0.2
 */
public class AdapterUnavailableException extends NventException {

    private static final long serialVersionUID = 1L;

    /** The message id every such failure starts with, also found in the text a queue keeps of a failed job. */
    public static final String MESSAGE_ID = "NVENT-0250";

    /** The adapter's name, as configured. */
    private final String adapter;

    /**
     * An outage of the named adapter's backend, with a message ({@value #MESSAGE_ID}) naming the adapter.
     *
     * @param adapter the adapter's name, as in its {@link Adapter} qualifier and the configuration,
     *     such as {@code "jpa"} or {@code "jms"}
     * @param detail what could not be reached, for the log
     * @param cause the backend's failure, or {@code null}
     * @throws NullPointerException if {@code adapter} or {@code detail} is {@code null}
     */
    public AdapterUnavailableException(String adapter, String detail, Throwable cause) {
        super(MESSAGE_ID + " adapter '" + Objects.requireNonNull(adapter, "adapter") + "' cannot reach its backend: "
                + Objects.requireNonNull(detail, "detail"), cause);
        this.adapter = adapter;
    }

    /**
     * The adapter that could not reach its backend.
     *
     * @return its name, such as {@code "jpa"}
     */
    public String adapter() {
        return adapter;
    }

    /**
     * An outage may pass: the same call may succeed later.
     *
     * @return {@code true}
     */
    @Override
    public final boolean isRetryable() {
        return true;
    }
}

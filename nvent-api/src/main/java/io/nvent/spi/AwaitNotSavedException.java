package io.nvent.spi;

import io.nvent.NventException;
import java.util.Objects;

/**
 * A store refused an await it was to save together with a change of its run ({@link RunChange#awaits}), for the
 * await's own sake: its held events or data past the store's payload limit, an id it holds already. Nothing of the
 * change is stored: the run is as it was. The engine then stores the change failing the await's step instead, so the
 * run does not wait on an await that is not there. A failure of the store itself (the database away) is not this
 * exception but the store's usual one ({@link AdapterUnavailableException}): the whole change failed.
 *
 * @since 0.2
 */
public class AwaitNotSavedException extends NventException {

    private static final long serialVersionUID = 1L;

    /** The await refused. */
    private final transient AwaitRecord await;

    /**
     * @param message what the store refused, starting with the store's message id
     * @param await the await refused
     * @param cause why: the refusal {@link SchedulingStore#saveAwait} would have thrown for it
     * @throws NullPointerException if {@code await} or {@code cause} is {@code null}
     */
    public AwaitNotSavedException(String message, AwaitRecord await, RuntimeException cause) {
        super(message, Objects.requireNonNull(cause, "cause"));
        this.await = Objects.requireNonNull(await, "await");
    }

    /**
     * The await refused.
     *
     * @return the await, as the change carried it
     */
    public AwaitRecord await() {
        return await;
    }

    /**
     * Why the store refused it.
     *
     * @return the refusal {@link SchedulingStore#saveAwait} would have thrown for the await
     */
    public RuntimeException refusal() {
        return (RuntimeException) getCause();
    }
}

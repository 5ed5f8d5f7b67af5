package io.nvent.spi;

/**
 * The scope of one attempt of a step, opened by {@link AttemptInterceptor#open}: the engine closes it
 * right after the step's code returned or threw, on the thread that opened it, having told it the
 * failure first ({@link #failed}).
 *
 * @since 0.2
 */
public interface AttemptScope extends AutoCloseable {

    /** A scope that records nothing. */
    AttemptScope NONE = () -> { };

    /**
     * The step's code threw: called once, before {@link #close()}. Whether the attempt is retried is
     * decided later, by the queue; the scope sees the failure of this attempt only. Does nothing by default.
     *
     * @param failure what the step's code threw (a timeout's interrupt shows as what the step made of it)
     */
    default void failed(Throwable failure) {
    }

    /** Ends the scope: the attempt's code has ended. */
    @Override
    void close();
}

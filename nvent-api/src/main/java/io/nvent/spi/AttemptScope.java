package io.nvent.spi;

import java.util.Map;

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

    /**
     * Where the attempt can be found in what the interceptor records it to, for an operator who looks at the attempt
     * in the run's history: the engine writes these fields, of every scope of the attempt together, as the object
     * {@code "trace"} of the history entry that ends the attempt ({@code step.completed}, {@code step.retry},
     * {@code step.failed}, or {@code step.canceled} when its run was canceled as it ran), which the console shows
     * (and links, with {@code nvent.console.trace-url}) and the REST API returns. For a trace, {@code traceId} and {@code spanId} of the attempt's span, only while it is recorded:
     * an id nothing exports leads nowhere. Asked once, right after the scope opened, on its thread. Small: each
     * ending entry holds them. Empty (the default) writes nothing; the entry is then what it was without
     * interceptors.
     *
     * @return the fields naming the attempt, strings, none of them a null key or value (the engine names nothing
     *     from such a map, logged); empty for none
     * @since 0.2
     */
    default Map<String, String> trace() {
        return Map.of();
    }

    /** Ends the scope: the attempt's code has ended. */
    @Override
    void close();
}

package io.nvent.cdi.internal.engine;

import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.ThrottledWarning;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@link AttemptInterceptor}s the engine calls: what they capture where a step is handed on goes into the
 * step's job ({@link StepJob#trace()}), and each attempt runs inside the scopes they open with it. Without any
 * ({@link #NONE}, {@link #isActive()} false) the engine calls none of this: no capture, no map, no scope.
 *
 * <p>A step handed on from a worker that runs a step of the same run carries that step's trace ({@link #carry}):
 * the run's steps are siblings in the trace they were started in, and the worker's context (closed with the
 * attempt's scope) has nothing left to capture. Any other hand-on captures the calling thread's context: a
 * start (a child started by a step is inside the step's scope, and nests under its attempt), a trigger's fire,
 * an await resolved by a request, an operator's retry.
 *
 * <p>What an interceptor throws is logged at most once a minute and changes nothing: a trace is never worth a
 * step's attempt.
 */
final class AttemptInterception {

    /** Logs under the engine's name: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    /** No interceptors: the engine calls none of this. */
    static final AttemptInterception NONE = new AttemptInterception(List.of());
    /** The trace of the step this worker thread runs, by its run: the one its run's next steps carry. */
    private static final ThreadLocal<Carried> CARRIED = new ThreadLocal<>();
    /**
     * What the attempt that emitted the events this thread delivers captured in its scope: the runs they start
     * or resume here are linked to it ({@link AttemptInterceptor#captureLinked}).
     */
    private static final ThreadLocal<Map<String, String>> PRODUCER = new ThreadLocal<>();

    private final List<AttemptInterceptor> interceptors;
    private final ThrottledWarning failures = new ThrottledWarning(LOG, Duration.ofMinutes(1));

    private AttemptInterception(List<AttemptInterceptor> interceptors) {
        this.interceptors = interceptors;
    }

    /** The interceptors given, in the order their scopes open. */
    static AttemptInterception of(List<AttemptInterceptor> interceptors) {
        return interceptors.isEmpty() ? NONE : new AttemptInterception(List.copyOf(interceptors));
    }

    /** A trace carried by the step of a run that this thread runs. */
    private record Carried(String runId, Map<String, String> trace) {
    }

    /** Whether any interceptor is registered: nothing here is called otherwise. */
    boolean isActive() {
        return !interceptors.isEmpty();
    }

    /**
     * The trace the step handed on from this thread carries: the one of the step of its run this thread runs, else
     * what the interceptors capture here for it.
     */
    Map<String, String> traceFor(StepHandOn handOn) {
        Carried carried = CARRIED.get();
        if (carried != null && carried.runId().equals(handOn.runId())) {
            return carried.trace();
        }
        Map<String, String> producer = PRODUCER.get();
        return producer == null ? capture(handOn) : capture(handOn, i -> i.captureLinked(handOn, producer));
    }

    /**
     * The trace of a step the maintenance sweep queues again: {@code kept}, the one of its earlier job, if the queue
     * still had it; else the one of the step of its run this thread runs (a delivery that found the step's execution
     * lost); else what the interceptors make of a recovery ({@link AttemptInterceptor#captureRecovered}).
     */
    Map<String, String> traceOfRecovered(StepHandOn handOn, Map<String, String> kept) {
        if (!kept.isEmpty()) {
            return kept;
        }
        Map<String, String> carried = carriedFor(handOn.runId());
        return carried.isEmpty() ? capture(handOn, i -> i.captureRecovered(handOn)) : carried;
    }

    /**
     * Delivers the events an attempt emitted ({@code delivery}), linking the runs they start or resume on this thread
     * to what the attempt captured in its scope ({@code producer}; to nothing if empty, also within the delivery of
     * another attempt's events: an after-await's held events released as that delivery resolves the await were not
     * that attempt's).
     */
    void deliverEmitted(Map<String, String> producer, Runnable delivery) {
        Map<String, String> before = PRODUCER.get();
        if (producer.isEmpty() && before == null) {
            delivery.run();
            return;
        }
        if (producer.isEmpty()) {
            PRODUCER.remove();
        } else {
            PRODUCER.set(producer);
        }
        try {
            delivery.run();
        } finally {
            if (before == null) {
                PRODUCER.remove();
            } else {
                PRODUCER.set(before);
            }
        }
    }

    /** What every interceptor captures on this thread for {@code handOn}, together; empty if none captures anything. */
    Map<String, String> capture(StepHandOn handOn) {
        return capture(handOn, i -> i.capture(handOn));
    }

    /**
     * What the interceptors capture, each as {@code how} asks it, together. One that throws, or returns a field with a
     * null key or value (no job could carry it: {@link Map#copyOf} refuses it, and a job's JSON has no null field) or
     * one no string, adds nothing, logged: the hand-on goes on, and with it the start, the emit or the recovery that
     * made it.
     */
    private Map<String, String> capture(StepHandOn handOn, Function<AttemptInterceptor, Map<String, String>> how) {
        Map<String, String> captured = Map.of();
        for (AttemptInterceptor interceptor : interceptors) {
            Map<String, String> fields;
            Optional<String> unset;
            try {
                fields = how.apply(interceptor);
                fields = fields == null ? Map.of() : fields;
                // Within the try: the interceptor's own map is read here, and may throw as it is (a view of a
                // context that went away, one changed under us).
                unset = withoutValue(fields);
                // the job keeps it: the interceptor may reuse its own map
                fields = unset.isPresent() ? Map.of() : Map.copyOf(fields);
            } catch (RuntimeException | Error failure) {
                rethrowIfFatal(failure);
                warn("NVENT-0423 attempt interceptor " + interceptor + " failed to capture the context of step '"
                        + handOn.step() + "' of run " + handOn.runId() + " handed on; the step carries none from it: "
                        + failure);
                continue;
            }
            if (unset.isPresent()) {
                warn("NVENT-0485 attempt interceptor " + interceptor + " captured " + unset.get() + " for step '"
                        + handOn.step() + "' of run " + handOn.runId() + " handed on, which no job can carry; the step"
                        + " carries nothing from it (an interceptor leaves out a field it has no value for)");
                continue;
            }
            if (!fields.isEmpty()) {
                captured = captured.isEmpty() ? fields : merged(captured, fields);
            }
        }
        return captured;
    }

    /**
     * Which of {@code fields} has a null key or value, or one no string, described; empty if none has. Read untyped: a
     * map an interceptor typed raw holds what it was given, and a job's or an entry's JSON, which writes each field
     * as a string, would fail on it, the start or the attempt with it.
     */
    private static Optional<String> withoutValue(Map<String, String> fields) {
        for (Map.Entry<?, ?> field : ((Map<?, ?>) fields).entrySet()) {
            // its value may be a secret: not logged
            if (!(field.getKey() instanceof String key)) {
                return Optional.of(field.getKey() == null ? "a field with a null key"
                        : "a field whose key is no string (" + field.getKey().getClass().getName() + ")");
            }
            if (field.getValue() == null) {
                return Optional.of("the field '" + key + "' with a null value");
            }
            if (!(field.getValue() instanceof String)) {
                return Optional.of("the field '" + key + "' with a value that is no string ("
                        + field.getValue().getClass().getName() + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Runs a step of a run on this thread (or hands on several of them), carrying its trace to the steps of the run
     * it hands on, until it returns the token it gave ({@link #restore}).
     */
    Object carry(String runId, Map<String, String> trace) {
        Carried before = CARRIED.get();
        CARRIED.set(new Carried(runId, trace));
        return before;
    }

    /** The step {@link #carry} was given ended: this thread carries what it did before. */
    void restore(Object token) {
        if (token == null) {
            CARRIED.remove();
        } else {
            CARRIED.set((Carried) token);
        }
    }

    /** The trace the step of {@code runId} that this thread runs carries; empty if it runs none of it. */
    Map<String, String> carriedFor(String runId) {
        Carried carried = CARRIED.get();
        return carried != null && carried.runId().equals(runId) ? carried.trace() : Map.of();
    }

    /**
     * Runs a step's code inside the interceptors' scopes of its attempt, opened in their order and closed in the
     * reverse one, each told the failure first if the code threw. What the scopes name the attempt as, together,
     * goes to {@code tracedAs} once they are open, before the code runs ({@link AttemptScope#trace}; not called for
     * nothing). An interceptor's own failure is logged.
     */
    <T> T around(AttemptInfo attempt, Consumer<Map<String, String>> tracedAs, Callable<T> code) throws Exception {
        Map<String, String> trace = carriedFor(attempt.runId());
        AttemptScope[] scopes = new AttemptScope[interceptors.size()];
        try {
            // Inside the try: the scopes opened before one that fails are closed all the same, or their context
            // would stay current on this pooled worker, for the attempts of other runs it runs next.
            for (int i = 0; i < scopes.length; i++) {
                scopes[i] = open(interceptors.get(i), attempt, trace);
            }
            Map<String, String> named = traceOf(scopes, attempt);
            if (!named.isEmpty()) {
                tracedAs.accept(named);
            }
            return code.call();
        } catch (Exception | Error failure) {
            for (int i = scopes.length - 1; i >= 0; i--) {
                tellFailed(scopes[i], failure, attempt);
            }
            throw failure;
        } finally {
            closeFrom(scopes, scopes.length - 1, attempt);
        }
    }

    /** Closes the scopes from {@code index} down, each also when one closed after it threw what is not caught. */
    private void closeFrom(AttemptScope[] scopes, int index, AttemptInfo attempt) {
        if (index < 0) {
            return;
        }
        try {
            close(scopes[index], attempt);
        } finally {
            closeFrom(scopes, index - 1, attempt);
        }
    }

    private AttemptScope open(AttemptInterceptor interceptor, AttemptInfo attempt, Map<String, String> trace) {
        try {
            AttemptScope scope = interceptor.open(attempt, trace);
            return scope == null ? AttemptScope.NONE : scope;
        } catch (RuntimeException | Error failure) {
            rethrowIfFatal(failure);
            warn("NVENT-0424 attempt interceptor " + interceptor + " failed to open the scope of " + describe(attempt)
                    + "; the step runs without it: " + failure);
            return AttemptScope.NONE;
        }
    }

    /**
     * What the scopes name the attempt as, together; one that throws, or names a field with a null key or value or
     * one no string (no history entry could hold it), names nothing, logged.
     */
    private Map<String, String> traceOf(AttemptScope[] scopes, AttemptInfo attempt) {
        Map<String, String> named = Map.of();
        for (AttemptScope scope : scopes) {
            Map<String, String> fields;
            Optional<String> unset;
            try {
                fields = scope.trace();
                fields = fields == null ? Map.of() : fields;
                unset = withoutValue(fields);
                fields = unset.isPresent() ? Map.of() : Map.copyOf(fields);
            } catch (RuntimeException | Error failure) {
                rethrowIfFatal(failure);
                warn("NVENT-0424 attempt scope " + scope + " failed to name " + describe(attempt)
                        + " for its history entry; the entry names no trace from it: " + failure);
                continue;
            }
            if (unset.isPresent()) {
                warn("NVENT-0486 attempt scope " + scope + " named " + describe(attempt) + " with " + unset.get()
                        + ", which no history entry can hold; the entry names no trace from it (a scope leaves out a"
                        + " field it has no value for)");
                continue;
            }
            if (!fields.isEmpty()) {
                named = named.isEmpty() ? fields : merged(named, fields);
            }
        }
        return named;
    }

    private static Map<String, String> merged(Map<String, String> first, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(first);
        all.putAll(more);
        return all;
    }

    private void tellFailed(AttemptScope scope, Throwable failure, AttemptInfo attempt) {
        if (scope == null) {
            return;   // not opened: the failure is an interceptor's own, before the step's code
        }
        try {
            scope.failed(failure);
        } catch (RuntimeException | Error own) {
            rethrowIfFatal(own);
            warn("NVENT-0425 attempt scope " + scope + " failed to record the failure of " + describe(attempt)
                    + "; the step's failure stands: " + own);
        }
    }

    private void close(AttemptScope scope, AttemptInfo attempt) {
        if (scope == null) {
            return;
        }
        try {
            scope.close();
        } catch (RuntimeException | Error own) {
            rethrowIfFatal(own);
            warn("NVENT-0426 attempt scope " + scope + " failed to close after " + describe(attempt)
                    + "; the attempt's outcome stands: " + own);
        }
    }

    /**
     * An interceptor's error (an assertion, a stack overflow, a class missing) is its own and fails no step; the
     * machine's (out of memory) is everyone's.
     */
    private static void rethrowIfFatal(Throwable failure) {
        if (failure instanceof VirtualMachineError fatal && !(failure instanceof StackOverflowError)) {
            throw fatal;
        }
    }

    /** At most one line a minute, counting the others: an interceptor that fails does so on every attempt. */
    private void warn(String message) {
        failures.add(1, times -> message + (times > 1 ? " (" + times + " interceptor failures since the last line)"
                : ""));
    }

    private static String describe(AttemptInfo attempt) {
        return "attempt " + attempt.attempt() + " of step '" + attempt.step() + "' of run " + attempt.runId();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.StepFailed;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.json.JsonObject;
import jakarta.json.stream.JsonParser;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Fires {@link RunStarted}, {@link RunEnded} and {@link StepFailed} to the engine's hooks, built from what was stored of a run
 * (its entries, and the run as stored), so that they cost no read or write of the store; and nothing at all
 * while no one observes them ({@link #observedBy}).
 */
final class RunLifecycleHooks {

    /** Logs under the engine's name, as the rest of the engine's parts do. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    private final Consumer<Object> hooks;
    private volatile boolean runStartedObserved = true;
    private volatile boolean runEndedObserved = true;
    private volatile boolean stepFailedObserved = true;

    RunLifecycleHooks(Consumer<Object> hooks) {
        this.hooks = hooks;
    }

    /** Which of the events anyone observes; until told, all are fired. */
    void observedBy(Predicate<Class<?>> observed) {
        runStartedObserved = observed.test(RunStarted.class);
        runEndedObserved = observed.test(RunEnded.class);
        stepFailedObserved = observed.test(StepFailed.class);
    }

    /** Fires a {@link StepFailed} for each failed attempt or step among stored entries of a run of {@code flow}. */
    void stored(String flow, List<HistoryEvent> events) {
        if (!stepFailedObserved) {
            return;
        }
        for (HistoryEvent event : events) {
            try {
                stepFailure(flow, event).ifPresent(this::fire);
            } catch (RuntimeException unreadable) {
                // The failure is stored; only its event is lost, and it is no reason to stop the run.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0431 could not tell observers of StepFailed about entry "
                        + event.seq() + " of run " + event.runId(), unreadable);
            }
        }
    }

    /**
     * Fires a {@link RunStarted} for a run just stored as started, with the entries stored with it (its
     * {@code flow.start} names the trigger that fired it, if one did).
     *
     * @param startsAt for a delayed start, when its first step is due
     */
    void started(RunRecord run, Optional<Instant> startsAt, List<HistoryEvent> stored) {
        if (!runStartedObserved) {
            return;
        }
        Optional<String> trigger = Optional.empty();
        for (HistoryEvent event : stored) {
            if (event.type() == EventType.FLOW_START) {
                try {
                    trigger = triggerOf(event.data());
                } catch (RuntimeException unreadable) {
                    // The run is started all the same: its observers are told so, only not by which trigger.
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0422 could not read which trigger started run "
                            + run.runId() + " for its RunStarted; it is told without one", unreadable);
                }
            }
        }
        fire(new RunStarted(run.runId(), run.flow(), run.startedAt(), startsAt, run.parentRunId(), run.labels(),
                run.idempotencyKey(), trigger, run.deadline()));
    }

    /**
     * The trigger a {@code flow.start}'s data names, read up to the run's input, which the engine writes last and
     * which is not parsed: it may be large, or hold a number no {@code BigDecimal} holds.
     */
    private static Optional<String> triggerOf(String startData) {
        try (JsonParser parser = Json.PROVIDER.createParser(new StringReader(startData))) {
            parser.next();   // the object's start
            while (parser.next() == JsonParser.Event.KEY_NAME) {
                String key = parser.getString();
                if (key.equals("input")) {
                    return Optional.empty();
                }
                JsonParser.Event value = parser.next();
                if (key.equals("trigger") && value == JsonParser.Event.VALUE_STRING) {
                    return Optional.of(parser.getString());
                } else if (value == JsonParser.Event.START_OBJECT) {
                    parser.skipObject();
                } else if (value == JsonParser.Event.START_ARRAY) {
                    parser.skipArray();
                }
            }
            return Optional.empty();
        }
    }

    /** Fires a {@link RunEnded} if a stored change ended its run. */
    void stored(StoredChange change) {
        if (!runEndedObserved) {
            return;
        }
        for (HistoryEvent event : change.events()) {
            if (event.type().isTerminal()) {
                fire(runEnded(change.run(), event));
            }
        }
    }

    private static RunEnded runEnded(RunRecord run, HistoryEvent end) {
        RunStatus status = switch (end.type()) {
            case FLOW_COMPLETED -> RunStatus.COMPLETED;
            case FLOW_FAILED -> RunStatus.FAILED;
            default -> RunStatus.CANCELED;
        };
        Optional<String> error = status == RunStatus.FAILED ? run.error() : Optional.empty();
        return new RunEnded(run.runId(), run.flow(), status, error, run.startedAt(), end.timestamp(), run.parentRunId(),
                run.labels());
    }

    /**
     * The failure an entry records: a {@code step.failed}, or a {@code step.retry} of a failed attempt that runs
     * again (which names its next attempt; the other retries are a worker handing a job back, a lost step queued
     * again, an operator's).
     */
    private static Optional<StepFailed> stepFailure(String flow, HistoryEvent event) {
        if (event.type() != EventType.STEP_FAILED && event.type() != EventType.STEP_RETRY || event.step().isEmpty()) {
            return Optional.empty();
        }
        JsonObject data = Json.PROVIDER.createReader(new StringReader(event.data())).readObject();
        boolean willRetry = event.type() == EventType.STEP_RETRY;
        // A failure not worth a retry that the queue retries all the same ("retryable": false) does not run again:
        // its next delivery fails the step for good, with a step.failed of this attempt that tells it then.
        if (willRetry && (!data.containsKey("nextAttempt") || data.get("retryable") == JsonValue.FALSE)) {
            return Optional.empty();
        }
        Optional<Instant> nextAttemptAt = willRetry
                ? Optional.of(Instant.parse(data.getString("nextAttemptAt"))) : Optional.empty();
        return Optional.of(new StepFailed(event.runId(), flow, event.step().get(), event.attempt(),
                data.getInt("maxAttempts", 0), data.getString("error", ""), willRetry, nextAttemptAt));
    }

    private void fire(Object event) {
        try {
            hooks.accept(event);
        } catch (RuntimeException | Error e) {
            // An Error too (a class the observer cannot load, a test's failed assertion): it is fired in the middle
            // of publishing the change, and what follows (the concurrency key handed on, the parent told, the
            // canceled run's awaits closed) must still happen.
            observerFailed(event, e);
        }
    }

    /** Logs an observer's failure: the run's change is stored, and an observer can neither undo nor block it. */
    static void observerFailed(Object event, Throwable failure) {
        LOG.log(System.Logger.Level.WARNING, "NVENT-0430 an observer of " + event.getClass().getSimpleName()
                + " failed for " + event + "; the run goes on as stored", failure);
    }
}

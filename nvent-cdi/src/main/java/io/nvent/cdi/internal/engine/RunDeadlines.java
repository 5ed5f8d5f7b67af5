package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ends the runs still under way at their deadline ({@link io.nvent.StartOptions#timeout()},
 * {@link io.nvent.FlowStep#runTimeoutMs()}): failed, with a {@code flow.failed} entry whose {@code "reason"} is
 * {@code "timed out"}, and stopped as a cancel stops a run. The maintenance sweep of every instance asks for a page
 * of them; the end is a change of the run checked against its version and its deadline, so that instances racing to
 * end one end it once, and a run that ended, or was retried to a later deadline, meanwhile is left alone.
 */
final class RunDeadlines {

    private static final System.Logger LOG = System.getLogger(RunDeadlines.class.getName());
    /** The message id a timed-out run's error begins with: what tells its end from a step's failure. */
    static final String TIMED_OUT = "NVENT-0400";

    private final FlowStore store;
    private final Clock clock;
    private final RunPublisher publisher;
    private final AwaitResolution awaitResolution;
    /** Steps this instance executes right now (the engine's). */
    private final StepExecutions executionsHere;

    RunDeadlines(FlowStore store, Clock clock, RunPublisher publisher, AwaitResolution awaitResolution,
                 StepExecutions executionsHere) {
        this.store = store;
        this.clock = clock;
        this.publisher = publisher;
        this.awaitResolution = awaitResolution;
        this.executionsHere = executionsHere;
    }

    /**
     * Ends up to {@code limit} runs past their deadline, earliest deadline first, from after {@code after}; the rest
     * are left to the next sweeps. A run that cannot be ended now (the store briefly away, or a row it cannot write)
     * stays under way and is tried again when the pages come round to it: it holds up none due after it.
     *
     * @return where the next page starts: after the last run of this one, or at the first due once this page came
     *     back short
     */
    Optional<RunDeadline> timeOutDue(Optional<RunDeadline> after, int limit) {
        List<RunDeadline> page = store.runsPastDeadline(clock.instant(), after, limit);
        for (RunDeadline due : page) {
            try {
                timeOut(due.runId());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0401 run " + due.runId() + " is past its deadline ("
                        + due.deadline() + ") and could not be ended as timed out; the maintenance sweep tries it"
                        + " again on its next round, and goes on with the runs due after it", e);
            }
        }
        return page.size() < limit ? Optional.empty() : Optional.of(page.get(page.size() - 1));
    }

    /**
     * Ends the run as timed out if it is still under way past its deadline: its change is stored only if the run
     * is unchanged since read, so of two instances one ends it. What follows is what follows a cancel: the end
     * published (its concurrency key handed on, its parent's await on its children checked), its awaits closed,
     * its steps running here asked to stop; those running on other instances are asked by their sweep
     * ({@link OperatorActions#followCancels}).
     *
     * @return whether this call ended it
     */
    boolean timeOut(String runId) {
        Instant now = clock.instant();
        Optional<StoredChange> change = store.updateRun(runId, run -> run.isPastDeadline(now)
                ? Optional.of(timedOut(run, now)) : Optional.empty());
        change.ifPresent(c -> {
            LOG.log(System.Logger.Level.INFO, c.run().error().orElse(TIMED_OUT + " run " + runId + " timed out"));
            publisher.publish(c);
            awaitResolution.closeAwaitsOf(runId, now);
            executionsHere.requestCancel(runId);
        });
        return change.isPresent();
    }

    /**
     * The run failed at its deadline: every step under way failed with it (a retry of one goes on from there), a
     * {@code step.failed} entry for each, and one {@code flow.failed} entry saying it timed out.
     */
    private static RunChange timedOut(RunRecord run, Instant now) {
        String error = TIMED_OUT + " run '" + run.runId() + "' of flow '" + run.flow() + "' timed out after "
                + run.timeout().orElseThrow() + " (its deadline was " + run.deadline().orElseThrow() + ")";
        List<EventDraft> events = new ArrayList<>();
        RunRecord next = run;
        List<String> stopped = new ArrayList<>();
        for (Map.Entry<String, StepStatus> step : run.steps().entrySet()) {
            if (!step.getValue().isFinal()) {
                next = next.withStep(step.getKey(), StepStatus.FAILED);
                stopped.add(step.getKey());
                events.add(EventDraft.ofStep(EventType.STEP_FAILED, step.getKey(), 0, now, JsonText.object()
                        .str("error", error).str("reason", "timed out").str("previousStatus",
                                step.getValue().wireName()).build()));
            }
        }
        events.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object().str("reason", "timed out")
                .str("timeout", run.timeout().orElseThrow().toString())
                .str("deadline", run.deadline().orElseThrow().toString())
                .str("previousStatus", run.status().wireName()).strings("steps", stopped).str("error", error).build()));
        return new RunChange(next.withFailure(now, error), events);
    }

    /** Whether the run ended at its deadline: its steps still running anywhere are to stop, as a canceled run's. */
    static boolean endedByTimeout(RunRecord run) {
        return run.status() == RunStatus.FAILED && run.error().filter(e -> e.startsWith(TIMED_OUT + " ")).isPresent();
    }
}

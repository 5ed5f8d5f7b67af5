package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.internal.ExitSafeLogger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code step.canceled} entries of steps whose run was canceled while they ran: an attempt that ended
 * after the cancel, and an execution that was lost meanwhile.
 */
final class CanceledSteps {

    /** Logs under the engine's name, as before this class was split out of it: log settings and filters name it. */
    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    /** How a {@code step.canceled} entry begins for an attempt that failed on its own in a run canceled meanwhile. */
    static final String FAILED_AFTER_CANCEL = "the attempt failed after its run was canceled: ";

    private CanceledSteps() {
    }

    /**
     * A step recorded running in a canceled run ends as canceled, with a {@code step.canceled} entry
     * saying why; any other state is left as it is.
     *
     * @param attempt the attempt that ended, or 0 for an execution that was lost
     * @param trace what the attempt interceptors' scopes named the attempt as, if it ran here: the entry ends it,
     *     and names it as every other entry ending an attempt does; empty for none (an execution lost, no interceptor)
     */
    static RunMutation canceledStep(String step, int attempt, Instant now, String reason, Map<String, String> trace) {
        return run -> {
            if (run.status() != RunStatus.CANCELED || run.steps().get(step) != StepStatus.RUNNING) {
                return Optional.empty();
            }
            JsonText data = JsonText.object().str("reason", reason);
            StepRunner.withTrace(data, trace);
            return Optional.of(new RunChange(run.withStep(step, StepStatus.CANCELED), List.of(EventDraft.ofStep(
                    EventType.STEP_CANCELED, step, attempt, now, data.build()))));
        };
    }

    /** A step recorded running in a canceled run, whose execution was lost ({@code cause}), ends as canceled. */
    static RunMutation lostStepOfCanceledRun(String step, Instant now, String cause) {
        return canceledStep(step, 0, now, "the run was canceled and the step's execution was lost (" + cause
                + "); it is not queued again", Map.of());
    }

    static void logLostStepOfCanceledRun(String runId, String step, String cause) {
        LOG.log(System.Logger.Level.INFO, "NVENT-0195 run {0} was canceled, and the execution of its step {1} was"
                + " lost ({2}): the step is recorded canceled", runId, step, cause);
    }
}

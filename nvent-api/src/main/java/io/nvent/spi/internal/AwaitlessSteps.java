package io.nvent.spi.internal;

import io.nvent.AwaitStatus;
import io.nvent.StepStatus;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunRecord;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Which step of a run is recorded {@code awaiting} with no waiting await, decided alike by the engine and stores. */
public final class AwaitlessSteps {

    private AwaitlessSteps() {
    }

    /**
     * @param run a run
     * @param awaitsOfRun its awaits, in any status (the awaits of other runs are ignored)
     * @return a step of the run recorded {@code awaiting} for which none of the awaits waits; empty if none, or if the
     *     run has ended
     */
    public static Optional<String> stepAwaitingNoAwait(RunRecord run, Collection<AwaitRecord> awaitsOfRun) {
        if (run.status().isTerminal() || !run.steps().containsValue(StepStatus.AWAITING)) {
            return Optional.empty();
        }
        Set<String> waiting = awaitsOfRun.stream()
                .filter(await -> await.status() == AwaitStatus.WAITING && await.runId().equals(run.runId()))
                .map(AwaitRecord::step).collect(Collectors.toSet());
        return run.steps().entrySet().stream()
                .filter(step -> step.getValue() == StepStatus.AWAITING && !waiting.contains(step.getKey()))
                .map(Map.Entry::getKey).findFirst();
    }
}

package io.nvent.cdi.internal.engine;

import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The step executions under way on this instance, by run and step. Two executions of one step
 * overlap here in two cases: a duplicate job (a stall-recovery job and the queue's redelivery of
 * the original), which must not run the step again; and the retry of an attempt that timed out but
 * ignores its interrupt, which must run, since the timed-out attempt's result will be refused.
 */
final class StepExecutions {

    /** One attempt of a step running here. */
    static final class StepExecution {
        private final String key;
        private final JobExecution job;
        private final long beganNanos = System.nanoTime();
        private final long timeoutNanos;
        private volatile boolean timedOut;

        private StepExecution(String key, JobExecution job, Duration timeout) {
            this.key = key;
            this.job = job;
            this.timeoutNanos = timeout.toNanos();
        }

        /** Whether the attempt outlived its timeout: the queue failed it, or will when it returns. */
        boolean isPastTimeout() {
            return timedOut || System.nanoTime() - beganNanos > timeoutNanos;
        }

        /** How long the attempt has been running. */
        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - beganNanos);
        }
    }

    private final Map<String, List<StepExecution>> byStep = new ConcurrentHashMap<>();

    /** Registers an execution of {@code step} of {@code runId} that starts now. */
    StepExecution begin(String runId, String step, JobExecution job, Duration timeout) {
        StepExecution execution = new StepExecution(runId + ":" + step, job, timeout);
        byStep.compute(execution.key, (key, others) -> with(others, execution));
        return execution;
    }

    /**
     * Whether another execution of the same step runs here that still counts: one whose attempt has
     * not been failed for its timeout.
     */
    boolean anotherRunsBeside(StepExecution execution) {
        return byStep.getOrDefault(execution.key, List.of()).stream()
                .anyMatch(other -> other != execution && !other.timedOut);
    }

    /** Whether an execution of the step runs here that has not been failed for its timeout. */
    boolean isRunning(String runId, String step) {
        return byStep.getOrDefault(runId + ":" + step, List.of()).stream().anyMatch(e -> !e.timedOut);
    }

    /**
     * Records that the queue failed this attempt for its timeout while it may still run here;
     * true if it does.
     */
    boolean markTimedOut(String runId, String step, JobExecution job) {
        boolean found = false;
        for (StepExecution execution : byStep.getOrDefault(runId + ":" + step, List.of())) {
            if (execution.job.jobId().equals(job.jobId()) && execution.job.attempt() == job.attempt()) {
                execution.timedOut = true;
                found = true;
            }
        }
        return found;
    }

    void end(StepExecution execution) {
        byStep.computeIfPresent(execution.key, (key, executions) -> {
            List<StepExecution> rest = new ArrayList<>(executions);
            rest.remove(execution);
            return rest.isEmpty() ? null : List.copyOf(rest);
        });
    }

    boolean isEmpty() {
        return byStep.isEmpty();
    }

    private static List<StepExecution> with(List<StepExecution> others, StepExecution execution) {
        if (others == null) {
            return List.of(execution);
        }
        List<StepExecution> all = new ArrayList<>(others);
        all.add(execution);
        return List.copyOf(all);
    }
}
